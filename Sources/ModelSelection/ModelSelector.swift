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
    /// A confirmed model may miss the budget by this fraction before the next
    /// is tried (0: the measured median must be within the budget).
    public var latencyMargin: Double
    /// A candidate predicted over the budget by at most this factor is timed
    /// before it is rejected, so a model that fits is not rejected on a
    /// prediction alone; beyond it, the prediction decides (not measured).
    public var measureWithinFactor: Double
    /// A model whose first confirmation median is over the budget by less
    /// than this factor is timed for a second round of ``confirmationRuns``,
    /// and the lower of the two medians counts (1: never). Timing noise only
    /// ever adds time (another thread holding the core for a moment, a
    /// virtual machine's host slowing the CPU), so one slow round must not
    /// reject a model that fits; a model that really is over the budget is
    /// over in both rounds.
    public var retimeWithinFactor: Double
    /// A round whose first ``confirmationRuns`` give a median within this
    /// factor of the limit, on either side (limit ÷ factor … limit × factor),
    /// is a close call: it goes on to ``closeCallRuns`` runs and the median
    /// of all of them counts (1: never). Five runs decide a model that fits
    /// or misses by a wide margin; near the limit the host's noise between
    /// two five-run medians is as large as the margin, so whether the model
    /// fits is measured as precisely as a 20-run benchmark would.
    public var closeCallFactor: Double
    /// Runs of a close-call round in all (at least ``confirmationRuns``).
    public var closeCallRuns: Int

    /// Constraints with a latency budget; every other parameter has a default (see each property).
    public init(latencyBudget: Duration, memoryBudgetBytes: Int? = nil, minimumAccuracy: Double = 0,
                threads: Int = 1, confirmationRuns: Int = 5, latencyMargin: Double = 0, measureWithinFactor: Double = 2,
                retimeWithinFactor: Double = 1.5, closeCallFactor: Double = 1.15, closeCallRuns: Int = 21) {
        self.latencyBudget = latencyBudget
        self.memoryBudgetBytes = memoryBudgetBytes
        self.minimumAccuracy = minimumAccuracy
        self.threads = threads
        self.confirmationRuns = confirmationRuns
        self.latencyMargin = latencyMargin
        self.measureWithinFactor = max(1, measureWithinFactor)
        self.retimeWithinFactor = max(1, retimeWithinFactor)
        self.closeCallFactor = max(1, closeCallFactor)
        self.closeCallRuns = closeCallRuns
    }
}

/// Predicts a candidate's latency and memory on a `DeviceProfile`.
///
/// **Calibrated** (the profile has a `KernelCalibration` and the candidate a
/// `ModelWorkload`, e.g. from `ModelCatalog.withWorkloads()`): the invoke
/// overhead plus, for every node the prepared graph runs, its kernel class's
/// fitted time (`KernelCalibration.predict`). Start-up (load, prepare and one
/// warm-up invoke) is predicted the same way (`predictStartup`).
///
/// **Coarse** (no calibration or no workload), from the catalog's MACs:
///
///     latency = 2·MACs_conv / (R · convEfficiency)
///             + 2·MACs_depthwise / (R · depthwiseEfficiency)
///             + MACs_elementwise · bytesPerElement · 3 / bandwidth
///             + opCount · perOperatorOverhead
///
/// where R is the profile's float32 or int8 micro-benchmark throughput for
/// `threads` threads (int8 models use the int8 rate); the efficiencies say
/// how close the kernels get to the micro-benchmark (`calibrated` rescales
/// them from one observation).
///
/// memory = file bytes (mapped) + arena bytes (0 if unknown) + packed
/// weights + folded constants (see `predictMemory`).
public struct CostModel: Sendable, Equatable {
    /// Fraction of the micro-benchmark throughput the convolution and fully connected kernels reach.
    public var convEfficiency: Double
    /// Fraction of the micro-benchmark throughput the depthwise kernels reach.
    public var depthwiseEfficiency: Double
    /// Fixed time per operator.
    public var perOperatorOverhead: Duration

