import Foundation
import XCTest
@testable import TFLiteEngine
import InputFormats

/// The fast float32 kernels (`Kernels/*/<Op>+Float.swift`, `Kernels/GEMM/`) against the simple reference
/// kernels on randomized single-op models: odd sizes, edge tiles (M and N not
/// multiples of the micro-tile), strides, dilations, padding, every
/// activation, depth multipliers. Each model is built in memory with a tiny
/// FlatBuffer writer, prepared, and both kernels run on the same inputs.
/// Relative tolerance 1e-5 of the largest reference magnitude. Also checks
/// that running the fast kernel's tiles one at a time in reverse order gives
/// bit-identical results (what a parallel backend relies on).
final class FastKernelTests: XCTestCase {
    // MARK: Randomized cases

    func testConvolutionMatchesReference() throws {
        var rng = TestRandom(seed: 1)
        for i in 0..<60 {
            let pointwise = i % 5 == 0
            let kh = pointwise ? 1 : rng.int(1...5), kw = pointwise ? 1 : rng.int(1...5)
            let stride = (pointwise && i % 10 == 0) ? (1, 1) : (rng.int(1...3), rng.int(1...3))
            let dilation = pointwise || rng.int(0...3) > 0 ? (1, 1) : (rng.int(1...2), rng.int(1...2))
            let padding = rng.int(0...1)
            let batch = rng.int(1...2)
            let h = rng.int(max(1, (kh - 1) * dilation.0 + 1)...13), w = rng.int(max(1, (kw - 1) * dilation.1 + 1)...13)
            let cin = [1, 2, 3, 5, 8, 16, 19][rng.int(0...6)]
            let cout = [1, 7, 16, 17, 31, 32, 33, 48, 70][rng.int(0...8)]
            let activation = Int8(rng.int(0...3))
            let hasBias = rng.int(0...4) > 0
            let spec = ModelSpec.convolution(
                op: 3, optionsType: 1, input: [batch, h, w, cin], filter: [cout, kh, kw, cin], bias: hasBias ? cout : nil,
                options: [(4, .i8(Int8(padding))), (6, .i32(Int32(stride.1))), (8, .i32(Int32(stride.0))),
                          (10, .i8(activation)), (12, .i32(Int32(dilation.1))), (14, .i32(Int32(dilation.0)))],
                rng: &rng)
            try compare(spec, name: "conv #\(i) in \([batch, h, w, cin]) f \([cout, kh, kw]) s \(stride) d \(dilation) pad \(padding) act \(activation)",
                        expectFast: GEMMConvolutionFloat.self) { ctx in
                let g = try ConvGeometry(
                    ctx: ctx, inputShape: [batch, h, w, cin], filterHeight: kh, filterWidth: kw,
                    strideHeight: stride.0, strideWidth: stride.1, dilationHeight: dilation.0, dilationWidth: dilation.1,
                    padding: Padding(rawValue: Int8(padding))!)
                return ConvolutionFloatReference(ctx: ctx, Conv2D.Parameters(
                    geometry: g, inputChannels: cin, outputChannels: cout, filterChannels: cin,
                    activation: FusedActivation(rawValue: activation)!))
            }
        }
    }

    /// Every width a last panel can have (`PackedFloatWeights.layout`: eight
    /// lanes, one vector, a vector and eight lanes, two vectors; and
    /// eight-column panels throughout) on both micro-kernels (M edges of one
    /// row and of several), pointwise and 3×3.
    func testConvolutionPanelWidthsMatchReference() throws {
        var rng = TestRandom(seed: 21)
        for (i, cout) in [1, 5, 8, 9, 16, 17, 20, 24, 25, 32, 33, 40, 41, 48, 49, 56, 57, 64, 72, 88].enumerated() {
            let k = i % 2 == 0 ? 1 : 3, cin = [3, 8, 19][i % 3]
            let input = [1, 5, [5, 7, 8][i % 3], cin]  // 25, 35, 40 pixels: M edges of 1, 5 and 4 rows
            let activation = Int8(i % 4)
            let spec = ModelSpec.convolution(
                op: 3, optionsType: 1, input: input, filter: [cout, k, k, cin], bias: cout,
                options: [(4, .i8(0)), (6, .i32(1)), (8, .i32(1)), (10, .i8(activation)), (12, .i32(1)), (14, .i32(1))],
                rng: &rng)
            let layout = PackedFloatWeights.layout(n: cout, groups: 1)
            try compare(spec, name: "conv \(input) → \(cout) k \(k) (panels \(layout.nr), last \(layout.tailColumns))",
                        expectFast: GEMMConvolutionFloat.self) { ctx in
                let g = try ConvGeometry(ctx: ctx, inputShape: input, filterHeight: k, filterWidth: k,
                                         strideHeight: 1, strideWidth: 1, padding: .same)
                return ConvolutionFloatReference(ctx: ctx, Conv2D.Parameters(
                    geometry: g, inputChannels: cin, outputChannels: cout, filterChannels: cin,
                    activation: FusedActivation(rawValue: activation)!))
            }
        }
    }

    /// Pointwise GEMMs on a single one-vector panel run twelve rows at a
    /// time (`FloatGEMM.microKernel12`, sixteen-lane flavours) up to K = 512: M of whole blocks and
    /// with every kind of rest (a lone last row, a short last tile), N a
    /// whole panel (its last block may end the range) or more than half of
    /// one (rows stored whole, never the range's last), or at most half (no
    /// blocks), and K past the limit; the reversed tiles check the blocks'
    /// stores stay in their rows.
    func testTwelveRowPointwiseBlocksMatchReference() throws {
        var rng = TestRandom(seed: 77)
        let maps = [(3, 4), (1, 13), (5, 5), (6, 5), (4, 12), (7, 7), (2, 31), (8, 9)]
        let outputs = [16, 11, 9, 5, 16, 13, 16, 12]
        let channels = [11, 1, 32, 7, 513, 24, 3, 64]
        for (i, (h, w)) in maps.enumerated() {
            let cout = outputs[i], cin = channels[i]
            let activation = Int8(i % 4)
            let spec = ModelSpec.convolution(
                op: 3, optionsType: 1, input: [1, h, w, cin], filter: [cout, 1, 1, cin], bias: i % 3 == 2 ? nil : cout,
                options: [(4, .i8(0)), (6, .i32(1)), (8, .i32(1)), (10, .i8(activation)), (12, .i32(1)), (14, .i32(1))],
                rng: &rng)
            try compare(spec, name: "pointwise \(h)×\(w)×\(cin) → \(cout) act \(activation)", expectFast: GEMMConvolutionFloat.self) { ctx in
                let g = try ConvGeometry(ctx: ctx, inputShape: [1, h, w, cin], filterHeight: 1, filterWidth: 1,
                                         strideHeight: 1, strideWidth: 1, padding: .same)
                return ConvolutionFloatReference(ctx: ctx, Conv2D.Parameters(
                    geometry: g, inputChannels: cin, outputChannels: cout, filterChannels: cin,
                    activation: FusedActivation(rawValue: activation)!))
            }
        }
    }

    func testPanelLayoutFitsTheColumns() {
        let lanes = TFLiteEngineBuild.floatLanes
        for wide in [true, false] {
            for n in 1...200 {
                let (nr, tail) = PackedFloatWeights.layout(n: n, groups: 1, wide: wide)
                let panels = (n + nr - 1) / nr
                let last = n - (panels - 1) * nr
                XCTAssert(tail >= last && tail <= nr, "n \(n) wide \(wide): last panel \(tail) columns for \(last)")
                XCTAssertEqual(nr, n > lanes ? (wide ? 2 * lanes : lanes) : (lanes == 16 && n <= 8 ? 8 : lanes))
                // No panel of eight lanes or of a vector and eight lanes outside the sixteen-lane flavours.
                if lanes == 8 { XCTAssert(tail % 8 == 0 && nr >= 8) } else {
                    XCTAssert(tail - last < 8, "n \(n) wide \(wide): \(tail - last) zero columns in the last panel")
                }
            }
        }
        // A group of at most eight outputs (RegNet) on eight columns where vectors have sixteen lanes.
        XCTAssertEqual(PackedFloatWeights.layout(n: 56, groups: 7).nr, lanes == 16 ? 8 : lanes)
        XCTAssertEqual(PackedFloatWeights.layout(n: 56, groups: 7).tailColumns, PackedFloatWeights.layout(n: 56, groups: 7).nr)
    }

