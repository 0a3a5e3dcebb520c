import TFLiteEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Predictions against measurements, for `infer selection-report` and
/// `docs/selection.md`: every model's predicted and measured latency and
/// memory on this device.
public enum SelectionReport {
    /// One model, predicted and measured.
    public struct ModelRow: Sendable {
        /// The model.
        public let candidate: ModelCandidate
        /// Its predicted latency, by kernel class.
        public let estimate: LatencyEstimate
        /// Median of the timed invokes (the median over rounds of each round's
        /// median), wall time: what a caller waits, including any time the
        /// thread waited for a core while other processes ran.
        public let measuredLatency: Duration
        /// The same in the thread's CPU time: the engine's own work, which is
        /// what the calibration predicts (equal to the wall time on an idle device).
        public let measuredCPUTime: Duration
        /// The smallest round median in CPU time: the round least disturbed by
        /// other processes.
        public let measuredBestRound: Duration
        /// Range of the round medians relative to their median (0 with one round).
        public let measuredSpread: Double
        /// The cost model's memory prediction.
        public let predictedMemoryBytes: Int
        /// The memory the model holds once loaded, prepared and run, measured
        /// in a fresh process (`ProcessResources.modelMemory`), filled in by
        /// the caller; nil where not measured.
        public var measuredMemoryBytes: Int?
        /// Predicted load and prepare time (nil without a calibration).
        public let predictedStartup: Duration?
        /// Measured load and prepare time.
        public let measuredStartup: Duration
        /// predicted ÷ measured − 1 of each repetition when rows were combined (`combine`).
        public var repetitionErrors: [Double] = []

        /// predicted ÷ measured CPU time − 1.
        public var latencyError: Double {
            let m = Benchmarks.seconds(measuredCPUTime)
            return m > 0 ? Benchmarks.seconds(estimate.total) / m - 1 : .infinity
        }

        /// predicted ÷ the best round − 1.
        public var bestRoundError: Double {
            let m = Benchmarks.seconds(measuredBestRound)
            return m > 0 ? Benchmarks.seconds(estimate.total) / m - 1 : .infinity
        }

        /// predicted ÷ measured wall time − 1.
        public var wallLatencyError: Double {
            let m = Benchmarks.seconds(measuredLatency)
            return m > 0 ? Benchmarks.seconds(estimate.total) / m - 1 : .infinity
        }

        /// predicted ÷ measured memory − 1 (nil where not measured).
        public var memoryError: Double? {
            guard let m = measuredMemoryBytes, m > 0 else { return nil }
            return Double(predictedMemoryBytes) / Double(m) - 1
        }
    }

    /// A candidate for a model file outside any catalog: sizes and workload
    /// read from the file, accuracy unknown (0), variant guessed from its
    /// tensors (`int8` activations, `float16` weights, else `float32`).
    public static func candidate(modelPath: String) throws -> ModelCandidate {
        let model = try Model(path: modelPath)
        let summary = ModelSummary.inspect(model)
        let workload = try ModelWorkload.inspect(model)
        var name = String(modelPath.split(separator: "/").last ?? Substring(modelPath))
        if name.hasSuffix(".tflite") { name = String(name.dropLast(7)) }
        let input = summary.inputs.first
        let hasFloat16 = summary.nodes.contains { $0.inputs.contains { $0?.isConstant == true && $0?.type == .float16 } }
        let variant = input?.type == .int8 || input?.type == .uint8 ? "int8" : hasFloat16 ? "float16" : "float32"
        let macs = summary.macs
        return ModelCandidate(
            name: name, path: modelPath, task: "unknown", architecture: "unknown", variant: variant,
            input: .init(shape: input?.shape ?? [1], dtype: input.map { "\($0.type)" } ?? "float32"),
            macs: .init(conv: macs), opCount: workload.nodes.count, parameters: summary.parameterCount,
            fileBytes: model.fileSize, arenaBytes: workload.arenaBytes, accuracy: 0, workload: workload)
    }