    /// Coarse-estimate defaults fitted to this engine's float32 kernels
    /// (release build, before the fast-kernel work): small CNN, VGG-style and
    /// MobileNetV2-style digit models measured 0.41, 3.9 and 3.1 ms on the
    /// reference device.
    public init(convEfficiency: Double = 0.1, depthwiseEfficiency: Double = 0.035,
                perOperatorOverhead: Duration = .microseconds(5)) {
        self.convEfficiency = convEfficiency
        self.depthwiseEfficiency = depthwiseEfficiency
        self.perOperatorOverhead = perOperatorOverhead
    }

    /// Predicted time of one inference.
    public func predictLatency(_ c: ModelCandidate, profile: DeviceProfile, threads: Int) -> Duration {
        estimate(c, profile: profile, threads: threads).total
    }

    /// Predicted time of one inference and where it comes from (calibrated
    /// kernels and the prepared graph, or the coarse MAC estimate).
    public func estimate(_ c: ModelCandidate, profile: DeviceProfile, threads: Int) -> LatencyEstimate {
        if let calibration = profile.calibration, calibration.isValid, let workload = c.workload {
            return calibration.predict(workload)
        }
        let rate = profile.opsPerSecond(int8: c.isInt8, threads: threads)
        let bandwidth = max(profile.memoryBandwidthGBps * 1e9, 1e6)
        let bytesPerElement = c.isInt8 ? 1.0 : 4.0
        var seconds = 2 * Double(c.macs.conv) / (rate * max(convEfficiency, 1e-6))
        seconds += 2 * Double(c.macs.depthwise) / (rate * max(depthwiseEfficiency, 1e-6))
        seconds += Double(c.macs.elementwise) * bytesPerElement * 3 / bandwidth
        seconds += Double(c.opCount) * Benchmarks.seconds(perOperatorOverhead)
        return LatencyEstimate(total: duration(nanoseconds: seconds * 1e9), isCalibrated: false)
    }

    /// Predicted cost of switching to `c`: loading and preparing it, plus one
    /// warm-up invoke. Nil without a calibration and a workload.
    public func predictStartup(_ c: ModelCandidate, profile: DeviceProfile) -> Duration? {
        guard let calibration = profile.calibration, calibration.isValid, let workload = c.workload else { return nil }
        return calibration.predictStartup(workload) + calibration.predict(workload).total
    }

    /// Predicted memory in bytes. With the candidate's `workload`: the
    /// weights invoke reads in place from the memory-mapped file, the arena,
    /// the outputs of nodes folded at prepare (float16 weights dequantized
    /// once), the sums kept by convolutions fused with a max pool, what each
    /// kernel keeps (`kernelBytes`) and the bookkeeping of each node (`nodeBytes`).
    /// Without: the file, the arena and the packed weights (1 byte per int8 parameter, 4 per float one, 8 for float16 models).
    public func predictMemory(_ c: ModelCandidate) -> Int {
        guard let workload = c.workload else {
            // Packed weights: int8 models keep them as bytes (1 per parameter), float ones as float32.
            let packed = c.parameters.multipliedReportingOverflow(by: c.isInt8 ? 1 : 4).partialValue
            let dequantized = c.variant == "float16" ? c.parameters.multipliedReportingOverflow(by: 4).partialValue : 0
            return c.fileBytes &+ (c.arenaBytes ?? 0) &+ packed &+ dequantized
        }
        let kernels = workload.nodes.reduce(0) { $0 &+ CostModel.kernelBytes($1) &+ CostModel.nodeBytes($1) }
        // The engine drops the file's pages once the model is parsed and again once it is
        // prepared: what stays resident is what invoke reads in place, the weights not packed.
        let readInPlace = workload.nodes.reduce(0) { $0 &+ max($1.fileWeightBytes &- CostModel.releasedFileBytes($1), 0) }
        return min(readInPlace, c.fileBytes) &+ predictedArenaBytes(c) &+ workload.foldedBytes
            &+ workload.keptSumBytes &+ kernels
    }

    /// The arena `predictMemory` counts: the one this build plans for the
    /// candidate's workload (scratch differs between build flavours: the
    /// float-computing flavours widen int8 rows to floats, so a catalog's
    /// `arena_bytes` measured in another flavour was 35 KiB where the
    /// portable build plans 156 KiB for mnist_vgg_32_int8), else the catalog's.
    public func predictedArenaBytes(_ c: ModelCandidate) -> Int {
        if let planned = c.workload?.arenaBytes, planned > 0 { return planned }
        return c.arenaBytes ?? 0
    }

