import Foundation
import XCTest
@testable import TFLiteEngine

/// The fast int8/uint8 depthwise kernel (`DepthwiseConv2DInt8Vectorized`) against the
/// reference integer kernel on randomized single-op models: bit-identical
/// bytes for odd channel counts, 3×3 and other filter sizes, strides,
/// dilations, both paddings, every activation, with and without bias, per
/// channel and per tensor scales, random zero points; and bit-identical
/// again when its tiles run one at a time in reverse order.
extension QuantizedKernelTests {
    func testDepthwiseMatchesReferenceBitExact() throws {
        var rng = TestRandom(seed: 21)
        for i in 0..<70 {
            let is3x3 = i % 3 != 2
            let kh = is3x3 ? 3 : rng.int(1...5), kw = is3x3 ? 3 : rng.int(1...5)
            let s = rng.int(1...2)
            let stride = i % 5 == 4 ? (rng.int(1...3), rng.int(1...3)) : (s, s)
            let dilation = rng.int(0...4) == 0 ? (rng.int(1...2), rng.int(1...3)) : (1, 1)
            // Depth multipliers > 1 stay on the reference kernel.
            let multiplier = i % 10 == 9 ? rng.int(2...3) : 1
            let signed = i % 4 != 3
            let padding = rng.int(0...1)
            let h = rng.int(((kh - 1) * dilation.0 + 1)...13), w = rng.int(((kw - 1) * dilation.1 + 1)...13)
            // 24 and 40: tap-paired groups of 16 then 8 channels on the eight-channel
            // path; 22, 33, 100: an overlapping last group of eight.
            let cin = [1, 3, 8, 11, 16, 17, 22, 24, 32, 33, 40, 48, 100][rng.int(0...12)]
            let cout = cin * multiplier
            let activation = Int8(rng.int(0...3))
            let spec = QuantizedModelSpec.weighted(
                op: 4, optionsType: 2, input: [rng.int(1...2), h, w, cin], filter: [1, kh, kw, cout],
                channelAxis: 3, perChannel: signed && i % 4 != 1, signed: signed, hasBias: i % 5 != 3,
                // Weights at ±127 give the tap pairs' largest sums; weights at −128 come with the
                // full range (odd i).
                filterValues: signed && i % 2 == 0 ? (i % 8 == 0 ? [-127, 127, -127, 126, 0] : Array(-127...127)) : nil,
                // Biases 2^12 times larger, and the output scale with them: accumulators too large
                // for the exact doubles (`ExactDoubleRequantization.make`), so the tables' output stage runs.
                biasMultiplier: i % 6 == 5 ? 4096 : 1,
                options: [(4, .i8(Int8(padding))), (6, .i32(Int32(stride.1))), (8, .i32(Int32(stride.0))),
                          (10, .i32(Int32(multiplier))), (12, .i8(activation)),
                          (14, .i32(Int32(dilation.1))), (16, .i32(Int32(dilation.0)))],
                rng: &rng)
            let fast = multiplier == 1
            try compare(spec, name: "depthwise #\(i) \(h)×\(w)×\(cin) k \(kh)×\(kw) m \(multiplier) s \(stride) d \(dilation) pad \(padding) act \(activation) \(signed ? "int8" : "uint8")",
                        expectFast: fast ? DepthwiseConv2DInt8Vectorized.self : ConvolutionQuantizedReference.self) { ctx in
                let input = try ctx.input(0)
                let g = try ConvGeometry(
                    ctx: ctx, inputShape: input.shape, filterHeight: kh, filterWidth: kw,
                    strideHeight: stride.0, strideWidth: stride.1, dilationHeight: dilation.0, dilationWidth: dilation.1,
                    padding: Padding(rawValue: Int8(padding))!)
                let p = DepthwiseConv2D.Parameters(geometry: g, inputChannels: cin, outputChannels: cout,
                                                   depthMultiplier: multiplier, activation: FusedActivation(rawValue: activation)!)
                let q = try ConvolutionQuantization(
                    ctx: ctx, input: input, filter: ctx.input(1), bias: ctx.optionalInput(2), output: ctx.output(0),
                    channelAxis: 3, channels: cout, activation: p.activation)
                return signed ? ConvolutionQuantizedReference(Int8.self, ctx: ctx, p, q) : ConvolutionQuantizedReference(UInt8.self, ctx: ctx, p, q)
            }
        }
        // Saturated outputs (every byte −128 or 127) would hide arithmetic errors.
        requireMostlyInformative(70)
    }

    /// A grouped CONV_2D with one input and one output channel per group
    /// (filter [C, KH, KW, 1], per-channel scales on axis 0: ConvNeXt's 7×7
    /// layers as the converter writes them) runs on the depthwise kernel,
    /// bit-identical to the reference convolution.
    func testGroupedConvolutionOneChannelPerGroupMatchesReferenceBitExact() throws {
        var rng = TestRandom(seed: 29)
        for i in 0..<24 {
            let k = [3, 5, 7][i % 3]
            let s = rng.int(1...2)
            let dilation = i % 6 == 5 ? 2 : 1
            let padding = rng.int(0...1)
            let signed = i % 4 != 3
            let c = [2, 5, 16, 24, 33][rng.int(0...4)]
            let h = rng.int(((k - 1) * dilation + 1)...14), w = rng.int(((k - 1) * dilation + 1)...14)
            let activation = Int8(rng.int(0...3))
            let spec = QuantizedModelSpec.weighted(
                op: 3, optionsType: 1, input: [rng.int(1...2), h, w, c], filter: [c, k, k, 1],
                channelAxis: 0, perChannel: signed && i % 3 != 1, signed: signed, hasBias: i % 5 != 4,
                filterValues: signed && i % 2 == 0 ? Array(-127...127) : nil,
                options: [(4, .i8(Int8(padding))), (6, .i32(Int32(s))), (8, .i32(Int32(s))),
                          (10, .i8(activation)), (12, .i32(Int32(dilation))), (14, .i32(Int32(dilation)))],
                rng: &rng)
            try compare(spec, name: "grouped conv #\(i) \(h)×\(w)×\(c) k \(k) s \(s) d \(dilation) pad \(padding) act \(activation) \(signed ? "int8" : "uint8")",
                        expectFast: DepthwiseConv2DInt8Vectorized.self) { ctx in
                let input = try ctx.input(0)
                let g = try ConvGeometry(
                    ctx: ctx, inputShape: input.shape, filterHeight: k, filterWidth: k,
                    strideHeight: s, strideWidth: s, dilationHeight: dilation, dilationWidth: dilation,
                    padding: Padding(rawValue: Int8(padding))!)
                let p = Conv2D.Parameters(geometry: g, inputChannels: c, outputChannels: c, filterChannels: 1,
                                          activation: FusedActivation(rawValue: activation)!)
                let q = try ConvolutionQuantization(
                    ctx: ctx, input: input, filter: ctx.input(1), bias: ctx.optionalInput(2), output: ctx.output(0),
                    channelAxis: 0, channels: c, activation: p.activation)
                return signed ? ConvolutionQuantizedReference(Int8.self, ctx: ctx, p, q) : ConvolutionQuantizedReference(UInt8.self, ctx: ctx, p, q)
            }
        }
        requireMostlyInformative(24)
    }

    /// The four-taps-per-`vpdpbusd` channels (`DepthwiseInt8Constants.quadChannels`,
    /// the AVX-512 VNNI flavour; in the other integer flavours through the
    /// plain-Swift `vpdpbusd`): whole groups of 32 channels with the rest on
    /// the pair and eight-channel paths (from 64 channels, a last group
    /// overlapping its predecessor), 3×3 and other filters whose taps
    /// leave 0–3 over a multiple of four (one tap over: the repeated-byte
    /// step), bit-identical to the reference.
    ///
    /// Sixteen channels (`pixelPairQuads`, entries 10–15): 3×3 filters at
    /// strides 1 and 2 on the rows of column triples
    /// (`testDepthwiseTripleRowsMatchReferenceBitExact`), at dilation 2 rows
    /// of interior pixels two per quad group, odd and even interior runs (a
    /// last pixel alone).
    func testDepthwiseQuadChannelsMatchReferenceBitExact() throws {
        DepthwiseInt8Constants.quadsForTesting = true
        defer { DepthwiseInt8Constants.quadsForTesting = false }
        var rng = TestRandom(seed: 33)
        // Cases 10–15: 16 channels, at stride 1 as runs of one phase.
        // Cases 16–27: fewer than 64 channels, not a multiple of 16, at
        // stride 1: a row's interior pixels as runs of outputs (`runPhases`:
        // 3 to 15 phases, runs of one block and of many, dilation 2, maps
        // where a run has fewer than 32 outputs and so is not taken).
        // Cases 28–35: the same at stride 2 through the compacted even and
        // odd input rows (odd and even filter widths, a one-column filter,
        // the zero-point row above and below, a batch of two whose rows
        // share ring slots, dilation 2 not compacted, short runs).
        // Cases 36–41: from 64 channels more than 16 past a multiple of 32,
        // a last quad group overlapping its predecessor (NASNet's 88), 3×3
        // at strides 1 and 2 and other filters; 16 past (176), a 3×3
        // filter, whose last 16 channels are a group of their own
        // (`DepthwiseInt8Constants.halfRequantization`), not an overlapping one.
        let filters = [(3, 3), (1, 1), (2, 2), (1, 5), (2, 3), (1, 7), (5, 5), (7, 7), (3, 3), (3, 3),
                       (3, 3), (3, 3), (3, 3), (3, 3), (3, 3), (3, 3),
                       (3, 3), (5, 5), (7, 7), (3, 3), (5, 5), (3, 3), (3, 3), (1, 1), (3, 3), (2, 3), (7, 7), (3, 3),
                       (5, 5), (7, 7), (3, 3), (2, 2), (3, 1), (5, 5), (3, 3), (4, 3),
                       (3, 3), (3, 3), (3, 3), (5, 5), (7, 7), (2, 3)]
        let runChannels = [11, 44, 11, 22, 22, 44, 60, 13, 40, 24, 11, 3, 11, 22, 44, 13, 11, 22, 11, 60]
        let overlapChannels = [88, 176, 120, 90, 88, 113]
        for (i, (kh, kw)) in filters.enumerated() {
            let cin = i >= 36 ? overlapChannels[i - 36] : i >= 16 ? runChannels[i - 16] : i >= 10 ? 16 : [32, 64, 40, 72, 96][i % 5]
            let s = i >= 36 ? 1 + i % 2 : i % 3 == 2 && i < 16 || i >= 28 ? 2 : 1
            let padding = i % 2
            let dilation = i == 15 || i == 19 || i == 26 || i == 33 ? 2 : 1
            let reach = (kh - 1) * dilation + 1
            let h = rng.int(reach...max(reach, 11))
            let w = i >= 36 ? kw + 9 : i >= 16 ? (kw - 1) * dilation + [20, 3, 1, 9, 14, 2, 5, 7, 4, 30, 6, 40, 21, 12, 9, 30, 8, 14, 5, 17][i - 16]
                : i >= 10 ? 8 + i % 4 : rng.int(kw...11)
            let batch = i == 32 ? 2 : 1
            let activation = Int8(i % 4)
            let spec = QuantizedModelSpec.weighted(
                op: 4, optionsType: 2, input: [batch, h, w, cin], filter: [1, kh, kw, cin],
                channelAxis: 3, perChannel: i % 4 != 1 && i < 36, signed: true, hasBias: i % 5 != 3,
                filterValues: i >= 36 ? Array(-64...63) : i % 2 == 0 ? [-128, 127, -127, 126, 0] : Array(-128...127),
                options: [(4, .i8(Int8(padding))), (6, .i32(Int32(s))), (8, .i32(Int32(s))),
                          (10, .i32(1)), (12, .i8(activation)), (14, .i32(Int32(dilation))), (16, .i32(Int32(dilation)))],
                rng: &rng)
            try compare(spec, name: "quad depthwise #\(i) \(batch)×\(h)×\(w)×\(cin) k \(kh)×\(kw) s \(s) d \(dilation) pad \(padding) act \(activation)",
                        expectFast: DepthwiseConv2DInt8Vectorized.self) { ctx in
                try Self.int8DepthwiseReference(ctx, filter: (kh, kw), stride: (s, s), dilation: dilation, padding: padding,
                                                channels: cin, activation: activation)
            }
        }
        requireMostlyInformative(filters.count)
    }

