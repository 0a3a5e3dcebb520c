/// Quantized CONV_2D (int8 per-channel, uint8 per-tensor), TFLite's
/// reference arithmetic (`reference_integer_ops::ConvPerChannel`,
/// `reference_ops::Conv` for uint8): int32 accumulation of
/// (w + filterOffset)·(x + inputOffset), bias, per-channel rescale, output
/// offset, clamp. Taps outside the input are skipped. A grouped convolution
/// with one input and one output channel per group (ConvNeXt's 7×7
/// "depthwise" layers as the converter writes them) is a depthwise
/// convolution, and runs on its kernel; other grouped int8 convolutions
/// (RegNet's) run on `GroupedConvolutionInt8` in the integer flavours.
enum Conv2DQuantized {
    static func prepare(_ ctx: PrepareContext, _ p: Conv2D.Parameters) throws -> Kernel {
        let input = try ctx.input(0), filter = try ctx.input(1)
        let q = try ConvolutionQuantization(
            ctx: ctx, input: input, filter: filter, bias: ctx.optionalInput(2), output: ctx.output(0),
            channelAxis: 0, channels: p.outputChannels, activation: p.activation)
        if input.type == .int8 || input.type == .uint8, p.filterChannels == 1, p.inputChannels > 1,
           p.outputChannels == p.inputChannels, try !ctx.hasEmptyInputOrOutput() {
            let depthwise = DepthwiseConv2D.Parameters(geometry: p.geometry, inputChannels: p.inputChannels,
                                                       outputChannels: p.outputChannels, depthMultiplier: 1, activation: p.activation)
            if let constants = try DepthwiseInt8Constants.shared(ctx: ctx, depthwise, q, channelMajor: true) {
                return DepthwiseConv2DInt8Vectorized(ctx: ctx, depthwise, q, constants: constants, signed: input.type == .int8)
            }
        }
        if input.type == .int8, p.filterChannels < p.inputChannels, let grouped = try GroupedConvolutionInt8.make(ctx: ctx, p, q) {
            return grouped
        }
        if input.type == .int8 || input.type == .uint8, p.filterChannels == p.inputChannels {
            let g = p.geometry
            if let fast = try GEMMConvolutionQuantized.make(
                ctx: ctx, source: g.isPointwise ? .rows(stride: p.inputChannels) : .convolution(g),
                m: g.outputPixels, n: p.outputChannels, taps: g.filterHeight * g.filterWidth, channels: p.inputChannels,
                quantization: q, signed: input.type == .int8) {
                return fast
            }
        }
        switch input.type {
        case .int8: return ConvolutionQuantizedReference(Int8.self, ctx: ctx, p, q)
        case .uint8: return ConvolutionQuantizedReference(UInt8.self, ctx: ctx, p, q)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
