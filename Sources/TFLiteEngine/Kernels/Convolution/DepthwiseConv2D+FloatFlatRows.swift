/// Float32 depthwise convolutions at stride 2, 5×5 with 8 to 31 channels
/// and 7×7 with 8 to 15 (NASNet-Mobile's layers over 111 × 111 × 11, which
/// ran on eight-lane vectors), computed along the output row's floats: once an input
/// row's even and odd pixels are stored apart, the input float of tap
/// (ky, kx) for output float j = x·C + c of a row is float j + ⌊kx/2⌋·C of
/// the even or odd half of input row 2·oy + ky − padTop, so every vector of
/// sixteen output floats has all its lanes in use whatever C is. Its
/// weights are the tap's weights of channels j mod C, …: a row of the
/// phase table (`DepthwiseConv2DFloat.phaseWeights`) from j mod `period`.
///
/// Each input row is copied once into the worker's ring with the padding's
/// zeros (`padRow`), so a whole output row is one run with no edge code.
/// 5×5 filters run down bands of eight output rows (four where the ring
/// would pass `maximumBandRingBytes`), a group of columns of one phase at
/// a time (`flatPhaseColumns`); 7×7 filters four output rows at a time,
/// each weight vector loaded once for four multiply-adds whose inputs are
/// memory operands (`flatBlock`: 1.25 loads a multiply-add). Each output
/// sums bias, then taps (ky, kx) in order, as every other path does; rows
/// and columns in the padding add 0 · w.
struct DepthwiseFlatRows {
    /// The filter and bias by phase (`DepthwiseConv2DFloat.phaseWeights`).
    let table: AlignedBuffer
    /// The phase table's period: the least common multiple of C and 16.
    let period: Int
    /// The worker's ring: the padded rows one block of output rows reads.
    let ring: PaddedRowRing.Layout
    /// Output rows computed together: a band of `flatPhaseColumns` (5 × 5
    /// filters, `usesPhaseColumns`), `blockRows` of `flatBlock` (the others).
    let bandRows: Int
    /// A worker's scratch: the ring.
    var scratchBytes: Int { ring.bytes }

    /// Output rows of a block of `flatBlock`.
    static let blockRows = 4
    /// Output rows of a band of `flatPhaseColumns`, and where the ring would
    /// pass `maximumBandRingBytes`, of a short band. One-op, Zen 5, four
    /// rows against eight: 111 × 111 × 11 0.0242 → 0.0222 ms, 56 × 56 × 22
    /// 0.0121 → 0.0115, 28 × 28 × 96 0.0073 → 0.0067, 28 × 28 × 240 0.0176 →
    /// 0.0167 (sixteen rows: 0.0233 on the first).
    static let columnBandRows = 8, shortBandRows = 4
    /// The most bytes of a ring of `columnBandRows`.
    static let maximumBandRingBytes = 256 << 10
    /// The largest phase table taken (bytes): with the ring's rows it
    /// stays in the first- and second-level caches.
    static let maximumTableBytes = 40 << 10

    /// The flat layout for this layer, or nil where it does not take it:
    /// the sixteen-lane flavours, depth multiplier and dilation 1, stride 2
    /// both ways, filters 5 or 7 wide (at most 16 rows), the channels of
    /// `takes(channels:square5x5:)`, an output row of at least one vector, a padded
    /// row of at most `DepthwisePairedRows.maximumRowFloats`, a constant
    /// filter and bias. Once per model.
    static func make(ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters, filterTaps: AlignedBuffer?) throws -> DepthwiseFlatRows? {
        #if TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI
        let g = p.geometry, c = p.inputChannels, lanes = FloatVector.scalarCount
        guard p.depthMultiplier == 1, g.dilationWidth == 1, g.dilationHeight == 1, g.strideWidth == 2, g.strideHeight == 2,
              g.filterWidth == 5 || g.filterWidth == 7, g.filterHeight <= 16,
              takes(channels: c, square5x5: usesPhaseColumns(g)),
              g.outputWidth > 0, g.outputWidth <= DepthwisePairedRows.maximumRowFloats, g.outputWidth * c >= lanes else { return nil }
        let paddedPixels = (g.outputWidth - 1) * 2 + g.filterWidth
        guard paddedPixels * c <= DepthwisePairedRows.maximumRowFloats else { return nil }
        var period = c
        while period % lanes != 0 { period += c }
        let taps = g.filterHeight * g.filterWidth
        guard (taps + 1) * (period + lanes) * MemoryLayout<Float>.size <= maximumTableBytes,
              let (table, period) = try DepthwiseConv2DFloat.phaseWeights(ctx: ctx, p, filterTaps: filterTaps) else { return nil }
        // The ring a block of `rows` output rows reads.
        func ring(rows: Int) -> PaddedRowRing.Layout {
            PaddedRowRing.Layout(paddedPixels: paddedPixels, channels: c, evenOdd: true, slots: (rows - 1) * 2 + g.filterHeight)
        }
        guard usesPhaseColumns(g) else { return DepthwiseFlatRows(table: table, period: period, ring: ring(rows: blockRows), bandRows: blockRows) }
        let band = ring(rows: columnBandRows).bytes <= maximumBandRingBytes ? columnBandRows : shortBandRows
        return DepthwiseFlatRows(table: table, period: period, ring: ring(rows: band), bandRows: band)
        #else
        return nil
        #endif
    }

