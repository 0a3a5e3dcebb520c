#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A reading of the monotonic wall clock and of the calling thread's CPU
/// time, for timing the phases of `Interpreter.allocateTensors()`.
struct PhaseClock {
    let wallNanoseconds: UInt64
    let cpuNanoseconds: UInt64

    static func now() -> PhaseClock {
        PhaseClock(wallNanoseconds: read(CLOCK_MONOTONIC), cpuNanoseconds: read(CLOCK_THREAD_CPUTIME_ID))
    }

    private static func read(_ clock: clockid_t) -> UInt64 {
        var ts = timespec()
        guard clock_gettime(clock, &ts) == 0 else { return 0 }
        return UInt64(max(ts.tv_sec, 0)) &* 1_000_000_000 &+ UInt64(max(ts.tv_nsec, 0))
    }

    /// The time from `start` to this reading.
    func since(_ start: PhaseClock) -> Interpreter.PhaseTime {
        Interpreter.PhaseTime(
            wallSeconds: Double(wallNanoseconds &- start.wallNanoseconds) / 1e9,
            cpuSeconds: Double(cpuNanoseconds &- start.cpuNanoseconds) / 1e9)
    }
}

extension Interpreter {
    /// The duration of one start-up phase: wall-clock time, and CPU time of
    /// the calling thread (the comparable figure when other processes
    /// compete for the cores).
    public struct PhaseTime: Sendable, Equatable {
        /// Elapsed wall-clock seconds.
        public var wallSeconds: Double
        /// CPU seconds of the thread that ran the phase.
        public var cpuSeconds: Double
    }

    /// Where the last `allocateTensors()` spent its time.
    public struct AllocationTimes: Sendable, Equatable {
        /// Preparing every operator: shape and type checks, constant
        /// folding, and packing weights (packing runs once per `Model`:
        /// later interpreters of the same model reuse the packed weights).
        public var prepare: PhaseTime
        /// Planning the arena, allocating it and binding every kernel to
        /// its tensors (building convolution indirection tables).
        public var plan: PhaseTime
    }
}