    /// Bookkeeping per executed node besides its kernel's data: the parsed
    /// operator and tensor descriptions, quantization parameters (per
    /// channel for int8), the kernel object and small tables, and allocator
    /// rounding. Measured (`infer selection-report`, resident memory of each
    /// model in a fresh process, minus the other terms): about 4.5 KiB per
    /// float node and 7 KiB per int8 node on the models in `weights/` and
    /// the fixture MobileNets.
    public static func nodeBytes(_ node: NodeWork) -> Int {
        node.kernelClass?.isInt8 == true ? 7 << 10 : 9 << 9
    }

    /// Bytes of the model file that `node`'s kernel copies into a packed
    /// layout at prepare and never reads from the file again (the engine
    /// drops every page of the file once the model is prepared, so these do
    /// not come back): the float GEMM's float32 weights (not float16 or
    /// hybrid ones), the int8 GEMM convolutions' and depthwise filters, and
    /// int8 fully connected weights in the builds with integer multiply-add
    /// (elsewhere read in place).
    public static func releasedFileBytes(_ node: NodeWork) -> Int {
        guard node.fileWeightBytes > 0, let kernelClass = node.kernelClass else { return 0 }
        // TRANSPOSE_CONV and CONV_3D share the convolution classes but keep their own layouts.
        let packsOnGEMM = node.op != "TRANSPOSE_CONV" && node.op != "CONV_3D"
        let releases: Bool
        switch kernelClass {
        case .convPointwise, .convGeneral, .fullyConnected:
            releases = packsOnGEMM && node.fileWeightBytes == node.weights &* 4
        case .convPointwiseInt8, .convGeneralInt8, .depthwise3x3Int8, .depthwise5x5Int8:
            releases = packsOnGEMM
        case .fullyConnectedInt8:
            releases = TFLiteEngineBuild.integerMultiplyAdd
        default:
            releases = false
        }
        return releases ? node.fileWeightBytes : 0
    }

