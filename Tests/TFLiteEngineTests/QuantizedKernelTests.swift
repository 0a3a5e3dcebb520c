import Foundation
import XCTest
@testable import TFLiteEngine
import InputFormats

/// The fast quantized kernels against the reference integer kernels on
/// randomized single-op int8 / uint8 models: bit-identical outputs (every
/// shape, stride, padding, activation, zero point, per-channel scale), and
/// bit-identical again when the fast kernel's tiles run one at a time in
/// reverse order (what a parallel backend relies on).
final class QuantizedKernelTests: XCTestCase {
    func testConvolutionMatchesReferenceBitExact() throws {
        var rng = TestRandom(seed: 11)
        for i in 0..<60 {
            let pointwise = i % 4 == 0
            let kh = pointwise ? 1 : rng.int(1...4), kw = pointwise ? 1 : rng.int(1...4)
            let stride = pointwise ? (1, 1) : (rng.int(1...2), rng.int(1...2))
            let dilation = pointwise || rng.int(0...3) > 0 ? (1, 1) : (2, 2)
            let padding = rng.int(0...1)
            let h = rng.int(((kh - 1) * dilation.0 + 1)...11), w = rng.int(((kw - 1) * dilation.1 + 1)...11)
            // Channel counts include K past the exact-float chunk (long accumulations).
            let cin = [1, 3, 8, 17, 40, 150, 600][rng.int(0...6)]
            let cout = [1, 7, 16, 33, 70][rng.int(0...4)]
            let signed = i % 7 != 6
            let activation = Int8(rng.int(0...3))
            let spec = QuantizedModelSpec.weighted(
                op: 3, optionsType: 1, input: [rng.int(1...2), h, w, cin], filter: [cout, kh, kw, cin],
                channelAxis: 0, perChannel: signed && i % 3 != 1, signed: signed, hasBias: i % 5 != 4,
                options: [(4, .i8(Int8(padding))), (6, .i32(Int32(stride.1))), (8, .i32(Int32(stride.0))),
                          (10, .i8(activation)), (12, .i32(Int32(dilation.1))), (14, .i32(Int32(dilation.0)))],
                rng: &rng)
            try compare(spec, name: "conv #\(i) \(h)×\(w)×\(cin) f \(cout)×\(kh)×\(kw) s \(stride) d \(dilation) pad \(padding) act \(activation) \(signed ? "int8" : "uint8")",
                        expectFast: GEMMConvolutionQuantized.self) { ctx in
                try Self.referenceConvolution(ctx, filter: (kh, kw), stride: stride, dilation: dilation, padding: padding,
                                              channels: cin, outputs: cout, activation: activation, signed: signed)
            }
        }
        requireMostlyInformative(60)
    }

    func testFullyConnectedMatchesReferenceBitExact() throws {
        var rng = TestRandom(seed: 12)
        for i in 0..<30 {
            let batch = [1, 1, 2, 7][rng.int(0...3)]
            let k = [1, 5, 64, 130, 1024, 1300][rng.int(0...5)]
            let n = [1, 10, 16, 33, 100][rng.int(0...4)]
            let signed = i % 5 != 4
            let activation = Int8(rng.int(0...1))
            let spec = QuantizedModelSpec.weighted(
                op: 9, optionsType: 8, input: [batch, k], filter: [n, k], channelAxis: 0,
                perChannel: signed && i % 2 == 0, signed: signed, hasBias: i % 4 != 3,
                options: [(4, .i8(activation))], rng: &rng)
            try compare(spec, name: "fc #\(i) \(batch)×\(k) → \(n) \(signed ? "int8" : "uint8")",
                        expectFast: signed && batch == 1 && !GEMMConvolutionQuantized.usesIntegerKernels
                            ? FullyConnectedInt8SingleRow.self : GEMMConvolutionQuantized.self) { ctx in
                try Self.fullyConnectedReference(ctx, m: batch, k: k, n: n, activation: FusedActivation(rawValue: activation)!, signed: signed)
            }
        }
        requireMostlyInformative(30)
    }

    /// Accumulators far beyond 2^24 (K up to 5,000, products near 255 · 255):
    /// the exact-float chunking must hand over to int32 in time. The models
    /// (`ops/int8_accumulation`, tools/make_accumulation_fixtures.py) cancel the
    /// mean accumulation with the bias and use 16 accumulator units per output
    /// step, so an error of 8 units changes an output byte; the fast kernel
    /// must match TFLite Micro's (int8) or LiteRT's reference (uint8) bytes,
    /// and our reference kernel, and the outputs must take many values.
    func testLargestAccumulationsStayExact() throws {
        let group = "ops/int8_accumulation"
        let entries = try Fixtures.entries(group)
        XCTAssertEqual(entries.count, 10)
        for entry in entries {
            let data = try Data(contentsOf: Fixtures.modelURL(group, entry))
            let input = try NumPyArray(contentsOfFile: Fixtures.directory(group).appendingPathComponent(entry.inputs[0]).path)
            let expected = try NumPyArray(contentsOfFile: Fixtures.directory(group).appendingPathComponent(entry.outputs[0]).path)
            let shape = input.shape, n = expected.shape[1], signed = input.type == .int8
            let fast: AnyClass = signed && shape[0] == 1 && !GEMMConvolutionQuantized.usesIntegerKernels ? FullyConnectedInt8SingleRow.self : GEMMConvolutionQuantized.self
            let outputs = try compare(data, name: entry.name, expectFast: fast, inputBytes: [UInt8](input.data)) { ctx in
                try Self.fullyConnectedReference(ctx, m: shape[0], k: shape[1], n: n, activation: .none, signed: signed)
            }
            guard let outputs else { continue }
            let reference = [UInt8](expected.data)
            XCTAssertEqual(outputs.fast, reference, "\(entry.name): fast kernel differs from \(entry.reference ?? "the reference")")
            XCTAssertEqual(outputs.reference, reference, "\(entry.name): reference kernel differs from \(entry.reference ?? "the reference")")
            // Informative: many distinct bytes, (almost) none saturated.
            let saturatedBytes: Set<UInt8> = signed ? [0x80, 0x7F] : [0, 255]
            XCTAssertGreaterThanOrEqual(Set(reference).count, min(reference.count / 3, 30), "\(entry.name): outputs take too few values")
            XCTAssertLessThanOrEqual(reference.filter(saturatedBytes.contains).count, reference.count / 20, "\(entry.name): saturated")
        }
    }

    /// The integer multiply-add kernels (`IntegerGEMM`; in flavours without
    /// the instructions, their plain-Swift forms) against the reference:
    /// every row remainder of the 6-row micro-tile (M = 1…13), every column
    /// remainder of the 16-column panel, odd and even K, extreme zero points
    /// (−128/127 for int8 inputs, 0/255 for uint8 inputs and filters),
    /// weights only −128/127 (int8) or 0/255 (uint8), bias or none.
    func testIntegerKernelsMatchReferenceBitExact() throws {
        try checkIntegerKernels(.pairs)
    }

    /// The same cases on the four-byte kernels (`vpdpbusd` in the AVX-512
    /// VNNI flavour, its plain-Swift form elsewhere; uint8 runs on pairs).
    func testFourByteIntegerKernelsMatchReferenceBitExact() throws {
        try checkIntegerKernels(.quads)
    }

    func testFourByteIntegerKernelsAccumulateToTheInt32LimitAndBeyond() throws {
        try checkIntegerKernelLimits(.quads)
    }

