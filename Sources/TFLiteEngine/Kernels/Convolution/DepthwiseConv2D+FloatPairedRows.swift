/// Float32 depthwise convolutions whose channels fill vectors poorly (5×5 and
/// 7×7 filters, NASNet-Mobile's 11 and 22 channels), computed on pairs of
/// adjacent output pixels: a pair's 2·C floats are adjacent in the output,
/// and for every tap its input floats are adjacent too (stride 1: input
/// pixels x + kx and x + 1 + kx; stride 2: x·2 + kx and x·2 + 2 + kx, adjacent
/// once a row's even and odd pixels are stored apart), and the pair's weights
/// are the tap's weights twice. So a pair is a "pixel" of 2·C channels: 11
/// channels fill 22 of 32 lanes (where single pixels ran on eight-lane
/// vectors, 11 of 16 at half the width), 22 channels 44 of 48 (22 of 32).
///
/// Each input row is first copied into the worker's ring with the padding's
/// zeros around it (at stride 2, its even pixels then its odd ones), so a
/// whole output row is one run of groups of eight pairs (`SlidingEight`; the
/// last group overlapping the one before) with no edge code. Each output sums
/// bias, then taps (ky, kx) in order, as every other path does; rows and
/// columns in the padding add 0 · w.
struct DepthwisePairedRows {
    /// The filter as [tap][2·C], each tap's C weights twice, then the bias's row.
    let table: AlignedBuffer
    /// The worker's ring: one padded row per filter row, of the pixels that
    /// the groups of a row read.
    let ring: PaddedRowRing.Layout
    /// A worker's scratch: the ring, then a group's outputs for maps under 16 columns.
    let scratchBytes: Int

    /// The most floats of a padded row (larger rows keep the other paths).
    static let maximumRowFloats = 8192

    /// The paired layout for this layer, or nil where it does not take it:
    /// the sixteen-lane flavours, depth multiplier and dilation 1, filters 5
    /// or 7 wide (at most 16 rows) at stride 1 or 2 along the row, channels
    /// where pairs use at least a quarter more of the lanes than single
    /// pixels (`pairsPay`: 8 to 24, not 16; at stride 2 from 17), a constant
    /// filter and bias. Once per model. At stride 2 with fewer than 16
    /// channels, copying the rows' even and odd pixels apart took more than
    /// the pairs saved (one-op 111 × 111 × 11 5×5, Zen 5: 0.0366 → 0.0407 ms).
    /// 5×5 filters at stride 2 that `DepthwiseFlatRows` takes (checked
    /// first) run there.
    static func make(ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters, filterTaps: AlignedBuffer?) throws -> DepthwisePairedRows? {
        #if TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI
        let g = p.geometry, c = p.inputChannels
        guard p.depthMultiplier == 1, g.dilationWidth == 1, g.dilationHeight == 1,
              g.filterWidth == 5 || g.filterWidth == 7, g.filterHeight <= 16, g.strideWidth <= 2,
              g.strideWidth == 1 ? c >= 8 : c > 16 && c <= 32, pairsPay(channels: c), g.outputWidth > 0 else { return nil }
        let groupWidth = 16
        let paddedPixels = (max(g.outputWidth, groupWidth) - 1) * g.strideWidth + g.filterWidth
        guard paddedPixels * c <= maximumRowFloats else { return nil }
        let taps = g.filterHeight * g.filterWidth
        let filterSource: UnsafePointer<Float>
        if let filterTaps {
            filterSource = UnsafePointer(filterTaps.pointer.assumingMemoryBound(to: Float.self))
        } else {
            let filter = try ctx.input(1)
            guard let w = filter.constant, filter.type == .float32, filter.elementCount == c * taps else { return nil }
            filterSource = w.assumingMemoryBound(to: Float.self)
        }
        var biasSource: UnsafePointer<Float>?
        if ctx.hasInput(2) {
            let bias = try ctx.input(2)
            guard let b = bias.constant, bias.type == .float32, bias.elementCount == c else { return nil }
            biasSource = b.assumingMemoryBound(to: Float.self)
        }
        let pair = 2 * c
        let key = SharedConstantKey("depthwise-pairs-f32", [
            ctx.node.inputs[1], ctx.hasInput(2) ? ctx.node.inputs[2] : -1, c, taps, filterTaps == nil ? 0 : 1])
        let table = try ctx.graph.sharedConstants.value(for: key) {
            let buffer = try AlignedBuffer(byteCount: (taps + 1) * pair * MemoryLayout<Float>.size)
            let target = buffer.pointer.assumingMemoryBound(to: Float.self)
            for t in 0...taps {
                for i in 0..<pair { target[t * pair + i] = t < taps ? filterSource[t * c + i % c] : biasSource?[i % c] ?? 0 }
            }
            return buffer
        }
        let ring = PaddedRowRing.Layout(paddedPixels: paddedPixels, channels: c, evenOdd: g.strideWidth == 2, slots: g.filterHeight)
        return DepthwisePairedRows(table: table, ring: ring, scratchBytes: ring.bytes + groupWidth * c * MemoryLayout<Float>.size)
        #else
        return nil
        #endif
    }

