/// LEAKY_RELU: `x` for x > 0, `alpha · x` otherwise (`LeakyReluOptions.alpha`).
/// float32; int8/uint8 in `LeakyReluQuantized`.
enum LeakyRelu {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx) }

    struct Operation: FloatUnaryOperation {
        let alpha: Float
        @inline(__always) func apply(_ x: Float) -> Float { x > 0 ? x : x * alpha }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let input = try ctx.prepareUnaryElementwise()
        let alpha = try ctx.options(LeakyReluOptions.self).alpha
        guard alpha.isFinite else { throw ctx.error("alpha \(alpha) is not finite") }
        switch input.type {
        case .float32: return ElementwiseKernel(ctx: ctx, count: input.elementCount, Operation(alpha: alpha))
        case .int8, .uint8: return try LeakyReluQuantized.prepare(ctx, input, alpha: alpha)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
