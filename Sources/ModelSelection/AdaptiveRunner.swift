import TFLiteEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch

/// Memory pressure as reported by the platform (or a test).
public enum MemoryPressure: Int, Sendable, Comparable {
    /// No pressure: the runner moves as latency allows.
    case normal
    /// Memory is getting short: the runner does not move to a larger model.
    case warning
    /// Memory is nearly exhausted: the runner moves one model down at once.
    case critical
    /// Orders the levels: `.normal` < `.warning` < `.critical`.
    public static func < (a: MemoryPressure, b: MemoryPressure) -> Bool { a.rawValue < b.rawValue }
}

/// Reports the current memory pressure. Injectable; the default says `.normal`.
public protocol MemoryPressureSource: Sendable {
    /// The memory pressure now.
    func currentPressure() -> MemoryPressure
}

/// Always `.normal` (platforms without a pressure signal).
public struct NoMemoryPressure: MemoryPressureSource {
    /// A source that never reports pressure.
    public init() {}
    /// Always `.normal`.
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
    /// Misses among the last ``window`` requests that make the runner move down.
    public var missesToDowngrade: Int
    /// Move to a larger model when the last `headroomRuns` requests all took
    /// less than `headroomFraction` × budget (and the larger one is predicted to fit).
    public var headroomRuns: Int
    /// The fraction of the budget every one of the last ``headroomRuns`` requests must stay under to move up.
    public var headroomFraction: Double
    /// Requests after a switch during which no other switch happens
    /// (hysteresis; the window restarts with the new model).
    public var cooldownRuns: Int
    /// A model that was left because it was too slow is not tried again for
    /// this many requests (prevents flapping between two models).
    public var upgradeBackoffRuns: Int
    /// Move down when the most recent requests took at least this many
    /// times their CPU time (the thread waited for a core), two of them
    /// missed the budget, and the current model's CPU time × that stretch
    /// exceeds the budget.
    public var contentionToDowngrade: Double
    /// Also move down while the thread waits for a core (the stretch is at
    /// least ``contentionToDowngrade``) when this many of the current model's
    /// last ``contentionMissWindow`` requests missed the budget, even if its
    /// CPU time × the stretch is within it: the budget is held for most
    /// requests (here 17 of 20), not only on average.
    public var contentionMisses: Int
    /// Requests over which ``contentionMisses`` are counted.
    public var contentionMissWindow: Int
    /// CPU time of the most recent requests over which that stretch is taken
    /// (at least ``window`` requests): two of the scheduler's time slices
    /// (about 4 ms each on Linux), so a shared core shows within two waits
    /// while a single preemption does not make a move.
    public var contentionHorizon: Duration
    /// CPU time of the recent requests whose stretch a move up must also
    /// allow: a shared core lets short requests through at full speed for a
    /// slice at a time, so the short horizon alone would see the contention
    /// come and go and the runner would flap while it lasts.
    public var upgradeContentionHorizon: Duration
    /// Move up only if the larger model's expected latency (see
    /// `AdaptiveRunner`) is within this fraction of the budget, so that it
    /// does not start right at the edge.
    public var upgradeFitFraction: Double

    /// A policy for `latencyBudget`; every other parameter has a default (see each property).
    public init(latencyBudget: Duration, window: Int = 10, missesToDowngrade: Int = 6, headroomRuns: Int = 20,
                headroomFraction: Double = 0.5, cooldownRuns: Int = 10, upgradeBackoffRuns: Int = 200,
                upgradeFitFraction: Double = 0.8, contentionToDowngrade: Double = 1.25,
                contentionHorizon: Duration = .milliseconds(8), upgradeContentionHorizon: Duration = .milliseconds(80),
                contentionMisses: Int = 3, contentionMissWindow: Int = 20) {
        self.contentionMissWindow = max(1, contentionMissWindow)
        self.contentionMisses = min(max(1, contentionMisses), max(1, contentionMissWindow))
        self.contentionHorizon = contentionHorizon
        self.upgradeContentionHorizon = max(upgradeContentionHorizon, contentionHorizon)
        self.contentionToDowngrade = max(1, contentionToDowngrade)
        self.upgradeFitFraction = min(max(upgradeFitFraction, 0.05), 1)
        self.latencyBudget = latencyBudget
        self.window = max(1, window)
        self.missesToDowngrade = min(max(1, missesToDowngrade), max(1, window))
        self.headroomRuns = max(1, headroomRuns)
        self.headroomFraction = headroomFraction
        self.cooldownRuns = max(0, cooldownRuns)
        self.upgradeBackoffRuns = max(0, upgradeBackoffRuns)
    }
}

