import Foundation
import XCTest
@_spi(Benchmarking) @testable import TFLiteEngine

/// Quantized MAX_POOL_2D and AVERAGE_POOL_2D (`Pool2DQuantizedKernel`)
/// against pools written out in the test: int8 and uint8,
/// channel counts below, at and past multiples of 16, strides, SAME/VALID
/// padding, extreme values and activation bounds; bytes must be identical,
/// also with the tiles run one at a time in reverse order.
final class QuantizedPoolTests: XCTestCase {
    func testMaxPoolMatchesWindowMaximumBitExact() throws {
        var rng = TestRandom(seed: 47)
        // (Past 16 and 64 channels the last group of 16 or 64 overlaps; 8–15
        // channels run two overlapping groups of eight.)
        // Cases 48–54: narrow channels whose windows lie inside the input
        // a row at a time (`rowsSeparately`), over rows of many 64-byte steps
        // (up to 16 channels: pixels stored straight, the last ones through
        // `storeStep`; an output row of 6 bytes only through it).
        let channelChoices = [1, 3, 15, 16, 17, 32, 40, 64, 80, 100, 8, 11]
        let rowCases = [(23, 23, 11, 3, 3, 2), (15, 15, 22, 3, 3, 2), (9, 31, 44, 3, 2, 1), (5, 40, 5, 2, 3, 2),
                        (12, 13, 63, 3, 3, 2), (7, 29, 16, 3, 3, 2), (6, 5, 3, 3, 3, 2)]
        for i in 0..<55 {
            let signed = i % 3 != 2
            var channels = channelChoices[i % channelChoices.count]
            var fh = rng.int(1...3), fw = rng.int(1...3)
            var stride = (rng.int(1...2), rng.int(1...2))
            var same = rng.int(0...1) == 1
            var h = rng.int(fh...9), w = rng.int(fw...9)
            if i >= 48 {
                let c = rowCases[i - 48]
                (h, w, channels, fh, fw, stride, same) = (c.0, c.1, c.2, c.3, c.4, (c.5, c.5), false)
            }
            let relu = i % 4 == 1
            let zeroPoint = signed ? [-128, 127, rng.int(-128...127)][i % 3] : [0, 255, rng.int(0...255)][i % 3]
            let model = Self.poolModel(input: [1, h, w, channels], filter: (fh, fw), stride: stride, same: same,
                                          relu: relu, signed: signed, zeroPoint: zeroPoint)
            let name = "max pool #\(i) \(h)×\(w)×\(channels) f \(fh)×\(fw) s \(stride) \(same ? "same" : "valid") \(relu ? "relu" : "none") \(signed ? "int8" : "uint8") zp \(zeroPoint)"
            guard let harness = try SingleOpHarness(modelData: model, name: name) else { continue }
            XCTAssertTrue(harness.fastKernel is Pool2DQuantizedKernel, "\(name): chose \(type(of: harness.fastKernel))")
            let input = harness.input
            // Mostly random bytes, with runs of the extremes.
            for j in input.indices {
                let r = rng.int(0...9)
                input[j] = r == 0 ? 0x80 : r == 1 ? 0x7F : r == 2 ? 0xFF : r == 3 ? 0x00 : UInt8(truncatingIfNeeded: rng.next())
            }
            let bytes = Array(input)
            // The expected output: the largest in-bounds value of each window, clamped.
            let expected = Self.expectedPool(bytes, h: h, w: w, channels: channels, filter: (fh, fw), stride: stride, same: same,
                                             relu: relu, signed: signed, zeroPoint: zeroPoint) { $0.max() ?? 0 }
            Self.assertRuns(harness, give: expected, name)
        }
    }

