/// Quantized BATCH_MATMUL (int8, per-tensor), LiteRT's reference arithmetic
/// (`reference_ops::BatchMatMul` on int8 with `EvalInt8Int8`'s parameters):
/// each output is the wrapping int32 sum of (lhs − lhs zero point)·(rhs −
/// rhs zero point) over the contracting dimension, rescaled by
/// float(lhs scale · rhs scale) / output scale (`GetQuantizedConvolutionMultipler`),
/// offset by the output zero point and clamped to int8 (no fused activation).
/// Tiles are output rows (batch × M).
final class BatchMatMulQuantized: Kernel {
    let m: Int, k: Int, n: Int
    let adjX: Bool, adjY: Bool
    let lhsBatch: [Int], rhsBatch: [Int]
    let lhsOffset: Int32, rhsOffset: Int32, outputOffset: Int32
    let multiplier: Int32, shift: Int
    let lhsIndex: Int, rhsIndex: Int, outputIndex: Int
    var lhs: UnsafePointer<Int8>!
    var rhs: UnsafePointer<Int8>!
    var output: UnsafeMutablePointer<Int8>!

    init(ctx: PrepareContext, m: Int, k: Int, n: Int, adjX: Bool, adjY: Bool, lhsBatch: [Int], rhsBatch: [Int]) throws {
        let ql = try ctx.quantization(try ctx.input(0), "lhs"), qr = try ctx.quantization(try ctx.input(1), "rhs")
        let qo = try ctx.quantization(ctx.output(0), "output")
        let real = Double(ql.scale * qr.scale) / Double(qo.scale)
        guard real.isFinite, real > 0 else { throw ctx.error("lhs·rhs/output scale \(real) is not a finite positive value") }
        (multiplier, shift) = FixedPoint.quantizeMultiplier(real)
        guard shift <= 31 else { throw ctx.error("effective output scale \(real) is too large") }
        lhsOffset = -ql.zeroPoint; rhsOffset = -qr.zeroPoint; outputOffset = qo.zeroPoint
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
        lhs = UnsafePointer(memory.pointer(lhsIndex, as: Int8.self))
        rhs = UnsafePointer(memory.pointer(rhsIndex, as: Int8.self))
        output = memory.pointer(outputIndex, as: Int8.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        let mk = m &* k, kn = k &* n
        let lo = lhsOffset, ro = rhsOffset
        lhsBatch.withUnsafeBufferPointer { lb in rhsBatch.withUnsafeBufferPointer { rb in
            let rows = lb.count &* m
            for row in tiles where row < rows {
                let b = row / m, i = row % m
                let a = lhs + lb[b] &* mk
                let w = rhs + rb[b] &* kn
                let o = output + row &* n
                // Element (i, p) of lhs and its stride along p; element (p, j) of rhs likewise.
                let aRow = adjX ? a + i : a + i &* k
                let aStep = adjX ? m : 1
                let wStep = adjY ? 1 : n
                for j in 0..<n {
                    let wColumn = adjY ? w + j &* k : w + j
                    var sum: Int32 = 0
                    for p in 0..<k {
                        sum &+= (Int32(aRow[p &* aStep]) &+ lo) &* (Int32(wColumn[p &* wStep]) &+ ro)
                    }
                    let v = FixedPoint.multiplyByQuantizedMultiplier(sum, multiplier, shift) &+ outputOffset
                    o[j] = Int8(truncatingIfNeeded: min(max(v, -128), 127))
                }
            }
        }}
    }
}