    /// `FloatGEMM.tileShape`: seven rows only for ungrouped pointwise GEMMs
    /// wider than one vector in the sixteen-lane flavours (above K = 512 only
    /// on whole seven-row tiles), one-vector panels there below K = 96 on a
    /// CPU that starts one 512-bit multiply-add a cycle; six rows and
    /// two-vector panels everywhere else.
    func testTileShapeChoices() {
        let sixteen = TFLiteEngineBuild.floatLanes == 16
        XCTAssertEqual(FloatGEMM.maxRows, sixteen ? 7 : 6)
        let cases = [(12544, 16, 96, true, true), (40, 95, 40, true, true), (40, 96, 40, true, true), (100, 512, 64, true, true),
                     (49, 1024, 1024, true, true), (100, 1024, 1536, true, false), (12544, 32, 16, true, false),
                     (12544, 27, 32, false, false)]
        for (m, k, n, pointwise, sevenWhereSixteen) in cases {
            let seven = sixteen && sevenWhereSixteen
            for two in [false, true] {
                let shape = FloatGEMM.tileShape(m: m, k: k, n: n, pointwise: pointwise, twoWideMultiplyAdds: two)
                XCTAssertEqual(shape.rows, seven ? 7 : 6, "m \(m) k \(k) n \(n)")
                XCTAssertEqual(shape.wide, !seven || k >= 96 || two, "m \(m) k \(k) n \(n) two \(two)")
            }
            let shape = FloatGEMM.tileShape(m: m, k: k, n: n, pointwise: pointwise)
            XCTAssertEqual(shape.wide, FloatGEMM.tileShape(
                m: m, k: k, n: n, pointwise: pointwise, twoWideMultiplyAdds: ProcessorTraits.twoWideMultiplyAddsPerCycle).wide)
            XCTAssertEqual(TFLiteEngineBuild.floatGEMMTile(m: m, k: k, n: n, pointwise: pointwise).rows, shape.rows)
        }
    }

    /// `GEMMTiling.nextGroupShare`: in a group-major tiling (panels beyond
    /// L2), the tiles of a group that a run's range covers share the next
    /// group's panels once each (parts 0, 1, … in order) when the range goes
    /// on into that group; no share in the last group, past the range, or
    /// where every panel fits L2 (block-major).
    func testNextGroupSharesSplitEachNextGroupOnce() {
        // 49 rows of 7 (seven micro-tiles), 32 panels of 128 KiB in groups
        // of at most four (a 7 × 7 × 1024 → 1024 convolution).
        let tiling = GEMMTiling(m: 49, rows: 7, panelCount: 32, panelBytes: 128 << 10, cost: 49 * 1024 * 1024)
        XCTAssertFalse(tiling.blockMajor)
        XCTAssertGreaterThanOrEqual(tiling.panelGroups, 8)
        let blocks = tiling.rowBlocks
        for range in [0..<tiling.tileCount, 3..<(tiling.tileCount - 2), (blocks + 2)..<(3 * blocks + 1), 1..<blocks] {
            for group in 0..<tiling.panelGroups {
                let first = max(range.lowerBound, group * blocks), end = min(range.upperBound, (group + 1) * blocks)
                guard first < end else { continue }
                let tiles = first..<end
                let shares = tiles.map { tiling.nextGroupShare(of: $0, in: range) }
                let expected = group + 1 < tiling.panelGroups && range.upperBound > (group + 1) * blocks
                for (i, share) in shares.enumerated() {
                    guard expected else {
                        XCTAssertNil(share, "range \(range) group \(group)")
                        continue
                    }
                    let next = tiling.ranges(of: (group + 1) * blocks).panels
                    XCTAssertEqual(share?.panels, next, "range \(range) group \(group)")
                    XCTAssertEqual(share?.part, i, "range \(range) group \(group)")
                    XCTAssertEqual(share?.parts, tiles.count, "range \(range) group \(group)")
                }
            }
        }
        XCTAssertNil(tiling.nextGroupShare(of: 0, in: 1..<tiling.tileCount), "a tile outside the range")
        // Eight panels of 32 KiB fit L2 together: cut into groups only for
        // more tiles, block-major (a 7 × 7 × 256 → 256 convolution).
        let fitting = GEMMTiling(m: 49, rows: 7, panelCount: 8, panelBytes: 32 << 10, cost: 49 * 256 * 256)
        XCTAssertTrue(fitting.blockMajor)
        XCTAssertGreaterThan(fitting.panelGroups, 1)
        for tile in 0..<fitting.tileCount { XCTAssertNil(fitting.nextGroupShare(of: tile, in: 0..<fitting.tileCount)) }
    }

    /// `GEMMTiling` with one micro-tile (fully connected with batch 1):
    /// panels larger than L2 are grouped by cost, not one a tile (each tile
    /// gathers its row again), and the groups still cover every panel once.
    func testOneMicroTileGroupsPanelsByCost() {
        // VGG16's 25088 → 4096 layer: 256 int8 panels of 401 KB.
        let large = GEMMTiling(m: 1, rows: 6, panelCount: 256, panelBytes: 25088 * 16, cost: 25088 * 4096)
        XCTAssertEqual(large.tileCount, GEMMTiling.maximumTiles)
        // A squeeze-and-excitation 1×1 convolution: small panels, split down to one a tile as before.
        let small = GEMMTiling(m: 1, rows: 6, panelCount: 8, panelBytes: 960 * 32, cost: 960 * 240)
        XCTAssertEqual(small.tileCount, 8)
        for tiling in [large, small] {
            var covered = [Int](repeating: 0, count: tiling.panelCount)
            for tile in 0..<tiling.tileCount {
                let (panels, microTiles) = tiling.ranges(of: tile)
                XCTAssertEqual(microTiles, 0..<1)
                for panel in panels { covered[panel] += 1 }
            }
            XCTAssertEqual(covered, [Int](repeating: 1, count: tiling.panelCount))
        }
    }

    /// `ProcessorTraits`: one 512-bit multiply-add a cycle on Zen 4 and
    /// Intel's client cores with AVX-512, two elsewhere.
    func testWideMultiplyAddRate() {
        let cases: [(String, Int, Int, Bool)] = [
            ("AuthenticAMD", 25, 17, false), ("AuthenticAMD", 25, 97, false), ("AuthenticAMD", 26, 68, true),
            ("AuthenticAMD", 23, 49, true), ("GenuineIntel", 6, 207, true), ("GenuineIntel", 6, 143, true),
            ("GenuineIntel", 6, 85, true), ("GenuineIntel", 6, 140, false), ("GenuineIntel", 6, 126, false),
            ("CentaurHauls", 7, 59, true),
        ]
        for (vendor, family, model, two) in cases {
            XCTAssertEqual(ProcessorTraits.twoWideMultiplyAddsPerCycle(vendor: vendor, family: family, model: model), two,
                           "\(vendor) family \(family) model \(model)")
        }
    }

    /// Every M edge of seven-row tiles (1…15 pixels) on pointwise
    /// convolutions that get one-vector panels (K < 96) and two-vector ones,
    /// with tails of 8, 16 and 24 columns, against the reference.
    func testPointwiseTileEdgesMatchReference() throws {
        var rng = TestRandom(seed: 23)
        for pixels in 1...15 {
            let (cin, cout) = [(16, 40), (100, 40), (100, 24), (20, 17), (96, 56)][pixels % 5]
            let activation = Int8(pixels % 4)
            let input = [1, 1, pixels, cin]
            let spec = ModelSpec.convolution(
                op: 3, optionsType: 1, input: input, filter: [cout, 1, 1, cin], bias: cout,
                options: [(4, .i8(1)), (6, .i32(1)), (8, .i32(1)), (10, .i8(activation)), (12, .i32(1)), (14, .i32(1))],
                rng: &rng)
            let shape = FloatGEMM.tileShape(m: pixels, k: cin, n: cout, pointwise: true)
            try compare(spec, name: "pointwise \(input) → \(cout) (rows \(shape.rows), wide \(shape.wide))",
                        expectFast: GEMMConvolutionFloat.self) { ctx in
                let g = try ConvGeometry(ctx: ctx, inputShape: input, filterHeight: 1, filterWidth: 1,
                                         strideHeight: 1, strideWidth: 1, padding: .valid)
                return ConvolutionFloatReference(ctx: ctx, Conv2D.Parameters(
                    geometry: g, inputChannels: cin, outputChannels: cout, filterChannels: cin,
                    activation: FusedActivation(rawValue: activation)!))
            }
        }
    }

