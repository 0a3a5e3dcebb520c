#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How the `parallel` backend splits one invoke of a model, measured without
/// idle cores: each node runs on the calling thread tile by tile (each call
/// after the node's first continuing it, as a worker's later calls of one
/// job do: `Kernel.run(tiles:worker:continuing:)`), each tile timed in
/// thread CPU time (so other processes on a busy machine do not
/// distort it), and the tiles are summed into the contiguous parts (chunks)
/// the backend's workers claim.
///
/// From the part times it predicts the `workers`-thread time: the first
/// free worker claims half of what is left of its own share of the parts,
/// then the others' parts one at a time from the back (as `SpinningWorkerPool`
/// does), nodes that do not split
/// run on one worker, and every split node pays ``forkJoinNanoseconds``.
/// What limits the speed-up shows as the time of nodes that do not split
/// (``unsplitNanoseconds``) and the imbalance of the split ones
/// (``imbalanceNanoseconds``).
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
        /// Whether the backend splits this node over its workers.
        public let isSplit: Bool
        /// Thread CPU nanoseconds of each measured unit, in tile order (the
        /// fastest of the measured rounds): one tile per unit, or even runs
        /// of tiles when there are more than `maximumUnits`.
        let unitNanoseconds: [UInt64]
        /// Workers the prediction is for.
        let workers: Int

        /// Parts the backend runs it in: 1 when it runs on one worker.
        public var partCount: Int { isSplit ? parallelChunkCount(tiles: tileCount, cost: cost, participants: workers) : 1 }
        /// Thread CPU nanoseconds of each part, in tile order.
        public var partNanoseconds: [UInt64] { parts(partCount) }
        /// One-thread time: the sum of the tiles.
        public var serialNanoseconds: UInt64 { unitNanoseconds.reduce(0, &+) }
        /// Predicted nanoseconds with the profile's workers (parts claimed
        /// by the first free worker, as `makespan`; fork-join cost not included).
        public var predictedNanoseconds: UInt64 { ParallelSplitProfile.makespan(partNanoseconds, workers: workers) }
        /// The busiest worker's time over the mean worker time for a split
        /// node (1 is perfect balance); nil for a node that does not split.
        public var imbalance: Double? {
            guard isSplit, serialNanoseconds > 0 else { return nil }
            return Double(predictedNanoseconds) / (Double(serialNanoseconds) / Double(max(workers, 1)))
        }

        /// The measured units summed into `chunks` contiguous parts of tiles
        /// (`tileRange(worker: c, workers: chunks, tiles: tileCount)`).
        func parts(_ chunks: Int) -> [UInt64] {
            let units = unitNanoseconds.count
            guard chunks > 1, units > 0 else { return [serialNanoseconds] }
            var result = [UInt64](repeating: 0, count: chunks)
            for c in 0..<chunks {
                let tiles = tileRange(worker: c, workers: chunks, tiles: tileCount)
                // The units that start inside this chunk's tiles.
                let first = (tiles.lowerBound &* units &+ tileCount &- 1) / max(tileCount, 1)
                let end = (tiles.upperBound &* units &+ tileCount &- 1) / max(tileCount, 1)
                for u in first..<min(end, units) { result[c] &+= unitNanoseconds[u] }
            }
            return result
        }
    }

    /// Largest number of separately timed units per node.
    static let maximumUnits = 4096

    /// Workers (threads) the prediction is for.
    public let workers: Int
    /// Executed nodes in order (delegated partitions are not included).
    public let nodes: [Node]
    /// Measured cost of one split node beyond its work: publishing the job,
    /// the helpers' claims of its parts and the join (a job of empty tiles
    /// on a live pool; the fastest of many runs, so preemption on a busy
    /// machine does not count).
    public let forkJoinNanoseconds: UInt64
    /// The median of the same runs (includes waits for a preempted helper
    /// on a busy machine).
    public let forkJoinMedianNanoseconds: UInt64
    /// Measured cost of each claimed part beyond the first `workers × 4`
    /// (from the same measurement with more parts).
    public let partClaimNanoseconds: UInt64

    /// One-thread time of the measured invoke: the sum of every tile.
    public var serialNanoseconds: UInt64 { nodes.reduce(0) { $0 &+ $1.serialNanoseconds } }
    /// Time of the nodes that run on one worker.
    public var unsplitNanoseconds: UInt64 { nodes.reduce(0) { $1.isSplit ? $0 : $0 &+ $1.serialNanoseconds } }
    /// Number of nodes that split.
    public var splitNodeCount: Int { nodes.reduce(0) { $0 + ($1.isSplit ? 1 : 0) } }
    /// Predicted time with ``workers`` workers: unsplit nodes, the busiest
    /// worker of each split node, and the fork-join cost of each split node.
    public var predictedNanoseconds: UInt64 { predictedNanoseconds(partsPerWorker: nil) }
    /// Time lost to imbalance: the busiest worker's time minus the perfectly
    /// balanced time, summed over split nodes.
    public var imbalanceNanoseconds: UInt64 {
        nodes.reduce(0) { sum, node in
            guard node.isSplit else { return sum }
            let balanced = node.serialNanoseconds / UInt64(max(workers, 1))
            let predicted = node.predictedNanoseconds
            return sum &+ (predicted > balanced ? predicted - balanced : 0)
        }
    }
    /// Predicted speed-up: one-thread time over predicted ``workers``-thread time.
    public var predictedSpeedup: Double {
        predictedNanoseconds == 0 ? 1 : Double(serialNanoseconds) / Double(predictedNanoseconds)
    }

    /// The predicted time if split nodes were cut into `partsPerWorker`
    /// parts per worker (at most one per tile; 0: one part per tile; nil:
    /// the backend's rule, ``Node/partCount``), each part beyond the
    /// measured fork-join's costing ``partClaimNanoseconds``.
    public func predictedNanoseconds(partsPerWorker: Int?) -> UInt64 {
        let base = UInt64(max(workers, 1) &* parallelChunksPerParticipant)
        return nodes.reduce(0) { sum, node in
            guard node.isSplit else { return sum &+ node.serialNanoseconds }
            let chunks: Int
            if let partsPerWorker {
                chunks = max(1, min(node.tileCount, partsPerWorker > 0 ? min(workers &* partsPerWorker, 0xFFFF) : node.tileCount))
            } else {
                chunks = node.partCount
            }
            let extra = UInt64(chunks) > base ? (UInt64(chunks) - base) &* partClaimNanoseconds / UInt64(max(workers, 1)) : 0
            return sum &+ ParallelSplitProfile.makespan(node.parts(chunks), workers: workers) &+ forkJoinNanoseconds &+ extra
        }
    }

    /// Makespan of `parts` run by `workers` workers as `SpinningWorkerPool`
    /// runs them: each worker owns a contiguous share of the parts
    /// (`tileRange(worker: w, workers: workers, tiles: parts.count)`), and
    /// the worker that is free first (ties to the lower index: the caller)
    /// takes the first half (rounded up) of what is left of its own share,
    /// or else the last part left of the next share after its own that has one.
    static func makespan(_ parts: [UInt64], workers: Int) -> UInt64 {
        guard workers > 1, parts.count > 1 else { return parts.reduce(0, &+) }
        var load = [UInt64](repeating: 0, count: workers)
        var next = (0..<workers).map { tileRange(worker: $0, workers: workers, tiles: parts.count).lowerBound }
        var end = (0..<workers).map { tileRange(worker: $0, workers: workers, tiles: parts.count).upperBound }
        var left = parts.count
        while left > 0 {
            var first = 0
            for w in 1..<workers where load[w] < load[first] { first = w }
            if next[first] < end[first] {
                let count = (end[first] - next[first] + 1) / 2
                for part in next[first]..<(next[first] + count) { load[first] &+= parts[part] }
                next[first] += count
                left -= count
                continue
            }
            for step in 1..<workers {
                let victim = (first + step) % workers
                if next[victim] < end[victim] {
                    end[victim] -= 1
                    load[first] &+= parts[end[victim]]
                    left -= 1
                    break
                }
            }
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

/// A kernel with `tiles` tiles of no work (fork-join measurement; the
/// worker pool's kernel before its first job).
final class EmptyTilesKernel: Kernel {
    let tileCount: Int
    init(tiles: Int) { tileCount = tiles }
    func bind(_ memory: TensorMemory) {}
    func run(tiles: Range<Int>, worker: Int) {}
}

extension ParallelBackend {
    /// Wall nanoseconds of one split job of `tiles` empty tiles on a pool
    /// of `workers` threads: (fastest, median) of `jobs` jobs.
    static func measureForkJoin(workers: Int, tiles: Int, jobs: Int = 2000) -> (fastest: UInt64, median: UInt64) {
        guard workers > 1 else { return (0, 0) }
        let backend = ParallelBackend(threads: workers, minimumParallelCost: 0)
        let kernel = EmptyTilesKernel(tiles: tiles)
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
    func runSplit(_ kernel: Kernel) {
        withExtendedLifetime(kernel) { runner.run(UnretainedKernel(kernel), tiles: kernel.tileCount, cost: kernel.cost) }
    }
}

extension Interpreter {
    /// Measures how the `parallel` backend with `workers` threads splits
    /// each node of this model (see ``ParallelSplitProfile``): `rounds`
    /// invokes on the calling thread, every node run tile by tile and each
    /// tile timed in thread CPU time; the fastest round of each tile counts.
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
        var units = [[UInt64]](repeating: [], count: steps.count)
        for (i, step) in steps.enumerated() {
            units[i] = [UInt64](repeating: .max, count: max(1, min(step.kernel.tileCount, ParallelSplitProfile.maximumUnits)))
        }
        // The cost of reading the clock twice, taken off every unit.
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
                        let kernel = steps[i].kernel, tiles = kernel.tileCount, count = units[i].count
                        // (Each call after the first continues it, as a worker's later claims of a job do.)
                        var continuing = false
                        for u in 0..<count {
                            let range = count == tiles ? u..<(u &+ 1) : tileRange(worker: u, workers: count, tiles: tiles)
                            let start = threadCPUNanoseconds()
                            if !range.isEmpty || tiles == 0 {
                                kernel.run(tiles: range, worker: 0, continuing: continuing)
                                continuing = true
                            }
                            let elapsed = threadCPUNanoseconds() &- start
                            units[i][u] = min(units[i][u], elapsed > clockCost ? elapsed &- clockCost : 0)
                        }
                    }
                }
            }
        }
        var nodes: [ParallelSplitProfile.Node] = []
        for segment in plan.segments {
            guard case let .steps(range) = segment else { continue }
            for i in range {
                let kernel = steps[i].kernel
                nodes.append(ParallelSplitProfile.Node(
                    nodeIndex: steps[i].node.index, operatorName: steps[i].node.name, cost: kernel.cost,
                    tileCount: kernel.tileCount,
                    isSplit: ParallelBackend.splits(tiles: kernel.tileCount, cost: kernel.cost, workers: workers, minimumParallelCost: minimumCost),
                    unitNanoseconds: units[i], workers: workers))
            }
        }
        let base = workers &* parallelChunksPerParticipant
        let forkJoin = ParallelBackend.measureForkJoin(workers: workers, tiles: base)
        let many = ParallelBackend.measureForkJoin(workers: workers, tiles: base &* 8)
        let perPart = many.fastest > forkJoin.fastest ? (many.fastest - forkJoin.fastest) / UInt64(max(base &* 7, 1)) : 0
        return ParallelSplitProfile(
            workers: workers, nodes: nodes, forkJoinNanoseconds: forkJoin.fastest,
            forkJoinMedianNanoseconds: forkJoin.median, partClaimNanoseconds: perPart * UInt64(workers))
    }
}