/// One switch the runner made (or tried).
public struct SwitchEvent: Sendable, Equatable, CustomStringConvertible {
    /// The request (1-based count of requests served) whose statistics triggered it.
    public let request: Int
    /// Name of the model the runner was using.
    public let from: String
    /// Name of the model it moved (or tried to move) to.
    public let to: String
    /// Why, in words.
    public let reason: String
    /// True when the target failed to load and the runner stayed.
    public let failed: Bool
    /// Predicted cost of loading the target and warming it up (nil without a calibration).
    public let predictedStartup: Duration?

    /// `from -> to: reason`, or `from -> to failed (reason); staying`.
    public var description: String {
        failed ? "\(from) -> \(to) failed (\(reason)); staying" : "\(from) -> \(to): \(reason)"
    }
}

/// Runs requests on a ladder of models of the same task (any family: the
/// loader decides what a model and its input are) and moves between them as
/// the device's observed speed and memory pressure change.
///
/// - The ladder is the candidates ordered from smallest (least predicted
///   latency) to largest, keeping only models more accurate than every
///   faster one (moving up must buy accuracy), plus the start model. Start
///   wherever the caller says (usually the model `ModelSelector` chose).
/// - Every request records its latency; the median of the last `window`
///   latencies over the current model's prediction is its observed ratio
///   (`slowdown`). The **contention** is the wall time of the most recent
///   requests (`contentionHorizon`, 8 ms, of CPU time and at least `window`
///   requests: two of the scheduler's time slices) over their CPU time
///   when the timer reports CPU time (2 = the thread had a core half of the
///   time), else the current ratio over the model's own baseline. A model's
///   baseline is what its prediction misses even without contention (e.g.
///   the per-request work around the invoke): the median of its windows'
///   median CPU time ÷ prediction (without CPU times, the lowest latency ÷
///   prediction it has shown).
/// - Down: if `missesToDowngrade` of the last `window` requests missed the
///   budget, or the most recent requests (`contentionHorizon` of CPU time) took at least
///   `contentionToDowngrade` (1.25) times their CPU time (the thread waited for a
///   core: short requests on a shared core mostly run at full speed and now
///   and then wait a whole time slice, so the median hardly moves while the
///   throughput halves), two of those requests missed, and the current
///   model's CPU time × that stretch exceeds the budget, the runner moves
///   down to the nearest smaller model expected to fit (else the smallest);
///   when memory pressure is `.critical`, one step down immediately, ignoring
///   the cooldown.
/// - Up: if the last `headroomRuns` requests all took under
///   `headroomFraction` × budget and pressure is `.normal`, it moves up to the
///   nearest larger (more accurate) model whose expected latency — its
///   prediction × its own baseline ratio (1 if it has not run yet) × the
///   contention, the larger of the stretches over `contentionHorizon` and
///   over `upgradeContentionHorizon` (80 ms of CPU time: between two waits
///   for a core, the short horizon sees none) — is within
///   `upgradeFitFraction` of the budget, skipping
///   models that do not fit (and models not more accurate than the current
///   one); a model left for slowness within `upgradeBackoffRuns` requests
///   (doubled each further time) stops the search. The
///   back-off is lifted early, once, when the switch down was caused by
///   contention: the contention (without CPU times: the model below's ratio)
///   has fallen by 30% since right after the switch, or (with CPU times) to
///   1.25 — the load that pushed the larger model out is gone. From the
///   second time a model is pushed out, only the absolute test counts (with
///   CPU times: 1.25 over the longer horizon): under heavy load the stretch
///   swings by more than 30% between horizons. (A model that
///   is simply slower than predicted leaves the contention where it was, and
///   waits out its back-off.) A model pushed out by the contention rule
///   (CPU times) waits for exactly that, however many requests it takes:
///   between two waits for a core, short requests outlast any count.
/// - After a switch: `cooldownRuns` requests without another switch, and the
///   window restarts (hysteresis).
/// - The new model is loaded, allocated and warmed up (on its `probeInput`)
///   before it replaces the old one; until then the old one answers. A model
///   that fails to load is skipped (marked unusable) and the old one stays.
/// - `predict(_:waited:)` is thread-safe: requests are serialised by a lock (an
///   interpreter runs one inference at a time).
public final class AdaptiveRunner<Loader: ModelLoading>: @unchecked Sendable {
    /// The loaded model type of the loader's family.
    public typealias Model = Loader.Model
    /// The models the runner moves between, smallest (fastest) first.
    public let ladder: [ModelCandidate]
    /// Predicted latency of each ladder model.
    public let predictedLatencies: [Duration]
    /// When the runner moves.
    public let policy: AdaptationPolicy
    private let loader: Loader
    private let timer: LatencyTimer
    private let pressure: MemoryPressureSource
    private let preparation: SwitchPreparation
    private let threads: Int
    private let predictedStartups: [Duration?]