    /// AVERAGE_POOL_2D against TFLite's reference arithmetic written out in
    /// the test (the Int32 sum of the in-bounds taps, divided by their count
    /// rounding half away from zero, clamped): the same shapes as above plus
    /// 4×4 windows, and windows of more than 128 taps (the division path).
    func testAveragePoolMatchesRoundedWindowMeanBitExact() throws {
        var rng = TestRandom(seed: 53)
        // (11, 22, 44, 88: NASNet's; past 16, the last group of 16 overlaps.)
        // Cases 48–55: a row at a time (`averagesRowsSeparately`) without
        // padding, one with a window of 121 taps (11 × 11), one whose output
        // rows are 6 bytes (per pixel). Cases 56–63: SAME padding, whose
        // rows of sums have zero columns and whose edge pixels (and top and
        // bottom rows) average fewer taps: NASNet-Mobile's 11-, 22- and
        // 44-channel 3×3 pools at strides 1 and 2, InceptionV3's wide ones,
        // 5×5 windows on maps narrower than the filter's reach.
        let channelChoices = [1, 3, 15, 16, 17, 32, 40, 64, 33, 44, 11, 88]
        let rowCases = [(23, 23, 11, 3, 3, 2, false), (15, 15, 22, 3, 3, 2, false), (9, 31, 44, 3, 2, 1, false),
                        (5, 40, 5, 2, 3, 2, false), (12, 13, 63, 3, 3, 2, false), (7, 29, 16, 3, 3, 2, false),
                        (13, 40, 11, 11, 11, 1, false), (6, 5, 3, 3, 3, 2, false),
                        (14, 14, 11, 3, 3, 1, true), (9, 10, 44, 3, 3, 1, true), (11, 11, 22, 3, 3, 2, true),
                        (5, 5, 200, 3, 3, 1, true), (6, 7, 5, 3, 3, 1, true), (4, 3, 17, 5, 5, 1, true),
                        (8, 9, 13, 5, 5, 2, true), (3, 12, 7, 2, 2, 1, true)]
        for i in 0..<64 {
            let signed = i % 3 != 2
            var channels = channelChoices[i % channelChoices.count]
            let large = i % 9 == 4 && i < 48
            var fh = large ? 12 : rng.int(1...4), fw = large ? 11 : rng.int(1...4)
            var stride = (rng.int(1...2), rng.int(1...2))
            var same = rng.int(0...1) == 1
            var h = rng.int(fh...(large ? 13 : 9)), w = rng.int(fw...(large ? 13 : 9))
            if i >= 48 {
                let c = rowCases[i - 48]
                (h, w, channels, fh, fw, stride, same) = (c.0, c.1, c.2, c.3, c.4, (c.5, c.5), c.6)
            }
            let relu = i % 4 == 1
            let zeroPoint = signed ? [-128, 127, rng.int(-128...127)][i % 3] : [0, 255, rng.int(0...255)][i % 3]
            let model = Self.poolModel(input: [1, h, w, channels], filter: (fh, fw), stride: stride, same: same,
                                          relu: relu, signed: signed, zeroPoint: zeroPoint, average: true)
            let name = "average pool #\(i) \(h)×\(w)×\(channels) f \(fh)×\(fw) s \(stride) \(same ? "same" : "valid") \(relu ? "relu" : "none") \(signed ? "int8" : "uint8") zp \(zeroPoint)"
            guard let harness = try SingleOpHarness(modelData: model, name: name) else { continue }
            XCTAssertTrue(harness.fastKernel is Pool2DQuantizedKernel, "\(name): chose \(type(of: harness.fastKernel))")
            let input = harness.input
            // Random bytes, whole windows of one extreme (the largest sums of either sign), or both.
            let mode = i % 4
            for j in input.indices {
                let r = UInt8(truncatingIfNeeded: rng.next())
                input[j] = mode == 0 ? (signed ? 0x80 : 0xFF) : mode == 1 ? (signed ? 0x7F : 0x00) : r
            }
            let bytes = Array(input)
            let expected = Self.expectedPool(bytes, h: h, w: w, channels: channels, filter: (fh, fw), stride: stride, same: same,
                                             relu: relu, signed: signed, zeroPoint: zeroPoint) { values in
                let sum = values.reduce(0, +), count = values.count
                return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count
            }
            Self.assertRuns(harness, give: expected, name)
        }
    }

    /// The harness's fast kernel gives `expected` with its tiles in order
    /// and run one by one in reverse (over outputs filled differently).
    static func assertRuns(_ harness: SingleOpHarness, give expected: [UInt8], _ name: String,
                           file: StaticString = #filePath, line: UInt = #line) {
        let actual = harness.run(harness.fastKernel, tilesReversed: false, fill: 0xA5)
        let tiled = harness.run(harness.fastKernel, tilesReversed: true, fill: 0x3C)
        XCTAssertEqual(actual, expected, "\(name)", file: file, line: line)
        XCTAssertEqual(tiled, expected, "\(name): tiles run one by one", file: file, line: line)
    }