    /// 3×3 filters on quad groups holding every channel go through rows of
    /// column windows (`tripleRowBytes`): strides 1 and 2 (and 2 by 1), both
    /// paddings, maps one and two columns wide, maps of fewer than
    /// `rowsForWholeRowTiles` rows (tiles of half a row), an overlapping
    /// last group (88, 120; 52, two groups sharing most channels), a last
    /// group of 16 lanes where the channels are 1 to 16 past a multiple of
    /// 32 (`DepthwiseInt8Constants.halfRequantization`: 33, 40, 44, 48, 72,
    /// 144, 240), exactly 16 channels (that group alone), a batch of two
    /// whose rows share ring slots, every activation. (In the VNNI flavour
    /// the interior windows are made by byte permutes: one `vpermb` for 16
    /// channels where the row holds four columns from the window's first,
    /// two `vpermt2b` for a quad group; elsewhere by the interleaves. Both
    /// against the same reference.)
    func testDepthwiseTripleRowsMatchReferenceBitExact() throws {
        DepthwiseInt8Constants.quadsForTesting = true
        defer { DepthwiseInt8Constants.quadsForTesting = false }
        var rng = TestRandom(seed: 49)
        let channels = [32, 64, 88, 96, 120, 128, 32, 64, 32, 144, 44, 44, 52, 64, 96, 160, 48, 128, 64, 72, 33, 240, 40, 44,
                        16, 16, 16, 16, 16]
        let widths = [1, 2, 5, 13, 7, 3, 17, 4, 2, 9, 6, 11, 8, 7, 9, 2, 5, 10, 11, 7, 9, 6, 5, 4, 12, 23, 1, 5, 30]
        var others: [String] = [], tripleCases = 0
        for (i, cin) in channels.enumerated() {
            let s = i % 3 == 1 ? 2 : 1
            let sy = i == 7 ? 1 : s
            let padding = i % 2
            // At least 12 output rows either padding (1: VALID); from
            // case 13, fewer (tiles of half a row, split at a window).
            let h = (i >= 13 ? 4 + i % 4 : 12 + rng.int(0...6)) * sy + 2
            let w = max(widths[i], padding == 1 ? 3 : 1)
            let batch = i == 5 ? 2 : 1
            let activation = Int8(i % 4)
            let spec = QuantizedModelSpec.weighted(
                op: 4, optionsType: 2, input: [batch, h, w, cin], filter: [1, 3, 3, cin],
                channelAxis: 3, perChannel: i % 4 != 1, signed: true, hasBias: i % 5 != 3,
                // (Weights of at most 64 in magnitude: the quad groups need the exact doubles.)
                filterValues: i % 2 == 0 ? [-64, 63, -63, 62, 0] : Array(-64...63),
                options: [(4, .i8(Int8(padding))), (6, .i32(Int32(s))), (8, .i32(Int32(sy))),
                          (10, .i32(1)), (12, .i8(activation))],
                rng: &rng)
            let name = "triple-row depthwise #\(i) \(batch)×\(h)×\(w)×\(cin) s \(sy)×\(s) pad \(padding) act \(activation)"
            try compare(spec, name: name, expectFast: DepthwiseConv2DInt8Vectorized.self, inspect: { kernel in
                // Without exact doubles (the random scales of about a third
                // of the cases) there are no quad groups, and so no triples.
                guard let kernel = kernel as? DepthwiseConv2DInt8Vectorized, kernel.constants.quadExactRequantization != nil else { return }
                // (At stride 2, below 64 channels not a multiple of 16, the runs of outputs on compacted rows.)
                if kernel.tripleRowBytes > 0 { tripleCases += 1 } else if kernel.compactRowBytes == 0 { others.append(name) }
            }) { ctx in
                try Self.int8DepthwiseReference(ctx, filter: (3, 3), stride: (sy, s), dilation: 1, padding: padding,
                                                channels: cin, activation: activation)
            }
        }
        requireMostlyInformative(channels.count)
        // The path exists where the quad groups do: the integer flavours.
        XCTAssertEqual(others, [], "cases with quad groups not on rows of column triples")
        // (Seed 49: all but cases 3 and 8; the overlapping groups among them.)
        if IntegerSIMD.isNative { XCTAssertGreaterThanOrEqual(tripleCases, 8, "cases on rows of column triples") }
    }

    /// 5×5 and 7×7 filters at stride 1 on quad groups holding every channel
    /// go through rows of wide windows (`wideWindowRowBytes`): windows of
    /// four and two pixels with every count of pixels left in the last,
    /// both paddings, maps narrower than a window and than the filter, maps
    /// of fewer than `rowsForWholeRowTiles` rows (tiles of half a row, split
    /// at a window, the second empty where the map is one window wide), overlapping last groups (44, 88, 240), a batch of two,
    /// stride 2 along y, every activation.
    func testDepthwiseWideWindowsMatchReferenceBitExact() throws {
        DepthwiseInt8Constants.quadsForTesting = true
        defer { DepthwiseInt8Constants.quadsForTesting = false }
        var rng = TestRandom(seed: 57)
        let channels = [32, 64, 88, 240, 44, 32, 96, 64, 128, 32, 64, 88, 32, 160, 240, 96, 64, 48, 240, 32, 64, 112, 96, 48]
        let widths = [1, 2, 5, 9, 13, 6, 7, 3, 10, 15, 4, 11, 8, 6, 9, 7, 3, 14, 6, 5, 9, 7, 3, 2]
        var others: [String] = [], windowCases = 0
        for (i, cin) in channels.enumerated() {
            let k = i % 2 == 0 ? 5 : 7
            let sy = i == 9 ? 2 : 1
            let padding = i % 3 == 1 ? 1 : 0
            let rows = i % 4 == 3 || i >= 22 ? 3 + i % 5 : 12 + rng.int(0...4)
            let h = rows * sy + (padding == 1 ? k - 1 : 0)
            let w = widths[i] + (padding == 1 ? k - 1 : 0)
            let batch = i == 6 || i == 15 || i >= 19 && i < 22 ? 2 : 1
            let activation = Int8(i % 4)
            let spec = QuantizedModelSpec.weighted(
                op: 4, optionsType: 2, input: [batch, h, w, cin], filter: [1, k, k, cin],
                channelAxis: 3, perChannel: i % 4 != 1, signed: true, hasBias: i % 5 != 3,
                // (Weights of at most 32 in magnitude: the quad groups need the exact doubles.)
                filterValues: i % 2 == 0 ? [-32, 31, -31, 30, 0] : Array(-32...31),
                options: [(4, .i8(Int8(padding))), (6, .i32(1)), (8, .i32(Int32(sy))),
                          (10, .i32(1)), (12, .i8(activation))],
                rng: &rng)
            let name = "wide-window depthwise #\(i) \(batch)×\(h)×\(w)×\(cin) k \(k) sy \(sy) pad \(padding) act \(activation)"
            try compare(spec, name: name, expectFast: DepthwiseConv2DInt8Vectorized.self, inspect: { kernel in
                guard let kernel = kernel as? DepthwiseConv2DInt8Vectorized, kernel.constants.quadExactRequantization != nil else { return }
                if kernel.wideWindowRowBytes > 0 { windowCases += 1 } else { others.append(name) }
            }) { ctx in
                try Self.int8DepthwiseReference(ctx, filter: (k, k), stride: (sy, 1), dilation: 1, padding: padding,
                                                channels: cin, activation: activation)
            }
        }
        requireMostlyInformative(channels.count)
        XCTAssertEqual(others, [], "cases with quad groups not on rows of wide windows")
        if IntegerSIMD.isNative { XCTAssertGreaterThanOrEqual(windowCases, 8, "cases on rows of wide windows") }
    }

    /// Square 3×3, 5×5 and 7×7 int8 filters at stride 1 in the `avx2`
    /// flavour go through input rows as floats (`floatRowBytes`): 7, 14 and
    /// 16 to 40 output columns (whole groups of eight and a last group overlapping
    /// its predecessor), 8 to 128 channels (a multiple of 128 on padded
    /// columns, `floatColumnStride`; groups of sixteen through
    /// `store16`, groups of eight, an overlapping last group of eight or,
    /// nine to fifteen channels past the groups of sixteen, of sixteen), both
    /// paddings, weights at −128 and ±127, maps of fewer than
    /// `rowsForWholeRowTiles` rows (tiles of half a row), a batch of two
    /// whose rows share ring slots, the tables' output stage (large biases),
    /// every activation. Where the output stage takes the sums as floats
    /// (`floatBias`), a second pass stores every block again from its Int32
    /// sums, as the blocks with a lane that is not certain are: such lanes
    /// are about one in 4,096 and their first results mostly right, so the
    /// first pass alone would not show a wrong store of a block again.
    func testDepthwiseFloatRowsMatchReferenceBitExact() throws {
        let storesAgain = DepthwiseConv2DInt8Vectorized.storesEveryBlockAgainForTesting
        defer { DepthwiseConv2DInt8Vectorized.storesEveryBlockAgainForTesting = storesAgain }
        for again in [false, true] {
            DepthwiseConv2DInt8Vectorized.storesEveryBlockAgainForTesting = again
            try floatRowCases(storingBlocksAgain: again)
        }
    }

