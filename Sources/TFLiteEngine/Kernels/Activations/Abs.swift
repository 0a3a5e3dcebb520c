/// ABS: `|x|`. float32, and int32 (wrapping: |INT32_MIN| is INT32_MIN, as
/// `std::abs` gives on the machines TFLite runs on).
enum Abs {
    static let registration = OperatorRegistration(maxVersion: 5) { ctx in
        let input = try ctx.prepareUnaryElementwise()
        switch input.type {
        case .float32:
            return ElementwiseKernel(ctx: ctx, count: input.elementCount, Operation())
        case .int32:
            return ElementwiseKernel<Int32, Int32>(ctx: ctx, count: input.elementCount) { x, y, n in
                for i in 0..<n { let v = x[i]; y[i] = v < 0 ? 0 &- v : v }
            }
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { x.magnitude }
    }
}