    /// Six- and seven-row tiles on one- and two-vector panels compute each
    /// output the same way (the bias, then the K multiply-adds in order), so
    /// whichever `FloatGEMM.tileShape` picks, the bits are the same: here
    /// on M with no single-row tile for either height (a single row runs on
    /// `microKernel1`, which sums even and odd k apart), all tiles at once
    /// and one by one in reverse (with and without the weights' prefetch).
    func testPointwiseTileShapesGiveIdenticalBits() throws {
        var rng = TestRandom(seed: 29)
        // (The last: 640 KiB of weights, two panel groups, so the tiles run
        // all at once prefetch the next group's panels: `nextGroupShare`.)
        for (pixels, cin, cout) in [(40, 16, 96), (35, 32, 24), (42, 96, 40), (47, 100, 17), (40, 19, 56), (35, 128, 64), (21, 512, 320)] {
            let name = "pointwise \(pixels) × \(cin) → \(cout)"
            let spec = ModelSpec.convolution(
                op: 3, optionsType: 1, input: [1, 1, pixels, cin], filter: [cout, 1, 1, cin], bias: cout,
                options: [(4, .i8(1)), (6, .i32(1)), (8, .i32(1)), (10, .i8(3)), (12, .i32(1)), (14, .i32(1))],
                rng: &rng)
            guard let harness = try SingleOpHarness(modelData: spec.data, name: name) else { return }
            var inputs = SingleOpHarness.random(for: name)
            let input = harness.input.bindMemory(to: Float.self)
            for i in input.indices { input[i] = inputs.float() * 4 }
            var results: [(String, [UInt8])] = []
            for rows in Set([6, FloatGEMM.maxRows]).sorted() {
                for wide in [true, false] {
                    let packed = try XCTUnwrap(PackedFloatWeights.shared(
                        ctx: harness.context, weightsInput: 1, biasInput: 2, n: cout, k: cin, wide: wide))
                    let kernel = GEMMConvolutionFloat(
                        ctx: harness.context, source: .rows(stride: cin), m: pixels, n: cout, taps: 1, channels: cin,
                        packed: packed, rows: rows, activation: .relu6)
                    if cin == 512 {
                        XCTAssertNotNil(kernel.tiling.nextGroupShare(of: 0, in: 0..<kernel.tileCount), "\(name): no panel group to prefetch")
                    }
                    let fill = UInt8(results.count + 1)
                    results.append(("rows \(rows) wide \(wide)", harness.run(kernel, tilesReversed: false, fill: fill)))
                    results.append(("rows \(rows) wide \(wide) reversed", harness.run(kernel, tilesReversed: true, fill: fill + 8)))
                }
            }
            for (label, bytes) in results.dropFirst() {
                XCTAssert(bytes == results[0].1, "\(name): \(label) differs from \(results[0].0)")
            }
        }
    }

    func testDepthwiseMatchesReference() throws {
        var rng = TestRandom(seed: 2)
        for i in 0..<50 {
            let is3x3 = i % 3 != 2
            let kh = is3x3 ? 3 : rng.int(1...5), kw = is3x3 ? 3 : rng.int(1...5)
            let s = rng.int(1...2)
            let stride = i % 4 == 3 ? (rng.int(1...3), rng.int(1...3)) : (s, s)
            let dilation = rng.int(0...4) == 0 ? (rng.int(1...2), rng.int(1...2)) : (1, 1)
            let multiplier = i % 6 == 5 ? rng.int(2...3) : 1
            let padding = rng.int(0...1)
            let batch = rng.int(1...2)
            let h = rng.int(max(1, (kh - 1) * dilation.0 + 1)...14), w = rng.int(max(1, (kw - 1) * dilation.1 + 1)...14)
            let cin = [1, 3, 8, 16, 17, 32, 40, 11, 22, 44][rng.int(0...9)]
            let cout = cin * multiplier
            let activation = Int8(rng.int(0...3))
            let hasBias = rng.int(0...4) > 0
            let spec = ModelSpec.convolution(
                op: 4, optionsType: 2, input: [batch, h, w, cin], filter: [1, kh, kw, cout], bias: hasBias ? cout : nil,
                options: [(4, .i8(Int8(padding))), (6, .i32(Int32(stride.1))), (8, .i32(Int32(stride.0))),
                          (10, .i32(Int32(multiplier))), (12, .i8(activation)),
                          (14, .i32(Int32(dilation.1))), (16, .i32(Int32(dilation.0)))],
                rng: &rng)
            try compare(spec, name: "depthwise #\(i) in \([batch, h, w, cin]) k \(kh)x\(kw) m \(multiplier) s \(stride) d \(dilation) pad \(padding) act \(activation)",
                        expectFast: multiplier == 1 ? DepthwiseConv2DFloatVectorized.self : ConvolutionFloatReference.self) { ctx in
                let g = try ConvGeometry(
                    ctx: ctx, inputShape: [batch, h, w, cin], filterHeight: kh, filterWidth: kw,
                    strideHeight: stride.0, strideWidth: stride.1, dilationHeight: dilation.0, dilationWidth: dilation.1,
                    padding: Padding(rawValue: Int8(padding))!)
                return ConvolutionFloatReference(ctx: ctx, DepthwiseConv2D.Parameters(
                    geometry: g, inputChannels: cin, outputChannels: cout, depthMultiplier: multiplier,
                    activation: FusedActivation(rawValue: activation)!))
            }
        }
    }

    /// The large-filter depthwise path (5×5, 7×7, other K×K): rows wide
    /// enough for the eight-pixel interior loop, small maps where most
    /// pixels are edges, stride 2, dilation 2, channel counts with one to
    /// several vectors and an overlapping last vector (or, below one
    /// vector, the scalar loop).
    func testLargeFilterDepthwiseMatchesReference() throws {
        var rng = TestRandom(seed: 12)
        let cases: [(k: (Int, Int), stride: Int, dilation: Int, size: (Int, Int), channels: Int)] = [
            ((5, 5), 1, 1, (14, 14), 40), ((5, 5), 2, 1, (28, 27), 24), ((5, 5), 1, 1, (7, 7), 72),
            ((7, 7), 1, 1, (23, 30), 16), ((7, 7), 1, 1, (7, 7), 48), ((7, 7), 2, 1, (29, 31), 8),
            ((5, 5), 1, 2, (21, 26), 17), ((7, 7), 2, 2, (25, 33), 33), ((3, 5), 1, 1, (9, 40), 32),
            ((5, 3), 2, 1, (12, 19), 9), ((4, 4), 1, 1, (11, 20), 64), ((5, 5), 1, 1, (4, 3), 16),
            ((3, 3), 1, 2, (13, 21), 24), ((1, 1), 1, 1, (5, 18), 8),
            // NASNet's channel counts (last vector overlapping) and 3×3 rows wide enough for runs of eight.
            ((7, 7), 2, 1, (30, 29), 22), ((5, 5), 2, 1, (30, 30), 11), ((3, 3), 1, 1, (12, 28), 44),
            ((3, 3), 2, 1, (9, 37), 20), ((5, 5), 1, 1, (8, 21), 36),
        ]
        for (i, c) in cases.enumerated() {
            for padding in 0...1 {
                let (kh, kw) = c.k
                guard padding == 0 || (kh - 1) * c.dilation + 1 <= c.size.0 && (kw - 1) * c.dilation + 1 <= c.size.1 else { continue }
                let activation = Int8(rng.int(0...3))
                let input = [1 + i % 2, c.size.0, c.size.1, c.channels]
                let spec = ModelSpec.convolution(
                    op: 4, optionsType: 2, input: input, filter: [1, kh, kw, c.channels], bias: i % 4 == 3 ? nil : c.channels,
                    options: [(4, .i8(Int8(padding))), (6, .i32(Int32(c.stride))), (8, .i32(Int32(c.stride))),
                              (10, .i32(1)), (12, .i8(activation)),
                              (14, .i32(Int32(c.dilation))), (16, .i32(Int32(c.dilation)))],
                    rng: &rng)
                try compare(spec, name: "large depthwise #\(i) in \(input) k \(kh)x\(kw) s \(c.stride) d \(c.dilation) pad \(padding) act \(activation)",
                            expectFast: DepthwiseConv2DFloatVectorized.self) { ctx in
                    let g = try ConvGeometry(
                        ctx: ctx, inputShape: input, filterHeight: kh, filterWidth: kw,
                        strideHeight: c.stride, strideWidth: c.stride, dilationHeight: c.dilation, dilationWidth: c.dilation,
                        padding: Padding(rawValue: Int8(padding))!)
                    return ConvolutionFloatReference(ctx: ctx, DepthwiseConv2D.Parameters(
                        geometry: g, inputChannels: c.channels, outputChannels: c.channels, depthMultiplier: 1,
                        activation: FusedActivation(rawValue: activation)!))
                }
            }
        }
    }