    /// Bytes of packed weights per int8 weight in the GEMM kernels: one in
    /// every build flavour (the float-computing flavours widen one panel at a
    /// time into scratch; see docs/performance.md).
    public static let int8PackedBytesPerWeight = 1
    /// Bytes per channel of an int8 output stage's tables
    /// (`ChannelRequantization.Tables`: a 4-byte left shift and multiplier,
    /// and the 8-byte addend and shift, kept once in the eight-lane order).
    static let requantizationTableBytes = 24
    /// The int8 element-wise operators that keep a pair table when large.
    static let pairTableOperators: Set<String> = ["ADD", "SUB", "MUL", "SQUARED_DIFFERENCE"]
    /// What the kernel of `node` keeps besides the file and the arena, as
    /// this engine's kernels lay it out:
    /// - GEMM convolutions and float32 fully connected: the weights packed
    ///   in panels of nr columns (`NodeWork.gemmTile`, or 16 for int8 with
    ///   integer multiply-add), zero
    ///   past N, plus a padded bias (float32: 4 bytes each; int8:
    ///   `int8PackedBytesPerWeight`); float32 convolutions that are not 1×1
    ///   also keep an offset table of 8 bytes per tap per output pixel
    ///   (rounded up to micro-tiles; int8 ones compute their taps per row);
    ///   in the builds with integer multiply-add
    ///   an int8 convolution over a small input
    ///   (`TFLiteEngineBuild.int8DirectConvolutionMaximumInputValues`, taken
    ///   here as output pixels × input channels) with a small filter
    ///   (`TFLiteEngineBuild.int8DirectConvolutionMaximumFilterValues`)
    ///   also keeps its filter widened to Int16 (2 bytes per packed weight)
    ///   and a row offset per output pixel (8 bytes);
    ///   In the builds with integer multiply-add (`TFLiteEngineBuild.integerMultiplyAdd`)
    ///   int8 weights are packed in panels of 16 columns with K rounded up to pairs;
    /// - int8 fully connected (one row): nothing in the float-computing builds
    ///   (it reads the int8 weights in place); packed like a 1×1 convolution in
    ///   the builds with integer multiply-add;
    /// - int8 depthwise: the filter as bytes, four per-channel int32 rows, a
    ///   row of input zero points, and in the builds with integer multiply-add
    ///   the output stage's tables: for the channels in whole groups of 16 (the
    ///   Int16-product path) a bias row and tables in even/odd order
    ///   (`requantizationTableBytes` + 4 per channel), for the rest the
    ///   eight-channel tables (`requantizationTableBytes` per channel);
    /// - per-channel requantization of int8 GEMM kernels: the output stage's
    ///   tables, the folded bias and a column correction per padded channel;
    /// - int8 ADD, SUB, MUL and SQUARED_DIFFERENCE of at least
    ///   `TFLiteEngineBuild.int8PairTableMinimumElements` elements, in the
    ///   builds with integer multiply-add: a table of every input pair's
    ///   result (not a MUL the swish fusion gave a 256-entry table instead,
    ///   nor an op with a small constant operand: `NodeWork.readsByteTable`);
    /// - an element-wise node fused with the one before it: its tables
    ///   (`NodeWork.tableBytes`).
    public static func kernelBytes(_ node: NodeWork) -> Int {
        if node.tableBytes > 0 { return node.tableBytes }
        if node.kernelClass == .elementwiseInt8, TFLiteEngineBuild.integerMultiplyAdd, !node.readsByteTable,
           node.outputs >= TFLiteEngineBuild.int8PairTableMinimumElements, pairTableOperators.contains(node.op) {
            return TFLiteEngineBuild.int8PairTableBytes
        }
        guard let kernelClass = node.kernelClass, node.outputChannels > 0, node.weights > 0 else { return 0 }
        let n = node.outputChannels
        let k = node.weights / n
        let integer = TFLiteEngineBuild.integerMultiplyAdd && kernelClass.isInt8
        let tile = node.gemmTile
        let nr = integer ? 16 : tile.columns
        let panels = (n + nr - 1) / nr
        let packedElements = integer ? panels &* nr &* ((k &+ 1) / 2 &* 2) : panels &* nr &* (k &+ 1)
        let pixels = max(node.outputs / n, 0)
        let tileRows = (pixels + tile.rows - 1) / tile.rows &* tile.rows
        let offsetTable = tileRows &* max(node.taps, 1) &* 8
        let requantization = panels &* nr &* (requantizationTableBytes &+ 8)
        switch kernelClass {
        case .convPointwise, .fullyConnected:
            return packedElements &* 4
        case .convGeneral:
            return packedElements &* 4 &+ offsetTable
        case .convPointwiseInt8:
            return packedElements &* int8PackedBytesPerWeight &+ requantization
        case .convGeneralInt8:
            let channels = k / max(node.taps, 1)
            let direct = integer && node.taps > 1 && pixels &* channels <= TFLiteEngineBuild.int8DirectConvolutionMaximumInputValues
                && k <= TFLiteEngineBuild.int8DirectConvolutionMaximumFilterValues
                ? packedElements &* 2 &+ tileRows &* 8 : 0
            return packedElements &* int8PackedBytesPerWeight &+ requantization &+ direct
        case .fullyConnectedInt8:
            return integer ? packedElements &* int8PackedBytesPerWeight &+ requantization : requantization
        case .depthwise3x3Int8, .depthwise5x5Int8:
            let tables = TFLiteEngineBuild.integerMultiplyAdd ? n &* requantizationTableBytes &+ n / 16 * 16 &* 4 : 0
            return max(node.taps, 1) &* n &+ 16 &* n &+ n &+ tables
        default:
            return 0
        }
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
    /// The candidate's accuracy is below the minimum asked for.
    case belowMinimumAccuracy(accuracy: Double, minimum: Double)
    /// Predicted over the budget by more than `factor`: not measured.
    case predictedLatencyOverBudget(predicted: Duration, budget: Duration, factor: Double)
    /// Its predicted memory exceeds the budget: not loaded.
    case predictedMemoryOverBudget(predicted: Int, budget: Int)
    /// The model could not be loaded (the loader's reason).
    case failedToLoad(reason: String)
    /// The median of its timed runs exceeded the budget (with the margin).
    case measuredLatencyOverBudget(measured: Duration, budget: Duration)
    /// Its memory once loaded exceeded the budget.
    case measuredMemoryOverBudget(measured: Int, budget: Int)
    /// Not tried: a more accurate model was chosen.
    case lessAccurateThanChosen(accuracy: Double, chosen: Double)

    /// One line, e.g. `predicted latency 3.9 ms is more than 2× the budget 1.0 ms, not measured`.
    public var description: String {
        switch self {
        case let .belowMinimumAccuracy(a, m):
            return "accuracy \(percent(a)) is below the minimum \(percent(m))"
        case let .predictedLatencyOverBudget(p, b, f):
            return "predicted latency \(milliseconds(p)) is more than \(formatFactor(f))× the budget \(milliseconds(b)), not measured"
        case let .predictedMemoryOverBudget(p, b):
            return "predicted memory \(megabytes(p)) exceeds the budget \(megabytes(b))"
        case let .failedToLoad(reason):
            return "failed to load: \(reason)"
        case let .measuredLatencyOverBudget(m, b):
            return "measured latency \(milliseconds(m)) exceeds the budget \(milliseconds(b))"
        case let .measuredMemoryOverBudget(m, b):
            return "measured memory \(megabytes(m)) exceeds the budget \(megabytes(b))"
        case let .lessAccurateThanChosen(a, c):
            return "not tried, less accurate (\(percent(a))) than the chosen model (\(percent(c)))"
        }
    }
}

/// The selector's verdict on one candidate.
public struct CandidateDecision: Sendable, Equatable, CustomStringConvertible {
    /// Chosen, fallback or rejected.
    public enum Verdict: Sendable, Equatable {
        /// The selected model.
        case chosen
        /// Chosen only because nothing fit: the smallest model that loads.
        case fallback
        /// Not chosen, and why.
        case rejected(RejectionReason)
    }
    /// The candidate decided on.
    public let candidate: ModelCandidate
    /// The cost model's latency prediction.
    public let predictedLatency: Duration
    /// Whether `predictedLatency` comes from the kernel calibration (else the coarse MAC estimate).
    public let predictionIsCalibrated: Bool
    /// The cost model's memory prediction.
    public let predictedMemoryBytes: Int
    /// Median of the timed runs, if the candidate was timed.
    public internal(set) var measuredLatency: Duration?
    /// What the selector decided.
    public var verdict: Verdict

