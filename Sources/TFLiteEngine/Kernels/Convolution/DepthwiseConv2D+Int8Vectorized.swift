/// The constants of a fast int8 depthwise convolution, computed once per
/// model (`Model.sharedConstants`) as one Int32 table of `taps + 4` rows of
/// `channels`: the filter widened and laid out [tap][channel], the bias with
/// the input offset folded in, then the output stage's multipliers, left
/// shifts and right shifts (Int32, see `requantize`). One table keeps the
/// kernel's loops to a single constant stream, so the optimiser's run-time
/// overlap checks against the output stay few.
///
/// The reference sums `(x + inputOffset) · w` over the taps inside the
/// input (int8 filters have zero point 0). In wrapping Int32 arithmetic (a
/// ring, so any order gives the same bits) that equals
/// `Σ x · w + inputOffset · Σ w` where a tap outside the input reads
/// `x = zero point = −inputOffset` and so contributes nothing. The kernel
/// therefore starts each pixel at `bias + inputOffset · Σ_taps w` and adds
/// plain `x · w` products, padding taps reading a row of zero points.
final class DepthwiseInt8Constants: @unchecked Sendable {
    let taps: Int
    let channels: Int
    let table: UnsafeMutablePointer<Int32>

    /// Row offsets (in elements) of the parts of `table`.
    var biasOffset: Int { taps &* channels }
    var multiplierOffset: Int { (taps &+ 1) &* channels }
    var leftShiftOffset: Int { (taps &+ 2) &* channels }
    var rightShiftOffset: Int { (taps &+ 3) &* channels }

    init(filter: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, taps: Int, channels: Int, q: ConvolutionQuantization) {
        self.taps = taps
        self.channels = channels
        table = .allocate(capacity: max((taps &+ 4) &* channels, 1))
        for i in 0..<taps &* channels { table[i] = Int32(filter[i]) }
        for c in 0..<channels {
            var sum: Int32 = 0
            for t in 0..<taps { sum &+= table[t &* channels &+ c] }
            table[taps &* channels &+ c] = (bias?[c] ?? 0) &+ q.inputOffset &* sum
            table[(taps &+ 1) &* channels &+ c] = q.multipliers[c]
            table[(taps &+ 2) &* channels &+ c] = Int32(max(q.shifts[c], 0))
            table[(taps &+ 3) &* channels &+ c] = Int32(max(-q.shifts[c], 0))
        }
    }

    deinit { table.deallocate() }

    /// `FixedPoint.multiplyByQuantizedMultiplier(x, multiplier, shift)` for
    /// shift = left − right, without branches so channel loops vectorise:
    /// the wrapping left shift, gemmlowp's saturating rounding doubling high
    /// multiply, then a rounding right shift (half away from zero).
    /// (`ChannelRequantization.Tables.scale` computes the same with 64-bit
    /// tables; in the depthwise loop, where the constants are reloaded for
    /// every pixel, these Int32 rows measured about 25% faster.)
    @inline(__always)
    static func requantize(_ x: Int32, _ multiplier: Int32, _ left: Int32, _ right: Int32) -> Int32 {
        let a = x &<< left
        let ab = Int64(a) &* Int64(multiplier)
        // gemmlowp adds a nudge of 2^30 (1 − 2^30 when ab < 0) and divides by
        // 2^31 truncating toward zero; for ab < 0 that is
        // (ab + 1 − 2^30 + 2^31 − 1) >> 31, so both signs are (ab + 2^30) >> 31.
        let high = Int32(truncatingIfNeeded: (ab &+ (1 << 30)) &>> 31)
        let doubled = (a == multiplier && a == .min) ? Int32.max : high
        let mask = (1 &<< right) &- 1
        let remainder = doubled & mask
        let threshold = (mask &>> 1) &+ (doubled < 0 ? 1 : 0)
        return (doubled &>> right) &+ (remainder > threshold ? 1 : 0)
    }

    /// The constants for the node being prepared, shared by every
    /// interpreter of the model; nil when the filter or bias is not constant.
    static func shared(ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters, _ q: ConvolutionQuantization) throws -> DepthwiseInt8Constants? {
        let filter = try ctx.input(1)
        let taps = p.geometry.filterHeight &* p.geometry.filterWidth, channels = p.outputChannels
        guard let f = filter.constant, filter.elementCount == taps &* channels else { return nil }
        var biasPointer: UnsafePointer<Int32>?
        var biasKey = "none"
        if let bias = ctx.optionalInput(2) {
            guard let b = bias.constant else { return nil }
            biasPointer = b.assumingMemoryBound(to: Int32.self)
            biasKey = "\(ctx.node.inputs[2])"
        }
        // The input and output tensors fix the input offset and the output stage.
        let key = "depthwise-i8-w\(ctx.node.inputs[1])-b\(biasKey)-i\(ctx.node.inputs[0])-o\(ctx.node.outputs[0])-\(taps)x\(channels)"
        return ctx.graph.sharedConstants.value(for: key) {
            DepthwiseInt8Constants(filter: f.assumingMemoryBound(to: Int8.self), bias: biasPointer, taps: taps, channels: channels,
                                   q: q)
        }
    }
}

