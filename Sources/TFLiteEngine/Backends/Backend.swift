/// Runs a prepared graph's kernels. The interpreter talks to execution only
/// through this seam, so new backends plug in without touching it.
protocol ExecutionBackend: AnyObject {
    var name: String { get }
    /// Number of workers that may run tiles concurrently (each gets its own scratch).
    var workerCount: Int { get }
    /// Runs the steps in order.
    func run(_ steps: [PreparedGraph.Step])
}

/// The default backend: every kernel, in order, on the calling thread.
final class CPUBackend: ExecutionBackend {
    let name = "cpu"
    let workerCount = 1
    /// Per-step timing; nil (the default) costs one branch per invoke.
    var profiler: StepProfiler?

    func run(_ steps: [PreparedGraph.Step]) {
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

    @inline(__always)
    func run(_ steps: [PreparedGraph.Step], _ body: (PreparedGraph.Step) -> Void) {
        if nanoseconds.count != steps.count {
            nanoseconds = [UInt64](repeating: 0, count: steps.count)
            invocations = [Int](repeating: 0, count: steps.count)
            minimumNanoseconds = [UInt64](repeating: .max, count: steps.count)
        }
        let clock = ContinuousClock()
        for (i, step) in steps.enumerated() {
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
