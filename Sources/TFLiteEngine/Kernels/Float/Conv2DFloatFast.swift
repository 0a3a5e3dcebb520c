/// Chooses the float32 CONV_2D kernel: the packed GEMM (`GEMMConvolutionFloat`)
/// when the filter is constant and the convolution is not grouped, else the
/// direct reference loops (`Conv2DFloatReference`).
enum Conv2DFloatFast {
    /// Largest indirection buffer (pointers) a convolution may allocate
    /// (512 MiB); beyond it the reference kernel runs instead.
    static let maximumIndirectionEntries = 1 << 26

    static func make(ctx: PrepareContext, _ p: Conv2D.Parameters) throws -> Kernel {
        let g = p.geometry
        let taps = g.filterHeight * g.filterWidth
        // Empty inputs or outputs take the reference loops (nothing to do);
        // the GEMM's buffers are then not bounded by any tensor.
        guard try ctx.input(0).elementCount > 0, try ctx.output(0).elementCount > 0 else { return Conv2DFloatReference(ctx: ctx, p) }
        guard p.filterChannels == p.inputChannels,
              let packed = try PackedFloatWeights.shared(
                ctx: ctx, weightsInput: 1, biasInput: ctx.hasInput(2) ? 2 : nil,
                n: p.outputChannels, k: taps * p.inputChannels)
        else { return Conv2DFloatReference(ctx: ctx, p) }
        let m = g.batches * g.outputHeight * g.outputWidth
        let pointwise = taps == 1 && g.strideHeight == 1 && g.strideWidth == 1
            && g.padTop == 0 && g.padLeft == 0
            && g.outputHeight == g.inputHeight && g.outputWidth == g.inputWidth
        if !pointwise {
            // The indirection buffer holds ⌈M / 6⌉ × 6 × taps pointers; sizes
            // come from the file, so check them before allocating.
            let tiles = (m + FloatGEMM.mr - 1) / FloatGEMM.mr
            let (a, o1) = tiles.multipliedReportingOverflow(by: FloatGEMM.mr)
            let (entries, o2) = a.multipliedReportingOverflow(by: taps)
            guard !o1, !o2, entries <= maximumIndirectionEntries else { return Conv2DFloatReference(ctx: ctx, p) }
        }
        let source: GEMMConvolutionFloat.Source = pointwise
            ? .rows(stride: p.inputChannels) : .convolution(g, channels: p.inputChannels)
        return GEMMConvolutionFloat(
            ctx: ctx, source: source, m: m, n: p.outputChannels, taps: taps, channels: p.inputChannels,
            packed: packed, activation: p.activation)
    }
}
