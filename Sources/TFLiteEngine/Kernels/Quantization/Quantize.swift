/// QUANTIZE: float32 → int8/uint8, or requantization between int8 and
/// uint8 tensors of different scale / zero point.
enum Quantize {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 1)
        let input = try ctx.input(0), output = ctx.output(0)
        try ctx.setOutputShape(0, input.shape)
        let qo = try ctx.quantization(output, "output")
        if let q = output.quantization, q.scale.count > 1 {
            throw ctx.error("per-channel quantized output is not supported")
        }
        let n = input.elementCount
        switch (input.type, output.type) {
        case (.float32, .int8): return QuantizeFloatKernel(Int8.self, ctx: ctx, output: qo, count: n)
        case (.float32, .uint8): return QuantizeFloatKernel(UInt8.self, ctx: ctx, output: qo, count: n)
        case (.int8, .int8), (.int8, .uint8), (.uint8, .int8), (.uint8, .uint8):
            let r = Requantization(input: try ctx.quantization(input, "input"), output: qo)
            guard r.shift <= 31 else { throw ctx.error("requantization factor is out of range") }
            switch (input.type, output.type) {
            case (.int8, .int8): return RequantizeKernel(Int8.self, Int8.self, ctx: ctx, r, count: n)
            case (.int8, .uint8): return RequantizeKernel(Int8.self, UInt8.self, ctx: ctx, r, count: n)
            case (.uint8, .int8): return RequantizeKernel(UInt8.self, Int8.self, ctx: ctx, r, count: n)
            default: return RequantizeKernel(UInt8.self, UInt8.self, ctx: ctx, r, count: n)
            }
        default:
            throw ctx.error("quantizing \(input.type) to \(output.type) is not supported")
        }
    }
}
