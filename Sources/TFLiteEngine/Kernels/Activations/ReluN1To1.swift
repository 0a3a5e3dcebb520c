/// RELU_N1_TO_1: `min(max(x, -1), 1)`. float32; int8/uint8 when input and
/// output share their quantization.
enum ReluN1To1 {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx) }

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { min(max(x, -1), 1) }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let input = try ctx.prepareUnaryElementwise()
        switch input.type {
        case .float32: return ElementwiseKernel(ctx: ctx, count: input.elementCount, Operation())
        case .int8, .uint8: return try ctx.quantizedClamp(input, floatRange: FusedActivation.reluN1To1.floatRange)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
