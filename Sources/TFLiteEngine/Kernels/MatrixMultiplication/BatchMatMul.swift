/// BATCH_MATMUL (float32; int8 per-tensor in `BatchMatMul+Quantized.swift`): lhs [..., M, K] (or [..., K, M] with adj_x) times
/// rhs [..., K, N] (or [..., N, K] with adj_y) → [..., M, N]. Ranks 2…5; the
/// batch dimensions broadcast NumPy-style.
enum BatchMatMul {
    static let registration = OperatorRegistration(maxVersion: 4) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let lhs = try ctx.input(0), rhs = try ctx.input(1)
        try ctx.require(lhs, rankIn: 2...5, "lhs")
        try ctx.require(rhs, rankIn: 2...5, "rhs")
        guard lhs.type == .float32 || lhs.type == .int8 else { throw ctx.error("lhs type \(lhs.type) is not supported") }
        try ctx.require(rhs, type: lhs.type, "rhs")
        try ctx.require(ctx.output(0), type: lhs.type, "output")
        let options = try ctx.options(BatchMatMulOptions.self)
        let adjX = options.adjX, adjY = options.adjY
        let lr = lhs.rank, rr = rhs.rank
        let m = adjX ? lhs.shape[lr - 1] : lhs.shape[lr - 2]
        let k = adjX ? lhs.shape[lr - 2] : lhs.shape[lr - 1]
        let rk = adjY ? rhs.shape[rr - 1] : rhs.shape[rr - 2]
        let n = adjY ? rhs.shape[rr - 2] : rhs.shape[rr - 1]
        guard k == rk else { throw ctx.error("contracting dimensions differ: lhs \(lhs.shape) (adj_x \(adjX)), rhs \(rhs.shape) (adj_y \(adjY))") }
        // Broadcast batch dimensions.
        let lb = Array(lhs.shape.dropLast(2)), rb = Array(rhs.shape.dropLast(2))
        let batchRank = max(lb.count, rb.count)
        let lp = [Int](repeating: 1, count: batchRank - lb.count) + lb
        let rp = [Int](repeating: 1, count: batchRank - rb.count) + rb
        var batchShape: [Int] = []
        for d in 0..<batchRank {
            guard lp[d] == rp[d] || lp[d] == 1 || rp[d] == 1 else {
                throw ctx.error("batch dimensions of lhs \(lhs.shape) and rhs \(rhs.shape) do not broadcast")
            }
            batchShape.append(lp[d] == 1 ? rp[d] : lp[d])
        }
        try ctx.setOutputShape(0, batchShape + [m, n])
        // Per output batch, the lhs and rhs batch indices.
        let batches = try ctx.product(batchShape[...], "batch dimensions")
        guard batches <= 1 << 24 else { throw ctx.error("\(batches) batches are more than \(1 << 24)") }
        let ls = PrepareContext.elementStrides(lp), rs = PrepareContext.elementStrides(rp)
        var lhsBatch: [Int] = [], rhsBatch: [Int] = []
        lhsBatch.reserveCapacity(batches); rhsBatch.reserveCapacity(batches)
        for b in 0..<batches {
            var r = b, li = 0, ri = 0
            for d in stride(from: batchRank - 1, through: 0, by: -1) {
                let i = r % batchShape[d]
                r /= batchShape[d]
                if lp[d] != 1 { li &+= i &* ls[d] }
                if rp[d] != 1 { ri &+= i &* rs[d] }
            }
            lhsBatch.append(li); rhsBatch.append(ri)
        }
        if lhs.type == .int8 {
            return try BatchMatMulQuantized(quantized: ctx, m: m, k: k, n: n, adjX: adjX, adjY: adjY, lhsBatch: lhsBatch, rhsBatch: rhsBatch)
        }
        return BatchMatMulFloat(ctx: ctx, m: m, k: k, n: n, adjX: adjX, adjY: adjY, lhsBatch: lhsBatch, rhsBatch: rhsBatch)
    }
}

/// Tiles are output rows (batch × M).
/// What the BATCH_MATMUL kernels share: sizes, adjoint flags, the batch
/// index of each broadcast operand, the operands, and tiles (output rows,
/// batch × M). Subclasses compute.
class BatchMatMulKernel<Element>: Kernel {
    let m: Int, k: Int, n: Int
    let adjX: Bool, adjY: Bool
    let lhsBatch: [Int], rhsBatch: [Int]
    let lhsIndex: Int, rhsIndex: Int, outputIndex: Int
    var lhs: UnsafePointer<Element>!
    var rhs: UnsafePointer<Element>!
    var output: UnsafeMutablePointer<Element>!

    init(ctx: PrepareContext, m: Int, k: Int, n: Int, adjX: Bool, adjY: Bool, lhsBatch: [Int], rhsBatch: [Int]) {
        self.m = m; self.k = k; self.n = n
        self.adjX = adjX; self.adjY = adjY
        self.lhsBatch = lhsBatch; self.rhsBatch = rhsBatch
        lhsIndex = ctx.node.inputs[0]
        rhsIndex = ctx.node.inputs[1]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { max(lhsBatch.count * m, 1) }
    var cost: Int { lhsBatch.count &* m &* n &* k }

    func bind(_ memory: TensorMemory) {
        lhs = UnsafePointer(memory.pointer(lhsIndex, as: Element.self))
        rhs = UnsafePointer(memory.pointer(rhsIndex, as: Element.self))
        output = memory.pointer(outputIndex, as: Element.self)
    }

    func run(tiles: Range<Int>, worker: Int) {}

    /// Visits output rows `tiles`: `body(lhsRow, lhsStep, rhs, out)`, where
    /// element p of the row's lhs is `lhsRow[p · lhsStep]`, `rhs` is the
    /// row's rhs matrix and `out` its n outputs.
    @inline(__always)
    func forEachRow(_ tiles: Range<Int>, _ body: (_ lhsRow: UnsafePointer<Element>, _ lhsStep: Int, _ rhs: UnsafePointer<Element>, _ out: UnsafeMutablePointer<Element>) -> Void) {
        let mk = m &* k, kn = k &* n
        lhsBatch.withUnsafeBufferPointer { lb in rhsBatch.withUnsafeBufferPointer { rb in
            for row in tiles where row < lb.count &* m {
                let b = row / m, i = row % m
                let a = lhs + lb[b] &* mk
                body(adjX ? a + i : a + i &* k, adjX ? m : 1, rhs + rb[b] &* kn, output + row &* n)
            }
        }}
    }
}

final class BatchMatMulFloat: BatchMatMulKernel<Float> {
    override func run(tiles: Range<Int>, worker: Int) {
        let n = self.n, k = self.k, adjY = self.adjY
        forEachRow(tiles) { aRow, aStep, w, o in
            if adjY {
                for j in 0..<n {
                    let wRow = w + j &* k
                    var sum: Float = 0
                    for p in 0..<k { sum += aRow[p &* aStep] * wRow[p] }
                    o[j] = sum
                }
            } else {
                for j in 0..<n { o[j] = 0 }
                for p in 0..<k {
                    let x = aRow[p &* aStep]
                    let wRow = w + p &* n
                    for j in 0..<n { o[j] += x * wRow[j] }
                }
            }
        }
    }
}
