/// HARD_SWISH: `x · relu6(x + 3) / 6`. float32; int8/uint8 in
/// `HardSwishQuantized`.
enum HardSwish {
    static let registration = OperatorRegistration(maxVersion: 1) { ctx in
        let input = try ctx.prepareUnaryElementwise()
        switch input.type {
        case .float32: return ElementwiseKernel(ctx: ctx, count: input.elementCount, Operation())
        case .int8, .uint8: return try HardSwishQuantized.prepare(ctx, input)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { x * min(max(x + 3, 0), 6) * (1 / 6) }
        /// The scalar form's `max(r, 0)` is `0 >= r ? 0 : r`, its `min(m, 6)` is `6 < m ? 6 : m`.
        @inline(__always) func apply(_ x: FloatVector) -> FloatVector {
            let r = x + 3
            let zero = FloatVector(), six = FloatVector(repeating: 6)
            let m = r.replacing(with: zero, where: zero .>= r)
            let c = m.replacing(with: six, where: six .< m)
            return x * c * (Float(1) / 6)
        }
        static var isVectorized: Bool { true }
    }
}
