/// Chooses the float32 FULLY_CONNECTED kernel: the packed GEMM
/// (`GEMMConvolutionFloat` with one tap) when the weights are constant, else
/// the reference loops (`FullyConnectedFloatReference`).
enum FullyConnectedFloat {
    static func make(ctx: PrepareContext, _ p: FullyConnected.Parameters) throws -> Kernel {
        let shape = FloatGEMM.tileShape(m: p.batches, k: p.inputDepth, n: p.outputDepth, pointwise: true)
        guard let packed = try PackedFloatWeights.shared(
            ctx: ctx, weightsInput: 1, biasInput: ctx.hasInput(2) ? 2 : nil, n: p.outputDepth, k: p.inputDepth,
            wide: shape.wide)
        else { return FullyConnectedFloatReference(ctx: ctx, p) }
        return GEMMConvolutionFloat(
            ctx: ctx, source: .rows(stride: p.inputDepth), m: p.batches, n: p.outputDepth, taps: 1,
            channels: p.inputDepth, packed: packed, rows: shape.rows, activation: p.activation)
    }
}
