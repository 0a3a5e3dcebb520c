import Foundation
import XCTest
@testable import TFLiteEngine
import InputFormats

/// UNIDIRECTIONAL_SEQUENCE_LSTM and _RNN beyond single-invoke agreement (which
/// `OperatorFixtureTests` checks for `ops/recurrent`): the state tensors
/// carry over between invokes as in LiteRT and TFLite Micro, and
/// `resetVariableTensors()` starts a sequence afresh; batch-major tiles are
/// independent.
final class RecurrentTests: XCTestCase {
    static let group = "ops/recurrent"

    /// The recurrent fixture family's tolerance (`FixtureCatalog.groups`).
    static var groupTolerance: Tolerance {
        FixtureCatalog.groups.first { $0.name == group }?.defaultTolerance ?? .exact
    }

    struct StatefulEntry: Decodable {
        let name: String
        let inputs: [String]
        let outputs: [String]
        let tolerance: Double?
        let second_invoke_outputs: [String]?
    }

    static func statefulEntries() throws -> [StatefulEntry] {
        let url = Fixtures.directory(group).appendingPathComponent("manifest.json")
        let entries = try JSONDecoder().decode([String: [StatefulEntry]].self, from: Data(contentsOf: url))["fixtures"] ?? []
        return entries.filter { $0.second_invoke_outputs != nil }
    }

    func output(_ interpreter: Interpreter) throws -> NumPyArray {
        let t = try interpreter.output(at: 0)
        return NumPyArray(type: t.dataType, shape: t.shape.dimensions, data: t.data)
    }

    /// The second invoke continues from the first one's state (and agrees
    /// with the reference's second invoke); after `resetVariableTensors()`
    /// the first output comes back bit for bit.
    func testStateCarriesOverBetweenInvokesUntilReset() throws {
        let dir = Fixtures.directory(Self.group)
        let entries = try Self.statefulEntries()
        XCTAssertGreaterThanOrEqual(entries.count, 5)
        var int8Cases = 0
        for entry in entries {
            let interpreter = try Interpreter(modelPath: dir.appendingPathComponent(entry.name + ".tflite").path)
            try interpreter.allocateTensors()
            let input = try NumPyArray(contentsOfFile: dir.appendingPathComponent(entry.inputs[0]).path)
            let first = try NumPyArray(contentsOfFile: dir.appendingPathComponent(entry.outputs[0]).path)
            let secondFile = try XCTUnwrap(entry.second_invoke_outputs?.first)
            let second = try NumPyArray(contentsOfFile: dir.appendingPathComponent(secondFile).path)
            if first.type == .int8 { int8Cases += 1 }
            let tolerance = entry.tolerance.map { Tolerance(absolute: $0, relative: $0) } ?? Self.groupTolerance

            try interpreter.copy(input.data, toInputAt: 0)
            try interpreter.invoke()
            let ours1 = try output(interpreter)
            if let problem = Fixtures.mismatch(ours1, first, tolerance: tolerance) { XCTFail("\(entry.name) invoke 1: \(problem)") }
            try interpreter.copy(input.data, toInputAt: 0)
            try interpreter.invoke()
            let ours2 = try output(interpreter)
            if let problem = Fixtures.mismatch(ours2, second, tolerance: tolerance) { XCTFail("\(entry.name) invoke 2: \(problem)") }
            XCTAssertNotEqual(ours1.data, ours2.data, "\(entry.name): the state did not carry over")

            try interpreter.resetVariableTensors()
            try interpreter.copy(input.data, toInputAt: 0)
            try interpreter.invoke()
            XCTAssertEqual(try output(interpreter).data, ours1.data, "\(entry.name): reset did not restore the initial state")
        }
        // int8 hidden states reset to their zero point (here nonzero), not to 0.
        XCTAssertGreaterThanOrEqual(int8Cases, 2)
    }

    /// Profiling with warm repeats runs a step that reads or writes the
    /// state once, so the sequence advances one step an invoke as without.
    func testWarmRepeatsDoNotAdvanceTheState() throws {
        let dir = Fixtures.directory(Self.group)
        for entry in try Self.statefulEntries() {
            let url = dir.appendingPathComponent(entry.name + ".tflite")
            let input = try NumPyArray(contentsOfFile: dir.appendingPathComponent(entry.inputs[0]).path)
            var outputs: [[Data]] = []
            for warm in [false, true] {
                let interpreter = try Interpreter(modelPath: url.path)
                try interpreter.allocateTensors()
                interpreter.isProfilingWarmRepeatEnabled = warm
                var run: [Data] = []
                for _ in 0..<2 {
                    try interpreter.copy(input.data, toInputAt: 0)
                    try interpreter.invoke()
                    run.append(try interpreter.output(at: 0).data)
                }
                if warm {
                    let graph = try XCTUnwrap(interpreter.preparedGraph)
                    let stateful = graph.steps.filter { step in
                        (step.node.inputs + step.node.outputs).contains { $0 >= 0 && graph.tensors[$0].isVariable }
                    }
                    XCTAssertFalse(stateful.isEmpty, entry.name)
                    XCTAssertTrue(stateful.allSatisfy { !$0.repeatsAlike }, entry.name)
                    let profile = interpreter.operatorProfile
                    XCTAssertTrue(profile.contains { $0.warmMinimumNanoseconds != nil } || stateful.count == graph.steps.count)
                }
                outputs.append(run)
            }
            XCTAssertEqual(outputs[0], outputs[1], "\(entry.name): warm repeats changed the sequence")
        }
    }

