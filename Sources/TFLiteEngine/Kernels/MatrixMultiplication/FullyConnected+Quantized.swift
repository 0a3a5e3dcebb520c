/// Quantized FULLY_CONNECTED: int8 with per-tensor or per-channel (axis 0)
/// weights, uint8 per-tensor; `reference_integer_ops::FullyConnected`.
/// Multipliers are double(in)·double(w)/double(out) (TFLite Micro for int8,
/// LiteRT's `GetQuantizedConvolutionMultipler` for uint8); int8 requantizes
/// with gemmlowp's two roundings like Micro, uint8 with one rounding (ties
/// away from zero) like LiteRT's reference kernel, as measured on its wheel.
/// The differences show at exact rounding ties (ops/int8_accumulation).
enum FullyConnectedQuantized {
    static func prepare(_ ctx: PrepareContext, _ p: FullyConnected.Parameters) throws -> Kernel {
        let input = try ctx.input(0), weights = try ctx.input(1)
        let q = try ConvolutionQuantization(
            ctx: ctx, input: input, filter: weights, bias: ctx.optionalInput(2), output: ctx.output(0),
            channelAxis: 0, channels: p.outputDepth, activation: p.activation, liteRTUInt8: true)
        // Batch 1 int8 on the float units: the dot-product loops over the stored
        // weights; with integer multiply-add the packed GEMM's one-row kernel.
        if input.type == .int8, p.batches == 1, !GEMMConvolutionQuantized.usesIntegerKernels, try !ctx.hasEmptyInputOrOutput(), let weightsData = weights.constant, weights.elementCount == p.inputDepth * p.outputDepth {
            return FullyConnectedInt8SingleRow(ctx: ctx, p, q, weights: weightsData.assumingMemoryBound(to: Int8.self))
        }
        if input.type == .int8 || input.type == .uint8, let fast = try GEMMConvolutionQuantized.make(
            ctx: ctx, source: .rows(stride: p.inputDepth), m: p.batches, n: p.outputDepth, taps: 1, channels: p.inputDepth,
            quantization: q, signed: input.type == .int8) {
            return fast
        }
        switch input.type {
        case .int8: return FullyConnectedQuantizedReference(Int8.self, ctx: ctx, p, q)
        case .uint8: return FullyConnectedQuantizedReference(UInt8.self, ctx: ctx, p, q)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

/// Tiles are batch rows.
final class FullyConnectedQuantizedReference: Kernel {
    /// Int8 elements (else UInt8).
    let signed: Bool
    let p: FullyConnected.Parameters
    let q: ConvolutionQuantization
    let operands: FilteredOperands
    var input: UnsafeRawPointer!
    var weights: UnsafeRawPointer!
    var bias: UnsafePointer<Int32>?
    var output: UnsafeMutableRawPointer!

    init<T: QuantizedElement>(_ type: T.Type, ctx: PrepareContext, _ p: FullyConnected.Parameters, _ q: ConvolutionQuantization) {
        signed = T.self == Int8.self
        self.p = p
        self.q = q
        operands = FilteredOperands(ctx)
    }

    var tileCount: Int { p.batches }
    var cost: Int { p.batches * p.inputDepth * p.outputDepth }

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(operands.input))
        weights = UnsafeRawPointer(memory.raw(operands.filter))
        bias = operands.bias.map { UnsafePointer(memory.pointer($0, as: Int32.self)) }
        output = memory.raw(operands.output)
    }

    /// Class methods reached through the `Kernel` protocol are not
    /// specialised; dispatching to a generic function with a concrete type
    /// is, so the loops below run on Int8/UInt8 directly.
    func run(tiles: Range<Int>, worker: Int) {
        if signed { compute(tiles: tiles, worker: worker, Int8.self) } else { compute(tiles: tiles, worker: worker, UInt8.self) }
    }

    private func compute<E: QuantizedElement>(tiles: Range<Int>, worker: Int, _: E.Type) {
        let input = UnsafePointer<E>(OpaquePointer(self.input!))
        let weights = UnsafePointer<E>(OpaquePointer(self.weights!))
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output!))
        let k = p.inputDepth, n = p.outputDepth
        let inOff = q.inputOffset, fOff = q.filterOffset, outOff = q.outputOffset
        let lo = q.activationMin, hi = q.activationMax
        q.multipliers.withUnsafeBufferPointer { multipliers in
            q.shifts.withUnsafeBufferPointer { shifts in
                for b in tiles {
                    let x = input + b &* k
                    let y = output + b &* n
                    for o in 0..<n {
                        let w = weights + o &* k
                        var acc: Int32 = 0
                        for i in 0..<k {
                            acc &+= (Int32(truncatingIfNeeded: w[i]) &+ fOff) &* (Int32(truncatingIfNeeded: x[i]) &+ inOff)
                        }
                        if let bias { acc &+= bias[o] }
                        acc = q.scale(acc, multiplier: multipliers[o], shift: shifts[o]) &+ outOff
                        y[o] = E(truncatingIfNeeded: min(max(acc, lo), hi))
                    }
                }
            }
        }
    }
}

