/// HARD_SWISH: `x · relu6(x + 3) / 6`. float32.
enum HardSwish {
    static let registration = OperatorRegistration(maxVersion: 1) { ctx in try prepare(ctx) }

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { x * min(max(x + 3, 0), 6) * (1 / 6) }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let input = try ctx.prepareUnaryElementwise()
        switch input.type {
        case .float32: return UnaryFloatKernel(ctx: ctx, count: input.elementCount, Operation())
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