    /// Pointwise layers whose filters bound the sums beyond the exact
    /// stage's range (`ExactDoubleRequantization.make` refuses them), so
    /// the four-byte kernels check each whole micro-tile's sums at run time
    /// (`checkedRequantization`): K = 2,000 and 20,000 (the sums within the
    /// limit, about 2^22 here), and extreme inputs against extreme weights
    /// (all beyond it: the integer tables); bit-exact with the reference
    /// either way. (One scale per tensor: the random per-channel scales of
    /// these specs spread the multipliers over 2^7, and with K in the
    /// thousands some right shift passes 13, where no sum fits.)
    func testFourByteIntegerKernelsCheckTheirSumsForTheExactStage() throws {
        let saved = GEMMConvolutionQuantized.arithmeticForTesting
        GEMMConvolutionQuantized.arithmeticForTesting = .quads
        defer { GEMMConvolutionQuantized.arithmeticForTesting = saved }
        var rng = TestRandom(seed: 17)
        for (i, (m, k, n)) in [(12, 2000, 64), (13, 2001, 40), (12, 20_000, 32), (7, 3000, 33)].enumerated() {
            let spec = QuantizedModelSpec.weighted(
                op: 9, optionsType: 8, input: [m, k], filter: [n, k], channelAxis: 0, perChannel: false, signed: true,
                hasBias: i != 2, inputZeroPoint: i == 3 ? -128 : nil, filterValues: i == 3 ? [127] : nil, options: [(4, .i8(Int8(i % 2)))], rng: &rng)
            let name = "integer fc \(m)×\(k) → \(n) checked stage"
            try compare(spec, name: name, expectFast: GEMMConvolutionQuantized.self, inputFill: i == 3 ? 0x7F : nil, inspect: { kernel in
                let conv = kernel as? GEMMConvolutionQuantized
                XCTAssertNil(conv?.exactRequantization, "\(name): the filter's bound was taken")
                XCTAssertGreaterThanOrEqual(Int64(conv?.checkedRequantization?.runTimeLimit ?? 0), ExactDoubleRequantization.minimumRunTimeLimit,
                                            "\(name): no checked stage")
            }) { ctx in
                try Self.fullyConnectedReference(ctx, m: m, k: k, n: n, activation: FusedActivation(rawValue: Int8(i % 2))!, signed: true)
            }
        }
        // A multiplier of 3 (a left shift of 2; limit 2^18 / 3, the floats'
        // results), the first tile's sums 0 and the second's 550 million:
        // the reference's left shift wraps those in Int32 and the output
        // saturates to −128, where the exact stage would give 127.
        var tables = QuantizedTensorTables()
        let (m, k, n) = (12, 17_000, 32)
        let input = tables.tensor([m, k], 9, QuantizedTensorTables.quantization([0.5], [-128]), data: nil)
        let filter = tables.tensor([n, k], 9, QuantizedTensorTables.quantization([0.25], [0]), data: [UInt8](repeating: 127, count: n * k))
        let output = tables.tensor([], 9, QuantizedTensorTables.quantization([0.5 * 0.25 / 3], [0]), data: nil)
        let model = tables.model(op: 9, inputs: [input, filter], input: input, output: output, optionsType: 8, options: [(4, .i8(0))],
                                 description: "QuantizedKernelTests")
        let bytes = (0..<m * k).map { i in UInt8(bitPattern: i < 6 * k ? -128 : 127) }
        let name = "integer fc 12×17000 → 32 beyond the checked limit"
        let result = try compare(model, name: name, expectFast: GEMMConvolutionQuantized.self, inputBytes: bytes, inspect: { kernel in
            XCTAssertNotNil((kernel as? GEMMConvolutionQuantized)?.checkedRequantization, "\(name): no checked stage")
        }) { ctx in
            try Self.fullyConnectedReference(ctx, m: m, k: k, n: n, activation: .none, signed: true)
        }
        XCTAssertEqual(result?.reference.last, 0x80, "\(name): the reference's shift did not wrap")
    }

    /// `IntegerGEMM.QuadAccumulators.within`: sums plus their starts at the
    /// limit either way are within it; one past it, or wrapped to Int32.min
    /// or .max, in any of the twelve vectors and either half, is not.
    func testQuadAccumulatorsWithinTheirLimit() {
        let limit: Int32 = 1 << 21
        let zero = SIMD16<Int32>()
        func block(_ vector: Int, _ lane: Int, _ value: Int32) -> IntegerGEMM.QuadAccumulators {
            var v = [SIMD16<Int32>](repeating: zero, count: 12)
            v[vector][lane] = value
            return IntegerGEMM.QuadAccumulators(c00: v[0], c01: v[1], c10: v[2], c11: v[3], c20: v[4], c21: v[5],
                                                c30: v[6], c31: v[7], c40: v[8], c41: v[9], c50: v[10], c51: v[11])
        }
        for vector in 0..<12 {
            let lane = (vector * 5) % 16
            // Column half 0 or 1: its start is added.
            let start = SIMD16<Int32>(repeating: vector % 2 == 0 ? 100 : -7)
            let shift = vector % 2 == 0 ? Int32(100) : -7
            let (s0, s1) = vector % 2 == 0 ? (start, zero) : (zero, start)
            XCTAssertTrue(block(vector, lane, limit &- shift).within(limit, s0, s1), "vector \(vector) at the limit")
            XCTAssertTrue(block(vector, lane, -limit &- shift).within(limit, s0, s1), "vector \(vector) at minus the limit")
            for value in [limit &+ 1 &- shift, -limit &- 1 &- shift, Int32.min &- shift, Int32.max &- shift, Int32.min, Int32.max] {
                XCTAssertFalse(block(vector, lane, value).within(limit, s0, s1), "vector \(vector) value \(value)")
            }
        }
    }

