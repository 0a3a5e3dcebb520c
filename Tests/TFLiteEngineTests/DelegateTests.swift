import Dispatch
import Foundation
import XCTest
@testable import TFLiteEngine

/// Delegation (partitioning, fallback, limits), the parallel backend's
/// determinism, and thread-safety rules.
final class DelegateTests: XCTestCase {
    static let branchy = Fixtures.directory("graphs").appendingPathComponent("branchy_conv_concat.tflite")

    /// Graphs with branches, residual ADDs and concatenations.
    static func branchyModels() throws -> [URL] {
        let all = try Fixtures.allModels()
        // Float32 graphs with branches: the demo delegate takes float32 CONV_2D and CONCATENATION.
        let wanted = all.filter { ["branchy_conv_concat.tflite", "mobilenet_v2_035_96.tflite"].contains($0.lastPathComponent) }
        return wanted
    }

    // MARK: Helpers

    /// Fills every input with deterministic pseudo-random values of its type.
    static func fillInputs(_ interpreter: Interpreter, seed: UInt64) throws {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        for i in 0..<interpreter.inputTensorCount {
            let type = try interpreter.input(at: i).dataType
            try interpreter.withUnsafeMutableInputBytes(at: i) { bytes in
                switch type {
                case .float32:
                    let floats = bytes.bindMemory(to: Float.self)
                    for j in floats.indices { floats[j] = Float(Int(next() % 2001) - 1000) / 500 }
                case .int32:
                    let ints = bytes.bindMemory(to: Int32.self)
                    for j in ints.indices { ints[j] = Int32(next() % 4) }
                case .int64:
                    let ints = bytes.bindMemory(to: Int64.self)
                    for j in ints.indices { ints[j] = Int64(next() % 4) }
                default:
                    for j in bytes.indices { bytes[j] = UInt8(truncatingIfNeeded: next()) }
                }
            }
        }
    }

    /// Outputs (raw bytes) of one model on one backend, after `invocations`
    /// runs, each from a fresh state (models with LSTM state would otherwise
    /// continue their sequence).
    static func outputs(_ url: URL, _ options: Interpreter.Options, seed: UInt64 = 1, invocations: Int = 1) throws -> [Data] {
        let interpreter = try Interpreter(modelPath: url.path, options: options)
        try interpreter.allocateTensors()
        try fillInputs(interpreter, seed: seed)
        for _ in 0..<invocations {
            try interpreter.resetVariableTensors()
            try interpreter.invoke()
        }
        return try (0..<interpreter.outputTensorCount).map { try interpreter.output(at: $0).data }
    }

    static func options(_ backend: Interpreter.Backend, threads: Int? = nil) -> Interpreter.Options {
        Interpreter.Options(threadCount: threads, backend: backend)
    }

    /// Checks that a plan's segments form a valid topological order and that
    /// every segment's inputs are produced before it runs.
    func assertValidOrder(_ plan: ExecutionPlanDescription, _ url: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try Model(path: url.path)
        let graph = try PreparedGraph(model: model)
        try graph.prepare()
        let ops = model.mainSubgraph.operators
        var producer: [Int: Int] = [:]  // tensor → node
        for step in graph.steps { for t in step.node.outputs { producer[t] = step.node.index } }
        var done = Set<Int>()
        var available = Set(graph.tensors.indices.filter { producer[$0] == nil })  // inputs, constants, folded
        let executed = plan.segments.flatMap(\.nodes).map(\.index)
        XCTAssertEqual(executed.sorted(), graph.steps.map(\.node.index).sorted(), "every executed node appears once", file: file, line: line)
        for segment in plan.segments {
            for t in segment.inputTensors {
                XCTAssertTrue(available.contains(t), "segment input #\(t) is produced before the segment runs", file: file, line: line)
            }
            let inside = Set(segment.nodes.map(\.index))
            for node in segment.nodes {
                for t in ops[node.index].inputs where t >= 0 {
                    XCTAssertTrue(available.contains(t), "node \(node.index) input #\(t) is ready", file: file, line: line)
                    if let p = producer[t], !inside.contains(p) {
                        XCTAssertTrue(segment.inputTensors.contains(t), "cross-segment tensor #\(t) is listed as an input", file: file, line: line)
                    }
                }
                for t in ops[node.index].outputs { available.insert(t) }
                done.insert(node.index)
            }
            for t in segment.outputTensors {
                XCTAssertTrue(inside.contains(producer[t] ?? -1), "segment output #\(t) is produced inside it", file: file, line: line)
            }
        }
    }

