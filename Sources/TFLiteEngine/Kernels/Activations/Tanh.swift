/// TANH: hyperbolic tangent. float32.
enum Tanh {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { VectorizableMath.tanh(x) }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let input = try ctx.prepareUnaryElementwise()
        switch input.type {
        case .float32: return UnaryFloatKernel(ctx: ctx, count: input.elementCount, Operation())
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