    /// The depthwise kernel computes every output in one order — bias, then
    /// taps (0,0), (0,1), … row by row, one `FloatVector.multiplyAdd` each —
    /// whether the pixel is an edge, one of four 3×3 interior pixels sharing
    /// input loads (stride 2; stride 1 at 1 KiB pixels), one of eight or four
    /// interior pixels sharing weight loads (3×3 at stride 3), one of eight
    /// 3×3 (stride 1), 5×5 or 7×7 pixels sliding along each filter row (edge
    /// groups reading zeros for taps outside the input, a last group
    /// overlapping its predecessor), or one of the last zero to three
    /// interior pixels, so its results equal that order computed one output
    /// at a time, bit for bit (tolerance 0).
    /// Shapes: 3 to 1024 channels, an overlapping last vector, 8–15 channels
    /// (eight lanes where `FloatVector` has sixteen), interior widths of
    /// every remainder modulo four.
    func testDepthwiseSumsTapsInOneOrder() throws {
        var rng = TestRandom(seed: 14)
        let cases: [(size: (Int, Int), channels: Int, stride: Int, k: Int)] = [
            ((5, 70), 32, 1, 3), ((6, 47), 128, 1, 3), ((4, 23), 1024, 1, 3), ((7, 37), 20, 2, 3), ((6, 45), 64, 2, 3),
            ((5, 30), 256, 2, 3), ((5, 19), 24, 3, 3), ((4, 13), 3, 1, 3), ((9, 9), 8, 1, 3), ((3, 3), 16, 1, 3),
            ((4, 8), 44, 1, 3), ((4, 11), 44, 2, 3), ((3, 12), 128, 2, 3), ((3, 10), 728, 1, 3),
            // 5×5 and 7×7 (EfficientNet, MobileNetV3, NASNet, ConvNeXt): interior widths 4 to 7 and more.
            ((6, 12), 144, 1, 5), ((7, 13), 40, 1, 5), ((6, 14), 20, 1, 5), ((5, 15), 11, 1, 5),
            ((9, 21), 144, 2, 5), ((9, 23), 24, 2, 5), ((9, 25), 44, 2, 5), ((9, 27), 8, 2, 5), ((8, 30), 3, 2, 5),
            ((8, 13), 96, 1, 7), ((8, 14), 22, 1, 7), ((8, 15), 16, 1, 7), ((8, 16), 44, 1, 7),
            ((11, 25), 22, 2, 7), ((11, 27), 64, 2, 7), ((11, 29), 11, 2, 7), ((11, 31), 32, 2, 7),
            // Rows of eight-pixel groups: edge groups, interior groups, a last group overlapping its predecessor.
            ((8, 37), 22, 1, 7), ((5, 30), 44, 1, 5), ((9, 61), 11, 2, 5), ((8, 58), 16, 2, 7), ((7, 24), 32, 1, 7),
            // One or two interior columns after the groups (one at a time: one at stride 1, two at stride 2;
            // else a last group overlapping): 33 columns at strides 1 and 2, 26 and 34.
            ((6, 33), 144, 1, 5), ((8, 33), 96, 1, 7), ((7, 65), 48, 2, 5), ((7, 52), 64, 2, 5), ((9, 67), 40, 2, 7),
            ((6, 34), 96, 1, 5),
            // Two to seven columns between the edge groups: one group from the left one's end, into the right
            // one's columns (18 to 23 columns; 19 at stride 2).
            ((6, 19), 96, 1, 5), ((7, 22), 40, 1, 5), ((8, 21), 64, 1, 7), ((6, 38), 48, 2, 5), ((6, 18), 32, 1, 5),
            // 8–15 channels: eight lanes in the sixteen-lane flavours (3×3 sliding rows and edges, 5×5, 7×7).
            ((6, 21), 13, 1, 3), ((7, 23), 15, 2, 3), ((6, 17), 9, 1, 5), ((8, 19), 12, 1, 7),
            // Maps narrower than eight columns (the last blocks' 7×7): one group, its pixels past the row not stored.
            ((7, 7), 176, 1, 3), ((7, 7), 40, 1, 5), ((7, 7), 72, 1, 7), ((14, 13), 24, 2, 5), ((9, 9), 40, 2, 7),
            ((5, 6), 13, 1, 3), ((5, 5), 16, 1, 5), ((7, 7), 1024, 1, 3), ((4, 5), 256, 1, 3),
            // Rows of 8 to 15 columns (EfficientNet's 8 × 8 and 9 × 9 maps): a left edge group, then the
            // columns a right group would overlap four or one at a time.
            ((8, 8), 136, 1, 3), ((8, 8), 72, 1, 5), ((15, 15), 24, 2, 5), ((17, 17), 40, 2, 5), ((9, 10), 48, 1, 7),
            // 3×3 runs along the row's floats (channels not a multiple of the lanes, below four vectors):
            // blocks of four rows and single rows, interiors of one vector or less, both edges.
            ((10, 30), 11, 1, 3), ((9, 29), 22, 1, 3), ((7, 5), 24, 1, 3), ((6, 3), 11, 1, 3),
            ((13, 17), 17, 1, 3), ((4, 9), 9, 1, 3), ((11, 4), 31, 1, 3), ((8, 56), 12, 1, 3),
            ((9, 28), 44, 1, 3), ((6, 7), 60, 1, 3), ((5, 11), 40, 1, 3),
            // Pixels a multiple of 2 KiB: bands of rows copied a channel-vector pair at a time (one band, bands of
            // six with a last of two, maps four wide; padding 0 leaves two columns, below the path's four).
            ((10, 10), 1024, 1, 3), ((14, 20), 512, 1, 3), ((6, 4), 512, 1, 3), ((5, 9), 1536, 1, 3),
            // In the sixteen-lane flavours any C of two vectors or more off the flat rows, copied the same way,
            // the last pair overlapping its predecessor where C is not a multiple of two vectors (Xception's 728).
            ((6, 19), 728, 1, 3), ((7, 13), 48, 1, 3), ((8, 9), 72, 1, 3), ((9, 28), 32, 1, 3),
        ]
        for (i, c) in cases.enumerated() {
            for padding in 0...1 {
                let activation = Int8(rng.int(0...3))
                let input = [1 + i % 2, c.size.0, c.size.1, c.channels]
                let spec = ModelSpec.convolution(
                    op: 4, optionsType: 2, input: input, filter: [1, c.k, c.k, c.channels], bias: i % 4 == 3 ? nil : c.channels,
                    options: [(4, .i8(Int8(padding))), (6, .i32(Int32(c.stride))), (8, .i32(Int32(c.stride))),
                              (10, .i32(1)), (12, .i8(activation)), (14, .i32(1)), (16, .i32(1))],
                    rng: &rng)
                try compare(spec, name: "\(c.k)x\(c.k) depthwise order #\(i) in \(input) s \(c.stride) pad \(padding) act \(activation)",
                            expectFast: DepthwiseConv2DFloatVectorized.self, tolerance: 0) { ctx in
                    let g = try ConvGeometry(
                        ctx: ctx, inputShape: input, filterHeight: c.k, filterWidth: c.k,
                        strideHeight: c.stride, strideWidth: c.stride, dilationHeight: 1, dilationWidth: 1,
                        padding: Padding(rawValue: Int8(padding))!)
                    return InOrderDepthwiseFloat(ctx: ctx, geometry: g, channels: c.channels, activation: FusedActivation(rawValue: activation)!)
                }
            }
        }
    }

