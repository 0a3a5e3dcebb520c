#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Requests that arrive on a fixed schedule, as a camera's frames do
/// (`infer --auto DIR --serve N --arrive-every T`): the server sleeps until
/// the next frame is due and learns how late it got to it, which is part of
/// the latency its user sees. A thread that shares its core with a CPU-bound
/// process wakes when its frame is due but runs only when the scheduler gives
/// it the core back, so that wait shows up here (and, through
/// ``AdaptiveRunner/predict(_:waited:)``, as contention). A frame that
/// arrives while the previous one is still being served waits; when several
/// have arrived meanwhile, the newest is served and the older ones are
/// dropped (and counted), so a slow model does not build a backlog.
struct ArrivalSchedule {
    /// Time between two arrivals.
    let every: Duration
    /// Frames dropped because a newer one had arrived by the time the server was free.
    private(set) var dropped = 0
    private let clock = ContinuousClock()
    private var due: ContinuousClock.Instant?

    /// How long before a frame is due the thread stops sleeping and watches
    /// the clock instead: Linux wakes a sleeping thread up to 50 µs late by
    /// default (its timer slack), which would otherwise count as waiting.
    static let spinMargin = Duration.microseconds(150)

    init(every: Duration) { self.every = every }

    /// Waits for the next frame and returns how long after its arrival the
    /// server got to it (zero for the first frame, which arrives now).
    mutating func waitForNext() -> Duration {
        let now = clock.now
        guard var next = due else {
            due = now + every
            return .zero
        }
        if now >= next {
            // Frames arrived while the previous one was served: serve the newest, drop the others.
            let behind = (now - next) / every
            let skipped = behind.isFinite && behind < 1e9 ? Int(behind) : 0
            dropped += skipped
            next += every * skipped
        } else {
            let sleep = next - now - Self.spinMargin
            if sleep > .zero {
                let c = sleep.components
                var pause = timespec(tv_sec: Int(c.seconds), tv_nsec: Int(c.attoseconds / 1_000_000_000))
                nanosleep(&pause, nil)
            }
            while clock.now < next {}
        }
        due = next + every
        return max(clock.now - next, .zero)
    }
}