    /// A decision with these values.
    public init(candidate: ModelCandidate, predictedLatency: Duration, predictionIsCalibrated: Bool = false,
                predictedMemoryBytes: Int, measuredLatency: Duration? = nil, verdict: Verdict) {
        self.candidate = candidate
        self.predictedLatency = predictedLatency
        self.predictionIsCalibrated = predictionIsCalibrated
        self.predictedMemoryBytes = predictedMemoryBytes
        self.measuredLatency = measuredLatency
        self.verdict = verdict
    }

    /// "predicted 0.41 ms, measured 0.38 ms" (or "not measured").
    public var latencyText: String {
        let predicted = "predicted \(milliseconds(predictedLatency))\(predictionIsCalibrated ? "" : " (coarse)")"
        return predicted + ", " + (measuredLatency.map { "measured \(milliseconds($0))" } ?? "not measured")
    }

    /// The candidate, its latencies and the verdict on one line.
    public var description: String {
        let head = "\(candidate.name) (\(percent(candidate.accuracy))): \(latencyText), memory ~\(megabytes(predictedMemoryBytes)) predicted"
        switch verdict {
        case .chosen: return head + ": chosen"
        case .fallback: return head + ": fallback (nothing else fit)"
        case let .rejected(reason):
            if case .lessAccurateThanChosen = reason { return head + ": " + reason.description }
            return head + ": rejected, " + reason.description
        }
    }
}

/// The outcome of `ModelSelector.select`: the loaded model and why.
public struct ModelSelection<Model: SelectableModel> {
    /// The chosen candidate.
    public let chosen: ModelCandidate
    /// The chosen model, loaded and allocated, ready to run.
    public let model: Model
    /// The chosen model's predicted latency.
    public let predictedLatency: Duration
    /// Median of the confirmation runs.
    public let measuredLatency: Duration
    /// The chosen model's predicted memory.
    public let predictedMemoryBytes: Int
    /// Predicted cost of loading the chosen model (nil without a calibration).
    public let predictedStartup: Duration?
    /// True when no candidate met the constraints and the smallest loadable one was taken.
    public let isFallback: Bool
    /// Every candidate's verdict, most accurate first.
    public let decisions: [CandidateDecision]