    // MARK: Partitioning

    func testPartitionsRespectDependenciesOnBranchyGraphs() throws {
        let models = try Self.branchyModels()
        XCTAssertEqual(models.map(\.lastPathComponent).sorted(), ["branchy_conv_concat.tflite", "mobilenet_v2_035_96.tflite"])
        for url in models {
            let interpreter = try Interpreter(modelPath: url.path, options: Self.options(.delegate(ConvConcatDelegate())))
            try interpreter.allocateTensors()
            let plan = try XCTUnwrap(interpreter.executionPlanDescription)
            XCTAssertNil(interpreter.delegationReport)
            XCTAssertGreaterThan(plan.delegatedPartitionCount, 1, url.lastPathComponent)
            try assertValidOrder(plan, url)
            for segment in plan.segments {
                let ops = Set(segment.nodes.map(\.op))
                if segment.isDelegated {
                    XCTAssertTrue(ops.isSubset(of: ["CONV_2D", "CONCATENATION"]), "\(ops)")
                } else {
                    XCTAssertFalse(ops.contains("CONCATENATION"))
                    for node in segment.nodes { XCTAssertNotNil(node.declinedReason, "node \(node.index) \(node.op)") }
                }
            }
            XCTAssertTrue(plan.text.contains("conv-concat partition 0"), plan.text)
        }
    }

    func testBranchyGraphPartitionShape() throws {
        // The fixture's 16 nodes: the delegate gets CONV_2D/CONCATENATION runs
        // interrupted by DEPTHWISE_CONV_2D, ADD, MAX_POOL_2D and the head.
        let interpreter = try Interpreter(modelPath: Self.branchy.path, options: Self.options(.delegate(ConvConcatDelegate())))
        try interpreter.allocateTensors()
        let plan = try XCTUnwrap(interpreter.executionPlanDescription)
        let delegated = plan.segments.filter(\.isDelegated)
        XCTAssertEqual(delegated.reduce(0) { $0 + $1.nodes.count }, 10)  // 8 CONV_2D + 2 CONCATENATION
        // Consecutive segments alternate between delegate and CPU (maximal partitions).
        for (a, b) in zip(plan.segments, plan.segments.dropFirst()) { XCTAssertNotEqual(a.isDelegated, b.isDelegated) }
    }

    func testGreedyPartitioningPullsIndependentNodesTogether() {
        // 0: A(sup) t0→t1; 1: B(unsup) t0→t2; 2: C(sup) t0→t3; 3: D(sup) t1,t3→t4; 4: E(unsup) t2,t4→t5
        let nodes: [GraphPartitioner.PlanNode] = [
            .init(inputs: [0], outputs: [1]), .init(inputs: [0], outputs: [2]), .init(inputs: [0], outputs: [3]),
            .init(inputs: [1, 3], outputs: [4]), .init(inputs: [2, 4], outputs: [5]),
        ]
        let subsets = GraphPartitioner.partition(nodes, supported: [true, false, true, true, false], tensorCount: 6, graphOutputs: [5])
        XCTAssertEqual(subsets.map(\.nodes), [[0, 2, 3], [1, 4]])
        XCTAssertEqual(subsets.map(\.delegated), [true, false])
        XCTAssertEqual(subsets[0].inputs, [0])
        XCTAssertEqual(subsets[0].outputs, [4])
        XCTAssertEqual(subsets[1].inputs, [0, 4])
        XCTAssertEqual(subsets[1].outputs, [5])
    }

    func testDependenciesSplitPartitions() {
        // sup → unsup → sup chain: three subsets, never merged across the dependency.
        let nodes: [GraphPartitioner.PlanNode] = [
            .init(inputs: [0], outputs: [1]), .init(inputs: [1], outputs: [2]), .init(inputs: [2, 1], outputs: [3]),
        ]
        let subsets = GraphPartitioner.partition(nodes, supported: [true, false, true], tensorCount: 4, graphOutputs: [3])
        XCTAssertEqual(subsets.map(\.nodes), [[0], [1], [2]])
        XCTAssertEqual(subsets[0].outputs, [1])
        XCTAssertEqual(subsets[2].inputs, [1, 2])
    }

