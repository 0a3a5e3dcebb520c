import Foundation
import XCTest
@testable import TFLiteEngine

/// The arena plan never places two tensors that are alive at the same time
/// in overlapping memory: checked on every model in the test suite and on
/// random request sets.
final class ArenaPlannerTests: XCTestCase {
    func testNoLiveTensorsOverlapInAnyFixtureModel() throws {
        let models = try Fixtures.allModels()
        let madeToFail = try Fixtures.modelsFailingToPrepare()
        var planned = 0, failed: Set<String> = []
        for url in models {
            let interpreter: Interpreter
            do {
                interpreter = try Interpreter(modelPath: url.path)
                try interpreter.allocateTensors()
            } catch {
                // Only the models made to fail may fail (their errors are checked elsewhere).
                failed.insert(Fixtures.relativeName(url))
                if !madeToFail.contains(Fixtures.relativeName(url)) { XCTFail("\(Fixtures.relativeName(url)) does not prepare: \(error)") }
                continue
            }
            let (requests, plan) = try XCTUnwrap(interpreter.arenaPlanForTesting)
            let overlaps = ArenaPlanner.overlaps(requests, plan)
            XCTAssertTrue(overlaps.isEmpty, "\(url.lastPathComponent): overlapping live tensors \(overlaps)")
            for (i, r) in requests.enumerated() {
                XCTAssertEqual(plan.offsets[i] % 64, 0, "\(url.lastPathComponent): tensor \(r.id) is not 64-byte aligned")
                XCTAssertLessThanOrEqual(plan.offsets[i] + r.bytes, plan.totalBytes)
            }
            planned += 1
        }
        XCTAssertEqual(failed, madeToFail.intersection(models.map(Fixtures.relativeName)), "models made to fail that prepared")
        XCTAssertEqual(madeToFail.subtracting(models.map(Fixtures.relativeName)), [], "listed as made to fail, but not found")
        XCTAssertEqual(planned, models.count - madeToFail.count)
    }

    func testReshapeSharesItsInputsMemory() throws {
        let interpreter = try Interpreter(modelPath: Fixtures.root.appendingPathComponent("models/mnist_small_cnn.tflite").path)
        try interpreter.allocateTensors()
        let graph = try XCTUnwrap(interpreter.preparedGraph)
        let reshape = try XCTUnwrap(graph.steps.first { $0.node.op == .reshape })
        let plan = try graph.planMemory(workers: 1)
        let input = try XCTUnwrap(plan.tensorOffsets[reshape.node.inputs[0]])
        XCTAssertEqual(plan.tensorOffsets[reshape.node.outputs[0]], input)
    }

    func testRandomRequestsNeverOverlap() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<200 {
            let steps = 1 + Int(rng.next() % 30)
            let requests = (0..<Int(1 + rng.next() % 40)).map { id -> ArenaPlanner.Request in
                let first = Int(rng.next() % UInt64(steps))
                let last = first + Int(rng.next() % UInt64(steps - first))
                return .init(id: id, bytes: Int(rng.next() % 5000), first: first, last: last)
            }
            let plan = try ArenaPlanner.plan(requests, wholeRun: (0, steps - 1))
            XCTAssertTrue(ArenaPlanner.overlaps(requests, plan).isEmpty)
            // Never worse than giving every tensor its own slot.
            let separate = requests.reduce(0) { $0 + ($1.bytes + 63) / 64 * 64 }
            XCTAssertLessThanOrEqual(plan.totalBytes, separate)
        }
    }

    func testMemoryIsReusedAcrossLifetimes() throws {
        // A chain a→b→c→d: only neighbours are alive together.
        let requests = (0..<4).map { ArenaPlanner.Request(id: $0, bytes: 1000, first: $0, last: $0 + 1) }
        let plan = try ArenaPlanner.plan(requests)
        XCTAssertLessThanOrEqual(plan.totalBytes, 2 * 1024)
    }

    func testSizeOverflowIsAnError() {
        let requests = [ArenaPlanner.Request(id: 0, bytes: Int.max - 10, first: 0, last: 1),
                        ArenaPlanner.Request(id: 1, bytes: Int.max - 10, first: 0, last: 1)]
        XCTAssertThrowsError(try ArenaPlanner.plan(requests))
    }
}