    private let lock = DispatchQueue(label: "AdaptiveRunner.state")
    private var current: Model
    private var currentIndex: Int
    private var recent: [Bool] = []          // true = missed the budget
    /// Misses of the current model's last `contentionMissWindow` requests.
    private var tail: [Bool] = []
    private var recentLatencies: [Duration] = []
    /// Wall and CPU time of the recent requests, for the stretches over the horizons.
    private var horizon = RequestHorizon()
    private var fastStreak = 0
    private var cooldown = 0
    private var requestCount = 0
    private var switching = false
    private var unusable: Set<Int> = []
    /// Ladder index → when it was last left for slowness, how often, and the
    /// slowdown of the model below it over its first window after the switch.
    /// `forContention`: the move down was the contention rule's (the thread waited for a core).
    private var leftForSlowness: [Int: (at: Int, strikes: Int, belowSlowdown: Double?, forContention: Bool)] = [:]
    /// The model left for slowness whose `belowSlowdown` is being measured.
    private var measuringBelowFor: Int?
    private var events: [SwitchEvent] = []
    /// Ladder index → the model's own ratios (median CPU time ÷ prediction, or
    /// median latency ÷ prediction without CPU times) of its recent full windows.
    private var baselineSamples: [Int: [Double]] = [:]
    /// Ladder index → its baseline: the median of its samples.
    private var baselineRatio: [Int: Double] = [:]

