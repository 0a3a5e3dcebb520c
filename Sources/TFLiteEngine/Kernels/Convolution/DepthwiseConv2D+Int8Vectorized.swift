/// The constants of a fast quantized depthwise convolution, computed once
/// per model (`Model.sharedConstants`): the filter laid out [tap][channel]
/// (`filter`: int8 weights as bytes, one per weight; uint8 weights as Int16
/// `w + filterOffset`), and one Int32 table of 4 rows of `channels`: the bias
/// with the input offset folded in, then the output stage's multipliers, left
/// shifts and right shifts (see `requantize`). One table keeps the kernel's
/// loops to few constant streams, so the optimiser's run-time overlap checks
/// against the output stay few.
///
/// The reference sums `(x + inputOffset) · (w + filterOffset)` over the taps
/// inside the input. In wrapping Int32 arithmetic (a ring, so any order
/// gives the same bits) that equals
/// `Σ x · (w + filterOffset) + inputOffset · Σ (w + filterOffset)` where a tap
/// outside the input reads `x = zero point = −inputOffset` and so contributes
/// nothing. The kernel therefore starts each pixel at
/// `bias + inputOffset · Σ_taps (w + filterOffset)` and adds plain products,
/// padding taps reading a row of zero points.
final class DepthwiseInt8Constants: @unchecked Sendable {
    let taps: Int
    let channels: Int
    /// [tap][channel] filter values: Int8 (int8 models) or Int16 (uint8).
    let filter: UnsafeMutableRawPointer
    let table: UnsafeMutablePointer<Int32>
    /// The output stage in `ChannelRequantization`'s form, by channel, for
    /// the vector loops of the integer-multiply-add flavours. Built only
    /// where those loops run (`vectorTables`) and `exactRequantization`
    /// could not be; else one unused entry.
    let scaleTables: ChannelRequantization.Tables
    /// The output stage of the last eight channels `channels − 8..<channels`
    /// (entry 0 is channel `channels − 8`), when the channels are not a
    /// multiple of eight: the kernel runs them as one vector group
    /// overlapping the previous one (the same values stored twice) rather
    /// than the scalar loop. `scaleTables` are lane-ordered in groups of
    /// eight from their first channel, so the overlapping group needs its
    /// own. Built only where `scaleTables` are (with more than eight channels).
    let lastGroupTables: ChannelRequantization.Tables?
    /// Channels `0..<pairedChannels` (whole groups of 16; 0 outside the
    /// integer flavours' int8 path) sum two taps per `vpmaddwd`: the two
    /// taps' input bytes widened to Int16 (`vpmovsxbw` from memory),
    /// interleaved within each 16-byte half (`IntegerSIMD.interleaveWordsLow`
    /// and `interleaveWordsHigh`) and multiplied by `pairedFilter`. The pair sums are exact Int32 for
    /// any int8 weights.
    let pairedChannels: Int
    /// `pairedFilter`'s taps in pairs (`taps` rounded up to even; the last
    /// odd tap pairs with itself at weight 0).
    var tapPairs: Int { (taps &+ 1) / 2 }
    /// Per group of 16 paired channels, per tap pair (t, t+1), 32 Int16: for
    /// channels c+0…3, c+8…11, then c+4…7, c+12…15 (the order of the
    /// Int16 interleaves within halves), `w[t][c], w[t+1][c]` alternating.
    let pairedFilter: UnsafeMutablePointer<Int16>
    /// The eight-channel groups after the paired channels (at
    /// `pairedChannels`, +8, …, then `channels − 8` when the channels are not
    /// a multiple of eight, overlapping its predecessor), per tap pair, 16
    /// Int16: `w[t][c], w[t+1][c]` for the group's eight channels; their taps
    /// are summed two per `vpmaddwd` like the paired channels'. (NASNet's
    /// 11-channel 7×7 layers ran at 3.5 GFLOP/s on Int32 products.)
    let pairedFilter8: UnsafeMutablePointer<Int16>
    /// Lanes `0..<quadChannels` (whole groups of 32; 0 unless the build
    /// has `vpdpbusd`, `IntegerSIMD.hasDotBytes`, and `quadExactRequantization`
    /// could be made): group g's lanes are channels from
    /// `quadGroupChannel(32g)` on, which is 32g but for a last group that
    /// overlaps its predecessor, from 64 channels more than 16 past a
    /// multiple of 32 (its common channels computed twice alike; NASNet's
    /// 88 channels took a group of 16 and one of 8 for the rest, a 14×14×88
    /// layer slower than one of 96 channels; 16 past, as EfficientNet's 144
    /// and 240, one group of 16 is faster; 5×5 and 7×7 filters at stride 1
    /// overlap from 33 channels for `DepthwiseConv2DInt8Vectorized.wideWindowRowBytes`,
    /// and 3×3 filters more than 16 past for `DepthwiseConv2DInt8Vectorized.tripleRowBytes`,
    /// whose last 1 to 16 channels take `halfRequantization`'s group). They sum four taps per
    /// `vpdpbusd` ymm: the taps' input bytes as unsigned `x + 128` (the
    /// sign bit flipped), interleaved four to a lane
    /// (`vpunpck{l,h}bw`, then `…wd`, within 16-byte halves), against
    /// `quadFilter`; `quadBias` starts each sum at the bias less
    /// `128 · Σ_taps w`, so it ends at the reference's sum (a ring identity).
    /// A group's four accumulators hold channels [0–3 | 16–19], [4–7 | 20–23],
    /// [8–11 | 24–27], [12–15 | 28–31] (`quadChannel`), the order in which the
    /// saturating packs put the results back in channel order.
    let quadChannels: Int
    /// Per group of 32 channels, per four taps (`tapQuads`), 128 bytes: for
    /// each accumulator lane's channel (`quadChannel`) the four taps' weights
    /// (0 past the last tap).
    let quadFilter: UnsafeMutablePointer<Int8>
    /// `quadChannels` Int32 in the lanes' order: bias + input offset · Σ w − 128 · Σ w.
    let quadBias: UnsafeMutablePointer<Int32>
    /// The output stage of the quad channels in the lanes' order (slot
    /// `32g + i` is channel `quadGroupChannel(32g) + quadChannel(i)`).
    let quadExactRequantization: ExactDoubleRequantization?
    /// 3×3 filters (`threeByThree`): per quad group, six rows of 128 bytes:
    /// for each accumulator lane's channel (`quadChannel`) the filter row's
    /// three weights and a zero, for filter rows 0, 1 and 2, then a zero and
    /// the three weights for the same rows, which sum the second window of a
    /// quad of four columns (`DepthwiseConv2DInt8Vectorized.tripleRowBytes`);
    /// else one unused entry.
    let rowQuadFilter: UnsafeMutablePointer<Int8>
    /// 3×3 filters over more than 32 channels, 1 to 16 past a multiple of
    /// 32 (NASNet-Mobile's 44, MobileNetV3's 72, EfficientNet's 144 and
    /// 240), with quad groups, and over exactly 16 channels on pixel pairs
    /// (`pixelPairQuads`; MobileNetV3's 112×112×16 layers): the last 16
    /// channels, from `channels − 16`, as one group of 16 lanes in channel
    /// order (`halfWindow`), the output
    /// stage of `DepthwiseConv2DInt8Vectorized.tripleRowBytes`' last
    /// channels in `quadExactRequantization`'s form; nil elsewhere. The quad
    /// groups then end at the last multiple of 32 (no overlapping group:
    /// 44 channels took 64 lanes: one-op 28×28×44 0.0105 ms, 28×28×64 0.0099; Zen 5).
    let halfRequantization: ExactDoubleRequantization?
    /// The half group's six rows of 64 bytes (`rowQuadFilter`'s rows for its 16 lanes).
    let halfRowFilter: UnsafeMutablePointer<Int8>
    /// The half group's 16 starting sums (as `quadBias`).
    let halfBias: UnsafeMutablePointer<Int32>
    /// Groups of four taps (`taps` rounded up to a multiple of four).
    var tapQuads: Int { (taps &+ 3) / 4 }
    /// The filter size K of the wide windows (5 or 7: K×K filters at
    /// stride 1 and dilation 1 along x, whose quad groups hold every
    /// channel; `DepthwiseConv2DInt8Vectorized.wideWindowRowBytes`), else 0.
    let wideWindow: Int
    /// Output pixels per wide window: 8 − K + 1 (4 for 5×5, 2 for 7×7).
    var wideWindowPixels: Int { 9 &- wideWindow }
    /// Per quad group, per filter row, per pixel p of a wide window, per
    /// quad k (window columns 4k…4k+3), 128 bytes: for each accumulator
    /// lane's channel (`quadChannel`) the weights of filter columns
    /// 4k + j − p, j = 0…3 (0 outside the filter). Else one unused entry.
    let wideWindowFilter: UnsafeMutablePointer<Int8>
    /// Sixteen channels (where `quadChannels` would be 0): one 32-lane quad
    /// group holds two neighbouring output pixels, lanes of the first
    /// 16-byte half the first pixel's channels and of the second the next
    /// pixel's (`quadFilter`, `quadBias` and `quadExactRequantization` are
    /// that group's, lane i channel `quadChannel(i) & 15`). The 3×3 kernel's
    /// rows of interior pixels run two pixels per group (`pixelPairs3x3`);
    /// sixteen channels took ten `vpmaddwd` and a full output stage per
    /// pixel (EfficientNet-B1/B2's second block, MobileNetV3's first: ~24
    /// GFLOP/s).
    let pixelPairQuads: Bool
    /// Fewer than 64 channels, not a multiple of 16 (NASNet-Mobile's 11, 22,
    /// 44) or exactly 16, at stride 1 along x: a row's interior pixels are one
    /// run of `(end − start) · channels` contiguous outputs, computed 32 at a
    /// time as a quad group whose lane i is output `o + quadChannel(i)` of
    /// the run, so channel `(o + quadChannel(i)) mod channels` (`runRows`).
    /// Block offsets o are multiples of `runPhaseStep` = gcd(channels, 32)
    /// modulo the channels (also the last block's, `length − 32`), so there
    /// are `channels / runPhaseStep` phases, each a 32-lane quad group in
    /// `runFilter`, `runBias` and `runRequantization` (as `quadFilter`,
    /// `quadBias` and `quadExactRequantization` for one group); at most 63
    /// phases. 0 where the quads are not built. (Per pixel, 44 channels took
    /// a quad group and two `vpmaddwd` groups of eight, 11 channels two
    /// groups of eight. Multiples of 16 have no groups of eight, and at 88
    /// and 176 channels the runs were no faster or slower: NASNet-Mobile's
    /// 7×7 maps, whose eleven phases' tables come from memory for a few
    /// dozen blocks; Zen 4. Sixteen channels, one phase, at stride 1 on the
    /// runs against the pixel pairs, one-op on a Zen 5: 56×56×16 3×3
    /// 0.0135 → 0.0111 ms, 5×5 0.0557 → 0.0215, where XNNPACK took 0.0415;
    /// at stride 2, where the kernel keeps the pixel pairs for them,
    /// 112×112×16 3×3 went 0.0153 → 0.0175.)
    let runPhases: Int
    /// gcd(channels, 32) (see `runPhases`).
    let runPhaseStep: Int
    /// Per phase, per four taps, 128 bytes (`quadFilter`'s layout).
    let runFilter: UnsafeMutablePointer<Int8>
    /// Per phase, 32 Int32 (`quadBias`'s).
    let runBias: UnsafeMutablePointer<Int32>
    /// Slot `32k + i`: phase k's lane i.
    let runRequantization: ExactDoubleRequantization?
    /// For `DepthwiseConv2DInt8Vectorized.floatRuns` (8 to 63 channels, not
    /// a multiple of eight, in the flavours of eight float lanes, where the
    /// output stage takes float sums): per tap a row of `floatRunPeriod` + 8
    /// floats, float i the tap's weight of channel i mod C, then the same
    /// row of the channels' starting values (`table`'s first row), so the
    /// weights of the eight floats of a row from float j on start at
    /// j mod `floatRunPeriod` (as `DepthwiseConv2DFloat.phaseTable`); else nil.
    let floatRunTable: UnsafeMutablePointer<Float>?
    /// The least common multiple of the channels and 8 (0 without `floatRunTable`).
    let floatRunPeriod: Int
    /// The output stage of `floatRunTable`'s floats: slot i is channel i mod C.
    let floatRunRequantization: ExactDoubleRequantization?
    /// The first channel of the quad group at lane `slot` (a multiple of
    /// 32): the slot, but for a last group overlapping its predecessor
    /// (`quadChannels`), which starts at `channels − 32`.
    @inline(__always)
    static func quadGroupChannel(_ slot: Int, channels: Int) -> Int { min(slot, channels &- 32) }

    /// The channel of lane `i` (0..<32) of a 32-channel quad group: lane l
    /// of accumulator j (i = 8j + l) is channel 4j + l of the first 16-byte
    /// half (l < 4) or 16 + 4j + l − 4 of the second.
    @inline(__always)
    static func quadChannel(_ i: Int) -> Int {
        let j = i &>> 3, l = i & 7
        return (l & 3) | (j &<< 2) | ((l & 4) &<< 2)
    }
    /// Tests only: the quad channels also where `vpdpbusd` is the plain-Swift
    /// form (the integer-multiply-add flavours without VNNI), to check them there.
    nonisolated(unsafe) static var quadsForTesting = false

    /// The output stage as one fused multiply-add in doubles, where every
    /// channel's accumulator bound allows it (`ExactDoubleRequantization`;
    /// only for the integer flavours' vector loops): slot c is channel c,
    /// and slots `channels..<channels+8` the last eight channels again (the
    /// overlapping last group). Same bits as the tables, in about half the
    /// vector operations.
    let exactRequantization: ExactDoubleRequantization?

    /// Row offsets (in elements) of the parts of `table`.
    var biasOffset: Int { 0 }
    var multiplierOffset: Int { channels }
    var leftShiftOffset: Int { 2 &* channels }
    var rightShiftOffset: Int { 3 &* channels }

