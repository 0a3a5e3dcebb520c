/// TANH: hyperbolic tangent. float32; int8/uint8 in `TanhQuantized`.
enum Tanh {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in
        let input = try ctx.prepareUnaryElementwise()
        switch input.type {
        case .float32: return ElementwiseKernel(ctx: ctx, count: input.elementCount, Operation())
        case .int8, .uint8: return try TanhQuantized.prepare(ctx, input)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { VectorizableMath.tanh(x) }
        @inline(__always) func apply(_ x: FloatVector) -> FloatVector { VectorizableMath.tanh(x) }
        static var isVectorized: Bool { true }
    }
}
