import Foundation
import XCTest
@testable import TFLiteEngine
import InputFormats

/// Shape and layout ops (PADV2, resize, depth/space, slicing, gather,
/// transpose, squeeze/expand, shape, transpose conv, batch matmul, MediaPipe's
/// Convolution2DTransposeBias, split/unpack, tile, mirror pad, space/batch,
/// gather_nd) and the reductions beside them (REDUCE_MIN/PROD, ARG_MIN,
/// TOPK_V2, CUMSUM), and crafted invalid models. Outputs against
/// LiteRT (group `ops/float32_layout`) are checked per operator in
/// `OperatorFixtureTests`.
final class LayoutOpTests: XCTestCase {
    /// Each crafted model must fail at load (`invalidModel`, e.g. shapes whose
    /// non-zero dimensions overflow) or at `allocateTensors()` (`invalidOperator`)
    /// with a typed error whose text names the problem.
    /// The concatenation's row copy (under 64 bytes two overlapping loads
    /// and stores of 32, 16, 8, 4 or 2 bytes; 64-byte vectors in line for
    /// rows up to 4 KiB, the last one overlapping; `memcpy` beyond) copies
    /// exactly the row: every length up to 200 and around the limit,
    /// nothing written before or after it.
    func testConcatenationRowCopyCopiesExactlyTheRow() {
        let capacity = 4200
        let source = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
        let destination = UnsafeMutableRawPointer.allocate(byteCount: capacity + 2, alignment: 64)
        defer {
            source.deallocate()
            destination.deallocate()
        }
        for i in 0..<capacity { source.storeBytes(of: UInt8(truncatingIfNeeded: i &* 7 &+ 3), toByteOffset: i, as: UInt8.self) }
        for count in Array(0...200) + Array(4030...4100) {
            destination.initializeMemory(as: UInt8.self, repeating: 0xEE, count: capacity + 2)
            ConcatenationKernel.copy(destination + 1, source + 1, byteCount: count)
            let copied = (0..<count).allSatisfy {
                destination.load(fromByteOffset: 1 + $0, as: UInt8.self) == source.load(fromByteOffset: 1 + $0, as: UInt8.self)
            }
            XCTAssertTrue(copied, "\(count) bytes")
            XCTAssertEqual(destination.load(as: UInt8.self), 0xEE, "\(count) bytes: a byte before")
            XCTAssertEqual(destination.load(fromByteOffset: 1 + count, as: UInt8.self), 0xEE, "\(count) bytes: a byte after")
        }
    }

    func testInvalidLayoutModelsAreRejectedWithTypedErrors() throws {
        try Fixtures.checkRejected("ops/invalid_layout")
    }

    /// LSTM, a custom "FooBar" and builtin code 250 are all reported at once.
    func testAllUnsupportedOperatorsAreListed() throws {
        let path = Fixtures.directory("ops/invalid_layout").appendingPathComponent("unsupported_three_ops.tflite").path
        XCTAssertThrowsError(try Interpreter(modelPath: path)) { error in
            guard case let .unsupportedOperators(ops)? = error as? InterpreterError else {
                return XCTFail("expected unsupportedOperators, got \(error)")
            }
            XCTAssertEqual(ops.map(\.nodeIndex), [0, 1, 2])
            XCTAssertEqual(ops.map(\.name), ["LSTM", "FooBar", ops[2].name])
            XCTAssertTrue(ops[2].reason.contains("250"), "\(ops[2])")
        }
    }

    /// GATHER with indices computed at run time: an out-of-range index is
    /// reported by `invoke()` (its slice zero-filled), a valid one is not.
    func testRuntimeGatherIndexOutOfRangeIsReportedByInvoke() throws {
        let url = Fixtures.directory("ops/float32_layout").appendingPathComponent("gather_runtime_indices.tflite")
        let interpreter = try Interpreter(modelPath: url.path)
        try interpreter.allocateTensors()
        let params = [Float](repeating: 1, count: 24)
        try interpreter.copy(params.withUnsafeBytes { Data($0) }, toInputAt: 0)
        try interpreter.copy([Int32(5), 1, 0, 3].withUnsafeBytes { Data($0) }, toInputAt: 1)
        XCTAssertNoThrow(try interpreter.invoke())
        try interpreter.copy([Int32(5), 6, 0, -1].withUnsafeBytes { Data($0) }, toInputAt: 1)
        XCTAssertThrowsError(try interpreter.invoke()) { error in
            guard case let .invalidOperator(node, op, reason)? = error as? InterpreterError else {
                return XCTFail("expected invalidOperator, got \(error)")
            }
            XCTAssertEqual(node, 0)
            XCTAssertEqual(op, "GATHER")
            XCTAssertTrue(reason.contains("index 6"), reason)
        }
        let out = try interpreter.output(at: 0).data
        let values = out.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertEqual(Array(values[4..<8]), [0, 0, 0, 0], "invalid index slice is zero-filled")
        XCTAssertEqual(Array(values[8..<12]), [1, 1, 1, 1])
        // Valid indices again: no error.
        try interpreter.copy([Int32(0), 1, 2, 3].withUnsafeBytes { Data($0) }, toInputAt: 1)
        XCTAssertNoThrow(try interpreter.invoke())
    }

