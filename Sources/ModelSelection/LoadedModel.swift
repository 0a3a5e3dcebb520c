import TFLiteEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Measures how long a piece of work takes. Injectable so that selection and
/// switching logic can be tested with scripted latencies and no real timing.
public protocol LatencyTimer: Sendable {
    /// Runs `body` once and returns how long it took (for `candidate`).
    func measure(_ candidate: ModelCandidate, _ body: () throws -> Void) throws -> Duration
}

/// The real timer: `ContinuousClock`.
public struct ContinuousClockTimer: LatencyTimer {
    public init() {}
    public func measure(_ candidate: ModelCandidate, _ body: () throws -> Void) throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        return clock.now - start
    }
}
