/// Runs a step's tiles last part first on the one-thread `CPUBackend` when
/// the step before it, which wrote its input, ran first part first: the
/// step then starts on the rows its producer wrote last, which are still
/// in the core's second-level cache, rather than on the first rows, which
/// the rest of the producer's output has pushed out.
///
/// On an Intel Xeon (family 6 model 207, 2 MiB second-level cache per
/// core) a one-op 3×3 depthwise layer that reads and writes 0.8 MB ran at
/// 86 GFLOP/s and one of 3.2 MB at 39: a core there streams about 75 GB/s
/// from its second-level cache and 24 GB/s from the last level. Reversing
/// every other step took MobileNetV2 float32 from 4.99 to 4.88 ms and
/// MobileNetV1 from 8.11 to 7.98 (the lowest median of sixteen alternating
/// rounds each; fastest invokes 4.79 → 4.72 and 7.86 → 7.77). Not measured
/// on Zen 4, whose last-level cache streams far faster.
///
/// A reversed step runs its tiles in `parts` parts, the last part first and
/// each part's tiles in order. Tiles are independent (`Kernel`), so the
/// order never changes a result. Decided when the plan is made, for one
/// worker only (`ParallelBackend` splits steps by tiles over its workers);
/// `ProfilingBackend` times the same order, as it runs each step on the
/// backend it wraps.
enum TileOrderAlternation {
    /// Parts a reversed step's tiles run in.
    static let parts = 4
    /// Smallest input 0 (bytes) of a reversed step: a smaller one stays in
    /// the second-level cache whatever the order.
    nonisolated(unsafe) static var minimumInputBytes = 256 << 10
    /// Tests turn the alternation off to compare plans (set before planning).
    nonisolated(unsafe) static var isEnabled = true

    /// Marks the steps of `graph` (in plan order) that run reversed, for a
    /// backend of `workers` workers.
    static func apply(to graph: PreparedGraph, workers: Int) {
        guard workers == 1, isEnabled else { return }
        let steps = graph.steps
        let producer = graph.producerPositions()
        var reversed = [Bool](repeating: false, count: steps.count)
        for (position, step) in steps.enumerated() {
            // (A fused kernel's first read of its own, where a plan gave it one: the
            // tensor it reads instead of input 0, as a depthwise node computing the
            // expansion before it reads that expansion's input.)
            if let t = step.kernel.fusedReads.first ?? step.node.inputs.first, t >= 0, t < producer.count, producer[t] >= 0, producer[t] < position,
               !reversed[producer[t]], step.kernel.tileCount > 1, graph.tensors[t].byteCount >= minimumInputBytes {
                reversed[position] = true
            }
        }
        if reversed.contains(true) { graph.reverseTiles(reversed) }
    }

    /// `kernel`'s tiles `0..<tiles` in `parts` parts, the last part first.
    @inline(__always)
    static func runReversed(_ kernel: Kernel, tiles: Int) {
        let count = min(parts, tiles)
        var part = count
        while part > 0 {
            part &-= 1
            kernel.run(tiles: part &* tiles / count..<(part &+ 1) &* tiles / count, worker: 0)
        }
    }
}
