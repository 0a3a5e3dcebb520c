/// Quantized BATCH_MATMUL (int8, per-tensor), LiteRT's reference arithmetic
/// (`reference_ops::BatchMatMul` on int8 with `EvalInt8Int8`'s parameters):
/// each output is the wrapping int32 sum of (lhs − lhs zero point)·(rhs −
/// rhs zero point) over the contracting dimension, rescaled by
/// float(lhs scale · rhs scale) / output scale (`GetQuantizedConvolutionMultipler`),
/// offset by the output zero point and clamped to int8 (no fused activation).
/// Tiles are output rows (batch × M).
final class BatchMatMulQuantized: BatchMatMulKernel<Int8> {
    let lhsOffset: Int32, rhsOffset: Int32, outputOffset: Int32
    let multiplier: Int32, shift: Int

    init(quantized ctx: PrepareContext, m: Int, k: Int, n: Int, adjX: Bool, adjY: Bool, lhsBatch: [Int], rhsBatch: [Int]) throws {
        let ql = try ctx.quantization(try ctx.input(0), "lhs"), qr = try ctx.quantization(try ctx.input(1), "rhs")
        let qo = try ctx.quantization(ctx.output(0), "output")
        let real = Double(ql.scale * qr.scale) / Double(qo.scale)
        guard real.isFinite, real > 0 else { throw ctx.error("lhs·rhs/output scale \(real) is not a finite positive value") }
        (multiplier, shift) = FixedPoint.quantizeMultiplier(real)
        guard shift <= 31 else { throw ctx.error("effective output scale \(real) is too large") }
        lhsOffset = -ql.zeroPoint; rhsOffset = -qr.zeroPoint; outputOffset = qo.zeroPoint
        super.init(ctx: ctx, m: m, k: k, n: n, adjX: adjX, adjY: adjY, lhsBatch: lhsBatch, rhsBatch: rhsBatch)
    }

    override func run(tiles: Range<Int>, worker: Int) {
        let n = self.n, k = self.k, adjY = self.adjY
        let lo = lhsOffset, ro = rhsOffset, multiplier = self.multiplier, shift = self.shift, outputOffset = self.outputOffset
        // Element (p, j) of rhs and its stride along p.
        let wStep = adjY ? 1 : n
        forEachRow(tiles) { aRow, aStep, w, o in
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
    }
}