    /// Channel counts taken (`padRow` copies up to 32). 7×7 filters: 8 to
    /// 15, where single pixels run on eight-lane vectors (one-op, Zen 5,
    /// against those: 111 × 111 × 11 0.0576 → 0.0466 ms); the pairs of
    /// pixels took 22 and 24 channels faster, 3×3 filters lost (the copy of
    /// the even and odd pixels outweighs the lanes). 5×5 filters
    /// (`flatPhaseColumns`): 8 to 31. One-op, Zen 5 (`avx512-vnni`),
    /// medians of three alternating rounds' minima, before → after:
    /// 111 × 111 × 11 0.0269 → 0.0217 ms (on `flatBlock`), 56 × 56 × 22
    /// 0.0150 → 0.0115 (on pairs), 112 × 112 × 16 0.0313 → 0.0249 (on
    /// channel vectors). More channels were faster one-op too (56 × 56 × 32
    /// 0.0160 → 0.0108, 28 × 28 × 96 0.0104 → 0.0067, 28 × 28 × 240 0.0245
    /// → 0.0176) but not in the models: NASNet-Mobile's 28 × 28 × 88 layer
    /// 0.0129 → 0.0153 ms, EfficientNet-B0 and MobileNetV3-Large within
    /// the noise.
    static func takes(channels c: Int, square5x5: Bool) -> Bool { c >= 8 && c < (square5x5 ? 32 : 16) }

    /// 5×5 filters run down bands of rows, columns of one phase at a time (`flatPhaseColumns`).
    static func usesPhaseColumns(_ g: ConvGeometry) -> Bool { g.filterWidth == 5 && g.filterHeight == 5 }
}