    /// Whether pairs of pixels use at least a quarter more of the sixteen
    /// lanes than single pixels: 8 to 15 channels (single pixels on eight
    /// lanes, half the width) and 17 to 24 (a single pixel's second vector
    /// half empty or more). With 40 channels (a fifth more) one-op 56 × 56
    /// × 40 5×5 at stride 2 took as long either way (Zen 5: 0.0236 and
    /// 0.0239 ms).
    static func pairsPay(channels c: Int) -> Bool {
        let lanes = 16
        @inline(__always) func used(_ floats: Int, _ width: Int) -> Double {
            Double(floats) / Double(width * ((floats + width - 1) / width))
        }
        let single = c < lanes ? used(c, 8) / 2 : used(c, lanes)
        return used(2 * c, lanes) >= 1.25 * single
    }
}

#if TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI
extension DepthwiseConv2DFloatVectorized {
    /// Output rows `tiles` on pairs of pixels (`DepthwisePairedRows`). The
    /// ring (`PaddedRowRing`) holds one padded input row per filter row, so
    /// each input row of the range is copied once.
    func pairedRows(_ input: DepthwiseInput, _ tiles: Range<Int>, _ scratch: UnsafeMutableRawPointer, _ layout: DepthwisePairedRows,
                    continuing: Bool) {
        let g = p.geometry, c = p.inputChannels, kh = g.filterHeight
        let ring = PaddedRowRing(scratch, layout.ring, continuing: continuing)
        let rows = ring.rows, groupOutput = ring.end
        for tile in tiles {
            let b = tile / g.outputHeight, oy = tile % g.outputHeight
            fill(ring, input, image: b, rows: oy &* g.strideHeight &- g.padTop, count: kh)
            let out = output + tile &* g.outputWidth &* c
            switch (g.filterWidth, g.strideWidth) {
            case (5, 1): pairedRow(FiveTapsStride2.self, OffsetInput.self, rows, out, groupOutput, layout)
            case (7, 1): pairedRow(SevenTapsStride2.self, OffsetInput.self, rows, out, groupOutput, layout)
            case (5, _): pairedRow(FiveTapsStride4.self, EvenOddInput.self, rows, out, groupOutput, layout)
            default: pairedRow(SevenTapsStride4.self, EvenOddInput.self, rows, out, groupOutput, layout)  // (7, 2)
            }
        }
    }