    private func checkIntegerKernels(_ arithmetic: GEMMConvolutionQuantized.Arithmetic) throws {
        let saved = GEMMConvolutionQuantized.arithmeticForTesting
        GEMMConvolutionQuantized.arithmeticForTesting = arithmetic
        defer { GEMMConvolutionQuantized.arithmeticForTesting = saved }
        var rng = TestRandom(seed: 15)
        var cases = 0
        // Random shapes, then every last-panel width class of both layouts
        // (the four-byte one packs a last panel of at most 16 columns 16 wide)
        // on one row, a full micro-tile and an edge.
        let shapes = (1...13).flatMap { m in (0..<3).map { _ in (m, rng.int(1...40)) } }
            + [16, 17, 24, 31, 33, 40, 48, 49, 64, 80].flatMap { n in [1, 6, 7].map { m in (m, n) } }
        for (m, n) in shapes {
            let k = rng.int(1...70)
            let signed = rng.int(0...3) != 0
            let extreme = rng.int(0...1) == 0
            let inputZero = extreme ? (signed ? [-128, 127][rng.int(0...1)] : [0, 255][rng.int(0...1)]) : nil
            let filterZero = !signed && extreme ? [0, 255][rng.int(0...1)] : nil
            let values = extreme ? (signed ? [-128, 127] : [0, 255]) : nil
            let activation = FusedActivation(rawValue: Int8(rng.int(0...1)))!
            let spec = QuantizedModelSpec.weighted(
                op: 9, optionsType: 8, input: [m, k], filter: [n, k], channelAxis: 0,
                perChannel: signed && rng.int(0...1) == 0, signed: signed, hasBias: rng.int(0...3) != 0,
                inputZeroPoint: inputZero, filterZeroPoint: filterZero, filterValues: values,
                options: [(4, .i8(activation.rawValue))], rng: &rng)
            try compare(spec, name: "integer fc \(m)×\(k) → \(n) \(signed ? "int8" : "uint8") zp \(inputZero.map(String.init) ?? "random")",
                        expectFast: GEMMConvolutionQuantized.self) { ctx in
                try Self.fullyConnectedReference(ctx, m: m, k: k, n: n, activation: activation, signed: signed)
            }
            cases += 1
        }
        // Rows of at most 16 values into at most 16 outputs (`narrowRows`,
        // on the quads and, int8, on the pairs): NASNet-Mobile's 11 → 11, K
        // in whole and partial quads or pairs, one row, odd rows, rows for
        // several tiles (each tile's last row stored exactly), the last rows'
        // bytes read past the input (copied).
        for (i, (m, k, n)) in [(1, 11, 11), (7, 11, 11), (200, 11, 11), (13, 16, 16), (9, 3, 1), (33, 5, 16), (301, 13, 7)].enumerated() {
            let spec = QuantizedModelSpec.weighted(
                op: 9, optionsType: 8, input: [m, k], filter: [n, k], channelAxis: 0,
                perChannel: i % 2 == 0, signed: true, hasBias: i != 4, inputZeroPoint: [nil, -128, 127][i % 3],
                options: [(4, .i8(Int8(i % 2)))], rng: &rng)
            let activation = FusedActivation(rawValue: Int8(i % 2))!
            let name = "integer fc \(m)×\(k) → \(n) narrow rows"
            try compare(spec, name: name, expectFast: GEMMConvolutionQuantized.self, inspect: { kernel in
                if let conv = kernel as? GEMMConvolutionQuantized, conv.arithmetic != .exactFloat {
                    XCTAssertTrue(conv.narrowRows, "\(name): not the narrow rows")
                }
            }) { ctx in
                try Self.fullyConnectedReference(ctx, m: m, k: k, n: n, activation: activation, signed: true)
            }
            cases += 1
        }
        // Weights beyond L2's share (three panels of K = 8,200: 787 KB), so
        // the panels are cut into groups and each tile prefetches a share of
        // the next group's (`GEMMTiling.nextGroupShare`).
        let grouped = QuantizedModelSpec.weighted(
            op: 9, optionsType: 8, input: [13, 8200], filter: [96, 8200], channelAxis: 0,
            perChannel: true, signed: true, hasBias: true, options: [(4, .i8(0))], rng: &rng)
        try compare(grouped, name: "integer fc 13×8200 → 96 in panel groups", expectFast: GEMMConvolutionQuantized.self, inspect: { kernel in
            let tiling = (kernel as? GEMMConvolutionQuantized)?.tiling
            XCTAssertNotNil(tiling?.nextGroupShare(of: 0, in: 0..<(tiling?.tileCount ?? 0)), "no panel group to prefetch")
        }) { ctx in
            try Self.fullyConnectedReference(ctx, m: 13, k: 8200, n: 96, activation: .none, signed: true)
        }
        cases += 1
        // Convolutions through the offset table (padding taps, strides, dilation).
        for i in 0..<16 {
            let kh = rng.int(1...3), kw = rng.int(1...3)
            let stride = (rng.int(1...2), rng.int(1...2))
            let dilation = i % 4 == 3 ? (2, 2) : (1, 1)
            let padding = rng.int(0...1)
            let h = rng.int(((kh - 1) * dilation.0 + 1)...9), w = rng.int(((kw - 1) * dilation.1 + 1)...9)
            let cin = [1, 3, 8, 17, 33][rng.int(0...4)], cout = [1, 7, 16, 17, 40][rng.int(0...4)]
            let signed = i % 3 != 2
            let inputZero = i % 2 == 0 ? (signed ? [-128, 127][rng.int(0...1)] : [0, 255][rng.int(0...1)]) : nil
            let activation = Int8(rng.int(0...3))
            let spec = QuantizedModelSpec.weighted(
                op: 3, optionsType: 1, input: [1, h, w, cin], filter: [cout, kh, kw, cin],
                channelAxis: 0, perChannel: signed && i % 4 != 1, signed: signed, hasBias: i % 5 != 4,
                inputZeroPoint: inputZero, filterValues: i % 4 == 0 ? (signed ? [-128, 127, 0] : [0, 255, 1]) : nil,
                options: [(4, .i8(Int8(padding))), (6, .i32(Int32(stride.1))), (8, .i32(Int32(stride.0))),
                          (10, .i8(activation)), (12, .i32(Int32(dilation.1))), (14, .i32(Int32(dilation.0)))],
                rng: &rng)
            try compare(spec, name: "integer conv #\(i) \(h)×\(w)×\(cin) f \(cout)×\(kh)×\(kw) s \(stride) d \(dilation) pad \(padding) \(signed ? "int8" : "uint8")",
                        expectFast: GEMMConvolutionQuantized.self) { ctx in
                try Self.referenceConvolution(ctx, filter: (kh, kw), stride: stride, dilation: dilation, padding: padding,
                                              channels: cin, outputs: cout, activation: activation, signed: signed)
            }
            cases += 1
        }
        // The direct form (`InputPlaneConvolution`: the pairs kernel reading a
        // widened, zero-padded copy of the input): one to four channels (odd
        // filter rows pair their last value with the next one), filters up to
        // 5×5, strides, SAME/VALID, two images, every column remainder.
        for i in 0..<12 {
            let kh = rng.int(1...5), kw = rng.int(2...5)
            let stride = (rng.int(1...3), rng.int(1...3))
            let padding = i % 2
            let h = rng.int(kh...12), w = rng.int(kw...12)
            let batches = i % 3 == 0 ? 2 : 1
            let cin = rng.int(1...4), cout = [1, 9, 16, 23, 32][rng.int(0...4)]
            let signed = i % 4 != 3
            let inputZero = i % 2 == 0 ? (signed ? [-128, 127][rng.int(0...1)] : [0, 255][rng.int(0...1)]) : nil
            let activation = Int8(rng.int(0...3))
            let spec = QuantizedModelSpec.weighted(
                op: 3, optionsType: 1, input: [batches, h, w, cin], filter: [cout, kh, kw, cin],
                channelAxis: 0, perChannel: signed && i % 5 != 1, signed: signed, hasBias: i % 5 != 4,
                inputZeroPoint: inputZero, filterValues: i % 4 == 0 ? (signed ? [-128, 127, 0] : [0, 255, 1]) : nil,
                options: [(4, .i8(Int8(padding))), (6, .i32(Int32(stride.1))), (8, .i32(Int32(stride.0))),
                          (10, .i8(activation)), (12, .i32(1)), (14, .i32(1))],
                rng: &rng)
            let name = "integer direct conv #\(i) \(batches)×\(h)×\(w)×\(cin) f \(cout)×\(kh)×\(kw) s \(stride) pad \(padding) \(signed ? "int8" : "uint8")"
            try compare(spec, name: name, expectFast: GEMMConvolutionQuantized.self, inspect: { kernel in
                Self.checkDirectForm(kernel, name: name)
            }) { ctx in
                try Self.referenceConvolution(ctx, filter: (kh, kw), stride: stride, padding: padding,
                                              channels: cin, outputs: cout, activation: activation, signed: signed)
            }
            cases += 1
        }
        // Image models' first layers in the direct form (the quads' from one
        // to three channels and K ≤ 32): 3×3 over three channels at stride 2,
        // SAME (padding right and below only) and VALID, a 2×2 and a 5×5 over
        // one channel (rows of 6 and 5 values: a quad filled from the next
        // ones), output channels with a narrow last panel (16, 40) or a wide
        // one (24, 32, 56), maps of several tiles, zero points at the ends.
        let stems: [(h: Int, w: Int, cin: Int, kh: Int, kw: Int, cout: Int, stride: Int, padding: Int, batches: Int)] = [
            (31, 29, 3, 3, 3, 32, 2, 0, 1), (30, 30, 3, 3, 3, 16, 2, 0, 2), (27, 33, 3, 3, 3, 24, 2, 1, 1),
            (20, 21, 3, 3, 3, 40, 1, 0, 1), (17, 18, 1, 5, 5, 56, 2, 0, 1), (16, 15, 3, 2, 2, 32, 1, 1, 2),
            (19, 23, 2, 3, 3, 8, 2, 0, 1)]
        for (i, c) in stems.enumerated() {
            let activation = Int8(i % 4)
            let spec = QuantizedModelSpec.weighted(
                op: 3, optionsType: 1, input: [c.batches, c.h, c.w, c.cin], filter: [c.cout, c.kh, c.kw, c.cin],
                channelAxis: 0, perChannel: i % 3 != 1, signed: true, hasBias: i % 5 != 4,
                inputZeroPoint: [-128, 127, nil][i % 3], filterValues: i == 2 ? [-128, 127, 0] : nil,
                options: [(4, .i8(Int8(c.padding))), (6, .i32(Int32(c.stride))), (8, .i32(Int32(c.stride))),
                          (10, .i8(activation)), (12, .i32(1)), (14, .i32(1))],
                rng: &rng)
            let name = "integer stem conv #\(i) \(c.batches)×\(c.h)×\(c.w)×\(c.cin) f \(c.cout)×\(c.kh)×\(c.kw) s \(c.stride) pad \(c.padding)"
            try compare(spec, name: name, expectFast: GEMMConvolutionQuantized.self, inspect: { kernel in
                Self.checkDirectForm(kernel, name: name)
            }) { ctx in
                try Self.referenceConvolution(ctx, filter: (c.kh, c.kw), stride: (c.stride, c.stride), padding: c.padding,
                                              channels: c.cin, outputs: c.cout, activation: activation, signed: true)
            }
            cases += 1
        }
        // A filter over `maximumFilterValues` (3×3 over 257 channels) gathers.
        let wide = QuantizedModelSpec.weighted(
            op: 3, optionsType: 1, input: [1, 5, 5, 257], filter: [19, 3, 3, 257],
            channelAxis: 0, perChannel: true, signed: true, hasBias: true,
            options: [(4, .i8(0)), (6, .i32(1)), (8, .i32(1)), (10, .i8(0)), (12, .i32(1)), (14, .i32(1))], rng: &rng)
        XCTAssertGreaterThan(9 * 257, InputPlaneConvolution.maximumFilterValues)
        try compare(wide, name: "integer conv 3×3 over 257 channels", expectFast: GEMMConvolutionQuantized.self, inspect: { kernel in
            XCTAssertNil((kernel as? GEMMConvolutionQuantized)?.direct, "a filter of 2,313 values took the direct form")
        }) { ctx in
            try Self.referenceConvolution(ctx, filter: (3, 3), stride: (1, 1), padding: 0,
                                          channels: 257, outputs: 19, activation: 0, signed: true)
        }
        // Past that limit, a filter whose rows are whole quads (3×3 over 260
        // channels, K = 2,340) still takes the quads' direct form, reading the
        // packed panels in place, here in panel groups (600 KB of weights):
        // the prefetch of the next group's runs in the direct loop.
        let inPlace = QuantizedModelSpec.weighted(
            op: 3, optionsType: 1, input: [1, 5, 6, 260], filter: [256, 3, 3, 260],
            channelAxis: 0, perChannel: true, signed: true, hasBias: true,
            options: [(4, .i8(0)), (6, .i32(1)), (8, .i32(1)), (10, .i8(0)), (12, .i32(1)), (14, .i32(1))], rng: &rng)
        try compare(inPlace, name: "integer conv 3×3 over 260 channels", expectFast: GEMMConvolutionQuantized.self, inspect: { kernel in
            let conv = kernel as? GEMMConvolutionQuantized
            if conv?.arithmetic == .quads {
                XCTAssertEqual(conv?.direct?.quads, true, "K = 2,340 in whole quads: not the direct form")
                XCTAssertNotNil(conv?.tiling.nextGroupShare(of: 0, in: 0..<(conv?.tiling.tileCount ?? 0)), "no panel group to prefetch")
            } else {
                XCTAssertNil(conv?.direct, "a filter of 2,340 values took the pairs' direct form")
            }
        }) { ctx in
            try Self.referenceConvolution(ctx, filter: (3, 3), stride: (1, 1), padding: 0,
                                          channels: 260, outputs: 256, activation: 0, signed: true)
        }
        cases += 1
        requireMostlyInformative(cases)
    }

