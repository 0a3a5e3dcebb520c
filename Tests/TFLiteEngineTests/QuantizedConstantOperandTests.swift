import XCTest
@testable import TFLiteEngine

extension QuantizedKernelTests {
    /// Quantized ADD, SUB, MUL and SQUARED_DIFFERENCE with a constant scalar
    /// or short per-channel operand (`ConstantOperandTables`, or for int8
    /// ADD, SUB and MUL in the integer flavours `Int8ChannelLines`) against the
    /// one-by-one reference arithmetic: int8 and uint8, the constant first or
    /// second, channels 1 (ranks 0–2), 3, 5, 22 and 64 (the largest in most
    /// flavours), 48 and 256 (rows by channel looked up 64 pixels at a time
    /// in the VBMI flavour; 29 × 37 pixels, blocks ending inside a pixel), a
    /// row longer than a block. Half the cases feed every channel every byte (so
    /// every table entry is compared), half random bytes; the tiles run one
    /// by one too (`compare`), starting mid-row.
    func testConstantOperandTablesMatchReferenceBitExact() throws {
        var rng = TestRandom(seed: 97)
        var linesCases = 0
        let cases: [([Int], [Int])] = [([1, 40, 40, 3], [3]), ([2, 4097], [1]), ([1, 20, 20, 5], [1, 1, 1, 5]), ([1, 24, 24, 22], [22]),
                                       ([1, 16, 16, 64], [64]), ([1, 33, 17, 3], [1, 1, 3]), ([300], []), ([1, 29, 37, 48], [48]),
                                       ([1, 17, 16, 256], [1, 1, 1, 256]), ([1, 16, 17, 200], [200])]
        for i in 0..<80 {
            let (shape, constantShape) = cases[i % cases.count]
            let operation = i / cases.count % 4  // ADD, SUB, MUL, SQUARED_DIFFERENCE
            let unsigned = i % 3 == 1 && operation != 3
            let constantFirst = i % 2 == 1
            let activation: Int8 = operation == 3 ? 0 : Int8(rng.int(0...3))
            let spec = QuantizedAddSpec(shape: shape, bShape: constantShape, activation: activation, subtract: operation == 1,
                                        multiply: operation == 2, squaredDifference: operation == 3, constantFirst: constantFirst,
                                        unsigned: unsigned, rng: &rng)
            let period = constantShape.reduce(1, *), count = shape.reduce(1, *)
            let everyByte = i % 4 < 2 ? (0..<count).map { UInt8(truncatingIfNeeded: $0 / period) } : nil
            let name = "constant #\(i) \(["add", "sub", "mul", "squared difference"][operation]) \(unsigned ? "uint8" : "int8") "
                + "\(constantFirst ? "\(constantShape) and \(shape)" : "\(shape) and \(constantShape)") act \(activation)"
            try compare(spec.model.data, name: name, expectFast: QuantizedBinaryKernel.self, inputBytes: everyByte, inspect: { kernel in
                if let lines = (kernel as? QuantizedBinaryKernel)?.channelLines {
                    linesCases += 1
                    XCTAssertNil((kernel as? QuantizedBinaryKernel)?.constantOperandTables, "\(name): tables besides lines")
                    XCTAssertEqual(lines.variableOperand, constantFirst ? 1 : 0, "\(name): operand")
                    XCTAssertEqual((kernel as? QuantizedBinaryKernel)?.readsPairTable, false, "\(name): a pair table besides")
                    return
                }
                let tables = (kernel as? QuantizedBinaryKernel)?.constantOperandTables
                // (256 channels get tables only where they are looked up by pixels.)
                guard ConstantOperandTables.applies(elementCount: count, period: period) else {
                    XCTAssertTrue(period > ConstantOperandTables.maximumPeriod && tables == nil, "\(name): tables")
                    return
                }
                XCTAssertEqual(tables?.period, period, "\(name): no tables")
                XCTAssertEqual(tables?.variableOperand, constantFirst ? 1 : 0, "\(name): operand")
                XCTAssertEqual((kernel as? QuantizedBinaryKernel)?.readsPairTable, false, "\(name): a pair table besides")
            }) { ctx in
                let a = try ctx.input(0), b = try ctx.input(1)
                let broadcast = try BroadcastShape(a.shape, b.shape, ctx: ctx)
                let prepared: Kernel
                switch operation {
                case 2: prepared = try MulQuantized.prepareInt8(ctx)
                case 3: prepared = try SquaredDifference.prepareInt8(ctx, a: a, b: b, shape: broadcast)
                default:
                    prepared = try AddQuantized.prepare(ctx, shape: broadcast, activation: FusedActivation(rawValue: activation)!,
                                                        subtract: operation == 1)
                }
                guard let k = prepared as? QuantizedBinaryKernel else { throw XCTSkip("unexpected kernel \(type(of: prepared))") }
                let range = (k.activationMin, k.activationMax)
                return unsigned
                    ? QuantizedBinaryKernel(UInt8.self, ctx: ctx, shape: k.shape, arithmetic: k.arithmetic, offset1: k.offset1,
                                            offset2: k.offset2, outputOffset: k.outputOffset, activation: range, vectorized: false)
                    : QuantizedBinaryKernel(Int8.self, ctx: ctx, shape: k.shape, arithmetic: k.arithmetic, offset1: k.offset1,
                                            offset2: k.offset2, outputOffset: k.outputOffset, activation: range, vectorized: false)
            }
        }
        requireMostlyInformative(80)
        // Int8 ADD, SUB and MUL with two or more channels take the rounded
        // lines (`Int8ChannelLines`) in the integer flavours.
        if IntegerSIMD.isNative { XCTAssertGreaterThanOrEqual(linesCases, 15, "few cases took the lines") }
    }