    /// One output row from the filter rows at `rows` (`pairedGroups`).
    @inline(__always)
    private func pairedRow<R: SlidingFilterRow, I: PairedRowStream>(_: R.Type, _: I.Type, _ rows: UnsafeMutablePointer<UnsafePointer<Float>>,
                                                                   _ out: UnsafeMutablePointer<Float>, _ groupOutput: UnsafeMutablePointer<Float>,
                                                                   _ layout: DepthwisePairedRows) {
        let g = p.geometry, c = p.inputChannels
        let (low, high) = p.activation.floatRange
        let weights = UnsafePointer(layout.table.pointer.assumingMemoryBound(to: Float.self))
        pairedGroups(R.self, I.self, rows: UnsafePointer(rows), filterRows: g.filterHeight, channels: c,
                     odd: layout.ring.odd, weights: weights, bias: weights + g.filterHeight &* g.filterWidth &* 2 &* c,
                     rowStep: g.filterWidth &* 2 &* c, out: out, width: g.outputWidth, groupOutput: groupOutput,
                     lo: FloatVector(repeating: low), hi: FloatVector(repeating: high))
    }

    /// Input rows `iy0 ..< iy0 + count` of image `b` into `ring` where it
    /// does not hold them yet (`padRow`), `ring.rows[t]` pointing at row
    /// iy0 + t's slot, or at the zero row for a row above or below the input.
    @inline(__always)
    func fill(_ ring: PaddedRowRing, _ input: DepthwiseInput, image b: Int, rows iy0: Int, count: Int) {
        let g = p.geometry, c = p.inputChannels
        for t in 0..<count {
            let iy = iy0 &+ t
            guard iy >= 0 && iy < g.inputHeight else {
                ring.rows[t] = UnsafePointer(ring.zero)
                continue
            }
            let s = iy % ring.layout.slots, slot = ring.zero + (s &+ 1) &* ring.layout.slotFloats, tag = b &* g.inputHeight &+ iy
            if ring.tags[s] != tag {
                padRow(input + (b &* g.inputHeight &+ iy) &* g.inputWidth &* c, into: slot, ring.layout)
                ring.tags[s] = tag
            }
            ring.rows[t] = UnsafePointer(slot)
        }
    }

    /// Input row `source` (its pixel 0) as padded pixels 0..<paddedPixels
    /// (input pixel j − padLeft, zeros outside the input) into `slot`: in
    /// order at stride 1; at stride 2 the even padded pixels, then the odd
    /// ones from `layout.odd` on (`DepthwisePairedRows`,
    /// `DepthwiseFlatRows`; 8 to 32 channels).
    @inline(__always)
    func padRow(_ source: UnsafePointer<Float>, into slot: UnsafeMutablePointer<Float>, _ layout: PaddedRowRing.Layout) {
        let g = p.geometry, c = p.inputChannels, n = layout.paddedPixels
        let left = g.padLeft, inside = max(0, min(g.inputWidth, n &- left))
        if g.strideWidth == 1 {
            slot.update(repeating: 0, count: left &* c)
            (slot + left &* c).update(from: source, count: inside &* c)
            slot.advanced(by: (left &+ inside) &* c).update(repeating: 0, count: (n &- left &- inside) &* c)
            return
        }
        // Even padded pixels, then odd ones (from `layout.odd` on): pixel j to
        // (j / 2) of its half, the padding's and the input's pixels in loops
        // of their own. A pixel goes as two vectors, the second ending at its
        // last float (the pairs take 17 to 32 channels at stride 2); under 16
        // channels (`DepthwiseFlatRows`) as one vector of sixteen, whose lanes past
        // the pixel the half's next pixel (or the 16 floats after the half)
        // take, except for the input row's last pixel (eight lanes twice:
        // nothing is read past the input).
        let w = FloatVector.scalarCount, inputEnd = min(left &+ inside, n)
        @inline(__always) func half(from first: Int, _ target: UnsafeMutablePointer<Float>) {
            var j = first, t = target
            while j < left {
                t.update(repeating: 0, count: c)
                j &+= 2
                t += c
            }
            if c < w {
                while j &+ 1 < inputEnd {
                    t.storeLanes((source + (j &- left) &* c).load(FloatVector.self))
                    j &+= 2
                    t += c
                }
                while j < inputEnd {
                    let pixel = source + (j &- left) &* c
                    t.storeLanes(pixel.load(SIMD8<Float>.self))
                    t.storeLanes(pixel.load(SIMD8<Float>.self, c &- 8), c &- 8)
                    j &+= 2
                    t += c
                }
            } else {
                while j < inputEnd {
                    let pixel = source + (j &- left) &* c
                    t.storeLanes(pixel.load(FloatVector.self))
                    t.storeLanes(pixel.load(FloatVector.self, c &- w), c &- w)
                    j &+= 2
                    t += c
                }
            }
            while j < n {
                t.update(repeating: 0, count: c)
                j &+= 2
                t += c
            }
        }
        half(from: 0, slot)
        half(from: 1, slot + layout.odd)
    }
}
#endif