/// Int8 DEPTHWISE_CONV_2D with depth multiplier 1 and constant filter (and
/// bias), vectorised over channels; bit-identical to
/// `ConvolutionQuantizedReference` (see `DepthwiseInt8Constants` for why
/// folding the input offset into the bias changes no bit).
///
/// Tiles are output rows. Each output pixel is one loop over channels that
/// sums the products and requantizes (`DepthwiseInt8Constants.requantize`),
/// written as plain Int32 loops over memory so the optimiser vectorises
/// them. 3×3 filters keep the nine taps unrolled and the accumulator in
/// registers: pixels whose taps are all inside the input read three input
/// rows at fixed column offsets; the others gather one pointer per tap, taps
/// outside the input pointing to a row of input zero points. Other filter
/// sizes gather pointers too and accumulate tap by tap in the worker's scratch.
final class DepthwiseConv2DInt8Vectorized: Kernel {
    let p: DepthwiseConv2D.Parameters
    let operands: FilteredOperands
    let constants: DepthwiseInt8Constants
    let outputOffset: Int32, activationMin: Int32, activationMax: Int32
    /// `channels` copies of the input zero point, read by taps in the padding.
    private let zeroPointRow: UnsafeMutablePointer<Int8>
    /// Output columns `interiorStart..<interiorEnd` have every tap column inside the input.
    let interiorStart: Int, interiorEnd: Int
    var input: UnsafePointer<Int8>!
    var output: UnsafeMutablePointer<Int8>!
    var scratch: UnsafeMutableRawPointer!

    init(ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters, _ q: ConvolutionQuantization, constants: DepthwiseInt8Constants) {
        self.p = p
        operands = FilteredOperands(ctx)
        self.constants = constants
        outputOffset = q.outputOffset
        activationMin = q.activationMin
        activationMax = q.activationMax
        let n = max(p.inputChannels, 1)
        zeroPointRow = .allocate(capacity: n)
        // inputOffset = −zero point, and the zero point is inside int8's range.
        zeroPointRow.initialize(repeating: Int8(truncatingIfNeeded: 0 &- q.inputOffset), count: n)
        let g = p.geometry
        // ox·s − padLeft ≥ 0 and ox·s − padLeft + (KW−1)·d ≤ W − 1.
        let start = (g.padLeft + g.strideWidth - 1) / g.strideWidth
        let lastReach = g.inputWidth - 1 - (g.filterWidth - 1) * g.dilationWidth + g.padLeft
        let end = lastReach >= 0 ? lastReach / g.strideWidth + 1 : 0
        interiorStart = min(start, g.outputWidth)
        interiorEnd = max(interiorStart, min(end, g.outputWidth))
    }

    deinit { zeroPointRow.deallocate() }

