import TFLiteEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the caller needs from the chosen model.
public struct SelectionConstraints: Sendable, Equatable {
    /// Longest acceptable time for one inference.
    public var latencyBudget: Duration
    /// Most memory the model may use (mapped file + arena + folded constants);
    /// nil means the profile's available memory (no limit if that is unknown).
    public var memoryBudgetBytes: Int?
    /// Least acceptable accuracy in [0, 1].
    public var minimumAccuracy: Double
    /// Threads the interpreter may use.
    public var threads: Int
    /// Timed invocations (after one warm-up) when confirming a choice; the median counts.
    public var confirmationRuns: Int
    /// A confirmed model may miss the budget by this fraction before the next is tried.
    public var latencyMargin: Double

    public init(latencyBudget: Duration, memoryBudgetBytes: Int? = nil, minimumAccuracy: Double = 0,
                threads: Int = 1, confirmationRuns: Int = 3, latencyMargin: Double = 0.2) {
        self.latencyBudget = latencyBudget
        self.memoryBudgetBytes = memoryBudgetBytes
        self.minimumAccuracy = minimumAccuracy
        self.threads = threads
        self.confirmationRuns = confirmationRuns
        self.latencyMargin = latencyMargin
    }
}

/// Predicts a candidate's latency and memory from its op mix and a `DeviceProfile`.
///
/// latency = 2·MACs_conv / (R · convEfficiency)
///         + 2·MACs_depthwise / (R · depthwiseEfficiency)
///         + MACs_elementwise · bytesPerElement · 3 / bandwidth
///         + opCount · perOperatorOverhead
/// where R is the profile's float32 or int8 throughput for `threads` threads
/// (int8 models use the int8 rate). The efficiencies say how close the
/// engine's kernels get to the micro-benchmark (calibrate with `calibrated`).
///
/// memory = file bytes (mapped) + arena bytes (0 if unknown) + folded
/// constants (float16 weights become float32 at load: 4 bytes per parameter).
public struct CostModel: Sendable, Equatable {
    public var convEfficiency: Double
    public var depthwiseEfficiency: Double
    public var perOperatorOverhead: Duration

    /// Defaults fitted to this engine's float32 kernels (release build, before
    /// the fast-kernel work): small CNN, VGG-style and MobileNetV2-style digit
    /// models measured 0.41, 3.9 and 3.1 ms on the reference device.
    public init(convEfficiency: Double = 0.1, depthwiseEfficiency: Double = 0.035,
                perOperatorOverhead: Duration = .microseconds(5)) {
        self.convEfficiency = convEfficiency
        self.depthwiseEfficiency = depthwiseEfficiency
        self.perOperatorOverhead = perOperatorOverhead
    }

    /// Predicted time of one inference.
    public func predictLatency(_ c: ModelCandidate, profile: DeviceProfile, threads: Int) -> Duration {
        let rate = profile.opsPerSecond(int8: c.isInt8, threads: threads)
        let bandwidth = max(profile.memoryBandwidthGBps * 1e9, 1e6)
        let bytesPerElement = c.isInt8 ? 1.0 : 4.0
        var seconds = 2 * Double(c.macs.conv) / (rate * max(convEfficiency, 1e-6))
        seconds += 2 * Double(c.macs.depthwise) / (rate * max(depthwiseEfficiency, 1e-6))
        seconds += Double(c.macs.elementwise) * bytesPerElement * 3 / bandwidth
        seconds += Double(c.opCount) * Benchmarks.seconds(perOperatorOverhead)
        return .seconds(min(seconds, 1e9))
    }

