/// Runs a prepared graph's kernels. The interpreter talks to execution only
/// through this seam, so new backends plug in without touching it.
protocol ExecutionBackend: AnyObject {
    var name: String { get }
    /// Number of workers that may run tiles concurrently (each gets its own scratch).
    var workerCount: Int { get }
    /// Runs the steps in order (a contiguous run of the plan that is not delegated).
    func run(_ steps: ArraySlice<PreparedGraph.Step>)
}

/// The default backend: every kernel, in order, on the calling thread.
final class CPUBackend: ExecutionBackend {
    let name = "cpu"
    let workerCount = 1
    /// Per-step timing; nil (the default) costs one branch per invoke.
    var profiler: StepProfiler?

    func run(_ steps: ArraySlice<PreparedGraph.Step>) {
        if let profiler {
            profiler.run(steps) { $0.kernel.run(tiles: 0..<$0.kernel.tileCount, worker: 0) }
            return
        }
        for step in steps {
            step.kernel.run(tiles: 0..<step.kernel.tileCount, worker: 0)
        }
    }
}

/// Accumulates the wall time of each step across invokes (`--profile`).
final class StepProfiler {
    private(set) var nanoseconds: [UInt64] = []
    private(set) var invocations: [Int] = []
    /// Fastest single run of each step (robust against preemption on a busy machine).
    private(set) var minimumNanoseconds: [UInt64] = []

    /// Times each step; statistics are kept by the step's position in the
    /// whole plan (a slice keeps its positions), so a plan run in several
    /// segments accumulates into one table.
    @inline(__always)
    func run(_ steps: ArraySlice<PreparedGraph.Step>, _ body: (PreparedGraph.Step) -> Void) {
        if nanoseconds.count < steps.endIndex {
            let extra = steps.endIndex - nanoseconds.count
            nanoseconds += [UInt64](repeating: 0, count: extra)
            invocations += [Int](repeating: 0, count: extra)
            minimumNanoseconds += [UInt64](repeating: .max, count: extra)
        }
        let clock = ContinuousClock()
        for (i, step) in zip(steps.indices, steps) {
            let start = clock.now
            body(step)
            let elapsed = start.duration(to: clock.now)
            let (seconds, attoseconds) = elapsed.components
            let ns = UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
            nanoseconds[i] &+= ns
            minimumNanoseconds[i] = min(minimumNanoseconds[i], ns)
            invocations[i] &+= 1
        }
    }

    func reset() {
        for i in nanoseconds.indices { nanoseconds[i] = 0; invocations[i] = 0; minimumNanoseconds[i] = .max }
    }
}
