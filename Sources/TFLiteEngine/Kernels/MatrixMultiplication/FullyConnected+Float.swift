/// Chooses the float32 FULLY_CONNECTED kernel: the packed GEMM
/// (`GEMMConvolutionFloat` with one tap) when the weights are constant, else
/// the reference loops (`FullyConnectedFloatReference`).
enum FullyConnectedFloat {
    static func make(ctx: PrepareContext, _ p: FullyConnected.Parameters) throws -> Kernel {
        guard let packed = try PackedFloatWeights.shared(
            ctx: ctx, weightsInput: 1, biasInput: ctx.hasInput(2) ? 2 : nil, n: p.outputDepth, k: p.inputDepth)
        else { return FullyConnectedFloatReference(ctx: ctx, p) }
        return GEMMConvolutionFloat(
            ctx: ctx, source: .rows(stride: p.inputDepth), m: p.batches, n: p.outputDepth, taps: 1,
            channels: p.inputDepth, packed: packed, activation: p.activation)
    }
}
