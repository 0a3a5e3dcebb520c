#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How the `parallel` backend splits one invoke of a model, measured without
/// idle cores: each node runs on the calling thread part by part (the
/// contiguous chunks the backend's workers would claim), each part timed in
/// thread CPU time, so other processes on a busy machine do not distort it.
///
/// From the part times it predicts the `workers`-thread time: parts are
/// claimed in order by whichever worker is free first (as `SpinningWorkerPool`
/// does), nodes that do not split run on one worker, and every split node
/// pays ``forkJoinNanoseconds``. What limits the speed-up shows as the
/// time of nodes that do not split (``unsplitNanoseconds``) and the
/// imbalance of the split ones (``Node/imbalance``).
public struct ParallelSplitProfile: Sendable {
    /// One executed node.
    public struct Node: Sendable {
        /// Position in the model's operator list.
        public let nodeIndex: Int
        /// Builtin name or custom code.
        public let operatorName: String
        /// The kernel's estimate of its multiply-adds (or element operations).
        public let cost: Int
        /// Independent output tiles the kernel offers.
        public let tileCount: Int
        /// Parts the backend runs it in: 1 when it runs on one worker.
        public let partCount: Int
        /// Thread CPU nanoseconds of each part, in claim order (the fastest
        /// of the measured rounds).
        public let partNanoseconds: [UInt64]
        /// Predicted nanoseconds with the profile's workers (parts claimed
        /// in order by the first free worker; fork-join cost not included).
        public let predictedNanoseconds: UInt64

        /// Whether the backend splits this node over its workers.
        public var isSplit: Bool { partCount > 1 }
        /// One-thread time: the sum of the parts.
        public var serialNanoseconds: UInt64 { partNanoseconds.reduce(0, &+) }
        /// The busiest worker's time over the mean worker time for a split
        /// node (1 is perfect balance); nil for a node that does not split.
        public func imbalance(workers: Int) -> Double? {
            guard isSplit, serialNanoseconds > 0 else { return nil }
            return Double(predictedNanoseconds) / (Double(serialNanoseconds) / Double(max(workers, 1)))
        }
    }

    /// Workers (threads) the prediction is for.
    public let workers: Int
    /// Executed nodes in order (delegated partitions are not included).
    public let nodes: [Node]
    /// Measured cost of one split node beyond its work: publishing the job,
    /// the helpers' claims and the join (trivial job on a live pool; the
    /// fastest of many runs, so preemption on a busy machine does not count).
    public let forkJoinNanoseconds: UInt64
    /// The median of the same runs (includes waits for a preempted helper
    /// on a busy machine).
    public let forkJoinMedianNanoseconds: UInt64

    /// One-thread time of the measured invoke: the sum of every part.
    public var serialNanoseconds: UInt64 { nodes.reduce(0) { $0 &+ $1.serialNanoseconds } }
    /// Time of the nodes that run on one worker.
    public var unsplitNanoseconds: UInt64 { nodes.reduce(0) { $1.isSplit ? $0 : $0 &+ $1.serialNanoseconds } }
    /// Number of nodes that split.
    public var splitNodeCount: Int { nodes.reduce(0) { $0 + ($1.isSplit ? 1 : 0) } }
    /// Predicted time with ``workers`` workers: unsplit nodes, the busiest
    /// worker of each split node, and the fork-join cost of each split node.
    public var predictedNanoseconds: UInt64 {
        nodes.reduce(0) { $0 &+ $1.predictedNanoseconds &+ ($1.isSplit ? forkJoinNanoseconds : 0) }
    }
    /// Time lost to imbalance: the busiest worker's time minus the perfectly
    /// balanced time, summed over split nodes.
    public var imbalanceNanoseconds: UInt64 {
        nodes.reduce(0) { sum, node in
            guard node.isSplit else { return sum }
            let balanced = node.serialNanoseconds / UInt64(max(workers, 1))
            return sum &+ (node.predictedNanoseconds > balanced ? node.predictedNanoseconds - balanced : 0)
        }
    }
    /// Predicted speed-up: one-thread time over predicted ``workers``-thread time.
    public var predictedSpeedup: Double {
        predictedNanoseconds == 0 ? 1 : Double(serialNanoseconds) / Double(predictedNanoseconds)
    }
    /// Amdahl's serial fraction that gives the predicted speed-up with
    /// ``workers`` workers: (W/S − 1)/(W − 1).
    public var effectiveSerialFraction: Double {
        guard workers > 1 else { return 1 }
        let w = Double(workers)
        return (w / predictedSpeedup - 1) / (w - 1)
    }

    /// Makespan of `parts` run in order by `workers` workers, each part going
    /// to the worker that is free first (ties to the lower index: the caller).
    static func makespan(_ parts: [UInt64], workers: Int) -> UInt64 {
        guard workers > 1, parts.count > 1 else { return parts.reduce(0, &+) }
        var load = [UInt64](repeating: 0, count: workers)
        for part in parts {
            var first = 0
            for w in 1..<workers where load[w] < load[first] { first = w }
            load[first] &+= part
        }
        return load.max() ?? 0
    }
}

