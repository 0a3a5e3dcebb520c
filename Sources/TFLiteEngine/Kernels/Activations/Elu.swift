/// ELU: `x` for x ≥ 0, `exp(x) - 1` below (alpha 1, as TFLite). float32.
enum Elu {
    static let registration = OperatorRegistration(maxVersion: 1) { ctx in try prepare(ctx) }

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { x < 0 ? VectorizableMath.exp(x) - 1 : x }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let input = try ctx.prepareUnaryElementwise()
        switch input.type {
        case .float32: return UnaryFloatKernel(ctx: ctx, count: input.elementCount, Operation())
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