    /// Creates the runner with the ladder built from `candidates` (any order;
    /// sorted by `costModel`'s predicted latency on `profile`, dominated
    /// models dropped) and loads `start` (or the smallest model if nil).
    public init(candidates: [ModelCandidate], profile: DeviceProfile, policy: AdaptationPolicy, start: String? = nil,
                costModel: CostModel = CostModel(), loader: Loader,
                timer: LatencyTimer = ContinuousClockTimer(), pressure: MemoryPressureSource = SystemMemoryPressure(),
                preparation: SwitchPreparation = .inline, threads: Int = 1) throws {
        guard !candidates.isEmpty else { throw ModelSelectionError.noCandidates }
        let predicted = Dictionary(candidates.map { ($0.name, costModel.predictLatency($0, profile: profile, threads: threads)) },
                                   uniquingKeysWith: { a, _ in a })
        let sorted = AdaptiveRunner.ladder(candidates, predicted: predicted, keeping: start)
        ladder = sorted
        predictedLatencies = sorted.map { predicted[$0.name] ?? .zero }
        predictedStartups = sorted.map { costModel.predictStartup($0, profile: profile) }
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

    /// The ladder: by predicted latency (ties: less accurate first), each
    /// model more accurate than every faster one, plus `keeping` wherever it falls.
    static func ladder(_ candidates: [ModelCandidate], predicted: [String: Duration], keeping: String?) -> [ModelCandidate] {
        let sorted = candidates.sorted { a, b in
            let pa = predicted[a.name] ?? .zero, pb = predicted[b.name] ?? .zero
            return pa != pb ? pa < pb : a.accuracy < b.accuracy
        }
        var best = -Double.infinity
        return sorted.filter { c in
            defer { best = max(best, c.accuracy) }
            return c.accuracy > best || c.name == keeping
        }
    }

    /// The model answering requests now.
    public var currentModelName: String { lock.sync { current.candidate.name } }

    /// Switches made so far, oldest first ("a -> b: reason").
    public var switchLog: [String] { lock.sync { events.map(\.description) } }

    /// Switches made so far, oldest first.
    public var switchEvents: [SwitchEvent] { lock.sync { events } }

    /// Median of the recent latencies over the current model's prediction
    /// (1 = as predicted; 2 = twice as slow, e.g. another process on the
    /// cores); nil before any request on this model.
    public var slowdown: Double? { lock.sync { currentSlowdown() } }

    /// The current model's ratio over its own baseline (see the type's
    /// documentation): 1 when it runs as fast as it ever did here, 2 when it
    /// takes twice as long (another process on the cores); nil before a full window.
    public var contention: Double? {
        lock.sync {
            if let stretch = currentStretch() { return stretch }
            guard let ratio = currentSlowdown(), let base = baselineRatio[currentIndex], base > 0 else { return nil }
            return max(1, ratio / base)
        }
    }

    /// Runs the current model on `input`, then decides whether to switch.
    ///
    /// `waited` is how long the request had already waited when it reached
    /// the runner (a stream's frame that arrived while the thread slept or
    /// waited for a core): it counts toward the request's latency (what the
    /// caller sees, and what is held against the budget) but not toward its
    /// CPU time, so a thread that keeps waking late shows as contention.
    public func predict(_ input: Model.Input, waited: Duration = .zero) throws -> Prediction {
        let (result, decision): (Prediction, (target: Int, reason: String, request: Int)?) = try lock.sync {
            let model = current
            var scores: [Float] = []
            let (ran, cpu) = try timer.measureWithCPUTime(model.candidate) { scores = try model.scores(for: input) }
            // Waits beyond an hour count as an hour (a Duration sum near its maximum would trap).
            let latency = ran + min(max(waited, .zero), .seconds(3600))
            let result = Prediction(scores: scores, modelName: model.candidate.name, latency: latency, cpuTime: cpu)
            let decision = record(latency: latency, cpu: cpu).map { ($0.0, $0.1, requestCount) }
            if decision != nil { switching = true }
            return (result, decision)
        }
        if let (target, reason, request) = decision {
            switch preparation {
            case .inline:
                prepareAndSwap(to: target, reason: reason, request: request)
            case let .background(queue):
                queue.async { self.prepareAndSwap(to: target, reason: reason, request: request) }
            }
        }
        return result
    }

    /// Called on `lock`.
    private func currentSlowdown() -> Double? {
        let predicted = Benchmarks.seconds(predictedLatencies[currentIndex])
        guard predicted > 0, let m = median(recentLatencies.map { Benchmarks.seconds($0) }) else { return nil }
        return m / predicted
    }

    /// Updates the statistics with one observation; returns a switch to make, if any. Called on `lock`.
    /// Wall time over CPU time of the most recent requests that add up to
    /// `contentionHorizon` of CPU time (2 = the thread had a core half of the
    /// time), nil when the timer gives no CPU time or before the horizon is full.
    private func currentStretch() -> Double? { stretch(over: policy.contentionHorizon)?.stretch }

    /// The stretch over the most recent requests that add up to `horizon` of CPU time and at
    /// least `window` requests, with how many of them missed the budget; when `partial`, over
    /// all the requests kept if they do not fill the horizon (but do fill `contentionHorizon`).
    private func stretch(over horizon: Duration, partial: Bool = false) -> (stretch: Double, misses: Int, requests: Int)? {
        self.horizon.stretch(over: Benchmarks.seconds(horizon), atLeast: policy.window,
                             orAll: partial ? Benchmarks.seconds(policy.contentionHorizon) : nil)
    }

    /// How much slower than usual requests run now: the stretch of wall time
    /// over CPU time when the timer reports CPU time, else the current
    /// model's ratio over its own baseline. Called on `lock`.
    private func currentContention(stretch: Double?) -> Double {
        if let stretch { return stretch }
        let ratio = currentSlowdown() ?? 1
        return max(1, ratio / (baselineRatio[currentIndex] ?? ratio))
    }

    /// The latency expected of ladder model `index` now. Called on `lock`.
    private func expectedLatency(_ index: Int, contention: Double) -> Double {
        Benchmarks.seconds(predictedLatencies[index]) * (baselineRatio[index] ?? 1) * contention
    }

    private func record(latency: Duration, cpu: Duration?) -> (Int, String)? {
        requestCount += 1
        let missed = latency > policy.latencyBudget
        recent.append(missed)
        if recent.count > policy.window { recent.removeFirst(recent.count - policy.window) }
        tail.append(missed)
        if tail.count > policy.contentionMissWindow { tail.removeFirst(tail.count - policy.contentionMissWindow) }
        recentLatencies.append(latency)
        if recentLatencies.count > policy.window { recentLatencies.removeFirst(recentLatencies.count - policy.window) }
        horizon.append(wall: Benchmarks.seconds(latency), cpu: cpu.map { Benchmarks.seconds($0) }, missed: missed)
        // The stretch over the short horizon, read once per request.
        let short = stretch(over: policy.contentionHorizon)
        if !switching, recentLatencies.count == policy.window, let ratio = currentSlowdown() {
            // The baseline is the model's own ratio without contention: its CPU time when known.
            let predicted = Benchmarks.seconds(predictedLatencies[currentIndex])
            let cpu = horizon.recentCPU(policy.window)
            var own = ratio
            if predicted > 0, cpu.count == policy.window, cpu.allSatisfy({ $0 != nil }), let m = median(cpu.compactMap { $0 }) {
                own = m / predicted
            }
            var samples = baselineSamples[currentIndex] ?? []
            samples.append(own)
            if samples.count > 50 { samples.removeFirst(samples.count - 50) }
            baselineSamples[currentIndex] = samples
            // Without CPU times the ratio includes contention: the lowest seen is the best guess.
            baselineRatio[currentIndex] = own == ratio && short == nil ? min(baselineRatio[currentIndex] ?? own, own)
                : median(samples)
        }
        if let left = measuringBelowFor, !switching {
            // With CPU times, the stretch once its horizon is full; without, the ratio once the window is.
            let knowsCPU = horizon.count > 0 && horizon.allKnowCPU
            if knowsCPU, let stretch = short?.stretch {
                leftForSlowness[left]?.belowSlowdown = stretch
                measuringBelowFor = nil
            } else if !knowsCPU, recentLatencies.count == policy.window {
                leftForSlowness[left]?.belowSlowdown = currentSlowdown()
                measuringBelowFor = nil
            }
        }
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
        let slowdown = currentSlowdown()
        let contention = currentContention(stretch: short?.stretch)
        let budget = Benchmarks.seconds(policy.latencyBudget)
        // Contention seen through CPU time: short requests on a shared core mostly run at full
        // speed and now and then wait a whole time slice, so misses come in bursts while the
        // core is half gone; the stretch of wall over CPU time shows it within one window.
        // (misses, requests) of the horizon when it makes the move.
        // Either the model's CPU time × the stretch exceeds the budget (it misses on average), or
        // enough of its recent requests missed (it misses too often).
        var stretched: (misses: Int, requests: Int)?
        if let (stretch, horizonMisses, requests) = short, stretch >= policy.contentionToDowngrade {
            let tailMisses = tail.filter { $0 }.count
            if horizonMisses >= 2, let cpuMedian = median(horizon.recentCPU(policy.window).compactMap { $0 }),
               cpuMedian * stretch > budget {
                stretched = (horizonMisses, requests)
            } else if tailMisses >= policy.contentionMisses {
                stretched = (tailMisses, tail.count)
            }
        }
        if misses >= policy.missesToDowngrade || stretched != nil, let firstBelow = usable(below: currentIndex) {
            // The nearest smaller model expected to fit, else the smallest.
            var down = firstBelow
            var probe: Int? = firstBelow
            while let i = probe, expectedLatency(i, contention: contention) > budget {
                down = i
                probe = usable(below: i)
            }
            if let i = probe { down = i }
            let strikes = (leftForSlowness[currentIndex]?.strikes ?? 0) + 1
            leftForSlowness[currentIndex] = (requestCount, strikes, nil, stretched != nil)
            // Without CPU times, a model left before it filled a window leaves what it showed as its
            // baseline. (With CPU times its first requests, cold, would make a poor baseline: its
            // prediction × the contention stands in until it runs a full window.)
            if baselineRatio[currentIndex] == nil, let ratio = slowdown, horizon.lastKnowsCPU != true {
                baselineSamples[currentIndex] = [ratio]
                baselineRatio[currentIndex] = ratio
            }
            measuringBelowFor = currentIndex
            let (missed, of) = misses >= policy.missesToDowngrade ? (misses, recent.count) : stretched ?? (misses, recent.count)
            var reason = "\(missed) of the last \(of) requests missed the \(milliseconds(policy.latencyBudget)) budget"
            if let m = median(recentLatencies.map { Benchmarks.seconds($0) }) {
                reason += " (median \(milliseconds(.nanoseconds(Int64(m * 1e9))))"
                if let slowdown { reason += ", \(formatFactor((slowdown * 100).rounded() / 100))× the prediction" }
                reason += ")"
            }
            if let stretch = short?.stretch, stretch >= 1.1 {
                reason += "; the thread had a core \(Int((100 / stretch).rounded()))% of the time (contention \(formatFactor((stretch * 100).rounded() / 100))×)"
            }
            return (down, reason)
        }
        if memory == .normal, fastStreak >= policy.headroomRuns {
            // The nearest larger, more accurate model that is expected to fit; a model backing off
            // stops the search (nothing beyond it is tried before it). The contention must also
            // have gone over the longer horizon, or the runner would move up between two waits.
            let longStretch = stretch(over: policy.upgradeContentionHorizon, partial: true)?.stretch
            let contention = max(contention, longStretch ?? 1)
            var candidate = usable(above: currentIndex)
            while let up = candidate {
                defer { candidate = usable(above: up) }
                guard ladder[up].accuracy > ladder[currentIndex].accuracy else { continue }
                let expected = expectedLatency(up, contention: contention)
                guard expected <= budget * policy.upgradeFitFraction else { continue }
                var lifted = false
                if let left = leftForSlowness[up] {
                    let backoff = policy.upgradeBackoffRuns << min(left.strikes - 1, 20)
                    // Contention slows every model: the one below was slow too right after the switch
                    // and is much faster now. (A model that is simply slower than predicted leaves the
                    // one below as fast as before, and waits out its back-off.) With CPU times the
                    // stretch says it directly: 1.25 or less is a core nearly to itself.
                    // A model pushed out more than once waits for the core to be nearly free (1.25): under
                    // heavy load the stretch swings by more than 30% from one horizon to the next, and a
                    // relative fall would let it flap between two models for as long as the load lasts.
                    var contentionGone = false
                    if left.strikes == 1 || left.forContention, let below = left.belowSlowdown {
                        if let longStretch { contentionGone = longStretch <= (left.strikes == 1 ? max(below * 0.7, 1.25) : 1.25) }
                        else if let slowdown { contentionGone = slowdown <= below * 0.7 }
                    }
                    // A model pushed out by contention comes back when the contention is gone, however
                    // many requests that takes: short requests would outlast any count between two waits.
                    if left.forContention && !contentionGone { return nil }
                    if requestCount - left.at < backoff && !contentionGone { return nil }
                    lifted = contentionGone && requestCount - left.at < backoff
                }
                var reason = "the last \(fastStreak) requests took under \(Int(policy.headroomFraction * 100))% of the budget"
                reason += "; \(ladder[up].name) expected at \(milliseconds(.nanoseconds(Int64(expected * 1e9))))"
                if contention > 1.05 { reason += " (contention \(formatFactor((contention * 100).rounded() / 100))×)" }
                if lifted { reason += " (the contention that pushed it out is gone)" }
                return (up, reason)
            }
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
    private func prepareAndSwap(to target: Int, reason: String, request: Int) {
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
                measuringBelowFor = nil
                events.append(SwitchEvent(request: request, from: current.candidate.name, to: candidate.name, reason: "\(error)",
                                          failed: true, predictedStartup: predictedStartups[target]))
                switching = false
            }
            return
        }
        lock.sync {
            if let prepared {
                events.append(SwitchEvent(request: request, from: current.candidate.name, to: candidate.name, reason: reason,
                                          failed: false, predictedStartup: predictedStartups[target]))
                current = prepared
                currentIndex = target
            }
            recent.removeAll()
            tail.removeAll()
            recentLatencies.removeAll()
            // The wall/CPU horizon is kept: how much of a core the thread gets does not depend on the model.
            fastStreak = 0
            cooldown = policy.cooldownRuns
            switching = false
        }
    }
}

/// Wall time, CPU time and budget misses of the recent requests as running
/// sums, so the stretch over the most recent requests that add up to a
/// horizon of CPU time takes a binary search, not a walk over thousands of
/// requests (requests of 0.01 ms need 8,000 for 80 ms).
struct RequestHorizon {
    /// Sums over the first k entries kept (index 0: nothing); entries without CPU time add 0 CPU and 1 unknown.
    private var cpuSums: [Double] = [0]
    private var wallSums: [Double] = [0]
    private var missSums: [Int] = [0]
    private var unknownSums: [Int] = [0]
    /// Entries kept (at most 8,192; trimmed to the newest 4,096).
    var count: Int { cpuSums.count - 1 }