    /// TFLite's reference FULLY_CONNECTED of an m × k input into n outputs.
    private static func fullyConnectedReference(_ ctx: PrepareContext, m: Int, k: Int, n: Int, activation: FusedActivation,
                                                signed: Bool) throws -> Kernel {
        let p = FullyConnected.Parameters(batches: m, inputDepth: k, outputDepth: n, activation: activation)
        let q = try ConvolutionQuantization(
            ctx: ctx, input: ctx.input(0), filter: ctx.input(1), bias: ctx.optionalInput(2), output: ctx.output(0),
            channelAxis: 0, channels: n, activation: activation, liteRTUInt8: true)
        return signed ? FullyConnectedQuantizedReference(Int8.self, ctx: ctx, p, q) : FullyConnectedQuantizedReference(UInt8.self, ctx: ctx, p, q)
    }

    /// Asserts that a convolution took its integer arithmetic's direct form
    /// (uint8 runs on pairs where int8 runs on quads).
    private static func checkDirectForm(_ kernel: Kernel, name: String) {
        let conv = kernel as? GEMMConvolutionQuantized, direct = conv?.direct
        switch conv?.arithmetic {
        case .pairs, .quads:
            XCTAssertNotNil(direct, "\(name): not the direct form")
            XCTAssertEqual(direct?.quads, conv?.arithmetic == .quads, name)
        default:
            XCTAssertNil(direct, "\(name): a direct form where the gather runs")
        }
    }

    /// Integer accumulations to the int32 limit and past it: uint8 with every
    /// product 255 · 255 (K = 33,025 is the last K whose sum fits in Int32;
    /// beyond it both kernels wrap the same way), int8 with −128 · −128.
    func testIntegerKernelsAccumulateToTheInt32LimitAndBeyond() throws {
        try checkIntegerKernelLimits(.pairs)
    }

    private func checkIntegerKernelLimits(_ arithmetic: GEMMConvolutionQuantized.Arithmetic) throws {
        let saved = GEMMConvolutionQuantized.arithmeticForTesting
        GEMMConvolutionQuantized.arithmeticForTesting = arithmetic
        defer { GEMMConvolutionQuantized.arithmeticForTesting = saved }
        var rng = TestRandom(seed: 16)
        for (i, k) in [4097, 33_025, 33_026, 70_001].enumerated() {
            let signed = i % 2 == 1
            let spec = QuantizedModelSpec.weighted(
                op: 9, optionsType: 8, input: [2, k], filter: [17, k], channelAxis: 0, perChannel: false, signed: signed,
                hasBias: i != 1, filterFill: signed ? 0x80 : 255, inputZeroPoint: signed ? 127 : 0,
                options: [(4, .i8(0))], rng: &rng)
            try compare(spec, name: "integer saturating fc \(k) \(signed ? "int8" : "uint8")",
                        expectFast: GEMMConvolutionQuantized.self, inputFill: signed ? 0x80 : 255) { ctx in
                try Self.fullyConnectedReference(ctx, m: 2, k: k, n: 17, activation: .none, signed: signed)
            }
        }
    }

    /// LiteRT's reference FULLY_CONNECTED rounding (one rounding of x·M,
    /// ties away from zero; the uint8 kernels use it): the scalar form against
    /// a truncating division with the remainder compared to half, and the
    /// table forms (scalar, eight lanes, `ChannelRequantization.apply`) against it.
    func testSingleRoundingRequantizationMatchesFixedPoint() {
        var rng = TestRandom(seed: 131)
        // x·m·2^(shift−31), shift ≤ 0, by truncating division and remainder.
        func liteRT(_ x: Int32, _ m: Int32, _ shift: Int) -> Int32 {
            let divisor = Int64(1) << Int64(31 - shift)
            let p = Int64(x) * Int64(m)
            var q = p / divisor
            let remainder = p % divisor
            if 2 * abs(remainder) >= divisor { q += p < 0 ? -1 : 1 }
            return Int32(truncatingIfNeeded: q)
        }
        // Ties (M = 0.5): away from zero for both signs.
        for (x, shift, expected): (Int32, Int, Int32) in [(1, 0, 1), (-1, 0, -1), (3, 0, 2), (-3, 0, -2), (6, -2, 1), (-6, -2, -1),
                                                          (-2, -2, 0), (4, -2, 1), (-4, -2, -1), (0, -5, 0)] {
            XCTAssertEqual(FixedPoint.multiplyByQuantizedMultiplierSingleRounding(x, 1 << 30, shift), expected, "tie x \(x) shift \(shift)")
        }
        let tables = ChannelRequantization.Tables(count: 8)
        defer { tables.deallocate() }
        for i in 0..<20_000 {
            var parameters: [(Int32, Int)] = []
            for c in 0..<8 {
                let multiplier = i % 97 == c ? 0 : Int32(1 << 30) + Int32(truncatingIfNeeded: rng.next() % (1 << 30))
                let shift = rng.int(-31...4)
                tables.set(c, multiplier: multiplier, shift: shift, singleRounding: true)
                parameters.append((multiplier, shift))
            }
            var x = SIMD8<Int32>()
            for c in 0..<8 {
                let r = Int32(truncatingIfNeeded: rng.next())
                x[c] = [r, r >> rng.int(0...31), .min, .max, 0, -1, Int32(rng.int(-300...300))][i % 13 == c ? 2 + c % 4 : [0, 1, 6][rng.int(0...2)]]
            }
            let y = tables.scale8(x, 0)
            for c in 0..<8 {
                let (m, shift) = parameters[c]
                let expected = FixedPoint.multiplyByQuantizedMultiplierSingleRounding(x[c], m, shift)
                if shift <= 0 { XCTAssertEqual(expected, liteRT(x[c], m, shift), "x \(x[c]) m \(m) shift \(shift)") }
                XCTAssertEqual(tables.scale(x[c], c), expected, "scalar: x \(x[c]) m \(m) shift \(shift)")
                XCTAssertEqual(y[c], expected, "lane \(c): x \(x[c]) m \(m) shift \(shift)")
            }
        }
        // Through ChannelRequantization from a single-rounding quantization.
        let count = 16
        let spec = ConvolutionQuantization(
            inputOffset: 0, filterOffset: 0, outputOffset: 128,
            multipliers: (0..<count).map { _ in Int32(1 << 30) + Int32(truncatingIfNeeded: rng.next() % (1 << 30)) },
            shifts: (0..<count).map { _ in rng.int(-12...0) }, activationMin: 0, activationMax: 255, rounding: .single)
        let requantization = ChannelRequantization(spec, paddedTo: 16)
        for _ in 0..<200 {
            let acc = (0..<count).map { _ in Int32(rng.int(-1_000_000...1_000_000)) }
            var out = [UInt8](repeating: 0, count: count)
            acc.withUnsafeBufferPointer { a in
                out.withUnsafeMutableBufferPointer { o in
                    requantization.apply(a.baseAddress!, bias: nil, channel: 0, count: count, into: o.baseAddress!)
                }
            }
            for c in 0..<count {
                let v = spec.scale(acc[c], multiplier: spec.multipliers[c], shift: spec.shifts[c]) &+ 128
                XCTAssertEqual(out[c], UInt8(min(max(v, 0), 255)), "apply channel \(c): acc \(acc[c])")
            }
        }
    }