    /// Quantized MEAN with its sums in Int16 register lanes (channel groups
    /// over the rows of a global average pool; 16 values at a time along a
    /// layer norm's channels; rows of whole 32-byte vectors by `vpsadbw`
    /// lanes) and, in the integer flavours, the output stage
    /// in doubles eight outputs at a time (`exactFinish`: a global pool's
    /// channels, a layer norm's rows)
    /// gives the bytes of its plain Int32 loops and scalar output stage, for
    /// int8 and uint8, same and rescaled quantization, extreme and random
    /// inputs, widths off the group of 16, more rows than an Int16 lane's
    /// 128 (143, 144, 258, 570), channels in four groups at a time (80, 1248);
    /// and split over three threads (tiles of 64 channels, a tile straddling
    /// two batch rows at 2 × 100 channels; a global pool of one batch row
    /// and 32 rows or more as parts of its rows, whose sums the last tile
    /// adds: `rowParts`).
    func testMeanSumsInRegistersMatchTheInt32Loops() throws {
        var rng = TestRandom(seed: 61)
        let cases: [([Int], [Int32])] = [
            ([1, 8, 8, 40], [1, 2]), ([1, 9, 9, 1248], [1, 2]), ([2, 4, 4, 17], [1, 2]), ([1, 3, 3, 16], [1, 2]),
            ([1, 12, 11, 21], [1, 2]), ([1, 5, 5, 96], [3]), ([1, 3, 4, 17], [3]), ([2, 3, 768], [2]), ([4, 2047], [1]),
            ([1, 2, 2, 2048], [3]), ([3, 15], [1]), ([1, 16, 8, 33], [1]),
            // More than 128 rows: blocks of 128 in Int16 lanes.
            ([1, 13, 11, 16], [1, 2]), ([1, 30, 19, 40], [1, 2]), ([1, 129, 2, 17], [1, 2]), ([1, 12, 12, 80], [1, 2]),
            ([2, 3, 3, 100], [1, 2]),
            // Layer norms' means over channels: eight rows per vector output
            // stage, the rest one by one (uint8 same quantization, int8 and
            // uint8 rescaled).
            ([1, 6, 6, 24], [3]), ([1, 7, 9, 96], [3]), ([1, 4, 5, 48], [3]), ([2, 5, 8, 40], [3]),
            // Whole 32-byte vectors a row (`vpsadbw` sums; also 96, 768 and 2048 above), int8 and uint8.
            ([1, 3, 5, 64], [3]), ([1, 9, 9, 128], [3]), ([1, 5, 3, 32], [3]),
        ]
        for (i, (shape, axes)) in cases.enumerated() {
            let signed = i % 3 != 2, sameQuantization = i % 4 == 1
            let model = Self.meanModel(input: shape, axes: axes, signed: signed, sameQuantization: sameQuantization, rng: &rng)
            // Random bytes, then the largest sums of either sign.
            for mode in 0..<3 {
                var outputs: [[UInt8]] = []
                for (registers, split) in [(false, false), (true, false), (true, true)] {
                    MeanQuantizedKernel.sumsInRegisters = registers
                    defer { MeanQuantizedKernel.sumsInRegisters = true }
                    var options = Interpreter.Options(threadCount: 1, backend: .cpu)
                    if split {
                        options = Interpreter.Options(threadCount: 3, backend: .parallel)
                        options.parallelMinimumCost = 0
                    }
                    let interpreter = try Interpreter(model: try Model(data: model), options: options)
                    try interpreter.allocateTensors()
                    var state = UInt64(77 + i)
                    try interpreter.withUnsafeMutableInputBytes(at: 0) { bytes in
                        for j in bytes.indices {
                            state ^= state << 13; state ^= state >> 7; state ^= state << 17
                            bytes[j] = mode == 0 ? UInt8(truncatingIfNeeded: state) : mode == 1 ? (signed ? 0x80 : 0xFF) : (signed ? 0x7F : 0)
                        }
                    }
                    try interpreter.invoke()
                    outputs.append([UInt8](try interpreter.output(at: 0).data))
                }
                let name = "mean #\(i) \(shape) axes \(axes) \(signed ? "int8" : "uint8")\(sameQuantization ? " same" : "") inputs \(mode)"
                XCTAssertEqual(outputs[1], outputs[0], name)
                XCTAssertEqual(outputs[2], outputs[0], name + ", split over three threads")
            }
        }
    }

    /// A one-op MEAN model over `axes` (kept dimensions), int8 or uint8.
    static func meanModel(input: [Int], axes: [Int32], signed: Bool, sameQuantization: Bool, rng: inout TestRandom) -> Data {
        let type: Int8 = signed ? 9 : 3
        let inputScale = Float(rng.int(1...100)) / 1000, inputZero = signed ? rng.int(-128...127) : rng.int(0...255)
        let outputScale = sameQuantization ? inputScale : inputScale * Float(rng.int(30...200)) / 100
        let outputZero = sameQuantization ? inputZero : (signed ? rng.int(-20...20) : rng.int(100...150))
        var tables = QuantizedTensorTables()
        let inputIndex = tables.tensor(input, type, QuantizedTensorTables.quantization([inputScale], [inputZero]), data: nil)
        let axesBytes = axes.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let axesIndex = tables.tensor([axes.count], 2, .table([]), data: axesBytes)
        var outputShape = input
        for axis in axes { outputShape[Int(axis)] = 1 }
        let outputIndex = tables.tensor(outputShape, type, QuantizedTensorTables.quantization([outputScale], [outputZero]), data: nil)
        return tables.model(op: 40, inputs: [inputIndex, axesIndex], input: inputIndex, output: outputIndex,
                            optionsType: 27, options: [(4, .bool(true))], description: "QuantizedPoolTests")
    }