    /// `channelMajor`: the file's filter is [channel][tap] (a grouped
    /// CONV_2D with one input and one output channel per group, filter
    /// [C, KH, KW, 1]) rather than DEPTHWISE_CONV_2D's [tap][channel].
    /// `threeByThree`: the filter is 3×3 (`rowQuadFilter`; nine taps alone
    /// could be 1×9). `wideWindow`: see the property (the caller's geometry
    /// allows the wide windows; they are built if the quads are).
    init<W: FixedWidthInteger>(filter raw: UnsafeRawPointer, signed: Bool, as _: W.Type, bias: UnsafePointer<Int32>?,
                               taps: Int, channels: Int, q: ConvolutionQuantization, channelMajor: Bool = false,
                               threeByThree: Bool = false, wideWindow: Int = 0) {
        self.taps = taps
        self.channels = channels
        let count = max(taps &* channels, 1)
        let f = UnsafeMutablePointer<W>.allocate(capacity: count)
        let bytes = raw.assumingMemoryBound(to: UInt8.self)
        // Per channel: the sum of the weights, and of their magnitudes (`exactRequantization`'s bound).
        let sums = UnsafeMutablePointer<Int32>.allocate(capacity: max(channels, 1))
        let magnitudes = UnsafeMutablePointer<Int64>.allocate(capacity: max(channels, 1))
        defer { sums.deallocate(); magnitudes.deallocate() }
        sums.initialize(repeating: 0, count: max(channels, 1))
        magnitudes.initialize(repeating: 0, count: max(channels, 1))
        for t in 0..<taps {
            for c in 0..<channels {
                let byte = bytes[channelMajor ? c &* taps &+ t : t &* channels &+ c]
                let w = W(truncatingIfNeeded: (signed ? Int32(Int8(bitPattern: byte)) : Int32(byte)) &+ q.filterOffset)
                f[t &* channels &+ c] = w
                let value = Int32(truncatingIfNeeded: w)
                sums[c] &+= value
                magnitudes[c] &+= Int64(value.magnitude)
            }
        }
        filter = UnsafeMutableRawPointer(f)
        let table = UnsafeMutablePointer<Int32>.allocate(capacity: max(4 &* channels, 1))
        self.table = table
        for c in 0..<channels {
            table[c] = (bias?[c] ?? 0) &+ q.inputOffset &* sums[c]
            table[channels &+ c] = q.multipliers[c]
            table[2 &* channels &+ c] = Int32(max(q.shifts[c], 0))
            table[3 &* channels &+ c] = Int32(max(-q.shifts[c], 0))
        }
        // The vector loops (`pixel3x3`'s `native`) run only for int8 in the
        // integer-multiply-add flavours; elsewhere `table` is all they read.
        let vectorTables = IntegerSIMD.isNative && signed && W.self == Int8.self
        let paired = vectorTables ? channels / 16 * 16 : 0
        pairedChannels = paired
        let pairs = (taps &+ 1) / 2  // `tapPairs`
        // Groups of `width` channels from each of `starts`: per tap pair, the
        // pair's two weights side by side for each channel (0 for a missing tap).
        // (Groups of 16 in the interleaves' order: see `pairedFilter`.)
        func interleavedPairs(starts: [Int], width: Int) -> UnsafeMutablePointer<Int16> {
            let target = UnsafeMutablePointer<Int16>.allocate(capacity: max(starts.count &* pairs &* 2 &* width, 1))
            let order = width == 16 ? [0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15] : Array(0..<width)
            var i = 0
            for start in starts {
                for pair in 0..<pairs {
                    let t = 2 &* pair
                    for o in order {
                        let c = start &+ o
                        target[i] = Int16(truncatingIfNeeded: f[t &* channels &+ c])
                        target[i &+ 1] = t &+ 1 < taps ? Int16(truncatingIfNeeded: f[(t &+ 1) &* channels &+ c]) : 0
                        i &+= 2
                    }
                }
            }
            return target
        }
        pairedFilter = interleavedPairs(starts: Array(stride(from: 0, to: paired, by: 16)), width: 16)
        let lastGroup = vectorTables && channels >= 8 && channels % 8 != 0
        let groupStarts = vectorTables && channels >= 8
            ? Array(stride(from: paired, through: channels &- 8, by: 8)) + (lastGroup ? [channels &- 8] : []) : []
        pairedFilter8 = interleavedPairs(starts: groupStarts, width: 8)
        // Channel c's output stage for `ExactDoubleRequantization.make`:
        // |accumulator| ≤ |bias + input offset · Σ w| + 128 · Σ |w| (int8 inputs).
        let stage: (Int) -> (bound: Int64, multiplier: Int32, shift: Int) = { c in
            (Int64(table[c].magnitude) &+ 128 &* magnitudes[c], q.multipliers[c], q.shifts[c])
        }
        // Slots `channels..<channels+8` are the last eight channels again.
        let exact = vectorTables
            ? ExactDoubleRequantization.make(count: channels &+ (channels >= 8 ? 8 : 0)) { stage($0 < channels ? $0 : $0 &- 8) }
            : nil
        exactRequantization = exact
        // Four taps per `vpdpbusd` on whole groups of 32 channels, or on
        // pairs of pixels of 16 channels (`pixelPairQuads`).
        let quads = vectorTables && (IntegerSIMD.hasDotBytes || Self.quadsForTesting)
        let pixelPairs = quads && channels == 16
        // From 64 channels, more than 16 past a multiple of 32: a last group
        // overlapping its predecessor (`quadChannels`).
        // 5×5 and 7×7 filters at stride 1 overlap from 33 channels, 3×3 filters more
        // than 16 past: the rows of windows (`DepthwiseConv2DInt8Vectorized.wideWindowRowBytes`,
        // `tripleRowBytes`) need groups for every channel (NASNet-Mobile's
        // 44, where the runs of outputs took 28 GFLOP/s). 3×3 filters 1 to
        // 16 past take a group of 16 for the last channels instead
        // (`halfRequantization`).
        let halfGroup = quads && threeByThree && channels > 32 && channels % 32 != 0 && channels % 32 <= 16
        let overlap = channels >= 64 && channels % 32 > 16
            || (threeByThree && !halfGroup || wideWindow > 0) && channels > 32 && channels % 32 != 0
        let quadLanes = pixelPairs ? 32 : !quads ? 0 : (channels / 32 &+ (overlap ? 1 : 0)) &* 32
        // The channel of quad lane `slot`.
        let channel: (Int) -> Int = { slot in
            pixelPairs ? Self.quadChannel(slot) & 15 : Self.quadGroupChannel(slot & ~31, channels: channels) &+ Self.quadChannel(slot & 31)
        }
        let tapQuads = (taps &+ 3) / 4
        // Quad groups of `lanes` lanes, lane `slot` channel `channel(slot)`:
        // filter, starting sums and output stage (nil, and no lanes, where
        // the doubles could not be exact).
        func quadGroups(lanes: Int, channel: (Int) -> Int)
            -> (lanes: Int, filter: UnsafeMutablePointer<Int8>, bias: UnsafeMutablePointer<Int32>, exact: ExactDoubleRequantization?) {
            // (Results plus 128 + the output offset: `quadWords`.)
            let exact = lanes == 0 ? nil
                : ExactDoubleRequantization.make(count: lanes, offset: 128 &+ q.outputOffset) { stage(channel($0)) }
            let lanes = exact == nil ? 0 : lanes
            let filter = UnsafeMutablePointer<Int8>.allocate(capacity: max(lanes &* tapQuads &* 4, 1))
            let bias = UnsafeMutablePointer<Int32>.allocate(capacity: max(lanes, 1))
            for group in stride(from: 0, to: lanes, by: 32) {
                for i in 0..<32 {
                    let c = channel(group &+ i)
                    bias[group &+ i] = table[c] &- 128 &* sums[c]
                    for tapQuad in 0..<tapQuads {
                        for j in 0..<4 {
                            let t = 4 &* tapQuad &+ j
                            filter[(group &* tapQuads &+ tapQuad &* 32 &+ i) &* 4 &+ j] = t < taps ? Int8(truncatingIfNeeded: f[t &* channels &+ c]) : 0
                        }
                    }
                }
            }
            return (lanes, filter, bias, exact)
        }
        let quad = quadGroups(lanes: quadLanes, channel: channel)
        quadExactRequantization = quad.exact
        pixelPairQuads = pixelPairs && quad.lanes != 0
        quadChannels = pixelPairs ? 0 : quad.lanes
        quadFilter = quad.filter
        quadBias = quad.bias
        let rowLanes = threeByThree ? quadChannels : 0
        let rowFilter = UnsafeMutablePointer<Int8>.allocate(capacity: max(rowLanes &* 24, 1))
        rowFilter.initialize(repeating: 0, count: max(rowLanes &* 24, 1))
        // Lane i of a group of `width` lanes at `target`, channel c: its four bytes of each of the six rows.
        func storeRows(_ target: UnsafeMutablePointer<Int8>, width: Int, lane i: Int, channel c: Int) {
            for row in 0..<6 {
                // Rows 3–5: the same weights a byte later.
                let shift = row < 3 ? 0 : 1, taps = 3 &* (row % 3)
                for j in 0..<4 where j &- shift >= 0 && j &- shift < 3 {
                    target[(row &* width &+ i) &* 4 &+ j] = Int8(truncatingIfNeeded: f[(taps &+ j &- shift) &* channels &+ c])
                }
            }
        }
        for group in stride(from: 0, to: rowLanes, by: 32) {
            for i in 0..<32 { storeRows(rowFilter + group &* 24, width: 32, lane: i, channel: channel(group &+ i)) }
        }
        rowQuadFilter = rowFilter
        let halfStart = channels &- 16
        // (Also 16 channels of a 3×3 filter on pixel pairs: their one group for the column triples.)
        let half = halfGroup && quadChannels > 0 || pixelPairQuads && threeByThree
            ? ExactDoubleRequantization.make(count: 16, offset: 128 &+ q.outputOffset) { stage(halfStart &+ $0) } : nil
        halfRequantization = half
        halfRowFilter = .allocate(capacity: half != nil ? 384 : 1)
        halfRowFilter.initialize(repeating: 0, count: half != nil ? 384 : 1)
        halfBias = .allocate(capacity: 16)
        halfBias.initialize(repeating: 0, count: 16)
        if half != nil {
            for i in 0..<16 {
                let c = halfStart &+ i
                storeRows(halfRowFilter, width: 16, lane: i, channel: c)
                halfBias[i] = table[c] &- 128 &* sums[c]
            }
        }
        let wide = quadChannels >= channels && quadChannels > 0 && quadExactRequantization != nil ? wideWindow : 0
        self.wideWindow = wide
        let windowPixels = 9 &- wide, wideLanes = wide > 0 ? quadChannels : 0
        let wideBytes = wideLanes &* wide &* windowPixels &* 8  // per lane: K rows × P pixels × 2 quads × 4 bytes
        let wideFilter = UnsafeMutablePointer<Int8>.allocate(capacity: max(wideBytes, 1))
        wideFilter.initialize(repeating: 0, count: max(wideBytes, 1))
        for group in stride(from: 0, to: wideLanes, by: 32) {
            for i in 0..<32 {
                let c = channel(group &+ i)
                for ky in 0..<wide {
                    for pixel in 0..<windowPixels {
                        for k in 0..<2 {
                            let row = (((group &>> 5) &* wide &+ ky) &* windowPixels &+ pixel) &* 2 &+ k
                            for j in 0..<4 {
                                let kx = 4 &* k &+ j &- pixel
                                guard kx >= 0 && kx < wide else { continue }
                                wideFilter[row &* 128 &+ i &* 4 &+ j] = Int8(truncatingIfNeeded: f[(ky &* wide &+ kx) &* channels &+ c])
                            }
                        }
                    }
                }
            }
        }
        wideWindowFilter = wideFilter
        // Runs of outputs (`runPhases`): phase k's block starts k · step past a pixel.
        var step = 32
        while channels % step != 0 { step &>>= 1 }
        let phases = quads && (channels % 16 != 0 || channels == 16) && channels < 64 ? channels / step : 0
        let runGroups = quadGroups(lanes: phases &* 32) { slot in ((slot &>> 5) &* step &+ Self.quadChannel(slot & 31)) % channels }
        runPhases = runGroups.lanes / 32
        runPhaseStep = step
        runFilter = runGroups.filter
        runBias = runGroups.bias
        runRequantization = runGroups.exact
        // Runs of float rows: every channel's starting value and sums exact as floats (not for
        // the 5×5 and 7×7 filters at stride 1, `wideWindow`, which keep the float rows).
        var period = channels
        while period % 8 != 0 { period &+= channels }
        let runSlots = period &+ 8
        let floatRuns = vectorTables && wideWindow == 0 && FloatVector.scalarCount == 8 && channels >= 8 && channels < 64 && channels % 8 != 0
            && exact?.floatsExact == true && !UnsafeBufferPointer(start: table, count: channels).contains(where: { $0.magnitude > 1 << 24 })
        let runExact = floatRuns ? ExactDoubleRequantization.make(count: runSlots) { stage($0 % channels) } : nil
        if let runExact, runExact.floatsExact {
            let runTable = UnsafeMutablePointer<Float>.allocate(capacity: (taps &+ 1) &* runSlots)
            for t in 0...taps {
                for i in 0..<runSlots {
                    let c = i % channels
                    runTable[t &* runSlots &+ i] = t < taps ? Float(Int8(truncatingIfNeeded: f[t &* channels &+ c])) : Float(table[c])
                }
            }
            floatRunTable = runTable
            floatRunPeriod = period
            floatRunRequantization = runExact
        } else {
            floatRunTable = nil
            floatRunPeriod = 0
            floatRunRequantization = nil
        }
        // The integer tables only where the doubles could not be exact.
        let tablesNeeded = vectorTables && exact == nil
        let scaleTables = ChannelRequantization.Tables(count: tablesNeeded ? max(channels, 1) : 1)
        self.scaleTables = scaleTables
        if tablesNeeded {
            for c in 0..<channels { scaleTables.set(c, multiplier: q.multipliers[c], shift: q.shifts[c]) }
        }
        if tablesNeeded && lastGroup {
            let tables = ChannelRequantization.Tables(count: 8)
            for j in 0..<8 { tables.set(j, multiplier: q.multipliers[channels &- 8 &+ j], shift: q.shifts[channels &- 8 &+ j]) }
            lastGroupTables = tables
        } else {
            lastGroupTables = nil
        }
    }

    deinit {
        filter.deallocate()
        table.deallocate()
        scaleTables.deallocate()
        lastGroupTables?.deallocate()
        pairedFilter.deallocate()
        pairedFilter8.deallocate()
        quadFilter.deallocate()
        rowQuadFilter.deallocate()
        halfRowFilter.deallocate()
        halfBias.deallocate()
        wideWindowFilter.deallocate()
        quadBias.deallocate()
        runFilter.deallocate()
        runBias.deallocate()
        floatRunTable?.deallocate()
    }

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
    /// `channelMajor`: see `init`.
    static func shared(ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters, _ q: ConvolutionQuantization,
                       channelMajor: Bool = false) throws -> DepthwiseInt8Constants? {
        let filter = try ctx.input(1)
        let taps = p.geometry.filterHeight &* p.geometry.filterWidth, channels = p.outputChannels
        // (The filter tensor in the key fixes its shape.)
        let threeByThree = p.geometry.filterHeight == 3 && p.geometry.filterWidth == 3
        let g = p.geometry
        let wideWindow = g.filterHeight == g.filterWidth && (g.filterWidth == 5 || g.filterWidth == 7) && g.strideWidth == 1
            && g.dilationWidth == 1 && g.dilationHeight == 1 ? g.filterWidth : 0
        guard let f = filter.constant, filter.elementCount == taps &* channels else { return nil }
        guard let (biasPointer, biasKey) = ctx.constantInt32Bias() else { return nil }
        // The input and output tensors fix the input offset and the output stage.
        let signed = filter.type == .int8
        let key = SharedConstantKey("depthwise-int8", [
            signed ? 1 : 0, channelMajor ? 1 : 0, ctx.node.inputs[1], biasKey, ctx.node.inputs[0], ctx.node.outputs[0], taps, channels,
            wideWindow])
        return ctx.graph.sharedConstants.value(for: key) {
            let constants = signed
                ? DepthwiseInt8Constants(filter: f, signed: true, as: Int8.self, bias: biasPointer, taps: taps, channels: channels, q: q,
                                         channelMajor: channelMajor, threeByThree: threeByThree, wideWindow: wideWindow)
                : DepthwiseInt8Constants(filter: f, signed: false, as: Int16.self, bias: biasPointer, taps: taps, channels: channels, q: q,
                                         channelMajor: channelMajor, threeByThree: threeByThree, wideWindow: wideWindow)
            // The filter now lives in `constants.filter`: its pages of the model file need not stay resident.
            ctx.graph.model.releaseConstantPages(f, byteCount: taps &* channels)
            return constants
        }
    }
}

/// Quantized DEPTHWISE_CONV_2D (int8, and uint8) with depth multiplier 1 and
/// constant filter (and bias), vectorised over channels; bit-identical to
/// `ConvolutionQuantizedReference` (see `DepthwiseInt8Constants` for why
/// folding the input offset into the bias changes no bit).
///
/// Tiles are output rows, or halves of them on maps of few rows
/// (`columnParts`). Each output pixel is one loop over channels that
/// sums the products and requantizes: in the integer-multiply-add flavours
/// (int8) in explicit vectors, two taps per `vpmaddwd` and the output stage
/// exact through `ExactDoubleRequantization.scale16` where it can be
/// (`DepthwiseInt8Constants`); elsewhere,
/// and for the channels left over, plain Int32 loops
/// (`DepthwiseInt8Constants.requantize`). Int8 3×3 filters with every
/// channel in a quad group read rows of column windows instead
/// (`tripleRowBytes`). Other 3×3
/// filters keep the nine taps unrolled and the accumulator in registers:
/// pixels whose taps are all inside the input read three input rows at
/// fixed column offsets; the others gather one pointer per tap, taps outside
/// the input pointing to a row of input zero points. Other filter sizes
/// gather pointers too and accumulate tap by tap in the worker's scratch.
final class DepthwiseConv2DInt8Vectorized: Kernel {
    let p: DepthwiseConv2D.Parameters
    let operands: FilteredOperands
    let constants: DepthwiseInt8Constants
    /// Int8 elements and filter bytes (else UInt8 elements, Int16 filter).
    let signed: Bool
    let outputOffset: Int32, activationMin: Int32, activationMax: Int32
    /// An input row (width × channels) of the input zero point (as its
    /// element's bits): read by taps in the padding, and in place of a row
    /// above or below the input by the interior columns' fast paths.
    private let zeroPointRow: UnsafeMutablePointer<UInt8>
    /// Output columns `interiorStart..<interiorEnd` have every tap column inside the input.
    let interiorStart: Int, interiorEnd: Int
    /// Bytes of one compacted input row (`compactedTaps`) where the runs of
    /// outputs (`DepthwiseInt8Constants.runPhases`) go at stride 2 along x;
    /// else 0.
    let compactRowBytes: Int
    /// Bytes of one input row with its padding's columns (`paddedRowRun`),
    /// where the runs of outputs go at stride 1 on no row path of their
    /// own; else 0.
    let paddedRowBytes: Int
    /// Bytes of one input row as column triples (`tripleRows`), where 3×3
    /// int8 filters at dilation 1 run on quad groups that hold every
    /// channel (`DepthwiseInt8Constants.quadChannels`, so `vpdpbusd`), or
    /// on the one group of 16 lanes of exactly 16 channels
    /// (`DepthwiseInt8Constants.halfRequantization`; one-op, Zen 5, against
    /// the pairs of pixels: 112×112×16 0.0440 → 0.0286 ms at stride 1,
    /// 0.0152 → 0.0118 at stride 2; its windows made by one `vpermb`
    /// each, `makeWindows`); else 0. (Tiles of half a row split at a
    /// window.) For each window of output columns
    /// (`windowColumns`), per quad group, the four 32-byte vectors `addQuad`
    /// would make from the input columns the window's filter row reads
    /// (sign bits flipped): at stride 1 a window is two output columns, whose
    /// four input columns fill the four bytes of each lane (the first column
    /// summed against `rowQuadFilter`'s rows 0–2, the second against rows
    /// 3–5); at other strides it is one column, whose three input columns
    /// leave the fourth byte unused at weight 0. Made once per input row for
    /// the two or three output rows that read it: a pixel then takes no
    /// shuffles and no sign flips, six `vpdpbusd` zmm on loaded vectors, where
    /// `addQuad` spent 20 shuffles and 9 flips on the same sums (a 112×112×32
    /// layer about 55 cycles a pixel, ports 0 and 5 the limit with 512-bit
    /// output stages in flight; Xeon family 6 model 207, issue 15). Twelve
    /// `vpdpbusd` ymm, as `addQuad` has them, took 4% longer on 147×147×128.
    /// One window per column at stride 1 too took twice the bytes and the
    /// shuffles per input row, and each pixel loaded its own input vectors:
    /// a quarter of the time went to making the rows.
    let tripleRowBytes: Int
    /// Bytes of one input row as floats (`floatRows`), where a square 3×3,
    /// 5×5 or 7×7 int8 filter at stride and dilation 1 runs in the `avx2`
    /// flavour (integer multiply-add on eight float lanes: the sixteen-lane
    /// flavours keep their paths, not measured against this one), over at
    /// least eight channels and 16 output columns, or 7 (below 1024
    /// channels), 8, 14 or 15 where the output stage takes the float sums
    /// (`floatBias`; groups of eight pixels then sum at most 15% more than
    /// the row has: 14×14 3×3 and 5×5 layers of 88 to 672 channels took
    /// 15–27% less time than on the tap pairs, where before that stage they
    /// were 2–4% slower; AMD Zen 3); else 0. A row is the input row's
    /// bytes as floats with its padding columns' zero points, made once for
    /// the K output rows that read it, and the taps are summed by the float
    /// depthwise kernel's `SlidingEight` (eight pixels of one channel vector
    /// sharing each loaded input vector) on `floatFilter`: every product and
    /// partial sum is an integer below 2^22 in magnitude (at most 49 taps of
    /// 128 · 128), so the float sums are the Int32 sums exactly. (The tap
    /// pairs on `vpmaddwd` went pixel by pixel: one-op 112×112×32 3×3 took
    /// 0.305 ms on an AMD Zen 3, 0.224 on float rows, XNNPACK 0.27.)
    let floatRowBytes: Int
    /// Floats from one column of a float row to the next: the channels, and
    /// 16 more where they are a multiple of 128 (at 512 channels a column's
    /// 2 KiB stride put the columns a pixel's taps read into few sets of
    /// the first-level cache: one-op 14×14×512 3×3 took 0.099 ms on float
    /// rows, 0.069 on the tap pairs; AMD Zen 3).
    let floatColumnStride: Int
    /// `constants.filter` as floats ([tap][channel]), where `floatRowBytes` > 0.
    let floatFilter: UnsafeMutablePointer<Float>?
    /// The channels' starting values (`constants.table`'s first row) as
    /// floats, where `floatRowBytes` > 0 and the output stage can take the
    /// sums as floats (`ExactDoubleRequantization.floatsExact`, every
    /// starting value at most 2^24 in magnitude): the sums then start at
    /// them and go through `ExactDoubleRequantization.scale8(floats:_:)`,
    /// with no conversion to Int32 and back (with those conversions
    /// Xception's 19×19×728 layers and NASNet-Mobile's 28×28×44 ran at
    /// 19–23 GFLOP/s; one-op 0.197 → 0.171 ms and 0.0328 → 0.0264 without
    /// them; AMD Zen 3).
    let floatBias: UnsafeMutablePointer<Float>?
    /// Bytes of one input row as wide windows (`wideWindowRows`), where
    /// `DepthwiseInt8Constants.wideWindow` is K = 5 or 7; else 0. For each
    /// window of P = 9 − K output columns (`wideWindowPixels`), per quad
    /// group, 256 bytes: the eight input columns the window's pixels read,
    /// four to a quad as `tripleRowBytes` has them. Made once per input row
    /// for the K output rows that read it; a pixel then takes 2K `vpdpbusd`
    /// pairs on loaded vectors, and the P pixels of a window share them.
    /// (The gathered taps interleaved seven quads of input bytes per pixel:
    /// 28×28×240 5×5 at about 45 GFLOP/s; rows with two quads per pixel
    /// loaded four times the bytes and were no faster.)
    let wideWindowRowBytes: Int
    /// Output columns per window of `tripleRowBytes`: 2 at stride 1, else 1.
    var windowColumns: Int { p.geometry.strideWidth == 1 ? 2 : 1 }
    /// Tiles per output row: 2 where there are fewer than
    /// `rowsForWholeRowTiles` rows (row-major, so a run of tiles is a run of
    /// pixels) but for rows of fewer than 16 columns on float rows (half a
    /// row is still a group of eight pixels), else 1. (A 7×7 map's seven
    /// rows went 4 : 3 to two threads: MobileNetV3-Large and EfficientNet-B0
    /// int8 lost 5–6 µs on each of their 7×7 depthwise convolutions; Zen 4.)
    let columnParts: Int
    static let rowsForWholeRowTiles = 12
    /// Whether whole output rows run four at a time along float rows
    /// (`floatRunRows`): int8 layers of 8 to 63 channels, not a multiple of
    /// eight, whose output stage takes float sums
    /// (`DepthwiseInt8Constants.floatRunTable`), at dilation 1, with at
    /// least twelve output rows and sixteen floats a row, in the flavours
    /// of eight float lanes with integer multiply-add, where no quad-group
    /// path runs; 3×3 filters at stride 1, and square 3×3, 5×5 or 7×7
    /// filters at stride 2 below 16 channels. One-op int8 layers against
    /// the channel vectors (float rows at stride 1, pixel by pixel at 2),
    /// AMD Zen 3: 56×56×11 3×3 0.0360 → 0.0238 ms, 28×28×44 3×3 0.0252 →
    /// 0.0237; at stride 2, 111×111×11 3×3 0.086 → 0.063, 5×5 0.152 →
    /// 0.097, 7×7 0.231 → 0.149. Slower, so not taken: 5×5 and 7×7 at
    /// stride 1 (56×56×11 0.054 → 0.059 and 0.081 → 0.115 ms, where the
    /// float rows share each input vector among eight pixels), and stride
    /// 2 from 16 channels (56×56×22 5×5 0.041 → 0.044, 56×56×44 3×3 0.044
    /// → 0.048; with the rows made as `makeFloatRunRow` now makes them,
    /// 28×28×44 5×5 still 0.0178 → 0.0191: the channel vectors there leave
    /// fewer lanes unused).
    let floatRuns: Bool
    /// Bytes of one input row as floats for `floatRunRows` (`makeFloatRunRow`), where `floatRuns`.
    let floatRunRowBytes: Int
    /// At stride 2, where a float run row's odd columns start (floats).
    let floatRunOddOffset: Int
    var input: UnsafeRawPointer!
    var output: UnsafeMutableRawPointer!
    var scratch: UnsafeMutableRawPointer!
    /// Set by `StoredActivationFusion` (as `GEMMConvolutionQuantized.outputTable`):
    /// applied to each output row in place when the next row is done.
    var outputTable: ByteTable?