    private var taps: Int { p.geometry.filterHeight &* p.geometry.filterWidth }
    /// Tap pointers, then (general filter sizes) one accumulator per channel.
    var scratchBytesPerWorker: Int { taps &* 8 &+ max(p.outputChannels, 1) &* 4 }
    var tileCount: Int { p.geometry.outputRows }
    var cost: Int { p.cost }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(operands.input, as: Int8.self))
        output = memory.pointer(operands.output, as: Int8.self)
        scratch = memory.scratch
    }

    func run(tiles: Range<Int>, worker: Int) {
        let g = p.geometry, c = p.outputChannels
        let base = scratch + worker &* scratchBytesPerWorker
        let tapPointers = base.assumingMemoryBound(to: UnsafePointer<Int8>.self)
        let acc = (base + taps &* 8).assumingMemoryBound(to: Int32.self)
        let zero = UnsafePointer(zeroPointRow)
        let is3x3 = g.filterHeight == 3 && g.filterWidth == 3
        let rowStep = g.dilationHeight &* g.inputWidth &* c, columnStep = g.dilationWidth &* c
        for tile in tiles {
            let b = tile / g.outputHeight, oy = tile % g.outputHeight
            let inputBatch = input + b &* g.inputHeight &* g.inputWidth &* c
            var out = output + tile &* g.outputWidth &* c
            let iy0 = oy &* g.strideHeight &- g.padTop
            let rowsInside = iy0 >= 0 && iy0 &+ (g.filterHeight &- 1) &* g.dilationHeight < g.inputHeight
            for ox in 0..<g.outputWidth {
                let ix0 = ox &* g.strideWidth &- g.padLeft
                if is3x3 && rowsInside && ox >= interiorStart && ox < interiorEnd {
                    interior3x3(inputBatch + (iy0 &* g.inputWidth &+ ix0) &* c, rowStep: rowStep, columnStep: columnStep, out)
                    out += c
                    continue
                }
                var t = 0
                for ky in 0..<g.filterHeight {
                    let iy = iy0 &+ ky &* g.dilationHeight
                    let rowInside = iy >= 0 && iy < g.inputHeight
                    for kx in 0..<g.filterWidth {
                        let ix = ix0 &+ kx &* g.dilationWidth
                        tapPointers[t] = rowInside && ix >= 0 && ix < g.inputWidth
                            ? inputBatch + (iy &* g.inputWidth &+ ix) &* c : zero
                        t &+= 1
                    }
                }
                if is3x3 {
                    pixel3x3(UnsafePointer(tapPointers), out)
                } else {
                    pixel(UnsafePointer(tapPointers), acc, out)
                }
                out += c
            }
        }
    }

    /// One output pixel of a 3×3 filter whose taps are all inside the input:
    /// tap (ky, kx) reads `x + ky·rowStep + kx·columnStep`.
    @inline(__always)
    private func interior3x3(_ x: UnsafePointer<Int8>, rowStep: Int, columnStep: Int, _ out: UnsafeMutablePointer<Int8>) {
        let c = p.outputChannels
        let k = UnsafePointer(constants.table)
        let r0 = x, r1 = x + rowStep, r2 = x + 2 &* rowStep
        let d1 = columnStep, d2 = 2 &* columnStep
        let zp = outputOffset, lo = activationMin, hi = activationMax
        for ch in 0..<c {
            var a = k[9 &* c &+ ch]
            a &+= Int32(r0[ch]) &* k[ch]
            a &+= Int32(r0[d1 &+ ch]) &* k[c &+ ch]
            a &+= Int32(r0[d2 &+ ch]) &* k[2 &* c &+ ch]
            a &+= Int32(r1[ch]) &* k[3 &* c &+ ch]
            a &+= Int32(r1[d1 &+ ch]) &* k[4 &* c &+ ch]
            a &+= Int32(r1[d2 &+ ch]) &* k[5 &* c &+ ch]
            a &+= Int32(r2[ch]) &* k[6 &* c &+ ch]
            a &+= Int32(r2[d1 &+ ch]) &* k[7 &* c &+ ch]
            a &+= Int32(r2[d2 &+ ch]) &* k[8 &* c &+ ch]
            let v = DepthwiseInt8Constants.requantize(a, k[10 &* c &+ ch], k[11 &* c &+ ch], k[12 &* c &+ ch]) &+ zp
            out[ch] = Int8(truncatingIfNeeded: min(max(v, lo), hi))
        }
    }

    /// One output pixel of a 3×3 filter from nine tap pointers.
    @inline(__always)
    private func pixel3x3(_ x: UnsafePointer<UnsafePointer<Int8>>, _ out: UnsafeMutablePointer<Int8>) {
        let c = p.outputChannels
        let k = UnsafePointer(constants.table)
        let x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5], x6 = x[6], x7 = x[7], x8 = x[8]
        let zp = outputOffset, lo = activationMin, hi = activationMax
        for ch in 0..<c {
            var a = k[9 &* c &+ ch]
            a &+= Int32(x0[ch]) &* k[ch]
            a &+= Int32(x1[ch]) &* k[c &+ ch]
            a &+= Int32(x2[ch]) &* k[2 &* c &+ ch]
            a &+= Int32(x3[ch]) &* k[3 &* c &+ ch]
            a &+= Int32(x4[ch]) &* k[4 &* c &+ ch]
            a &+= Int32(x5[ch]) &* k[5 &* c &+ ch]
            a &+= Int32(x6[ch]) &* k[6 &* c &+ ch]
            a &+= Int32(x7[ch]) &* k[7 &* c &+ ch]
            a &+= Int32(x8[ch]) &* k[8 &* c &+ ch]
            let v = DepthwiseInt8Constants.requantize(a, k[10 &* c &+ ch], k[11 &* c &+ ch], k[12 &* c &+ ch]) &+ zp
            out[ch] = Int8(truncatingIfNeeded: min(max(v, lo), hi))
        }
    }

    /// One output pixel, any filter size: accumulates tap by tap in `acc`.
    @inline(__always)
    private func pixel(_ x: UnsafePointer<UnsafePointer<Int8>>, _ acc: UnsafeMutablePointer<Int32>, _ out: UnsafeMutablePointer<Int8>) {
        let c = p.outputChannels
        let k = UnsafePointer(constants.table)
        let bias = k + constants.biasOffset
        for ch in 0..<c { acc[ch] = bias[ch] }
        var w = k
        for t in 0..<taps {
            let xt = x[t]
            for ch in 0..<c { acc[ch] &+= Int32(xt[ch]) &* w[ch] }
            w += c
        }
        let m = k + constants.multiplierOffset, ls = k + constants.leftShiftOffset, rs = k + constants.rightShiftOffset
        let zp = outputOffset, lo = activationMin, hi = activationMax
        for ch in 0..<c {
            let v = DepthwiseInt8Constants.requantize(acc[ch], m[ch], ls[ch], rs[ch]) &+ zp
            out[ch] = Int8(truncatingIfNeeded: min(max(v, lo), hi))
        }
    }
}