    /// Measures the latency of `candidates`: loads, prepares and warms up
    /// each, then `rounds` rounds over all models of `runs` timed invokes each
    /// (the invoke alone, inputs filled once). Models that fail to load are skipped.
    public static func measure(_ candidates: [ModelCandidate], profile: DeviceProfile, costModel: CostModel = CostModel(),
                               runs: Int = 20, rounds: Int = 3, warmup: Int = 3) -> [ModelRow] {
        let clock = ContinuousClock()
        var loaded: [(ModelCandidate, Interpreter, Duration)] = []
        for c in candidates {
            let start = clock.now
            guard let interpreter = try? Interpreter(modelPath: c.path), (try? interpreter.allocateTensors()) != nil else { continue }
            let startup = clock.now - start
            fillInputs(interpreter)
            var ok = true
            for _ in 0..<max(1, warmup) where (try? interpreter.invoke()) == nil { ok = false }
            guard ok else { continue }
            loaded.append((c, interpreter, startup))
        }
        var medians = [[Double]](repeating: [], count: loaded.count)
        var cpuMedians = [[Double]](repeating: [], count: loaded.count)
        for _ in 0..<max(1, rounds) {
            for (i, entry) in loaded.enumerated() {
                var times: [Double] = [], cpuTimes: [Double] = []
                for _ in 0..<max(1, runs) {
                    let (cpu, wall) = ProcessResources.measureCPUAndWall { _ = try? entry.1.invoke() }
                    cpuTimes.append(Double(cpu ?? 0) * 1e-9)
                    times.append(Benchmarks.seconds(wall))
                }
                medians[i].append(median(times) ?? 0)
                cpuMedians[i].append(median(cpuTimes) ?? 0)
            }
        }
        return loaded.enumerated().map { i, entry in
            let m = median(medians[i]) ?? 0
            let spread = m > 0 ? ((medians[i].max() ?? m) - (medians[i].min() ?? m)) / m : 0
            return ModelRow(candidate: entry.0, estimate: costModel.estimate(entry.0, profile: profile, threads: 1),
                            measuredLatency: duration(nanoseconds: m * 1e9),
                            measuredCPUTime: duration(nanoseconds: (median(cpuMedians[i]) ?? 0) * 1e9),
                            measuredBestRound: duration(nanoseconds: (cpuMedians[i].min() ?? 0) * 1e9), measuredSpread: spread,
                            predictedMemoryBytes: costModel.predictMemory(entry.0), measuredMemoryBytes: nil,
                            predictedStartup: costModel.predictStartup(entry.0, profile: profile), measuredStartup: entry.2)
        }
    }

    /// Per kernel class of one model: predicted time and the profiled time
    /// (the engine's per-node timer; `runs` invokes, the per-node median is
    /// approximated by the fastest of the invokes and the mean).
    public static func classBreakdown(_ c: ModelCandidate, profile: DeviceProfile, runs: Int = 50) throws
        -> [(kernelClass: String, predicted: Duration, fastest: Duration, mean: Duration)] {
        try breakdown(c, profile: profile, runs: runs).classes
    }

    /// `classBreakdown`, plus the nodes whose prediction is off their fastest run by more than 40%.
    public static func breakdown(_ c: ModelCandidate, profile: DeviceProfile, runs: Int = 50) throws
        -> (classes: [(kernelClass: String, predicted: Duration, fastest: Duration, mean: Duration)], outliers: [String]) {
        guard let calibration = profile.calibration, let workload = c.workload else { return ([], []) }
        let interpreter = try Interpreter(modelPath: c.path)
        try interpreter.allocateTensors()
        fillInputs(interpreter)
        try interpreter.invoke()
        interpreter.isProfilingEnabled = true
        for _ in 0..<max(1, runs) { try interpreter.invoke() }
        let profiled = interpreter.operatorProfile
        guard profiled.count == workload.nodes.count else { return ([], []) }
        var rows: [String: (Double, Double, Double)] = [:]
        var outliers: [String] = []
        for (node, p) in zip(workload.nodes, profiled) {
            let predicted = calibration.nanoseconds(node), fastest = Double(p.minimumNanoseconds)
            if fastest > 2000, abs(predicted / fastest - 1) > 0.4 {
                outliers.append("node \(p.nodeIndex) \(node.op) \(node.kernelClass?.rawValue ?? "-"): work \(node.work), outputs \(node.outputs), secondary \(Int(node.secondary)), channels \(node.outputChannels), taps \(node.taps): predicted \(Int(predicted)) ns, fastest \(Int(fastest)) ns")
            }
            let key = node.kernelClass?.rawValue ?? "no arithmetic"
            var r = rows[key] ?? (0, 0, 0)
            r.0 += calibration.nanoseconds(node)
            r.1 += Double(p.minimumNanoseconds)
            r.2 += Double(p.totalNanoseconds) / Double(max(1, p.invocations))
            rows[key] = r
        }
        let classes = rows.sorted { $0.value.0 > $1.value.0 }.map {
            ($0.key, duration(nanoseconds: $0.value.0), duration(nanoseconds: $0.value.1), duration(nanoseconds: $0.value.2))
        }
        return (classes, outliers)
    }

    /// Several repetitions of the whole measurement (each with its own
    /// calibration) combined per model: the median prediction, the median
    /// measurement, and every repetition's error. On a shared machine the
    /// speed changes between a calibration and the measurements that follow
    /// it; repeating both and taking medians keeps one slow moment from
    /// deciding the table.
    public static func combine(_ repetitions: [[ModelRow]]) -> [ModelRow] {
        guard let first = repetitions.first else { return [] }
        return first.map { row in
            let same = repetitions.compactMap { rows in rows.first { $0.candidate.path == row.candidate.path } }
            func medianDuration(_ values: [Duration]) -> Duration {
                duration(nanoseconds: (median(values.map { Benchmarks.seconds($0) }) ?? 0) * 1e9)
            }
            var estimate = row.estimate
            estimate.total = medianDuration(same.map(\.estimate.total))
            var combined = ModelRow(candidate: row.candidate, estimate: estimate, measuredLatency: medianDuration(same.map(\.measuredLatency)),
                                    measuredCPUTime: medianDuration(same.map(\.measuredCPUTime)),
                                    measuredBestRound: medianDuration(same.map(\.measuredBestRound)),
                                    measuredSpread: median(same.map(\.measuredSpread)) ?? 0, predictedMemoryBytes: row.predictedMemoryBytes,
                                    measuredMemoryBytes: row.measuredMemoryBytes,
                                    predictedStartup: same.compactMap(\.predictedStartup).isEmpty ? nil : medianDuration(same.compactMap(\.predictedStartup)),
                                    measuredStartup: medianDuration(same.map(\.measuredStartup)))
            combined.repetitionErrors = same.map(\.latencyError)
            return combined
        }
    }

