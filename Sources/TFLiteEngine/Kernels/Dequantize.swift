/// DEQUANTIZE: int8 / uint8 / int16 → float32, (x − zero point) · scale.
enum Dequantize {
    static let registration = OperatorRegistration(maxVersion: 6) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 1)
        let input = try ctx.input(0), output = ctx.output(0)
        try ctx.setOutputShape(0, input.shape)
        try ctx.require(output, type: .float32, "output")
        if let q = input.quantization, q.scale.count > 1 {
            throw ctx.error("per-channel quantized input is not supported")
        }
        let n = input.elementCount
        switch input.type {
        case .int8: return DequantizeKernel(Int8.self, ctx: ctx, try ctx.quantization(input, "input"), count: n)
        case .uint8: return DequantizeKernel(UInt8.self, ctx: ctx, try ctx.quantization(input, "input"), count: n)
        case .int16: return DequantizeKernel(Int16.self, ctx: ctx, try ctx.quantization(input, "input"), count: n)
        default: throw ctx.error("dequantizing \(input.type) is not supported")
        }
    }
}