    func testRequantizationMatchesFixedPoint() {
        var rng = TestRandom(seed: 13)
        let tables = ChannelRequantization.Tables(count: 1)
        defer { tables.deallocate() }
        var checked = 0
        for i in 0..<40_000 {
            // Multipliers as quantizeMultiplier makes them: [2^30, 2^31), or 0.
            let multiplier = i % 997 == 0 ? 0 : Int32(1 << 30) + Int32(truncatingIfNeeded: rng.next() % (1 << 30))
            let shift = i % 500 == 0 ? rng.int(-31...(-25)) : rng.int(-31...8)
            tables.set(0, multiplier: multiplier, shift: shift)
            let x = Int32(truncatingIfNeeded: rng.next())
            var values = [x, x >> rng.int(0...31), Int32(rng.int(-300...300))]
            if i % 50 == 0 { values += [.min, .max, 0, -1, 1] }
            for value in values {
                let expected = FixedPoint.multiplyByQuantizedMultiplier(value, multiplier, shift)
                XCTAssertEqual(tables.scale(value, 0), expected, "x \(value) m \(multiplier) shift \(shift)")
                checked += 1
            }
        }
        // Exact ties of both roundings, positive and negative.
        for shift in [-1, -2, -5, 0] {
            tables.set(0, multiplier: 1 << 30, shift: shift)  // M = 0.5
            for value: Int32 in [-7, -6, -5, -3, -2, -1, 1, 2, 3, 5, 6, 7] {
                XCTAssertEqual(tables.scale(value, 0), FixedPoint.multiplyByQuantizedMultiplier(value, 1 << 30, shift), "tie x \(value) shift \(shift)")
            }
        }
        XCTAssertGreaterThan(checked, 120_000)
        // The eight-channel form (used with integer multiply-add) gives the same.
        let tables8 = ChannelRequantization.Tables(count: 8)
        defer { tables8.deallocate() }
        for i in 0..<5_000 {
            var parameters: [(Int32, Int)] = []
            for c in 0..<8 {
                let multiplier = i % 97 == c ? 0 : Int32(1 << 30) + Int32(truncatingIfNeeded: rng.next() % (1 << 30))
                let shift = rng.int(-31...8)
                tables8.set(c, multiplier: multiplier, shift: shift)
                parameters.append((multiplier, shift))
            }
            var x = SIMD8<Int32>()
            for c in 0..<8 {
                let r = Int32(truncatingIfNeeded: rng.next())
                x[c] = [r, r >> rng.int(0...31), .min, .max, 0, -1][i % 13 == c ? 2 + c % 4 : rng.int(0...1)]
            }
            let y = tables8.scale8(x, 0)
            for c in 0..<8 {
                XCTAssertEqual(y[c], FixedPoint.multiplyByQuantizedMultiplier(x[c], parameters[c].0, parameters[c].1),
                               "lane \(c): x \(x[c]) m \(parameters[c].0) shift \(parameters[c].1)")
            }
        }
        // Through views at multiples of eight channels (the GEMM's panels), and
        // `ChannelRequantization.apply` at any channel offset and count (its
        // vector loop, remainder and unaligned fallback) against the scalar form.
        let channels = 29
        let tables29 = ChannelRequantization.Tables(count: channels)
        defer { tables29.deallocate() }
        for i in 0..<400 {
            var multipliers: [Int32] = [], shifts: [Int] = []
            for c in 0..<channels {
                multipliers.append(i % 7 == c % 7 ? 0 : Int32(1 << 30) + Int32(truncatingIfNeeded: rng.next() % (1 << 30)))
                shifts.append(rng.int(-31...8))
                tables29.set(c, multiplier: multipliers[c], shift: shifts[c])
            }
            for base in [8, 16] {
                let view = tables29.offset(by: base)
                XCTAssertTrue(view.vectorAligned)
                var x = SIMD8<Int32>()
                for c in 0..<8 { x[c] = [Int32(truncatingIfNeeded: rng.next()), .min, .max, 0, -1, Int32(rng.int(-3000...3000))][rng.int(0...5)] }
                let y = view.scale8(x, 0)
                for c in 0..<8 {
                    XCTAssertEqual(y[c], FixedPoint.multiplyByQuantizedMultiplier(x[c], multipliers[base + c], shifts[base + c]),
                                   "view \(base) lane \(c): x \(x[c])")
                }
            }
            XCTAssertFalse(tables29.offset(by: 3).vectorAligned)
        }
        for signed in [true, false] {
            for _ in 0..<200 {
                let count = rng.int(1...channels)
                let spec = ConvolutionQuantization(
                    inputOffset: 0, filterOffset: 0, outputOffset: Int32(rng.int(signed ? -128...127 : 0...255)),
                    multipliers: (0..<count).map { _ in Int32(1 << 30) + Int32(truncatingIfNeeded: rng.next() % (1 << 30)) },
                    shifts: (0..<count).map { _ in rng.int(-20...2) },
                    activationMin: signed ? -128 : 0, activationMax: signed ? 127 : 255)
                let requantization = ChannelRequantization(spec, paddedTo: 16)
                let acc = (0..<count).map { _ in Int32(truncatingIfNeeded: rng.next()) >> rng.int(0...31) }
                let bias = (0..<count).map { _ in Int32(rng.int(-100_000...100_000)) }
                let first = rng.int(0...(count - 1))
                var out = [UInt8](repeating: 0, count: count - first)
                acc.withUnsafeBufferPointer { a in
                    bias.withUnsafeBufferPointer { b in
                        if signed {
                            out.withUnsafeMutableBytes { o in
                                requantization.apply(a.baseAddress! + first, bias: b.baseAddress!, channel: first, count: count - first,
                                                     into: o.baseAddress!.assumingMemoryBound(to: Int8.self))
                            }
                        } else {
                            out.withUnsafeMutableBufferPointer { o in
                                requantization.apply(a.baseAddress! + first, bias: b.baseAddress!, channel: first, count: count - first,
                                                     into: o.baseAddress!)
                            }
                        }
                    }
                }
                for c in first..<count {
                    let v = FixedPoint.multiplyByQuantizedMultiplier(acc[c] &+ bias[c], spec.multipliers[c], spec.shifts[c]) &+ spec.outputOffset
                    let expected = UInt8(truncatingIfNeeded: min(max(v, spec.activationMin), spec.activationMax))
                    XCTAssertEqual(out[c - first], expected, "apply channel \(c) of \(count) from \(first)")
                }
            }
        }
    }

    /// `FixedPoint.multiplyByQuantizedMultiplier`, or its single rounding.
    static func fixedPointScale(_ x: Int32, _ m: Int32, _ shift: Int, single: Bool) -> Int32 {
        single ? FixedPoint.multiplyByQuantizedMultiplierSingleRounding(x, m, shift) : FixedPoint.multiplyByQuantizedMultiplier(x, m, shift)
    }

    /// A random output-stage slot for `ExactDoubleRequantization.make`: a
    /// multiplier in 2^30..<2^31 (or 0), a shift from `shifts`, a bound up
    /// to 2^b for b from `boundBits`.
    static func randomSlot(_ rng: inout TestRandom, zeroMultiplier: Bool, shifts: ClosedRange<Int>,
                           boundBits: ClosedRange<Int>) -> (bound: Int64, multiplier: Int32, shift: Int) {
        let multiplier = zeroMultiplier ? 0 : Int32(1 << 30) + Int32(truncatingIfNeeded: rng.next() % (1 << 30))
        let shift = rng.int(shifts)
        return (Int64(rng.int(0...(1 << rng.int(boundBits)))), multiplier, shift)
    }

    /// `ExactDoubleRequantization` (the depthwise and integer GEMM kernels'
    /// output stage in doubles) against `FixedPoint.multiplyByQuantizedMultiplier`
    /// and its single rounding: every result above −256 exactly (plus its
    /// offset), every lower one clamping the same, on random accumulators up
    /// to each slot's bound and on exact ties of every rounding; and `make`
    /// refusing slots that could leave the exact range or wrap the left shift.
    func testExactDoubleRequantizationMatchesFixedPoint() throws {
        var rng = TestRandom(seed: 2041)
        let offset = ExactDoubleRequantization.offset
        func check(_ acc: Int32, _ expected: Int32, _ got: Int32, _ zp: Int32, _ what: String) {
            if expected >= -256 {
                XCTAssertEqual(got, expected &+ offset, what)
            } else {
                XCTAssertEqual(min(max(got &+ zp &- offset, -128), 127), -128, what)
            }
        }
        var accepted = 0
        for i in 0..<4_000 {
            let single = i % 2 == 1
            func reference(_ x: Int32, _ m: Int32, _ shift: Int) -> Int32 { Self.fixedPointScale(x, m, shift, single: single) }
            let slots = (0..<8).map { c in Self.randomSlot(&rng, zeroMultiplier: (i &+ c) % 53 == 0, shifts: -12...2, boundBits: 1...18) }
            guard let tables = ExactDoubleRequantization.make(count: 8, singleRounding: single, { slots[$0] }) else { continue }
            accepted += 1
            let zp = Int32(rng.int(-128...127))
            var x = SIMD8<Int32>()
            for c in 0..<8 {
                let b = Int(slots[c].bound)
                x[c] = Int32([rng.int(-b...b), b, -b, 0, -1, 1][i % 7 == c ? 1 + c % 5 : 0])
            }
            let y = tables.scale8(x, 0)
            for c in 0..<8 {
                let expected = reference(x[c], slots[c].multiplier, slots[c].shift)
                let what = "x \(x[c]) m \(slots[c].multiplier) shift \(slots[c].shift) single \(single)"
                check(x[c], expected, y[c], zp, "lane " + what)
                check(x[c], expected, tables.scale(x[c], c), zp, "scalar " + what)
            }
        }
        XCTAssertGreaterThan(accepted, 2_500)
        // Exact ties of every rounding, positive and negative (M = 0.5).
        for single in [false, true] {
            for shift in [-1, -2, -5, 0, 2] {
                let slots = [(bound: Int64(1000), multiplier: Int32(1 << 30), shift: shift)]
                let tables = try XCTUnwrap(ExactDoubleRequantization.make(count: 8, singleRounding: single, { _ in slots[0] }))
                for value: Int32 in [-97, -7, -6, -5, -3, -2, -1, 0, 1, 2, 3, 5, 6, 7, 97] {
                    let expected = single
                        ? FixedPoint.multiplyByQuantizedMultiplierSingleRounding(value, 1 << 30, shift)
                        : FixedPoint.multiplyByQuantizedMultiplier(value, 1 << 30, shift)
                    XCTAssertEqual(tables.scale(value, 0), expected &+ offset, "tie x \(value) shift \(shift) single \(single)")
                    XCTAssertEqual(tables.scale8(SIMD8(repeating: value), 0) &- offset, SIMD8(repeating: expected),
                                   "tie x \(value) shift \(shift) single \(single)")
                }
            }
        }
        // Out of the exact range: a bound times the multiplier near 2^52, a
        // right shift too large for the offset, a left shift that could wrap.
        XCTAssertNil(ExactDoubleRequantization.make(count: 1) { _ in (Int64(1) << 24, Int32.max, -1) })
        XCTAssertNil(ExactDoubleRequantization.make(count: 1) { _ in (100, 1 << 30, -20) })
        XCTAssertNil(ExactDoubleRequantization.make(count: 1) { _ in (Int64(1) << 24, 1 << 30, 8) })
        XCTAssertNil(ExactDoubleRequantization.make(count: 1) { _ in (100, -1, 0) })
        XCTAssertNotNil(ExactDoubleRequantization.make(count: 1) { _ in (Int64(1) << 20, Int32.max, -8) })
    }

