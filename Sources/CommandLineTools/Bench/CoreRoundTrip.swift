// How far apart the cores running two threads are: a cache line's round
// trip between the calling thread and a second thread, which
// `bench --compare-threads` measures between its timed blocks. On a guest
// whose vCPUs the host moves between cores, the two-thread speed-up follows
// it (Zen 5 guest, 2 vCPUs, EfficientNet-B0 float32: 2.78–2.87 ms on two
// threads at 92–136 ns a round trip, 3.98 ms at 396–413 ns; one thread
// 4.9–5.2 ms either way).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Median nanoseconds of a cache line's round trip between the calling
/// thread and a thread started for the measurement (`trips` round trips in
/// blocks of 64), or nil where threads or atomics are unavailable. The
/// second thread exits when done, so it never spins beside timed invokes.
func coreRoundTripNanoseconds(trips: Int = 4096) -> Double? {
    guard #available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *) else { return nil }
    return CoreRoundTrip(trips: trips).measure()
}

@available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *)
private final class CoreRoundTrip: @unchecked Sendable {
    /// Odd: the caller's turn has been sent; even: answered. -1: stop.
    let flag = Atomic<Int>(0)
    let trips: Int

    init(trips: Int) { self.trips = max(trips, 64) }

    func measure() -> Double? {
        let context = Unmanaged.passRetained(self).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let started = pthread_create(&thread, nil, { raw in
            #if canImport(Darwin)
            let measurement = Unmanaged<CoreRoundTrip>.fromOpaque(raw).takeRetainedValue()
            #else
            guard let raw else { return nil }
            let measurement = Unmanaged<CoreRoundTrip>.fromOpaque(raw).takeRetainedValue()
            #endif
            measurement.answer()
            return nil
        }, context)
        guard started == 0 else {
            Unmanaged<CoreRoundTrip>.fromOpaque(context).release()
            return nil
        }
        // The first trip waits for the thread to start.
        flag.store(1, ordering: .releasing)
        Self.wait { flag.load(ordering: .acquiring) == 2 }
        var blocks: [Double] = []
        var value = 2
        for _ in 0..<(trips / 64) {
            let start = now()
            for _ in 0..<64 {
                flag.store(value &+ 1, ordering: .releasing)
                let answer = value &+ 2
                Self.wait { flag.load(ordering: .acquiring) == answer }
                value &+= 2
            }
            blocks.append(Double(now() - start) / 64)
        }
        flag.store(-1, ordering: .releasing)
        #if canImport(Darwin)
        if let thread { pthread_join(thread, nil) }
        #else
        pthread_join(thread, nil)
        #endif
        return Statistics(blocks).median
    }

    /// Answers each odd value with the next even one until told to stop.
    private func answer() {
        var spins = 0
        while true {
            let value = flag.load(ordering: .acquiring)
            if value < 0 { return }
            if value & 1 == 1 {
                flag.store(value &+ 1, ordering: .releasing)
                spins = 0
            } else {
                spins &+= 1
                if spins & 1023 == 0 { sched_yield() }
            }
        }
    }

    /// Spins until `done`, yielding every 1,024 tries (on one CPU the other
    /// thread then gets to answer).
    @inline(__always)
    private static func wait(_ done: () -> Bool) {
        var spins = 0
        while !done() {
            spins &+= 1
            if spins & 1023 == 0 { sched_yield() }
        }
    }
}