    mutating func append(wall: Double, cpu: Double?, missed: Bool) {
        let n = count
        cpuSums.append(cpuSums[n] + (cpu ?? 0))
        wallSums.append(wallSums[n] + wall)
        missSums.append(missSums[n] + (missed ? 1 : 0))
        unknownSums.append(unknownSums[n] + (cpu == nil ? 1 : 0))
        if count > 8192 {
            // Differences of the sums stay valid with the oldest entries dropped.
            let drop = count - 4096
            cpuSums.removeFirst(drop)
            wallSums.removeFirst(drop)
            missSums.removeFirst(drop)
            unknownSums.removeFirst(drop)
        }
    }

    /// CPU times of the last `n` requests (nil where the timer gave none), oldest first.
    func recentCPU(_ n: Int) -> [Double?] {
        (max(0, count - n)..<count).map { i in unknownSums[i + 1] > unknownSums[i] ? nil : cpuSums[i + 1] - cpuSums[i] }
    }
    /// Whether every entry kept has a CPU time.
    var allKnowCPU: Bool { unknownSums[count] == unknownSums[0] }
    /// Whether the newest entry has a CPU time (nil when there is none).
    var lastKnowsCPU: Bool? { count > 0 ? unknownSums[count] == unknownSums[count - 1] : nil }

