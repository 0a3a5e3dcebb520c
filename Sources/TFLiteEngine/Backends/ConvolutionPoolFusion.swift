/// Fuses a quantized CONV_2D with the MAX_POOL_2D that alone reads its
/// output (VGG-style blocks, the digit models): the convolution keeps its
/// Int32 sums (`GEMMConvolutionQuantized.pooledAccumulators`) instead of
/// requantizing every output, and the pool takes each window's maxima of the
/// sums and requantizes only those (a 2×2 pool: a quarter of the output
/// stages, which at small K cost as much as the multiply-adds).
///
/// Exact: the convolution's output stage — `clamp(zp + M·(sum + bias))`
/// with TFLite's rounding, multiplier M ≥ 0 — is non-decreasing in the sum
/// when no channel shifts the sum left (a left shift wraps in Int32), so the
/// requantized maximum is the maximum of the requantized values; the pool's
/// own clamp follows, as in the unfused pool.
///
/// Decided when the plan is made, like `SwishFusion`: only when every node
/// runs on the engine's own backend; the convolution's output must be read
/// by that pool only (not a graph output, not a variable), the pool must run
/// after it, and the kept sums must fit
/// `GEMMConvolutionQuantized.maximumPooledAccumulatorBytes`. Re-planning
/// clears earlier decisions.
enum ConvolutionPoolFusion {
    /// Tests only: false makes plans without the fusion (the unfused
    /// kernels are the fused ones' reference).
    nonisolated(unsafe) static var isEnabled = true

    /// Applies (`enabled`) or clears the fusion on every step of `graph`.
    static func apply(to graph: PreparedGraph, enabled: Bool) {
        let steps = graph.steps
        for step in steps {
            (step.kernel as? Pool2DQuantizedKernel)?.readAccumulators(of: nil)
            (step.kernel as? GEMMConvolutionQuantized)?.keepAccumulatorsForPool(false)
        }
        guard enabled, isEnabled else { return }
        let readers = graph.readerCounts()
        // The fusable convolution producing each tensor.
        // (By tensor index in an array, not a dictionary: see `SharedConstantTable`'s file.)
        var convolutionOf = [GEMMConvolutionQuantized?](repeating: nil, count: readers.count)
        for step in steps {
            let node = step.node
            if node.op == .conv2D, node.outputs.count == 1, let conv = step.kernel as? GEMMConvolutionQuantized,
               conv.canRequantizeAfterMaxPool {
                let t = node.outputs[0]
                if t >= 0, t < readers.count, readers[t] == 1, !graph.tensors[t].isVariable { convolutionOf[t] = conv }
                continue
            }
            guard node.op == .maxPool2D, node.inputs.count == 1, let pool = step.kernel as? Pool2DQuantizedKernel,
                  pool.p.kind == .max, node.inputs[0] >= 0, node.inputs[0] < convolutionOf.count,
                  let conv = convolutionOf[node.inputs[0]]
            else { continue }
            let g = pool.p.geometry
            guard pool.p.channels == conv.n, g.batches &* g.inputHeight &* g.inputWidth == conv.m else { continue }
            conv.keepAccumulatorsForPool(true)
            pool.readAccumulators(of: conv)
            convolutionOf[node.inputs[0]] = nil
        }
    }
}