    /// The output of a pool over one NHWC image of `bytes`: `window` of each
    /// window's in-bounds values (in their element type), clamped to the
    /// type's range and, `relu`, the zero point.
    static func expectedPool(_ bytes: [UInt8], h: Int, w: Int, channels: Int, filter: (Int, Int), stride: (Int, Int), same: Bool,
                             relu: Bool, signed: Bool, zeroPoint: Int, window: ([Int]) -> Int) -> [UInt8] {
        let (fh, fw) = filter
        let outH = same ? (h + stride.0 - 1) / stride.0 : (h - fh) / stride.0 + 1
        let outW = same ? (w + stride.1 - 1) / stride.1 : (w - fw) / stride.1 + 1
        let padTop = same ? max((outH - 1) * stride.0 + fh - h, 0) / 2 : 0
        let padLeft = same ? max((outW - 1) * stride.1 + fw - w, 0) / 2 : 0
        let (qmin, qmax) = signed ? (-128, 127) : (0, 255)
        let low = relu ? max(qmin, zeroPoint) : qmin
        var expected: [UInt8] = []
        for oy in 0..<outH {
            for ox in 0..<outW {
                for c in 0..<channels {
                    var values: [Int] = []
                    for ky in 0..<fh {
                        for kx in 0..<fw {
                            let y = oy * stride.0 - padTop + ky, x = ox * stride.1 - padLeft + kx
                            guard y >= 0, y < h, x >= 0, x < w else { continue }
                            let b = bytes[(y * w + x) * channels + c]
                            values.append(signed ? Int(Int8(bitPattern: b)) : Int(b))
                        }
                    }
                    expected.append(UInt8(truncatingIfNeeded: min(max(window(values), low), qmax)))
                }
            }
        }
        return expected
    }

    /// A one-op MAX_POOL_2D (or, `average`, AVERAGE_POOL_2D) model, input and
    /// output with the same scale and zero point.
    static func poolModel(input: [Int], filter: (Int, Int), stride: (Int, Int), same: Bool, relu: Bool,
                             signed: Bool, zeroPoint: Int, average: Bool = false) -> Data {
        typealias FB = FlatBufferBuilder.Node
        let type: Int8 = signed ? 9 : 3
        let quantization: FB = .table([(8, .offset(.floats([0.05]))), (10, .offset(.int64s([Int64(zeroPoint)])))])
        let tensors: [FB] = [
            .table([(4, .offset(.int32s(input.map(Int32.init)))), (6, .i8(type)), (8, .u32(0)), (10, .offset(.string("in"))),
                    (12, .offset(quantization))]),
            .table([(4, .offset(.int32s([]))), (6, .i8(type)), (8, .u32(0)), (10, .offset(.string("out"))),
                    (12, .offset(quantization))]),
        ]
        // Pool2DOptions: padding, stride_w, stride_h, filter_width, filter_height, fused activation.
        let options: FB = .table([(4, .i8(same ? 0 : 1)), (6, .i32(Int32(stride.1))), (8, .i32(Int32(stride.0))),
                                  (10, .i32(Int32(filter.1))), (12, .i32(Int32(filter.0))), (14, .i8(relu ? 1 : 0))])
        let operatorTable: FB = .table([
            (4, .u32(0)), (6, .offset(.int32s([0]))), (8, .offset(.int32s([1]))), (10, .u8(5)), (12, .offset(options)),
        ])
        let subgraph: FB = .table([
            (4, .offset(.tables(tensors))), (6, .offset(.int32s([0]))), (8, .offset(.int32s([1]))),
            (10, .offset(.tables([operatorTable]))), (12, .offset(.string("main"))),
        ])
        let root: FB = .table([
            (4, .u32(3)),
            (6, .offset(.tables([.table([(4, .i8(average ? 1 : 17)), (8, .i32(1)), (10, .i32(average ? 1 : 17))])]))),
            (8, .offset(.tables([subgraph]))),
            (10, .offset(.string("QuantizedPoolTests"))),
            (12, .offset(.tables([.table([])]))),
        ])
        return Data(FlatBufferBuilder.serialize(root, identifier: "TFL3"))
    }
}
