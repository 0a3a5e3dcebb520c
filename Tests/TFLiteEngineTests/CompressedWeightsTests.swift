import Foundation
import XCTest
@testable import TFLiteEngine
import InputFormats

/// float16 weights (DEQUANTIZE), dynamic-range hybrid kernels and sparse
/// weights (DENSIFY), against LiteRT's builtin kernels; see
/// `tools/make_compressed_fixtures.py`. The single-op fixtures (groups
/// `ops/float16`, `ops/hybrid`, `ops/sparse`) run per operator in
/// `OperatorFixtureTests`.
final class CompressedWeightsTests: XCTestCase {
    // MARK: Fixtures

    /// Whole MobileNetV2 0.35 (96×96), float16 and dynamic-range, against
    /// LiteRT's builtin kernels (tolerances above).
    ///
    /// Note for the dynamic-range model: each hybrid layer re-quantizes its
    /// float input to int8, so a 1-ulp difference in an upstream float op
    /// (e.g. a different summation order in a float CONV_2D or ADD) can move
    /// one activation across a rounding boundary and shift outputs by a whole
    /// weight step. This fixture agrees today; if a change to a float kernel
    /// makes it fail, check the hybrid layers one by one against LiteRT's
    /// intermediate tensors before suspecting the hybrid kernels.
    /// float16 weights: the float32 arithmetic of the same model once the
    /// weights are widened, so the float32 whole model's tolerance
    /// (`WholeModelTests.tolerance`). Measured within 5.3e-7 + 1e-5·|expected|
    /// of LiteRT in the default flavour; the sixteen-lane flavours sum in
    /// other orders (3.4e-6 at an output of 0.14 in avx512-vnni, which the
    /// former 1e-6 + 1e-5·|expected| did not allow).
    static let float16Tolerance = WholeModelTests.tolerance
    /// Dynamic-range: measured equal to LiteRT (integer products, then the
    /// same float scaling); the allowance covers float summation order only
    /// (the old relative-of-max 1e-3 let 1,000 times more through).
    static let dynamicRangeTolerance = Tolerance(absolute: 1e-8, relative: 1e-6)

    func testCompressedMobileNetV2MatchesLiteRT() throws {
        let entries = try Fixtures.entries("models_compressed")
        XCTAssertEqual(entries.map(\.name).sorted(), ["mobilenet_v2_035_96_dynamic", "mobilenet_v2_035_96_float16"])
        if ProcessInfo.processInfo.environment["TFLITE_MEASURE_ERRORS"] != nil { Fixtures.printErrors("models_compressed", entries, label: "compressed") }
        for entry in entries {
            let tolerance = entry.name.contains("dynamic") ? Self.dynamicRangeTolerance : Self.float16Tolerance
            for (i, pair) in try Fixtures.run("models_compressed", entry).enumerated() {
                if let problem = Fixtures.mismatch(pair.actual, pair.expected, tolerance: tolerance) {
                    XCTFail("\(entry.name) output \(i): \(problem)")
                }
            }
        }
    }

    // MARK: Folding and sharing

    /// float16 weights are dequantized once per model: both prepared graphs
    /// point at the same float32 buffer, and no DEQUANTIZE runs at invoke.
    func testFloat16WeightsFoldOnceAndAreShared() throws {
        let entry = try XCTUnwrap(Fixtures.entries("ops/float16").first { $0.name == "conv2d_3x3_relu" })
        let model = try Model(path: Fixtures.modelURL("ops/float16", entry).path)
        let a = try PreparedGraph(model: model), b = try PreparedGraph(model: model)
        try a.prepare()
        try b.prepare()
        let dequantizeNodes = a.nodes.filter { $0.op == .dequantize }
        XCTAssertFalse(dequantizeNodes.isEmpty)
        XCTAssertEqual(a.foldedNodes.count, dequantizeNodes.count)
        XCTAssertFalse(a.steps.contains { $0.node.op == .dequantize })
        for node in dequantizeNodes {
            let t = node.outputs[0]
            let pa = try XCTUnwrap(a.tensors[t].constant), pb = try XCTUnwrap(b.tensors[t].constant)
            XCTAssertEqual(pa, pb, "folded float32 weights of node \(node.index) are not shared")
            // The folded values equal the float16 source converted exactly.
            let source = try XCTUnwrap(a.tensors[node.inputs[0]].constant)
            for i in 0..<a.tensors[t].elementCount {
                let h = source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
                XCTAssertEqual(pa.load(fromByteOffset: i * 4, as: Float.self).bitPattern, float32FromFloat16Bits(h).bitPattern)
            }
        }
        // Interpreters from the same model: only the CONV_2D runs.
        let i1 = try Interpreter(model: model), i2 = try Interpreter(model: model)
        try i1.allocateTensors()
        try i2.allocateTensors()
        XCTAssertEqual(i1.executedOperatorCount, 1)
        XCTAssertEqual(i2.executedOperatorCount, 1)
    }