    /// Predicted memory in bytes: the memory-mapped file, the arena, the
    /// weights packed for the GEMM kernels (float32 copies: 4 bytes per
    /// parameter; int8 models keep their weights as bytes: 1 per parameter)
    /// and, for float16 models, the weights dequantized once at load (4 more
    /// per parameter).
    public func predictMemory(_ c: ModelCandidate) -> Int {
        let packed = c.parameters.multipliedReportingOverflow(by: c.isInt8 ? 1 : 4).partialValue
        let dequantized = c.variant == "float16" ? c.parameters.multipliedReportingOverflow(by: 4).partialValue : 0
        return c.fileBytes &+ (c.arenaBytes ?? 0) &+ packed &+ dequantized
    }

    /// Scales both efficiencies so `predicted` would have been `measured` (one
    /// observation; clamped to a factor of 100 either way).
    public func calibrated(predicted: Duration, measured: Duration) -> CostModel {
        let p = Benchmarks.seconds(predicted), m = Benchmarks.seconds(measured)
        guard p > 0, m > 0 else { return self }
        let factor = min(max(p / m, 0.01), 100)
        var copy = self
        copy.convEfficiency *= factor
        copy.depthwiseEfficiency *= factor
        return copy
    }
}

/// Why a candidate was not chosen.
public enum RejectionReason: Equatable, Sendable, CustomStringConvertible {
    case belowMinimumAccuracy(accuracy: Double, minimum: Double)
    case predictedLatencyOverBudget(predicted: Duration, budget: Duration)
    case predictedMemoryOverBudget(predicted: Int, budget: Int)
    case failedToLoad(reason: String)
    case measuredLatencyOverBudget(measured: Duration, budget: Duration)
    case measuredMemoryOverBudget(measured: Int, budget: Int)
    /// Fits (as predicted) but a more accurate model was chosen.
    case lessAccurateThanChosen(accuracy: Double, chosen: Double)

    public var description: String {
        switch self {
        case let .belowMinimumAccuracy(a, m):
            return "accuracy \(percent(a)) is below the minimum \(percent(m))"
        case let .predictedLatencyOverBudget(p, b):
            return "predicted latency \(milliseconds(p)) exceeds the budget \(milliseconds(b))"
        case let .predictedMemoryOverBudget(p, b):
            return "predicted memory \(megabytes(p)) exceeds the budget \(megabytes(b))"
        case let .failedToLoad(reason):
            return "failed to load: \(reason)"
        case let .measuredLatencyOverBudget(m, b):
            return "measured latency \(milliseconds(m)) exceeds the budget \(milliseconds(b)) beyond the margin"
        case let .measuredMemoryOverBudget(m, b):
            return "measured memory \(megabytes(m)) exceeds the budget \(megabytes(b))"
        case let .lessAccurateThanChosen(a, c):
            return "predicted to fit, but less accurate (\(percent(a))) than the chosen model (\(percent(c)))"
        }
    }
}

/// The selector's verdict on one candidate.
public struct CandidateDecision: Sendable, Equatable, CustomStringConvertible {
    public enum Verdict: Sendable, Equatable {
        case chosen
        /// Chosen only because nothing fit: the smallest model that loads.
        case fallback
        case rejected(RejectionReason)
    }
    public let candidate: ModelCandidate
    public let predictedLatency: Duration
    public let predictedMemoryBytes: Int
    public var verdict: Verdict

    public var description: String {
        let head = "\(candidate.name) (\(percent(candidate.accuracy)), predicted \(milliseconds(predictedLatency)), \(megabytes(predictedMemoryBytes)))"
        switch verdict {
        case .chosen: return head + ": chosen"
        case .fallback: return head + ": fallback (nothing else fit)"
        case let .rejected(reason): return head + ": rejected, " + reason.description
        }
    }
}

/// The outcome of `ModelSelector.select`: the loaded model and why.
public struct ModelSelection<Model: SelectableModel> {
    public let chosen: ModelCandidate
    /// The chosen model, loaded and allocated, ready to run.
    public let model: Model
    public let predictedLatency: Duration
    /// Median of the confirmation runs.
    public let measuredLatency: Duration
    public let predictedMemoryBytes: Int
    /// True when no candidate met the constraints and the smallest loadable one was taken.
    public let isFallback: Bool
    /// Every candidate's verdict, most accurate first.
    public let decisions: [CandidateDecision]

