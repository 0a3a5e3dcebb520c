/// Fuses a float32 convolution (an inverted residual block's 1×1
/// expansion: MobileNetV2, MobileNetV3, MobileNetV1's pointwise layers)
/// into the depthwise convolution that alone reads its output: the
/// depthwise node computes the rows its output rows need into a window in
/// its scratch (`DepthwiseConv2DFloatVectorized.runExpanding`), and the
/// convolution's node does nothing. The expanded map, the largest tensor of
/// such a block, is then never written out and read back: MobileNetV2's
/// 112 × 112 × 96 one is 4.8 MB, which on an Intel Xeon with a 2 MiB
/// second-level cache per core the 3×3 layer at stride 2 read back from the
/// last level at about 24 GB/s.
///
/// Exact: the depthwise node computes each row with the convolution's own
/// micro-kernels in the same panel order
/// (`GEMMConvolutionFloat.compute(rows:into:scratch:)`), so it reads the
/// same values the convolution would have stored.
///
/// Decided when the plan is made, last among the fusions (a convolution
/// applying an activation as it stores is not fused), for one worker only:
/// workers split a node's output rows into chunks as small as one row, and
/// each chunk would compute the rows its window starts with again. The
/// convolution's output must be read by the depthwise node only (not a
/// graph output, not a variable), and the depthwise node must be able to
/// take it (`DepthwiseConv2DFloatVectorized.expand(with:)`: maps of at
/// least 2 MiB, as smaller ones were no faster fused). Only when every node
/// runs on the engine's own backend; re-planning clears earlier decisions.
enum ExpansionDepthwiseFusion {
    /// Tests only: false makes plans without the fusion (the unfused
    /// kernels are the fused ones' reference).
    nonisolated(unsafe) static var isEnabled = true

    /// Applies (`enabled`) or clears the fusion on every step of `graph`,
    /// planned for `workers` workers.
    static func apply(to graph: PreparedGraph, enabled: Bool, workers: Int) {
        let steps = graph.steps, tensors = graph.tensors
        for step in steps where step.node.op == .conv2D || step.node.op == .depthwiseConv2D {
            (step.kernel as? GEMMConvolutionFloat)?.computedByConsumer = false
            _ = (step.kernel as? DepthwiseConv2DFloatVectorized)?.expand(with: nil)
        }
        guard enabled, isEnabled, workers == 1 else { return }
        let readers = graph.readerCounts(countingFusedReads: true)
        // The fusable convolution producing each tensor, and the bytes its node reads.
        // (By tensor index in an array, not a dictionary: see `SharedConstantTable`'s file.)
        var expansionOf = [(conv: GEMMConvolutionFloat, bytes: Int)?](repeating: nil, count: tensors.count)
        for step in steps {
            let node = step.node
            if node.op == .conv2D, node.outputs.count == 1, let conv = step.kernel as? GEMMConvolutionFloat,
               conv.outputActivation == nil {
                let t = node.outputs[0]
                if t >= 0, t < readers.count, readers[t] == 1, !tensors[t].isVariable, !tensors[t].isConstant {
                    let bytes = node.inputs.reduce(0) { $1 >= 0 && $1 < tensors.count ? $0 &+ tensors[$1].byteCount : $0 }
                    expansionOf[t] = (conv, bytes)
                }
                continue
            }
            guard node.op == .depthwiseConv2D, let input = node.inputs.first, input >= 0, input < expansionOf.count,
                  let expansion = expansionOf[input], let depthwise = step.kernel as? DepthwiseConv2DFloatVectorized,
                  depthwise.expand(with: expansion.conv, readingBytes: expansion.bytes)
            else { continue }
            expansion.conv.computedByConsumer = true
            expansionOf[input] = nil
        }
    }
}