    func testLargestPartitionSelection() {
        func subset(_ n: Int, _ d: Bool, from: Int) -> GraphPartitioner.Subset {
            .init(delegated: d, nodes: Array(from..<(from + n)))
        }
        let subsets = [subset(2, true, from: 0), subset(1, false, from: 2), subset(4, true, from: 3), subset(1, false, from: 7), subset(3, true, from: 8)]
        XCTAssertEqual(GraphPartitioner.nodesOfLargestPartitions(subsets, maxPartitions: 0, minNodes: 0).count, 9)
        XCTAssertEqual(GraphPartitioner.nodesOfLargestPartitions(subsets, maxPartitions: 1, minNodes: 0), Set(3..<7))
        XCTAssertEqual(GraphPartitioner.nodesOfLargestPartitions(subsets, maxPartitions: 2, minNodes: 0), Set(3..<7).union(8..<11))
        XCTAssertEqual(GraphPartitioner.nodesOfLargestPartitions(subsets, maxPartitions: 0, minNodes: 3), Set(3..<7).union(8..<11))
        XCTAssertEqual(GraphPartitioner.nodesOfLargestPartitions(subsets, maxPartitions: -1, minNodes: 5), [])
    }

    func testMaxPartitionsAndMinNodesOnModel() throws {
        let full = try Interpreter(modelPath: Self.branchy.path, options: Self.options(.delegate(ConvConcatDelegate())))
        try full.allocateTensors()
        let sizes = try XCTUnwrap(full.executionPlanDescription).segments.filter(\.isDelegated).map(\.nodes.count)
        XCTAssertGreaterThan(sizes.count, 2)
        let largest = try XCTUnwrap(sizes.max())

        let one = try Interpreter(modelPath: Self.branchy.path, options: Self.options(.delegate(ConvConcatDelegate(options: .init(maxPartitions: 1)))))
        try one.allocateTensors()
        let onePlan = try XCTUnwrap(one.executionPlanDescription)
        XCTAssertEqual(onePlan.delegatedPartitionCount, 1)
        XCTAssertEqual(onePlan.delegatedNodeCount, largest)
        try assertValidOrder(onePlan, Self.branchy)

        let big = try Interpreter(modelPath: Self.branchy.path, options: Self.options(.delegate(ConvConcatDelegate(options: .init(minNodesPerPartition: largest)))))
        try big.allocateTensors()
        let bigPlan = try XCTUnwrap(big.executionPlanDescription)
        XCTAssertEqual(bigPlan.delegatedPartitionCount, sizes.filter { $0 >= largest }.count)
        XCTAssertTrue(bigPlan.segments.filter(\.isDelegated).allSatisfy { $0.nodes.count >= largest })

        let none = try Interpreter(modelPath: Self.branchy.path, options: Self.options(.delegate(ConvConcatDelegate(options: .init(minNodesPerPartition: largest + 1)))))
        try none.allocateTensors()
        XCTAssertEqual(try XCTUnwrap(none.executionPlanDescription).delegatedPartitionCount, 0)
        XCTAssertEqual(try XCTUnwrap(none.executionPlanDescription).segments.count, 1)

        let reference = try Self.outputs(Self.branchy, Self.options(.cpu))
        for delegateOptions in [DelegateOptions(maxPartitions: 1), DelegateOptions(minNodesPerPartition: largest)] {
            XCTAssertEqual(try Self.outputs(Self.branchy, Self.options(.delegate(ConvConcatDelegate(options: delegateOptions)))), reference)
        }
    }

    // MARK: Fallback