    /// A human-readable explanation: the choice, predicted vs measured
    /// latency, and one line per other candidate.
    public var explanation: String {
        var lines = ["\(isFallback ? "fallback" : "chose") \(chosen.name) (accuracy \(percent(chosen.accuracy))): predicted \(milliseconds(predictedLatency)), measured \(milliseconds(measuredLatency)), memory ~\(megabytes(predictedMemoryBytes))"]
        for d in decisions where d.candidate.name != chosen.name {
            lines.append("  " + d.description)
        }
        return lines.joined(separator: "\n")
    }
}

/// Errors from model selection.
public enum ModelSelectionError: Error, Equatable, Sendable {
    /// No candidates were given.
    case noCandidates
    /// Not one candidate could be loaded; every candidate's reason is listed.
    case noLoadableModel([String])
}

/// Picks the most accurate model that fits the device and the constraints,
/// and confirms the pick by loading and timing it. See `docs/selection.md`.
/// Task-independent: `loader` decides what a model and its input are.
///
/// 1. Predict every candidate's latency and memory (`CostModel`); reject those
///    below the minimum accuracy or predicted over a budget, each with a reason.
/// 2. Try the rest, most accurate first (ties: faster first): load it (a model
///    that fails to load is rejected), run it once on its `probeInput` to warm
///    up, time `confirmationRuns` runs on it, and accept it if the median is
///    within the budget × (1 + margin) and its real memory fits.
/// 3. If none is accepted, fall back to the smallest (least predicted latency)
///    candidate that loads. A model that fails to load is never selected.
public struct ModelSelector<Loader: ModelLoading> {
    public typealias Model = Loader.Model
    public var profile: DeviceProfile
    public var costModel: CostModel
    public var loader: Loader
    public var timer: LatencyTimer

    public init(profile: DeviceProfile, costModel: CostModel = CostModel(),
                loader: Loader, timer: LatencyTimer = ContinuousClockTimer()) {
        self.profile = profile
        self.costModel = costModel
        self.loader = loader
        self.timer = timer
    }