/// A worker's ring of padded input rows (`padRow`) in its scratch, for
/// `pairedRows` and `flatStrideRows`: `slots` tags, then `slots` row
/// pointers, then from `ringOffset` the zero row and one slot per ring row,
/// `slotFloats` floats each. Input row iy of image b is in slot iy mod
/// `slots`, tagged b · H + iy. The zero row is written and the tags start
/// empty on every call but one that continues the worker's last call of the
/// same run (which finds them as it left them).
struct PaddedRowRing {
    /// Where a ring's parts lie, fixed per layer (at prepare).
    struct Layout {
        /// Pixels of a padded row: those that an output row reads, from the
        /// first padding column on.
        let paddedPixels: Int
        /// Rows the ring holds.
        let slots: Int
        /// Floats of one row in the ring (a multiple of 16).
        let slotFloats: Int
        /// At stride 2, where a padded row's odd pixels start: after the
        /// even ones, under 16 channels also after the 16 floats that a
        /// pixel's vector may write past its half (the pairs' 17 to 32
        /// channels keep the layout they had).
        let odd: Int
        /// Where the zero row starts (after the tags and row pointers).
        let ringOffset: Int

        /// `evenOdd`: the even and odd pixels stored apart (stride 2).
        init(paddedPixels n: Int, channels c: Int, evenOdd: Bool, slots: Int) {
            paddedPixels = n
            self.slots = slots
            let slack = c < 16 ? 16 : 0
            odd = (n + 1) / 2 * c + slack
            slotFloats = ((evenOdd ? odd + n / 2 * c + slack : n * c) + 15) / 16 * 16
            ringOffset = (2 * slots * MemoryLayout<Int>.size + 63) / 64 * 64
        }

        /// Bytes through the last slot.
        var bytes: Int { ringOffset + (slots + 1) * slotFloats * MemoryLayout<Float>.size }
    }

    let layout: Layout
    let tags: UnsafeMutablePointer<Int>
    /// Where `fill` points the rows a call reads.
    let rows: UnsafeMutablePointer<UnsafePointer<Float>>
    let zero: UnsafeMutablePointer<Float>

    @inline(__always)
    init(_ scratch: UnsafeMutableRawPointer, _ layout: Layout, continuing: Bool) {
        self.layout = layout
        tags = scratch.assumingMemoryBound(to: Int.self)
        rows = (scratch + layout.slots &* MemoryLayout<Int>.size).assumingMemoryBound(to: UnsafePointer<Float>.self)
        zero = (scratch + layout.ringOffset).assumingMemoryBound(to: Float.self)
        if !continuing {
            zero.update(repeating: 0, count: layout.slotFloats)
            for s in 0..<layout.slots { tags[s] = -1 }
        }
    }

    /// The scratch after the last slot.
    var end: UnsafeMutablePointer<Float> { zero + (layout.slots &+ 1) &* layout.slotFloats }
}