    final class FailingDelegate: Delegate {
        struct Failure: Error, CustomStringConvertible { var description: String { "device unavailable" } }
        let name = "failing"
        let options = DelegateOptions()
        /// Partitions prepared before failing (0: fail on the first).
        let succeedFirst: Int
        private let lock = NSLock()
        nonisolated(unsafe) private var prepared = 0
        init(succeedFirst: Int = 0) { self.succeedFirst = succeedFirst }
        func supports(_ node: DelegateNode) -> DelegateSupport {
            node.op == .conv2D ? .supported : .unsupported(reason: "not a convolution")
        }
        func prepare(_ partition: DelegatePartition) throws -> DelegatePartitionRunner {
            try lock.withLock {
                prepared += 1
                if prepared > succeedFirst { throw Failure() }
                return Noop()
            }
        }
        final class Noop: DelegatePartitionRunner { func run() {} }
    }

    func testFallbackWhenPrepareFails() throws {
        let reference = try Self.outputs(Self.branchy, Self.options(.cpu))
        for succeedFirst in [0, 2] {
            let interpreter = try Interpreter(modelPath: Self.branchy.path, options: Self.options(.delegate(FailingDelegate(succeedFirst: succeedFirst))))
            try interpreter.allocateTensors()
            let report = try XCTUnwrap(interpreter.delegationReport)
            XCTAssertTrue(report.contains("failing") && report.contains("device unavailable") && report.contains("partition \(succeedFirst)"), report)
            let plan = try XCTUnwrap(interpreter.executionPlanDescription)
            XCTAssertEqual(plan.delegatedPartitionCount, 0)
            XCTAssertEqual(plan.segments.count, 1)
            XCTAssertEqual(plan.segments[0].nodes.map(\.index), plan.segments[0].nodes.map(\.index).sorted(), "prepare order restored")
            XCTAssertTrue(plan.text.contains("delegation: delegate 'failing' failed"), plan.text)
            try Self.fillInputs(interpreter, seed: 1)
            try interpreter.invoke()
            XCTAssertEqual(try interpreter.output(at: 0).data, reference[0])
        }
    }

    func testDelegateSeesNodeDetails() throws {
        final class Recorder: Delegate, @unchecked Sendable {
            let name = "recorder"
            let options = DelegateOptions()
            var seen: [DelegateNode] = []
            var partitions: [(nodes: [Int], inputs: [Int], outputs: [Int], kernels: Int, addressed: Bool)] = []
            func supports(_ node: DelegateNode) -> DelegateSupport {
                seen.append(node)
                return node.op == .concatenation ? .supported : .unsupported(reason: "no")
            }
            func prepare(_ partition: DelegatePartition) throws -> DelegatePartitionRunner {
                partitions.append((partition.nodes.map(\.index), partition.inputs.map(\.index), partition.outputs.map(\.index),
                                   partition.engineKernels.count, partition.inputs.allSatisfy { partition.address(ofTensor: $0.index) != nil }))
                let kernels = partition.engineKernels
                return Runner(kernels)
            }
            final class Runner: DelegatePartitionRunner {
                let kernels: [EngineKernel]
                init(_ k: [EngineKernel]) { kernels = k }
                func run() { for k in kernels { k.run(tiles: 0..<k.tileCount, worker: 0) } }
            }
        }
        let recorder = Recorder()
        let interpreter = try Interpreter(modelPath: Self.branchy.path, options: Self.options(.delegate(recorder)))
        try interpreter.allocateTensors()
        let conv = try XCTUnwrap(recorder.seen.first { $0.op == .conv2D })
        XCTAssertEqual(conv.opName, "CONV_2D")
        XCTAssertEqual(conv.options.padding, "SAME")
        XCTAssertEqual(conv.options.strideHeight, 1)
        XCTAssertEqual(conv.options.fusedActivation, "RELU")
        XCTAssertEqual(conv.inputs.count, 3)
        XCTAssertEqual(conv.inputs[0]?.shape, [1, 12, 12, 3])
        XCTAssertEqual(conv.inputs[1]?.isConstant, true)
        XCTAssertEqual(conv.outputs[0].type, .float32)
        let concat = try XCTUnwrap(recorder.seen.first { $0.op == .concatenation })
        XCTAssertEqual(concat.options.axis, -1)  // as written by the converter
        XCTAssertEqual(recorder.partitions.count, 2)
        for p in recorder.partitions {
            XCTAssertEqual(p.nodes.count, 1)
            XCTAssertEqual(p.kernels, 1)
            XCTAssertTrue(p.addressed)
            XCTAssertEqual(p.outputs.count, 1)
            XCTAssertGreaterThanOrEqual(p.inputs.count, 2)
        }
        try Self.fillInputs(interpreter, seed: 3)
        try interpreter.invoke()
        XCTAssertEqual(try interpreter.output(at: 0).data, try Self.outputs(Self.branchy, Self.options(.cpu), seed: 3)[0])
    }