    func testResetBeforeAllocationIsATypedError() throws {
        let entry = try XCTUnwrap(try Self.statefulEntries().first)
        let interpreter = try Interpreter(modelPath: Fixtures.directory(Self.group).appendingPathComponent(entry.name + ".tflite").path)
        XCTAssertThrowsError(try interpreter.resetVariableTensors()) { error in
            XCTAssertEqual(error as? InterpreterError, .allocateTensorsRequired)
        }
    }

    /// Batch-major sequences are tiles; run one at a time in reverse order on
    /// alternating workers, from a fresh state, they give the in-order bytes.
    func testBatchMajorTilesAreIndependent() throws {
        var multiTile = 0
        for entry in try Fixtures.entries(Self.group) where entry.op?.hasPrefix("UNIDIRECTIONAL_SEQUENCE") == true {
            let model = try Model(path: Fixtures.modelURL(Self.group, entry).path)
            let input = try NumPyArray(contentsOfFile: Fixtures.directory(Self.group).appendingPathComponent(entry.inputs[0]).path)
            let interpreter = try Interpreter(model: model)
            try interpreter.allocateTensors()
            try interpreter.copy(input.data, toInputAt: 0)
            try interpreter.invoke()
            let expected = try interpreter.output(at: 0).data

            let graph = try PreparedGraph(model: model)
            try graph.prepare()
            let step = try XCTUnwrap(graph.steps.first)
            guard step.kernel.tileCount > 1 else { continue }
            multiTile += 1
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
            // A fresh state: int8 hidden states start at their zero point.
            for slot in graph.tensors where slot.isVariable && slot.type == .int8 {
                addresses[slot.index].initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: slot.zeroPoint), count: slot.byteCount)
            }
            let scratch = plan.scratchOffsets[0].map { arena.pointer + $0 } ?? dummy.pointer
            step.kernel.bind(TensorMemory(addresses: addresses, tensorCount: graph.tensors.count, scratch: scratch))
            input.data.withUnsafeBytes { addresses[graph.inputs[0]].copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            for (i, tile) in (0..<step.kernel.tileCount).reversed().enumerated() {
                step.kernel.run(tiles: tile..<(tile + 1), worker: i % 2)
            }
            let actual = Data(bytes: addresses[graph.outputs[0]], count: graph.tensors[graph.outputs[0]].byteCount)
            XCTAssertEqual(actual, expected, entry.name)
        }
        XCTAssertGreaterThan(multiTile, 10)
    }

    /// The int16 lookup activations: exact at 0 and at tanh's saturation,
    /// within the table's interpolation error of the real functions elsewhere,
    /// and symmetric as their arithmetic makes them.
    func testInt16NonlinearitiesFollowTheFunctions() {
        XCTAssertEqual(Int16Nonlinearity.sigmoidTable.count, 256)
        Int16Nonlinearity.sigmoidTable.withUnsafeBufferPointer { buffer in
            let table = buffer.baseAddress!
            let gate = Int16Nonlinearity.InputScaling(multiplier: 0, leftShift: 0)  // Q3.12 input
            XCTAssertEqual(Int16Nonlinearity.logistic(0, gate, table), 16384)     // 0.5 in Q0.15
            XCTAssertEqual(Int16Nonlinearity.tanh(0, gate, table), 0)
            XCTAssertEqual(Int16Nonlinearity.tanh(.max, gate, table), 32767)
            XCTAssertEqual(Int16Nonlinearity.tanh(.min, gate, table), -32767)
            for x in stride(from: -32767, through: 32767, by: 97) {
                let q = Int16(x), real = Double(x) / 4096
                let s = Double(Int16Nonlinearity.logistic(q, gate, table)) / 32768
                let t = Double(Int16Nonlinearity.tanh(q, gate, table)) / 32768
                XCTAssertEqual(s, 1 / (1 + Foundation.exp(-real)), accuracy: 1e-3, "σ(\(real))")
                XCTAssertEqual(t, Foundation.tanh(real), accuracy: 2e-3, "tanh(\(real))")
                let mirrored = Int32(Int16Nonlinearity.logistic(q, gate, table)) + Int32(Int16Nonlinearity.logistic(-q, gate, table))
                XCTAssertTrue(abs(mirrored - 32768) <= 1, "σ(\(real)) + σ(-\(real))")
            }
        }
    }
}
