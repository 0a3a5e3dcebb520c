/// Float32 depthwise convolutions at stride 2 with 8 to 15 channels
/// (NASNet-Mobile's 5×5 and 7×7 layers over 111 × 111 × 11, which ran on
/// eight-lane vectors), computed along the output row's floats: once an input
/// row's even and odd pixels are stored apart, the input float of tap
/// (ky, kx) for output float j = x·C + c of a row is float j + ⌊kx/2⌋·C of
/// the even or odd half of input row 2·oy + ky − padTop, so every vector of
/// sixteen output floats has all its lanes in use whatever C is. Its
/// weights are the tap's weights of channels j mod C, …: a row of the
/// phase table (`DepthwiseConv2DFloat.phaseWeights`) from j mod `period`.
///
/// Each input row is copied once into the worker's ring with the padding's
/// zeros (`padRow`), so a whole output row is one run with no edge code.
/// Four output rows go together: each weight vector is loaded once for
/// four multiply-adds, whose inputs are memory operands (1.25 loads a
/// multiply-add; one row at a time would be two). Each output sums bias,
/// then taps (ky, kx) in order, as every other path does; rows and columns
/// in the padding add 0 · w.
struct DepthwiseFlatRows {
    /// The filter and bias by phase (`DepthwiseConv2DFloat.phaseWeights`).
    let table: AlignedBuffer
    /// The phase table's period: the least common multiple of C and 16.
    let period: Int
    /// The worker's ring: the padded rows one block of output rows reads.
    let ring: PaddedRowRing.Layout
    /// A worker's scratch: the ring.
    var scratchBytes: Int { ring.bytes }

    /// Output rows computed together.
    static let blockRows = 4
    /// The largest phase table taken (bytes): with the ring's rows it
    /// stays in the first- and second-level caches.
    static let maximumTableBytes = 40 << 10

    /// The flat layout for this layer, or nil where it does not take it:
    /// the sixteen-lane flavours, depth multiplier and dilation 1, stride 2
    /// both ways, filters 5 or 7 wide (at most 16 rows), 8 to 15 channels
    /// (`takes(channels:)`), an output row of at least one vector, a padded
    /// row of at most `DepthwisePairedRows.maximumRowFloats`, a constant
    /// filter and bias. Once per model.
    static func make(ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters, filterTaps: AlignedBuffer?) throws -> DepthwiseFlatRows? {
        #if TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI
        let g = p.geometry, c = p.inputChannels, lanes = FloatVector.scalarCount
        guard p.depthMultiplier == 1, g.dilationWidth == 1, g.dilationHeight == 1, g.strideWidth == 2, g.strideHeight == 2,
              g.filterWidth == 5 || g.filterWidth == 7, g.filterHeight <= 16, takes(channels: c),
              g.outputWidth > 0, g.outputWidth <= DepthwisePairedRows.maximumRowFloats, g.outputWidth * c >= lanes else { return nil }
        let paddedPixels = (g.outputWidth - 1) * 2 + g.filterWidth
        guard paddedPixels * c <= DepthwisePairedRows.maximumRowFloats else { return nil }
        var period = c
        while period % lanes != 0 { period += c }
        let taps = g.filterHeight * g.filterWidth
        guard (taps + 1) * (period + lanes) * MemoryLayout<Float>.size <= maximumTableBytes,
              let (table, period) = try DepthwiseConv2DFloat.phaseWeights(ctx: ctx, p, filterTaps: filterTaps) else { return nil }
        let ring = PaddedRowRing.Layout(paddedPixels: paddedPixels, channels: c, evenOdd: true, slots: (blockRows - 1) * 2 + g.filterHeight)
        return DepthwiseFlatRows(table: table, period: period, ring: ring)
        #else
        return nil
        #endif
    }