    /// `ExactDoubleRequantization.scale16` (floats where certain, else
    /// doubles) gives the same output bytes as `FixedPoint` for any output
    /// offset: on random accumulators up to each slot's bound, on the
    /// accumulators next to every step of the result (where a float result
    /// is least certain), on exact ties, and with a bound above 2^24 (the
    /// doubles alone).
    func testFloatStageMatchesFixedPointInBytes() throws {
        var rng = TestRandom(seed: 2042)
        let offset = ExactDoubleRequantization.offset
        var accepted = 0
        for i in 0..<1_500 {
            let single = i % 2 == 1
            func reference(_ x: Int32, _ m: Int32, _ shift: Int) -> Int32 { Self.fixedPointScale(x, m, shift, single: single) }
            let slots = (0..<16).map { c -> (bound: Int64, multiplier: Int32, shift: Int) in
                let slot = Self.randomSlot(&rng, zeroMultiplier: (i &+ c) % 53 == 0, shifts: -12...1, boundBits: 1...19)
                // Some tables with a slot whose accumulators are not exact as Float.
                return i % 31 == 0 && c == 5 ? ((Int64(1) << 25) + 3, 1 << 20 | Int32(i), slot.shift) : slot
            }
            guard let tables = ExactDoubleRequantization.make(count: 16, singleRounding: single, { slots[$0] }) else { continue }
            accepted += 1
            let zp = Int32(rng.int(-128...127))
            func bytes(_ v: Int32) -> Int32 { min(max(v &+ zp, -128), 127) }
            var x = SIMD16<Int32>()
            for c in 0..<16 {
                let b = Int32(slots[c].bound)
                var v = Int32(rng.int(-Int(b)...Int(b)))
                if i % 3 != 0 {
                    // The accumulator just before the result's next step (toward zero).
                    let m = slots[c].multiplier, shift = slots[c].shift
                    let start = reference(v, m, shift)
                    var step: Int32 = v > 0 ? -1 : 1
                    var n = 0
                    while n < 1 << 16 && v &+ step >= -b && v &+ step <= b && reference(v &+ step, m, shift) == start {
                        v &+= step
                        n += 1
                        step &*= 2
                    }
                    while step != 1 && step != -1 {
                        step /= 2
                        if v &+ step >= -b && v &+ step <= b && reference(v &+ step, m, shift) == start { v &+= step }
                    }
                }
                x[c] = v
            }
            let y = tables.scale16(x, 0)
            for c in 0..<16 {
                let expected = reference(x[c], slots[c].multiplier, slots[c].shift)
                XCTAssertEqual(bytes(y[c] &- offset), bytes(expected),
                               "x \(x[c]) m \(slots[c].multiplier) shift \(slots[c].shift) single \(single) zp \(zp)")
            }
        }
        XCTAssertGreaterThan(accepted, 1_000)
        for single in [false, true] {
            for shift in [-1, -2, -5, 0, 1] {
                let tables = try XCTUnwrap(ExactDoubleRequantization.make(count: 16, singleRounding: single) { _ in (1000, 1 << 30, shift) })
                for value: Int32 in [-97, -7, -6, -5, -3, -2, -1, 0, 1, 2, 3, 5, 6, 7, 97] {
                    let expected = single
                        ? FixedPoint.multiplyByQuantizedMultiplierSingleRounding(value, 1 << 30, shift)
                        : FixedPoint.multiplyByQuantizedMultiplier(value, 1 << 30, shift)
                    XCTAssertEqual(tables.scale16(SIMD16(repeating: value), 0) &- offset, SIMD16(repeating: expected),
                                   "tie x \(value) shift \(shift) single \(single)")
                }
            }
        }
    }

    /// `ExactDoubleRequantization.make` checked at run time: the limit it
    /// gives every slot (`runTimeLimit`) keeps the doubles (`scale8`) exact
    /// and the floats (`scale16`) giving the same bytes, on random
    /// accumulators within it and at it either way; and it refuses tables
    /// whose limit is below `minimumRunTimeLimit` or that no sum fits.
    func testCheckedStageMatchesFixedPointUpToItsLimit() throws {
        var rng = TestRandom(seed: 2043)
        let offset = ExactDoubleRequantization.offset
        var accepted = 0
        for i in 0..<1_500 {
            let single = i % 2 == 1
            func reference(_ x: Int32, _ m: Int32, _ shift: Int) -> Int32 { Self.fixedPointScale(x, m, shift, single: single) }
            let slots = (0..<16).map { c in Self.randomSlot(&rng, zeroMultiplier: (i &+ c) % 53 == 0, shifts: -13...1, boundBits: 1...1) }
            guard let tables = ExactDoubleRequantization.make(count: 16, singleRounding: single, checkedAtRunTime: true, { slots[$0] }) else {
                continue
            }
            accepted += 1
            let limit = Int(tables.runTimeLimit)
            XCTAssertGreaterThanOrEqual(Int64(limit), ExactDoubleRequantization.minimumRunTimeLimit)
            let zp = Int32(rng.int(-128...127))
            func bytes(_ v: Int32) -> Int32 { min(max(v &+ zp, -128), 127) }
            var x = SIMD16<Int32>()
            for c in 0..<16 { x[c] = Int32([rng.int(-limit...limit), limit, -limit, rng.int(-limit...limit) >> 8][(i &+ c) % 4]) }
            let floats = tables.scale16(x, 0)
            let doubles = SIMD16(lowHalf: tables.scale8(x.lowHalf, 0), highHalf: tables.scale8(x.highHalf, 8))
            for c in 0..<16 {
                let expected = reference(x[c], slots[c].multiplier, slots[c].shift)
                let what = "x \(x[c]) m \(slots[c].multiplier) shift \(slots[c].shift) single \(single) limit \(limit)"
                XCTAssertEqual(bytes(floats[c] &- offset), bytes(expected), "floats: " + what)
                if expected >= -256 { XCTAssertEqual(doubles[c], expected &+ offset, "doubles: " + what) }
                XCTAssertEqual(bytes(doubles[c] &- offset), bytes(expected), "doubles' bytes: " + what)
            }
        }
        XCTAssertGreaterThan(accepted, 1_000)
        // A left shift of 8 at the largest multiplier leaves 2^13, one of 2
        // (the floats' results) 2^16 − 1; a right shift of 14 leaves no room at all.
        XCTAssertNil(ExactDoubleRequantization.make(count: 1, checkedAtRunTime: true) { _ in (0, Int32.max, 8) })
        XCTAssertNil(ExactDoubleRequantization.make(count: 1, checkedAtRunTime: true) { _ in (0, Int32.max, 2) })
        XCTAssertNil(ExactDoubleRequantization.make(count: 1, checkedAtRunTime: true) { _ in (0, 1 << 30, -14) })
        let usual = try XCTUnwrap(ExactDoubleRequantization.make(count: 1, checkedAtRunTime: true) { _ in (0, Int32.max, -8) })
        XCTAssertEqual(usual.runTimeLimit, 4_128_511)  // ⌊(2^53 − 257 · 2^39) / (2^31 − 1)⌋ − 1
        let small = try XCTUnwrap(ExactDoubleRequantization.make(count: 1, checkedAtRunTime: true) { _ in (0, 1 << 30, -13) })
        XCTAssertEqual(small.runTimeLimit, 4_177_919)  // ⌊(2^53 − 257 · 2^44) / 2^30⌋ − 1
    }

