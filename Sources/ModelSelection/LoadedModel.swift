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
    /// Runs `body` once and returns its wall time and, where known, the
    /// calling thread's CPU time over it (their ratio shows how long the
    /// thread waited for a core). The default reports no CPU time.
    func measureWithCPUTime(_ candidate: ModelCandidate, _ body: () throws -> Void) throws -> (wall: Duration, cpu: Duration?)
}

extension LatencyTimer {
    public func measureWithCPUTime(_ candidate: ModelCandidate, _ body: () throws -> Void) throws -> (wall: Duration, cpu: Duration?) {
        (try measure(candidate, body), nil)
    }
}

/// The real timer: `ContinuousClock`, and the thread's CPU clock.
public struct ContinuousClockTimer: LatencyTimer {
    /// The timer of real runs.
    public init() {}
    public func measure(_ candidate: ModelCandidate, _ body: () throws -> Void) throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        return clock.now - start
    }

    public func measureWithCPUTime(_ candidate: ModelCandidate, _ body: () throws -> Void) throws -> (wall: Duration, cpu: Duration?) {
        let (cpu, wall) = try ProcessResources.measureCPUAndWall(body)
        return (wall, cpu.map { .nanoseconds(Int64(clamping: $0)) })
    }
}

/// A loaded, ready-to-run model of some task, as `ModelSelector` and
/// `AdaptiveRunner` see it: what it was loaded from, how much arena it uses,
/// and how to run it on one input. A model family (e.g. the digit models in
/// `Digits/`) conforms once; selection and adaptation then work unchanged.
public protocol SelectableModel: AnyObject {
    /// What one request passes in (an image, a text, a tensor...).
    associatedtype Input
    /// The catalog entry it was loaded from.
    var candidate: ModelCandidate { get }
    /// Bytes of its tensor arena.
    var arenaBytes: Int { get }
    /// An input to warm the model up and time it with when no real request
    /// is at hand (e.g. a blank image).
    var probeInput: Input { get }
    /// Runs the model on `input` and returns its output scores (for a
    /// classifier: one per class). Not thread-safe: callers serialise.
    func scores(for input: Input) throws -> [Float]
}

/// Loads candidates into models of one family. Injectable so tests can
/// simulate models that fail to load.
public protocol ModelLoading: Sendable {
    /// The loaded model type.
    associatedtype Model: SelectableModel
    /// Loads and prepares the candidate's model to run on `threads` threads; throws when it cannot.
    func load(_ candidate: ModelCandidate, threads: Int) throws -> Model
}

/// The answer to one request.
public struct Prediction: Sendable, Equatable {
    /// The index of the highest score (for a classifier: the predicted class;
    /// the first one on ties, 0 when there are no scores).
    public let bestIndex: Int
    /// The model's output scores.
    public let scores: [Float]
    /// The model that answered.
    public let modelName: String
    /// How long the request took: the model's run as measured by the
    /// runner's timer, plus the time the request had waited before it
    /// (``AdaptiveRunner/predict(_:waited:)``).
    public let latency: Duration
    /// The calling thread's CPU time over the request, when the timer reports
    /// it (``latency`` minus this is how long the request waited: for a core, or before it reached the runner).
    public let cpuTime: Duration?

    /// An answer; ``bestIndex`` is computed from `scores`.
    public init(scores: [Float], modelName: String, latency: Duration, cpuTime: Duration? = nil) {
        self.bestIndex = Prediction.bestIndex(of: scores)
        self.scores = scores
        self.modelName = modelName
        self.latency = latency
        self.cpuTime = cpuTime
    }

    /// The index of the highest of `scores` (the first on ties, 0 if empty).
    public static func bestIndex(of scores: [Float]) -> Int {
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }
        return best
    }
}
