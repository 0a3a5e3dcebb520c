import Foundation
import XCTest
@_spi(Benchmarking) @testable import TFLiteEngine
import InputFormats

/// `ConcurrentStepGrouping` (a `parallel` plan runs small independent
/// convolutions side by side, one per thread): on the zoo fixtures with
/// parallel branches, grouped plans give the one-thread outputs bit for
/// bit, on two and three threads and with every kernel split; no member of
/// a group shares memory with another; ungrouped plans stay as they were.
final class ConcurrentStepGroupingTests: XCTestCase {
    /// NASNet's cells (five branches), RegNetY's grouped convolutions.
    private static let branchy = ["nasnetmobile_float32", "nasnetmobile_int8", "regnety002_float32"]

    private static func interpreter(_ name: String, threads: Int, minimumParallelCost: Int? = nil) throws -> Interpreter {
        try ZooFixtureRun.interpreter(name, threads: threads, minimumParallelCost: minimumParallelCost)
    }

    private static func run(_ interpreter: Interpreter, _ name: String) throws -> [Data] {
        try ZooFixtureRun.outputs(interpreter, name, invokes: 2)
    }

    private static func groupedNodes(_ interpreter: Interpreter) -> [ExecutionPlanDescription.PlannedNode] {
        (interpreter.executionPlanDescription?.segments.flatMap(\.nodes) ?? []).filter { !$0.runsBeside.isEmpty }
    }

    func testGroupedPlansMatchOneThreadBitExact() throws {
        for name in Self.branchy {
            let reference = try Self.run(try Self.interpreter(name, threads: 1), name)
            for (threads, cost) in [(2, nil), (2, 0), (3, 0)] as [(Int, Int?)] {
                let interpreter = try Self.interpreter(name, threads: threads, minimumParallelCost: cost)
                let grouped = Self.groupedNodes(interpreter)
                XCTAssertFalse(grouped.isEmpty, "\(name), \(threads) threads: nothing grouped")
                XCTAssertTrue(grouped.allSatisfy { $0.runsBeside.count < threads && ["CONV_2D", "DEPTHWISE_CONV_2D"].contains($0.op) },
                              "\(name): a group larger than the threads, or of another operator")
                XCTAssertEqual(try Self.run(interpreter, name), reference, "\(name), \(threads) threads, split threshold \(String(describing: cost))")
            }
        }
    }

    /// A group's members run at the same time: no tensor or scratch area
    /// one of them writes may share bytes with anything another touches.
    func testGroupMembersDoNotShareMemory() throws {
        for name in Self.branchy {
            let interpreter = try Self.interpreter(name, threads: 2)
            let graph = try XCTUnwrap(interpreter.graph), memory = try XCTUnwrap(interpreter.plan?.memory)
            XCTAssertTrue(ArenaPlanner.overlaps(memory.plan.requests, memory.plan.plan).isEmpty, name)
            var groups = 0
            for (position, step) in graph.steps.enumerated() {
                guard let count = step.concurrentGroup?.kernels.count else { continue }
                groups += 1
                XCTAssertLessThanOrEqual(position + count, graph.steps.count)
                let members = (position..<(position + count)).map { p -> (writes: [Range<Int>], touches: [Range<Int>]) in
                    let node = graph.steps[p].node
                    func range(_ t: Int) -> Range<Int>? {
                        guard t >= 0, let offset = memory.plan.tensorOffsets[t] else { return nil }
                        return offset..<(offset + graph.tensors[t].byteCount)
                    }
                    var writes = node.outputs.compactMap(range)
                    if let offset = memory.plan.scratchOffsets[p] {
                        // Worker 0's area at the padded stride, then worker 1's.
                        let kernel = graph.steps[p].kernel
                        writes.append(offset..<(offset + kernel.scratchStride + kernel.scratchBytesPerWorker))
                    }
                    return (writes, writes + node.inputs.compactMap(range))
                }
                for a in members.indices {
                    for b in members.indices where b != a {
                        for w in members[a].writes {
                            XCTAssertFalse(members[b].touches.contains { $0.overlaps(w) },
                                           "\(name): members of the group at step \(position) share memory")
                        }
                    }
                }
            }
            XCTAssertGreaterThan(groups, 0, name)
        }
    }

    /// One thread, a delegate, or the grouping turned off: no groups, and
    /// the same outputs.
    func testPlansWithoutGroups() throws {
        let name = "nasnetmobile_int8"
        XCTAssertTrue(Self.groupedNodes(try Self.interpreter(name, threads: 1)).isEmpty)
        let options = Interpreter.Options(threadCount: 2, backend: .delegate(ConvConcatDelegate()))
        let delegated = try Interpreter(modelPath: ZooFixtureRun.directory.appendingPathComponent("\(name).tflite").path, options: options)
        try delegated.allocateTensors()
        XCTAssertTrue(Self.groupedNodes(delegated).isEmpty, "a delegate plan was grouped")
        ConcurrentStepGrouping.isEnabled = false
        defer { ConcurrentStepGrouping.isEnabled = true }
        let ungrouped = try Self.interpreter(name, threads: 2)
        XCTAssertTrue(Self.groupedNodes(ungrouped).isEmpty)
        XCTAssertEqual(try Self.run(ungrouped, name), try Self.run(try Self.interpreter(name, threads: 1), name))
    }
}