#if TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI
extension DepthwiseConv2DFloatVectorized {
    /// Output rows `tiles` along the rows' floats (`DepthwiseFlatRows`),
    /// a band of rows of one image at a time. The ring (`PaddedRowRing`)
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
            let n = min(layout.bandRows, tiles.upperBound &- tile, g.outputHeight &- oy)
            fill(ring, input, image: b, rows: oy &* 2 &- g.padTop, count: (n &- 1) &* 2 &+ g.filterHeight)
            let out = output + tile &* rowFloats
            switch (g.filterWidth, n) {
            case (5, _) where DepthwiseFlatRows.usesPhaseColumns(g): flatPhaseColumns(block, out, rows: n)
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

/// Columns of one phase computed together by `flatPhaseColumns`, as a type.
protocol PhaseColumns { static var count: Int { get } }
enum OneColumn: PhaseColumns { static var count: Int { 1 } }
enum TwoColumns: PhaseColumns { static var count: Int { 2 } }
enum ThreeColumns: PhaseColumns { static var count: Int { 3 } }
enum FourColumns: PhaseColumns { static var count: Int { 4 } }

/// Output rows 0..<rows of one image from `out` (5 × 5 filter, stride 2;
/// `DepthwiseFlatRows`), in groups of up to four vectors of sixteen floats
/// a row whose first floats are a whole number of phase-table periods
/// apart, so they share their weight vectors (phase j mod `period`): each
/// group runs down the rows, and each input vector is loaded once for the
/// up to three output rows it feeds (input row t is filter row t − 2s of
/// output row s). With three or four columns that is five input loads and
/// five aligned weight loads for 45 or 60 multiply-adds in nine or twelve
/// independent chains, where `flatBlock`'s four rows load 1.25 a
/// multiply-add, the inputs across cache lines. A row's last vector, where
/// the row is not a whole number of vectors, is a group of its own ending
/// at the row's end. Each output sums bias, then taps (ky, kx) in order:
/// input rows come in order, and each row's five taps in order.
private func flatPhaseColumns(_ b: FlatRowsBlock, _ out: UnsafeMutablePointer<Float>, rows: Int) {
    let lanes = FloatVector.scalarCount, count = b.count, period = b.period
    var p = 0
    while p < period && p &+ lanes <= count {
        var j = p
        while j &+ lanes <= count {
            switch min(4, (count &- lanes &- j) / period &+ 1) {
            case 4: phaseColumns(b, FourColumns.self, out, rows: rows, first: j, phase: p)
            case 3: phaseColumns(b, ThreeColumns.self, out, rows: rows, first: j, phase: p)
            case 2: phaseColumns(b, TwoColumns.self, out, rows: rows, first: j, phase: p)
            default: phaseColumns(b, OneColumn.self, out, rows: rows, first: j, phase: p)
            }
            j &+= 4 &* period
        }
        p &+= lanes
    }
    if count % lanes != 0 {
        let last = count &- lanes
        phaseColumns(b, OneColumn.self, out, rows: rows, first: last, phase: last % period)
    }
}

/// Where a group of `phaseColumns` reads and writes.
private struct PhaseColumnPlaces {
    let j0: Int, j1: Int, j2: Int, j3: Int
    /// Floats from a padded row's even half to its odd half, and of a pixel.
    let odd: Int, c: Int
    let tapStep: Int
}

/// Input row `q`'s five taps (5 × 5, stride 2, even and odd halves) into
/// the first `used` output rows' accumulators of `N.count` columns: row
/// a with weights `ka`, e with `kb`, f with `kc`.
@inline(__always)
private func phaseRowTaps<N: PhaseColumns>(_: N.Type, _ q: UnsafePointer<Float>, _ at: PhaseColumnPlaces, _ used: Int,
                                           _ ka: UnsafePointer<Float>, _ kb: UnsafePointer<Float>, _ kc: UnsafePointer<Float>,
                                           _ a0: inout FloatVector, _ a1: inout FloatVector, _ a2: inout FloatVector, _ a3: inout FloatVector,
                                           _ e0: inout FloatVector, _ e1: inout FloatVector, _ e2: inout FloatVector, _ e3: inout FloatVector,
                                           _ f0: inout FloatVector, _ f1: inout FloatVector, _ f2: inout FloatVector, _ f3: inout FloatVector) {
    let n = N.count
    for kx in 0..<5 {
        let x = q + ((kx & 1) &* at.odd &+ (kx >> 1) &* at.c), t = kx &* at.tapStep
        let u0 = x.load(FloatVector.self, at.j0)
        let u1 = n > 1 ? x.load(FloatVector.self, at.j1) : u0
        let u2 = n > 2 ? x.load(FloatVector.self, at.j2) : u0
        let u3 = n > 3 ? x.load(FloatVector.self, at.j3) : u0
        phaseRowAdd(N.self, ka.load(FloatVector.self, t), u0, u1, u2, u3, &a0, &a1, &a2, &a3)
        if used > 1 { phaseRowAdd(N.self, kb.load(FloatVector.self, t), u0, u1, u2, u3, &e0, &e1, &e2, &e3) }
        if used > 2 { phaseRowAdd(N.self, kc.load(FloatVector.self, t), u0, u1, u2, u3, &f0, &f1, &f2, &f3) }
    }
}

/// One tap of an output row's `N.count` columns: inputs `u…` times weights `w`.
@inline(__always)
private func phaseRowAdd<N: PhaseColumns>(_: N.Type, _ w: FloatVector, _ u0: FloatVector, _ u1: FloatVector, _ u2: FloatVector, _ u3: FloatVector,
                                          _ r0: inout FloatVector, _ r1: inout FloatVector, _ r2: inout FloatVector, _ r3: inout FloatVector) {
    r0 = r0.multiplyAdd(u0, w)
    if N.count > 1 { r1 = r1.multiplyAdd(u1, w) }
    if N.count > 2 { r2 = r2.multiplyAdd(u2, w) }
    if N.count > 3 { r3 = r3.multiplyAdd(u3, w) }
}

/// One output row's `N.count` columns, clamped, from `o` (the row's float
/// 0). (Transparent: marked `@inline(__always)` it stayed a call taking its
/// vectors through memory, 10% of the samples.)
@_transparent
private func phaseRowStore<N: PhaseColumns>(_: N.Type, _ o: UnsafeMutablePointer<Float>, _ at: PhaseColumnPlaces, _ lo: FloatVector, _ hi: FloatVector,
                                            _ v0: FloatVector, _ v1: FloatVector, _ v2: FloatVector, _ v3: FloatVector) {
    o.storeLanes(v0.clamped(lo, hi), at.j0)
    if N.count > 1 { o.storeLanes(v1.clamped(lo, hi), at.j1) }
    if N.count > 2 { o.storeLanes(v2.clamped(lo, hi), at.j2) }
    if N.count > 3 { o.storeLanes(v3.clamped(lo, hi), at.j3) }
}

/// `flatPhaseColumns`' group of `N.count` columns from float `first`,
/// `period` floats apart, of phase `phase`, down output rows 0..<rows.
@inline(never)
private func phaseColumns<N: PhaseColumns>(_ b: FlatRowsBlock, _: N.Type, _ out: UnsafeMutablePointer<Float>, rows: Int, first j: Int, phase p: Int) {
    let step = b.tapStep, count = b.count, lo = b.lo, hi = b.hi
    let at = PhaseColumnPlaces(j0: j, j1: j &+ b.period, j2: j &+ 2 &* b.period, j3: j &+ 3 &* b.period, odd: b.odd, c: b.channels, tapStep: step)
    let w = b.weights + p
    let k0 = w, k1 = w + 5 &* step, k2 = w + 10 &* step, k3 = w + 15 &* step, k4 = w + 20 &* step
    let bv = b.bias.load(FloatVector.self, p)
    var a0 = bv, a1 = bv, a2 = bv, a3 = bv, e0 = bv, e1 = bv, e2 = bv, e3 = bv, f0 = bv, f1 = bv, f2 = bv, f3 = bv
    var x0 = bv, x1 = bv, x2 = bv, x3 = bv
    let rowPointers = b.rows
    phaseRowTaps(N.self, rowPointers[0], at, 1, k0, k0, k0, &a0, &a1, &a2, &a3, &e0, &e1, &e2, &e3, &f0, &f1, &f2, &f3)
    phaseRowTaps(N.self, rowPointers[1], at, 1, k1, k1, k1, &a0, &a1, &a2, &a3, &e0, &e1, &e2, &e3, &f0, &f1, &f2, &f3)
    guard rows > 1 else {
        phaseRowTaps(N.self, rowPointers[2], at, 1, k2, k2, k2, &a0, &a1, &a2, &a3, &e0, &e1, &e2, &e3, &f0, &f1, &f2, &f3)
        phaseRowTaps(N.self, rowPointers[3], at, 1, k3, k3, k3, &a0, &a1, &a2, &a3, &e0, &e1, &e2, &e3, &f0, &f1, &f2, &f3)
        phaseRowTaps(N.self, rowPointers[4], at, 1, k4, k4, k4, &a0, &a1, &a2, &a3, &e0, &e1, &e2, &e3, &f0, &f1, &f2, &f3)
        phaseRowStore(N.self, out, at, lo, hi, a0, a1, a2, a3)
        return
    }
    phaseRowTaps(N.self, rowPointers[2], at, 2, k2, k0, k0, &a0, &a1, &a2, &a3, &e0, &e1, &e2, &e3, &f0, &f1, &f2, &f3)
    phaseRowTaps(N.self, rowPointers[3], at, 2, k3, k1, k1, &a0, &a1, &a2, &a3, &e0, &e1, &e2, &e3, &f0, &f1, &f2, &f3)
    // Output row s (a: filter rows 0…3 done), s + 1 (e: 0 and 1), s + 2 (f).
    var s = 0
    // Zero, but not known to be: the weights' addresses vary with s for the
    // compiler, which would otherwise keep all fifteen vectors in registers
    // beside the twelve accumulators and spill.
    let hidden = rows &>> 40
    while s &+ 2 < rows {
        f0 = bv; f1 = bv; f2 = bv; f3 = bv
        let z = s & hidden
        phaseRowTaps(N.self, rowPointers[2 &* s &+ 4], at, 3, k4 + z, k2 + z, k0 + z, &a0, &a1, &a2, &a3, &e0, &e1, &e2, &e3, &f0, &f1, &f2, &f3)
        phaseRowStore(N.self, out + s &* count, at, lo, hi, a0, a1, a2, a3)
        phaseRowTaps(N.self, rowPointers[2 &* s &+ 5], at, 2, k3 + z, k1 + z, k1 + z, &e0, &e1, &e2, &e3, &f0, &f1, &f2, &f3, &x0, &x1, &x2, &x3)
        a0 = e0; a1 = e1; a2 = e2; a3 = e3
        e0 = f0; e1 = f1; e2 = f2; e3 = f3
        s &+= 1
    }
    phaseRowTaps(N.self, rowPointers[2 &* s &+ 4], at, 2, k4, k2, k2, &a0, &a1, &a2, &a3, &e0, &e1, &e2, &e3, &f0, &f1, &f2, &f3)
    phaseRowStore(N.self, out + s &* count, at, lo, hi, a0, a1, a2, a3)
    phaseRowTaps(N.self, rowPointers[2 &* s &+ 5], at, 1, k3, k3, k3, &e0, &e1, &e2, &e3, &f0, &f1, &f2, &f3, &x0, &x1, &x2, &x3)
    phaseRowTaps(N.self, rowPointers[2 &* s &+ 6], at, 1, k4, k4, k4, &e0, &e1, &e2, &e3, &f0, &f1, &f2, &f3, &x0, &x1, &x2, &x3)
    phaseRowStore(N.self, out + (s &+ 1) &* count, at, lo, hi, e0, e1, e2, e3)
}
#endif
