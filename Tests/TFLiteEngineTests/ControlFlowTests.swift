import Foundation
import XCTest
@testable import TFLiteEngine
import InputFormats

/// WHILE and IF beyond the fixtures' single runs (`OperatorFixtureTests`,
/// `ops/control_flow`) and the crafted models: the loop limits, repeated
/// invokes, both branches of one IF in one interpreter, subgraph arenas, and
/// the parallel backend.
final class ControlFlowTests: XCTestCase {
    private func model(_ name: String, group: String = "ops/control_flow") throws -> Model {
        try Model(path: Fixtures.directory(group).appendingPathComponent(name + ".tflite").path)
    }

    private func input(_ name: String, _ i: Int) throws -> Data {
        try NumPyArray(contentsOfFile: Fixtures.directory("ops/control_flow").appendingPathComponent("\(name).input\(i).npy").path).data
    }

    private func expected(_ name: String, _ i: Int) throws -> [Float] {
        try NumPyArray(contentsOfFile: Fixtures.directory("ops/control_flow").appendingPathComponent("\(name).output\(i).npy").path)
            .data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    private func loop(iterations n: Int32, options: Interpreter.Options) throws -> Interpreter {
        let interpreter = try Interpreter(model: model("while_loop_5_iterations"), options: options)
        try interpreter.allocateTensors()
        try interpreter.copy(input("while_loop_5_iterations", 0), toInputAt: 0)
        try interpreter.copy(withUnsafeBytes(of: n) { Data($0) }, toInputAt: 1)
        return interpreter
    }

    private func assertLoopStops(_ interpreter: Interpreter, _ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try interpreter.invoke(), file: file, line: line) { error in
            guard case let .invalidOperator(node, op, reason)? = error as? InterpreterError else {
                return XCTFail("\(error)", file: file, line: line)
            }
            XCTAssertEqual(node, 0, file: file, line: line)
            XCTAssertEqual(op, "WHILE", file: file, line: line)
            XCTAssertTrue(reason.contains(text), "\(reason)", file: file, line: line)
        }
    }

    func testIterationLimitIsPerInvokeAndStopsTheLoop() throws {
        // Five iterations fit a limit of five, on every invoke (the count restarts).
        let enough = try loop(iterations: 5, options: .init(maximumLoopIterations: 5))
        for _ in 0..<3 {
            try enough.invoke()
            let actual = try enough.output(at: 0).toArray(of: Float.self), reference = try expected("while_loop_5_iterations", 0)
            XCTAssertEqual(actual.count, reference.count)
            for (a, r) in zip(actual, reference) { XCTAssertEqual(a, r, accuracy: 1e-5) }
        }
        let tooFew = try loop(iterations: 5, options: .init(maximumLoopIterations: 4))
        assertLoopStops(tooFew, "stopped after 4 iterations: one invoke may run 4 loop iterations")
        // A failed invoke leaves the interpreter usable.
        try tooFew.copy(withUnsafeBytes(of: Int32(3)) { Data($0) }, toInputAt: 1)
        try tooFew.invoke()
    }

    func testLoopIterationsCountAgainstTheWorkLimit() throws {
        let probe = try loop(iterations: 5, options: .init())
        let perIteration = try XCTUnwrap(probe.preparedGraph?.steps.first?.kernel.cost)
        XCTAssertGreaterThan(perIteration, 0)
        let limited = try loop(iterations: 5, options: .init(maximumOperationsPerInvoke: 3 * perIteration))
        assertLoopStops(limited, "stopped after 3 iterations: the loops of one invoke reached \(4 * perIteration) estimated operations")
    }

    func testOneIfRunsEitherBranch() throws {
        let interpreter = try Interpreter(model: model("if_then_branch"))
        try interpreter.allocateTensors()
        let x: [Float] = [-1.5, 0.25, 2, 3, -0.5, 1]
        try interpreter.copy(x.withUnsafeBytes { Data($0) }, toInputAt: 0)
        for flag in [true, false, true] {
            try interpreter.copy(Data([flag ? 1 : 0]), toInputAt: 1)
            try interpreter.invoke()
            let first = try interpreter.output(at: 0).toArray(of: Float.self)
            let second = try interpreter.output(at: 1).toArray(of: Float.self)
            if flag {
                XCTAssertEqual(first, x.map { $0 * 2 + 1 })
                XCTAssertEqual(second, [x[0] + x[1] + x[2], x[3] + x[4] + x[5]])
            } else {
                XCTAssertEqual(first, x.map { max($0, 0) - 3 })
                XCTAssertEqual(second, [x[0...2].max()!, x[3...5].max()!])
            }
        }
    }

    func testSubgraphArenasCountAgainstTheArenaLimit() throws {
        let interpreter = try Interpreter(model: model("while_nested_loops"))
        try interpreter.allocateTensors()
        let graph = try XCTUnwrap(interpreter.preparedGraph)
        XCTAssertGreaterThan(graph.subgraphs.arenaBytes, 0)
        XCTAssertEqual(interpreter.arenaByteCount, try XCTUnwrap(interpreter.arenaPlanForTesting).plan.totalBytes + graph.subgraphs.arenaBytes)
        let small = try Interpreter(model: model("while_nested_loops"), options: .init(maximumArenaBytes: 64))
        XCTAssertThrowsError(try small.allocateTensors()) { error in
            guard case let .allocationTooLarge(what, _, _)? = error as? InterpreterError else { return XCTFail("\(error)") }
            XCTAssertTrue(what.contains("subgraph"), what)
        }
    }

    func testLSTMRunsTheSameOnTheParallelBackend() throws {
        let zoo = Fixtures.directory("zoo")
        let model = try Model(path: zoo.appendingPathComponent("layer_lstm_sequences_float32.tflite").path)
        let x = try NumPyArray(contentsOfFile: zoo.appendingPathComponent("layer_lstm_sequences_float32.input0.npy").path).data
        var outputs: [[Float]] = []
        for options in [Interpreter.Options(), Interpreter.Options(threadCount: 2, backend: .parallel)] {
            let interpreter = try Interpreter(model: model, options: options)
            try interpreter.allocateTensors()
            try interpreter.copy(x, toInputAt: 0)
            try interpreter.invoke()
            outputs.append(try interpreter.output(at: 0).toArray(of: Float.self))
        }
        XCTAssertEqual(outputs[0], outputs[1])
    }

    func testConstantsFoldInsideALoopBody() throws {
        // The body's MAXIMUM of a constant (node 0) and its SHAPE of a loop
        // variable (node 5) fold at prepare; the outputs match LiteRT (OperatorFixtureTests).
        let interpreter = try Interpreter(model: model("while_body_folds_constants"))
        try interpreter.allocateTensors()
        let loop = try XCTUnwrap(interpreter.preparedGraph?.steps.first?.kernel as? WhileKernel)
        XCTAssertEqual(loop.body.graph.foldedNodes, [0, 5])
        XCTAssertEqual(loop.body.graph.steps.map(\.node.index), [1, 2, 3, 4, 6])
    }

    func testSummaryListsSubgraphs() throws {
        let summary = ModelSummary(model: try model("while_body_with_if"))
        XCTAssertEqual(summary.subgraphs.count, 5)
        XCTAssertEqual(summary.subgraphs[0].name, "main")
        XCTAssertEqual(summary.subgraphs.map(\.nodeCount).reduce(0, +), 1 + 3 + 2 + 1 + 5)
        XCTAssertEqual(summary.nodes.first?.options.map(\.name), ["cond_subgraph", "body_subgraph"])
    }
}