    /// Selects from `candidates` (same task) under `constraints`.
    public func select(from candidates: [ModelCandidate], constraints: SelectionConstraints) throws -> ModelSelection<Model> {
        guard !candidates.isEmpty else { throw ModelSelectionError.noCandidates }
        let memoryBudget = constraints.memoryBudgetBytes ?? profile.availableMemoryBytes
        var decisions = candidates.map { c in
            CandidateDecision(candidate: c,
                              predictedLatency: costModel.predictLatency(c, profile: profile, threads: constraints.threads),
                              predictedMemoryBytes: costModel.predictMemory(c), verdict: .rejected(.failedToLoad(reason: "not tried")))
        }
        decisions.sort { a, b in
            a.candidate.accuracy != b.candidate.accuracy ? a.candidate.accuracy > b.candidate.accuracy
                : a.predictedLatency < b.predictedLatency
        }
        // 1. Prediction.
        var fitting: [Int] = []
        for i in decisions.indices {
            let d = decisions[i]
            if d.candidate.accuracy < constraints.minimumAccuracy {
                decisions[i].verdict = .rejected(.belowMinimumAccuracy(accuracy: d.candidate.accuracy, minimum: constraints.minimumAccuracy))
            } else if d.predictedLatency > constraints.latencyBudget {
                decisions[i].verdict = .rejected(.predictedLatencyOverBudget(predicted: d.predictedLatency, budget: constraints.latencyBudget))
            } else if let budget = memoryBudget, d.predictedMemoryBytes > budget {
                decisions[i].verdict = .rejected(.predictedMemoryOverBudget(predicted: d.predictedMemoryBytes, budget: budget))
            } else {
                fitting.append(i)
            }
        }
        // 2. Confirmation, most accurate first.
        var loaded: [String: Model] = [:]
        var loadFailures: [String: String] = [:]
        func tryLoad(_ c: ModelCandidate) -> Model? {
            if let m = loaded[c.name] { return m }
            if loadFailures[c.name] != nil { return nil }
            do {
                let m = try loader.load(c, threads: constraints.threads)
                loaded[c.name] = m
                return m
            } catch {
                loadFailures[c.name] = "\(error)"
                return nil
            }
        }
        func measure(_ m: Model) -> Duration? {
            do {
                let probe = m.probeInput
                _ = try m.scores(for: probe)  // warm-up
                var times: [Duration] = []
                for _ in 0..<max(1, constraints.confirmationRuns) {
                    times.append(try timer.measure(m.candidate) { _ = try m.scores(for: probe) })
                }
                times.sort()
                return times[times.count / 2]
            } catch {
                loadFailures[m.candidate.name] = "invoke failed: \(error)"
                loaded[m.candidate.name] = nil
                return nil
            }
        }
        let allowed = constraints.latencyBudget * (1 + max(0, constraints.latencyMargin))
        for (position, i) in fitting.enumerated() {
            let c = decisions[i].candidate
            guard let m = tryLoad(c), let measured = measure(m) else {
                decisions[i].verdict = .rejected(.failedToLoad(reason: loadFailures[c.name] ?? "unknown"))
                continue
            }
            let realMemory = c.fileBytes &+ m.arenaBytes &+ (costModel.predictMemory(c) &- c.fileBytes &- (c.arenaBytes ?? 0))
            if measured > allowed {
                decisions[i].verdict = .rejected(.measuredLatencyOverBudget(measured: measured, budget: constraints.latencyBudget))
                continue
            }
            if let budget = memoryBudget, realMemory > budget {
                decisions[i].verdict = .rejected(.measuredMemoryOverBudget(measured: realMemory, budget: budget))
                continue
            }
            decisions[i].verdict = .chosen
            for j in fitting[(position + 1)...] {
                decisions[j].verdict = .rejected(.lessAccurateThanChosen(accuracy: decisions[j].candidate.accuracy, chosen: c.accuracy))
            }
            return ModelSelection(chosen: c, model: m, predictedLatency: decisions[i].predictedLatency, measuredLatency: measured,
                                  predictedMemoryBytes: decisions[i].predictedMemoryBytes, isFallback: false, decisions: decisions)
        }
        // 3. Fallback: the smallest candidate that loads.
        let bySize = decisions.indices.sorted { decisions[$0].predictedLatency < decisions[$1].predictedLatency }
        for i in bySize {
            let c = decisions[i].candidate
            // A candidate that does not load keeps its earlier reason and is skipped.
            guard let m = tryLoad(c), let measured = measure(m) else { continue }
            decisions[i].verdict = .fallback
            return ModelSelection(chosen: c, model: m, predictedLatency: decisions[i].predictedLatency, measuredLatency: measured,
                                  predictedMemoryBytes: decisions[i].predictedMemoryBytes, isFallback: true, decisions: decisions)
        }
        throw ModelSelectionError.noLoadableModel(decisions.map { "\($0.candidate.name): \(loadFailures[$0.candidate.name] ?? "\($0.verdict)")" })
    }
}

// MARK: Formatting

func percent(_ x: Double) -> String {
    let v = (x * 10000).rounded() / 100
    return "\(v)%"
}

func milliseconds(_ d: Duration) -> String {
    let ms = Benchmarks.seconds(d) * 1000
    let rounded = (ms * 1000).rounded() / 1000
    return "\(rounded) ms"
}

func megabytes(_ bytes: Int) -> String {
    let mb = (Double(bytes) / 1_048_576 * 100).rounded() / 100
    return "\(mb) MiB"
}