    func testDensifyFoldsAtPrepare() throws {
        let entries = try Fixtures.entries("ops/sparse")
        XCTAssertEqual(entries.map(\.name).sorted(),
                       ["conv2d_random", "fully_connected_block1x4", "fully_connected_block1x4_direct", "fully_connected_random"])
        for entry in entries {
            let model = try Model(path: Fixtures.modelURL("ops/sparse", entry).path)
            let interpreter = try Interpreter(model: model)
            try interpreter.allocateTensors()
            XCTAssertEqual(interpreter.executedOperatorCount, 1, entry.name)
        }
    }

    /// Hybrid tiles are independent: running every step's tiles one at a
    /// time, in reverse order, on alternating workers (each with its own
    /// scratch) gives the same bytes as the interpreter's in-order run.
    func testHybridTilesAreIndependent() throws {
        let entry = try XCTUnwrap(Fixtures.entries("models_compressed").first { $0.name.contains("dynamic") })
        let model = try Model(path: Fixtures.modelURL("models_compressed", entry).path)
        let input = try NumPyArray(contentsOfFile: Fixtures.directory("models_compressed").appendingPathComponent(entry.inputs[0]).path)
        let interpreter = try Interpreter(model: model)
        try interpreter.allocateTensors()
        try interpreter.copy(input.data, toInputAt: 0)
        try interpreter.invoke()
        let expected = try interpreter.output(at: 0).data

        let graph = try PreparedGraph(model: model)
        try graph.prepare()
        let plan = try graph.planMemory(workers: 2)
        let arena = try AlignedBuffer(byteCount: plan.totalBytes)
        let dummy = try AlignedBuffer(byteCount: 64)
        let addresses = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: graph.tensors.count)
        defer { addresses.deallocate() }
        for t in graph.tensors.indices {
            if let offset = plan.tensorOffsets[t] {
                addresses[t] = arena.pointer + offset
            } else {
                addresses[t] = graph.tensors[t].constant.map { UnsafeMutableRawPointer(mutating: $0) } ?? dummy.pointer
            }
        }
        var multiTileHybridSteps = 0
        for (s, step) in graph.steps.enumerated() {
            let scratch = plan.scratchOffsets[s].map { arena.pointer + $0 } ?? dummy.pointer
            step.kernel.bind(TensorMemory(addresses: addresses, tensorCount: graph.tensors.count, scratch: scratch))
            if step.kernel is ConvolutionHybrid, step.kernel.tileCount > 1 { multiTileHybridSteps += 1 }
        }
        input.data.withUnsafeBytes { addresses[graph.inputs[0]].copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        for step in graph.steps {
            for (i, tile) in (0..<step.kernel.tileCount).reversed().enumerated() {
                step.kernel.run(tiles: tile..<(tile + 1), worker: i % 2)
            }
        }
        XCTAssertGreaterThan(multiTileHybridSteps, 10)
        let actual = Data(bytes: addresses[graph.outputs[0]], count: graph.tensors[graph.outputs[0]].byteCount)
        XCTAssertEqual(actual, expected)
    }

    /// Block-sparse weights read by FULLY_CONNECTED itself (no DENSIFY node,
    /// as the converter emits for 1x4 blocks) are expanded once per model.
    func testSparseWeightsReadDirectlyAreDensifiedOnceAndShared() throws {
        let entry = try XCTUnwrap(Fixtures.entries("ops/sparse").first { $0.name == "fully_connected_block1x4_direct" })
        let model = try Model(path: Fixtures.modelURL("ops/sparse", entry).path)
        let a = try PreparedGraph(model: model), b = try PreparedGraph(model: model)
        try a.prepare()
        try b.prepare()
        XCTAssertEqual(a.densifiedTensors.count, 1)
        let t = try XCTUnwrap(a.densifiedTensors.first)
        XCTAssertNotNil(a.tensors[t].sparsity)
        XCTAssertEqual(a.tensors[t].constant, b.tensors[t].constant)
    }

    // MARK: float16 conversion