    /// 5×5 and 7×7 filters on pairs of pixels (`DepthwisePairedRows`, the
    /// sixteen-lane flavours): the order of `testDepthwiseSumsTapsInOneOrder`
    /// bit for bit, over rows of one group or less (under 16 columns,
    /// computed aside and copied), of whole groups, and with a last group
    /// overlapping its predecessor; stride 1 and 2 (even and odd pixels),
    /// filters shorter or taller than wide, one and two images (the ring's
    /// tags), both paddings. Stride 2 with fewer than 16 channels, and 5×5
    /// at stride 2 with fewer than 32, runs along the rows' floats
    /// (`testFlatDepthwiseRowsSumTapsInOneOrder`).
    func testPairedDepthwiseRowsSumTapsInOneOrder() throws {
        try checkDepthwiseOrder(seed: 15, label: "paired", [
            ((6, 56), 11, 1, (5, 5), true), ((5, 15), 11, 1, (5, 5), true), ((7, 16), 12, 1, (7, 7), true),
            ((6, 17), 9, 1, (5, 5), true), ((9, 33), 22, 1, (5, 5), true), ((8, 31), 20, 1, (7, 7), true),
            ((11, 57), 22, 2, (5, 5), false), ((12, 56), 22, 2, (7, 7), true), ((9, 20), 24, 2, (5, 5), false),
            ((10, 35), 17, 2, (7, 7), true), ((6, 9), 22, 1, (7, 7), true), ((7, 30), 11, 1, (3, 5), true),
            ((9, 41), 23, 2, (9, 7), true), ((9, 40), 11, 2, (5, 5), false), ((8, 30), 16, 1, (5, 5), false),
            ((8, 30), 40, 1, (5, 5), false),
        ]) { $0?.paired != nil }
    }

    /// Filters at stride 2 along the output rows' floats
    /// (`DepthwiseFlatRows`, the sixteen-lane flavours: 5×5 with 8 to 31
    /// channels, other shapes 5 or 7 wide with 8 to 15): the same order bit
    /// for bit, over blocks of four rows and the rows left over (heights
    /// whose output is not a multiple of four), bands of eight rows and
    /// shorter ones, output rows of one vector, of an odd number of vectors
    /// and with a last vector overlapping its predecessor, widths odd and
    /// even (the padded row's halves), filters shorter or taller than wide,
    /// one and two images (the ring's tags), both paddings. 3×3 filters,
    /// 5×5 with 32 channels, 7×7 with 16 and phase tables over
    /// `maximumTableBytes` (15 channels 7×7) keep the other paths.
    func testFlatDepthwiseRowsSumTapsInOneOrder() throws {
        try checkDepthwiseOrder(seed: 16, label: "flat", [
            ((111, 111), 11, 2, (5, 5), true), ((13, 57), 11, 2, (7, 7), true), ((9, 4), 8, 2, (5, 5), true),
            ((10, 7), 11, 2, (5, 5), true), ((7, 23), 15, 2, (5, 5), true), ((12, 31), 9, 2, (3, 5), true),
            ((6, 18), 12, 2, (9, 7), true), ((5, 8), 11, 2, (5, 5), true), ((14, 40), 12, 2, (5, 5), true),
            ((9, 40), 16, 2, (5, 5), true), ((9, 40), 11, 2, (3, 3), false), ((9, 40), 11, 1, (5, 5), false),
            ((7, 23), 15, 2, (7, 7), false),
            // 5×5 with 16 to 31 channels (`flatPhaseColumns`): groups of one to four columns of a phase, a last
            // vector of its own, bands of eight rows and a last shorter one, single rows, short bands (a ring
            // over 256 KiB: 113 columns of 30 channels).
            ((11, 57), 22, 2, (5, 5), true), ((9, 20), 24, 2, (5, 5), true), ((21, 30), 16, 2, (5, 5), true),
            ((37, 15), 17, 2, (5, 5), true), ((8, 23), 30, 2, (5, 5), true), ((9, 113), 30, 2, (5, 5), true),
            ((19, 27), 32, 2, (5, 5), false), ((6, 30), 22, 2, (7, 7), false), ((9, 40), 20, 2, (5, 3), false),
        ]) { $0?.flat != nil }
    }

    /// Depthwise layers of the given shapes against `InOrderDepthwiseFloat`
    /// bit for bit, both paddings, random activations, with and without
    /// bias, one and two images; `taken` tells whether the fast kernel took
    /// the path under test (expected in the sixteen-lane flavours only).
    private func checkDepthwiseOrder(seed: UInt64, label: String,
                                     _ cases: [(size: (Int, Int), channels: Int, stride: Int, k: (Int, Int), taken: Bool)],
                                     taken: (DepthwiseConv2DFloatVectorized?) -> Bool) throws {
        var rng = TestRandom(seed: seed)
        for (i, c) in cases.enumerated() {
            for padding in 0...1 {
                let (kh, kw) = c.k
                guard padding == 0 || kh <= c.size.0 && kw <= c.size.1 else { continue }
                let activation = Int8(rng.int(0...3))
                let input = [1 + i % 2, c.size.0, c.size.1, c.channels]
                let spec = ModelSpec.convolution(
                    op: 4, optionsType: 2, input: input, filter: [1, kh, kw, c.channels], bias: i % 4 == 3 ? nil : c.channels,
                    options: [(4, .i8(Int8(padding))), (6, .i32(Int32(c.stride))), (8, .i32(Int32(c.stride))),
                              (10, .i32(1)), (12, .i8(activation)), (14, .i32(1)), (16, .i32(1))],
                    rng: &rng)
                let name = "\(label) \(kh)x\(kw) depthwise #\(i) in \(input) s \(c.stride) pad \(padding) act \(activation)"
                guard let harness = try SingleOpHarness(modelData: spec.data, name: name) else { continue }
                let took = taken(harness.fastKernel as? DepthwiseConv2DFloatVectorized)
                #if TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI
                XCTAssertEqual(took, c.taken, "\(name): path taken")
                #else
                XCTAssertFalse(took, "\(name): the path is for the sixteen-lane flavours")
                #endif
                try compare(spec, name: name, expectFast: DepthwiseConv2DFloatVectorized.self, tolerance: 0) { ctx in
                    let g = try ConvGeometry(
                        ctx: ctx, inputShape: input, filterHeight: kh, filterWidth: kw,
                        strideHeight: c.stride, strideWidth: c.stride, dilationHeight: 1, dilationWidth: 1,
                        padding: Padding(rawValue: Int8(padding))!)
                    return InOrderDepthwiseFloat(ctx: ctx, geometry: g, channels: c.channels, activation: FusedActivation(rawValue: activation)!)
                }
            }
        }
    }

    /// Blocks of rows that the strips walk (`stripBlockBytes`: one row,
    /// a few, many) and the next input rows asked for ahead
    /// (`minimumPrefetchedBytes` 0: every node) keep every output's order.
    func testDepthwiseRowBlocksAndPrefetchingKeepTheOrder() throws {
        let (blockBytes, prefetchedBytes) = (DepthwiseConv2DFloatVectorized.stripBlockBytes, DepthwiseConv2DFloatVectorized.minimumPrefetchedBytes)
        defer { (DepthwiseConv2DFloatVectorized.stripBlockBytes, DepthwiseConv2DFloatVectorized.minimumPrefetchedBytes) = (blockBytes, prefetchedBytes) }
        DepthwiseConv2DFloatVectorized.minimumPrefetchedBytes = 0
        for bytes in [1, 4 << 10, 40 << 10] {
            DepthwiseConv2DFloatVectorized.stripBlockBytes = bytes
            try testDepthwiseSumsTapsInOneOrder()
        }
    }

