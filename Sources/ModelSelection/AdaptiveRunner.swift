import TFLiteEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch

/// Memory pressure as reported by the platform (or a test).
public enum MemoryPressure: Int, Sendable, Comparable {
    case normal, warning, critical
    public static func < (a: MemoryPressure, b: MemoryPressure) -> Bool { a.rawValue < b.rawValue }
}

/// Reports the current memory pressure. Injectable; the default says `.normal`.
public protocol MemoryPressureSource: Sendable {
    func currentPressure() -> MemoryPressure
}

/// Always `.normal` (platforms without a pressure signal).
public struct NoMemoryPressure: MemoryPressureSource {
    public init() {}
    public func currentPressure() -> MemoryPressure { .normal }
}

/// Where a model switch is prepared (loaded and allocated).
public enum SwitchPreparation: Sendable {
    /// On the thread whose request triggered the switch, after its answer was
    /// computed and outside the lock, so other requests keep being served by
    /// the old model meanwhile (deterministic: used by tests).
    case inline
    /// On a background queue; requests are served by the old model until the
    /// new one is fully prepared, then it is swapped in under the lock.
    case background(DispatchQueue)
}

/// When to move between models. Counts are of requests, not of wall time.
public struct AdaptationPolicy: Sendable, Equatable {
    /// The latency every request should meet.
    public var latencyBudget: Duration
    /// Move to a smaller model when at least `missesToDowngrade` of the last
    /// `window` requests missed the budget.
    public var window: Int
    public var missesToDowngrade: Int
    /// Move to a larger model when the last `headroomRuns` requests all took
    /// less than `headroomFraction` × budget (and the larger one is predicted to fit).
    public var headroomRuns: Int
    public var headroomFraction: Double
    /// Requests after a switch during which no other switch happens
    /// (hysteresis; the window restarts with the new model).
    public var cooldownRuns: Int
    /// A model that was left because it was too slow is not tried again for
    /// this many requests (prevents flapping between two models).
    public var upgradeBackoffRuns: Int

    public init(latencyBudget: Duration, window: Int = 10, missesToDowngrade: Int = 6, headroomRuns: Int = 20,
                headroomFraction: Double = 0.5, cooldownRuns: Int = 10, upgradeBackoffRuns: Int = 200) {
        self.latencyBudget = latencyBudget
        self.window = max(1, window)
        self.missesToDowngrade = min(max(1, missesToDowngrade), max(1, window))
        self.headroomRuns = max(1, headroomRuns)
        self.headroomFraction = headroomFraction
        self.cooldownRuns = max(0, cooldownRuns)
        self.upgradeBackoffRuns = max(0, upgradeBackoffRuns)
    }
}

/// Runs requests on a ladder of models of the same task (any family: the
/// loader decides what a model and its input are) and moves between them as
/// the device's observed speed and memory pressure change.
///
/// - The ladder is the candidates ordered from smallest (least predicted
///   latency) to largest. Start wherever the caller says (usually the model
///   `ModelSelector` chose).
/// - Every request records its latency. If `missesToDowngrade` of the last
///   `window` requests missed the budget, or memory pressure is `.critical`,
///   the runner moves one step down (smaller). If the last `headroomRuns`
///   requests all took under `headroomFraction` × budget and pressure is
///   `.normal`, it moves one step up (larger and more accurate), unless that
///   model was left for slowness within `upgradeBackoffRuns` requests.
/// - After a switch: `cooldownRuns` requests without another switch, and the
///   window restarts (hysteresis).
/// - The new model is loaded, allocated and warmed up (on its `probeInput`)
///   before it replaces the old one; until then the old one answers. A model
///   that fails to load is skipped (marked unusable) and the old one stays.
/// - `predict(_:)` is thread-safe: requests are serialised by a lock (an
///   interpreter runs one inference at a time).
public final class AdaptiveRunner<Loader: ModelLoading>: @unchecked Sendable {
    public typealias Model = Loader.Model
    public let ladder: [ModelCandidate]
    public let policy: AdaptationPolicy
    private let loader: Loader
    private let timer: LatencyTimer
    private let pressure: MemoryPressureSource
    private let preparation: SwitchPreparation
    private let threads: Int

    private let lock = DispatchQueue(label: "AdaptiveRunner.state")
    private var current: Model
    private var currentIndex: Int
    private var recent: [Bool] = []          // true = missed the budget
    private var fastStreak = 0
    private var cooldown = 0
    private var requestCount = 0
    private var switching = false
    private var unusable: Set<Int> = []
    private var leftForSlownessAt: [Int: Int] = [:]
    private var log: [String] = []