    init(ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters, _ q: ConvolutionQuantization, constants: DepthwiseInt8Constants,
         signed: Bool) {
        self.p = p
        operands = FilteredOperands(ctx)
        self.constants = constants
        self.signed = signed
        outputOffset = q.outputOffset
        activationMin = q.activationMin
        activationMax = q.activationMax
        let n = max(p.geometry.inputWidth &* p.inputChannels, 1)
        zeroPointRow = .allocate(capacity: n)
        // inputOffset = −zero point, and the zero point is inside the element type's range.
        zeroPointRow.initialize(repeating: UInt8(truncatingIfNeeded: 0 &- q.inputOffset), count: n)
        let g = p.geometry
        // ox·s − padLeft ≥ 0 and ox·s − padLeft + (KW−1)·d ≤ W − 1.
        let start = (g.padLeft + g.strideWidth - 1) / g.strideWidth
        let lastReach = g.inputWidth - 1 - (g.filterWidth - 1) * g.dilationWidth + g.padLeft
        let end = lastReach >= 0 ? lastReach / g.strideWidth + 1 : 0
        interiorStart = min(start, g.outputWidth)
        interiorEnd = max(interiorStart, min(end, g.outputWidth))
        // A row's even or odd input pixels for all its outputs (the padding's
        // too) and the filter's reach, plus a 16-byte step's overhang.
        compactRowBytes = constants.runPhases > 0 && g.strideWidth == 2 && g.dilationWidth == 1 && p.outputChannels != 16
            ? ((g.outputWidth &+ g.filterWidth / 2 &+ 1) &* p.outputChannels &+ 16 &+ 63) & ~63 : 0
        let wide = constants.wideWindow, widePixels = constants.wideWindowPixels
        let (wideBytes, wideTooWide) = (wide > 0 ? (g.outputWidth &+ widePixels &- 1) / widePixels : 0)
            .multipliedReportingOverflow(by: (constants.quadChannels &>> 5) &* 256)
        wideWindowRowBytes = wide > 0 && !wideTooWide && signed && (IntegerSIMD.hasDotBytes || DepthwiseInt8Constants.quadsForTesting)
            && g.filterWidth == wide && g.filterHeight == wide && g.strideWidth == 1
            && g.dilationWidth == 1 && g.dilationHeight == 1 && constants.quadChannels >= p.outputChannels && compactRowBytes == 0
            && wideBytes <= Self.largestTripleRow ? wideBytes : 0
        let windows = g.strideWidth == 1 ? (g.outputWidth &+ 1) / 2 : g.outputWidth  // (`windowColumns`; `self` is not set yet)
        let halfLanes = constants.halfRequantization != nil ? 16 : 0
        let (tripleBytes, tooWide) = windows.multipliedReportingOverflow(by: (constants.quadChannels &>> 5) &* 128 &+ halfLanes &* 4)
        tripleRowBytes = !tooWide && signed && (IntegerSIMD.hasDotBytes || DepthwiseInt8Constants.quadsForTesting)
            && g.filterHeight == 3 && g.filterWidth == 3 && g.dilationHeight == 1 && g.dilationWidth == 1
            && (p.outputChannels >= 32 || p.outputChannels == 16 && g.strideWidth <= 2)
            && constants.quadChannels &+ halfLanes >= p.outputChannels
            && constants.quadExactRequantization != nil && compactRowBytes == 0
            && tripleBytes <= Self.largestTripleRow ? tripleBytes : 0
        let k = g.filterWidth
        floatColumnStride = p.outputChannels % 128 == 0 ? p.outputChannels &+ 16 : p.outputChannels
        let (floatRow, floatRowTooWide) = (max(g.outputWidth, 8) &+ k &- 1).multipliedReportingOverflow(by: floatColumnStride)
        let (floatBytes, floatBytesTooMany) = floatRow.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
        let c = p.outputChannels
        // The output stage can take the float sums (`floatBias`).
        let floatStage = constants.exactRequantization?.floatsExact == true
            && !UnsafeBufferPointer(start: constants.table, count: c).contains(where: { $0.magnitude > 1 << 24 })
        // Rows narrower than 16 columns only on that stage, and only where their groups of eight
        // pixels sum at most 15% more pixels than the row has (7, 8, 14 and 15 columns: 9×9 maps'
        // two groups for nine pixels took EfficientNet-B2 int8's 9×9×1248 5×5 layers 0.17 → 0.27 ms);
        // 7 columns below 1024 channels (one-op 7×7×1024 3×3 took 0.0357 ms on the tap pairs and
        // 0.0380 on float rows, 7×7×1152 5×5 0.086 and 0.088, where 7×7×960 went 0.0334 → 0.0313
        // and 7×7×176 0.0096 → 0.0069).
        let groupsOfEight = (g.outputWidth &+ 7) / 8
        let narrowRows = floatStage && g.outputWidth >= 7 && 20 &* g.outputWidth >= 136 &* groupsOfEight
            && (g.outputWidth >= 8 || c < 1024)
        let floats = FloatVector.scalarCount == 8 && IntegerSIMD.isNative && signed && (k == 3 || k == 5 || k == 7) && g.filterHeight == k
            && g.strideWidth == 1 && g.strideHeight == 1 && g.dilationWidth == 1 && g.dilationHeight == 1
            && p.inputChannels == p.outputChannels && c >= 8 && (g.outputWidth >= 16 || narrowRows)
            && compactRowBytes == 0 && tripleRowBytes == 0 && wideWindowRowBytes == 0
            && !floatRowTooWide && !floatBytesTooMany && floatBytes <= Self.largestTripleRow
        floatRowBytes = floats ? (floatBytes &+ 63) & ~63 : 0
        // Rows narrower than 16 columns on float rows are whole tiles: half a row is still a group
        // of eight pixels.
        columnParts = g.outputRows < Self.rowsForWholeRowTiles && g.outputWidth >= 2 && !(floats && g.outputWidth < 16) ? 2 : 1
        // Float run rows: at stride 1 as `makeFloatRow` makes them; at stride 2 the columns
        // −padLeft, −padLeft + 2, … that the even filter columns read, then the odd ones.
        let s = g.strideWidth, evenColumns = g.outputWidth &+ (k &- 1) / 2, oddColumns = g.outputWidth &+ (k &- 2) / 2
        let (runRowFloats, runRowTooWide) = (s == 1 ? max(g.outputWidth, 8) &+ k &- 1 : evenColumns &+ oddColumns)
            .multipliedReportingOverflow(by: c)
        // (The run table exists only for int8 in the eight-lane integer flavours, where the
        // output stage takes the float sums.)
        let runs = constants.floatRunTable != nil && (k == 3 || k == 5 || k == 7) && g.filterHeight == k && (s == 1 && k == 3 || s == 2 && c < 16) && g.strideHeight == s
            && g.dilationWidth == 1 && g.dilationHeight == 1 && p.inputChannels == c && g.outputRows >= Self.rowsForWholeRowTiles
            && g.outputWidth &* c >= 16 && compactRowBytes == 0 && tripleRowBytes == 0 && wideWindowRowBytes == 0
            && !runRowTooWide && runRowFloats <= Self.largestTripleRow / 4
        floatRuns = runs
        floatRunRowBytes = runs ? (runRowFloats &* 4 &+ 63) & ~63 : 0
        floatRunOddOffset = evenColumns &* c
        if floats {
            let count = k &* k &* p.outputChannels
            let values = UnsafeMutablePointer<Float>.allocate(capacity: count)
            let source = UnsafePointer<Int8>(OpaquePointer(constants.filter))
            for i in 0..<count { values[i] = Float(source[i]) }
            floatFilter = values
        } else {
            floatFilter = nil
        }
        if floats && floatStage {
            let bias = UnsafeMutablePointer<Float>.allocate(capacity: c)
            for i in 0..<c { bias[i] = Float(constants.table[i]) }
            floatBias = bias
        } else {
            floatBias = nil
        }
        // A padded row: the columns every output column's window reads, plus the last block's overhang.
        let (paddedSpan, paddedTooWide) = (g.outputWidth &+ (g.filterWidth &- 1) &* g.dilationWidth).multipliedReportingOverflow(by: c)
        let paddedBytes = (paddedSpan &+ 64 &+ 63) & ~63
        paddedRowBytes = constants.runPhases > 0 && g.strideWidth == 1 && signed && IntegerSIMD.isNative && !paddedTooWide
            && paddedBytes <= Self.largestTripleRow && tripleRowBytes == 0 && wideWindowRowBytes == 0
            && floatRowBytes == 0 && !floatRuns ? paddedBytes : 0
    }

    /// Whether `floatStage` stores every block again from its Int32 sums, as
    /// it does the blocks with a lane that is not certain (tests).
    nonisolated(unsafe) static var storesEveryBlockAgainForTesting = false

    /// The most bytes a row of column windows or wide windows may take
    /// (K + 1 of them per worker's scratch); wider rows go pixel by pixel.
    static let largestTripleRow = 1 << 19

    deinit {
        zeroPointRow.deallocate()
        floatFilter?.deallocate()
        floatBias?.deallocate()
    }

