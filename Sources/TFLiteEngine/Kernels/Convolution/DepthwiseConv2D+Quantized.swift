/// Quantized DEPTHWISE_CONV_2D (int8 per-channel on dimension 3, uint8
/// per-tensor), TFLite's reference arithmetic
/// (`reference_integer_ops::DepthwiseConvPerChannel`, uint8
/// `reference_ops::DepthwiseConv`). Depth multiplier 1 with a constant
/// filter runs `DepthwiseConv2DInt8Vectorized` (int8 and uint8); the
/// reference loops serve every other case and check it in the tests.
enum DepthwiseConv2DQuantized {
    static func prepare(_ ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters) throws -> Kernel {
        let input = try ctx.input(0), filter = try ctx.input(1)
        let q = try ConvolutionQuantization(
            ctx: ctx, input: input, filter: filter, bias: ctx.optionalInput(2), output: ctx.output(0),
            channelAxis: 3, channels: p.outputChannels, activation: p.activation)
        if input.type == .int8 || input.type == .uint8, p.depthMultiplier == 1,
           let constants = try DepthwiseInt8Constants.shared(ctx: ctx, p, q) {
            return DepthwiseConv2DInt8Vectorized(ctx: ctx, p, q, constants: constants, signed: input.type == .int8)
        }
        switch input.type {
        case .int8: return ConvolutionQuantizedReference(Int8.self, ctx: ctx, p, q)
        case .uint8: return ConvolutionQuantizedReference(UInt8.self, ctx: ctx, p, q)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
