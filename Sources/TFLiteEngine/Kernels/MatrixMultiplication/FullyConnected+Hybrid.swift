/// Hybrid (dynamic-range) FULLY_CONNECTED: float32 input and output, int8
/// symmetric weights (per tensor or per output channel), float32 bias.
///
/// Each batch row is quantized to int8 on the fly (asymmetric when the
/// options set `asymmetric_quantize_inputs`, else symmetric), multiplied
/// with the weights in int32, and rescaled:
/// `y[o] = bias[o] + (Σ w[o,k]·(q[k] - zp)) × (inputScale × weightScale[o])`,
/// then clamped by the fused activation, as LiteRT's builtin kernel does.
final class FullyConnectedHybrid: Kernel {
    let p: FullyConnected.Parameters
    let asymmetric: Bool
    let scales: [Float]
    let operands: FilteredOperands
    var input: UnsafePointer<Float>!
    var weights: UnsafePointer<Int8>!
    var bias: UnsafePointer<Float>?
    var output: UnsafeMutablePointer<Float>!
    var scratch: TensorMemory?

    /// Returns the hybrid kernel for a float32 FULLY_CONNECTED whose weights are int8.
    static func make(_ ctx: PrepareContext, _ p: FullyConnected.Parameters) throws -> Kernel {
        let weights = try ctx.input(1)
        try ctx.require(weights, type: .int8, "weights")
        if let bias = ctx.optionalInput(2) { try ctx.require(bias, type: .float32, "bias") }
        try ctx.require(ctx.output(0), type: .float32, "output")
        let scales = try HybridQuantization.filterScales(weights, channels: p.outputDepth, dimension: 0, ctx)
        let asymmetric = try ctx.options(FullyConnectedOptions.self).asymmetricQuantizeInputs
        return FullyConnectedHybrid(ctx: ctx, p, scales: scales, asymmetric: asymmetric)
    }

    init(ctx: PrepareContext, _ p: FullyConnected.Parameters, scales: [Float], asymmetric: Bool) {
        self.p = p
        self.scales = scales
        self.asymmetric = asymmetric
        operands = FilteredOperands(ctx)
    }

    /// One quantized input row (Int16 values `q - zeroPoint`).
    var scratchBytesPerWorker: Int { (p.inputDepth * 2 + 15) & ~15 }
    var tileCount: Int { p.batches }
    var cost: Int { p.batches * p.inputDepth * p.outputDepth }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(operands.input, as: Float.self))
        weights = UnsafePointer(memory.pointer(operands.filter, as: Int8.self))
        bias = operands.bias.map { UnsafePointer(memory.pointer($0, as: Float.self)) }
        output = memory.pointer(operands.output, as: Float.self)
        scratch = memory
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let memory = scratch else { return }
        let k = p.inputDepth, n = p.outputDepth
        let (lo, hi) = p.activation.floatRange
        let q = memory.scratch(worker: worker, stride: scratchStride, as: Int16.self)
        scales.withUnsafeBufferPointer { scale in
            for b in tiles {
                let x = input + b &* k
                let qp = HybridQuantization.quantizeBlock(x, count: k, asymmetric: asymmetric, into: q)
                let y = output + b &* n
                for o in 0..<n {
                    let w = weights + o &* k
                    var acc: Int32 = 0
                    for i in 0..<k { acc = acc &+ Int32(w[i]) &* Int32(q[i]) }
                    let value = (bias?[o] ?? 0) + Float(acc) * (qp.scale * scale[o])
                    y[o] = min(max(value, lo), hi)
                }
            }
        }
    }
}