    private func floatRowCases(storingBlocksAgain again: Bool) throws {
        var rng = TestRandom(seed: 57)
        let channels = [8, 13, 16, 24, 32, 40, 33, 8, 16, 22, 32, 17, 40, 24, 8, 32, 32, 16, 128, 40, 24, 128, 44, 29, 60, 44, 44, 44, 28]
        var floatCases = 0, floatStageCases = 0
        for (i, cin) in channels.enumerated() {
            let k = [3, 5, 7][i % 3]
            let padding = i % 2
            // From #16 rows of 7 to 16 columns (7×7 and 14×14 maps; 7 columns are eight pixels
            // with seven stored).
            let w = (i < 16 ? 16 + rng.int(0...24) : [7, 16, 16, 14, 16, 16, 28, 16, 19, 28, 28, 20, 16][i - 16]) + (padding == 1 ? k - 1 : 0)
            let h = (i % 4 == 3 ? rng.int(1...6) : rng.int(12...16)) + (padding == 1 ? k - 1 : 0)
            let batch = i == 5 || i == 12 ? 2 : 1
            let activation = Int8(i % 4)
            let spec = QuantizedModelSpec.weighted(
                op: 4, optionsType: 2, input: [batch, h, w, cin], filter: [1, k, k, cin],
                channelAxis: 3, perChannel: i % 4 != 1, signed: true, hasBias: i % 5 != 3,
                filterValues: i % 2 == 0 ? [-128, 127, -127, 126, 0] : Array(-128...127),
                biasMultiplier: i % 6 == 5 ? 4096 : 1,
                options: [(4, .i8(Int8(padding))), (6, .i32(1)), (8, .i32(1)), (10, .i32(1)), (12, .i8(activation))],
                rng: &rng)
            try compare(spec, name: "float-row depthwise #\(i) \(batch)×\(h)×\(w)×\(cin) k \(k) pad \(padding) act \(activation)"
                        + (again ? ", every block stored again" : ""),
                        expectFast: DepthwiseConv2DInt8Vectorized.self, inspect: { kernel in
                if let kernel = kernel as? DepthwiseConv2DInt8Vectorized, kernel.floatRowBytes > 0 {
                    floatCases += 1
                    if kernel.floatBias != nil { floatStageCases += 1 }
                }
            }) { ctx in
                try Self.int8DepthwiseReference(ctx, filter: (k, k), stride: (1, 1), dilation: 1, padding: padding,
                                                channels: cin, activation: activation)
            }
        }
        requireMostlyInformative(channels.count)
        // The path exists in the eight-lane flavour with integer multiply-add only.
        if FloatVector.scalarCount == 8 && IntegerSIMD.isNative {
            XCTAssertEqual(floatCases, channels.count, "cases on input rows as floats")
            // All but the seven on the tables' output stage (no `exactRequantization`: the three
            // large biases, and four whose accumulator bounds leave its range) and five of the
            // last seven (#22–#28: 28 to 60 channels, nine to fifteen past the groups of sixteen;
            // also on the tables). Among them the 7-column rows (#16), 14-column rows of few rows
            // (#19, whole rows as tiles), padded columns (#21), and 44 and 28 channels (#25, #28:
            // a last group of sixteen overlapping its predecessor).
            XCTAssertEqual(floatStageCases, channels.count - 12, "cases whose output stage takes the sums as floats")
        } else {
            XCTAssertEqual(floatCases, 0, "cases on input rows as floats outside the avx2 flavour")
        }
    }

    /// Int8 layers of 8 to 63 channels, not a multiple of eight, whose rows
    /// run four at a time along float rows in the eight-lane flavour
    /// (`DepthwiseConv2DInt8Vectorized.floatRuns`): 3×3 at stride 1, and
    /// 3×3, 5×5 and 7×7 at stride 2 below 16 channels (rows of even then odd
    /// columns). 14, 13, 15 and 17 output rows leave groups of fewer than
    /// four (and `compare` runs the tiles one by one, each a group of one),
    /// padded or not, batches of two, rows whose length is not a multiple
    /// of sixteen floats; every block stored again from its Int32 sums too.
    func testDepthwiseFloatRunRowsMatchReferenceBitExact() throws {
        let storesAgain = DepthwiseConv2DInt8Vectorized.storesEveryBlockAgainForTesting
        defer { DepthwiseConv2DInt8Vectorized.storesEveryBlockAgainForTesting = storesAgain }
        let cases: [(batch: Int, h: Int, w: Int, c: Int, k: Int, stride: Int, padding: Int, activation: Int8)] = [
            (1, 14, 16, 11, 3, 1, 0, 0), (2, 15, 17, 22, 3, 1, 1, 1), (1, 12, 16, 44, 3, 1, 0, 3), (1, 17, 20, 9, 3, 1, 1, 2),
            (2, 13, 56, 13, 3, 1, 0, 0), (1, 16, 8, 60, 3, 1, 0, 1),
            (1, 29, 31, 11, 5, 2, 0, 0), (2, 27, 26, 9, 3, 2, 1, 1), (1, 33, 30, 13, 7, 2, 0, 3), (1, 30, 29, 15, 5, 2, 1, 2),
        ]
        var runCases = 0
        for again in [false, true] {
            DepthwiseConv2DInt8Vectorized.storesEveryBlockAgainForTesting = again
            // (The same layers in both passes.)
            var rng = TestRandom(seed: 58)
            for (i, t) in cases.enumerated() {
                let spec = QuantizedModelSpec.weighted(
                    op: 4, optionsType: 2, input: [t.batch, t.h, t.w, t.c], filter: [1, t.k, t.k, t.c],
                    channelAxis: 3, perChannel: i % 2 == 0, signed: true, hasBias: i != 3,
                    filterValues: i % 2 == 0 ? [-128, 127, -127, 126, 0] : Array(-128...127),
                    options: [(4, .i8(Int8(t.padding))), (6, .i32(Int32(t.stride))), (8, .i32(Int32(t.stride))), (10, .i32(1)),
                              (12, .i8(t.activation))],
                    rng: &rng)
                try compare(spec, name: "float-run depthwise #\(i) \(t.batch)×\(t.h)×\(t.w)×\(t.c) k \(t.k) stride \(t.stride) "
                            + "pad \(t.padding) act \(t.activation)" + (again ? ", every block stored again" : ""),
                            expectFast: DepthwiseConv2DInt8Vectorized.self, inspect: { kernel in
                    if (kernel as? DepthwiseConv2DInt8Vectorized)?.floatRuns == true { runCases += 1 }
                }) { ctx in
                    try Self.int8DepthwiseReference(ctx, filter: (t.k, t.k), stride: (t.stride, t.stride), dilation: 1, padding: t.padding,
                                                    channels: t.c, activation: t.activation)
                }
            }
        }
        requireMostlyInformative(2 * cases.count)
        if FloatVector.scalarCount == 8 && IntegerSIMD.isNative {
            XCTAssertEqual(runCases, 2 * cases.count, "cases on runs of float rows")
        } else {
            XCTAssertEqual(runCases, 0, "cases on runs of float rows outside the avx2 flavour")
        }
    }

    /// The reference kernel of an int8 depthwise node (depth multiplier 1)
    /// with the given filter (height, width), stride (height, width),
    /// dilation, padding (0 SAME, 1 VALID), channels and fused activation.
    static func int8DepthwiseReference(_ ctx: PrepareContext, filter: (Int, Int), stride: (Int, Int), dilation: Int, padding: Int,
                                       channels: Int, activation: Int8) throws -> Kernel {
        let input = try ctx.input(0)
        let g = try ConvGeometry(
            ctx: ctx, inputShape: input.shape, filterHeight: filter.0, filterWidth: filter.1, strideHeight: stride.0,
            strideWidth: stride.1, dilationHeight: dilation, dilationWidth: dilation, padding: Padding(rawValue: Int8(padding))!)
        let p = DepthwiseConv2D.Parameters(geometry: g, inputChannels: channels, outputChannels: channels,
                                           depthMultiplier: 1, activation: FusedActivation(rawValue: activation)!)
        let q = try ConvolutionQuantization(
            ctx: ctx, input: input, filter: ctx.input(1), bias: ctx.optionalInput(2), output: ctx.output(0),
            channelAxis: 3, channels: channels, activation: p.activation)
        return ConvolutionQuantizedReference(Int8.self, ctx: ctx, p, q)
    }

    /// The depthwise constants take the output stage in doubles
    /// (`ExactDoubleRequantization`) only in the integer flavours and only
    /// where every channel's accumulator bound keeps it exact; their tap
    /// pairs cover the whole groups of 16 channels.
    func testDepthwiseConstantsUseExactDoublesOnlyWithinRange() {
        let taps = 9, channels = 20
        let filter = (0..<taps * channels).map { UInt8(bitPattern: Int8(truncatingIfNeeded: $0 % 256 - 128)) }
        func constants(bias: Int32, shift: Int) -> DepthwiseInt8Constants {
            let q = ConvolutionQuantization(
                inputOffset: 5, filterOffset: 0, outputOffset: -3, multipliers: Array(repeating: (1 << 30) + 12345, count: channels),
                shifts: Array(repeating: shift, count: channels), activationMin: -128, activationMax: 127)
            let biases = [Int32](repeating: bias, count: channels)
            return filter.withUnsafeBytes { f in
                biases.withUnsafeBufferPointer { b in
                    DepthwiseInt8Constants(filter: f.baseAddress!, signed: true, as: Int8.self, bias: b.baseAddress!,
                                           taps: taps, channels: channels, q: q)
                }
            }
        }
        let typical = constants(bias: 1000, shift: -7)
        XCTAssertEqual(typical.exactRequantization != nil, IntegerSIMD.isNative)
        XCTAssertEqual(typical.pairedChannels, IntegerSIMD.isNative ? 16 : 0)
        XCTAssertEqual(typical.tapPairs, 5)
        XCTAssertEqual(typical.quadChannels, 0, "fewer than 32 channels")
        XCTAssertEqual(typical.tapQuads, 3)
        // Lane i of a quad group is channel 4j + l (l < 4) or 16 + 4j + l − 4 (i = 8j + l): every channel once.
        XCTAssertEqual((0..<32).map(DepthwiseInt8Constants.quadChannel),
                       [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31])
        XCTAssertNil(constants(bias: 1 << 28, shift: -7).exactRequantization, "accumulators near 2^28")
        XCTAssertNil(constants(bias: 1000, shift: -14).exactRequantization, "a right shift of 14")
    }