    /// `BroadcastShape.outputRange`: the elements each run of tiles covers,
    /// against `forEachSpan`'s spans, for flat blocks, short rows and rows of
    /// several blocks.
    func testBroadcastOutputRangeMatchesSpans() throws {
        var rng = TestRandom(seed: 5)
        let spec = QuantizedAddSpec(shape: [1], activation: 0, rng: &rng)
        let harness = try XCTUnwrap(SingleOpHarness(modelData: spec.model.data, name: "output range"))
        for (a, b) in [([2, 4097], [1]), ([1, 40, 40, 3], [3]), ([9000], [9000]), ([3, 5000], [3, 1])] {
            let shape = try BroadcastShape(a, b, ctx: harness.context)
            let blockSize = 4096, tiles = shape.tileCount(blockSize: blockSize)
            for tile in 0..<tiles {
                var expected: [Range<Int>] = []
                shape.forEachSpan(tile..<(tile + 1), blockSize: blockSize) { _, _, _, _, start, n in expected.append(start..<(start + n)) }
                XCTAssertEqual([shape.outputRange(tile..<(tile + 1), blockSize: blockSize)], expected, "\(a) and \(b) tile \(tile)")
            }
            for (lower, upper) in [(0, tiles), (1, tiles), (0, max(tiles - 1, 1))] where lower < upper {
                let range = shape.outputRange(lower..<upper, blockSize: blockSize)
                let first = shape.outputRange(lower..<(lower + 1), blockSize: blockSize)
                let last = shape.outputRange((upper - 1)..<upper, blockSize: blockSize)
                XCTAssertEqual(range, first.lowerBound..<last.upperBound, "\(a) and \(b) tiles \(lower)..<\(upper)")
            }
        }
    }

    /// `ConstantOperandTables.ChannelSlices`: for each runs of tiles (all,
    /// one by one, and the chunks that two and three workers claim), the
    /// lookups cover every channel of every pixel exactly once, within a
    /// block of 64 pixels, each lookup over at least 16 channels (its last
    /// group of 16 overlapping within the lookup's own channels).
    func testChannelSlicesCoverEveryElementOnce() {
        for (pixels, channels) in [(49, 1152), (81, 200), (3136, 144), (1, 16), (65, 127), (130, 64), (200, 2112)] {
            let slices = ConstantOperandTables.ChannelSlices(elements: pixels * channels, channels: channels)
            XCTAssertEqual(slices.count, (pixels + 63) / 64 * max(1, channels / 64), "\(pixels)×\(channels): tiles")
            var runs: [[Range<Int>]] = [[0..<slices.count], (0..<slices.count).map { $0..<($0 + 1) }]
            for chunks in [2, 3, 8] where chunks <= slices.count {
                runs.append((0..<chunks).map { tileRange(worker: $0, workers: chunks, tiles: slices.count) })
            }
            for run in runs {
                var covered = [UInt8](repeating: 0, count: pixels * channels)
                for tiles in run {
                    var t = tiles.lowerBound
                    while t < tiles.upperBound {
                        let (p, c, next) = slices.block(at: t, end: tiles.upperBound)
                        XCTAssertGreaterThan(next, t, "\(pixels)×\(channels): no progress at tile \(t)")
                        XCTAssertLessThanOrEqual(next, tiles.upperBound)
                        XCTAssertTrue(c.count >= 16 && c.upperBound <= channels && p.upperBound <= pixels && !p.isEmpty,
                                      "\(pixels)×\(channels): lookup \(p) × \(c)")
                        XCTAssertTrue(c == 0..<channels || p.count <= 64 && p.lowerBound % 64 == 0, "\(pixels)×\(channels): \(p) in one block")
                        for pixel in p { for channel in c { covered[pixel * channels + channel] &+= 1 } }
                        t = max(next, t + 1)
                    }
                }
                XCTAssertEqual(covered.firstIndex { $0 != 1 }, nil, "\(pixels)×\(channels) in \(run.count) runs")
            }
        }
    }
}
