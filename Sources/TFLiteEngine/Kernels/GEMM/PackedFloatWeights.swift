/// Weights [N][K] (and an optional bias [N]) packed for `FloatGEMM`:
/// `panelCount` panels of K × nr floats (column j of panel p is output
/// p·nr + j), zero past N; the bias padded to panelCount × nr.
/// Built once per model and shared by all interpreters through
/// `Model.sharedConstants`.
final class PackedFloatWeights: @unchecked Sendable {
    let n: Int
    let k: Int
    let panelCount: Int
    /// Two vectors per panel row (else one).
    let wide: Bool
    /// Columns per panel.
    let nr: Int
    private let storage: AlignedBuffer

    convenience init(weights: UnsafeRawPointer, n: Int, k: Int, bias: UnsafeRawPointer?, wide: Bool) {
        let w = weights.assumingMemoryBound(to: Float.self)
        let b = bias?.assumingMemoryBound(to: Float.self)
        self.init(n: n, k: k, wide: wide, weight: { row, kk in w[row * k + kk] }, bias: b.map { b in { b[$0] } })
    }

    /// Packs `weight(row, k)` for rows 0..<n (the [N][K] layout) and `bias(row)`.
    init(n: Int, k: Int, wide: Bool, weight: (_ row: Int, _ k: Int) -> Float, bias: ((Int) -> Float)?) {
        let nr = FloatGEMM.panelWidth(wide: wide)
        self.wide = wide
        self.nr = nr
        self.n = n
        self.k = k
        panelCount = (n + nr - 1) / nr
        let panelFloats = k * nr
        storage = AlignedBuffer(byteCount: (panelCount * panelFloats + panelCount * nr) * MemoryLayout<Float>.size)
        let out = storage.pointer.assumingMemoryBound(to: Float.self)
        for p in 0..<panelCount {
            let panel = out + p * panelFloats
            for j in 0..<min(nr, n - p * nr) {
                let row = p * nr + j
                for kk in 0..<k { panel[kk * nr + j] = weight(row, kk) }
            }
        }
        if let bias {
            let packedBias = out + panelCount * panelFloats
            for j in 0..<n { packedBias[j] = bias(j) }
        }
    }

    /// Panel `p` (K × nr floats).
    @inline(__always) func panel(_ p: Int) -> UnsafePointer<Float> {
        UnsafePointer(storage.pointer.assumingMemoryBound(to: Float.self)) + p &* k &* nr
    }
    /// The nr biases of panel `p`.
    @inline(__always) func bias(_ p: Int) -> UnsafePointer<Float> {
        UnsafePointer(storage.pointer.assumingMemoryBound(to: Float.self)) + (panelCount &* k &+ p) &* nr
    }

    /// The packed weights of a constant weights tensor (and bias), computed once per model.
    static func shared(ctx: PrepareContext, weightsInput: Int, biasInput: Int?, n: Int, k: Int) throws -> PackedFloatWeights? {
        let weights = try ctx.input(weightsInput)
        guard let w = weights.constant, weights.elementCount == n * k else { return nil }
        var biasPointer: UnsafeRawPointer?
        var biasKey = "none"
        if let biasInput, let bias = ctx.optionalInput(biasInput) {
            guard let b = bias.constant else { return nil }
            biasPointer = b
            biasKey = "\(ctx.node.inputs[biasInput])"
        }
        let wide = n > FloatVector.scalarCount
        let key = "packed-gemm-f32-nr\(FloatGEMM.panelWidth(wide: wide))-w\(ctx.node.inputs[weightsInput])-b\(biasKey)-\(n)x\(k)"
        return ctx.graph.sharedConstants.value(for: key) {
            PackedFloatWeights(weights: w, n: n, k: k, bias: biasPointer, wide: wide)
        }
    }
}