    /// Channel counts taken: 8 to 15, where single pixels run on eight-lane
    /// vectors (one-op, Zen 5, against those: 111 × 111 × 11 5×5 0.0354 →
    /// 0.0302 ms, 7×7 0.0576 → 0.0466; 56 × 56 × 12 5×5 0.0112 → 0.0081).
    /// The pairs of pixels took 22 and 24 channels faster (56 × 56 × 22
    /// 5×5 0.0146, flat 0.0154), the channel vectors 44 (28 × 28 × 44 5×5
    /// 0.0063, flat 0.0075); 3×3 filters lost (111 × 111 × 11 0.0161 →
    /// 0.0178): the copy of the even and odd pixels outweighs the lanes.
    /// The taps' loads cross cache lines (C · 4 bytes apart), which bounds
    /// the arithmetic.
    static func takes(channels c: Int) -> Bool { c >= 8 && c < 16 }
}

#if TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI
extension DepthwiseConv2DFloatVectorized {
    /// Output rows `tiles` along the rows' floats (`DepthwiseFlatRows`),
    /// up to four rows of one image at a time. The ring (`PaddedRowRing`)
    /// holds the rows a block reads, so each input row of the range is
    /// copied once.
    func flatStrideRows(_ input: DepthwiseInput, _ tiles: Range<Int>, _ scratch: UnsafeMutableRawPointer, _ layout: DepthwiseFlatRows,
                        continuing: Bool) {
        let g = p.geometry, c = p.inputChannels
        let ring = PaddedRowRing(scratch, layout.ring, continuing: continuing)
        let (low, high) = p.activation.floatRange
        let weights = UnsafePointer(layout.table.pointer.assumingMemoryBound(to: Float.self))
        let taps = g.filterHeight &* g.filterWidth, tapStep = layout.period &+ FloatVector.scalarCount
        let rowFloats = g.outputWidth &* c
        let block = FlatRowsBlock(rows: UnsafePointer(ring.rows), filterHeight: g.filterHeight, channels: c,
                                  odd: layout.ring.odd, weights: weights, tapStep: tapStep,
                                  bias: weights + taps &* tapStep, period: layout.period, count: rowFloats,
                                  lo: FloatVector(repeating: low), hi: FloatVector(repeating: high))
        var tile = tiles.lowerBound
        while tile < tiles.upperBound {
            let b = tile / g.outputHeight, oy = tile % g.outputHeight
            let n = min(DepthwiseFlatRows.blockRows, tiles.upperBound &- tile, g.outputHeight &- oy)
            fill(ring, input, image: b, rows: oy &* 2 &- g.padTop, count: (n &- 1) &* 2 &+ g.filterHeight)
            let out = output + tile &* rowFloats
            switch (g.filterWidth, n) {
            case (5, 4): flatBlock(block, FiveTaps.self, FourRows.self, out)
            case (5, _): flatBlock(block, FiveTaps.self, OneRow.self, out, rows: n)
            case (_, 4): flatBlock(block, SevenTaps.self, FourRows.self, out)
            default: flatBlock(block, SevenTaps.self, OneRow.self, out, rows: n)
            }
            tile &+= n
        }
    }
}

/// What `flatBlock` needs of a layer and of the block's input rows.
struct FlatRowsBlock {
    /// The padded input rows of the block (`rows[t]`: input row 2·oy + t − padTop).
    let rows: UnsafePointer<UnsafePointer<Float>>
    let filterHeight: Int
    let channels: Int
    /// Floats from a padded row's even half to its odd half.
    let odd: Int
    let weights: UnsafePointer<Float>
    /// Floats from one tap's row of the phase table to the next.
    let tapStep: Int
    let bias: UnsafePointer<Float>
    let period: Int
    /// Floats of an output row.
    let count: Int
    let lo: FloatVector, hi: FloatVector
}

/// Output rows of a `flatBlock` call as a type: four, or one at a time.
protocol FlatBlockRows { static var count: Int { get } }
enum FourRows: FlatBlockRows { static var count: Int { 4 } }
enum OneRow: FlatBlockRows { static var count: Int { 1 } }