    /// Grouped CONV_2D (filter channels = input channels / groups) on the
    /// GEMM, one set of panels per group: group widths below, at and above
    /// a vector, pointwise and 3×3, stride 2, padding.
    func testGroupedConvolutionMatchesReference() throws {
        var rng = TestRandom(seed: 13)
        let cases: [(groups: Int, groupIn: Int, groupOut: Int, k: Int, stride: Int, size: (Int, Int))] = [
            (7, 8, 8, 3, 1, (9, 11)), (3, 8, 8, 3, 2, (13, 10)), (2, 16, 24, 3, 1, (7, 7)), (4, 3, 5, 3, 1, (6, 9)),
            (2, 8, 40, 1, 1, (5, 7)), (6, 4, 4, 1, 2, (8, 8)), (3, 24, 24, 3, 1, (12, 12)), (2, 5, 17, 5, 1, (9, 8)),
            // One channel in and out per group (ConvNeXt's 7×7): the depthwise kernel.
            (24, 1, 1, 7, 1, (14, 13)), (17, 1, 1, 3, 2, (9, 10)), (3, 1, 2, 3, 1, (6, 6)),
        ]
        for (i, c) in cases.enumerated() {
            let padding = i % 3 == 2 ? 0 : 1
            let activation = Int8(rng.int(0...3))
            let cin = c.groups * c.groupIn, cout = c.groups * c.groupOut
            let input = [1 + i % 2, c.size.0, c.size.1, cin]
            let spec = ModelSpec.convolution(
                op: 3, optionsType: 1, input: input, filter: [cout, c.k, c.k, c.groupIn], bias: i % 4 == 1 ? nil : cout,
                options: [(4, .i8(Int8(padding))), (6, .i32(Int32(c.stride))), (8, .i32(Int32(c.stride))),
                          (10, .i8(activation)), (12, .i32(1)), (14, .i32(1))],
                rng: &rng)
            try compare(spec, name: "grouped conv #\(i) in \(input) groups \(c.groups) \(c.groupIn)→\(c.groupOut) k \(c.k) s \(c.stride) pad \(padding)",
                        expectFast: c.groupIn == 1 && c.groupOut == 1 ? DepthwiseConv2DFloatVectorized.self : GEMMConvolutionFloat.self) { ctx in
                let g = try ConvGeometry(
                    ctx: ctx, inputShape: input, filterHeight: c.k, filterWidth: c.k,
                    strideHeight: c.stride, strideWidth: c.stride, padding: Padding(rawValue: Int8(padding))!)
                return ConvolutionFloatReference(ctx: ctx, Conv2D.Parameters(
                    geometry: g, inputChannels: cin, outputChannels: cout, filterChannels: c.groupIn,
                    activation: FusedActivation(rawValue: activation)!))
            }
        }
    }

    func testFullyConnectedMatchesReference() throws {
        var rng = TestRandom(seed: 3)
        for i in 0..<40 {
            let batches = [1, 1, 2, 5, 6, 7, 13][rng.int(0...6)]
            let k = [1, 2, 7, 16, 33, 100][rng.int(0...5)]
            let n = [1, 5, 16, 17, 32, 40, 64, 65][rng.int(0...7)]
            let activation = Int8(rng.int(0...3))
            let hasBias = rng.int(0...3) > 0
            let spec = ModelSpec.convolution(
                op: 9, optionsType: 8, input: [batches, k], filter: [n, k], bias: hasBias ? n : nil,
                options: [(4, .i8(activation))], rng: &rng)
            try compare(spec, name: "fully connected #\(i) \(batches)x\(k) → \(n) act \(activation)",
                        expectFast: GEMMConvolutionFloat.self) { ctx in
                FullyConnectedFloatReference(ctx: ctx, FullyConnected.Parameters(
                    batches: batches, inputDepth: k, outputDepth: n, activation: FusedActivation(rawValue: activation)!))
            }
        }
    }

    func testPoolingMatchesReferenceExactly() throws {
        var rng = TestRandom(seed: 4)
        // Cases 40–45: 3×3 windows at stride 1 along the row, whose interior
        // rows run as one run with the window's size as constants (NASNet's
        // pools), and edge rows of two window rows.
        let runCases = [(12, 30, 11, 1, 1), (9, 21, 22, 1, 0), (7, 40, 16, 1, 1), (10, 17, 44, 2, 1), (6, 33, 13, 1, 0), (8, 19, 3, 1, 1)]
        for i in 0..<46 {
            let isMax = i % 2 == 0
            var fh = rng.int(1...4), fw = rng.int(1...4)
            var stride = (rng.int(1...3), rng.int(1...3))
            var padding = rng.int(0...1)
            var batch = rng.int(1...2), h = rng.int(fh...11), w = rng.int(fw...11)
            var c = [1, 3, 16, 17, 40, 11, 44, 8, 13][rng.int(0...8)]
            if i >= 40 {
                let r = runCases[i - 40]
                (fh, fw, batch, h, w, c, stride, padding) = (3, 3, 1 + i % 2, r.0, r.1, r.2, (r.3, 1), r.4)
            }
            let activation = Int8(rng.int(0...3))
            let spec = ModelSpec.unary(
                op: isMax ? 17 : 1, optionsType: 5, input: [batch, h, w, c], extraInputs: [],
                options: [(4, .i8(Int8(padding))), (6, .i32(Int32(stride.1))), (8, .i32(Int32(stride.0))),
                          (10, .i32(Int32(fw))), (12, .i32(Int32(fh))), (14, .i8(activation))],
                rng: &rng)
            try compare(spec, name: "\(isMax ? "max" : "average") pool #\(i) \([batch, h, w, c]) \(fh)x\(fw) s \(stride) pad \(padding)",
                        expectFast: Pool2DFloatVectorized.self, tolerance: 0) { ctx in
                let g = try ConvGeometry(
                    ctx: ctx, inputShape: [batch, h, w, c], filterHeight: fh, filterWidth: fw,
                    strideHeight: stride.0, strideWidth: stride.1, padding: Padding(rawValue: Int8(padding))!)
                return Pool2DFloatReference(ctx: ctx, Pool2D.Parameters(
                    geometry: g, channels: c, activation: FusedActivation(rawValue: activation)!, kind: isMax ? .max : .average))
            }
        }
    }

    func testMeanMatchesReferenceExactly() throws {
        var rng = TestRandom(seed: 5)
        let cases: [([Int], [Int32], Bool)] = [
            ([1, 7, 7, 40], [1, 2], true), ([2, 5, 3, 17], [1, 2], false), ([1, 1, 1, 16], [1, 2], true),
            ([3, 4, 5], [1], false), ([2, 3, 4, 5], [2], true), ([2, 3, 4, 5], [0, 1], false), ([4, 33], [0], true),
            ([1, 5, 5, 77], [1, 2], true), ([2, 3, 3, 70], [1, 2], false), ([1, 2, 2, 131], [1, 2], true),
        ]
        for (i, (shape, axes, keepDims)) in cases.enumerated() {
            let spec = ModelSpec.unary(
                op: 40, optionsType: 27, input: shape, extraInputs: [(shape: [axes.count], int32s: axes)],
                options: [(4, .bool(keepDims))], rng: &rng)
            try compare(spec, name: "mean #\(i) \(shape) axes \(axes)", expectFast: MeanFloatContiguous.self, tolerance: 0) { ctx in
                MeanFloatReference(ctx: ctx, try Reduction(ctx: ctx, input: ctx.input(0), axes: ctx.input(1), keepDims: keepDims))
            }
        }
        // Trailing axes (a layer norm's mean over channels): rows summed eight side by side, and the leftover rows.
        let trailing: [([Int], [Int32], Bool)] = [
            ([1, 5, 5, 96], [3], true), ([3, 7, 13], [2], false), ([2, 3, 4, 5], [2, 3], true), ([11, 2], [-1], false),
            ([1, 9, 8, 3], [3], true), ([70, 17], [1], true),
        ]
        for (i, (shape, axes, keepDims)) in trailing.enumerated() {
            let spec = ModelSpec.unary(
                op: 40, optionsType: 27, input: shape, extraInputs: [(shape: [axes.count], int32s: axes)],
                options: [(4, .bool(keepDims))], rng: &rng)
            try compare(spec, name: "mean trailing #\(i) \(shape) axes \(axes)", expectFast: MeanFloatTrailing.self, tolerance: 0) { ctx in
                MeanFloatReference(ctx: ctx, try Reduction(ctx: ctx, input: ctx.input(0), axes: ctx.input(1), keepDims: keepDims))
            }
        }
    }

    func testElementwiseAddMatchesGenericKernelExactly() throws {
        var rng = TestRandom(seed: 7)
        for (i, shape) in [[1, 5, 5, 24], [2, 3, 7], [37], [1, 1, 1, 1], [1, 64, 65]].enumerated() {
            let activation = Int8(i % 4)
            let spec = ModelSpec.convolution(op: 0, optionsType: 11, input: shape, filter: shape, bias: nil,
                                             options: [(4, .i8(activation))], rng: &rng)
            try compare(spec, name: "add #\(i) \(shape) act \(activation)", expectFast: FloatBinaryVectorKernel.self, tolerance: 0) { ctx in
                BinaryFloatKernel<Add.Operation>(
                    ctx: ctx, shape: try BroadcastShape(shape, shape, ctx: ctx), activation: FusedActivation(rawValue: activation)!)
            }
        }
    }

