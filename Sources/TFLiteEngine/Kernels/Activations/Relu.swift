/// RELU: `max(x, 0)`. float32; int8/uint8 when input and output share
/// their quantization (a clamp of stored values).
enum Relu {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { max(x, 0) }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let input = try ctx.prepareUnaryElementwise()
        switch input.type {
        case .float32: return ElementwiseKernel(ctx: ctx, count: input.elementCount, Operation())
        case .int8, .uint8: return try ctx.quantizedClamp(input, floatRange: FusedActivation.relu.floatRange)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