    // MARK: Determinism across backends

    func testAllFixtureModelsBitIdenticalAcrossBackends() throws {
        let models = try Fixtures.allModels()
        let madeToFail = try Fixtures.modelsMadeToFail()
        var compared = 0, failing: Set<String> = []
        for url in models {
            // Only the models made to be rejected have no outputs.
            let name = Fixtures.relativeName(url)
            guard let reference = try? Self.outputs(url, Self.options(.cpu), seed: 7) else {
                failing.insert(name)
                continue
            }
            compared += 1
            let variants: [(String, Interpreter.Options)] = [
                ("parallel×2", Self.options(.parallel, threads: 2)),
                ("parallel×3", Self.options(.parallel, threads: 3)),
                ("conv-concat delegate", Self.options(.delegate(ConvConcatDelegate()))),
                ("conv-concat delegate + 2 threads", Self.options(.delegate(ConvConcatDelegate()), threads: 2)),
            ]
            for (label, options) in variants {
                let actual = try Self.outputs(url, options, seed: 7, invocations: 2)
                XCTAssertEqual(actual, reference, "\(url.lastPathComponent) on \(label)")
            }
        }
        XCTAssertEqual(failing.subtracting(madeToFail).sorted(), [], "fail on the cpu backend")
        XCTAssertEqual(compared, models.count - failing.count)
        XCTAssertGreaterThan(compared, 700)
    }

    func testParallelBackendSplitsSmallAndLargeKernelsIdentically() throws {
        // Force every kernel through the pool (threshold 0) and through
        // Dispatch, with uneven thread counts.
        let url = Self.branchy
        let reference = try Self.outputs(url, Self.options(.cpu), seed: 5)
        for threads in [2, 3, 5] {
            for useDispatch in [false, true] {
                let backend = ParallelBackend(threads: threads, minimumParallelCost: 0, useDispatch: useDispatch)
                let model = try Model(path: url.path)
                let interpreter = try Interpreter(model: model, options: Self.options(.parallel, threads: threads))
                try interpreter.allocateTensors()
                try Self.fillInputs(interpreter, seed: 5)
                let steps = try XCTUnwrap(interpreter.preparedGraph).steps
                backend.run(steps[...])
                XCTAssertEqual(try interpreter.output(at: 0).data, reference[0], "threads \(threads) dispatch \(useDispatch)")
            }
        }
    }

    func testTileRangesCoverEveryTileOnce() {
        for tiles in 0..<20 {
            for workers in 1..<6 {
                let ranges = (0..<workers).map { tileRange(worker: $0, workers: workers, tiles: tiles) }
                XCTAssertEqual(ranges.flatMap { Array($0) }, Array(0..<tiles))
            }
        }
    }

    /// Counts each tile's runs and which worker ran it; worker 1 can be
    /// made late (it sleeps before its first tile of a job).
    private final class TileCountingKernel: Kernel {
        let tileCount: Int
        let runs: UnsafeMutablePointer<Int>
        let workers: UnsafeMutablePointer<Int>
        let lateWorker: Int?
        init(tiles: Int, lateWorker: Int? = nil) {
            tileCount = tiles
            runs = .allocate(capacity: max(tiles, 1))
            runs.initialize(repeating: 0, count: max(tiles, 1))
            workers = .allocate(capacity: max(tiles, 1))
            workers.initialize(repeating: -1, count: max(tiles, 1))
            self.lateWorker = lateWorker
        }
        deinit {
            runs.deallocate()
            workers.deallocate()
        }
        var cost: Int { tileCount * 1_000_000 }
        func bind(_ memory: TensorMemory) {}
        func run(tiles: Range<Int>, worker: Int) {
            if worker == lateWorker { usleep(200) }
            for t in tiles {
                runs[t] += 1
                workers[t] = worker
            }
        }
    }