/// int8 FULLY_CONNECTED with one input row (batch 1): memory-bound on the
/// weights, so it reads the int8 weights as stored (a quarter of the bytes
/// of packed floats) with dot-product loops the optimiser vectorises, four
/// outputs per pass
/// (int32 products are exact; int8 weights have filter offset 0). The input
/// row is widened once to `x + inputOffset`. Tiles are blocks of 16 outputs.
final class FullyConnectedInt8SingleRow: Kernel {
    let k: Int, n: Int
    let weights: UnsafePointer<Int8>
    let requantization: ChannelRequantization
    let inputOffset: Int32
    let operands: FilteredOperands
    static let outputsPerTile = 16
    var input: UnsafePointer<Int8>!
    var bias: UnsafePointer<Int32>?
    var output: UnsafeMutablePointer<Int8>!
    var scratch: UnsafeMutableRawPointer!

    init(ctx: PrepareContext, _ p: FullyConnected.Parameters, _ q: ConvolutionQuantization, weights: UnsafePointer<Int8>) {
        k = p.inputDepth
        n = p.outputDepth
        self.weights = weights
        requantization = ChannelRequantization(q, paddedTo: Self.outputsPerTile)
        inputOffset = q.inputOffset
        operands = FilteredOperands(ctx)
    }

    var tileCount: Int { (n + Self.outputsPerTile - 1) / Self.outputsPerTile }
    var cost: Int { n * k }
    /// The widened input row, then one block of accumulators.
    var scratchBytesPerWorker: Int { (max(k, 1) * 4 + 63) & ~63 + Self.outputsPerTile * 4 }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(operands.input, as: Int8.self))
        bias = operands.bias.map { UnsafePointer(memory.pointer($0, as: Int32.self)) }
        output = memory.pointer(operands.output, as: Int8.self)
        scratch = memory.scratch
    }

    func run(tiles: Range<Int>, worker: Int) {
        let base = scratch.unsafelyUnwrapped + worker &* scratchStride
        let x = base.assumingMemoryBound(to: Int32.self)
        let acc = (base + ((max(k, 1) * 4 + 63) & ~63)).assumingMemoryBound(to: Int32.self)
        let input = self.input.unsafelyUnwrapped, k = self.k, inOff = inputOffset
        for i in 0..<k { x[i] = Int32(input[i]) &+ inOff }
        for tile in tiles {
            let first = tile &* Self.outputsPerTile
            let count = min(Self.outputsPerTile, n &- first)
            // Four weight rows per pass: four independent sums share each
            // input load (measured 3–4× faster than one row at a time, whose
            // reduction the vectoriser fills with horizontal adds).
            var j = 0
            while j &+ 4 <= count {
                let w0 = weights + (first &+ j) &* k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k
                var s0: Int32 = 0, s1: Int32 = 0, s2: Int32 = 0, s3: Int32 = 0
                for i in 0..<k {
                    let xi = x[i]
                    s0 &+= Int32(w0[i]) &* xi
                    s1 &+= Int32(w1[i]) &* xi
                    s2 &+= Int32(w2[i]) &* xi
                    s3 &+= Int32(w3[i]) &* xi
                }
                acc[j] = s0
                acc[j &+ 1] = s1
                acc[j &+ 2] = s2
                acc[j &+ 3] = s3
                j &+= 4
            }
            while j < count {
                let w = weights + (first &+ j) &* k
                var sum: Int32 = 0
                for i in 0..<k { sum &+= Int32(w[i]) &* x[i] }
                acc[j] = sum
                j &+= 1
            }
            requantization.apply(UnsafePointer(acc), bias: bias, channel: first, count: count, into: output.unsafelyUnwrapped + first)
        }
    }
}