    /// A human-readable explanation: the choice, predicted vs measured
    /// latency (and which numbers were measured), and one line per other candidate.
    public var explanation: String {
        let calibrated = decisions.first { $0.candidate.name == chosen.name }?.predictionIsCalibrated ?? false
        var head = "\(isFallback ? "fallback" : "chose") \(chosen.name) (accuracy \(percent(chosen.accuracy))): "
        head += "predicted \(milliseconds(predictedLatency))\(calibrated ? "" : " (coarse)"), measured \(milliseconds(measuredLatency))"
        head += ", memory ~\(megabytes(predictedMemoryBytes)) predicted"
        if let s = predictedStartup { head += ", start-up ~\(milliseconds(s)) predicted" }
        var lines = [head]
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
///    below the minimum accuracy, predicted over the memory budget, or
///    predicted over the latency budget by more than `measureWithinFactor`,
///    each with a reason. A candidate predicted over the budget by less than
///    that factor is not rejected on its prediction: it is timed like the others.
/// 2. Try the rest, most accurate first (ties: faster first): load it (a model
///    that fails to load is rejected), run it once on its `probeInput` to warm
///    up, time `confirmationRuns` runs on it (stopping early once the runs
///    already decide; a near miss is timed for a second round and the lower
///    median counts, see `retimeWithinFactor`), and accept it if the median
///    is within the budget × (1 + margin) and its real memory fits.
/// 3. If none is accepted, fall back to the smallest (least predicted latency)
///    candidate that loads. A model that fails to load is never selected.
public struct ModelSelector<Loader: ModelLoading> {
    /// The loaded model type of the loader's family.
    public typealias Model = Loader.Model
    /// The device the choice is for.
    public var profile: DeviceProfile
    /// Predicts latency and memory before anything is loaded.
    public var costModel: CostModel
    /// Loads the candidates that are tried.
    public var loader: Loader
    /// Times the confirmation runs.
    public var timer: LatencyTimer

    /// A selector for this device; the default timer is the real clock.
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
            let estimate = costModel.estimate(c, profile: profile, threads: constraints.threads)
            return CandidateDecision(candidate: c, predictedLatency: estimate.total, predictionIsCalibrated: estimate.isCalibrated,
                                     predictedMemoryBytes: costModel.predictMemory(c),
                                     verdict: .rejected(.failedToLoad(reason: "not tried")))
        }
        decisions.sort { a, b in
            a.candidate.accuracy != b.candidate.accuracy ? a.candidate.accuracy > b.candidate.accuracy
                : a.predictedLatency < b.predictedLatency
        }
        // 1. Prediction: only what is hopeless is rejected without measuring.
        let measureLimit = constraints.latencyBudget * constraints.measureWithinFactor
        var fitting: [Int] = []
        for i in decisions.indices {
            let d = decisions[i]
            if d.candidate.accuracy < constraints.minimumAccuracy {
                decisions[i].verdict = .rejected(.belowMinimumAccuracy(accuracy: d.candidate.accuracy, minimum: constraints.minimumAccuracy))
            } else if d.predictedLatency > measureLimit {
                decisions[i].verdict = .rejected(.predictedLatencyOverBudget(predicted: d.predictedLatency, budget: constraints.latencyBudget,
                                                                             factor: constraints.measureWithinFactor))
            } else if let budget = memoryBudget, d.predictedMemoryBytes > budget {
                decisions[i].verdict = .rejected(.predictedMemoryOverBudget(predicted: d.predictedMemoryBytes, budget: budget))
            } else {
                fitting.append(i)
            }
        }
        // 2. Confirmation, most accurate first.
        let allowed = constraints.latencyBudget * (1 + max(0, constraints.latencyMargin))
        var loaded: [String: Model] = [:]
        var measuredByName: [String: Duration] = [:]
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
        /// The median of up to `confirmationRuns` timed runs after a warm-up,
        /// of `closeCallRuns` when that median is a close call (within
        /// `closeCallFactor` of the limit); a near miss (within
        /// `retimeWithinFactor` of the limit) is timed for a second round and
        /// the lower median counts. Bounded: a round stops once more than half
        /// of its first runs are over the close-call band (its median cannot
        /// fit any more).
        func measure(_ m: Model) -> Duration? {
            if let known = measuredByName[m.candidate.name] { return known }
            do {
                let probe = m.probeInput
                _ = try m.scores(for: probe)  // warm-up
                let runs = max(1, constraints.confirmationRuns)
                let closeLow = allowed / constraints.closeCallFactor, closeHigh = allowed * constraints.closeCallFactor
                func round() throws -> Duration {
                    var times: [Duration] = []
                    var farOver = 0
                    for _ in 0..<runs {
                        let t = try timer.measure(m.candidate) { _ = try m.scores(for: probe) }
                        times.append(t)
                        if t > closeHigh { farOver += 1 }
                        // More than half of the runs are far over: so is their median.
                        if farOver > runs / 2 { return times.sorted()[times.count / 2] }
                    }
                    let first = times.sorted()[times.count / 2]
                    if first >= closeLow, first <= closeHigh {
                        for _ in times.count..<max(runs, constraints.closeCallRuns) {
                            times.append(try timer.measure(m.candidate) { _ = try m.scores(for: probe) })
                        }
                    }
                    return times.sorted()[times.count / 2]
                }
                var result = try round()
                if result > allowed, result <= allowed * constraints.retimeWithinFactor {
                    result = min(result, try round())
                }
                measuredByName[m.candidate.name] = result
                return result
            } catch {
                loadFailures[m.candidate.name] = "invoke failed: \(error)"
                loaded[m.candidate.name] = nil
                return nil
            }
        }
        for (position, i) in fitting.enumerated() {
            let c = decisions[i].candidate
            guard let m = tryLoad(c), let measured = measure(m) else {
                decisions[i].verdict = .rejected(.failedToLoad(reason: loadFailures[c.name] ?? "unknown"))
                continue
            }
            decisions[i].measuredLatency = measured
            let realMemory = c.fileBytes &+ m.arenaBytes &+ (costModel.predictMemory(c) &- c.fileBytes &- costModel.predictedArenaBytes(c))
            if measured > allowed {
                decisions[i].verdict = .rejected(.measuredLatencyOverBudget(measured: measured, budget: constraints.latencyBudget))
                loaded[c.name] = nil   // not needed any more (unless as the fallback, then it is loaded again)
                continue
            }
            if let budget = memoryBudget, realMemory > budget {
                decisions[i].verdict = .rejected(.measuredMemoryOverBudget(measured: realMemory, budget: budget))
                loaded[c.name] = nil
                continue
            }
            decisions[i].verdict = .chosen
            for j in fitting[(position + 1)...] {
                decisions[j].verdict = .rejected(.lessAccurateThanChosen(accuracy: decisions[j].candidate.accuracy, chosen: c.accuracy))
            }
            return ModelSelection(chosen: c, model: m, predictedLatency: decisions[i].predictedLatency, measuredLatency: measured,
                                  predictedMemoryBytes: decisions[i].predictedMemoryBytes,
                                  predictedStartup: costModel.predictStartup(c, profile: profile), isFallback: false,
                                  decisions: decisions)
        }
        // 3. Fallback: the smallest candidate that loads.
        let bySize = decisions.indices.sorted { decisions[$0].predictedLatency < decisions[$1].predictedLatency }
        for i in bySize {
            let c = decisions[i].candidate
            // A candidate that does not load keeps its earlier reason and is skipped.
            guard let m = tryLoad(c), let measured = measure(m) else { continue }
            decisions[i].verdict = .fallback
            decisions[i].measuredLatency = measured
            return ModelSelection(chosen: c, model: m, predictedLatency: decisions[i].predictedLatency, measuredLatency: measured,
                                  predictedMemoryBytes: decisions[i].predictedMemoryBytes,
                                  predictedStartup: costModel.predictStartup(c, profile: profile), isFallback: true,
                                  decisions: decisions)
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

func formatFactor(_ x: Double) -> String {
    x == x.rounded() ? "\(Int(x))" : "\((x * 100).rounded() / 100)"
}

func megabytes(_ bytes: Int) -> String {
    let mb = (Double(bytes) / 1_048_576 * 100).rounded() / 100
    return "\(mb) MiB"
}