    func testWorkerPoolRunsEveryTileOnceFromEachWorkersShare() throws {
        guard #available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *) else { throw XCTSkip("needs Synchronization") }
        for workers in [2, 3, 4] {
            let pool = SpinningWorkerPool(workers: workers)
            defer { pool.shutdown() }
            // Back-to-back jobs of every size from 2 to 300 tiles (up to
            // 64 chunks per worker by cost), each tile run exactly once.
            for tiles in 2...300 {
                let kernel = TileCountingKernel(tiles: tiles)
                withExtendedLifetime(kernel) { pool.run(UnretainedKernel(kernel), tiles: tiles, cost: kernel.cost) }
                let runs = Array(UnsafeBufferPointer(start: kernel.runs, count: tiles))
                XCTAssertEqual(runs, [Int](repeating: 1, count: tiles), "\(workers) workers, \(tiles) tiles")
                let ran = Array(UnsafeBufferPointer(start: kernel.workers, count: tiles))
                XCTAssert(ran.allSatisfy { (0..<workers).contains($0) }, "\(workers) workers, \(tiles) tiles: \(ran)")
            }
            // A late helper: the others take the rest of its share from the back.
            for tiles in [2, 17, 64, 256] {
                let kernel = TileCountingKernel(tiles: tiles, lateWorker: 1)
                withExtendedLifetime(kernel) { pool.run(UnretainedKernel(kernel), tiles: tiles, cost: kernel.cost) }
                XCTAssertEqual(Array(UnsafeBufferPointer(start: kernel.runs, count: tiles)), [Int](repeating: 1, count: tiles))
            }
        }
    }

    // MARK: Thread safety

    func testManyInterpretersShareOneModel() throws {
        let models = try Self.branchyModels()
        for url in models {
            let model = try Model(path: url.path)
            let reference = try Self.outputs(url, Self.options(.cpu), seed: 9)
            let threads = 4
            let results = ResultBox(count: threads)
            DispatchQueue.concurrentPerform(iterations: threads) { i in
                do {
                    let backend: Interpreter.Backend = i % 2 == 0 ? .cpu : .parallel
                    let interpreter = try Interpreter(model: model, options: Self.options(backend, threads: 2))
                    try interpreter.allocateTensors()
                    try Self.fillInputs(interpreter, seed: 9)
                    var outputs: [Data] = []
                    for _ in 0..<3 {
                        try interpreter.invoke()
                        let out = try interpreter.output(at: 0).data
                        if let first = outputs.first, first != out { outputs.append(Data()); break }
                        outputs.append(out)
                    }
                    results.set(i, outputs)
                } catch {
                    results.set(i, [Data("error: \(error)".utf8)])
                }
            }
            for i in 0..<threads {
                let outs = results.get(i)
                XCTAssertEqual(outs.count, 3, "thread \(i)")
                for out in outs { XCTAssertEqual(out, reference[0], "thread \(i)") }
            }
        }
    }