/// Output rows of one image from `out` (`R.count` of them, or `rows` one
/// at a time), two vectors of sixteen floats of each row at a time (eight
/// independent multiply-add chains with four rows: four waited on the
/// multiply-add's latency): the vector from float j sums bias, then taps
/// (ky, kx), each weight vector (phase j mod `period`) loaded once for the
/// rows. The last vector of a row ends at the row's end, overlapping the
/// one before. (The filter's width as a type, so that the taps along the
/// row unroll.)
@inline(never)
private func flatBlock<K: SlidingFilterRow, R: FlatBlockRows>(_ b: FlatRowsBlock, _: K.Type, _: R.Type, _ out: UnsafeMutablePointer<Float>,
                                                              rows: Int = R.count) {
    let lanes = FloatVector.scalarCount, kw = K.width, c = b.channels, count = b.count
    for r0 in stride(from: 0, to: rows, by: R.count) {
        let input = b.rows + 2 &* r0, o0 = out + r0 &* count
        // Vectors from floats j (phase p) and, if `two`, j + 16 (phase p2).
        @inline(__always) func vectors(_ two: Bool, _ j: Int, _ p: Int, _ p2: Int) {
            let w0 = b.weights + p, v0 = b.weights + p2
            var a0 = b.bias.load(FloatVector.self, p)
            var a1 = a0, a2 = a0, a3 = a0
            var e0 = two ? b.bias.load(FloatVector.self, p2) : a0
            var e1 = e0, e2 = e0, e3 = e0
            for ky in 0..<b.filterHeight {
                let q0 = input[ky] + j
                let q1 = R.count > 1 ? input[ky &+ 2] + j : q0
                let q2 = R.count > 1 ? input[ky &+ 4] + j : q0
                let q3 = R.count > 1 ? input[ky &+ 6] + j : q0
                let tapRow = ky &* kw &* b.tapStep
                for kx in 0..<kw {
                    let at = (kx & 1) &* b.odd &+ (kx >> 1) &* c, tap = tapRow &+ kx &* b.tapStep
                    let wv = w0.load(FloatVector.self, tap)
                    a0 = a0.multiplyAdd(q0.load(FloatVector.self, at), wv)
                    if R.count > 1 {
                        a1 = a1.multiplyAdd(q1.load(FloatVector.self, at), wv)
                        a2 = a2.multiplyAdd(q2.load(FloatVector.self, at), wv)
                        a3 = a3.multiplyAdd(q3.load(FloatVector.self, at), wv)
                    }
                    if two {
                        let xv = v0.load(FloatVector.self, tap), at2 = at &+ lanes
                        e0 = e0.multiplyAdd(q0.load(FloatVector.self, at2), xv)
                        if R.count > 1 {
                            e1 = e1.multiplyAdd(q1.load(FloatVector.self, at2), xv)
                            e2 = e2.multiplyAdd(q2.load(FloatVector.self, at2), xv)
                            e3 = e3.multiplyAdd(q3.load(FloatVector.self, at2), xv)
                        }
                    }
                }
            }
            let o = o0 + j
            o.storeLanes(a0.clamped(b.lo, b.hi))
            if R.count > 1 {
                o.storeLanes(a1.clamped(b.lo, b.hi), count)
                o.storeLanes(a2.clamped(b.lo, b.hi), 2 &* count)
                o.storeLanes(a3.clamped(b.lo, b.hi), 3 &* count)
            }
            if two {
                o.storeLanes(e0.clamped(b.lo, b.hi), lanes)
                if R.count > 1 {
                    o.storeLanes(e1.clamped(b.lo, b.hi), lanes &+ count)
                    o.storeLanes(e2.clamped(b.lo, b.hi), lanes &+ 2 &* count)
                    o.storeLanes(e3.clamped(b.lo, b.hi), lanes &+ 3 &* count)
                }
            }
        }
        @inline(__always) func next(_ p: Int) -> Int { p &+ lanes >= b.period ? p &+ lanes &- b.period : p &+ lanes }
        var j = 0, phase = 0
        while j &+ 2 &* lanes <= count {
            let phase2 = next(phase)
            vectors(true, j, phase, phase2)
            j &+= 2 &* lanes
            phase = next(phase2)
        }
        if j &+ lanes <= count {
            vectors(false, j, phase, phase)
            j &+= lanes
        }
        if j < count {
            let last = count &- lanes, p = last % b.period
            vectors(false, last, p, p)
        }
    }
}
#endif