    /// The depthwise kernel's branch-free output stage against `FixedPoint`.
    func testDepthwiseRequantizeMatchesFixedPoint() {
        var rng = TestRandom(seed: 24)
        for _ in 0..<20_000 {
            let x = Int32(truncatingIfNeeded: rng.next())
            let multiplier = rng.int(0...200) == 0 ? 0 : Int32(1 << 30) + Int32(truncatingIfNeeded: rng.next() % (1 << 30))
            let shift = rng.int(-31...8)
            let special: [Int32] = [.min, .max, 0, -1, 1, 1 << 30, -(1 << 30)]
            for value in [x, x >> rng.int(0...31)] + (rng.int(0...50) == 0 ? special : []) {
                let expected = FixedPoint.multiplyByQuantizedMultiplier(value, multiplier, shift)
                let actual = DepthwiseInt8Constants.requantize(value, multiplier, Int32(max(shift, 0)), Int32(max(-shift, 0)))
                XCTAssertEqual(actual, expected, "x \(value) m \(multiplier) shift \(shift)")
            }
        }
        XCTAssertEqual(DepthwiseInt8Constants.requantize(.min, .min, 0, 0), .max)
    }

    /// Extreme values: every input and weight at −128 / −127 (largest products)
    /// and input zero points at both ends of int8, so the folded bias
    /// (`bias + inputOffset · Σw`) and the padding taps are exercised at their limits.
    func testDepthwiseExtremeValuesMatchReferenceBitExact() throws {
        var rng = TestRandom(seed: 22)
        // (weights, inputs): −128 · −128 and ±127 · −128, the tap pairs' largest sums; 35 channels:
        // two tap-paired groups of 16, then an overlapping group of eight.
        for (i, (fill, inputFill)) in [(UInt8(0x80), UInt8(0x80)), (0x7F, 0x7F), (0x81, 0x81), (0x81, 0x80), (0x7F, 0x80)].enumerated() {
            let spec = QuantizedModelSpec.weighted(
                op: 4, optionsType: 2, input: [1, 6, 7, 35], filter: [1, 3, 3, 35], channelAxis: 3,
                perChannel: true, signed: true, hasBias: i != 1, filterFill: fill,
                options: [(4, .i8(0)), (6, .i32(1)), (8, .i32(1)), (10, .i32(1)), (12, .i8(0))], rng: &rng)
            let outputs = try compare(spec, name: "depthwise extreme #\(i)", expectFast: DepthwiseConv2DInt8Vectorized.self, inputFill: inputFill) { ctx in
                let input = try ctx.input(0)
                let g = try ConvGeometry(ctx: ctx, inputShape: input.shape, filterHeight: 3, filterWidth: 3,
                                         strideHeight: 1, strideWidth: 1, padding: .same)
                let p = DepthwiseConv2D.Parameters(geometry: g, inputChannels: 35, outputChannels: 35, depthMultiplier: 1, activation: .none)
                let q = try ConvolutionQuantization(
                    ctx: ctx, input: input, filter: ctx.input(1), bias: ctx.optionalInput(2), output: ctx.output(0),
                    channelAxis: 3, channels: 35, activation: .none)
                return ConvolutionQuantizedReference(Int8.self, ctx: ctx, p, q)
            }
            // Corner, edge and interior pixels sum different numbers of taps:
            // the outputs must show it (not one saturated byte everywhere).
            let bytes = try XCTUnwrap(outputs).reference
            XCTAssertGreaterThanOrEqual(Set(bytes).count, 3, "depthwise extreme #\(i): outputs take \(Set(bytes)) only")
            XCTAssertLessThan(bytes.filter { $0 == 0x80 || $0 == 0x7F }.count, bytes.count / 2, "depthwise extreme #\(i): mostly saturated")
        }
        // uint8: weights and inputs at 0 / 255, zero points at both ends.
        for (i, (fill, inputZero, filterZero)) in [(UInt8(255), 0, 0), (255, 255, 0), (0, 255, 255), (255, 0, 255)].enumerated() {
            let spec = QuantizedModelSpec.weighted(
                op: 4, optionsType: 2, input: [1, 5, 6, 21], filter: [1, 3, 3, 21], channelAxis: 3,
                perChannel: false, signed: false, hasBias: i != 1, filterFill: fill,
                inputZeroPoint: inputZero, filterZeroPoint: filterZero,
                options: [(4, .i8(0)), (6, .i32(1)), (8, .i32(1)), (10, .i32(1)), (12, .i8(0))], rng: &rng)
            try compare(spec, name: "depthwise uint8 extreme #\(i)", expectFast: DepthwiseConv2DInt8Vectorized.self, inputFill: fill) { ctx in
                let input = try ctx.input(0)
                let g = try ConvGeometry(ctx: ctx, inputShape: input.shape, filterHeight: 3, filterWidth: 3,
                                         strideHeight: 1, strideWidth: 1, padding: .same)
                let p = DepthwiseConv2D.Parameters(geometry: g, inputChannels: 21, outputChannels: 21, depthMultiplier: 1, activation: .none)
                let q = try ConvolutionQuantization(
                    ctx: ctx, input: input, filter: ctx.input(1), bias: ctx.optionalInput(2), output: ctx.output(0),
                    channelAxis: 3, channels: 21, activation: .none)
                return ConvolutionQuantizedReference(UInt8.self, ctx: ctx, p, q)
            }
        }
    }
}

/// The vectorised int8 ADD and SUB (`ElementwiseAddInt8`) against the generic
/// quantized binary kernel: random scales, zero points, sizes (block edges
/// included) and activations; bytes must be identical. SUB's multipliers are
/// TFLite Micro's (float32 scale ratios).
extension QuantizedKernelTests {
    func testElementwiseAddInt8MatchesReferenceBitExact() throws {
        var rng = TestRandom(seed: 23)
        let shapes: [[Int]] = [[1, 7, 7, 24], [37], [1], [2, 4097], [1, 64, 64, 3], [5, 3, 1]]
        for i in 0..<48 {
            let shape = shapes[i % shapes.count]
            let activation = Int8(rng.int(0...3))
            let subtract = i % 4 == 3
            let spec = QuantizedAddSpec(shape: shape, activation: activation, subtract: subtract, rng: &rng)
            try compare(spec.model, name: "\(subtract ? "sub" : "add") #\(i) \(shape) act \(activation)", expectFast: ElementwiseAddInt8.self) { ctx in
                let qa = try ctx.quantization(ctx.input(0), "a"), qb = try ctx.quantization(ctx.input(1), "b")
                let qo = try ctx.quantization(ctx.output(0), "output")
                let ratios: (Double, Double, Double)
                if subtract {
                    let twiceMax = 2 * max(qa.scale, qb.scale)
                    ratios = (Double(qa.scale / twiceMax), Double(qb.scale / twiceMax), Double(twiceMax / (Float(1 << 20) * qo.scale)))
                } else {
                    let twiceMax = 2 * Double(max(qa.scale, qb.scale))
                    ratios = (Double(qa.scale) / twiceMax, Double(qb.scale) / twiceMax, twiceMax / (Double(1 << 20) * Double(qo.scale)))
                }
                let (m1, s1) = FixedPoint.quantizeMultiplierSmallerThanOne(ratios.0)!
                let (m2, s2) = FixedPoint.quantizeMultiplierSmallerThanOne(ratios.1)!
                let (mo, so) = FixedPoint.quantizeMultiplierSmallerThanOne(ratios.2)!
                return QuantizedBinaryKernel(
                    Int8.self, ctx: ctx, shape: try BroadcastShape(shape, shape, ctx: ctx),
                    arithmetic: .add(leftShift: 20, multiplier1: m1, shift1: s1, multiplier2: m2, shift2: s2, outputMultiplier: mo, outputShift: so,
                                     subtract: subtract),
                    offset1: -qa.zeroPoint, offset2: -qb.zeroPoint, outputOffset: qo.zeroPoint,
                    activation: FusedActivation(rawValue: activation)!.quantizedRange(scale: qo.scale, zeroPoint: qo.zeroPoint, qmin: -128, qmax: 127))
            }
        }
        requireMostlyInformative(48)
    }

    /// The int8 MUL's eight-lane path (`QuantizedBinaryKernel.multiplyInt8`,
    /// in the integer flavours) against its one-by-one path: same shapes,
    /// per-channel and scalar broadcasts, block edges, random scales (some
    /// with a product multiplier above one: a left shift) and activations.
    func testInt8MulMatchesReferenceBitExact() throws {
        // A constant scalar or short row would take `ConstantOperandTables` (tested on their own).
        ConstantOperandTables.enabled = false
        defer { ConstantOperandTables.enabled = true }
        var rng = TestRandom(seed: 61)
        let shapes: [([Int], [Int])] = [([1, 7, 7, 24], [1, 1, 1, 24]), ([37], [37]), ([2, 4097], [1]), ([1, 64, 64, 3], [1, 64, 64, 3]),
                                        ([1, 5, 5, 16], [1, 1, 1, 16]), ([9], [1]), ([1, 3, 3, 5], [1, 3, 3, 1]), ([1, 9, 7, 3], [3]),
                                        ([5], [1, 4, 7, 5])]
        for i in 0..<42 {
            let (shape, bShape) = shapes[i % shapes.count]
            let activation = Int8(rng.int(0...3))
            let spec = QuantizedAddSpec(shape: shape, bShape: bShape, activation: activation, multiply: true, rng: &rng)
            try compare(spec.model, name: "mul #\(i) \(shape) x \(bShape) act \(activation)", expectFast: QuantizedBinaryKernel.self) { ctx in
                let qa = try ctx.quantization(ctx.input(0), "a"), qb = try ctx.quantization(ctx.input(1), "b")
                let qo = try ctx.quantization(ctx.output(0), "output")
                let (m, s) = FixedPoint.quantizeMultiplier(Double(qa.scale) * Double(qb.scale) / Double(qo.scale))
                return QuantizedBinaryKernel(
                    Int8.self, ctx: ctx, shape: try BroadcastShape(shape, bShape, ctx: ctx), arithmetic: .mul(outputMultiplier: m, outputShift: s),
                    offset1: -qa.zeroPoint, offset2: -qb.zeroPoint, outputOffset: qo.zeroPoint,
                    activation: FusedActivation(rawValue: activation)!.quantizedRange(scale: qo.scale, zeroPoint: qo.zeroPoint, qmin: -128, qmax: 127),
                    vectorized: false)
            }
        }
        requireMostlyInformative(42)
    }