    /// Wall over CPU time (at least 1) of the most recent requests that add up to `horizon`
    /// seconds of CPU time and number at least `minimum`, with how many missed the budget and
    /// how many there are; when they do not fill the horizon, over all entries kept if those
    /// reach `orAll` seconds of CPU time (nil: no). Nil when an entry in the range has no CPU time.
    func stretch(over horizon: Double, atLeast minimum: Int, orAll: Double?) -> (stretch: Double, misses: Int, requests: Int)? {
        let n = count
        func cpu(last k: Int) -> Double { cpuSums[n] - cpuSums[n - k] }
        func result(_ k: Int) -> (stretch: Double, misses: Int, requests: Int)? {
            guard unknownSums[n] - unknownSums[n - k] == 0 else { return nil }
            let c = cpu(last: k)
            return c > 0 ? (max(1, (wallSums[n] - wallSums[n - k]) / c), missSums[n] - missSums[n - k], k) : nil
        }
        guard n >= max(1, minimum) else { return nil }
        if cpu(last: n) >= horizon {
            // The fewest most recent entries whose CPU time reaches the horizon.
            var low = 1, high = n
            while low < high {
                let mid = (low + high) / 2
                if cpu(last: mid) >= horizon { high = mid } else { low = mid + 1 }
            }
            return result(max(low, minimum))
        }
        if let orAll, cpu(last: n) >= orAll { return result(n) }
        return nil
    }
}