    private var taps: Int { p.geometry.filterHeight &* p.geometry.filterWidth }
    /// Tap pointers, then (general filter sizes) one accumulator per channel,
    /// then the compacted rows (`compactedTaps`): the input row each ring
    /// slot holds, and two rows (even and odd pixels) per slot and for the
    /// zero-point row; or the padded rows (`paddedRowRun`) in the same ring.
    var scratchBytesPerWorker: Int {
        if floatRuns { return compactedSlotsOffset &+ (ringRows &+ 1) &* floatRunRowBytes }
        if tripleRowBytes > 0 { return compactedSlotsOffset &+ (ringRows &+ 1) &* tripleRowBytes }
        if wideWindowRowBytes > 0 { return compactedSlotsOffset &+ (ringRows &+ 1) &* wideWindowRowBytes }
        if floatRowBytes > 0 { return compactedSlotsOffset &+ (ringRows &+ 1) &* floatRowBytes }
        if paddedRowBytes > 0 { return compactedSlotsOffset &+ (ringRows &+ 1) &* paddedRowBytes }
        return compactRowBytes == 0 ? taps &* 8 &+ max(p.outputChannels, 1) &* 4 : compactedSlotsOffset &+ 2 &* (ringRows &+ 1) &* compactRowBytes
    }
    private var compactedRowsOffset: Int { (taps &* 8 &+ max(p.outputChannels, 1) &* 4 &+ 63) & ~63 }
    private var compactedSlotsOffset: Int { compactedRowsOffset &+ (ringRows &* 8 &+ 63) & ~63 }
    /// Input rows one output row reads (four output rows' on `floatRunRows`),
    /// which the ring of compacted rows keeps.
    private var ringRows: Int { (p.geometry.filterHeight &- 1) &* p.geometry.dilationHeight &+ (floatRuns ? 1 &+ 3 &* p.geometry.strideHeight : 1) }
    var tileCount: Int { p.geometry.outputRows &* columnParts }
    var cost: Int { p.cost }

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(operands.input))
        output = memory.raw(operands.output)
        scratch = memory.scratch
    }

    func run(tiles: Range<Int>, worker: Int) { run(tiles: tiles, worker: worker, continuing: false) }

    /// Continuing a worker's last call of the same run (`Kernel.run(tiles:worker:continuing:)`),
    /// the rows in the worker's ring are kept: one output row a call, a 5×5
    /// layer made each input row's windows about five times (two threads
    /// on 14×14×672: 31% of the samples in `makeWideWindows`, 8% on one).
    func run(tiles: Range<Int>, worker: Int, continuing: Bool) {
        if floatRuns {
            floatRunRows(tiles, worker: worker, continuing: continuing)
        } else if signed {
            compute(tiles, worker: worker, continuing: continuing, Int8.self, Int8.self)
        } else {
            compute(tiles, worker: worker, continuing: continuing, UInt8.self, Int16.self)
        }
    }

    /// Output rows `tiles` (`floatRuns`), four of one image at a time: the
    /// 3·S + K input rows they read as floats (`makeFloatRunRow`, made into
    /// the worker's ring where it does not hold them yet), and the rows'
    /// floats as one run. At stride 1 the input float of tap (ky, kx) for
    /// the output float j of a row is float j + kx·C of the float row ky
    /// below it (at stride 2, of row 2·… + ky, in its even columns for even
    /// kx, else its odd ones, (kx / 2)·C on), and its weight the tap's
    /// weight of channel j mod C, so every vector of eight floats along a
    /// row has all lanes in use whatever C is: NASNet-Mobile's 11, 22 and
    /// 44 channels took 16, 16 and 48 lanes as channel vectors. Each weight
    /// vector is loaded once for the four rows (as
    /// `DepthwiseConv2DFloatVectorized.flatFourRows`), and two vectors of
    /// each row are summed together (eight accumulators: with four, the
    /// multiply-adds waited on each other). The four rows' eight sums go
    /// through `ExactDoubleRequantization.scale8(floats:_:)` together, and
    /// again from Int32 where a lane is not certain. A last group of fewer
    /// than four rows sums four and stores its own.
    @inline(never)
    private func floatRunRows(_ tiles: Range<Int>, worker: Int, continuing: Bool) {
        let g = p.geometry, c = p.outputChannels, k = g.filterWidth, stride = g.strideHeight
        let input = UnsafePointer<Int8>(OpaquePointer(self.input.unsafelyUnwrapped))
        let output = self.output.unsafelyUnwrapped
        let base = scratch + worker &* scratchStride
        let zero = UnsafePointer<Int8>(OpaquePointer(zeroPointRow))
        let ringTags = (base + compactedRowsOffset).assumingMemoryBound(to: Int.self)
        if !continuing { for r in 0..<ringRows { ringTags[r] = -1 } }
        var zeroRowMade = false
        let table = UnsafePointer(constants.floatRunTable.unsafelyUnwrapped), period = constants.floatRunPeriod
        let exact = constants.floatRunRequantization.unsafelyUnwrapped
        let stage = quadStage, zeroPoint = exact.zeroPoint(stage), everyBlockAgain = Self.storesEveryBlockAgainForTesting
        let tapStep = period &+ 8
        let biasRow = UnsafeRawPointer(table + k &* k &* tapStep)
        let length = g.outputWidth &* c, rowCount = ringRows
        let threeByThree = k == 3 && stride == 1, fiveByFive = k == 5 && stride == 2, oddOffset = floatRunOddOffset
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: rowCount) { buffer in
            guard let rows = buffer.baseAddress else { return }
            var tile = tiles.lowerBound
            while tile < tiles.upperBound {
                let b = tile / g.outputHeight, oy = tile % g.outputHeight
                let count = min(4, g.outputHeight &- oy, tiles.upperBound &- tile)
                let inputBatch = input + b &* g.inputHeight &* g.inputWidth &* c
                for r in 0..<rowCount {
                    rows[r] = ringRow(oy &* stride &- g.padTop &+ r, batch: b, rowBytes: floatRunRowBytes, input: inputBatch, zero: zero,
                                      scratch: base, zeroRowMade: &zeroRowMade) { makeFloatRunRow($0, into: $1) }
                        .assumingMemoryBound(to: Float.self)
                }
                let out = output + tile &* length
                // The eight floats from j and from j2 (phases `phase`, `phase2`) of the four rows.
                @inline(__always) func vectors(_ j: Int, _ phase: Int, _ j2: Int, _ phase2: Int) {
                    var a0 = biasRow.loadUnaligned(fromByteOffset: phase &* 4, as: SIMD8<Float>.self)
                    var b0 = biasRow.loadUnaligned(fromByteOffset: phase2 &* 4, as: SIMD8<Float>.self)
                    var a1 = a0, a2 = a0, a3 = a0, b1 = b0, b2 = b0, b3 = b0
                    // Tap t's products, its inputs `at` floats into the rows x0…x3.
                    @inline(__always) func tap(_ t: Int, _ at: Int, _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>,
                                               _ x2: UnsafePointer<Float>, _ x3: UnsafePointer<Float>) {
                        let w = UnsafeRawPointer(table + t &* tapStep)
                        let v = w.loadUnaligned(fromByteOffset: phase &* 4, as: SIMD8<Float>.self)
                        let v2 = w.loadUnaligned(fromByteOffset: phase2 &* 4, as: SIMD8<Float>.self)
                        @inline(__always) func x(_ r: UnsafePointer<Float>, _ j: Int) -> SIMD8<Float> {
                            UnsafeRawPointer(r + (j &+ at)).loadUnaligned(as: SIMD8<Float>.self)
                        }
                        a0 = a0.addingProduct(x(x0, j), v)
                        a1 = a1.addingProduct(x(x1, j), v)
                        a2 = a2.addingProduct(x(x2, j), v)
                        a3 = a3.addingProduct(x(x3, j), v)
                        b0 = b0.addingProduct(x(x0, j2), v2)
                        b1 = b1.addingProduct(x(x1, j2), v2)
                        b2 = b2.addingProduct(x(x2, j2), v2)
                        b3 = b3.addingProduct(x(x3, j2), v2)
                    }
                    if threeByThree {
                        // The nine taps unrolled, the six rows in registers.
                        let r0 = rows[0], r1 = rows[1], r2 = rows[2], r3 = rows[3], r4 = rows[4], r5 = rows[5]
                        tap(0, 0, r0, r1, r2, r3); tap(1, c, r0, r1, r2, r3); tap(2, 2 &* c, r0, r1, r2, r3)
                        tap(3, 0, r1, r2, r3, r4); tap(4, c, r1, r2, r3, r4); tap(5, 2 &* c, r1, r2, r3, r4)
                        tap(6, 0, r2, r3, r4, r5); tap(7, c, r2, r3, r4, r5); tap(8, 2 &* c, r2, r3, r4, r5)
                    } else if fiveByFive {
                        // Stride 2: the five taps of each filter row unrolled.
                        for ky in 0..<5 {
                            let x0 = rows[ky], x1 = rows[ky &+ 2], x2 = rows[ky &+ 4], x3 = rows[ky &+ 6], t = ky &* 5
                            tap(t, 0, x0, x1, x2, x3); tap(t &+ 1, oddOffset, x0, x1, x2, x3); tap(t &+ 2, c, x0, x1, x2, x3)
                            tap(t &+ 3, oddOffset &+ c, x0, x1, x2, x3); tap(t &+ 4, 2 &* c, x0, x1, x2, x3)
                        }
                    } else {
                        for ky in 0..<k {
                            let x0 = rows[ky], x1 = rows[ky &+ stride], x2 = rows[ky &+ 2 &* stride], x3 = rows[ky &+ 3 &* stride]
                            for kx in 0..<k {
                                tap(ky &* k &+ kx, stride == 1 ? kx &* c : (kx & 1) &* oddOffset &+ (kx &>> 1) &* c, x0, x1, x2, x3)
                            }
                        }
                    }
                    @inline(__always) func store(_ a0: SIMD8<Float>, _ a1: SIMD8<Float>, _ a2: SIMD8<Float>, _ a3: SIMD8<Float>,
                                                 _ j: Int, _ phase: Int) {
                        let (s0, u0) = exact.scale8(floats: a0, phase), (s1, u1) = exact.scale8(floats: a1, phase)
                        let (s2, u2) = exact.scale8(floats: a2, phase), (s3, u3) = exact.scale8(floats: a3, phase)
                        var bytes = unsafeBitCast(ChannelRequantization.Tables.bytes(
                            s0 &+ zeroPoint, s1 &+ zeroPoint, s2 &+ zeroPoint, s3 &+ zeroPoint, stage), to: SIMD4<UInt64>.self)
                        if IntegerSIMD.anyNegative(u0 | u1 | u2 | u3) || everyBlockAgain {
                            @inline(__always) func exactly(_ a: SIMD8<Float>) -> SIMD8<Int32> {
                                exact.scale8(IntegerSIMD.integers(a), phase) &+ zeroPoint
                            }
                            bytes = unsafeBitCast(ChannelRequantization.Tables.bytes(exactly(a0), exactly(a1), exactly(a2), exactly(a3), stage),
                                                  to: SIMD4<UInt64>.self)
                        }
                        for r in 0..<count { out.storeBytes(of: bytes[r], toByteOffset: r &* length &+ j, as: UInt64.self) }
                    }
                    store(a0, a1, a2, a3, j, phase)
                    store(b0, b1, b2, b3, j2, phase2)
                }
                var j = 0, phase = 0
                while j &+ 16 <= length {
                    let phase2 = phase &+ 8 >= period ? phase &+ 8 &- period : phase &+ 8
                    vectors(j, phase, j &+ 8, phase2)
                    j &+= 16
                    phase = phase2 &+ 8 >= period ? phase2 &+ 8 &- period : phase2 &+ 8
                }
                // The last floats: sixteen ending at the row's end, overlapping the ones before.
                if j < length { vectors(length &- 16, (length &- 16) % period, length &- 8, (length &- 8) % period) }
                if let outputTable { outputTable.lookup(out, out, count: count &* length) }
                tile &+= count
            }
        }
    }

    /// Input row `source` (or the zero-point row) as floats for
    /// `floatRunRows` into `target`: at stride 1 as `makeFloatRow` makes
    /// them; at stride 2 the columns −padLeft, −padLeft + 2, … the even
    /// filter columns read, then (from `floatRunOddOffset`) the odd
    /// columns, the columns outside the input the zero point.
    private func makeFloatRunRow(_ source: UnsafePointer<Int8>, into target: UnsafeMutableRawPointer) {
        let g = p.geometry, c = p.outputChannels
        guard g.strideWidth == 2 else { return makeFloatRow(source, into: target) }
        let row = target.assumingMemoryBound(to: Float.self)
        let zeroPoint = Float(Int8(bitPattern: zeroPointRow[0]))
        let bytes = UnsafeRawPointer(source)
        // Bytes as floats: their bits plus those of 1.5 · 2^23, less 1.5 · 2^23.
        let magic = SIMD8<Float>(repeating: 12_582_912), magicBits = SIMD8<Int32>(repeating: 0x4B40_0000)
        @inline(__always) func eight(_ from: Int, _ to: UnsafeMutablePointer<Float>) {
            let integers = IntegerSIMD.widen(bytes.loadUnaligned(fromByteOffset: from, as: SIMD8<Int8>.self))
            UnsafeMutableRawPointer(to).storeBytes(of: unsafeBitCast(integers &+ magicBits, to: SIMD8<Float>.self) - magic, as: SIMD8<Float>.self)
        }
        // Columns t = 0..<count, input column first + 2t − padLeft: the
        // padding's zero points, then the columns inside the input
        // (`inside`) as two vectors of eight channels, the second ending at
        // the last channel (`floatRuns` at stride 2: 9 to 15 channels). (A
        // guard per column and a loop over its channels: one-op NASNet-Mobile
        // 111 × 111 × 11 5×5 at stride 2 took 0.085 ms against 0.068 without
        // them, in the model 0.088 against 0.072; AMD Zen 3.)
        @inline(__always) func columns(_ count: Int, first: Int, _ to: UnsafeMutablePointer<Float>) {
            let before = g.padLeft &- first, last = g.inputWidth &- 1 &+ g.padLeft &- first
            let low = min(before > 0 ? (before &+ 1) / 2 : 0, count)
            let inside = low..<max(low, min(last >= 0 ? last / 2 &+ 1 : 0, count))
            to.update(repeating: zeroPoint, count: inside.lowerBound &* c)
            (to + inside.upperBound &* c).update(repeating: zeroPoint, count: (count &- inside.upperBound) &* c)
            var from = (first &+ 2 &* inside.lowerBound &- g.padLeft) &* c, column = to + inside.lowerBound &* c
            for _ in inside {
                eight(from, column)
                eight(from &+ c &- 8, column + (c &- 8))
                from &+= 2 &* c
                column += c
            }
        }
        columns(floatRunOddOffset / c, first: 0, row)
        columns(g.outputWidth &+ (g.filterWidth &- 2) / 2, first: 1, row + floatRunOddOffset)
    }

    private func compute<E: QuantizedElement, W: FixedWidthInteger>(_ tiles: Range<Int>, worker: Int, continuing: Bool,
                                                                     _: E.Type, _: W.Type) {
        let g = p.geometry, c = p.outputChannels
        let input = UnsafePointer<E>(OpaquePointer(self.input.unsafelyUnwrapped))
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output.unsafelyUnwrapped))
        let base = scratch + worker &* scratchStride
        let tapPointers = base.assumingMemoryBound(to: UnsafePointer<E>.self)
        let acc = (base + taps &* 8).assumingMemoryBound(to: Int32.self)
        let zero = UnsafePointer<E>(OpaquePointer(zeroPointRow))
        let filter = UnsafePointer<W>(OpaquePointer(constants.filter))
        let is3x3 = g.filterHeight == 3 && g.filterWidth == 3
        let columnStep = g.dilationWidth &* c
        // Runs of at least one 32-output block (int8 at stride 1 along x, or
        // 2 through the compacted rows).
        let runs = constants.runPhases > 0 && (g.strideWidth == 1 || compactRowBytes > 0)
            && (interiorEnd &- interiorStart) &* c >= 32 && IntegerSIMD.isNative && E.self == Int8.self && W.self == Int8.self
        // The compacted rows kept from output row to output row (`compactedTaps`).
        let ringTags = (base + compactedRowsOffset).assumingMemoryBound(to: Int.self)
        if !continuing && (compactRowBytes > 0 || tripleRowBytes > 0 || wideWindowRowBytes > 0 || floatRowBytes > 0 || paddedRowBytes > 0) {
            for r in 0..<ringRows { ringTags[r] = -1 }
        }
        var zeroRowCompacted = false
        // `outputTable` a tile behind (as `GEMMConvolutionQuantized.applyOutputTable`).
        let table = outputTable
        var tablePixels = 0..<0
        func applyTable() {
            if let table, !tablePixels.isEmpty {
                let first = UnsafeMutableRawPointer(output + tablePixels.lowerBound &* c)
                table.lookup(first, first, count: tablePixels.count &* c)
            }
        }
        defer { applyTable() }
        for tile in tiles {
            let outputRow = tile / columnParts
            var columns = 0..<g.outputWidth
            if columnParts > 1 {
                // Half a row, split at a window where the rows of windows run.
                let windowColumns = tripleRowBytes > 0 ? self.windowColumns : wideWindowRowBytes > 0 ? constants.wideWindowPixels : 1
                let part = tileRange(worker: tile &- outputRow &* columnParts, workers: columnParts,
                                     tiles: (g.outputWidth &+ windowColumns &- 1) / windowColumns)
                columns = min(part.lowerBound &* windowColumns, g.outputWidth)..<min(part.upperBound &* windowColumns, g.outputWidth)
            }
            defer {
                applyTable()
                tablePixels = outputRow &* g.outputWidth &+ columns.lowerBound..<outputRow &* g.outputWidth &+ columns.upperBound
            }
            let b = outputRow / g.outputHeight, oy = outputRow % g.outputHeight
            let inputBatch = input + b &* g.inputHeight &* g.inputWidth &* c
            var out = output + (outputRow &* g.outputWidth &+ columns.lowerBound) &* c
            let iy0 = oy &* g.strideHeight &- g.padTop
            // Filter row ky's input at column ix0: the zero-point row for a
            // row above or below the input, which the interior columns' row
            // paths read like an input row (the first and last output rows
            // went pixel by pixel: a 7×7 map's pixels cost about twice a
            // 56×56 map's on average), and the edge pixels' taps too.
            @inline(__always) func rowAt(_ ky: Int, column ix0: Int) -> UnsafePointer<E> {
                let iy = iy0 &+ ky &* g.dilationHeight
                return (iy >= 0 && iy < g.inputHeight ? inputBatch + iy &* g.inputWidth &* c : zero) + ix0 &* c
            }
            // Every tap's input for a pixel whose tap columns are all inside
            // the input, its window's first column at ix0, into `tapPointers`.
            @inline(__always) func interiorTaps(column ix0: Int) {
                var t = 0
                for ky in 0..<g.filterHeight {
                    var x = rowAt(ky, column: ix0)
                    for _ in 0..<g.filterWidth {
                        tapPointers[t] = x
                        x += columnStep
                        t &+= 1
                    }
                }
            }
            if wideWindowRowBytes > 0 && E.self == Int8.self {
                wideWindowRows(row: iy0, columns: columns, batch: b, input: UnsafePointer<Int8>(OpaquePointer(inputBatch)),
                               zero: UnsafePointer<Int8>(OpaquePointer(zero)), scratch: base, zeroRowMade: &zeroRowCompacted,
                               UnsafeMutableRawPointer(out))
                continue
            }
            if tripleRowBytes > 0 && E.self == Int8.self {
                tripleRows(row: iy0, columns: columns, batch: b, input: UnsafePointer<Int8>(OpaquePointer(inputBatch)),
                           zero: UnsafePointer<Int8>(OpaquePointer(zero)), scratch: base, zeroRowMade: &zeroRowCompacted,
                           UnsafeMutableRawPointer(out))
                continue
            }
            if floatRowBytes > 0 && E.self == Int8.self && (columns.count >= 8 || floatBias != nil) {
                floatRows(row: iy0, columns: columns, batch: b, input: UnsafePointer<Int8>(OpaquePointer(inputBatch)),
                          zero: UnsafePointer<Int8>(OpaquePointer(zero)), scratch: base, zeroRowMade: &zeroRowCompacted,
                          UnsafeMutableRawPointer(out))
                continue
            }
            if runs && paddedRowBytes > 0 && columns.count &* c >= 32 {
                paddedRowRun(row: iy0, columns: columns, batch: b, input: UnsafePointer<Int8>(OpaquePointer(inputBatch)),
                             zero: UnsafePointer<Int8>(OpaquePointer(zero)), scratch: base, zeroRowMade: &zeroRowCompacted,
                             UnsafeMutablePointer<Int8>(OpaquePointer(out)))
                continue
            }
            if runs && compactRowBytes > 0 && columns.count &* c >= 32 {
                // At stride 2 the whole row compacted with its padding's columns (the same on every row).
                compactedTaps(tapPointers, batch: b, row: iy0, column: 0 &- g.padLeft, pixels: g.outputWidth, input: inputBatch,
                              zero: zero, scratch: base, zeroRowCompacted: &zeroRowCompacted)
                let skip = columns.lowerBound &* c
                for t in 0..<taps { tapPointers[t] += skip }
                runRows(UnsafePointer(tapPointers), length: columns.count &* c, out)
                continue
            }
            var ox = columns.lowerBound
            // The tile's interior pixels end here.
            let runEnd = min(interiorEnd, columns.upperBound)
            while ox < columns.upperBound {
                let ix0 = ox &* g.strideWidth &- g.padLeft
                if runs && g.strideWidth == 1 && ox >= interiorStart && ox < interiorEnd && (runEnd &- ox) &* c >= 32 {
                    // The tile's interior pixels as one run of outputs (`DepthwiseInt8Constants.runPhases`).
                    interiorTaps(column: ix0)
                    let length = (runEnd &- ox) &* c
                    runRows(UnsafePointer(tapPointers), length: length, out)
                    out += length
                    ox = runEnd
                    continue
                }
                if is3x3 && ox >= interiorStart && ox < interiorEnd {
                    // The row's interior pixels in one call (its set-up was a
                    // sixth of the time of 16-channel layers when paid per pixel).
                    let x = rowAt(0, column: ix0), r1 = rowAt(1, column: ix0), r2 = rowAt(2, column: ix0)
                    let d1 = columnStep, d2 = 2 &* columnStep
                    let run = runEnd &- ox
                    let step = g.strideWidth &* c
                    // Sixteen channels: two pixels per quad group, the odd last one alone.
                    let paired = constants.pixelPairQuads && E.self == Int8.self && W.self == Int8.self ? run & ~1 : 0
                    if paired > 0 {
                        pixelPairs3x3(x, x + d1, x + d2, r1, r1 + d1, r1 + d2, r2, r2 + d1, r2 + d2, out, pairs: paired / 2, step: step)
                    }
                    let skip = paired &* step
                    pixel3x3(x + skip, x + d1 + skip, x + d2 + skip, r1 + skip, r1 + d1 + skip, r1 + d2 + skip,
                             r2 + skip, r2 + d1 + skip, r2 + d2 + skip, filter, out + paired &* c, pixels: run &- paired, step: step)
                    out += run &* c
                    ox &+= run
                    continue
                }
                if !is3x3 && ox >= interiorStart && ox < interiorEnd {
                    // The row's interior pixels from one set of tap pointers,
                    // each next pixel's `step` elements on (filling 49
                    // pointers per pixel was about half the time of NASNet's
                    // 7×7 layers of 11 channels).
                    interiorTaps(column: ix0)
                    let step = g.strideWidth &* c
                    var shift = 0
                    for _ in ox..<runEnd {
                        pixel(UnsafePointer(tapPointers), shift, filter, acc, out)
                        out += c
                        shift &+= step
                    }
                    ox = runEnd
                    continue
                }
                var t = 0
                for ky in 0..<g.filterHeight {
                    for kx in 0..<g.filterWidth {
                        let ix = ix0 &+ kx &* g.dilationWidth
                        tapPointers[t] = ix >= 0 && ix < g.inputWidth ? rowAt(ky, column: ix) : zero
                        t &+= 1
                    }
                }
                if is3x3 {
                    pixel3x3(tapPointers[0], tapPointers[1], tapPointers[2], tapPointers[3], tapPointers[4],
                             tapPointers[5], tapPointers[6], tapPointers[7], tapPointers[8], filter, out, pixels: 1, step: 0)
                } else {
                    pixel(UnsafePointer(tapPointers), 0, filter, acc, out)
                }
                out += c
                ox &+= 1
            }
        }
    }

    /// Output columns `columns` (at least 32 outputs) of the output row
    /// whose windows start at input row `iy0`, at stride 1, as one run of
    /// outputs (`runRows`) over padded rows: each input row with the
    /// columns of its padding (the input's zero point) on either side, made
    /// into the worker's ring (`ringRow`) once for the rows that read it,
    /// each tap reading it from its column on. The edge pixels, whose
    /// windows reach into the padding, went pixel by pixel with their tap
    /// pointers filled per pixel: in NASNet-Mobile's 56×56×11 3×3 layers
    /// their 112 of 3136 pixels took a quarter of the time.
    @inline(never)
    private func paddedRowRun(row iy0: Int, columns: Range<Int>, batch b: Int, input inputBatch: UnsafePointer<Int8>,
                              zero: UnsafePointer<Int8>, scratch base: UnsafeMutableRawPointer, zeroRowMade: inout Bool,
                              _ out: UnsafeMutablePointer<Int8>) {
        let g = p.geometry, c = p.outputChannels
        let tapPointers = base.assumingMemoryBound(to: UnsafePointer<Int8>.self)
        // Padded column j is input column j − padLeft; those inside the input are `inside`.
        let span = g.outputWidth &+ (g.filterWidth &- 1) &* g.dilationWidth
        let insideStart = min(g.padLeft, span)
        let inside = insideStart..<max(min(g.padLeft &+ g.inputWidth, span), insideStart)
        let zeroPoint = zero.pointee
        var t = 0
        for ky in 0..<g.filterHeight {
            let row = ringRow(iy0 &+ ky &* g.dilationHeight, batch: b, rowBytes: paddedRowBytes, input: inputBatch, zero: zero,
                              scratch: base, zeroRowMade: &zeroRowMade) { source, target in
                let bytes = target.assumingMemoryBound(to: Int8.self)
                bytes.update(repeating: zeroPoint, count: inside.lowerBound &* c)
                (bytes + inside.lowerBound &* c).update(from: source + (inside.lowerBound &- g.padLeft) &* c, count: inside.count &* c)
                (bytes + inside.upperBound &* c).update(repeating: zeroPoint, count: (span &- inside.upperBound) &* c)
            }
            let first = row.assumingMemoryBound(to: Int8.self) + columns.lowerBound &* c
            for kx in 0..<g.filterWidth {
                tapPointers[t] = first + kx &* g.dilationWidth &* c
                t &+= 1
            }
        }
        runRows(UnsafePointer(tapPointers), length: columns.count &* c, out)
    }

    /// At stride 2, every tap's inputs for `pixels` outputs of the output
    /// row whose window starts at input row `iy0` and column `ix0`, as
    /// contiguous bytes, into `tapPointers`: each filter row's even pixels
    /// (ix0, ix0 + 2, …) and odd ones copied into rows of their own, so tap
    /// kx of output p reads pixel p + kx / 2 of one of them; pixels in the
    /// padding (ix0 may be negative) as the input's zero point.
    /// (NASNet-Mobile's 5×5 and 7×7 stride-2 layers of 11 and 22 channels
    /// went pixel by pixel, 16–32 GFLOP/s; then their edge pixels, about a
    /// quarter of the time of a 5×5 layer on 111×111×11.) Each input row is
    /// compacted once for the two or three output rows that read it: ring
    /// slot iy mod `ringRows` of the worker's scratch holds input row iy
    /// (tag b · H + iy; the tags are reset per call unless it continues the
    /// worker's last one), one more slot the
    /// zero-point row's. The first column and length are the same on every
    /// row (the whole output row's).
    @inline(never)
    private func compactedTaps<E: QuantizedElement>(
        _ tapPointers: UnsafeMutablePointer<UnsafePointer<E>>, batch b: Int, row iy0: Int, column ix0: Int, pixels: Int,
        input inputBatch: UnsafePointer<E>, zero: UnsafePointer<E>, scratch base: UnsafeMutableRawPointer, zeroRowCompacted: inout Bool
    ) {
        let g = p.geometry, c = p.outputChannels, ringRows = self.ringRows, rowBytes = compactRowBytes
        let ringTags = (base + compactedRowsOffset).assumingMemoryBound(to: Int.self)
        let ring = base + compactedSlotsOffset
        let zeroPoint = UnsafeRawPointer(zero).load(as: UInt8.self)
        var t = 0
        for ky in 0..<g.filterHeight {
            let iy = iy0 &+ ky &* g.dilationHeight
            let inside = iy >= 0 && iy < g.inputHeight
            let even = ring + 2 &* (inside ? iy % ringRows : ringRows) &* rowBytes, odd = even + rowBytes
            let made = inside ? ringTags[iy % ringRows] == b &* g.inputHeight &+ iy : zeroRowCompacted
            if !made {
                // (The zero-point row is as long as an input row.)
                let source = UnsafeRawPointer(inside ? inputBatch + iy &* g.inputWidth &* c : zero)
                Self.compact(source, width: g.inputWidth, first: ix0, pixels: pixels &+ (g.filterWidth &- 1) / 2, channels: c,
                             zeroPoint: zeroPoint, into: even)
                if g.filterWidth > 1 {
                    Self.compact(source, width: g.inputWidth, first: ix0 &+ 1, pixels: pixels &+ (g.filterWidth &- 2) / 2, channels: c,
                                 zeroPoint: zeroPoint, into: odd)
                }
                if inside { ringTags[iy % ringRows] = b &* g.inputHeight &+ iy } else { zeroRowCompacted = true }
            }
            for kx in 0..<g.filterWidth {
                tapPointers[t] = UnsafePointer<E>(OpaquePointer(kx & 1 == 0 ? even : odd)) + (kx &>> 1) &* c
                t &+= 1
            }
        }
    }

    /// Input row iy's windows in the worker's ring (slot iy mod `ringRows`,
    /// tagged b · H + iy; one more slot the zero-point row's, for rows
    /// above and below the input), made by `make` (from the row, into the
    /// slot) where the slot does not hold them yet.
    @inline(__always)
    private func ringRow(_ iy: Int, batch b: Int, rowBytes: Int, input inputBatch: UnsafePointer<Int8>, zero: UnsafePointer<Int8>,
                         scratch base: UnsafeMutableRawPointer, zeroRowMade: inout Bool,
                         make: (UnsafePointer<Int8>, UnsafeMutableRawPointer) -> Void) -> UnsafeRawPointer {
        let g = p.geometry, rings = ringRows
        let ringTags = (base + compactedRowsOffset).assumingMemoryBound(to: Int.self)
        let inside = iy >= 0 && iy < g.inputHeight
        let target = base + (compactedSlotsOffset &+ (inside ? iy % rings : rings) &* rowBytes)
        let made = inside ? ringTags[iy % rings] == b &* g.inputHeight &+ iy : zeroRowMade
        if !made {
            make(inside ? inputBatch + iy &* g.inputWidth &* p.outputChannels : zero, target)
            if inside { ringTags[iy % rings] = b &* g.inputHeight &+ iy } else { zeroRowMade = true }
        }
        return UnsafeRawPointer(target)
    }

    /// Output columns `columns` (at least eight) of one output row from the
    /// K input rows from `iy0` as floats (`floatRowBytes`), made into the
    /// worker's ring where it does not hold them yet; `out` the first
    /// column's output.
    @inline(never)
    private func floatRows(row iy0: Int, columns: Range<Int>, batch b: Int, input inputBatch: UnsafePointer<Int8>, zero: UnsafePointer<Int8>,
                           scratch base: UnsafeMutableRawPointer, zeroRowMade: inout Bool, _ out: UnsafeMutableRawPointer) {
        switch p.geometry.filterWidth {
        case 3: floatRows(ThreeTaps.self, row: iy0, columns: columns, batch: b, input: inputBatch, zero: zero, scratch: base,
                          zeroRowMade: &zeroRowMade, out)
        case 5: floatRows(FiveTaps.self, row: iy0, columns: columns, batch: b, input: inputBatch, zero: zero, scratch: base,
                          zeroRowMade: &zeroRowMade, out)
        default: floatRows(SevenTaps.self, row: iy0, columns: columns, batch: b, input: inputBatch, zero: zero, scratch: base,
                           zeroRowMade: &zeroRowMade, out)
        }
    }

    @inline(__always)
    private func floatRows<R: SlidingFilterRow>(_: R.Type, row iy0: Int, columns: Range<Int>, batch b: Int, input inputBatch: UnsafePointer<Int8>,
                                                zero: UnsafePointer<Int8>, scratch base: UnsafeMutableRawPointer, zeroRowMade: inout Bool,
                                                _ out: UnsafeMutableRawPointer) {
        let c = p.outputChannels, k = R.width
        let filter = UnsafePointer(floatFilter.unsafelyUnwrapped), bias = UnsafeRawPointer(constants.table)
        let tables = constants.scaleTables, lastTables = constants.lastGroupTables ?? tables, paired = constants.pairedChannels
        let stage = ChannelRequantization.VectorStage(
            signed: true, zeroPoint: SIMD8<Int32>(repeating: outputOffset),
            low: SIMD32(repeating: UInt8(truncatingIfNeeded: activationMin)), high: SIMD32(repeating: UInt8(truncatingIfNeeded: activationMax)))
        // Integers below 2^22 in magnitude as floats, plus 1.5 · 2^23: their bits are the integer's plus these.
        let magic = SIMD8<Float>(repeating: 12_582_912), magicBits = SIMD8<Int32>(repeating: 0x4B40_0000)
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: k) { buffer in
            guard let rows = buffer.baseAddress else { return }
            for ky in 0..<k {
                let row = ringRow(iy0 &+ ky, batch: b, rowBytes: floatRowBytes, input: inputBatch, zero: zero, scratch: base,
                                  zeroRowMade: &zeroRowMade) { makeFloatRow($0, into: $1) }
                rows[ky] = row.assumingMemoryBound(to: Float.self)
            }
            if let exact = constants.exactRequantization, let floatBias {
                floatStage(R.self, rows: UnsafePointer(rows), columns: columns, exact: exact, bias: floatBias, stage: stage, out)
                return
            }
            // The eight pixels' sums of channels ch..<ch + 8 from output column ox.
            @inline(__always) func sums(_ ox: Int, _ ch: Int) -> SlidingEight<SIMD8<Float>> {
                SlidingEight(R.self, bias: SIMD8<Float>(), weights: filter + ch, rows: k, rowStep: k &* c, tapStep: c) {
                    OffsetInput(q: UnsafePointer(rows[$0]) + (ox &* floatColumnStride &+ ch), step: floatColumnStride)
                }
            }
            // Channels ch..<ch + 8's starting values less the magic number's bits.
            @inline(__always) func starts(_ ch: Int) -> SIMD8<Int32> {
                bias.loadUnaligned(fromByteOffset: ch &* 4, as: SIMD8<Int32>.self) &- magicBits
            }
            // Pixel `pixel`'s accumulators: its sums as Int32 plus `start`.
            @inline(__always) func accumulators(_ s: SlidingEight<SIMD8<Float>>, _ pixel: Int, _ start: SIMD8<Int32>) -> SIMD8<Int32> {
                let v = switch pixel { case 0: s.a0; case 1: s.a1; case 2: s.a2; case 3: s.a3; case 4: s.a4; case 5: s.a5; case 6: s.a6; default: s.a7 }
                return unsafeBitCast(v + magic, to: SIMD8<Int32>.self) &+ start
            }
            // Eight pixels from output column ox: sixteen channels at a time
            // through `store16` where `pixel3x3` has them (its paired
            // channels), then groups of eight, the last one overlapping its
            // predecessor where the channels are not a multiple of eight.
            @inline(__always) func eight(_ ox: Int) {
                let o = out + (ox &- columns.lowerBound) &* c
                var ch = 0
                while ch &+ 16 <= paired {
                    let low = sums(ox, ch), high = sums(ox, ch &+ 8), lowStart = starts(ch), highStart = starts(ch &+ 8)
                    for pixel in 0..<8 {
                        store16(accumulators(low, pixel, lowStart), accumulators(high, pixel, highStart), ch, stage, o + pixel &* c)
                    }
                    ch &+= 16
                }
                @inline(__always) func group(_ ch: Int, _ tables: ChannelRequantization.Tables, _ entry: Int, slot: Int) {
                    let s = sums(ox, ch), start = starts(ch)
                    for pixel in 0..<8 { storeGroup8(accumulators(s, pixel, start), tables, entry, slot: slot, o + (pixel &* c &+ ch)) }
                }
                while ch &+ 8 <= c { group(ch, tables, ch, slot: ch); ch &+= 8 }
                if ch < c { group(c &- 8, lastTables, 0, slot: c) }
            }
            var ox = columns.lowerBound
            while ox &+ 8 <= columns.upperBound { eight(ox); ox &+= 8 }
            // The last one to seven columns: eight ending at the range's end (the same bytes stored twice).
            if ox < columns.upperBound { eight(columns.upperBound &- 8) }
        }
    }

    /// `floatRows`' pixels where the output stage takes the sums as floats
    /// (`floatBias`): the sums start at the channels' starting values and
    /// go through `ExactDoubleRequantization.scale8(floats:_:)`, two pixels
    /// of sixteen channels or four of eight packed to bytes together. A block
    /// of eight pixels with a lane that is not certain is stored again from
    /// its sums as Int32 through `store16` and `storeGroup8` (about one
    /// lane in 4,096).
    @inline(__always)
    private func floatStage<R: SlidingFilterRow>(_: R.Type, rows: UnsafePointer<UnsafePointer<Float>>, columns: Range<Int>,
                                                 exact: ExactDoubleRequantization, bias: UnsafePointer<Float>,
                                                 stage: ChannelRequantization.VectorStage, _ out: UnsafeMutableRawPointer) {
        let c = p.outputChannels, k = R.width
        let filter = UnsafePointer(floatFilter.unsafelyUnwrapped)
        let tables = constants.scaleTables, lastTables = constants.lastGroupTables ?? tables, paired = constants.pairedChannels
        let zeroPoint = exact.zeroPoint(stage), everyBlockAgain = Self.storesEveryBlockAgainForTesting
        // The eight pixels' sums of channels ch..<ch + 8 from output column ox.
        @inline(__always) func sums(_ ox: Int, _ ch: Int) -> SlidingEight<SIMD8<Float>> {
            SlidingEight(R.self, bias: UnsafeRawPointer(bias + ch).loadUnaligned(as: SIMD8<Float>.self), weights: filter + ch, rows: k,
                         rowStep: k &* c, tapStep: c) {
                OffsetInput(q: rows[$0] + (ox &* floatColumnStride &+ ch), step: floatColumnStride)
            }
        }
        @inline(__always) func lanes(_ s: SlidingEight<SIMD8<Float>>, _ pixel: Int) -> SIMD8<Float> {
            switch pixel { case 0: s.a0; case 1: s.a1; case 2: s.a2; case 3: s.a3; case 4: s.a4; case 5: s.a5; case 6: s.a6; default: s.a7 }
        }
        // Pixel `pixel`'s sums as Int32 (exact integers below 2^25; only for the blocks stored again).
        @inline(__always) func integers(_ s: SlidingEight<SIMD8<Float>>, _ pixel: Int) -> SIMD8<Int32> {
            IntegerSIMD.integers(lanes(s, pixel))
        }
        // Eight pixels from output column ox, storing pixels `from..<end` of them (`0..<8` but at
        // a range's narrow end).
        @inline(__always) func eight(_ ox: Int, storing from: Int = 0, _ end: Int = 8) {
            let o = out + (ox &- columns.lowerBound) &* c
            @inline(__always) func stores(_ pixel: Int) -> Bool { pixel >= from && pixel < end }
            // Channels ch..<ch + 16.
            @inline(__always) func sixteen(_ ch: Int) {
                var uncertain = SIMD8<Int32>()
                // The eight pixels' results of channels `slot`…`slot` + 7 (sums `s`), saturated to Int16,
                // two pixels p, p + 1 to a vector: [p 0–3, p+1 0–3, p 4–7, p+1 4–7]. (Each group of eight
                // narrowed before the next is summed: sixteen float sums at once spilled.)
                @inline(__always) func narrowed(_ s: SlidingEight<SIMD8<Float>>, _ slot: Int)
                    -> (SIMD16<Int16>, SIMD16<Int16>, SIMD16<Int16>, SIMD16<Int16>) {
                    @inline(__always) func two(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>) -> SIMD16<Int16> {
                        let (a, u0) = exact.scale8(floats: v0, slot), (b, u1) = exact.scale8(floats: v1, slot)
                        uncertain |= u0 | u1
                        return IntegerSIMD.packSaturating(a &+ zeroPoint, b &+ zeroPoint)
                    }
                    return (two(s.a0, s.a1), two(s.a2, s.a3), two(s.a4, s.a5), two(s.a6, s.a7))
                }
                let low = narrowed(sums(ox, ch), ch)
                let high = narrowed(sums(ox, ch &+ 8), ch &+ 8)
                // Pixels `pixel` and `pixel` + 1 from their channels ch… (`l`) and ch + 8… (`h`).
                @inline(__always) func two(_ l: SIMD16<Int16>, _ h: SIMD16<Int16>, _ pixel: Int) {
                    // Int32 groups of four bytes: [p 0–3, p+1 0–3, p 8–11, p+1 8–11, p 4–7, p+1 4–7, p 12–15, p+1 12–15].
                    let packed = unsafeBitCast(IntegerSIMD.packSaturatingSigned(l, h), to: SIMD8<Int32>.self)
                    let groups = IntegerSIMD.permute(packed, SIMD8(0, 4, 2, 6, 1, 5, 3, 7))
                    let (first, second) = ChannelRequantization.Tables.halves(
                        IntegerSIMD.clampSigned(unsafeBitCast(groups, to: SIMD32<UInt8>.self), stage.low, stage.high))
                    if stores(pixel) { o.storeBytes(of: first, toByteOffset: pixel &* c &+ ch, as: SIMD16<UInt8>.self) }
                    if stores(pixel &+ 1) { o.storeBytes(of: second, toByteOffset: (pixel &+ 1) &* c &+ ch, as: SIMD16<UInt8>.self) }
                }
                two(low.0, high.0, 0)
                two(low.1, high.1, 2)
                two(low.2, high.2, 4)
                two(low.3, high.3, 6)
                if IntegerSIMD.anyNegative(uncertain) || everyBlockAgain {
                    // Summed again: kept, the sums spilled.
                    let low = sums(ox, ch), high = sums(ox, ch &+ 8)
                    for pixel in from..<end { store16(integers(low, pixel), integers(high, pixel), ch, stage, o + pixel &* c) }
                }
            }
            var ch = 0
            while ch &+ 16 <= paired {
                sixteen(ch)
                ch &+= 16
            }
            // Nine to fifteen channels left: sixteen ending at the last channel (the
            // channels before them stored twice, the same bytes), where groups of eight
            // summed sixteen (NASNet-Mobile's 44 channels: 56 channels' sums for 44, now 48).
            if c &- ch > 8 && c >= 16 {
                sixteen(c &- 16)
                ch = c
            }
            @inline(__always) func group(_ ch: Int, _ tables: ChannelRequantization.Tables, _ entry: Int, slot: Int) {
                let s = sums(ox, ch)
                var uncertain = SIMD8<Int32>()
                // Pixels `pixel`…`pixel` + 3, eight bytes each.
                @inline(__always) func four(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>, _ v3: SIMD8<Float>, _ pixel: Int) {
                    let (a0, u0) = exact.scale8(floats: v0, slot), (a1, u1) = exact.scale8(floats: v1, slot)
                    let (b0, u2) = exact.scale8(floats: v2, slot), (b1, u3) = exact.scale8(floats: v3, slot)
                    uncertain |= u0 | u1 | u2 | u3
                    let bytes = unsafeBitCast(ChannelRequantization.Tables.bytes(
                        a0 &+ zeroPoint, a1 &+ zeroPoint, b0 &+ zeroPoint, b1 &+ zeroPoint, stage), to: SIMD4<UInt64>.self)
                    for i in 0..<4 where stores(pixel &+ i) {
                        o.storeBytes(of: bytes[i], toByteOffset: (pixel &+ i) &* c &+ ch, as: UInt64.self)
                    }
                }
                four(s.a0, s.a1, s.a2, s.a3, 0)
                four(s.a4, s.a5, s.a6, s.a7, 4)
                if IntegerSIMD.anyNegative(uncertain) || everyBlockAgain {
                    for pixel in from..<end { storeGroup8(integers(s, pixel), tables, entry, slot: slot, o + (pixel &* c &+ ch)) }
                }
            }
            while ch &+ 8 <= c { group(ch, tables, ch, slot: ch); ch &+= 8 }
            if ch < c { group(c &- 8, lastTables, 0, slot: c) }
        }
        var ox = columns.lowerBound
        while ox &+ 8 <= columns.upperBound { eight(ox); ox &+= 8 }
        if ox < columns.upperBound {
            // The last one to seven columns: eight ending at the range's end (the same bytes stored
            // twice), or where the range is narrower (a 7-column row), eight from its start or
            // ending at the row's last column, storing the range's (float rows are at least eight
            // columns wide).
            if columns.count >= 8 {
                eight(columns.upperBound &- 8)
            } else {
                let start = max(0, min(ox, p.geometry.outputWidth &- 8))
                eight(start, storing: ox &- start, columns.upperBound &- start)
            }
        }
    }

    /// Input row `source` (or the zero-point row) as floats into `target`:
    /// the `max(outputWidth, 8) + K − 1` columns the output row's windows
    /// read (`floatStage` sums eight pixels at a time, and stores seven of a
    /// 7-column row), from input column −padLeft, the columns outside the
    /// input the zero point.
    private func makeFloatRow(_ source: UnsafePointer<Int8>, into target: UnsafeMutableRawPointer) {
        let g = p.geometry, c = p.outputChannels
        let columns = max(g.outputWidth, 8) &+ g.filterWidth &- 1
        let first = min(g.padLeft, columns), end = max(first, min(columns, g.padLeft &+ g.inputWidth))
        let row = target.assumingMemoryBound(to: Float.self)
        let zeroPoint = Float(Int8(bitPattern: zeroPointRow[0]))
        let columnStride = floatColumnStride
        if columnStride != c {
            // Column by column (the channels a multiple of 128, so of 16).
            for column in 0..<columns {
                let to = UnsafeMutableRawPointer(row + column &* columnStride)
                if column < first || column >= end {
                    to.assumingMemoryBound(to: Float.self).update(repeating: zeroPoint, count: c)
                    continue
                }
                let from = UnsafeRawPointer(source + (column &- first) &* c)
                for i in stride(from: 0, to: c, by: 16) {
                    to.storeBytes(of: IntegerSIMD.floats(from.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self)),
                                  toByteOffset: i &* 4, as: SIMD16<Float>.self)
                }
            }
            return
        }
        row.update(repeating: zeroPoint, count: first &* c)
        (row + end &* c).update(repeating: zeroPoint, count: (columns &- end) &* c)
        let count = (end &- first) &* c, bytes = UnsafeRawPointer(source), floats = UnsafeMutableRawPointer(row + first &* c)
        var i = 0
        while i &+ 16 <= count {
            floats.storeBytes(of: IntegerSIMD.floats(bytes.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self)),
                              toByteOffset: i &* 4, as: SIMD16<Float>.self)
            i &+= 16
        }
        while i < count {
            floats.storeBytes(of: Float(bytes.load(fromByteOffset: i, as: Int8.self)), toByteOffset: i &* 4, as: Float.self)
            i &+= 1
        }
    }

    /// The quad groups' output stage: the output offset and the activation's bounds.
    private var quadStage: ChannelRequantization.VectorStage {
        ChannelRequantization.VectorStage(signed: true, zeroPoint: SIMD8<Int32>(repeating: outputOffset),
                                          low: SIMD32(repeating: UInt8(truncatingIfNeeded: activationMin)),
                                          high: SIMD32(repeating: UInt8(truncatingIfNeeded: activationMax)))
    }

    /// Output columns `columns` of one output row (from a window's first
    /// column; `out` the first's output) from the column windows
    /// (`tripleRowBytes`) of the three input rows from `iy0`, made into the
    /// worker's ring where it does not hold them yet (slot iy mod 3 holds
    /// input row iy, tagged b · H + iy; one more slot the zero-point row's).
    @inline(never)
    private func tripleRows(row iy0: Int, columns: Range<Int>, batch b: Int, input inputBatch: UnsafePointer<Int8>, zero: UnsafePointer<Int8>,
                            scratch base: UnsafeMutableRawPointer, zeroRowMade: inout Bool, _ out: UnsafeMutableRawPointer) {
        let c = p.outputChannels
        @inline(__always) func slot(_ ky: Int) -> UnsafeRawPointer {
            ringRow(iy0 &+ ky, batch: b, rowBytes: tripleRowBytes, input: inputBatch, zero: zero, scratch: base, zeroRowMade: &zeroRowMade) {
                makeTriples($0, into: $1)
            }
        }
        let r0 = slot(0), r1 = slot(1), r2 = slot(2)
        let stage = quadStage
        let exact = constants.quadExactRequantization.unsafelyUnwrapped
        let filter = UnsafeRawPointer(constants.rowQuadFilter), quads = constants.quadChannels
        @inline(__always) func add(_ sums: inout WideQuadSums, _ x: UnsafeRawPointer, _ w: WideQuadSums) {
            sums.low = IntegerSIMD.dotBytes(sums.low, x.loadUnaligned(as: SIMD16<Int32>.self), w.low)
            sums.high = IntegerSIMD.dotBytes(sums.high, x.loadUnaligned(fromByteOffset: 64, as: SIMD16<Int32>.self), w.high)
        }
        // A filter row's 128 bytes (its weights held in registers across the row: loaded in the
        // loop, every multiply-add loaded them again after each pixel's stores).
        @inline(__always) func row(_ w: UnsafeRawPointer) -> WideQuadSums {
            WideQuadSums(low: w.loadUnaligned(as: SIMD16<Int32>.self), high: w.loadUnaligned(fromByteOffset: 64, as: SIMD16<Int32>.self))
        }
        // Group by group (its weights and output-stage constants stay in
        // the first-level cache while it sweeps the row), two pixels per
        // step: the group's constants loaded once for both, two independent
        // chains.
        // One window's bytes; the second pixel's window and filter rows
        // (at stride 1 the first's window, rows 3–5); the windows a pair takes.
        let window = (quads &>> 5) &* 128 &+ (constants.halfRequantization != nil ? 64 : 0)
        let pairs = windowColumns == 2
        let second = pairs ? 0 : window, secondFilter = pairs ? 384 : 0, pairStep = pairs ? window : 2 &* window
        let width = columns.count, firstWindow = (columns.lowerBound / windowColumns) &* window
        var first = 0
        while first < quads {
            let w = filter + (first &>> 5) &* 768
            let start = quadSums(first).wide
            let ch = DepthwiseInt8Constants.quadGroupChannel(first, channels: c)
            var at = firstWindow &+ (first &>> 5) &* 128
            var target = out + ch
            var ox = 0
            let w0 = row(w), w1 = row(w + 128), w2 = row(w + 256)
            let stages = (exact.floatStage16(first), exact.floatStage16(first &+ 16))
            let v0 = row(w + secondFilter), v1 = row(w + (128 &+ secondFilter)), v2 = row(w + (256 &+ secondFilter))
            while ox &+ 2 <= width {
                var a = start, b = start
                add(&a, r0 + at, w0)
                add(&b, r0 + (at &+ second), v0)
                add(&a, r1 + at, w1)
                add(&b, r1 + (at &+ second), v1)
                add(&a, r2 + at, w2)
                add(&b, r2 + (at &+ second), v2)
                Self.storeQuads(a, b, slot: first, exact, stages, stage, target, target + c)
                at &+= pairStep
                target += 2 &* c
                ox &+= 2
            }
            if ox < width {
                var sums = start
                add(&sums, r0 + at, w0)
                add(&sums, r1 + at, w1)
                add(&sums, r2 + at, w2)
                Self.storeQuads(sums, sums, slot: first, exact, stages, stage, target, nil)
            }
            first &+= 32
        }
        // The last 16 channels' group (`DepthwiseInt8Constants.halfRequantization`), after the quad groups' windows.
        guard let half = constants.halfRequantization else { return }
        let w = UnsafeRawPointer(constants.halfRowFilter)
        let start = UnsafeRawPointer(constants.halfBias).loadUnaligned(as: SIMD16<Int32>.self)
        @inline(__always) func dot(_ sums: SIMD16<Int32>, _ x: UnsafeRawPointer, _ w: SIMD16<Int32>) -> SIMD16<Int32> {
            IntegerSIMD.dotBytes(sums, x.loadUnaligned(as: SIMD16<Int32>.self), w)
        }
        @inline(__always) func halfRow(_ offset: Int) -> SIMD16<Int32> { w.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int32>.self) }
        let secondRows = pairs ? 192 : 0
        let w0 = halfRow(0), w1 = halfRow(64), w2 = halfRow(128)
        let v0 = halfRow(secondRows), v1 = halfRow(64 &+ secondRows), v2 = halfRow(128 &+ secondRows)
        let halfStage = half.floatStage16(0)
        var at = firstWindow &+ (quads &>> 5) &* 128
        var target = out + (c &- 16)
        var ox = 0
        while ox &+ 2 <= width {
            let a = dot(dot(dot(start, r0 + at, w0), r1 + at, w1), r2 + at, w2)
            let b = dot(dot(dot(start, r0 + (at &+ second), v0), r1 + (at &+ second), v1), r2 + (at &+ second), v2)
            Self.storeHalves(a, b, half, halfStage, stage, target, target + c)
            at &+= pairStep
            target += 2 &* c
            ox &+= 2
        }
        if ox < width {
            let a = dot(dot(dot(start, r0 + at, w0), r1 + at, w1), r2 + at, w2)
            Self.storeHalves(a, a, half, halfStage, stage, target, nil)
        }
    }

    /// Input row `source`'s windows (`tripleRowBytes`) into `target`.
    /// (Its own function: inlined into `tripleRows`, the standard library's
    /// half-vector getters behind the interleaves stayed calls.)
    @inline(never)
    private func makeTriples(_ source: UnsafePointer<Int8>, into target: UnsafeMutableRawPointer) {
        let g = p.geometry, pairs = windowColumns == 2
        // (The window's last input column: the third again at weight 0 for one output column.)
        makeWindows(source, into: target, windows: pairs ? (g.outputWidth &+ 1) / 2 : g.outputWidth, step: pairs ? 2 : g.strideWidth,
                    lastColumn: pairs ? 3 : 2)
    }

    /// `makeWindows`' byte-permute indices: window byte k (k from `first`,
    /// 64 of them) is channel `blocks[k / 16] + (k mod 16) / 4` of column
    /// min(k mod 4, `lastColumn`), the columns `columnBytes` apart from the
    /// window's first. With 16 channels (`vpermb` from one 64-byte load)
    /// the blocks are 0, 4, 8, 12: byte 4i + j is channel i of column j.
    /// A quad group's (`vpermt2b` from columns 0–1 and 2–3, 32 bytes each)
    /// are the bytes `storeWindow` stores: per 16 bytes, channels 0–3,
    /// 16–19, 4–7, 20–23, 8–11, 24–27, 12–15, 28–31 of the group.
    private static func windowIndices(columnBytes: Int, blocks: [Int], lastColumn: Int, first: Int = 0) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        for b in 0..<64 {
            let k = first + b, within = k % 16
            r[b] = UInt8(columnBytes * min(within % 4, lastColumn) + blocks[k / 16] + within / 4)
        }
        return r
    }

    /// `windowIndices` for windows of three columns (the third again as the
    /// fourth) and of four: sixteen channels, and a quad group's two halves.
    static let windowPermutes: (sixteen: (three: SIMD64<UInt8>, four: SIMD64<UInt8>),
                                quad: (three: (SIMD64<UInt8>, SIMD64<UInt8>), four: (SIMD64<UInt8>, SIMD64<UInt8>))) = {
        let sixteen = [0, 4, 8, 12], quad = [0, 16, 4, 20, 8, 24, 12, 28]
        func quadHalves(_ last: Int) -> (SIMD64<UInt8>, SIMD64<UInt8>) {
            (windowIndices(columnBytes: 32, blocks: quad, lastColumn: last), windowIndices(columnBytes: 32, blocks: quad, lastColumn: last, first: 64))
        }
        return ((windowIndices(columnBytes: 16, blocks: sixteen, lastColumn: 2), windowIndices(columnBytes: 16, blocks: sixteen, lastColumn: 3)),
                (quadHalves(2), quadHalves(3)))
    }()

    /// Input row `source`'s windows into `target`, `windows` of them,
    /// `step` input columns apart: per window, per quad group, the input
    /// columns 0…`lastColumn` from the window's first (`lastColumn` again
    /// up to the fourth) interleaved four to a lane, sign bits flipped
    /// (`storeWindow`): 128 bytes, or 256 where `lastColumn` is 7.
    @inline(__always)
    private func makeWindows(_ source: UnsafePointer<Int8>, into target: UnsafeMutableRawPointer, windows: Int, step: Int, lastColumn: Int) {
        let g = p.geometry, c = p.outputChannels, quads = constants.quadChannels, width = g.inputWidth
        let flip = SIMD8<Int32>(repeating: Int32(bitPattern: 0x8080_8080))
        // Outside the input: the zero point (the zero-point row's bytes).
        let padding = UnsafeRawPointer(zeroPointRow).loadUnaligned(as: SIMD8<Int32>.self)
        let row = UnsafeRawPointer(source), windowBytes = lastColumn > 3 ? 256 : 128
        // One group's quads of a window, column k from `column`.
        @inline(__always) func store(_ column: (Int) -> SIMD8<Int32>, _ to: UnsafeMutableRawPointer) {
            Self.storeWindow(column(0) ^ flip, column(1) ^ flip, column(2) ^ flip, column(min(3, lastColumn)) ^ flip, to)
            if lastColumn > 3 { Self.storeWindow(column(4) ^ flip, column(5) ^ flip, column(6) ^ flip, column(7) ^ flip, to + 128) }
        }
        var to = target
        // The half group's 64 bytes after the quad groups' (3×3 filters only, so `lastColumn` is at most 3).
        let half = constants.halfRequantization != nil
        @inline(__always) func storeHalf(_ column: (Int) -> SIMD4<Int32>) {
            let f = flip.lowHalf
            Self.halfWindow(column(0) ^ f, column(1) ^ f, column(2) ^ f, column(min(3, lastColumn)) ^ f, to)
            to += 64
        }
        // Sixteen channels (one half group, no quad groups): a window's
        // columns are 16 bytes apart, so one 64-byte load from its first
        // column and one `vpermb` make it where the row holds those bytes.
        // (The half group's interleaves took more than half of a 112×112×16
        // layer's time at stride 2.) The quad groups' windows of three or
        // four columns: two `vpermt2b` a window, where the interleaves took
        // 41% of a 112×112×64 stride-2 layer's time. (In the flavour with
        // the byte permutes; the others keep the interleaves.)
        let permuted = IntegerSIMD.hasWideBytePacks && lastColumn <= 3
        let sixteen = permuted && half && quads == 0 && c == 16
        let permutes = Self.windowPermutes
        let quadIndices = lastColumn == 2 ? permutes.quad.three : permutes.quad.four
        let windowBytes16 = lastColumn == 2 ? permutes.sixteen.three : permutes.sixteen.four
        var ix0 = 0 &- g.padLeft
        for _ in 0..<windows {
            var first = 0
            if sixteen && ix0 >= 0 && ix0 &+ 4 <= width {
                let v = (row + ix0 &* 16).loadUnaligned(as: SIMD64<UInt8>.self)
                to.storeBytes(of: IntegerSIMD.flipSigns(IntegerSIMD.permuteBytes(v, windowBytes16)), as: SIMD64<UInt8>.self)
                to += 64
            } else if ix0 >= 0 && ix0 &+ lastColumn < width {
                let x = row + ix0 &* c
                while first < quads {
                    let at = x + DepthwiseInt8Constants.quadGroupChannel(first, channels: c)
                    if permuted {
                        // Columns 0 and 1, then 2 and 3 (or 2 again), as 64 bytes each; two `vpermt2b`.
                        @inline(__always) func column(_ k: Int) -> SIMD32<UInt8> { at.loadUnaligned(fromByteOffset: k &* c, as: SIMD32<UInt8>.self) }
                        let third = column(2)
                        let first2 = SIMD64(lowHalf: column(0), highHalf: column(1)), last2 = SIMD64(lowHalf: third, highHalf: lastColumn == 3 ? column(3) : third)
                        to.storeBytes(of: IntegerSIMD.flipSigns(IntegerSIMD.permuteBytes(first2, quadIndices.0, last2)), as: SIMD64<UInt8>.self)
                        to.storeBytes(of: IntegerSIMD.flipSigns(IntegerSIMD.permuteBytes(first2, quadIndices.1, last2)), toByteOffset: 64,
                                      as: SIMD64<UInt8>.self)
                    } else {
                        store({ at.loadUnaligned(fromByteOffset: $0 &* c, as: SIMD8<Int32>.self) }, to)
                    }
                    to += windowBytes
                    first &+= 32
                }
                if half {
                    let at = x + (c &- 16)
                    storeHalf { at.loadUnaligned(fromByteOffset: $0 &* c, as: SIMD4<Int32>.self) }
                }
            } else {
                // An edge window: each column checked.
                while first < quads {
                    let x = row + (ix0 &* c &+ DepthwiseInt8Constants.quadGroupChannel(first, channels: c))
                    store({ k in ix0 &+ k >= 0 && ix0 &+ k < width ? x.loadUnaligned(fromByteOffset: k &* c, as: SIMD8<Int32>.self) : padding },
                          to)
                    to += windowBytes
                    first &+= 32
                }
                if half {
                    let x = row + (ix0 &* c &+ c &- 16)
                    storeHalf { k in
                        ix0 &+ k >= 0 && ix0 &+ k < width ? x.loadUnaligned(fromByteOffset: k &* c, as: SIMD4<Int32>.self) : padding.lowHalf
                    }
                }
            }
            ix0 &+= step
        }
    }

    /// Output columns `columns` of one output row (from a wide window's
    /// first column; `out` the first's output) from the wide windows
    /// (`wideWindowRowBytes`) of the K input rows from `iy0`, made into the
    /// worker's ring where it does not hold them yet (slot iy mod K holds
    /// input row iy, tagged b · H + iy; one more slot the zero-point row's).
    @inline(never)
    private func wideWindowRows(row iy0: Int, columns: Range<Int>, batch b: Int, input inputBatch: UnsafePointer<Int8>,
                                zero: UnsafePointer<Int8>, scratch base: UnsafeMutableRawPointer, zeroRowMade: inout Bool,
                                _ out: UnsafeMutableRawPointer) {
        let c = p.outputChannels, k = constants.wideWindow, pixels = constants.wideWindowPixels
        // The K rows' windows, their addresses in the tap pointers' room.
        for ky in 0..<k {
            let row = ringRow(iy0 &+ ky, batch: b, rowBytes: wideWindowRowBytes, input: inputBatch, zero: zero, scratch: base,
                              zeroRowMade: &zeroRowMade) { makeWideWindows($0, into: $1) }
            base.storeBytes(of: row, toByteOffset: ky &* 8, as: UnsafeRawPointer.self)
        }
        let stage = quadStage
        let exact = constants.quadExactRequantization.unsafelyUnwrapped
        let filter = UnsafeRawPointer(constants.wideWindowFilter), quads = constants.quadChannels
        // A pixel's sums over one filter row: its two quads of the window (low and high halves each).
        @inline(__always) func add(_ sums: inout WideQuadSums, _ x: (SIMD16<Int32>, SIMD16<Int32>, SIMD16<Int32>, SIMD16<Int32>),
                                   _ w: UnsafeRawPointer) {
            sums.low = IntegerSIMD.dotBytes(sums.low, x.0, w.loadUnaligned(as: SIMD16<Int32>.self))
            sums.high = IntegerSIMD.dotBytes(sums.high, x.1, w.loadUnaligned(fromByteOffset: 64, as: SIMD16<Int32>.self))
            sums.low = IntegerSIMD.dotBytes(sums.low, x.2, w.loadUnaligned(fromByteOffset: 128, as: SIMD16<Int32>.self))
            sums.high = IntegerSIMD.dotBytes(sums.high, x.3, w.loadUnaligned(fromByteOffset: 192, as: SIMD16<Int32>.self))
        }
        @inline(__always) func window(_ ky: Int, _ at: Int) -> (SIMD16<Int32>, SIMD16<Int32>, SIMD16<Int32>, SIMD16<Int32>) {
            let x = base.load(fromByteOffset: ky &* 8, as: UnsafeRawPointer.self) + at
            return (x.loadUnaligned(as: SIMD16<Int32>.self), x.loadUnaligned(fromByteOffset: 64, as: SIMD16<Int32>.self),
                    x.loadUnaligned(fromByteOffset: 128, as: SIMD16<Int32>.self), x.loadUnaligned(fromByteOffset: 192, as: SIMD16<Int32>.self))
        }
        // Group by group, window by window: the window's P pixels from the
        // same loaded vectors, each against its own filter rows.
        let windowBytes = (quads &>> 5) &* 256, filterRow = pixels &* 256, filterGroup = k &* filterRow
        let width = columns.count, firstWindow = (columns.lowerBound / pixels) &* windowBytes
        var first = 0
        while first < quads {
            let w = filter + (first &>> 5) &* filterGroup
            let start = quadSums(first).wide
            let ch = DepthwiseInt8Constants.quadGroupChannel(first, channels: c)
            var at = firstWindow &+ (first &>> 5) &* 256
            var target = out + ch
            var ox = 0
            let stages = (exact.floatStage16(first), exact.floatStage16(first &+ 16))
            while ox < width {
                let left = width &- ox
                if pixels == 4 {
                    var s0 = start, s1 = start, s2 = start, s3 = start
                    for ky in 0..<k {
                        let x = window(ky, at), wr = w + ky &* filterRow
                        add(&s0, x, wr)
                        add(&s1, x, wr + 256)
                        add(&s2, x, wr + 512)
                        add(&s3, x, wr + 768)
                    }
                    Self.storeQuads(s0, s1, slot: first, exact, stages, stage, target, left >= 2 ? target + c : nil)
                    if left >= 3 { Self.storeQuads(s2, s3, slot: first, exact, stages, stage, target + 2 &* c, left >= 4 ? target + 3 &* c : nil) }
                } else {
                    var s0 = start, s1 = start
                    for ky in 0..<k {
                        let x = window(ky, at), wr = w + ky &* filterRow
                        add(&s0, x, wr)
                        add(&s1, x, wr + 256)
                    }
                    Self.storeQuads(s0, s1, slot: first, exact, stages, stage, target, left >= 2 ? target + c : nil)
                }
                at &+= windowBytes
                target += pixels &* c
                ox &+= pixels
            }
            first &+= 32
        }
    }

    /// Input row `source`'s wide windows (`wideWindowRowBytes`) into `target`.
    @inline(never)
    private func makeWideWindows(_ source: UnsafePointer<Int8>, into target: UnsafeMutableRawPointer) {
        let pixels = constants.wideWindowPixels
        makeWindows(source, into: target, windows: (p.geometry.outputWidth &+ pixels &- 1) / pixels, step: pixels, lastColumn: 7)
    }

    /// Four columns' 32 bytes interleaved four to a lane as `addQuad` does,
    /// stored as 128 bytes.
    @inline(__always)
    private static func storeWindow(_ xa: SIMD8<Int32>, _ xb: SIMD8<Int32>, _ xc: SIMD8<Int32>, _ xd: SIMD8<Int32>, _ to: UnsafeMutableRawPointer) {
        let ab0 = IntegerSIMD.interleaveBytesLow(xa, xb), ab1 = IntegerSIMD.interleaveBytesHigh(xa, xb)
        let cd0 = IntegerSIMD.interleaveBytesLow(xc, xd), cd1 = IntegerSIMD.interleaveBytesHigh(xc, xd)
        to.storeBytes(of: IntegerSIMD.interleaveWordsLow(ab0, cd0), as: SIMD8<Int32>.self)
        to.storeBytes(of: IntegerSIMD.interleaveWordsHigh(ab0, cd0), toByteOffset: 32, as: SIMD8<Int32>.self)
        to.storeBytes(of: IntegerSIMD.interleaveWordsLow(ab1, cd1), toByteOffset: 64, as: SIMD8<Int32>.self)
        to.storeBytes(of: IntegerSIMD.interleaveWordsHigh(ab1, cd1), toByteOffset: 96, as: SIMD8<Int32>.self)
    }

    /// Four columns' 16 bytes interleaved four to a lane in channel order
    /// (bytes within 16-byte halves, then words), stored as 64 bytes: the
    /// half group's window (`DepthwiseInt8Constants.halfRequantization`).
    @inline(__always)
    private static func halfWindow(_ xa: SIMD4<Int32>, _ xb: SIMD4<Int32>, _ xc: SIMD4<Int32>, _ xd: SIMD4<Int32>,
                                   _ to: UnsafeMutableRawPointer) {
        @inline(__always) func bytes(_ v: SIMD4<Int32>) -> SIMD16<Int8> { unsafeBitCast(v, to: SIMD16<Int8>.self) }
        @inline(__always) func words(_ v: SIMD16<Int8>) -> SIMD8<Int16> { unsafeBitCast(v, to: SIMD8<Int16>.self) }
        let ab0 = words(IntegerSIMD.interleaveLow(bytes(xa), bytes(xb))), ab1 = words(IntegerSIMD.interleaveHigh(bytes(xa), bytes(xb)))
        let cd0 = words(IntegerSIMD.interleaveLow(bytes(xc), bytes(xd))), cd1 = words(IntegerSIMD.interleaveHigh(bytes(xc), bytes(xd)))
        to.storeBytes(of: IntegerSIMD.interleaveLow(ab0, cd0), as: SIMD8<Int16>.self)
        to.storeBytes(of: IntegerSIMD.interleaveHigh(ab0, cd0), toByteOffset: 16, as: SIMD8<Int16>.self)
        to.storeBytes(of: IntegerSIMD.interleaveLow(ab1, cd1), toByteOffset: 32, as: SIMD8<Int16>.self)
        to.storeBytes(of: IntegerSIMD.interleaveHigh(ab1, cd1), toByteOffset: 48, as: SIMD8<Int16>.self)
    }

    /// Pixels `first`, `first + 2`, … (`pixels` of them, `channels` bytes
    /// each) of the row of `width` pixels at `source` into consecutive
    /// pixels at `target`, 16 bytes a step (the steps of one pixel
    /// overlapping, each pixel's last step overhanging into the next, which
    /// overwrites it; `target` has 16 bytes to spare), byte by byte where a
    /// step would read past the row; a pixel outside the row (in the
    /// padding, `first` may be negative) as `zeroPoint` bytes.
    @inline(__always)
    private static func compact(_ source: UnsafeRawPointer, width: Int, first: Int, pixels: Int, channels c: Int, zeroPoint: UInt8,
                                into target: UnsafeMutableRawPointer) {
        let last = max(c &- 16, 0), readable = width &* c
        @inline(__always) func fill(_ p: Int) {
            var k = 0
            while k < last {
                target.storeBytes(of: SIMD16(repeating: zeroPoint), toByteOffset: p &* c &+ k, as: SIMD16<UInt8>.self)
                k &+= 16
            }
            target.storeBytes(of: SIMD16(repeating: zeroPoint), toByteOffset: p &* c &+ last, as: SIMD16<UInt8>.self)
        }
        // The pixels whose columns are inside the row: first + 2p in 0..<width.
        let insideStart = first >= 0 ? 0 : min((1 &- first) / 2, pixels)
        let insideEnd = max(min(width > first ? (width &- first &+ 1) / 2 : 0, pixels), insideStart)
        var p = 0
        while p < insideStart {
            fill(p)
            p &+= 1
        }
        // Whole steps inside the row (with the padding's and the row end's
        // tests per pixel, compacting was 40% of a 111×111×11 5×5 layer), at
        // most 16 channels in a loop of their own, one step a pixel (one-op
        // 111×111×11 5×5 0.0240 → 0.0230 ms against the general loop below).
        var from = (first &+ 2 &* p) &* c
        if last == 0 {
            while p < insideEnd && from &+ 16 <= readable {
                target.storeBytes(of: source.loadUnaligned(fromByteOffset: from, as: SIMD16<UInt8>.self), toByteOffset: p &* c,
                                  as: SIMD16<UInt8>.self)
                p &+= 1
                from &+= 2 &* c
            }
        }
        while p < insideEnd {
            let to = p &* c
            if from &+ last &+ 16 <= readable {
                var k = 0
                while k < last {
                    target.storeBytes(of: source.loadUnaligned(fromByteOffset: from &+ k, as: SIMD16<UInt8>.self), toByteOffset: to &+ k,
                                      as: SIMD16<UInt8>.self)
                    k &+= 16
                }
                target.storeBytes(of: source.loadUnaligned(fromByteOffset: from &+ last, as: SIMD16<UInt8>.self), toByteOffset: to &+ last,
                                  as: SIMD16<UInt8>.self)
            } else {
                for k in 0..<c { target.storeBytes(of: source.load(fromByteOffset: from &+ k, as: UInt8.self), toByteOffset: to &+ k, as: UInt8.self) }
            }
            p &+= 1
            from &+= 2 &* c
        }
        while p < pixels {
            fill(p)
            p &+= 1
        }
    }

    /// `pixels` consecutive output pixels of a 3×3 filter from the first
    /// one's nine taps' input rows, each next pixel's taps `step` elements on.
    @inline(__always)
    private func pixel3x3<E: QuantizedElement, W: FixedWidthInteger>(
        _ x0: UnsafePointer<E>, _ x1: UnsafePointer<E>, _ x2: UnsafePointer<E>, _ x3: UnsafePointer<E>, _ x4: UnsafePointer<E>,
        _ x5: UnsafePointer<E>, _ x6: UnsafePointer<E>, _ x7: UnsafePointer<E>, _ x8: UnsafePointer<E>,
        _ f: UnsafePointer<W>, _ out: UnsafeMutablePointer<E>, pixels: Int, step: Int
    ) {
        var x0 = x0, x1 = x1, x2 = x2, x3 = x3, x4 = x4, x5 = x5, x6 = x6, x7 = x7, x8 = x8, out = out
        let c = p.outputChannels
        let k = UnsafePointer(constants.table)
        let zp = outputOffset, lo = activationMin, hi = activationMax
        let native = IntegerSIMD.isNative && E.self == Int8.self && W.self == Int8.self
        // Vector paths: sixteen, then eight channels at a time with the vector
        // output stage; the scalar loop does the rest. Their constants are set
        // up once for all `pixels`.
        let tables = constants.scaleTables
        let zpv = SIMD8<Int32>(repeating: zp)
        // The output step's vectors are made here from scalars on purpose:
        // kept in stored properties (and a `static let`) and read once per
        // call, the depthwise nodes of the digit MobileNetV2 ran 10–30%
        // slower (Zen 1, avx2).
        let stage = ChannelRequantization.VectorStage(
            signed: true, zeroPoint: zpv, low: SIMD32(repeating: UInt8(truncatingIfNeeded: lo)),
            high: SIMD32(repeating: UInt8(truncatingIfNeeded: hi)))
        // Sixteen channels per step, two taps per `vpmaddwd` (`DepthwiseInt8Constants.pairedChannels`).
        let paired = constants.pairedChannels
        let pairedFilter = UnsafeRawPointer(constants.pairedFilter), bias = UnsafeRawPointer(k)
        let pairedFilter8 = UnsafeRawPointer(constants.pairedFilter8)
        let quads = constants.quadChannels, quadFilter = UnsafeRawPointer(constants.quadFilter)
        for _ in 0..<pixels {
            let out8 = UnsafeMutableRawPointer(out)
            var first = 0
            if native {
                // 32 channels per step, four taps per `vpdpbusd` (`DepthwiseInt8Constants.quadChannels`).
                while first &+ 32 <= quads {
                    let w = quadFilter + (first &>> 5) &* 384  // 3 tap quads of 128 bytes
                    let ch = DepthwiseInt8Constants.quadGroupChannel(first, channels: c)
                    var sums = quadSums(first)
                    Self.addQuad(x0, x1, x2, x3, w, ch, &sums)
                    Self.addQuad(x4, x5, x6, x7, w + 128, ch, &sums)
                    Self.addTap(x8, w + 256, ch, &sums)
                    storeQuad(sums, slot: first, ch, stage, out8)
                    first &+= 32
                }
                first = min(first, c)
                while first &+ 16 <= paired {
                    let ch = first
                    let w = pairedFilter + (ch &>> 4) &* 320  // 5 tap pairs of 64 bytes
                    var low = SIMD8<Int32>(), high = SIMD8<Int32>()
                    Self.addPair(x0, x1, w, ch, &low, &high)
                    Self.addPair(x2, x3, w + 64, ch, &low, &high)
                    Self.addPair(x4, x5, w + 128, ch, &low, &high)
                    Self.addPair(x6, x7, w + 192, ch, &low, &high)
                    Self.addPair(x8, x8, w + 256, ch, &low, &high)
                    let (sums0, sums1) = Self.pairedSums(low, high, bias: bias, ch)
                    store16(sums0, sums1, ch, stage, out8)
                    first &+= 16
                }
                // Eight channels per step, the last group overlapping (`pairedFilter8`;
                // `lastGroupTables` exist wherever the doubles do not).
                var group = 0
                @inline(__always) func group8(_ ch: Int, _ tables: ChannelRequantization.Tables, _ entry: Int, slot: Int) {
                    let w = pairedFilter8 + group &* 160  // 5 tap pairs of 32 bytes
                    var a = bias.loadUnaligned(fromByteOffset: ch &* 4, as: SIMD8<Int32>.self)
                    Self.addPair8(x0, x1, w, ch, &a)
                    Self.addPair8(x2, x3, w + 32, ch, &a)
                    Self.addPair8(x4, x5, w + 64, ch, &a)
                    Self.addPair8(x6, x7, w + 96, ch, &a)
                    Self.addPair8(x8, x8, w + 128, ch, &a)
                    storeGroup8(a, tables, entry, slot: slot, out8 + ch)
                    group &+= 1
                }
                while first &+ 8 <= c { group8(first, tables, first, slot: first); first &+= 8 }
                if first < c && c >= 8 { group8(c &- 8, constants.lastGroupTables ?? tables, 0, slot: c); first = c }
            }
            for ch in first..<c {
                var a = k[ch]
                a &+= Int32(truncatingIfNeeded: x0[ch]) &* Int32(truncatingIfNeeded: f[ch])
                a &+= Int32(truncatingIfNeeded: x1[ch]) &* Int32(truncatingIfNeeded: f[c &+ ch])
                a &+= Int32(truncatingIfNeeded: x2[ch]) &* Int32(truncatingIfNeeded: f[2 &* c &+ ch])
                a &+= Int32(truncatingIfNeeded: x3[ch]) &* Int32(truncatingIfNeeded: f[3 &* c &+ ch])
                a &+= Int32(truncatingIfNeeded: x4[ch]) &* Int32(truncatingIfNeeded: f[4 &* c &+ ch])
                a &+= Int32(truncatingIfNeeded: x5[ch]) &* Int32(truncatingIfNeeded: f[5 &* c &+ ch])
                a &+= Int32(truncatingIfNeeded: x6[ch]) &* Int32(truncatingIfNeeded: f[6 &* c &+ ch])
                a &+= Int32(truncatingIfNeeded: x7[ch]) &* Int32(truncatingIfNeeded: f[7 &* c &+ ch])
                a &+= Int32(truncatingIfNeeded: x8[ch]) &* Int32(truncatingIfNeeded: f[8 &* c &+ ch])
                let v = DepthwiseInt8Constants.requantize(a, k[c &+ ch], k[2 &* c &+ ch], k[3 &* c &+ ch]) &+ zp
                out[ch] = E(truncatingIfNeeded: min(max(v, lo), hi))
            }
            x0 += step; x1 += step; x2 += step; x3 += step; x4 += step; x5 += step; x6 += step; x7 += step; x8 += step
            out += c
        }
    }

    /// `pairs` pairs of consecutive output pixels of a 3×3 filter with
    /// sixteen channels (`DepthwiseInt8Constants.pixelPairQuads`), from the
    /// first pixel's nine taps' inputs, each next pixel's `step` elements on:
    /// each tap's 16 bytes of both pixels in one 32-byte vector (one load
    /// where the pixels' inputs are adjacent, stride 1), four taps per
    /// `vpdpbusd` as for 32 channels, the 32 output bytes the two pixels'.
    @inline(__always)
    private func pixelPairs3x3<E: QuantizedElement>(
        _ x0: UnsafePointer<E>, _ x1: UnsafePointer<E>, _ x2: UnsafePointer<E>, _ x3: UnsafePointer<E>, _ x4: UnsafePointer<E>,
        _ x5: UnsafePointer<E>, _ x6: UnsafePointer<E>, _ x7: UnsafePointer<E>, _ x8: UnsafePointer<E>,
        _ out: UnsafeMutablePointer<E>, pairs: Int, step: Int
    ) {
        let stage = quadStage
        let w = UnsafeRawPointer(constants.quadFilter)
        @inline(__always) func run(adjacent: Bool) {
            var x0 = UnsafeRawPointer(x0), x1 = UnsafeRawPointer(x1), x2 = UnsafeRawPointer(x2)
            var x3 = UnsafeRawPointer(x3), x4 = UnsafeRawPointer(x4), x5 = UnsafeRawPointer(x5)
            var x6 = UnsafeRawPointer(x6), x7 = UnsafeRawPointer(x7), x8 = UnsafeRawPointer(x8)
            var out = UnsafeMutableRawPointer(out)
            // Both pixels' 16 bytes of one tap, as unsigned `x + 128`.
            @inline(__always) func bytes(_ p: UnsafeRawPointer) -> SIMD8<Int32> {
                let v = adjacent ? p.loadUnaligned(as: SIMD8<Int32>.self)
                    : unsafeBitCast(SIMD32<UInt8>(lowHalf: p.loadUnaligned(as: SIMD16<UInt8>.self),
                                                  highHalf: p.loadUnaligned(fromByteOffset: step, as: SIMD16<UInt8>.self)),
                                    to: SIMD8<Int32>.self)
                return v ^ SIMD8(repeating: Int32(bitPattern: 0x8080_8080))
            }
            let pairStep = 2 &* step
            for _ in 0..<pairs {
                var sums = quadSums(0)
                Self.addQuad(bytes(x0), bytes(x1), bytes(x2), bytes(x3), w, &sums)
                Self.addQuad(bytes(x4), bytes(x5), bytes(x6), bytes(x7), w + 128, &sums)
                Self.addTap(bytes(x8), w + 256, &sums)
                storeQuad(sums, slot: 0, 0, stage, out)
                x0 += pairStep; x1 += pairStep; x2 += pairStep; x3 += pairStep; x4 += pairStep
                x5 += pairStep; x6 += pairStep; x7 += pairStep; x8 += pairStep
                out += 32
            }
        }
        if step == 16 { run(adjacent: true) } else { run(adjacent: false) }
    }

    /// `length` (at least 32) consecutive outputs of a row's interior pixels
    /// at stride 1 (`DepthwiseInt8Constants.runPhases`), from the first
    /// pixel's taps' inputs `x`: 32 per step, the last step overlapping its
    /// predecessor, each a quad group of its block's phase (four taps per
    /// `vpdpbusd` as `vectorChannels`' groups, the missing taps of the last
    /// four at weight 0).
    @inline(__always)
    private func runRows<E: QuantizedElement>(_ x: UnsafePointer<UnsafePointer<E>>, length: Int, _ out: UnsafeMutablePointer<E>) {
        let taps = self.taps
        if taps == 9 {
            // 3×3: the nine pointers in registers, not reloaded per block.
            let x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5], x6 = x[6], x7 = x[7], x8 = x[8]
            runBlocks(length: length, out) { at, w, sums in
                Self.addQuad(x0, x1, x2, x3, w, at, &sums)
                Self.addQuad(x4, x5, x6, x7, w + 128, at, &sums)
                Self.addTap(x8, w + 256, at, &sums)
            }
            return
        }
        let last = taps &- 1
        runBlocks(length: length, out) { at, w, sums in
            var w = w
            var t = 0
            while t &+ 1 < taps {
                Self.addQuad(x[t], x[t &+ 1], x[min(t &+ 2, last)], x[min(t &+ 3, last)], w, at, &sums)
                w += 128
                t &+= 4
            }
            if t < taps { Self.addTap(x[t], w, at, &sums) }
        }
    }

    /// `runRows`' blocks: for each, its offset `at` in the run, its phase's
    /// weights and starting sums; `taps` adds the products.
    @inline(__always)
    private func runBlocks<E: QuantizedElement>(length: Int, _ out: UnsafeMutablePointer<E>,
                                                _ taps: (_ at: Int, _ w: UnsafeRawPointer, _ sums: inout QuadSums) -> Void) {
        let c = p.outputChannels, tapQuads = constants.tapQuads
        let stepShift = constants.runPhaseStep.trailingZeroBitCount
        let exact = constants.runRequantization.unsafelyUnwrapped
        let stage = quadStage
        let filter = UnsafeRawPointer(constants.runFilter), bias = UnsafeRawPointer(constants.runBias)
        let target = UnsafeMutableRawPointer(out)
        let advance = 32 % c
        var next = 0
        // `next` modulo the channels.
        var phase = 0
        while next < length {
            let at = min(next, length &- 32)
            let k = (at == next ? phase : at % c) &>> stepShift
            let b = bias + k &* 128
            var sums = QuadSums(s0: b.loadUnaligned(as: SIMD8<Int32>.self), s1: b.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int32>.self),
                                s2: b.loadUnaligned(fromByteOffset: 64, as: SIMD8<Int32>.self),
                                s3: b.loadUnaligned(fromByteOffset: 96, as: SIMD8<Int32>.self))
            taps(at, filter + k &* tapQuads &* 128, &sums)
            Self.storeQuad(sums.wide, slot: k &* 32, exact, stage, target + at)
            next = at &+ 32
            phase &+= advance
            if phase >= c { phase &-= c }
        }
    }

    /// One output pixel, any filter size, its taps' inputs `shift` elements
    /// after `x`'s pointers: in the integer flavours (int8)
    /// sixteen, then eight channels per step with two taps per `vpmaddwd`
    /// like `pixel3x3`'s, each group through the vector output stage
    /// (`vectorChannels`); the rest accumulate tap by tap in `acc`.
    /// (EfficientNet's 5×5 layers ran the scalar loops.)
    @inline(__always)
    private func pixel<E: QuantizedElement, W: FixedWidthInteger>(
        _ x: UnsafePointer<UnsafePointer<E>>, _ shift: Int, _ filter: UnsafePointer<W>, _ acc: UnsafeMutablePointer<Int32>,
        _ out: UnsafeMutablePointer<E>
    ) {
        let c = p.outputChannels
        let k = UnsafePointer(constants.table)
        var first = 0
        if IntegerSIMD.isNative && E.self == Int8.self && W.self == Int8.self {
            first = vectorChannels(x, shift, out)
        }
        guard first < c else { return }
        let bias = k + constants.biasOffset
        for ch in first..<c { acc[ch] = bias[ch] }
        var w = filter
        for t in 0..<taps {
            let xt = x[t] + shift
            for ch in first..<c { acc[ch] &+= Int32(truncatingIfNeeded: xt[ch]) &* Int32(truncatingIfNeeded: w[ch]) }
            w += c
        }
        let m = k + constants.multiplierOffset, ls = k + constants.leftShiftOffset, rs = k + constants.rightShiftOffset
        let zp = outputOffset, lo = activationMin, hi = activationMax
        for ch in first..<c {
            let v = DepthwiseInt8Constants.requantize(acc[ch], m[ch], ls[ch], rs[ch]) &+ zp
            out[ch] = E(truncatingIfNeeded: min(max(v, lo), hi))
        }
    }

    /// `pixel`'s vector part: the paired channels sixteen at a time, then
    /// whole groups of eight, both two taps per `vpmaddwd` (`addPair`,
    /// `addPair8`) and through the vector output stage, the last group
    /// overlapping its predecessor when the channels are not a multiple of
    /// eight (NASNet's 11 and 22 channels ran the scalar loop at 2 GFLOP/s).
    /// The taps' inputs are `shift` elements after `x`'s pointers.
    /// Returns the first channel it left to the scalar loop.
    @inline(__always)
    private func vectorChannels<E: QuantizedElement>(_ x: UnsafePointer<UnsafePointer<E>>, _ shift: Int,
                                                     _ out: UnsafeMutablePointer<E>) -> Int {
        let c = p.outputChannels, taps = self.taps
        let out8 = UnsafeMutableRawPointer(out)
        let zp = outputOffset, lo = activationMin, hi = activationMax
        let zpv = SIMD8<Int32>(repeating: zp)
        let stage = ChannelRequantization.VectorStage(
            signed: true, zeroPoint: zpv, low: SIMD32(repeating: UInt8(truncatingIfNeeded: lo)),
            high: SIMD32(repeating: UInt8(truncatingIfNeeded: hi)))
        let paired = constants.pairedChannels, pairs = constants.tapPairs
        let bias = UnsafeRawPointer(constants.table)
        var first = 0
        let quads = constants.quadChannels, tapQuads = constants.tapQuads
        while first &+ 32 <= quads {
            var w = UnsafeRawPointer(constants.quadFilter) + (first &>> 5) &* tapQuads &* 128
            let ch = DepthwiseInt8Constants.quadGroupChannel(first, channels: c)
            var sums = quadSums(first)
            var t = 0
            while t &+ 1 < taps {
                // Missing taps of the last four read the last tap again, at weight 0.
                let last = taps &- 1
                Self.addQuad(x[t], x[t &+ 1], x[min(t &+ 2, last)], x[min(t &+ 3, last)], w, ch &+ shift, &sums)
                w += 128
                t &+= 4
            }
            if t < taps { Self.addTap(x[t], w, ch &+ shift, &sums) }
            storeQuad(sums, slot: first, ch, stage, out8)
            first &+= 32
        }
        first = min(first, c)
        while first &+ 16 <= paired {
            var w = UnsafeRawPointer(constants.pairedFilter) + (first &>> 4) &* pairs &* 64
            var low = SIMD8<Int32>(), high = SIMD8<Int32>()
            var t = 0
            while t < taps {
                // A last odd tap pairs with itself at weight 0 (`DepthwiseInt8Constants.tapPairs`).
                Self.addPair(x[t], x[t &+ 1 < taps ? t &+ 1 : t], w, first &+ shift, &low, &high)
                w += 64
                t &+= 2
            }
            let (sums0, sums1) = Self.pairedSums(low, high, bias: bias, first)
            store16(sums0, sums1, first, stage, out8)
            first &+= 16
        }
        var group = 0
        @inline(__always) func group8(_ ch: Int, _ tables: ChannelRequantization.Tables, _ entry: Int, slot: Int) {
            var w = UnsafeRawPointer(constants.pairedFilter8) + group &* pairs &* 32
            var a = bias.loadUnaligned(fromByteOffset: ch &* 4, as: SIMD8<Int32>.self)
            var t = 0
            while t < taps {
                Self.addPair8(x[t], x[t &+ 1 < taps ? t &+ 1 : t], w, ch &+ shift, &a)
                w += 32
                t &+= 2
            }
            storeGroup8(a, tables, entry, slot: slot, out8 + ch)
            group &+= 1
        }
        while first &+ 8 <= c { group8(first, constants.scaleTables, first, slot: first); first &+= 8 }
        if first < c && c >= 8 { group8(c &- 8, constants.lastGroupTables ?? constants.scaleTables, 0, slot: c); first = c }
        return first
    }

    /// The four accumulators of a 32-channel quad group (`DepthwiseInt8Constants.quadChannels`).
    struct QuadSums {
        var s0: SIMD8<Int32>, s1: SIMD8<Int32>, s2: SIMD8<Int32>, s3: SIMD8<Int32>
        /// The same lanes as two 16-lane vectors.
        var wide: WideQuadSums { WideQuadSums(low: SIMD16(lowHalf: s0, highHalf: s1), high: SIMD16(lowHalf: s2, highHalf: s3)) }
    }

    /// A quad group's accumulators as two 16-lane vectors (lanes 0–15, the
    /// `QuadSums`' s0 and s1, and 16–31): `tripleRows`' `vpdpbusd` zmm, and
    /// the output stage.
    struct WideQuadSums {
        var low: SIMD16<Int32>, high: SIMD16<Int32>
    }

    /// The starting sums of the quad group at lane `slot` (`DepthwiseInt8Constants.quadBias`).
    @inline(__always)
    private func quadSums(_ slot: Int) -> QuadSums {
        let b = UnsafeRawPointer(constants.quadBias + slot)
        return QuadSums(s0: b.loadUnaligned(as: SIMD8<Int32>.self), s1: b.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int32>.self),
                        s2: b.loadUnaligned(fromByteOffset: 64, as: SIMD8<Int32>.self),
                        s3: b.loadUnaligned(fromByteOffset: 96, as: SIMD8<Int32>.self))
    }

    /// 32 input bytes at `p` as unsigned `x + 128` (the sign bit flipped).
    @inline(__always)
    private static func unsignedBytes<E: QuantizedElement>(_ p: UnsafePointer<E>, _ ch: Int) -> SIMD8<Int32> {
        UnsafeRawPointer(p + ch).loadUnaligned(as: SIMD8<Int32>.self) ^ SIMD8(repeating: Int32(bitPattern: 0x8080_8080))
    }

    /// Adds four taps' products for channels ch..<ch+32: the taps' bytes
    /// interleaved four to a lane in the quad lanes' order, one `vpdpbusd`
    /// per accumulator with the taps' weights `w` (128 bytes).
    @inline(__always)
    private static func addQuad<E: QuantizedElement>(_ a: UnsafePointer<E>, _ b: UnsafePointer<E>, _ c: UnsafePointer<E>,
                                                      _ d: UnsafePointer<E>, _ w: UnsafeRawPointer, _ ch: Int, _ sums: inout QuadSums) {
        addQuad(unsignedBytes(a, ch), unsignedBytes(b, ch), unsignedBytes(c, ch), unsignedBytes(d, ch), w, &sums)
    }

    /// `addQuad` on the four taps' 32 unsigned bytes (`unsignedBytes`).
    @inline(__always)
    private static func addQuad(_ xa: SIMD8<Int32>, _ xb: SIMD8<Int32>, _ xc: SIMD8<Int32>, _ xd: SIMD8<Int32>,
                                _ w: UnsafeRawPointer, _ sums: inout QuadSums) {
        // Byte pairs (a, b) and (c, d) of channels [0–7 | 16–23] and [8–15 | 24–31] …
        let ab0 = IntegerSIMD.interleaveBytesLow(xa, xb), ab1 = IntegerSIMD.interleaveBytesHigh(xa, xb)
        let cd0 = IntegerSIMD.interleaveBytesLow(xc, xd), cd1 = IntegerSIMD.interleaveBytesHigh(xc, xd)
        // … then the pairs interleaved: four taps per Int32 lane.
        sums.s0 = IntegerSIMD.dotBytes(sums.s0, IntegerSIMD.interleaveWordsLow(ab0, cd0), w.loadUnaligned(as: SIMD8<Int32>.self))
        sums.s1 = IntegerSIMD.dotBytes(sums.s1, IntegerSIMD.interleaveWordsHigh(ab0, cd0),
                                       w.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int32>.self))
        sums.s2 = IntegerSIMD.dotBytes(sums.s2, IntegerSIMD.interleaveWordsLow(ab1, cd1),
                                       w.loadUnaligned(fromByteOffset: 64, as: SIMD8<Int32>.self))
        sums.s3 = IntegerSIMD.dotBytes(sums.s3, IntegerSIMD.interleaveWordsHigh(ab1, cd1),
                                       w.loadUnaligned(fromByteOffset: 96, as: SIMD8<Int32>.self))
    }

    /// Adds one tap's products for channels ch..<ch+32 (a last group of four
    /// with one tap): each channel's byte repeated in its lane (`vpshufb`),
    /// against weights that are zero but for the lane's first byte.
    @inline(__always)
    private static func addTap<E: QuantizedElement>(_ a: UnsafePointer<E>, _ w: UnsafeRawPointer, _ ch: Int, _ sums: inout QuadSums) {
        addTap(unsignedBytes(a, ch), w, &sums)
    }

    /// `addTap` on the tap's 32 unsigned bytes (`unsignedBytes`).
    @inline(__always)
    private static func addTap(_ bytes: SIMD8<Int32>, _ w: UnsafeRawPointer, _ sums: inout QuadSums) {
        let x = unsafeBitCast(bytes, to: SIMD32<UInt8>.self)
        @inline(__always) func repeated(_ j: UInt8) -> SIMD8<Int32> {
            // Lane l of each half: byte 4j + l four times.
            let first = SIMD8<Int32>(repeating: Int32(bitPattern: 0x0404_0404 &* UInt32(j)))
                &+ SIMD8(0, 0x0101_0101, 0x0202_0202, 0x0303_0303, 0, 0x0101_0101, 0x0202_0202, 0x0303_0303)
            return unsafeBitCast(IntegerSIMD.shuffleBytesInHalves(x, unsafeBitCast(first, to: SIMD32<UInt8>.self)), to: SIMD8<Int32>.self)
        }
        sums.s0 = IntegerSIMD.dotBytes(sums.s0, repeated(0), w.loadUnaligned(as: SIMD8<Int32>.self))
        sums.s1 = IntegerSIMD.dotBytes(sums.s1, repeated(1), w.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int32>.self))
        sums.s2 = IntegerSIMD.dotBytes(sums.s2, repeated(2), w.loadUnaligned(fromByteOffset: 64, as: SIMD8<Int32>.self))
        sums.s3 = IntegerSIMD.dotBytes(sums.s3, repeated(3), w.loadUnaligned(fromByteOffset: 96, as: SIMD8<Int32>.self))
    }

    /// The quad group at lane `slot`'s sums through its exact output stage,
    /// stored as the 32 bytes at `out + ch`.
    @inline(__always)
    private func storeQuad(_ sums: QuadSums, slot: Int, _ ch: Int, _ stage: ChannelRequantization.VectorStage, _ out: UnsafeMutableRawPointer) {
        Self.storeQuad(sums.wide, slot: slot, constants.quadExactRequantization.unsafelyUnwrapped, stage, out + ch)
    }

    /// A quad group's sums through slots `slot..<slot+32` of `exact`, stored
    /// as the 32 bytes at `target`.
    @inline(__always)
    private static func storeQuad(_ sums: WideQuadSums, slot: Int, _ exact: ExactDoubleRequantization,
                                  _ stage: ChannelRequantization.VectorStage, _ target: UnsafeMutableRawPointer) {
        let words = quadWords(sums, slot: slot, exact)
        target.storeBytes(of: IntegerSIMD.halves(quadBytes(words, words, stage)).0, as: SIMD32<UInt8>.self)
    }

    /// `storeQuad` for two pixels' sums of the same slots (`second` nil:
    /// `a` alone), both computed before either is stored, with the float
    /// stages of the group's two halves (`ExactDoubleRequantization.floatStage16`)
    /// loaded by the caller once for a row: read here, every pixel read
    /// them again after the last one's stores, which could alias them.
    @inline(__always)
    private static func storeQuads(_ a: WideQuadSums, _ b: WideQuadSums, slot: Int, _ exact: ExactDoubleRequantization,
                                   _ stages: (ExactDoubleRequantization.FloatStage16, ExactDoubleRequantization.FloatStage16),
                                   _ stage: ChannelRequantization.VectorStage, _ first: UnsafeMutableRawPointer,
                                   _ second: UnsafeMutableRawPointer?) {
        @inline(__always) func words(_ sums: WideQuadSums) -> SIMD32<Int16> {
            IntegerSIMD.packSaturating(exact.scale16(sums.low, stages.0, slot), exact.scale16(sums.high, stages.1, slot &+ 16))
        }
        let first16 = words(a), second16 = second == nil ? first16 : words(b)
        let bytes = IntegerSIMD.halves(quadBytes(first16, second16, stage))
        first.storeBytes(of: bytes.0, as: SIMD32<UInt8>.self)
        second?.storeBytes(of: bytes.1, as: SIMD32<UInt8>.self)
    }

    /// The half group's sums of two pixels (`DepthwiseInt8Constants.halfRequantization`,
    /// lanes in channel order) through its output stage, stored as the 16
    /// bytes at `first` and at `second` (none where nil).
    @inline(__always)
    private static func storeHalves(_ a: SIMD16<Int32>, _ b: SIMD16<Int32>, _ exact: ExactDoubleRequantization,
                                    _ floats: ExactDoubleRequantization.FloatStage16, _ stage: ChannelRequantization.VectorStage,
                                    _ first: UnsafeMutableRawPointer, _ second: UnsafeMutableRawPointer?) {
        // Per 128-bit lane k, words a4k…a4k+3 then b4k…b4k+3; packed to bytes
        // twice, four-byte run 4k + 0 is a's lanes 4k…4k+3 and 4k + 1 b's.
        let words = IntegerSIMD.packSaturating(exact.scale16(a, floats, 0), exact.scale16(b, floats, 0))
        let order = ChannelRequantization.VectorStage.vectorOrder
        let bytes = IntegerSIMD.halves(stage.offsetBytes(words, words, order: order)).0
        first.storeBytes(of: bytes.lowHalf, as: SIMD16<UInt8>.self)
        second?.storeBytes(of: bytes.highHalf, as: SIMD16<UInt8>.self)
    }

    /// A quad group's sums through slots `slot..<slot+32` of `exact`,
    /// saturated to Int16 (`vpackssdw` zmm): per 128-bit lane k, lanes
    /// 4k…4k+3 of `sums.low` then of `sums.high`. The quad groups' tables
    /// add 128 + the output offset (`DepthwiseInt8Constants.quadExactRequantization`),
    /// so the output bytes plus 128 are these words saturated to 0…255.
    @inline(__always)
    private static func quadWords(_ sums: WideQuadSums, slot: Int, _ exact: ExactDoubleRequantization) -> SIMD32<Int16> {
        IntegerSIMD.packSaturating(exact.scale16(sums.low, slot), exact.scale16(sums.high, slot &+ 16))
    }

    /// Two quad groups' words (`quadWords`) as output bytes in channel
    /// order (`VectorStage.offsetBytes`; see `quadChannel`): the first
    /// group's 32 bytes then the second's.
    @inline(__always)
    private static func quadBytes(_ a: SIMD32<Int16>, _ b: SIMD32<Int16>, _ stage: ChannelRequantization.VectorStage) -> SIMD64<UInt8> {
        // Four-byte run d = 4k + i of the packed bytes holds lanes 4k…4k+3
        // of the first group's low (i = 0) and high (i = 1) sums, or of the
        // second's (i = 2, 3); channel order (`quadChannel`) is low 0–3,
        // low 8–11, high 0–3, high 8–11, then lanes 4–7 and 12–15 alike.
        stage.offsetBytes(a, b, order: SIMD16<Int32>(0, 8, 1, 9, 4, 12, 5, 13, 2, 10, 3, 11, 6, 14, 7, 15))
    }

    /// Adds taps `a` and `b`'s products for channels ch..<ch+16: their input
    /// bytes widened to Int16 and interleaved within each 16-byte half, one
    /// `vpmaddwd` per eight channels with the pair's weights `w`
    /// (`DepthwiseInt8Constants.pairedFilter`): `low` sums channels ch+0…3,
    /// ch+8…11, `high` ch+4…7, ch+12…15 (`pairedSums` puts them in order).
    /// (Interleaving the bytes first and widening each half took two more
    /// instructions a pair. One-op int8, medians of eight alternating
    /// rounds' minima, Zen 3 `avx2`: 10 × 10 × 1024 3×3 0.0734 → 0.0661 ms,
    /// 28 × 28 × 240 3×3 stride 2 0.0337 → 0.0302.)
    @inline(__always)
    private static func addPair<E: QuantizedElement>(_ a: UnsafePointer<E>, _ b: UnsafePointer<E>, _ w: UnsafeRawPointer, _ ch: Int,
                                                      _ low: inout SIMD8<Int32>, _ high: inout SIMD8<Int32>) {
        @inline(__always) func widened(_ x: UnsafePointer<E>) -> SIMD8<Int32> {
            unsafeBitCast(IntegerSIMD.widen(UnsafeRawPointer(x + ch).loadUnaligned(as: SIMD16<Int8>.self)), to: SIMD8<Int32>.self)
        }
        let xa = widened(a), xb = widened(b)
        let pairs0 = unsafeBitCast(IntegerSIMD.interleaveWordsLow(xa, xb), to: SIMD16<Int16>.self)
        let pairs1 = unsafeBitCast(IntegerSIMD.interleaveWordsHigh(xa, xb), to: SIMD16<Int16>.self)
        low &+= IntegerSIMD.multiplyAddPairs(pairs0, w.loadUnaligned(as: SIMD16<Int16>.self))
        high &+= IntegerSIMD.multiplyAddPairs(pairs1, w.loadUnaligned(fromByteOffset: 32, as: SIMD16<Int16>.self))
    }

    /// `addPair`'s sums of channels ch..<ch+16 in order (ch..<ch+8, then
    /// the next eight), plus their biases.
    @inline(__always)
    private static func pairedSums(_ low: SIMD8<Int32>, _ high: SIMD8<Int32>, bias: UnsafeRawPointer, _ ch: Int)
        -> (SIMD8<Int32>, SIMD8<Int32>) {
        let (first, second) = IntegerSIMD.swapHalves(low, high)
        return (first &+ bias.loadUnaligned(fromByteOffset: ch &* 4, as: SIMD8<Int32>.self),
                second &+ bias.loadUnaligned(fromByteOffset: ch &* 4 &+ 32, as: SIMD8<Int32>.self))
    }

    /// `addPair` for the eight channels ch..<ch+8 (`DepthwiseInt8Constants.pairedFilter8`).
    @inline(__always)
    private static func addPair8<E: QuantizedElement>(_ a: UnsafePointer<E>, _ b: UnsafePointer<E>, _ w: UnsafeRawPointer, _ ch: Int,
                                                       _ acc: inout SIMD8<Int32>) {
        let xa = UnsafeRawPointer(a + ch).loadUnaligned(as: SIMD8<Int8>.self)
        let xb = UnsafeRawPointer(b + ch).loadUnaligned(as: SIMD8<Int8>.self)
        acc &+= IntegerSIMD.multiplyAddPairs(IntegerSIMD.widen(IntegerSIMD.interleave(xa, xb)), w.loadUnaligned(as: SIMD16<Int16>.self))
    }

    /// Sixteen channels' accumulators (`low`: ch..<ch+8, `high`: the next
    /// eight) through the output stage, stored as 16 bytes at `out + ch`.
    @inline(__always)
    private func store16(_ low: SIMD8<Int32>, _ high: SIMD8<Int32>, _ ch: Int, _ stage: ChannelRequantization.VectorStage,
                         _ out: UnsafeMutableRawPointer) {
        let bytes: SIMD16<UInt8>
        if let exact = constants.exactRequantization {
            let v = exact.scale16(SIMD16(lowHalf: low, highHalf: high), ch)
            bytes = ChannelRequantization.Tables.bytes(v.lowHalf &+ exact.zeroPoint(stage), v.highHalf &+ exact.zeroPoint(stage), stage)
        } else {
            bytes = constants.scaleTables.requantize16(low, high, ch, stage)
        }
        out.storeBytes(of: bytes, toByteOffset: ch, as: SIMD16<UInt8>.self)
    }

    /// Eight channels' accumulators through the output stage (the exact
    /// doubles' slot `slot` when there are, else `tables`' entry), clamped,
    /// stored as eight bytes.
    @inline(__always)
    private func storeGroup8(_ acc: SIMD8<Int32>, _ tables: ChannelRequantization.Tables, _ entry: Int, slot: Int,
                             _ out: UnsafeMutableRawPointer) {
        let lov = SIMD8<Int32>(repeating: activationMin), hiv = SIMD8<Int32>(repeating: activationMax)
        var v = if let exact = constants.exactRequantization {
            exact.scale8(acc, slot) &+ SIMD8(repeating: outputOffset &- ExactDoubleRequantization.offset)
        } else {
            tables.scale8(acc, entry) &+ SIMD8(repeating: outputOffset)
        }
        v.replace(with: lov, where: v .< lov)
        v.replace(with: hiv, where: v .> hiv)
        out.storeBytes(of: IntegerSIMD.truncate(v), as: SIMD8<UInt8>.self)
    }
}