    /// Grouped int8 convolutions with several channels per group (RegNet's
    /// groups of 8; odd group widths pair their last channel with a zero
    /// weight; 8 or 16 outputs per group; strides, dilation, padding, two
    /// images, widths with and without a remainder after groups of four
    /// pixels) on `GroupedConvolutionInt8` in the integer flavours,
    /// bit-identical to the reference convolution.
    func testGroupedConvolutionSeveralChannelsPerGroupMatchesReferenceBitExact() throws {
        try groupedConvolutionSeveralChannelsPerGroup(seed: 83)
    }

    /// The same with the four-byte form (`vpdpbusd`) forced where it is the
    /// plain-Swift one (it is the VNNI flavour's own): groups of 8 and 16
    /// channels take it, the others stay on the pairs.
    func testGroupedConvolutionQuadsMatchReferenceBitExact() throws {
        GroupedConvolutionInt8.Constants.quadsForTesting = true
        defer { GroupedConvolutionInt8.Constants.quadsForTesting = false }
        try groupedConvolutionSeveralChannelsPerGroup(seed: 84)
    }

    private func groupedConvolutionSeveralChannelsPerGroup(seed: UInt64) throws {
        var rng = TestRandom(seed: seed)
        for i in 0..<24 {
            let k = [3, 1, 3, 5][i % 4]
            let s = rng.int(1...2)
            let dilation = i % 6 == 5 ? 2 : 1
            let padding = rng.int(0...1)
            let groupChannels = [8, 3, 5, 2, 8, 16][i % 6]
            let groups = rng.int(2...4)
            let outputsPerGroup = i % 5 == 4 ? 16 : 8
            let c = groups * groupChannels, n = groups * outputsPerGroup
            let h = rng.int(((k - 1) * dilation + 1)...11), w = rng.int(((k - 1) * dilation + 1)...13)
            let activation = Int8(rng.int(0...3))
            let spec = QuantizedModelSpec.weighted(
                op: 3, optionsType: 1, input: [rng.int(1...2), h, w, c], filter: [n, k, k, groupChannels],
                channelAxis: 0, perChannel: i % 3 != 1, signed: true, hasBias: i % 5 != 3,
                inputZeroPoint: i % 4 == 0 ? [-128, 127][rng.int(0...1)] : nil,
                filterValues: i % 2 == 0 ? Array(-127...127) : (i % 4 == 1 ? [-128, 127, 0] : nil),
                options: [(4, .i8(Int8(padding))), (6, .i32(Int32(s))), (8, .i32(Int32(s))),
                          (10, .i8(activation)), (12, .i32(Int32(dilation))), (14, .i32(Int32(dilation)))],
                rng: &rng)
            let name = "grouped conv #\(i) \(h)×\(w)×\(c) \(groups) groups → \(n) k \(k) s \(s) d \(dilation) pad \(padding) act \(activation)"
            try compare(spec, name: name,
                        expectFast: IntegerSIMD.isNative ? GroupedConvolutionInt8.self : ConvolutionQuantizedReference.self) { ctx in
                try Self.referenceConvolution(ctx, filter: (k, k), stride: (s, s), dilation: (dilation, dilation), padding: padding,
                                              channels: c, outputs: n, filterChannels: groupChannels, activation: activation, signed: true)
            }
        }
        requireMostlyInformative(24)
    }

    /// The quantized average pool's reciprocal division against TFLite's
    /// division, for every window size it takes and every sum a window of
    /// int8 or uint8 values can reach.
    func testAveragePoolReciprocalDivisionMatchesDivisionExhaustively() {
        for count in 1...Pool2DQuantizedKernel.largestReciprocalCount {
            let m = Pool2DQuantizedKernel.reciprocal(of: count), half = count / 2
            var mismatches = 0
            for acc in (-255 * count)...(255 * count) {
                let expected = acc > 0 ? (acc + half) / count : (acc - half) / count
                if Pool2DQuantizedKernel.average(acc, half: half, reciprocal: m) != expected { mismatches += 1 }
            }
            XCTAssertEqual(mismatches, 0, "window of \(count)")
        }
    }

    /// The average pool's division in Int16 lanes by the high half of a
    /// 16-bit product (`Pool2DQuantizedKernel.Int16Average`) against
    /// TFLite's division, for every window of 2…128 taps (each has one) and
    /// every sum a window of int8 or uint8 values can reach.
    func testAveragePoolInt16DivisionMatchesDivisionExhaustively() throws {
        for count in Int32(2)...Pool2DQuantizedKernel.largestReciprocalCount {
            let average = try XCTUnwrap(Pool2DQuantizedKernel.Int16Average(count: count), "window of \(count)")
            let half = count / 2
            var mismatches = 0
            var sums = Array((-255 * count)...(255 * count))
            while sums.count % 16 != 0 { sums.append(0) }
            for start in stride(from: 0, to: sums.count, by: 16) {
                let result = average(SIMD16<Int16>((0..<16).map { Int16(sums[start + $0]) }))
                for lane in 0..<16 {
                    let a = sums[start + lane]
                    if Int32(result[lane]) != (a > 0 ? (a + half) / count : (a - half) / count) { mismatches += 1 }
                }
            }
            XCTAssertEqual(mismatches, 0, "window of \(count)")
        }
    }

    /// Int8 ADD and SUB with broadcasting (per-channel vectors, scalars, a
    /// [H, W, 1] plane, short spans) on the eight-lane path against the
    /// one-by-one reference arithmetic.
    func testInt8BroadcastAddMatchesReferenceBitExact() throws {
        // A constant scalar or short row would take `ConstantOperandTables` (tested on their own).
        ConstantOperandTables.enabled = false
        defer { ConstantOperandTables.enabled = true }
        var rng = TestRandom(seed: 67)
        // The last two: a short row repeated over a full operand, either way
        // round (`QuantizedBinaryKernel.shortRowsRepeat`).
        let shapes: [([Int], [Int])] = [([1, 7, 7, 24], [1, 1, 1, 24]), ([2, 4097], [1]), ([1, 5, 6, 16], [1, 5, 6, 1]),
                                        ([9], [1]), ([1, 3, 3, 5], [1, 3, 3, 1]), ([1, 4, 4, 40], [40]),
                                        ([1, 9, 7, 3], [1, 1, 1, 3]), ([7], [2, 5, 7])]
        for i in 0..<48 {
            let (shape, bShape) = shapes[i % shapes.count]
            let shortRows = i % shapes.count >= 6
            let activation = Int8(rng.int(0...3))
            let subtract = i % 3 == 2
            let spec = QuantizedAddSpec(shape: shape, bShape: bShape, activation: activation, subtract: subtract, rng: &rng)
            try compare(spec.model, name: "\(subtract ? "sub" : "add") #\(i) \(shape) + \(bShape) act \(activation)",
                        expectFast: QuantizedBinaryKernel.self) { ctx in
                guard let kernel = try AddQuantized.prepare(
                    ctx, shape: BroadcastShape(shape, bShape, ctx: ctx), activation: FusedActivation(rawValue: activation)!,
                    subtract: subtract) as? QuantizedBinaryKernel else { throw XCTSkip("not the broadcasting kernel") }
                if IntegerSIMD.isNative {
                    XCTAssertEqual(kernel.shortRowsRepeat, shortRows ? shape.count > 1 : nil, "#\(i): short-row walk")
                }
                return QuantizedBinaryKernel(
                    Int8.self, ctx: ctx, shape: kernel.shape, arithmetic: kernel.arithmetic, offset1: kernel.offset1,
                    offset2: kernel.offset2, outputOffset: kernel.outputOffset,
                    activation: (kernel.activationMin, kernel.activationMax), vectorized: false)
            }
        }
        requireMostlyInformative(48)
    }

    /// Int8 SQUARED_DIFFERENCE (same shapes, a per-pixel mean as in layer
    /// norms, a per-channel vector, a scalar, short spans) on the eight-lane
    /// path against the one-by-one reference arithmetic.
    func testInt8SquaredDifferenceMatchesReferenceBitExact() throws {
        // A constant scalar or short row would take `ConstantOperandTables` (tested on their own).
        ConstantOperandTables.enabled = false
        defer { ConstantOperandTables.enabled = true }
        var rng = TestRandom(seed: 71)
        let shapes: [([Int], [Int])] = [([1, 7, 7, 24], [1, 7, 7, 24]), ([1, 5, 6, 16], [1, 5, 6, 1]), ([1, 4, 4, 40], [40]),
                                        ([2, 4097], [1]), ([9], [9]), ([1, 3, 3, 5], [1, 3, 3, 1]), ([1, 6, 7, 3], [3]),
                                        ([6], [1, 3, 4, 6])]
        for i in 0..<32 {
            let (shape, bShape) = shapes[i % shapes.count]
            let spec = QuantizedAddSpec(shape: shape, bShape: bShape, activation: 0, squaredDifference: true, rng: &rng)
            try compare(spec.model, name: "squared difference #\(i) \(shape) − \(bShape)", expectFast: QuantizedBinaryKernel.self) { ctx in
                let (a, b, shape, _) = try ctx.prepareBroadcastBinary(SquaredDifferenceOptions.self, activation: nil)
                guard let kernel = try SquaredDifference.prepareInt8(ctx, a: a, b: b, shape: shape) as? QuantizedBinaryKernel
                else { throw XCTSkip("not the broadcasting kernel") }
                if IntegerSIMD.isNative { XCTAssertNotNil(kernel.vectorSquaredDifference, "#\(i): not the eight-lane path") }
                return QuantizedBinaryKernel(
                    Int8.self, ctx: ctx, shape: kernel.shape, arithmetic: kernel.arithmetic, offset1: kernel.offset1,
                    offset2: kernel.offset2, outputOffset: kernel.outputOffset,
                    activation: (kernel.activationMin, kernel.activationMax), vectorized: false)
            }
        }
        requireMostlyInformative(32)
    }