    /// Zeros in float inputs are as fast as any value; int8 inputs get their zero point's neighbourhood.
    static func fillInputs(_ interpreter: Interpreter) {
        for i in 0..<interpreter.inputTensorCount {
            _ = try? interpreter.withUnsafeMutableInputBytes(at: i) { bytes in
                for j in bytes.indices { bytes[j] = 0 }
            }
        }
    }

    /// The Markdown table of `rows`.
    public static func latencyTable(_ rows: [ModelRow]) -> String {
        var lines = [
            "| model | nodes run | predicted ms | measured ms: CPU time | error | errors of the repetitions | best round | error | wall time | error | predicted memory | measured memory | error |",
            "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows {
            let memory = r.measuredMemoryBytes.map { megabytes($0) } ?? "n/a"
            let memoryError = r.memoryError.map { signedPercent($0) } ?? "n/a"
            let repetitions = r.repetitionErrors.map { signedPercent($0) }.joined(separator: ", ")
            lines.append("| \(r.candidate.name) | \(r.candidate.workload?.nodes.count ?? r.candidate.opCount) | \(ms3(r.estimate.total))\(r.estimate.isCalibrated ? "" : " (coarse)") | \(ms3(r.measuredCPUTime)) | \(signedPercent(r.latencyError)) | \(repetitions) | \(ms3(r.measuredBestRound)) | \(signedPercent(r.bestRoundError)) | \(ms3(r.measuredLatency)) | \(signedPercent(r.wallLatencyError)) | \(megabytes(r.predictedMemoryBytes)) | \(memory) | \(memoryError) |")
        }
        return lines.joined(separator: "\n")
    }

    /// The calibration's probes and fitted classes, as Markdown.
    public static func calibrationTable(_ c: KernelCalibration) -> String {
        var lines = [
            "invoke overhead \(ns(c.invokeOverheadNanoseconds)), node overhead \(ns(c.nodeOverheadNanoseconds)); \(c.rounds) rounds, median spread of the probes \(Int((c.medianSpread * 100).rounded()))%",
            "",
        ]
        for f in c.inModelFactors {
            lines.append("- in-model factor, \(f.element): \(format3(f.factor)) (a sequence of six kernels took \(ns(f.measuredNanoseconds)) as one model; its nodes alone are fitted at \(ns(f.predictedNanoseconds)); applied: its square root, \(format3(f.factor.squareRoot())))")
        }
        lines.append("- an int8 convolution whose Int32 sums a max pool takes (the engine's fusion) costs per output, instead of its class's per-output term, what the convolution + max-pool pair of the nearest reduction K leaves unexplained: " + c.keptSumSamples.map { "\($0.probe) (K = \(Int($0.reduction))) took \(ns($0.measuredNanoseconds)), its nodes are fitted at \(ns($0.fittedNanoseconds)): \(format3($0.nanosecondsPerKeptSum * 1000)) ps" }.joined(separator: "; "))
        lines += [
            "",
            "| kernel class | fixed | per work unit | per output | per secondary unit | throughput at the largest probe |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for cost in c.classes {
            let probes = c.probes.filter { $0.kernelClass == cost.kernelClass }
            var rate = ""
            if let largest = probes.max(by: { $0.work < $1.work }), largest.nanoseconds > 0 {
                let perSecond = Double(largest.work) / (largest.nanoseconds * 1e-9)
                rate = "\((perSecond / 1e7).rounded() / 100) \(cost.kernelClass.countsMACs ? "GMAC/s" : "G elements/s")"
            }
            lines.append("| \(cost.kernelClass.rawValue) | \(ns(cost.fixedNanoseconds)) | \(String(format3(cost.nanosecondsPerWork * 1000))) ps | \(String(format3(cost.nanosecondsPerOutput * 1000))) ps | \(String(format3(cost.nanosecondsPerSecondary * 1000))) ps | \(rate) |")
        }
        return lines.joined(separator: "\n")
    }

    static func ms3(_ d: Duration) -> String {
        let v = Benchmarks.seconds(d) * 1000
        return "\((v * 1000).rounded() / 1000)"
    }

    static func ns(_ x: Double) -> String {
        x >= 1000 ? "\((x / 10).rounded() / 100) µs" : "\(Int(x.rounded())) ns"
    }

    static func format3(_ x: Double) -> String {
        "\((x * 1000).rounded() / 1000)"
    }

    static func signedPercent(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        let p = Int((x * 100).rounded())
        return p > 0 ? "+\(p)%" : "\(p)%"
    }
}