    /// Creates the runner with the ladder `candidates` (any order; sorted by
    /// `costModel`'s predicted latency on `profile`) and loads `start` (or the
    /// smallest model if nil).
    public init(candidates: [ModelCandidate], profile: DeviceProfile, policy: AdaptationPolicy, start: String? = nil,
                costModel: CostModel = CostModel(), loader: Loader,
                timer: LatencyTimer = ContinuousClockTimer(), pressure: MemoryPressureSource = NoMemoryPressure(),
                preparation: SwitchPreparation = .inline, threads: Int = 1) throws {
        guard !candidates.isEmpty else { throw ModelSelectionError.noCandidates }
        let predicted = Dictionary(candidates.map { ($0.name, costModel.predictLatency($0, profile: profile, threads: threads)) },
                                   uniquingKeysWith: { a, _ in a })
        let sorted = candidates.sorted { a, b in
            let pa = predicted[a.name] ?? .zero, pb = predicted[b.name] ?? .zero
            return pa != pb ? pa < pb : a.accuracy < b.accuracy
        }
        ladder = sorted
        self.policy = policy
        self.loader = loader
        self.timer = timer
        self.pressure = pressure
        self.preparation = preparation
        self.threads = threads
        // Load the requested start, else walk down (then up) to one that loads.
        let wanted = start.flatMap { name in sorted.firstIndex { $0.name == name } } ?? 0
        let order = Array((0...wanted).reversed()) + Array((wanted + 1)..<sorted.count)
        var failures: [String] = []
        var failedIndices: Set<Int> = []
        var loaded: (Model, Int)?
        for i in order {
            do {
                loaded = (try loader.load(sorted[i], threads: threads), i)
                break
            } catch {
                failedIndices.insert(i)
                failures.append("\(sorted[i].name): \(error)")
            }
        }
        guard let (model, index) = loaded else { throw ModelSelectionError.noLoadableModel(failures) }
        current = model
        currentIndex = index
        unusable = failedIndices
    }

    /// The model answering requests now.
    public var currentModelName: String { lock.sync { current.candidate.name } }

    /// Switches made so far, oldest first ("a -> b: reason").
    public var switchLog: [String] { lock.sync { log } }

    /// Runs the current model on `input`, then decides whether to switch.
    public func predict(_ input: Model.Input) throws -> Prediction {
        let (result, decision): (Prediction, (target: Int, reason: String)?) = try lock.sync {
            let model = current
            var scores: [Float] = []
            let latency = try timer.measure(model.candidate) { scores = try model.scores(for: input) }
            let result = Prediction(scores: scores, modelName: model.candidate.name, latency: latency)
            let decision = record(latency: latency)
            if decision != nil { switching = true }
            return (result, decision)
        }
        if let (target, reason) = decision {
            switch preparation {
            case .inline:
                prepareAndSwap(to: target, reason: reason)
            case let .background(queue):
                queue.async { self.prepareAndSwap(to: target, reason: reason) }
            }
        }
        return result
    }

    /// Updates the statistics with one observation; returns a switch to make, if any. Called on `lock`.
    private func record(latency: Duration) -> (Int, String)? {
        requestCount += 1
        let missed = latency > policy.latencyBudget
        recent.append(missed)
        if recent.count > policy.window { recent.removeFirst(recent.count - policy.window) }
        fastStreak = latency < policy.latencyBudget * policy.headroomFraction ? fastStreak + 1 : 0
        if cooldown > 0 { cooldown -= 1 }
        guard !switching else { return nil }
        let memory = pressure.currentPressure()
        // Memory pressure overrides the cooldown.
        if memory == .critical, let down = usable(below: currentIndex) {
            return (down, "memory pressure critical")
        }
        guard cooldown == 0 else { return nil }
        let misses = recent.filter { $0 }.count
        if misses >= policy.missesToDowngrade, let down = usable(below: currentIndex) {
            leftForSlownessAt[currentIndex] = requestCount
            return (down, "\(misses) of the last \(recent.count) requests missed the \(milliseconds(policy.latencyBudget)) budget")
        }
        if memory == .normal, fastStreak >= policy.headroomRuns, let up = usable(above: currentIndex) {
            if let left = leftForSlownessAt[up], requestCount - left < policy.upgradeBackoffRuns { return nil }
            return (up, "the last \(fastStreak) requests took under \(Int(policy.headroomFraction * 100))% of the budget")
        }
        return nil
    }

    private func usable(below index: Int) -> Int? {
        stride(from: index - 1, through: 0, by: -1).first { !unusable.contains($0) }
    }

    private func usable(above index: Int) -> Int? {
        ((index + 1)..<ladder.count).first { !unusable.contains($0) }
    }

    /// Loads the target fully outside the lock, then swaps it in.
    private func prepareAndSwap(to target: Int, reason: String) {
        let candidate = ladder[target]
        let prepared: Model?
        do {
            let model = try loader.load(candidate, threads: threads)
            // Warm up so the first real request does not pay first-touch costs.
            _ = try model.scores(for: model.probeInput)
            prepared = model
        } catch {
            prepared = nil
            lock.sync {
                unusable.insert(target)
                log.append("\(current.candidate.name) -> \(candidate.name) failed (\(error)); staying")
                switching = false
            }
            return
        }
        lock.sync {
            if let prepared {
                log.append("\(current.candidate.name) -> \(candidate.name): \(reason)")
                current = prepared
                currentIndex = target
            }
            recent.removeAll()
            fastStreak = 0
            cooldown = policy.cooldownRuns
            switching = false
        }
    }
}