    /// The pair tables of the large int8 ADD, SUB, MUL and SQUARED_DIFFERENCE
    /// (`Int8PairTable`, integer flavours) on every one of the 65 536 input
    /// pairs: 256 × 256 elements whose first input is the row's byte and
    /// whose constant second input is the column's, same-shape
    /// (`ElementwiseAddInt8`) and broadcast (a row of 256), random scales,
    /// zero points and activations, against the one-by-one reference
    /// arithmetic. Then random bytes over the other broadcasts the table
    /// reads (a short repeated row, a scalar on either side). (The broadcast
    /// row is a constant, which `ConstantOperandTables` would take in the
    /// VBMI flavour: they are off in the every-pair part, so the row takes
    /// the pair table, there by channel rows of its transpose.)
    func testInt8PairTablesMatchReferenceOnEveryPair() throws {
        var rng = TestRandom(seed: 89)
        ConstantOperandTables.enabled = false
        defer { ConstantOperandTables.enabled = true }
        let rows = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 >> 8) }
        for i in 0..<16 {
            let operation = i % 4  // ADD, SUB, MUL, SQUARED_DIFFERENCE
            let broadcast = i % 8 >= 4
            let shape = broadcast ? [1, 256, 256] : [65_536]
            let bShape = broadcast ? [256] : shape
            let bValues = broadcast ? (0..<256).map { UInt8($0) } : (0..<65_536).map { UInt8(truncatingIfNeeded: $0) }
            let activation: Int8 = operation == 3 ? 0 : Int8(rng.int(0...3))
            let spec = QuantizedAddSpec(shape: shape, bShape: bShape, activation: activation, subtract: operation == 1,
                                        multiply: operation == 2, squaredDifference: operation == 3, bValues: bValues, rng: &rng)
            let name = "pair table #\(i) \(["add", "sub", "mul", "squared difference"][operation]) \(shape) act \(activation)"
            let fast: AnyClass = broadcast || operation >= 2 ? QuantizedBinaryKernel.self : ElementwiseAddInt8.self
            try compare(spec.model.data, name: name, expectFast: fast, inputBytes: rows, inspect: { kernel in
                guard IntegerSIMD.isNative else { return }
                if let add = kernel as? ElementwiseAddInt8 {
                    // Same shapes: the rounded line (its near steps by the exact arithmetic), no table.
                    XCTAssertNotNil(add.stage?.line, "\(name): no rounded line")
                    XCTAssertNil(add.pairTable, "\(name): a pair table beside the rounded line")
                    return
                }
                // (A same-shape MUL may run its product line instead: `testInt8ProductLineMatchesReferenceOnEveryPair`.)
                let line = (kernel as? QuantizedBinaryKernel)?.productLine != nil
                XCTAssertTrue((kernel as? QuantizedBinaryKernel)?.readsPairTable == true || line, "\(name): no pair table")
                if broadcast {
                    XCTAssertEqual((kernel as? QuantizedBinaryKernel)?.readsRowTable, IntegerSIMD.hasByteLookup, "\(name): rows by channel")
                }
            }) { ctx in try Self.oneByOne(ctx, shape: shape, bShape: bShape, activation: activation, operation: operation) }
        }
        requireMostlyInformative(16)
        ConstantOperandTables.enabled = true
        // (Constant rows that the tables do not take would take the lines.)
        Int8ChannelLines.enabled = false
        defer { Int8ChannelLines.enabled = true }
        // Random bytes over the other broadcasts: a short repeated row (the
        // runtime input: a constant one gets `ConstantOperandTables`), the
        // runtime input a scalar or a per-channel row of 64, constant rows of
        // 88 and 120 (more channels than constant tables take outside the
        // VBMI flavour, and more than 256 · rows of output, which they never
        // take; not multiples of 16: in the VBMI flavour rows by channel with
        // an overlapping last group of 16; 120 not a whole number of
        // vectors), repeated rows in flat runs
        // (`tableRowRepeats`); a same-shape pair of a length that leaves a
        // tail after the eight-element steps; runtime rows of 48 (second
        // operand) and 32 channels (first) against 380 and 667 pixels, whose
        // tiles end inside pixels (in the VBMI flavour, like 64, looked up
        // by channel rows of the pair table or its transpose: `rowTable`);
        // a value per pixel (80 channels over 13 × 17 pixels) against a full
        // operand or a channel vector, either first, and last the full
        // operand first (`PixelRows`; without the byte lookup, a MUL of a
        // full operand or a channel vector by runtime values per pixel on
        // the rounded line of each pixel's value, `valueLines`; last 4100
        // channels a pixel, whose tiles end inside pixels); runtime
        // rows of 200 channels (first; 11 × 11 pixels) and 1152 (second;
        // 7 × 7), whose tiles in the VBMI flavour are slices of channels
        // (`ChannelSlices`; 200 in three, the last overlapping its group of
        // 16). Without the byte lookup, MULs by the runtime rows of 64, 48,
        // 32, 200 and 1152 channels run each channel on the line of its
        // value (`channelLinesOperand`), and last one of 4100 channels,
        // whose tiles end inside pixels.
        let broadcasts: [([Int], [Int])] = [([3], [1, 96, 96, 3]), ([1], [128, 128]), ([1, 1, 1, 64], [1, 32, 32, 64]),
                                             ([1, 15, 16, 88], [88]), ([1, 12, 12, 120], [1, 1, 120]), ([1, 16_389], [1, 16_389]),
                                             ([1, 1, 1, 48], [1, 20, 19, 48]), ([1, 1, 1, 32], [1, 23, 29, 32]),
                                             ([1, 13, 17, 1], [1, 13, 17, 80]), ([1, 13, 17, 1], [1, 13, 17, 80]),
                                             ([1, 13, 17, 1], [1, 1, 1, 80]), ([1, 13, 17, 1], [80]),
                                             ([1, 1, 1, 200], [1, 11, 11, 200]), ([1, 1, 1, 1152], [1, 7, 7, 1152]),
                                             ([1, 13, 17, 80], [1, 13, 17, 1]), ([1, 2, 3, 4_100], [1, 2, 3, 1]),
                                             ([1, 1, 1, 4_100], [1, 1, 6, 4_100])]
        let rowRepeats: [Bool?] = [false, nil, false, true, true, nil, true, false, nil, nil, nil, nil, false, true, nil, nil, false]
        let constantFirst: Set = [6, 9, 11, 13]
        let cases = broadcasts.count
        var valueLineCases = 0
        for i in 0..<(4 * cases) {
            let (shape, bShape) = broadcasts[i % cases], operation = i / cases
            // (Lines by the value per pixel or channel, runtime operands only: no constant rows.)
            Int8ChannelLines.enabled = operation == 2 && [2, 6, 7, 8, 10, 12, 13, 14, 15, 16].contains(i % cases)
            let spec = QuantizedAddSpec(shape: shape, bShape: bShape, activation: 0, subtract: operation == 1, multiply: operation == 2,
                                        squaredDifference: operation == 3, constantFirst: constantFirst.contains(i % cases), rng: &rng)
            let name = "pair table #\(i) \(shape) and \(bShape)"
            let fast: AnyClass = i % cases == 5 && operation < 2 ? ElementwiseAddInt8.self : QuantizedBinaryKernel.self
            try compare(spec.model, name: name, expectFast: fast, inspect: { kernel in
                guard IntegerSIMD.isNative else { return }
                if let add = kernel as? ElementwiseAddInt8 {
                    return XCTAssertTrue(add.pairTable != nil || add.stage?.line != nil, "\(name): neither pair table nor rounded line")
                }
                guard let kernel = kernel as? QuantizedBinaryKernel else { return }
                XCTAssertTrue(kernel.readsPairTable || kernel.productLine != nil, "\(name): no pair table")
                XCTAssertEqual(kernel.shortRowsRepeat, i % cases == 0 ? false : nil, "\(name): short-row walk")
                XCTAssertEqual(kernel.tableRowRepeats, rowRepeats[i % cases], "\(name): flat run")
                // Without the byte lookup, a SQUARED_DIFFERENCE by a value per pixel: rows of segment differences.
                let bySegmentRows = SegmentedByteLookup.applies && operation == 3 && [8, 9, 10, 11, 14, 15].contains(i % cases)
                if i % cases != 16 {
                    XCTAssertEqual(kernel.readsRowTable,
                                   IntegerSIMD.hasByteLookup && [2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].contains(i % cases)
                                       || bySegmentRows,
                                   "\(name): rows by channel or pixel")
                }
                XCTAssertEqual(kernel.pixelRows != nil, IntegerSIMD.hasByteLookup && [8, 9, 10, 11, 14, 15].contains(i % cases) || bySegmentRows,
                               "\(name): rows by pixel")
                XCTAssertEqual(kernel.pixelRows?.segments == true, bySegmentRows, "\(name): rows of segment differences")
                // Without the byte lookup, a MUL by a value per pixel of a full operand: lines by the value.
                let byPixelLines = !IntegerSIMD.hasByteLookup && operation == 2 && ((8...11).contains(i % cases) || [14, 15].contains(i % cases))
                XCTAssertEqual(kernel.pixelLinesPattern != nil, byPixelLines, "\(name): lines by pixel")
                let byChannelLines = !IntegerSIMD.hasByteLookup && operation == 2 && [2, 6, 7, 12, 13, 16].contains(i % cases)
                XCTAssertEqual(kernel.channelLinesOperand != nil, byChannelLines, "\(name): lines by channel")
                if kernel.valueLines != nil { valueLineCases += 1 }
                if IntegerSIMD.hasByteLookup, (12...13).contains(i % cases) {
                    XCTAssertEqual(kernel.tileCount, i % cases == 12 ? 2 * 3 : 18, "\(name): blocks of pixels by slices of channels")
                }
            }) { ctx in
                // (The operator's inputs in order.)
                let first = constantFirst.contains(i % cases)
                return try Self.oneByOne(ctx, shape: first ? bShape : shape, bShape: first ? shape : bShape, activation: 0,
                                         operation: operation)
            }
        }
        // (Both operand orders; rows longer than a tile's 4096 elements, whose tiles end inside pixels.)
        if IntegerSIMD.isNative && !IntegerSIMD.hasByteLookup {
            XCTAssertEqual(valueLineCases, 10, "MULs by a value per pixel or channel on lines")
        }
    }

    /// The same-shape int8 MUL as a line over its product
    /// (`Int8ProductLine`, integer flavours) on every one of the 65 536
    /// input pairs, random scales (the spec's: output scales below and
    /// above the product's), zero points and activations, against the
    /// one-by-one reference: most operations get a line (the rest keep the
    /// pair table), and with the line switched off the same operations read
    /// the table. Then random bytes over operations too small for a table:
    /// a runtime row of 40 or 288 channels against a full operand (the
    /// squeeze-and-excitation MUL; 40 leaves a tail of eight), a runtime
    /// scalar, and same shapes. A line whose exact arithmetic has one
    /// rounding boundary moved by one product, either way, puts that
    /// product right (every pair through its loop), and is refused where
    /// no product may be put right.
    func testInt8ProductLineMatchesReferenceOnEveryPair() throws {
        var rng = TestRandom(seed: 127)
        defer { Int8ProductLine.enabled = true }
        let rows = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 >> 8) }
        let columns = (0..<65_536).map { UInt8(truncatingIfNeeded: $0) }
        var lines = 0
        let cases = 24
        for i in 0..<cases {
            Int8ProductLine.enabled = i % 4 != 3
            let activation = Int8(rng.int(0...3))
            let spec = QuantizedAddSpec(shape: [65_536], activation: activation, multiply: true, bValues: columns, rng: &rng)
            let name = "product line #\(i) act \(activation)\(Int8ProductLine.enabled ? "" : ", off")"
            try compare(spec.model.data, name: name, expectFast: QuantizedBinaryKernel.self, inputBytes: rows, inspect: { kernel in
                guard IntegerSIMD.isNative, let kernel = kernel as? QuantizedBinaryKernel else { return }
                if kernel.productLine != nil {
                    lines += 1
                    XCTAssertTrue(Int8ProductLine.enabled, "\(name): a line while switched off")
                    XCTAssertNil(kernel.pairTable, "\(name): a pair table beside the line")
                } else {
                    XCTAssertTrue(kernel.readsPairTable && kernel.pairTable != nil, "\(name): neither line nor pair table")
                }
            }) { ctx in try Self.oneByOne(ctx, shape: [65_536], bShape: [65_536], activation: activation, operation: 2) }
        }
        if IntegerSIMD.isNative { XCTAssertGreaterThanOrEqual(lines, cases / 2, "most operations have a line") }
        Int8ProductLine.enabled = true
        let small: [([Int], [Int])] = [([1, 1, 1, 40], [1, 7, 7, 40]), ([1, 1, 1, 288], [1, 7, 7, 288]), ([1], [1, 9, 9, 24]),
                                       ([1, 5, 5, 24], [1, 5, 5, 24])]
        var smallLines = 0
        for i in 0..<(2 * small.count) {
            let (shape, bShape) = small[i % small.count]
            let activation = Int8(rng.int(0...3))
            let spec = QuantizedAddSpec(shape: shape, bShape: bShape, activation: activation, multiply: true, rng: &rng)
            let name = "product line #\(i) \(shape) and \(bShape) act \(activation)"
            try compare(spec.model, name: name, expectFast: QuantizedBinaryKernel.self, inspect: { kernel in
                guard IntegerSIMD.isNative, let kernel = kernel as? QuantizedBinaryKernel else { return }
                XCTAssertFalse(kernel.readsPairTable, "\(name): a pair table")
                if kernel.productLine != nil { smallLines += 1 }
            }) { ctx in try Self.oneByOne(ctx, shape: shape, bShape: bShape, activation: activation, operation: 2) }
        }
        if IntegerSIMD.isNative { XCTAssertGreaterThanOrEqual(smallLines, small.count, "most small operations have a line") }
        requireMostlyInformative(cases + 2 * small.count)
        // The check: a rounding boundary of the exact arithmetic moved by one product, and the line is refused.
        let (m, shift) = FixedPoint.quantizeMultiplier(0.0123)
        let stage = UniformRequantization(multiplier: m, shift: shift)
        let bytes = Int8OutputBytes(outputOffset: 3, activation: (-128, 127))
        func exact(_ p: Int32) -> UInt8 { bytes(stage(SIMD8(repeating: p)))[0] }
        func line(moving boundary: Int32?, earlier: Bool) -> Int8ProductLine? {
            Int8ProductLine(multiplier: m, shift: shift, offset1: 5, offset2: -7, outputOffset: 3, activation: (-128, 127)) { p in
                var r = bytes(stage(p))
                guard let boundary else { return r }
                // The result at the boundary (the first product of a new result) or just before it, taken from the other side.
                for k in 0..<8 {
                    if earlier && p[k] == boundary - 1 { r[k] = exact(boundary) }
                    if !earlier && p[k] == boundary { r[k] = exact(boundary - 1) }
                }
                return r
            }
        }
        guard IntegerSIMD.isNative else { return }
        XCTAssertEqual(line(moving: nil, earlier: false)?.mode, .floats, "the line of a plain MUL")
        // Every pair of inputs through the line's loop, against the (moved) exact bytes.
        let xs = (0..<65_536).map { Int8(truncatingIfNeeded: $0 >> 8) }, ys = (0..<65_536).map { Int8(truncatingIfNeeded: $0) }
        var output = [UInt8](repeating: 0, count: 65_536)
        var correctedPairs = 0
        func checkEveryPair(_ line: Int8ProductLine, moving boundary: Int32, earlier: Bool, _ label: String) {
            xs.withUnsafeBytes { a in ys.withUnsafeBytes { b in output.withUnsafeMutableBytes { o in
                if let a = a.baseAddress, let b = b.baseAddress, let o = o.baseAddress { line.apply(a, 1, b, 1, o, count: 65_536) }
            } } }
            var wrong = 0
            for i in 0..<65_536 {
                let p = (Int32(xs[i]) + 5) * (Int32(ys[i]) - 7)
                let moved = earlier && p == boundary - 1 || !earlier && p == boundary
                if moved { correctedPairs += 1 }
                let expected = moved ? exact(earlier ? boundary : boundary - 1) : exact(p)
                if output[i] != expected { wrong += 1 }
            }
            XCTAssertEqual(wrong, 0, "\(label): pairs the line gets wrong")
        }
        var moved = 0
        defer { Int8ProductLine.maximumCorrections = 2 }
        for start: Int32 in [-9_000, -300, -2, 0, 1, 4_000, 9_000] {
            guard let boundary = (start...(start + 400)).first(where: { exact($0) != exact($0 - 1) }) else { continue }
            for earlier in [true, false] {
                let label = "a boundary at \(boundary) moved one product \(earlier ? "earlier" : "later")"
                // One product put right, the rest of the line in floats; refused where no product may be.
                Int8ProductLine.maximumCorrections = 2
                let corrected = line(moving: boundary, earlier: earlier)
                XCTAssertEqual(corrected?.mode, .corrected, label)
                if let corrected { checkEveryPair(corrected, moving: boundary, earlier: earlier, label) }
                Int8ProductLine.maximumCorrections = 0
                XCTAssertTrue(line(moving: boundary, earlier: earlier) == nil, "\(label), no corrections")
            }
            moved += 1
        }
        XCTAssertGreaterThanOrEqual(moved, 6, "boundaries to move")
        XCTAssertGreaterThan(correctedPairs, 0, "pairs whose product the line puts right")
        // ConvNeXt-Tiny int8's MUL 733: the line in floats moves two boundaries (products ±10618), which
        // it puts right; without corrections it runs in doubles, which move none.
        let convNeXt = UniformRequantization(multiplier: 1_824_997_014, shift: -7)
        let convNeXtBytes = Int8OutputBytes(outputOffset: 5, activation: (-128, 127))
        func convNeXtLine() -> Int8ProductLine? {
            Int8ProductLine(multiplier: 1_824_997_014, shift: -7, offset1: -25, offset2: 128, outputOffset: 5,
                            activation: (-128, 127)) { convNeXtBytes(convNeXt($0)) }
        }
        Int8ProductLine.maximumCorrections = 2
        XCTAssertEqual(convNeXtLine()?.mode, .corrected, "ConvNeXt-Tiny's MUL 733 with corrections")
        Int8ProductLine.maximumCorrections = 0
        XCTAssertEqual(convNeXtLine()?.mode, .doubles, "ConvNeXt-Tiny's MUL 733 in doubles")
    }

    /// The int8 ADD / SUB as a rounded line (`Int8RoundedLine`) over
    /// random scales (log-uniform in 0.005…0.5), zero points and
    /// activations: every operation has a line, and both loops through it —
    /// the table's `apply`, whose near steps read the table, and the
    /// same-shape kernel's, whose near steps run the exact arithmetic —
    /// give every one of the 65 536 pairs its table entry (the entries are
    /// the reference's: `testInt8PairTablesMatchReferenceOnEveryPair`).
    /// Some operations' lines alone differ from their tables at a few
    /// values on a rounding boundary; the test requires such operations
    /// among its cases, so the near steps are exercised (without them both
    /// loops would give those wrong bytes).
    func testInt8AddRoundedLineMatchesTableOnEveryPair() throws {
        var rng = TestRandom(seed: 113)
        let xs = (0..<65_536).map { Int8(truncatingIfNeeded: $0 >> 8) }, ys = (0..<65_536).map { Int8(truncatingIfNeeded: $0) }
        var output = [Int8](repeating: 0, count: 65_536)
        var differing = 0
        for i in 0..<48 {
            func scale() -> Double { 0.005 * pow(100, Double(rng.float() + 1) / 2) }
            let (sa, sb, so) = (scale(), scale(), scale())
            let twiceMax = 2 * max(sa, sb)
            let m1 = try XCTUnwrap(FixedPoint.quantizeMultiplierSmallerThanOne(sa / twiceMax))
            let m2 = try XCTUnwrap(FixedPoint.quantizeMultiplierSmallerThanOne(sb / twiceMax))
            let mo = try XCTUnwrap(FixedPoint.quantizeMultiplierSmallerThanOne(twiceMax / (Double(1 << 20) * so)))
            let zeroPoint = Int32(rng.int(-128...127))
            let activation: (min: Int32, max: Int32) = i % 3 == 0 ? (max(zeroPoint, -128), 127) : (-128, 127)
            let stage = try XCTUnwrap(Int8AddStage(
                leftShift: 20, multiplier1: m1.multiplier, shift1: m1.shift, offset1: Int32(rng.int(-127...128)),
                multiplier2: m2.multiplier, shift2: m2.shift, offset2: Int32(rng.int(-127...128)), outputMultiplier: mo.multiplier,
                outputShift: mo.shift, outputOffset: zeroPoint, activation: activation, subtract: i % 2 == 1))
            let table = stage.pairTable()
            let name = "#\(i) \(i % 2 == 1 ? "sub" : "add") scales \(sa), \(sb) → \(so)"
            let line = try XCTUnwrap(table.roundedLine, "\(name): no rounded line")
            xs.withUnsafeBufferPointer { x in
                ys.withUnsafeBufferPointer { y in
                    output.withUnsafeMutableBufferPointer { out in
                        table.apply(x.baseAddress!, 1, y.baseAddress!, 1, out.baseAddress!, count: 65_536)
                    }
                }
            }
            let wrong = (0..<65_536).filter { output[$0] != table(xs[$0], ys[$0]) }.count
            XCTAssertEqual(wrong, 0, "\(name): \(wrong) results differ from the table")
            // The same-shape kernel's loop: the line, the exact arithmetic near boundaries.
            xs.withUnsafeBufferPointer { x in
                ys.withUnsafeBufferPointer { y in
                    output.withUnsafeMutableBufferPointer { out in
                        stage.applyRoundedLine(line, x.baseAddress!, y.baseAddress!, out.baseAddress!, 0, 65_536)
                    }
                }
            }
            let wrongSameShape = (0..<65_536).filter { output[$0] != table(xs[$0], ys[$0]) }.count
            XCTAssertEqual(wrongSameShape, 0, "\(name): \(wrongSameShape) results of the same-shape loop differ from the table")
            // The line alone, every lane used.
            var lineDiffers = false
            for k in stride(from: 0, to: 65_536, by: 16) {
                let x = SIMD16<Int8>(xs[k..<k + 16]), y = SIMD16<Int8>(ys[k..<k + 16])
                let results = line.values(x, y).0
                for lane in 0..<16 where Int8(bitPattern: results[lane]) != table(x[lane], y[lane]) { lineDiffers = true }
            }
            if lineDiffers { differing += 1 }
        }
        XCTAssertGreaterThan(differing, 0, "no line differs from its table: the steps that read it went untested")
    }

    /// The one-by-one reference kernel of an int8 ADD (0), SUB (1), MUL (2)
    /// or SQUARED_DIFFERENCE (3) node, from the prepared kernel's arithmetic.
    static func oneByOne(_ ctx: PrepareContext, shape: [Int], bShape: [Int], activation: Int8, operation: Int) throws -> Kernel {
        let broadcast = try BroadcastShape(shape, bShape, ctx: ctx)
        let prepared: Kernel
        switch operation {
        case 2: prepared = try MulQuantized.prepareInt8(ctx)
        case 3:
            let (a, b, shape, _) = try ctx.prepareBroadcastBinary(SquaredDifferenceOptions.self, activation: nil)
            prepared = try SquaredDifference.prepareInt8(ctx, a: a, b: b, shape: shape)
        default:
            prepared = try AddQuantized.prepare(ctx, shape: broadcast, activation: FusedActivation(rawValue: activation)!,
                                                subtract: operation == 1)
        }
        if let kernel = prepared as? QuantizedBinaryKernel {
            return QuantizedBinaryKernel(
                Int8.self, ctx: ctx, shape: kernel.shape, arithmetic: kernel.arithmetic, offset1: kernel.offset1,
                offset2: kernel.offset2, outputOffset: kernel.outputOffset,
                activation: (kernel.activationMin, kernel.activationMax), vectorized: false)
        }
        guard let add = prepared as? ElementwiseAddInt8 else { throw XCTSkip("unexpected kernel \(type(of: prepared))") }
        return QuantizedBinaryKernel(
            Int8.self, ctx: ctx, shape: broadcast, arithmetic: add.arithmetic,
            offset1: add.offset1, offset2: add.offset2, outputOffset: add.outputOffset,
            activation: (add.activationMin, add.activationMax), vectorized: false)
    }

    /// `Int8InputRescale` (the ADD's input stage in 32-bit lanes) against
    /// `FixedPoint.multiplyByQuantizedMultiplier((x + offset) << 20, M, shift)`
    /// for every int8 x: multipliers 0, 2^30, 2^31 − 1 and random ones,
    /// every shift 0…−30, extreme and random offsets; scalar and vector forms.
    func testInt8InputRescaleMatchesFixedPoint() {
        var rng = TestRandom(seed: 57)
        var multipliers: [Int32] = [0, 1 << 30, Int32.max, (1 << 30) + 1, Int32.max - 2047]
        for _ in 0..<12 { multipliers.append(Int32(rng.int((1 << 30)...Int(Int32.max)))) }
        for multiplier in multipliers {
            for shift in -30...0 {
                for offset: Int32 in [-127, 128, 0, 1, Int32(rng.int(-127...128))] {
                    guard let rescale = Int8InputRescale(leftShift: 20, multiplier: multiplier, shift: shift, offset: offset) else {
                        return XCTFail("no 32-bit stage for M \(multiplier) shift \(shift) offset \(offset)")
                    }
                    for x in stride(from: -128, through: 127, by: 8) {
                        let lanes = SIMD8<Int32>((0..<8).map { Int32(x + $0) })
                        let vector = rescale(lanes)
                        for lane in 0..<8 {
                            let expected = FixedPoint.multiplyByQuantizedMultiplier((lanes[lane] + offset) << 20, multiplier, shift)
                            XCTAssertEqual(rescale.scale(lanes[lane]), expected, "x \(lanes[lane]) M \(multiplier) shift \(shift) offset \(offset)")
                            XCTAssertEqual(vector[lane], expected, "vector: x \(lanes[lane]) M \(multiplier) shift \(shift) offset \(offset)")
                        }
                    }
                }
            }
        }
        XCTAssertNil(Int8InputRescale(leftShift: 20, multiplier: 1 << 30, shift: -31, offset: 0))
        XCTAssertNil(Int8InputRescale(leftShift: 20, multiplier: 1 << 30, shift: 0, offset: 129))
    }
}

