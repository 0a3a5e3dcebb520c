/// Weights [N][K] (and an optional bias [N]) packed for `FloatGEMM`:
/// `panelCount` panels of K × nr floats (column j of panel p is output
/// p·nr + j), zero past N; the bias padded to panelCount × nr.
///
/// A grouped convolution (`groups` > 1: output channels split into groups
/// of N / groups, each reading its own K input values) gets
/// `panelsPerGroup` panels per group, each group's last panel zero-padded,
/// so no panel mixes two groups.
///
/// Wide panels with at most one vector of columns left over (N = 24, 40,
/// 56, 72, … with 8-lane vectors; one group) end in a narrow panel
/// (`narrowTail`: K × nr/2 floats, at the offset a wide panel would have),
/// so the last columns run on the one-vector micro-kernel instead of
/// computing a half-empty wide panel.
///
/// Built once per model and shared by all interpreters through
/// `Model.sharedConstants`.
final class PackedFloatWeights: @unchecked Sendable {
    /// Output channels (all groups).
    let n: Int
    let k: Int
    let panelCount: Int
    /// Two vectors per panel row (else one).
    let wide: Bool
    /// Columns per panel.
    let nr: Int
    /// Groups of output channels, and the panels and output channels of each.
    let groups: Int, panelsPerGroup: Int, groupOutputs: Int
    /// The last panel is one vector wide while the others are two (see above).
    let narrowTail: Bool
    private let storage: AlignedBuffer

    /// Packs `weights` ([N][K] floats) and `bias` ([N] floats) in `groups`
    /// groups of N / groups rows (`groups` divides N).
    init(weights: UnsafePointer<Float>, n: Int, k: Int, bias: UnsafePointer<Float>?, wide: Bool, groups: Int = 1) throws {
        let nr = FloatGEMM.panelWidth(wide: wide)
        self.wide = wide
        self.nr = nr
        self.n = n
        self.k = k
        self.groups = groups
        groupOutputs = n / groups
        panelsPerGroup = (groupOutputs + nr - 1) / nr
        panelCount = groups * panelsPerGroup
        let remainder = groupOutputs % nr
        narrowTail = wide && groups == 1 && remainder > 0 && remainder <= FloatVector.scalarCount
        let panelFloats = k * nr
        storage = try AlignedBuffer(byteCount: (panelCount * panelFloats + panelCount * nr) * MemoryLayout<Float>.size, populated: true)
        let out = storage.pointer.assumingMemoryBound(to: Float.self)
        // (The buffer starts zeroed, so padding columns stay 0.)
        for p in 0..<panelCount {
            let group = p / panelsPerGroup, first = (p - group * panelsPerGroup) * nr
            let panel = out + p &* panelFloats
            let packedBias = out + (panelCount &* panelFloats &+ p &* nr)
            let width = narrowTail && p == panelCount - 1 ? FloatVector.scalarCount : nr
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

    /// Panel `p` (K × nr floats; K × nr/2 for the last one with `narrowTail`).
    @inline(__always) func panel(_ p: Int) -> UnsafePointer<Float> {
        UnsafePointer(storage.pointer.assumingMemoryBound(to: Float.self)) + p &* k &* nr
    }
    /// The nr biases of panel `p`.
    @inline(__always) func bias(_ p: Int) -> UnsafePointer<Float> {
        UnsafePointer(storage.pointer.assumingMemoryBound(to: Float.self)) + (panelCount &* k &+ p) &* nr
    }

    /// The packed weights of a constant weights tensor (and bias), computed
    /// once per model; `groups` groups of n / groups outputs (`groups`
    /// divides n), each with K = `k` inputs.
    static func shared(ctx: PrepareContext, weightsInput: Int, biasInput: Int?, n: Int, k: Int, groups: Int = 1) throws -> PackedFloatWeights? {
        let weights = try ctx.input(weightsInput)
        guard groups >= 1, n % groups == 0, let w = weights.constant, weights.elementCount == n * k else { return nil }
        var biasPointer: UnsafeRawPointer?
        var biasKey = "none"
        if let biasInput, let bias = ctx.optionalInput(biasInput) {
            guard let b = bias.constant else { return nil }
            biasPointer = b
            biasKey = "\(ctx.node.inputs[biasInput])"
        }
        let wide = n / groups > FloatVector.scalarCount
        let key = "packed-gemm-f32-nr\(FloatGEMM.panelWidth(wide: wide))-w\(ctx.node.inputs[weightsInput])-b\(biasKey)-\(n)x\(k)-g\(groups)"
        return try ctx.graph.sharedConstants.value(for: key) {
            let packed = try PackedFloatWeights(
                weights: w.assumingMemoryBound(to: Float.self), n: n, k: k,
                bias: biasPointer?.assumingMemoryBound(to: Float.self), wide: wide, groups: groups)
            // The weights now live in the packed panels: their pages of the
            // model file need not stay resident (the bias is small; it stays).
            ctx.graph.model.releaseConstantPages(w, byteCount: n &* k &* MemoryLayout<Float>.size)
            return packed
        }
    }
}