    /// `ExactDoubleRequantization.scale16` on every accumulator from −2^16
    /// to 2^16, sixteen consecutive ones per call, for multipliers whose
    /// results cover the bytes (about 0.002 to 0.008 per step): every step
    /// of the result from both sides, exact ties among them.
    func testFloatStageMatchesFixedPointOnEveryAccumulator() throws {
        var rng = TestRandom(seed: 4097)
        let offset = ExactDoubleRequantization.offset
        for i in 0..<8 {
            let single = i % 2 == 1
            let slot = Self.randomSlot(&rng, zeroMultiplier: false, shifts: -8 ... -7, boundBits: 16...16)
            let bound: Int32 = 1 << 16
            let tables = try XCTUnwrap(ExactDoubleRequantization.make(count: 16, singleRounding: single) { _ in
                (Int64(bound), slot.multiplier, slot.shift)
            })
            var mismatches = 0
            var first = -bound
            while first + 15 <= bound {
                let x = SIMD16<Int32>(first ..< first + 16)
                let y = tables.scale16(x, 0)
                for c in 0..<16 {
                    let expected = Self.fixedPointScale(x[c], slot.multiplier, slot.shift, single: single)
                    if min(max(y[c] &- offset, -129), 128) != min(max(expected, -129), 128) { mismatches += 1 }
                }
                first += 16
            }
            XCTAssertEqual(mismatches, 0, "m \(slot.multiplier) shift \(slot.shift) single \(single)")
        }
    }

    /// `IntegerSIMD.sumOfMagnitudes` (the GEMM's prepare-time bounds) and
    /// `IntegerSIMD.sum` (the quads' corrections) against plain sums: short
    /// runs with every tail length, −128, and a run long enough to empty its
    /// lanes into the total more than once.
    func testSumOfMagnitudesMatchesPlainSum() {
        var rng = TestRandom(seed: 4096)
        let values = (0..<200_003).map { i in i % 97 == 0 ? Int8.min : Int8(truncatingIfNeeded: rng.next()) }
        values.withUnsafeBufferPointer { v in
            for count in Array(0...40) + [65_535, 65_536, 65_537, 200_003] {
                let expected = v[0..<count].reduce(Int64(0)) { $0 + Int64($1.magnitude) }
                XCTAssertEqual(IntegerSIMD.sumOfMagnitudes(v.baseAddress!, count: count), expected, "count \(count)")
                XCTAssertEqual(IntegerSIMD.sum(v.baseAddress!, count: count), v[0..<count].reduce(Int64(0)) { $0 + Int64($1) },
                               "count \(count)")
            }
        }
    }

    /// `Tables.requantize16x2` / `requantize16` (the packed vector output
    /// stage of the integer GEMM and depthwise kernels: saturating packs,
    /// channel reordering, byte clamps) against the scalar form, for both
    /// element types, random output offsets and activation bounds, at a
    /// vector-aligned view, with accumulators that saturate Int16.
    func testPackedOutputStageMatchesFixedPoint() {
        var rng = TestRandom(seed: 1632)
        let channels = 40
        let tables = ChannelRequantization.Tables(count: channels)
        defer { tables.deallocate() }
        for i in 0..<600 {
            var multipliers: [Int32] = [], shifts: [Int] = []
            for c in 0..<channels {
                multipliers.append(i % 11 == c % 11 ? 0 : Int32(1 << 30) + Int32(truncatingIfNeeded: rng.next() % (1 << 30)))
                shifts.append(rng.int(-31...8))
                tables.set(c, multiplier: multipliers[c], shift: shifts[c])
            }
            let signed = i % 2 == 0
            let zp = Int32(signed ? rng.int(-128...127) : rng.int(0...255))
            var lo = Int32(signed ? rng.int(-128...127) : rng.int(0...255)), hi = Int32(signed ? rng.int(-128...127) : rng.int(0...255))
            if lo > hi { swap(&lo, &hi) }
            if i % 5 == 0 { (lo, hi) = signed ? (-128, 127) : (0, 255) }
            let stage = ChannelRequantization.VectorStage(
                signed: signed, zeroPoint: SIMD8(repeating: zp), low: SIMD32(repeating: UInt8(truncatingIfNeeded: lo)),
                high: SIMD32(repeating: UInt8(truncatingIfNeeded: hi)))
            let base = [0, 8, 16, 24][i % 4]
            let view = tables.offset(by: base)
            var rows = [[SIMD8<Int32>]](repeating: [SIMD8<Int32>(), SIMD8<Int32>()], count: 2)
            for r in 0..<2 {
                for h in 0..<2 {
                    for c in 0..<8 {
                        rows[r][h][c] = [Int32(truncatingIfNeeded: rng.next()), .min, .max, 0, -1, Int32(rng.int(-3000...3000)),
                                         Int32(truncatingIfNeeded: rng.next()) >> rng.int(0...31)][rng.int(0...6)]
                    }
                }
            }
            let two = view.requantize16x2(rows[0][0], rows[0][1], rows[1][0], rows[1][1], 0, stage)
            let one = view.requantize16(rows[1][0], rows[1][1], 0, stage)
            for r in 0..<2 {
                for j in 0..<16 {
                    let c = base + j
                    let v = FixedPoint.multiplyByQuantizedMultiplier(rows[r][j / 8][j % 8], multipliers[c], shifts[c]) &+ zp
                    let expected = UInt8(truncatingIfNeeded: min(max(v, lo), hi))
                    XCTAssertEqual(two[r * 16 + j], expected, "row \(r) channel \(c) signed \(signed)")
                    if r == 1 { XCTAssertEqual(one[j], expected, "one row, channel \(c) signed \(signed)") }
                }
            }
        }
    }

    // MARK: Harness

    /// The reference kernel (`ConvolutionQuantizedReference`) of the CONV_2D
    /// node of `ctx` with these filter, stride, dilation, padding and channel
    /// numbers (`filterChannels` below `channels`: a grouped convolution).
    static func referenceConvolution(_ ctx: PrepareContext, filter: (Int, Int), stride: (Int, Int), dilation: (Int, Int) = (1, 1),
                                     padding: Int, channels: Int, outputs: Int, filterChannels: Int? = nil,
                                     activation: Int8, signed: Bool) throws -> Kernel {
        let input = try ctx.input(0)
        let g = try ConvGeometry(
            ctx: ctx, inputShape: input.shape, filterHeight: filter.0, filterWidth: filter.1,
            strideHeight: stride.0, strideWidth: stride.1, dilationHeight: dilation.0, dilationWidth: dilation.1,
            padding: Padding(rawValue: Int8(padding))!)
        let p = Conv2D.Parameters(geometry: g, inputChannels: channels, outputChannels: outputs, filterChannels: filterChannels ?? channels,
                                  activation: FusedActivation(rawValue: activation)!)
        let q = try ConvolutionQuantization(
            ctx: ctx, input: input, filter: ctx.input(1), bias: ctx.optionalInput(2), output: ctx.output(0),
            channelAxis: 0, channels: outputs, activation: p.activation)
        return signed ? ConvolutionQuantizedReference(Int8.self, ctx: ctx, p, q) : ConvolutionQuantizedReference(UInt8.self, ctx: ctx, p, q)
    }

    /// Prepares `spec`'s single op, runs the chosen (fast) kernel and the
    /// reference kernel on the same random input, and requires identical bytes.
    @discardableResult
    func compare(_ spec: QuantizedModelSpec, name: String, expectFast: AnyClass, inputFill: UInt8? = nil,
                 inspect: ((Kernel) -> Void)? = nil,
                 reference: (PrepareContext) throws -> Kernel) throws -> (fast: [UInt8], reference: [UInt8])? {
        try compare(spec.data, name: name, expectFast: expectFast, inputFill: inputFill, inspect: inspect, reference: reference)
    }