/// One output row of `DepthwisePairedRows`: groups of eight pairs (16
/// pixels) from column 0, the last ending at the row's end; a row under 16
/// columns one group into `groupOutput`, then copied. Filter row r reads
/// the padded row at `rows[r]`; `I` reads a group's input stream from it.
/// At stride 1 pair i of a group from column x reads padded pixels
/// x + 2i + kx (and the next), the stream's vector j = 2i + kx
/// (`OffsetInput`). At stride 2 it reads the even pixels at x + 2i + kx/2
/// for even kx and the odd pixels at x + 2i + (kx − 1)/2 for odd kx: vector
/// n = 4i + kx of a stream taking even and odd in turn (`EvenOddInput`).
/// The filter's rows stay a loop: called with the filter's width as a
/// constant (as `slidingEights` is), the rows did not unroll (`perf`), and
/// a constant row count inside `SlidingEight` changed nothing.
@inline(never)
private func pairedGroups<R: SlidingFilterRow, I: PairedRowStream>(_: R.Type, _: I.Type, rows: UnsafePointer<UnsafePointer<Float>>, filterRows: Int,
                                                                   channels c: Int, odd: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                                                   rowStep: Int, out: UnsafeMutablePointer<Float>, width: Int,
                                                                   groupOutput: UnsafeMutablePointer<Float>, lo: FloatVector, hi: FloatVector) {
    let pair = 2 &* c, lanes = FloatVector.scalarCount, blocks = (pair &+ lanes &- 1) / lanes
    @inline(__always) func group(_ x: Int, _ o: UnsafeMutablePointer<Float>, rows count: Int) {
        for block in 0..<blocks {
            let ch = min(block &* lanes, pair &- lanes), at = x &* c &+ ch
            SlidingEight(R.self, bias: bias.load(FloatVector.self, ch), weights: weights + ch, rows: count, rowStep: rowStep, tapStep: pair) {
                I(rows[$0] + at, odd: odd, step: c)
            }.store(o + ch, pair, lo, hi)
        }
    }
    guard width >= 16 else {
        group(0, groupOutput, rows: filterRows)
        out.update(from: groupOutput, count: width &* c)
        return
    }
    var x = 0
    while x &+ 16 <= width {
        group(x, out + x &* c, rows: filterRows)
        x &+= 16
    }
    if x < width { group(width &- 16, out + (width &- 16) &* c, rows: filterRows) }
}

/// A group's input stream in a padded row of `DepthwisePairedRows`, from
/// `start`: pixels `step` floats apart, the odd pixels (where it reads
/// them) `odd` floats after the even ones.
protocol PairedRowStream: SlidingInput {
    init(_ start: UnsafePointer<Float>, odd: Int, step: Int)
}

extension OffsetInput: PairedRowStream {
    @inline(__always)
    init(_ start: UnsafePointer<Float>, odd: Int, step: Int) { self.init(q: start, step: step) }
}

/// Input vectors taken from two rows in turn, `step` floats apart within
/// each: vector 2u from `even + u · step`, vector 2u + 1 from `odd` floats
/// further on (a padded row's odd pixels, `DepthwisePairedRows`).
struct EvenOddInput: PairedRowStream {
    let even: UnsafePointer<Float>
    let odd: Int
    let step: Int
    var n = 0

    @inline(__always)
    init(_ even: UnsafePointer<Float>, odd: Int, step: Int) {
        self.even = even
        self.odd = odd
        self.step = step
    }

    @inline(__always)
    mutating func next<V: FloatLanes>() -> V {
        let v = even.load(V.self, (n >> 1) &* step &+ (n & 1 == 0 ? 0 : odd))
        n &+= 1
        return v
    }
}