    /// SHAPE of a run-time tensor is folded at prepare: no step runs for it.
    func testShapeIsFoldedAtPrepare() throws {
        let url = Fixtures.directory("ops/float32_layout").appendingPathComponent("shape_int32.tflite")
        let interpreter = try Interpreter(modelPath: url.path)
        try interpreter.allocateTensors()
        XCTAssertEqual(interpreter.executedOperatorCount, 0)
        try interpreter.invoke()
        let out = try interpreter.output(at: 0).data
        XCTAssertEqual(out.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }, [2, 3, 5])
    }

    /// SHAPE → REDUCE_PROD (int32) of a run-time tensor folds at prepare: a
    /// shape computation costs nothing at invoke.
    func testShapeProductIsFoldedAtPrepare() throws {
        let url = Fixtures.directory("ops/float32_layout").appendingPathComponent("reduce_prod_of_shape_folds.tflite")
        let interpreter = try Interpreter(modelPath: url.path)
        try interpreter.allocateTensors()
        XCTAssertEqual(interpreter.executedOperatorCount, 0)
        try interpreter.invoke()
        let out = try interpreter.output(at: 0).data
        XCTAssertEqual(out.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }, [30])
    }

    /// GATHER_ND with index tuples computed at run time: an out-of-range
    /// index is reported by `invoke()` (its slice zero-filled), valid ones are not.
    func testRuntimeGatherNDIndexOutOfRangeIsReportedByInvoke() throws {
        let url = Fixtures.directory("ops/float32_layout").appendingPathComponent("gather_nd_runtime_indices.tflite")
        let interpreter = try Interpreter(modelPath: url.path)
        try interpreter.allocateTensors()
        let params = (0..<15).map { Float($0) }
        try interpreter.copy(params.withUnsafeBytes { Data($0) }, toInputAt: 0)
        try interpreter.copy([Int32(4), 1, 1].withUnsafeBytes { Data($0) }, toInputAt: 1)
        XCTAssertNoThrow(try interpreter.invoke())
        try interpreter.copy([Int32(4), 5, 0].withUnsafeBytes { Data($0) }, toInputAt: 1)
        XCTAssertThrowsError(try interpreter.invoke()) { error in
            guard case let .invalidOperator(node, op, reason)? = error as? InterpreterError else {
                return XCTFail("expected invalidOperator, got \(error)")
            }
            XCTAssertEqual(node, 0)
            XCTAssertEqual(op, "GATHER_ND")
            XCTAssertTrue(reason.contains("index 5 of tuple 1"), reason)
        }
        let out = try interpreter.output(at: 0).data
        let values = out.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertEqual(values, [12, 13, 14, 0, 0, 0, 0, 1, 2], "the invalid tuple's slice is zero-filled")
        try interpreter.copy([Int32(0), 1, 2].withUnsafeBytes { Data($0) }, toInputAt: 1)
        XCTAssertNoThrow(try interpreter.invoke())
    }

    /// Tiles are independent: running every kernel's tiles one at a time in
    /// reverse order (as a parallel backend might) gives the same outputs.
    func testTilesRunInAnyOrderGiveTheSameResult() throws {
        let group = "ops/float32_layout"
        let entries = try Fixtures.entries(group)
        var comparedOutputs = 0
        for entry in entries {
            let model = try Model(path: Fixtures.modelURL(group, entry).path)
            let graph = try PreparedGraph(model: model)
            try graph.prepare()
            // The interpreter's arena and binding, without its run loop.
            let memory = try PlanMemory(graph, workers: 1, maximumBytes: .max)
            for (i, file) in entry.inputs.enumerated() {
                let array = try NumPyArray(contentsOfFile: Fixtures.directory(group).appendingPathComponent(file).path)
                array.data.withUnsafeBytes { memory.addresses[graph.inputs[i]].copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            }
            for step in graph.steps {
                for tile in (0..<step.kernel.tileCount).reversed() { step.kernel.run(tiles: tile..<(tile + 1), worker: 0) }
            }
            for (i, file) in entry.outputs.enumerated() {
                let expected = try NumPyArray(contentsOfFile: Fixtures.directory(group).appendingPathComponent(file).path)
                let t = graph.outputs[i]
                let actual = NumPyArray(type: graph.tensors[t].type, shape: graph.tensors[t].shape,
                                        data: Data(bytes: memory.addresses[t], count: graph.tensors[t].byteCount))
                if let problem = Fixtures.mismatch(actual, expected, tolerance: FixtureCatalog.tolerance(of: group)) {
                    XCTFail("\(entry.name) output \(i) with reversed tiles: \(problem)")
                }
                comparedOutputs += 1
            }
        }
        // Every entry was run and each of its outputs compared (207 fixtures today).
        XCTAssertGreaterThanOrEqual(entries.count, 207)
        XCTAssertEqual(comparedOutputs, entries.reduce(0) { $0 + $1.outputs.count })
    }
}