    func testFloat16ConversionEdgeValues() {
        let cases: [(UInt16, Float)] = [
            (0x0000, 0), (0x3C00, 1), (0xBC00, -1), (0x3555, 0.333251953125),
            (0x7BFF, 65504), (0xFBFF, -65504),
            (0x0400, 6.103515625e-05),  // smallest normal 2^-14
            (0x0001, 5.9604644775390625e-08),  // smallest subnormal 2^-24
            (0x03FF, 6.097555160522461e-05),  // largest subnormal
            (0x0200, 3.0517578125e-05),  // 2^-15
            (0x8001, -5.9604644775390625e-08),
            (0x7C00, .infinity), (0xFC00, -.infinity),
        ]
        for (bits, expected) in cases {
            XCTAssertEqual(float32FromFloat16Bits(bits).bitPattern, expected.bitPattern, "0x\(String(bits, radix: 16))")
        }
        // Negative zero keeps its sign.
        XCTAssertEqual(float32FromFloat16Bits(0x8000).bitPattern, (-0.0 as Float).bitPattern)
        // NaNs stay NaN with their payload in the top mantissa bits.
        for bits: UInt16 in [0x7E00, 0x7C01, 0xFE00, 0x7FFF] {
            let f = float32FromFloat16Bits(bits)
            XCTAssertTrue(f.isNaN)
            XCTAssertEqual(f.bitPattern & 0x007F_E000, UInt32(bits & 0x03FF) << 13)
            XCTAssertEqual(f.sign == .minus, bits & 0x8000 != 0)
        }
        // Every finite value: the conversion is exact (a float32 value that
        // rounds back to the same half bits, checked by re-encoding).
        for bits in UInt16(0)...UInt16.max where bits & 0x7C00 != 0x7C00 {
            let f = float32FromFloat16Bits(bits)
            XCTAssertEqual(halfBits(f), bits, "0x\(String(bits, radix: 16))")
        }
    }

    /// float32 → half bits for values exactly representable in half (test helper).
    private func halfBits(_ f: Float) -> UInt16 {
        let sign: UInt16 = f.sign == .minus ? 0x8000 : 0
        let a = abs(f)
        if a == 0 { return sign }
        if a < 6.103515625e-05 {  // subnormal: a = m × 2^-24
            return sign | UInt16(a * 16_777_216)
        }
        let e = Int(a.exponent)  // unbiased
        let m = UInt16((a.significand - 1) * 1024)
        return sign | UInt16(e + 15) << 10 | m
    }

    // MARK: Malformed sparsity

    func testCraftedOutOfRangeSparseIndexIsRejected() throws {
        let url = Fixtures.directory("ops/sparse").appendingPathComponent("malformed/index_out_of_range.tflite")
        let interpreter = try Interpreter(modelPath: url.path)
        XCTAssertThrowsError(try interpreter.allocateTensors()) { error in
            guard case let InterpreterError.invalidOperator(_, op, reason) = error else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(op, "DENSIFY")
            XCTAssertTrue(reason.contains("array_indices"), reason)
            XCTAssertTrue(reason.contains("outside"), reason)
        }
    }

    private func dense(_ size: Int) -> DimensionMetadataDef {
        DimensionMetadataDef(format: .dense, denseSize: size, arraySegments: [], arrayIndices: [])
    }
    private func csr(_ segments: [Int32], _ indices: [Int32]) -> DimensionMetadataDef {
        DimensionMetadataDef(format: .sparseCSR, denseSize: 0, arraySegments: segments, arrayIndices: indices)
    }

    private func layoutError(_ shape: [Int], _ s: SparsityDef) -> SparsityError? {
        do {
            _ = try SparseLayout(denseShape: shape, sparsity: s)
            return nil
        } catch {
            return error as? SparsityError
        }
    }

    func testSparseLayoutValidCSRExpands() throws {
        // [[1, 0, 2], [0, 0, 3]] as CSR.
        let s = SparsityDef(traversalOrder: [0, 1], blockMap: [], dimensionMetadata: [dense(2), csr([0, 2, 3], [0, 2, 2])])
        let layout = try SparseLayout(denseShape: [2, 3], sparsity: s)
        XCTAssertEqual(layout.valueCount, 3)
        var placed: [Int] = []
        layout.expand { _, d in placed.append(d) }
        XCTAssertEqual(placed, [0, 2, 5])
        // 2x2 blocks over a [4, 4] matrix: block rows dense, block columns CSR.
        let blocked = SparsityDef(
            traversalOrder: [0, 1, 2, 3], blockMap: [0, 1],
            dimensionMetadata: [dense(2), csr([0, 1, 2], [1, 0]), dense(2), dense(2)])
        let b = try SparseLayout(denseShape: [4, 4], sparsity: blocked)
        XCTAssertEqual(b.valueCount, 8)
        var places: [Int] = []
        b.expand { _, d in places.append(d) }
        XCTAssertEqual(places, [2, 3, 6, 7, 8, 9, 12, 13])
    }

