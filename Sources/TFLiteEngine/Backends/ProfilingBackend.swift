/// Times every step another backend runs (`Interpreter.isProfilingEnabled`,
/// `bench --profile`). It wraps any `ExecutionBackend`, so profiling works
/// the same on `cpu` and `parallel`; an interpreter that does not profile
/// does not hold one and pays nothing.
final class ProfilingBackend: ExecutionBackend {
    /// The backend that does the work.
    let base: ExecutionBackend
    /// Timings accumulated since this wrapper was created.
    let profiler = StepProfiler()

    init(wrapping base: ExecutionBackend) { self.base = base }

    /// The wrapped backend's name (plan descriptions do not change while profiling).
    var name: String { base.name }
    var workerCount: Int { base.workerCount }

    /// Runs the steps one at a time on the wrapped backend, timing each.
    func run(_ steps: ArraySlice<PreparedGraph.Step>) {
        profiler.run(steps) { position in base.run(steps[position...position]) }
    }
}

/// Accumulates the wall time of each step across invokes (`--profile`).
final class StepProfiler {
    private(set) var nanoseconds: [UInt64] = []
    private(set) var invocations: [Int] = []
    /// Fastest single run of each step (robust against preemption on a busy machine).
    private(set) var minimumNanoseconds: [UInt64] = []
    /// Whether each step that `repeatsAlike` runs a second time right after
    /// the first, timed apart into `warmMinimumNanoseconds`: the step with
    /// its code and data just used.
    var repeatsWarm = false
    /// Fastest repeated run of each step (`UInt64.max`: not repeated).
    private(set) var warmMinimumNanoseconds: [UInt64] = []

    /// Times `body(position)` for each step's position; statistics are kept
    /// by the step's position in the whole plan (a slice keeps its
    /// positions), so a plan run in several segments accumulates into one table.
    @inline(__always)
    func run(_ steps: ArraySlice<PreparedGraph.Step>, _ body: (Int) -> Void) {
        if nanoseconds.count < steps.endIndex {
            let extra = steps.endIndex - nanoseconds.count
            nanoseconds += [UInt64](repeating: 0, count: extra)
            invocations += [Int](repeating: 0, count: extra)
            minimumNanoseconds += [UInt64](repeating: .max, count: extra)
            warmMinimumNanoseconds += [UInt64](repeating: .max, count: extra)
        }
        let clock = ContinuousClock()
        @inline(__always) func timed(_ i: Int) -> UInt64 {
            let start = clock.now
            body(i)
            let (seconds, attoseconds) = start.duration(to: clock.now).components
            return UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
        }
        for i in steps.indices {
            let ns = timed(i)
            nanoseconds[i] &+= ns
            minimumNanoseconds[i] = min(minimumNanoseconds[i], ns)
            invocations[i] &+= 1
            if repeatsWarm, steps[i].repeatsAlike {
                warmMinimumNanoseconds[i] = min(warmMinimumNanoseconds[i], timed(i))
            }
        }
    }
}