    final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [[Data]]
        init(count: Int) { values = Array(repeating: [], count: count) }
        func set(_ i: Int, _ v: [Data]) { lock.withLock { values[i] = v } }
        func get(_ i: Int) -> [Data] { lock.withLock { values[i] } }
    }

    func testConcurrentUseOfOneInterpreterThrows() throws {
        // A delegate whose partition blocks until released lets the test hold
        // one invoke open while a second thread tries to invoke.
        final class Gate: @unchecked Sendable {
            let entered = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
        }
        final class BlockingDelegate: Delegate, @unchecked Sendable {
            let name = "blocking"
            let options = DelegateOptions(maxPartitions: 1)
            let gate: Gate
            init(gate: Gate) { self.gate = gate }
            func supports(_ node: DelegateNode) -> DelegateSupport { node.op == .conv2D ? .supported : .unsupported(reason: "-") }
            func prepare(_ partition: DelegatePartition) throws -> DelegatePartitionRunner { Runner(partition.engineKernels, gate) }
            final class Runner: DelegatePartitionRunner {
                let kernels: [EngineKernel]
                let gate: Gate
                init(_ k: [EngineKernel], _ g: Gate) { kernels = k; gate = g }
                func run() {
                    gate.entered.signal()
                    gate.release.wait()
                    for k in kernels { k.run() }
                }
            }
        }
        let gate = Gate()
        let interpreter = try Interpreter(modelPath: Self.branchy.path, options: Self.options(.delegate(BlockingDelegate(gate: gate))))
        try interpreter.allocateTensors()
        try Self.fillInputs(interpreter, seed: 2)
        nonisolated(unsafe) let shared = interpreter
        let firstDone = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var firstError: Error?
        DispatchQueue.global().async {
            do { try shared.invoke() } catch { firstError = error }
            firstDone.signal()
        }
        gate.entered.wait()
        XCTAssertThrowsError(try interpreter.invoke()) { XCTAssertEqual($0 as? InterpreterError, .concurrentUse) }
        XCTAssertThrowsError(try interpreter.allocateTensors()) { XCTAssertEqual($0 as? InterpreterError, .concurrentUse) }
        gate.release.signal()
        firstDone.wait()
        XCTAssertNil(firstError)
        // Sequential use afterwards is fine.
        gate.release.signal()
        try interpreter.invoke()
        XCTAssertEqual(try interpreter.output(at: 0).data, try Self.outputs(Self.branchy, Self.options(.cpu), seed: 2)[0])
    }

    // MARK: Registry

    func testCustomDelegateRegisteredByName() throws {
        XCTAssertEqual(Array(BackendRegistry.names.prefix(2)), ["cpu", "parallel"])
        XCTAssertEqual(Interpreter.Backend(name: "cpu"), .cpu)
        XCTAssertEqual(Interpreter.Backend(name: "parallel"), .parallel)
        XCTAssertNil(Interpreter.Backend(name: "registry-test-conv-concat"))

        BackendRegistry.register(name: "registry-test-conv-concat", summary: "placeholder") { .cpu }
        BackendRegistry.register(name: "registry-test-conv-concat", summary: "CONV_2D and CONCATENATION on the demo delegate") {
            .delegate(ConvConcatDelegate())
        }
        XCTAssertEqual(BackendRegistry.names.filter { $0 == "registry-test-conv-concat" }.count, 1, "re-registering replaces")
        XCTAssertEqual(Interpreter.Backend.names, BackendRegistry.names)
        XCTAssertEqual(BackendRegistry.summary(of: "registry-test-conv-concat"), "CONV_2D and CONCATENATION on the demo delegate")

        let backend = try XCTUnwrap(Interpreter.Backend(name: "registry-test-conv-concat"))
        XCTAssertEqual(backend.description, "delegate(conv-concat)")
        let interpreter = try Interpreter(modelPath: Self.branchy.path, options: Self.options(backend))
        try interpreter.allocateTensors()
        let plan = try XCTUnwrap(interpreter.executionPlanDescription)
        XCTAssertGreaterThan(plan.delegatedPartitionCount, 1)
        XCTAssertTrue(plan.text.contains("conv-concat partition 0"), plan.text)
        try Self.fillInputs(interpreter, seed: 4)
        try interpreter.invoke()
        XCTAssertEqual(try interpreter.output(at: 0).data, try Self.outputs(Self.branchy, Self.options(.cpu), seed: 4)[0])
    }

    // MARK: Profiling

    func testProfilingWrapsEveryBackend() throws {
        let reference = try Self.outputs(Self.branchy, Self.options(.cpu), seed: 6)
        for (backend, threads) in [(Interpreter.Backend.cpu, 1), (.parallel, 2)] {
            let interpreter = try Interpreter(modelPath: Self.branchy.path, options: Self.options(backend, threads: threads))
            XCTAssertFalse(interpreter.isProfilingEnabled)
            interpreter.isProfilingEnabled = true
            XCTAssertTrue(interpreter.isProfilingEnabled)
            try interpreter.allocateTensors()
            let plan = try XCTUnwrap(interpreter.executionPlanDescription)
            XCTAssertEqual(plan.segments.map(\.backend), ["\(backend)"], "the wrapper keeps the backend's name")
            XCTAssertEqual(plan.threadCount, threads)
            try Self.fillInputs(interpreter, seed: 6)
            for _ in 0..<3 { try interpreter.invoke() }
            XCTAssertEqual(try interpreter.output(at: 0).data, reference[0], "\(backend)")
            let profile = interpreter.operatorProfile
            XCTAssertEqual(profile.map(\.nodeIndex), plan.segments[0].nodes.map(\.index), "\(backend)")
            XCTAssertEqual(profile.map(\.operatorName), plan.segments[0].nodes.map(\.op))
            XCTAssertTrue(profile.allSatisfy { $0.invocations == 3 && $0.minimumNanoseconds <= $0.totalNanoseconds }, "\(backend)")
            XCTAssertGreaterThan(profile.filter { $0.operatorName == "CONV_2D" }.reduce(0) { $0 + $1.cost }, 0)
            interpreter.isProfilingEnabled = true  // restarting resets the profile
            XCTAssertTrue(interpreter.operatorProfile.isEmpty)
            interpreter.isProfilingEnabled = false
            try interpreter.invoke()
            XCTAssertTrue(interpreter.operatorProfile.isEmpty)
            XCTAssertEqual(try interpreter.output(at: 0).data, reference[0])
        }
    }

    /// Warm repeats time every operator a second time without changing the
    /// outputs; an operator whose output shares its input's memory runs once.
    func testWarmRepeatsLeaveOutputsAlone() throws {
        let mnist = Fixtures.directory("models").appendingPathComponent("mnist_small_cnn.tflite")
        for model in [Self.branchy, mnist] {
            let reference = try Self.outputs(model, Self.options(.cpu), seed: 7)
            for (backend, threads) in [(Interpreter.Backend.cpu, 1), (.parallel, 2)] {
                let interpreter = try Interpreter(modelPath: model.path, options: Self.options(backend, threads: threads))
                try interpreter.allocateTensors()
                XCTAssertFalse(interpreter.isProfilingWarmRepeatEnabled)
                interpreter.isProfilingWarmRepeatEnabled = true
                XCTAssertTrue(interpreter.isProfilingEnabled && interpreter.isProfilingWarmRepeatEnabled)
                try Self.fillInputs(interpreter, seed: 7)
                for _ in 0..<3 { try interpreter.invoke() }
                XCTAssertEqual(try (0..<interpreter.outputTensorCount).map { try interpreter.output(at: $0).data }, reference,
                               "\(model.lastPathComponent), \(backend)")
                let profile = interpreter.operatorProfile
                XCTAssertEqual(profile.count, interpreter.executedOperatorCount)
                for o in profile {
                    if o.operatorName == "RESHAPE" {
                        XCTAssertNil(o.warmMinimumNanoseconds, "RESHAPE shares its input's memory")
                    } else {
                        XCTAssertNotNil(o.warmMinimumNanoseconds, "\(o.operatorName) at node \(o.nodeIndex)")
                    }
                }
                XCTAssertEqual(profile.contains { $0.operatorName == "RESHAPE" }, model == mnist)
                interpreter.isProfilingEnabled = true  // plain profiling again: no repeats
                XCTAssertFalse(interpreter.isProfilingWarmRepeatEnabled)
                try interpreter.invoke()
                XCTAssertTrue(interpreter.operatorProfile.allSatisfy { $0.warmMinimumNanoseconds == nil })
            }
        }
    }

    // MARK: Plan description

    func testPlanDescriptionForPlainBackends() throws {
        for (backend, name) in [(Interpreter.Backend.cpu, "cpu"), (.parallel, "parallel")] {
            let interpreter = try Interpreter(modelPath: Self.branchy.path, options: Self.options(backend, threads: 2))
            XCTAssertNil(interpreter.executionPlanDescription)
            try interpreter.allocateTensors()
            let plan = try XCTUnwrap(interpreter.executionPlanDescription)
            XCTAssertEqual(plan.segments.count, 1)
            XCTAssertEqual(plan.segments[0].backend, name)
            XCTAssertEqual(plan.segments[0].nodes.count, interpreter.executedOperatorCount)
            XCTAssertEqual(plan.requestedBackend, name)
            XCTAssertEqual(plan.arenaBytes, interpreter.arenaByteCount)
            XCTAssertTrue(plan.text.hasPrefix("backend: \(name)"), plan.text)
            try assertValidOrder(plan, Self.branchy)
        }
    }
}