/// Thread CPU time of the calling thread, nanoseconds.
func threadCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// A kernel with `tiles` tiles of no work (fork-join measurement).
private final class EmptyTilesKernel: Kernel {
    let tileCount: Int
    init(tiles: Int) { tileCount = tiles }
    func bind(_ memory: TensorMemory) {}
    func run(tiles: Range<Int>, worker: Int) {}
}

extension ParallelBackend {
    /// Wall nanoseconds of one split job with no work on a pool of
    /// `workers` threads: (fastest, median) of `jobs` jobs.
    static func measureForkJoin(workers: Int, jobs: Int = 2000) -> (fastest: UInt64, median: UInt64) {
        guard workers > 1 else { return (0, 0) }
        let backend = ParallelBackend(threads: workers, minimumParallelCost: 0)
        let kernel = EmptyTilesKernel(tiles: workers &* parallelChunksPerParticipant)
        var samples: [UInt64] = []
        samples.reserveCapacity(jobs)
        let clock = ContinuousClock()
        for _ in 0..<jobs {
            let start = clock.now
            backend.runSplit(kernel)
            let (seconds, attoseconds) = start.duration(to: clock.now).components
            samples.append(UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000))
        }
        samples.sort()
        return (samples.first ?? 0, samples.isEmpty ? 0 : samples[samples.count / 2])
    }

    /// Runs `kernel` split over the workers whatever its cost.
    func runSplit(_ kernel: Kernel) { runner.run(kernel, tiles: kernel.tileCount) }
}

extension Interpreter {
    /// Measures how the `parallel` backend with `workers` threads splits
    /// each node of this model (see ``ParallelSplitProfile``): `rounds`
    /// invokes on the calling thread, every node run part by part and each
    /// part timed in thread CPU time; the fastest round of each part counts.
    /// The split rule is the backend's (this interpreter's
    /// `parallelMinimumCost`, or the default), whatever backend this
    /// interpreter runs; outputs are those of a normal invoke.
    ///
    /// Throws `allocateTensorsRequired` before `allocateTensors()`, and
    /// `concurrentUse` if another thread is using the interpreter.
    public func parallelSplitProfile(workers: Int = 2, rounds: Int = 3) throws -> ParallelSplitProfile {
        guard useLock.tryLock() else { throw InterpreterError.concurrentUse }
        defer { useLock.unlock() }
        guard let graph, let plan else { throw InterpreterError.allocateTensorsRequired }
        let workers = max(1, workers)
        let minimumCost = options.parallelMinimumCost ?? ParallelBackend.defaultMinimumParallelCost
        let steps = graph.steps
        var parts = [[UInt64]](repeating: [], count: steps.count)
        var ranges = [[Range<Int>]](repeating: [], count: steps.count)
        for (i, step) in steps.enumerated() {
            let kernel = step.kernel, tiles = kernel.tileCount
            let split = ParallelBackend.splits(tiles: tiles, cost: kernel.cost, workers: workers, minimumParallelCost: minimumCost)
            let chunks = split ? parallelChunkCount(tiles: tiles, participants: workers) : 1
            ranges[i] = split ? (0..<chunks).map { tileRange(worker: $0, workers: chunks, tiles: tiles) } : [0..<tiles]
            parts[i] = [UInt64](repeating: .max, count: ranges[i].count)
        }
        // The cost of reading the clock twice, taken off every part.
        var clockCost = UInt64.max
        for _ in 0..<64 {
            let start = threadCPUNanoseconds()
            clockCost = min(clockCost, threadCPUNanoseconds() &- start)
        }
        for _ in 0..<max(1, rounds) {
            graph.subgraphs.loopBudget.reset()
            for segment in plan.segments {
                switch segment {
                case let .delegated(runner): runner.run()
                case let .steps(range):
                    for i in range {
                        let kernel = steps[i].kernel
                        for (p, tiles) in ranges[i].enumerated() {
                            let start = threadCPUNanoseconds()
                            kernel.run(tiles: tiles, worker: 0)
                            let elapsed = threadCPUNanoseconds() &- start
                            parts[i][p] = min(parts[i][p], elapsed > clockCost ? elapsed &- clockCost : 0)
                        }
                    }
                }
            }
        }
        var nodes: [ParallelSplitProfile.Node] = []
        for segment in plan.segments {
            guard case let .steps(range) = segment else { continue }
            for i in range {
                let step = steps[i]
                nodes.append(ParallelSplitProfile.Node(
                    nodeIndex: step.node.index, operatorName: step.node.name, cost: step.kernel.cost,
                    tileCount: step.kernel.tileCount, partCount: parts[i].count, partNanoseconds: parts[i],
                    predictedNanoseconds: ParallelSplitProfile.makespan(parts[i], workers: workers)))
            }
        }
        let forkJoin = ParallelBackend.measureForkJoin(workers: workers)
        return ParallelSplitProfile(
            workers: workers, nodes: nodes, forkJoinNanoseconds: forkJoin.fastest, forkJoinMedianNanoseconds: forkJoin.median)
    }
}