extension SlidingEight {
    /// One 7-wide filter row at stride 4: weights from `w`, `wStep` floats
    /// apart; input vector n (the n-th of `x`) feeds pixel p through tap
    /// n − 4p (pairs of pixels at stride 2, `DepthwisePairedRows`).
    @inline(__always)
    mutating func row7Stride4<I: SlidingInput>(_ x: inout I, _ w: UnsafePointer<Float>, _ wStep: Int) {
        let w0 = w.load(V.self), w1 = w.load(V.self, wStep), w2 = w.load(V.self, 2 &* wStep), w3 = w.load(V.self, 3 &* wStep)
        let w4 = w.load(V.self, 4 &* wStep), w5 = w.load(V.self, 5 &* wStep), w6 = w.load(V.self, 6 &* wStep)
        var v: V = x.next()
        a0 = a0.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w1)
        v = x.next()
        a0 = a0.multiplyAdd(v, w2)
        v = x.next()
        a0 = a0.multiplyAdd(v, w3)
        v = x.next()
        a0 = a0.multiplyAdd(v, w4); a1 = a1.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w5); a1 = a1.multiplyAdd(v, w1)
        v = x.next()
        a0 = a0.multiplyAdd(v, w6); a1 = a1.multiplyAdd(v, w2)
        v = x.next()
        a1 = a1.multiplyAdd(v, w3)
        v = x.next()
        a1 = a1.multiplyAdd(v, w4); a2 = a2.multiplyAdd(v, w0)
        v = x.next()
        a1 = a1.multiplyAdd(v, w5); a2 = a2.multiplyAdd(v, w1)
        v = x.next()
        a1 = a1.multiplyAdd(v, w6); a2 = a2.multiplyAdd(v, w2)
        v = x.next()
        a2 = a2.multiplyAdd(v, w3)
        v = x.next()
        a2 = a2.multiplyAdd(v, w4); a3 = a3.multiplyAdd(v, w0)
        v = x.next()
        a2 = a2.multiplyAdd(v, w5); a3 = a3.multiplyAdd(v, w1)
        v = x.next()
        a2 = a2.multiplyAdd(v, w6); a3 = a3.multiplyAdd(v, w2)
        v = x.next()
        a3 = a3.multiplyAdd(v, w3)
        v = x.next()
        a3 = a3.multiplyAdd(v, w4); a4 = a4.multiplyAdd(v, w0)
        v = x.next()
        a3 = a3.multiplyAdd(v, w5); a4 = a4.multiplyAdd(v, w1)
        v = x.next()
        a3 = a3.multiplyAdd(v, w6); a4 = a4.multiplyAdd(v, w2)
        v = x.next()
        a4 = a4.multiplyAdd(v, w3)
        v = x.next()
        a4 = a4.multiplyAdd(v, w4); a5 = a5.multiplyAdd(v, w0)
        v = x.next()
        a4 = a4.multiplyAdd(v, w5); a5 = a5.multiplyAdd(v, w1)
        v = x.next()
        a4 = a4.multiplyAdd(v, w6); a5 = a5.multiplyAdd(v, w2)
        v = x.next()
        a5 = a5.multiplyAdd(v, w3)
        v = x.next()
        a5 = a5.multiplyAdd(v, w4); a6 = a6.multiplyAdd(v, w0)
        v = x.next()
        a5 = a5.multiplyAdd(v, w5); a6 = a6.multiplyAdd(v, w1)
        v = x.next()
        a5 = a5.multiplyAdd(v, w6); a6 = a6.multiplyAdd(v, w2)
        v = x.next()
        a6 = a6.multiplyAdd(v, w3)
        v = x.next()
        a6 = a6.multiplyAdd(v, w4); a7 = a7.multiplyAdd(v, w0)
        v = x.next()
        a6 = a6.multiplyAdd(v, w5); a7 = a7.multiplyAdd(v, w1)
        v = x.next()
        a6 = a6.multiplyAdd(v, w6); a7 = a7.multiplyAdd(v, w2)
        v = x.next()
        a7 = a7.multiplyAdd(v, w3)
        v = x.next()
        a7 = a7.multiplyAdd(v, w4)
        v = x.next()
        a7 = a7.multiplyAdd(v, w5)
        v = x.next()
        a7 = a7.multiplyAdd(v, w6)

    }

    /// One 5-wide filter row at stride 4: weights from `w`, `wStep` floats
    /// apart; input vector n (the n-th of `x`) feeds pixel p through tap n − 4p.
    @inline(__always)
    mutating func row5Stride4<I: SlidingInput>(_ x: inout I, _ w: UnsafePointer<Float>, _ wStep: Int) {
        let w0 = w.load(V.self), w1 = w.load(V.self, wStep), w2 = w.load(V.self, 2 &* wStep), w3 = w.load(V.self, 3 &* wStep)
        let w4 = w.load(V.self, 4 &* wStep)
        var v: V = x.next()
        a0 = a0.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w1)
        v = x.next()
        a0 = a0.multiplyAdd(v, w2)
        v = x.next()
        a0 = a0.multiplyAdd(v, w3)
        v = x.next()
        a0 = a0.multiplyAdd(v, w4); a1 = a1.multiplyAdd(v, w0)
        v = x.next()
        a1 = a1.multiplyAdd(v, w1)
        v = x.next()
        a1 = a1.multiplyAdd(v, w2)
        v = x.next()
        a1 = a1.multiplyAdd(v, w3)
        v = x.next()
        a1 = a1.multiplyAdd(v, w4); a2 = a2.multiplyAdd(v, w0)
        v = x.next()
        a2 = a2.multiplyAdd(v, w1)
        v = x.next()
        a2 = a2.multiplyAdd(v, w2)
        v = x.next()
        a2 = a2.multiplyAdd(v, w3)
        v = x.next()
        a2 = a2.multiplyAdd(v, w4); a3 = a3.multiplyAdd(v, w0)
        v = x.next()
        a3 = a3.multiplyAdd(v, w1)
        v = x.next()
        a3 = a3.multiplyAdd(v, w2)
        v = x.next()
        a3 = a3.multiplyAdd(v, w3)
        v = x.next()
        a3 = a3.multiplyAdd(v, w4); a4 = a4.multiplyAdd(v, w0)
        v = x.next()
        a4 = a4.multiplyAdd(v, w1)
        v = x.next()
        a4 = a4.multiplyAdd(v, w2)
        v = x.next()
        a4 = a4.multiplyAdd(v, w3)
        v = x.next()
        a4 = a4.multiplyAdd(v, w4); a5 = a5.multiplyAdd(v, w0)
        v = x.next()
        a5 = a5.multiplyAdd(v, w1)
        v = x.next()
        a5 = a5.multiplyAdd(v, w2)
        v = x.next()
        a5 = a5.multiplyAdd(v, w3)
        v = x.next()
        a5 = a5.multiplyAdd(v, w4); a6 = a6.multiplyAdd(v, w0)
        v = x.next()
        a6 = a6.multiplyAdd(v, w1)
        v = x.next()
        a6 = a6.multiplyAdd(v, w2)
        v = x.next()
        a6 = a6.multiplyAdd(v, w3)
        v = x.next()
        a6 = a6.multiplyAdd(v, w4); a7 = a7.multiplyAdd(v, w0)
        v = x.next()
        a7 = a7.multiplyAdd(v, w1)
        v = x.next()
        a7 = a7.multiplyAdd(v, w2)
        v = x.next()
        a7 = a7.multiplyAdd(v, w3)
        v = x.next()
        a7 = a7.multiplyAdd(v, w4)

    }
}

enum SevenTapsStride4: SlidingFilterRow {
    static var width: Int { 7 }
    @inline(__always)
    static func add<V: FloatLanes, I: SlidingInput>(_ a: inout SlidingEight<V>, _ x: inout I, _ w: UnsafePointer<Float>, _ wStep: Int) {
        a.row7Stride4(&x, w, wStep)
    }
}

enum FiveTapsStride4: SlidingFilterRow {
    static var width: Int { 5 }
    @inline(__always)
    static func add<V: FloatLanes, I: SlidingInput>(_ a: inout SlidingEight<V>, _ x: inout I, _ w: UnsafePointer<Float>, _ wStep: Int) {
        a.row5Stride4(&x, w, wStep)
    }
}