    func testMalformedSparsityIsRejectedWithTypedErrors() {
        let ok = SparsityDef(traversalOrder: [0, 1], blockMap: [], dimensionMetadata: [dense(2), csr([0, 2, 3], [0, 2, 2])])
        XCTAssertNil(layoutError([2, 3], ok))

        var s = ok
        s.dimensionMetadata[1] = csr([0, 2, 3], [0, 3, 2])
        XCTAssertEqual(layoutError([2, 3], s), .indexOutOfRange(level: 1, position: 1, index: 3, size: 3))
        s.dimensionMetadata[1] = csr([0, 2, 3], [0, -1, 2])
        XCTAssertEqual(layoutError([2, 3], s), .indexOutOfRange(level: 1, position: 1, index: -1, size: 3))
        s.dimensionMetadata[1] = csr([0, 3, 2], [0, 1, 2])
        XCTAssertEqual(layoutError([2, 3], s), .segmentsDecreasing(level: 1, position: 2))
        s.dimensionMetadata[1] = csr([0, 2, 4], [0, 1, 2])
        XCTAssertEqual(layoutError([2, 3], s), .segmentsEndMismatch(level: 1, last: 4, indexCount: 3))
        s.dimensionMetadata[1] = csr([1, 2, 3], [0, 1, 2])
        XCTAssertEqual(layoutError([2, 3], s), .segmentsNotStartingAtZero(level: 1, first: 1))
        s.dimensionMetadata[1] = csr([0, 3], [0, 1, 2])
        XCTAssertEqual(layoutError([2, 3], s), .segmentsCount(level: 1, count: 2, expected: 3))
        s = ok
        s.dimensionMetadata[0] = dense(3)
        XCTAssertEqual(layoutError([2, 3], s), .denseSizeMismatch(level: 0, denseSize: 3, expected: 2))
        s = ok
        s.traversalOrder = [0, 0]
        XCTAssertEqual(layoutError([2, 3], s), .traversalOrderNotPermutation([0, 0]))
        s.traversalOrder = [0, 2]
        XCTAssertEqual(layoutError([2, 3], s), .traversalOrderNotPermutation([0, 2]))
        s.traversalOrder = [0]
        XCTAssertEqual(layoutError([2, 3], s), .traversalOrderLength(count: 1, expected: 2))
        s = ok
        s.dimensionMetadata.removeLast()
        XCTAssertEqual(layoutError([2, 3], s), .dimensionMetadataCount(count: 1, expected: 2))
        s = ok
        s.blockMap = [5]
        XCTAssertEqual(layoutError([2, 3], s), .blockMapInvalid([5], rank: 2))
        // Block size that does not divide the dimension.
        let badBlock = SparsityDef(
            traversalOrder: [0, 1, 2], blockMap: [1],
            dimensionMetadata: [dense(2), dense(1), dense(2)])
        XCTAssertEqual(layoutError([2, 3], badBlock), .blockSizeInvalid(level: 2, blockSize: 2, dimension: 1, dimensionSize: 3))
        let sparseBlock = SparsityDef(
            traversalOrder: [0, 1, 2], blockMap: [1],
            dimensionMetadata: [dense(2), dense(1), csr([0, 1], [0])])
        XCTAssertEqual(layoutError([2, 3], sparseBlock), .blockDimensionNotDense(level: 2))
        XCTAssertEqual(layoutError([], SparsityDef(traversalOrder: [], blockMap: [], dimensionMetadata: [])), .emptyDenseShape)
        // Dense levels whose product overflows.
        let huge = SparsityDef(traversalOrder: [0, 1, 2], blockMap: [], dimensionMetadata: [dense(1 << 31), dense(1 << 31), dense(1 << 31)])
        XCTAssertEqual(layoutError([1 << 31, 1 << 31, 1 << 31], huge), .sizeOverflow(level: 2))
        // Values buffer length must match the structure.
        if let layout = try? SparseLayout(denseShape: [2, 3], sparsity: ok) {
            XCTAssertNoThrow(try layout.checkValueBytes(12, elementSize: 4))
            XCTAssertThrowsError(try layout.checkValueBytes(8, elementSize: 4)) { error in
                XCTAssertEqual(error as? SparsityError, .valueCount(bytes: 8, expectedValues: 3, elementSize: 4))
            }
        } else {
            XCTFail("valid layout rejected")
        }
    }
}
