/// Weights [N][K] (and an optional bias [N]) packed for `FloatGEMM`:
/// `panelCount` panels of K × nr floats (column j of panel p is output
/// p·nr + j), zero past N; the bias padded to panelCount × nr.
///
/// A grouped convolution (`groups` > 1: output channels split into groups
/// of N / groups, each reading its own K input values) gets
/// `panelsPerGroup` panels per group, each group's last panel zero-padded,
/// so no panel mixes two groups.
///
/// The last panel of an ungrouped GEMM is only as wide as its columns need
/// (`tailColumns`, at the offset a full panel would have): one vector when
/// at most one is left over (N = 24, 40, 56, … with 8-lane vectors), and in
/// the sixteen-lane flavours also eight lanes (N mod 32 in 1…8: 40, 72, …)
/// or a vector and eight lanes (17…24: 24, 56, 88, 120, …), whose 8-lane
/// multiply-adds cost half a 16-lane one on Zen 4. Panels are eight
/// columns (`QuarterPanel`) throughout when a group has at most eight
/// outputs (RegNet's grouped convolutions) in those flavours.
///
/// Built once per model and shared by all interpreters through
/// `Model.sharedConstants`.
final class PackedFloatWeights: @unchecked Sendable {
    /// Output channels (all groups).
    let n: Int
    let k: Int
    let panelCount: Int
    /// Columns per panel (and between panel starts): 8, one vector or two.
    let nr: Int
    /// Groups of output channels, and the panels and output channels of each.
    let groups: Int, panelsPerGroup: Int, groupOutputs: Int
    /// Columns of the last panel: `nr`, or fewer (see above).
    let tailColumns: Int
    private let storage: AlignedBuffer

    /// Columns per panel and of the last panel for N = `n` in `groups`
    /// groups (`groups` divides N); `wide`: panels of two vectors where N
    /// is wider than one (else one vector: `FloatGEMM.tileShape`).
    static func layout(n: Int, groups: Int, wide: Bool = true) -> (nr: Int, tailColumns: Int) {
        let lanes = FloatVector.scalarCount
        // Eight-lane panels only where a vector has sixteen lanes.
        let eighths = lanes == 16
        let groupOutputs = n / max(groups, 1)
        let nr = groupOutputs > lanes ? (wide ? 2 &* lanes : lanes) : (eighths && groupOutputs <= 8 ? 8 : lanes)
        let remainder = groupOutputs % nr
        guard groups == 1, nr >= lanes, remainder > 0 else { return (nr, nr) }
        if eighths && remainder <= 8 { return (nr, 8) }
        if remainder <= lanes { return (nr, lanes) }
        if eighths && remainder <= lanes &+ 8 { return (nr, lanes &+ 8) }
        return (nr, nr)
    }

    /// Packs `weights` ([N][K] floats) and `bias` ([N] floats) in `groups`
    /// groups of N / groups rows (`groups` divides N).
    init(weights: UnsafePointer<Float>, n: Int, k: Int, bias: UnsafePointer<Float>?, groups: Int = 1, wide: Bool = true) throws {
        let (nr, tailColumns) = Self.layout(n: n, groups: groups, wide: wide)
        self.nr = nr
        self.tailColumns = tailColumns
        self.n = n
        self.k = k
        self.groups = groups
        groupOutputs = n / groups
        panelsPerGroup = (groupOutputs + nr - 1) / nr
        panelCount = groups * panelsPerGroup
        let panelFloats = k * nr
        storage = try AlignedBuffer(byteCount: (panelCount * panelFloats + panelCount * nr) * MemoryLayout<Float>.size, populated: true)
        let out = storage.pointer.assumingMemoryBound(to: Float.self)
        // (The buffer starts zeroed, so padding columns stay 0.)
        for p in 0..<panelCount {
            let group = p / panelsPerGroup, first = (p - group * panelsPerGroup) * nr
            let panel = out + p &* panelFloats
            let packedBias = out + (panelCount &* panelFloats &+ p &* nr)
            let width = p == panelCount - 1 ? tailColumns : nr
            for j in 0..<min(width, groupOutputs - first) {
                let row = group &* groupOutputs &+ first &+ j
                let source = weights + row &* k
                var target = panel + j
                for kk in 0..<k {
                    target.pointee = source[kk]
                    target += width
                }
                if let bias { packedBias[j] = bias[row] }
            }
        }
    }

    /// Panel `p` (K × nr floats; K × `tailColumns` for the last one).
    @inline(__always) func panel(_ p: Int) -> UnsafePointer<Float> {
        UnsafePointer(storage.pointer.assumingMemoryBound(to: Float.self)) + p &* k &* nr
    }
    /// The nr biases of panel `p`.
    @inline(__always) func bias(_ p: Int) -> UnsafePointer<Float> {
        UnsafePointer(storage.pointer.assumingMemoryBound(to: Float.self)) + (panelCount &* k &+ p) &* nr
    }

    /// The packed weights of a constant weights tensor (and bias), computed
    /// once per model; `groups` groups of n / groups outputs (`groups`
    /// divides n), each with K = `k` inputs; `wide` as in `layout`.
    static func shared(
        ctx: PrepareContext, weightsInput: Int, biasInput: Int?, n: Int, k: Int, groups: Int = 1, wide: Bool = true
    ) throws -> PackedFloatWeights? {
        let weights = try ctx.input(weightsInput)
        guard groups >= 1, n % groups == 0, let w = weights.constant, weights.elementCount == n * k else { return nil }
        var biasPointer: UnsafeRawPointer?
        var biasKey = -1
        if let biasInput, let bias = ctx.optionalInput(biasInput) {
            guard let b = bias.constant else { return nil }
            biasPointer = b
            biasKey = ctx.node.inputs[biasInput]
        }
        let (nr, tail) = layout(n: n, groups: groups, wide: wide)
        let key = SharedConstantKey("packed-gemm-f32", [nr, tail, ctx.node.inputs[weightsInput], biasKey, n, k, groups])
        return try ctx.graph.sharedConstants.value(for: key) {
            let packed = try PackedFloatWeights(
                weights: w.assumingMemoryBound(to: Float.self), n: n, k: k,
                bias: biasPointer?.assumingMemoryBound(to: Float.self), groups: groups, wide: wide)
            // The weights now live in the packed panels: their pages of the
            // model file need not stay resident (the bias is small; it stays).
            ctx.graph.model.releaseConstantPages(w, byteCount: n &* k &* MemoryLayout<Float>.size)
            return packed
        }
    }
}