/// A one-op int8 ADD (or SUB) model: runtime input `a` and constant random
/// `b` of the same shape, random scales and zero points.
struct QuantizedAddSpec {
    let model: QuantizedModelSpec

    /// `multiply`: a MUL instead; `squaredDifference`: a SQUARED_DIFFERENCE
    /// (no fused activation); `bShape`: the constant's shape when it broadcasts.
    /// `bValues`: the constant's bytes (default random).
    /// `constantFirst`: the constant is the operator's first input (`shape`
    /// still the runtime input's); `unsigned`: uint8 tensors.
    init(shape: [Int], bShape: [Int]? = nil, activation: Int8, subtract: Bool = false, multiply: Bool = false,
         squaredDifference: Bool = false, bValues fixedB: [UInt8]? = nil, constantFirst: Bool = false, unsigned: Bool = false,
         rng: inout TestRandom) {
        typealias FB = FlatBufferBuilder.Node
        let scaleA = Float(rng.int(1...200)) / 1000, scaleB = Float(rng.int(1...200)) / 1000
        // MUL: the product's scale times 20–300 (a multiplier below one), or
        // times 0.5 (above one: the output stage shifts left). SQUARED_DIFFERENCE:
        // the larger input scale squared times 4–100, so typical differences
        // give informative bytes and large ones saturate.
        let largest = max(scaleA, scaleB)
        let scaleOut = multiply ? scaleA * scaleB * (rng.int(0...6) == 0 ? 0.5 : Float(rng.int(20...300)))
            : squaredDifference ? largest * largest * Float(rng.int(4...100))
            : (scaleA + scaleB) * Float(rng.int(40...150)) / 100
        func quantization(_ scale: Float, _ zero: Int) -> FB {
            .table([(8, .offset(.floats([scale]))), (10, .offset(.int64s([Int64(zero)])))])
        }
        let bShape = bShape ?? shape
        let count = bShape.reduce(1, *)
        let bValues = fixedB ?? (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let type: Int8 = unsigned ? 3 : 9  // UINT8, INT8
        let zeroShift = unsigned ? 128 : 0
        let tensors: [FB] = [
            .table([(4, .offset(.int32s(shape.map(Int32.init)))), (6, .i8(type)), (8, .u32(0)), (10, .offset(.string("a"))),
                    (12, .offset(quantization(scaleA, rng.int(-128...127) + zeroShift)))]),
            .table([(4, .offset(.int32s(bShape.map(Int32.init)))), (6, .i8(type)), (8, .u32(1)), (10, .offset(.string("b"))),
                    (12, .offset(quantization(scaleB, rng.int(-128...127) + zeroShift)))]),
            .table([(4, .offset(.int32s([]))), (6, .i8(type)), (8, .u32(0)), (10, .offset(.string("out"))),
                    (12, .offset(quantization(scaleOut, rng.int(-30...30) + zeroShift)))]),
        ]
        let buffers: [FB] = [.table([]), .table([(4, .offset(.bytes(bValues)))])]
        let code: Int32 = squaredDifference ? 99 : subtract ? 41 : multiply ? 18 : 0   // SQUARED_DIFFERENCE, SUB, MUL, ADD
        let optionsType: UInt8 = squaredDifference ? 76 : subtract ? 28 : multiply ? 21 : 11
        let options: FB = squaredDifference ? .table([]) : .table([(4, .i8(activation))])
        let operatorTable: FB = .table([
            (4, .u32(0)), (6, .offset(.int32s(constantFirst ? [1, 0] : [0, 1]))), (8, .offset(.int32s([2]))),
            (10, .u8(optionsType)), (12, .offset(options)),
        ])
        let subgraph: FB = .table([
            (4, .offset(.tables(tensors))), (6, .offset(.int32s([0]))), (8, .offset(.int32s([2]))),
            (10, .offset(.tables([operatorTable]))), (12, .offset(.string("main"))),
        ])
        let root: FB = .table([
            (4, .u32(3)),
            (6, .offset(.tables([.table([(4, .i8(Int8(code))), (8, .i32(1)), (10, .i32(code))])]))),
            (8, .offset(.tables([subgraph]))),
            (10, .offset(.string("QuantizedAddSpec"))),
            (12, .offset(.tables(buffers))),
        ])
        model = QuantizedModelSpec(data: Data(FlatBufferBuilder.serialize(root, identifier: "TFL3")))
    }
}