    /// The same for a serialised model, with the input's bytes given
    /// (`inputBytes`), all equal to `inputFill`, or random. Each run's output
    /// is pre-filled with a different byte (reference 0x5A, fast 0xA5, fast
    /// with reversed tiles 0x3C, as the pool claims them 0x4B), so a byte that a kernel does not write
    /// never looks equal. `inspect` sees the fast kernel, bound. Returns the fast and
    /// the reference kernel's bytes.
    @discardableResult
    func compare(_ modelData: Data, name: String, expectFast: AnyClass, inputFill: UInt8? = nil, inputBytes: [UInt8]? = nil,
                 inspect: ((Kernel) -> Void)? = nil,
                 reference: (PrepareContext) throws -> Kernel) throws -> (fast: [UInt8], reference: [UInt8])? {
        guard let harness = try SingleOpHarness(modelData: modelData, name: name) else { return nil }
        let fast = harness.fastKernel
        XCTAssertEqual(String(describing: type(of: fast)), String(describing: expectFast), "\(name): chose the wrong kernel")
        let slow = try reference(harness.context)
        var rng = SingleOpHarness.random(for: name)
        let input = harness.input
        if let inputBytes {
            XCTAssertEqual(inputBytes.count, input.count, "\(name): input size")
            for i in input.indices { input[i] = i < inputBytes.count ? inputBytes[i] : 0 }
        } else {
            for i in input.indices { input[i] = inputFill ?? UInt8(truncatingIfNeeded: rng.next()) }
        }
        let expected = harness.run(slow, tilesReversed: false, fill: 0x5A)
        let actual = harness.run(fast, tilesReversed: false, fill: 0xA5)
        let tiled = harness.run(fast, tilesReversed: true, fill: 0x3C)
        let claimed = harness.run(fast, tilesReversed: false, claimed: true, fill: 0x4B)
        if let i = expected.indices.first(where: { expected[$0] != actual[$0] }) {
            XCTFail("\(name): fast differs from reference at byte \(i) (\(actual[i]) vs \(expected[i])), \(zip(expected, actual).filter { $0 != $1 }.count) of \(expected.count) differ")
        }
        XCTAssertEqual(actual, tiled, "\(name): tiles run one by one differ")
        XCTAssertEqual(actual, claimed, "\(name): tiles run as the pool claims them, calls continuing, differ")
        // (After the runs: kernels make some constants at `bind`.)
        inspect?(fast)
        if Set(expected).count > min(2, expected.count / 2) { informativeCases += 1 }
        return (actual, expected)
    }

    /// Cases whose output takes more than two values (or half as many as it has:
    /// a fully saturated output would hide arithmetic errors); most cases must be informative.
    var informativeCases = 0

    override func tearDown() {
        informativeCases = 0
        super.tearDown()
    }

    func requireMostlyInformative(_ cases: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThanOrEqual(informativeCases * 4, cases * 3, "only \(informativeCases) of \(cases) cases had informative outputs", file: file, line: line)
    }
}

/// A one-operator quantized model (int8 or uint8 activations, constant
/// quantized filter, int32 bias), serialised as a TFLite FlatBuffer.
struct QuantizedModelSpec {
    let data: Data

    /// input (runtime) + constant filter/weights + optional constant bias → output.
    /// `channelAxis` is the filter dimension of the output channels (0 for
    /// CONV_2D / FULLY_CONNECTED, 3 for DEPTHWISE_CONV_2D).
    static func weighted(op: Int32, optionsType: UInt8, input: [Int], filter: [Int], channelAxis: Int,
                         perChannel: Bool, signed: Bool, hasBias: Bool, filterFill: UInt8? = nil,
                         inputZeroPoint: Int? = nil, filterZeroPoint: Int? = nil, filterValues: [Int]? = nil,
                         biasMultiplier: Int32 = 1,
                         options: [(Int, FlatBufferBuilder.Value)], rng: inout TestRandom) -> QuantizedModelSpec {
        typealias FB = FlatBufferBuilder.Node
        let type: Int8 = signed ? 9 : 3  // INT8 = 9, UINT8 = 3
        let channels = filter[channelAxis]
        let inputScale = Float(rng.int(1...100)) / 2000
        let inputZero = inputZeroPoint ?? (signed ? rng.int(-128...127) : (filterFill == nil ? rng.int(0...255) : 0))
        let filterScales = (0..<(perChannel ? channels : 1)).map { _ in Float(rng.int(1...100)) / 5000 }
        let filterZero = filterZeroPoint ?? (signed ? 0 : (filterFill == nil ? rng.int(0...255) : 0))
        let choices = filterValues
        let filterValues: [UInt8] = (0..<filter.reduce(1, *)).map { _ in
            if let filterFill { return filterFill }
            if let choices { return UInt8(truncatingIfNeeded: choices[rng.int(0...(choices.count - 1))]) }
            return signed ? UInt8(bitPattern: Int8(rng.int(-128...127))) : UInt8(rng.int(0...255))
        }
        // An output scale that keeps typical accumulations inside the range.
        let k = filter.reduce(1, *) / channels
        let outputScale = (filterFill == nil
            ? inputScale * (filterScales.max() ?? 1) * Float(rng.int(20...100)) * Float(max(k, 1)).squareRoot()
            : inputScale * filterScales[0] * Float(k) * 65025 / Float(rng.int(50...120))) * Float(biasMultiplier)
        let outputZero = signed ? rng.int(-20...20) : (filterFill == nil ? rng.int(100...150) : 0)

        func quantization(_ scales: [Float], _ zeros: [Int], axis: Int = 0) -> FB { QuantizedTensorTables.quantization(scales, zeros, axis: axis) }
        var tables = QuantizedTensorTables()
        func tensor(_ shape: [Int], _ type: Int8, _ q: FB, data: [UInt8]?) -> Int32 { tables.tensor(shape, type, q, data: data) }
        let inputIndex = tensor(input, type, quantization([inputScale], [inputZero]), data: nil)
        let filterIndex = tensor(filter, type, quantization(filterScales, Array(repeating: filterZero, count: filterScales.count), axis: channelAxis),
                                 data: filterValues)
        var opInputs = [inputIndex, filterIndex]
        if hasBias {
            let biasValues = (0..<channels).map { _ in Int32(rng.int(-30000...30000)) * biasMultiplier }
            let biasBytes = biasValues.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
            let biasScales = filterScales.map { $0 * inputScale }
            opInputs.append(tensor([channels], 2, quantization(biasScales, Array(repeating: 0, count: biasScales.count)), data: biasBytes))
        }
        let outputIndex = tensor([], type, quantization([outputScale], [outputZero]), data: nil)
        return QuantizedModelSpec(data: tables.model(op: op, inputs: opInputs, input: inputIndex, output: outputIndex,
                                                     optionsType: optionsType, options: options, description: "QuantizedKernelTests"))
    }
}

/// The tensors and buffers of a hand-built quantized test model: each
/// tensor gets a name `tN`, a quantization table and, when it has data, a
/// buffer of its own (buffer 0 stays the empty one).
struct QuantizedTensorTables {
    typealias FB = FlatBufferBuilder.Node
    private(set) var tensors: [FB] = []
    private(set) var buffers: [FB] = [.table([])]

    /// A quantization table: per-tensor or per-channel scales and zero points along `axis`.
    static func quantization(_ scales: [Float], _ zeros: [Int], axis: Int = 0) -> FB {
        .table([(8, .offset(.floats(scales))), (10, .offset(.int64s(zeros.map(Int64.init)))), (16, .i32(Int32(axis)))])
    }

    /// Adds a tensor (with a buffer of `data` if given) and returns its index.
    mutating func tensor(_ shape: [Int], _ type: Int8, _ q: FB, data: [UInt8]?) -> Int32 {
        var buffer: UInt32 = 0
        if let data {
            buffer = UInt32(buffers.count)
            buffers.append(.table([(4, .offset(.bytes(data)))]))
        }
        tensors.append(.table([
            (4, .offset(.int32s(shape.map(Int32.init)))), (6, .i8(type)), (8, .u32(buffer)),
            (10, .offset(.string("t\(tensors.count)"))), (12, .offset(q)),
        ]))
        return Int32(tensors.count - 1)
    }

    /// A model of these tensors and buffers with one operator (`op`, reading
    /// `inputs`, writing `output`, its options table) in a subgraph whose
    /// input is `input` and output `output`, serialised.
    func model(op: Int32, inputs: [Int32], input: Int32, output: Int32, optionsType: UInt8,
               options: [(Int, FlatBufferBuilder.Value)], description: String) -> Data {
        let operatorTable: FB = .table([
            (4, .u32(0)), (6, .offset(.int32s(inputs))), (8, .offset(.int32s([output]))),
            (10, .u8(optionsType)), (12, .offset(.table(options))),
        ])
        let subgraph: FB = .table([
            (4, .offset(.tables(tensors))), (6, .offset(.int32s([input]))), (8, .offset(.int32s([output]))),
            (10, .offset(.tables([operatorTable]))), (12, .offset(.string("main"))),
        ])
        let model: FB = .table([
            (4, .u32(3)),
            (6, .offset(.tables([.table([(4, .i8(Int8(clamping: op))), (8, .i32(1)), (10, .i32(op))])]))),
            (8, .offset(.tables([subgraph]))),
            (10, .offset(.string(description))),
            (12, .offset(.tables(buffers))),
        ])
        return Data(FlatBufferBuilder.serialize(model, identifier: "TFL3"))
    }
}