    /// Every broadcast pattern (same shape, scalar on either side, per-channel
    /// vector, per-row scalar, row × column, three-dimensional mixes, sizes
    /// off the vector width and past a tile) for each float binary operator,
    /// against the simple broadcasting kernel, exactly.
    func testBroadcastBinaryMatchesGenericKernelExactly() throws {
        var rng = TestRandom(seed: 8)
        let shapes: [([Int], [Int])] = [
            ([1, 9, 9, 3], [1]), ([1], [2, 5, 7]), ([1, 7, 7, 40], [40]), ([1, 6, 5, 19], [1, 1, 1, 19]),
            ([1, 1, 1, 24], [1, 8, 9, 24]), ([5, 1], [5, 33]), ([4, 1], [1, 13]), ([2, 3, 1, 6], [3, 4, 1]),
            ([1, 70, 70, 3], [1, 1, 1, 3]), ([3, 17], [3, 17]), ([2, 1, 4, 1], [1, 3, 1, 5]), ([3, 1, 5], [1, 4, 1]),
            // Periodic walk (short rows, one side a repeated row): on either side, with a partial last block.
            ([7], [1, 9, 5, 7]), ([1, 7, 3, 10], [10]), ([1, 5, 5, 31], [31]),
        ]
        func reference<Operation: FloatBinaryOperation>(_: Operation.Type, _ a: [Int], _ b: [Int], _ activation: FusedActivation?)
            -> (PrepareContext) throws -> Kernel {
            { ctx in BinaryFloatKernel<Operation>(ctx: ctx, shape: try BroadcastShape(a, b, ctx: ctx), activation: activation) }
        }
        for (i, (a, b)) in shapes.enumerated() {
            let activation = Int8(i % 4)
            let cases: [(String, Int32, UInt8, [(Int, FlatBufferBuilder.Value)], (PrepareContext) throws -> Kernel)] = [
                ("add", 0, 11, [(4, .i8(activation))], reference(Add.Operation.self, a, b, FusedActivation(rawValue: activation)!)),
                ("mul", 18, 21, [(4, .i8(activation))], reference(Mul.Operation.self, a, b, FusedActivation(rawValue: activation)!)),
                ("sub", 41, 0, [], reference(Sub.Operation.self, a, b, FusedActivation.none)),
                ("div", 42, 0, [], reference(Div.Operation.self, a, b, FusedActivation.none)),
                ("maximum", 55, 0, [], reference(MaximumMinimum.FloatOperation<Maximum>.self, a, b, nil)),
                ("minimum", 57, 0, [], reference(MaximumMinimum.FloatOperation<Minimum>.self, a, b, nil)),
                ("squared_difference", 99, 0, [], reference(SquaredDifference.Operation.self, a, b, nil)),
                ("prelu", 54, 0, [], reference(Prelu.Operation.self, a, b, nil)),
            ]
            for (name, op, optionsType, options, makeReference) in cases {
                let spec = ModelSpec.convolution(op: op, optionsType: optionsType, input: a, filter: b, bias: nil, options: options, rng: &rng)
                try compare(spec, name: "\(name) #\(i) \(a) × \(b)", expectFast: FloatBinaryVectorKernel.self, tolerance: 0,
                            reference: makeReference)
            }
        }
    }

    /// EfficientNet's swish activations (`MUL(x, LOGISTIC(x))`) are fused on a
    /// plan without delegate, and the fused plan gives the same bits as the
    /// two kernels run one after the other: float32 (the MUL computes the
    /// logistic) and int8 (the MUL reads a table of `x · logistic(x)`).
    func testSwishFusionIsBitIdenticalToTwoKernels() throws {
        let dir = Fixtures.directory("zoo")
        // (The fused swish's table is otherwise applied by the convolution
        // before it, which `SwishFusion.apply` alone below would not undo.)
        StoredActivationFusion.isEnabled = false
        defer { StoredActivationFusion.isEnabled = true }
        for variant in ["float32", "int8"] {
            let name = "efficientnetb0_\(variant)"
            let interpreter = try Interpreter(modelPath: dir.appendingPathComponent("\(name).tflite").path)
            try interpreter.allocateTensors()
            try interpreter.copy(try NumPyArray(contentsOfFile: dir.appendingPathComponent("\(name).input0.npy").path).data,
                                 toInputAt: 0)
            let graph = try XCTUnwrap(interpreter.preparedGraph)
            func isSkipped(_ kernel: Kernel) -> Bool {
                (kernel as? ElementwiseKernel<Float, Float>)?.isSkipped == true || (kernel as? ElementwiseKernel<Int8, Int8>)?.isSkipped == true
            }
            let skipped = graph.steps.filter { isSkipped($0.kernel) }.count
            let logistics = graph.steps.filter { $0.node.op == .logistic }.count
            // The swish activations are fused; the squeeze-and-excitation gates (LOGISTIC → broadcast MUL) are not.
            XCTAssertGreaterThan(skipped, 0, "\(name): no swish LOGISTIC was fused into its MUL")
            XCTAssertLessThan(skipped, logistics, name)
            // A skipped step is one tile: the parallel backend does not split nothing.
            XCTAssertTrue(graph.steps.allSatisfy { !isSkipped($0.kernel) || $0.kernel.tileCount == 1 }, "\(name): skipped steps' tiles")
            if variant == "int8" {
                let fusedMuls = graph.steps.filter { ($0.kernel as? QuantizedBinaryKernel)?.swishOperand != nil }.count
                XCTAssertEqual(fusedMuls, skipped, "\(name): fused MULs")
            }
            try interpreter.invoke()
            let fused = try interpreter.output(at: 0).data
            SwishFusion.apply(to: graph, enabled: false)
            XCTAssertTrue(graph.steps.allSatisfy { !isSkipped($0.kernel) }, name)
            try interpreter.invoke()
            XCTAssertEqual(try interpreter.output(at: 0).data, fused, "\(name): fused and unfused swish differ")
        }
    }

    /// The fused swish loop gives `x · logistic(x)` (the LOGISTIC kernel's
    /// bits times x) on runs of four vectors, a single vector and the scalar
    /// tail, both without a fused activation (the loop without a clamp) and
    /// with one (RELU6-like bounds, clamped as the MUL kernel clamps).
    func testSwishLoopMatchesScalarFormWithAndWithoutClamp() {
        var rng = TestRandom(seed: 15)
        let n = 9 * FloatVector.scalarCount + 5
        var x = (0..<n).map { _ in rng.float() * 20 }
        x[0] = 0; x[1] = -0.0; x[2] = 100; x[3] = -100; x[n - 1] = -3
        var out = [Float](repeating: .nan, count: n)
        for (low, high) in [(-Float.infinity, Float.infinity), (Float(-1), Float(6))] {
            x.withUnsafeBufferPointer { xs in
                out.withUnsafeMutableBufferPointer { os in
                    FloatBinaryVectorKernel.swish(xs.baseAddress!, os.baseAddress!, n, low, high)
                }
            }
            for i in 0..<n {
                let expected = FloatBinaryVectorKernel.clampLikeVector(x[i] * VectorizableMath.logistic(x[i]), low, high)
                XCTAssertEqual(out[i].bitPattern, expected.bitPattern, "swish(\(x[i])) with bounds \(low)…\(high), element \(i)")
            }
        }
    }

    func testPackedWeightsAreSharedBetweenInterpreters() throws {
        var rng = TestRandom(seed: 6)
        let spec = ModelSpec.convolution(
            op: 3, optionsType: 1, input: [1, 5, 5, 3], filter: [8, 3, 3, 3], bias: 8,
            options: [(4, .i8(0)), (6, .i32(1)), (8, .i32(1))], rng: &rng)
        let model = try Model(data: spec.data)
        let a = try Interpreter(model: model), b = try Interpreter(model: model)
        try a.allocateTensors()
        let count = model.sharedConstants.count
        try b.allocateTensors()
        XCTAssertGreaterThan(count, 0)
        XCTAssertEqual(model.sharedConstants.count, count, "the second interpreter packed the weights again")
    }

    // MARK: Harness

