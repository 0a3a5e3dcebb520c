/// Chooses the float32 CONV_2D kernel: the packed GEMM (`GEMMConvolutionFloat`;
/// a grouped convolution runs one GEMM per group) when the filter is
/// constant, else the direct reference loops (`ConvolutionFloatReference`).
/// A grouped convolution with one input and one output channel per group
/// is a depthwise convolution and runs on its kernel.
enum Conv2DFloat {
    static func make(ctx: PrepareContext, _ p: Conv2D.Parameters) throws -> Kernel {
        let g = p.geometry
        let taps = g.filterHeight * g.filterWidth
        let m = g.outputPixels
        // Conv2D.prepare checked that the groups divide both channel counts.
        let groups = p.inputChannels / p.filterChannels
        if groups > 1, p.filterChannels == 1, p.outputChannels == p.inputChannels, try !ctx.hasEmptyInputOrOutput(),
           let filterTaps = try DepthwiseConv2DFloat.filterTaps(ctx: ctx, channels: p.inputChannels, taps: taps) {
            return try DepthwiseConv2DFloatVectorized(ctx: ctx, DepthwiseConv2D.Parameters(
                geometry: g, inputChannels: p.inputChannels, outputChannels: p.outputChannels, depthMultiplier: 1,
                activation: p.activation), filterTaps: filterTaps)
        }
        let k = taps * p.filterChannels
        let shape = FloatGEMM.tileShape(m: m, k: k, n: p.outputChannels, pointwise: g.isPointwise && groups == 1)
        guard try !ctx.hasEmptyInputOrOutput(), groups * p.filterChannels == p.inputChannels,
              g.isPointwise || GEMMTiling.indirectionFits(m: m, rows: shape.rows, taps: taps),
              let packed = try PackedFloatWeights.shared(
                ctx: ctx, weightsInput: 1, biasInput: ctx.hasInput(2) ? 2 : nil,
                n: p.outputChannels, k: k, groups: groups, wide: shape.wide)
        else { return ConvolutionFloatReference(ctx: ctx, p) }
        let source: GEMMConvolutionFloat.Source = g.isPointwise
            ? .rows(stride: p.inputChannels) : .convolution(g, channels: p.inputChannels)
        return GEMMConvolutionFloat(
            ctx: ctx, source: source, m: m, n: p.outputChannels, taps: taps, channels: p.filterChannels,
            packed: packed, rows: shape.rows, activation: p.activation)
    }
}