    /// Prepares `spec`'s single op, runs the chosen (fast) kernel and the
    /// reference kernel made by `reference` on the same random input, and
    /// compares the outputs.
    private func compare(
        _ spec: ModelSpec, name: String, expectFast: AnyClass, tolerance: Double = 1e-5,
        reference: (PrepareContext) throws -> Kernel
    ) throws {
        guard let harness = try SingleOpHarness(modelData: spec.data, name: name) else { return }
        let fast = harness.fastKernel
        XCTAssertEqual(String(describing: type(of: fast)), String(describing: expectFast), "\(name): chose the wrong kernel")
        let slow = try reference(harness.context)
        var rng = SingleOpHarness.random(for: name)
        let input = harness.input.bindMemory(to: Float.self)
        for i in input.indices { input[i] = rng.float() }
        // Each run's output starts with a different pattern (reference: NaN
        // bytes 0xFF; fast: 0xFE…, about −1.7e38; tiled: 0x7F…, about 3.4e38),
        // so an output a kernel does not write never compares equal.
        func run(_ kernel: Kernel, tilesReversed: Bool, claimed: Bool = false, fill: UInt8) -> [Float] {
            harness.run(kernel, tilesReversed: tilesReversed, claimed: claimed, fill: fill).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        let expected = run(slow, tilesReversed: false, fill: 0xFF)
        let actual = run(fast, tilesReversed: false, fill: 0xFE)
        let tiled = run(fast, tilesReversed: true, fill: 0x7F)
        // (As the two-worker pool claims them, later calls continuing: 0x7E…, about 8.4e37.)
        let claimed = run(fast, tilesReversed: false, claimed: true, fill: 0x7E)
        // Summation order differs between the kernels: the absolute part
        // scales with the largest output (the size of the summands), the
        // relative part checks every element; NaN/infinity rules as in `Comparison`.
        let scale = expected.lazy.filter(\.isFinite).reduce(Float(0)) { max($0, abs($1)) }
        let bound = Tolerance(absolute: tolerance * Double(scale), relative: tolerance)
        if let problem = Comparison.floatMismatch(actual.map(Double.init), expected.map(Double.init), tolerance: bound) {
            XCTFail("\(name): fast against reference: \(problem)")
        }
        XCTAssertEqual(actual.map(\.bitPattern), tiled.map(\.bitPattern), "\(name): tiles run one by one differ")
        XCTAssertEqual(actual.map(\.bitPattern), claimed.map(\.bitPattern), "\(name): tiles run as the pool claims them differ")
    }
}

// MARK: Depthwise in the fast kernels' order

/// Float depthwise convolution (multiplier 1) one output at a time in the
/// order the fast kernel promises: bias, then the taps row by row, each a
/// lane of `FloatVector.multiplyAdd` (fused where the flavour fuses); taps
/// outside the input are skipped (the fast kernel adds 0 · w there, which
/// leaves the sum unchanged).
final class InOrderDepthwiseFloat: Kernel {
    let g: ConvGeometry, channels: Int, activation: FusedActivation
    let operands: FilteredOperands
    var input: UnsafePointer<Float>?, filter: UnsafePointer<Float>?, bias: UnsafePointer<Float>?
    var output: UnsafeMutablePointer<Float>?

    init(ctx: PrepareContext, geometry: ConvGeometry, channels: Int, activation: FusedActivation) {
        g = geometry
        self.channels = channels
        self.activation = activation
        operands = FilteredOperands(ctx)
    }

    var tileCount: Int { g.outputRows }

    func bind(_ memory: TensorMemory) {
        (input, filter, bias, output) = operands.pointers(memory, Float.self, Float.self, Float.self, Float.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let input, let filter, let output else { return }
        let (lo, hi) = activation.floatRange
        let c = channels
        for tile in tiles {
            let b = tile / g.outputHeight, oy = tile % g.outputHeight
            for ox in 0..<g.outputWidth {
                for ch in 0..<c {
                    var acc = bias?[ch] ?? 0
                    for ky in 0..<g.filterHeight {
                        let iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight
                        guard iy >= 0 && iy < g.inputHeight else { continue }
                        for kx in 0..<g.filterWidth {
                            let ix = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth
                            guard ix >= 0 && ix < g.inputWidth else { continue }
                            let x = input[((b * g.inputHeight + iy) * g.inputWidth + ix) * c + ch]
                            let w = filter[(ky * g.filterWidth + kx) * c + ch]
                            // The kernel's vector loops (channels ≥ its narrowest vector) multiply-add
                            // as the flavour does (fused in the FMA flavours); its scalar loop for fewer
                            // channels rounds the product and the sum separately.
                            acc = c >= DepthwiseConv2DFloatVectorized.narrowestLanes
                                ? FloatVector(repeating: acc).multiplyAdd(FloatVector(repeating: x), FloatVector(repeating: w))[0]
                                : acc + x * w
                        }
                    }
                    output[(tile * g.outputWidth + ox) * c + ch] = min(max(acc, lo), hi)
                }
            }
        }
    }
}

// MARK: A seeded generator

struct TestRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
}

// MARK: Single-op model builder

/// A one-operator float32 model, serialised as a TFLite FlatBuffer.
struct ModelSpec {
    let data: Data

    /// input (runtime) + constant filter/weights (or second operand) + optional constant bias → output.
    static func convolution(op: Int32, optionsType: UInt8, input: [Int], filter: [Int], bias: Int?,
                            options: [(Int, FlatBufferBuilder.Value)], rng: inout TestRandom) -> ModelSpec {
        let filterValues = (0..<filter.reduce(1, *)).map { _ in rng.float() }
        var tensors: [(shape: [Int], buffer: [UInt8])] = [(input, []), (filter, bytes(filterValues))]
        var inputs: [Int32] = [0, 1]
        if let bias {
            tensors.append(([bias], bytes((0..<bias).map { _ in rng.float() })))
            inputs.append(2)
        }
        tensors.append(([], []))  // output; shape computed at prepare
        return ModelSpec(data: build(op: op, optionsType: optionsType, options: options, tensors: tensors,
                                     opInputs: inputs, output: Int32(tensors.count - 1), int32Tensors: []))
    }

    /// input (runtime) + constant int32 inputs → output.
    static func unary(op: Int32, optionsType: UInt8, input: [Int], extraInputs: [(shape: [Int], int32s: [Int32])],
                      options: [(Int, FlatBufferBuilder.Value)], rng: inout TestRandom) -> ModelSpec {
        var tensors: [(shape: [Int], buffer: [UInt8])] = [(input, [])]
        var inputs: [Int32] = [0]
        var int32Tensors: [Int] = []
        for extra in extraInputs {
            inputs.append(Int32(tensors.count))
            int32Tensors.append(tensors.count)
            tensors.append((extra.shape, extra.int32s.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }))
        }
        tensors.append(([], []))
        return ModelSpec(data: build(op: op, optionsType: optionsType, options: options, tensors: tensors,
                                     opInputs: inputs, output: Int32(tensors.count - 1), int32Tensors: int32Tensors))
    }

    static func bytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    static func build(op: Int32, optionsType: UInt8, options: [(Int, FlatBufferBuilder.Value)],
                      tensors: [(shape: [Int], buffer: [UInt8])], opInputs: [Int32], output: Int32, int32Tensors: [Int]) -> Data {
        typealias FB = FlatBufferBuilder.Node
        // Buffer 0 is the empty sentinel; each constant tensor gets its own buffer.
        var buffers: [FB] = [.table([])]
        var tensorTables: [FB] = []
        for (i, t) in tensors.enumerated() {
            var buffer: UInt32 = 0
            if !t.buffer.isEmpty {
                buffer = UInt32(buffers.count)
                buffers.append(.table([(4, .offset(.bytes(t.buffer)))]))
            }
            tensorTables.append(.table([
                (4, .offset(.int32s(t.shape.map(Int32.init)))),
                (6, .i8(int32Tensors.contains(i) ? 2 : 0)),  // INT32 = 2, FLOAT32 = 0
                (8, .u32(buffer)),
                (10, .offset(.string("t\(i)"))),
            ]))
        }
        let operatorTable: FB = .table([
            (4, .u32(0)),
            (6, .offset(.int32s(opInputs))),
            (8, .offset(.int32s([output]))),
            (10, .u8(optionsType)),
            (12, .offset(.table(options))),
        ])
        let subgraph: FB = .table([
            (4, .offset(.tables(tensorTables))),
            (6, .offset(.int32s([0]))),
            (8, .offset(.int32s([output]))),
            (10, .offset(.tables([operatorTable]))),
            (12, .offset(.string("main"))),
        ])
        let model: FB = .table([
            (4, .u32(3)),
            (6, .offset(.tables([.table([(4, .i8(Int8(clamping: op))), (8, .i32(1)), (10, .i32(op))])]))),
            (8, .offset(.tables([subgraph]))),
            (10, .offset(.string("FastKernelTests"))),
            (12, .offset(.tables(buffers))),
        ])
        return Data(FlatBufferBuilder.serialize(model, identifier: "TFL3"))
    }
}
