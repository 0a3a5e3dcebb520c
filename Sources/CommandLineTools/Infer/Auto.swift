#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TFLiteEngine
import InputFormats
import ModelSelection

/// What `infer --auto DIR IMAGE` should do.
struct AutoRequest {
    enum Policy: String { case selector, threshold }

    var catalog: String
    var images: [String]
    var latencyBudget: Duration = .milliseconds(5)
    var memoryBudgetBytes: Int?
    var minimumAccuracy = 0.0
    var threads = 1
    var preprocessMNIST = false
    var useCache = true
    var topK = 3
    var policy = Policy.selector
    var scoreThreshold = ThresholdPolicy.defaultThreshold
    /// Requests to serve with the adaptive runner (nil: classify once).
    var serve: Int?
    var interval: Duration = .zero
    /// `--arrive-every T`: requests arrive on a fixed schedule (nil: back to back, `interval` apart).
    var arrivalInterval: Duration?
    var reportEvery = 500
    /// `--trace FILE`: one CSV line per served request.
    var tracePath: String?
    var memoryThresholds = SystemMemoryPressure.Thresholds()

    var image: String { images[0] }

    static func parse(_ args: ParsedArguments, catalog: String, threads: Int, preprocessMNIST: Bool) throws -> AutoRequest {
        let others = ["inspect", "mean", "std", "invert", "input-npy", "save-outputs", "labels", "label-locale", "json"].filter(args.has)
        guard others.isEmpty else {
            throw CLIError.usage("--auto cannot be combined with " + others.map { "--\($0)" }.joined(separator: ", "))
        }
        let serve = try args.int("serve", in: 1...100_000_000)
        if serve == nil {
            let serveOnly = ["interval", "arrive-every", "report-every", "memory-warning-below", "memory-critical-below", "trace"].filter(args.has)
            guard serveOnly.isEmpty else { throw CLIError.usage(serveOnly.map { "--\($0)" }.joined(separator: ", ") + " apply only to --serve") }
        }
        guard !args.positionals.isEmpty else { throw CLIError.usage("--auto DIR needs an IMAGE") }
        guard serve != nil || args.positionals.count == 1 else {
            throw CLIError.usage("--auto DIR takes one IMAGE (several with --serve), got \(args.positionals.count) arguments")
        }
        var request = AutoRequest(catalog: catalog, images: args.positionals)
        if let t = args.string("latency-budget") { request.latencyBudget = try parseLatencyBudget(t) }
        if let m = args.string("memory-budget") { request.memoryBudgetBytes = try parseMemoryBudget(m) }
        if let a = args.string("min-accuracy") {
            guard let v = Double(a), (0...1).contains(v) else {
                throw CLIError.usage("--min-accuracy expects a number in 0...1, got '\(a)'")
            }
            request.minimumAccuracy = v
        }
        if let p = args.string("policy") {
            guard let policy = Policy(rawValue: p) else { throw CLIError.usage("--policy expects 'selector' or 'threshold', got '\(p)'") }
            request.policy = policy
        }
        if let t = args.string("score-threshold") {
            guard request.policy == .threshold else { throw CLIError.usage("--score-threshold applies to --policy threshold") }
            guard let v = Double(t), v.isFinite, v >= 0 else { throw CLIError.usage("--score-threshold expects a non-negative number, got '\(t)'") }
            request.scoreThreshold = v
        }
        if serve != nil && request.policy == .threshold { throw CLIError.usage("--serve uses the selector; it cannot be combined with --policy threshold") }
        request.serve = serve
        if let t = args.string("interval") { request.interval = try parseLatencyBudget(t, option: "interval") }
        if let t = args.string("arrive-every") {
            guard !args.has("interval") else { throw CLIError.usage("--arrive-every and --interval cannot be combined") }
            let every = try parseLatencyBudget(t, option: "arrive-every")
            guard every >= .microseconds(10) else { throw CLIError.usage("--arrive-every expects at least 10us, got '\(t)'") }
            request.arrivalInterval = every
        }
        request.reportEvery = try args.int("report-every", in: 1...100_000_000) ?? 500
        request.tracePath = args.string("trace")
        if let m = args.string("memory-warning-below") { request.memoryThresholds.warningBelowBytes = try parseMemoryBudget(m) }
        if let m = args.string("memory-critical-below") { request.memoryThresholds.criticalBelowBytes = try parseMemoryBudget(m) }
        request.threads = threads
        request.preprocessMNIST = preprocessMNIST
        request.useCache = !args.has("no-cache")
        request.topK = try args.int("top-k", in: 1...10) ?? 3
        return request
    }
}

/// The device profile cache: `$XDG_CACHE_HOME/tfliteengine/device-profile.json`,
/// else `~/.cache/tfliteengine/device-profile.json`; nil without either variable.
func deviceProfileCachePath() -> String? {
    let env = ProcessInfo.processInfo.environment
    let base: String
    if let xdg = env["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
        base = xdg
    } else if let home = env["HOME"], !home.isEmpty {
        base = home + "/.cache"
    } else {
        return nil
    }
    let dir = base + "/tfliteengine"
    // A cache that cannot be created is not an error: the profile is then measured every time.
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir + "/device-profile.json"
}

/// The cached profile if fresh, otherwise a new measurement (cached when `useCache`).
func deviceProfile(useCache: Bool) -> (DeviceProfile, source: String) {
    guard useCache, let path = deviceProfileCachePath() else { return (DeviceProfile.measure(), "measured now") }
    var measured = false
    let profile = DeviceProfile.loadOrMeasure(cachePath: path) { budget in
        measured = true
        return DeviceProfile.measure(budget: budget)
    }
    return (profile, measured ? "measured now, cached in \(path)" : "cached in \(path)")
}

enum Auto {
    static func run(_ request: AutoRequest) throws {
        var digits: [[Float]] = []
        for path in request.images {
            let image: DecodedImage
            do { image = try DecodedImage(contentsOfFile: path) } catch let e as ImageError {
                throw CLIError.runtime(e.reason.hasPrefix("cannot read") ? e.reason : "image '\(path)': \(e.reason)")
            }
            digits.append(try mnistInput(image, path: path, preprocess: request.preprocessMNIST))
        }
        let digit = digits[0]

        let (profile, source) = deviceProfile(useCache: request.useCache)
        print("device: AI score \(Int(profile.aiScore.isFinite ? profile.aiScore.rounded() : 0)) (\(source))")
        var budget = "latency \(formatDuration(request.latencyBudget))"
        if let m = request.memoryBudgetBytes { budget += ", memory \(m) bytes (\((Double(m) / 10_485.76).rounded() / 100) MiB)" }
        if request.minimumAccuracy > 0 { budget += ", minimum accuracy \(request.minimumAccuracy)" }
        print("budget: \(budget), \(request.threads) thread\(request.threads == 1 ? "" : "s")")

        let model: InterpreterDigitModel
        switch request.policy {
        case .threshold:
            model = try thresholdChoice(request, profile: profile)
        case .selector:
            let selection: DigitModelSelection
            do {
                selection = try DigitModels.selectAutomatically(
                    catalogPath: request.catalog, latencyBudget: request.latencyBudget, memoryBudgetBytes: request.memoryBudgetBytes,
                    minimumAccuracy: request.minimumAccuracy, threads: request.threads, profile: profile)
            } catch let ModelCatalogError.unreadable(path, reason) {
                let fileMissing = !FileManager.default.fileExists(atPath: path)
                throw CLIError.runtime(fileMissing ? "no model catalog at '\(path)' (--auto DIR needs DIR/models.json)" : "cannot read model catalog '\(path)': \(reason)")
            } catch let ModelCatalogError.invalidEntry(name, reason) {
                throw CLIError.runtime("model catalog '\(request.catalog)': entry '\(name)': \(reason)")
            } catch ModelSelectionError.noCandidates {
                throw CLIError.runtime("model catalog '\(request.catalog)' lists no models")
            } catch let ModelSelectionError.noLoadableModel(reasons) {
                throw CLIError.runtime("no model in '\(request.catalog)' could be loaded: " + reasons.joined(separator: "; "))
            }
            print(selection.explanation)
            model = selection.model
            if let requests = request.serve {
                try serve(request, requests: requests, digits: digits, profile: profile, start: selection.chosen.name)
                return
            }
        }
        let probabilities = try model.probabilities(mnistImage: digit)
        print("prediction (\(request.image)\(request.preprocessMNIST ? ", --preprocess mnist" : "")):")
        for (rank, entry) in Runner.topK(probabilities, request.topK).enumerated() {
            print("  \(rank + 1). digit \(entry.index)  \(Runner.formatScore(entry.score))")
        }
    }

    /// `--policy threshold`: the original app's choice, then its real latency against the budget (which it never checks).
    static func thresholdChoice(_ request: AutoRequest, profile: DeviceProfile) throws -> InterpreterDigitModel {
        let catalog: ModelCatalog
        do { catalog = try ModelCatalog.load(path: request.catalog) } catch {
            throw CLIError.runtime("model catalog '\(request.catalog)': \(error)")
        }
        guard let policy = ThresholdPolicy.original(in: catalog.candidates, threshold: request.scoreThreshold),
              let big = catalog.candidates.first(where: { $0.name == policy.big }),
              let small = catalog.candidates.first(where: { $0.name == policy.small }) else {
            throw CLIError.runtime("model catalog '\(request.catalog)' has no VGG-style and MobileNet-style pair for --policy threshold")
        }
        let name = policy.choose(aiScore: profile.aiScore)
        let chosen = name == big.name ? big : small
        let model: InterpreterDigitModel
        do { model = try DigitModelLoader().load(chosen, threads: request.threads) } catch {
            throw CLIError.runtime("the threshold policy chose \(chosen.name), which failed to load: \(error)")
        }
        // Measured here for the report only: the policy itself checks nothing.
        _ = try model.probabilities(mnistImage: model.probeInput)
        var times: [Duration] = []
        for _ in 0..<5 {
            let clock = ContinuousClock()
            let start = clock.now
            _ = try model.probabilities(mnistImage: model.probeInput)
            times.append(clock.now - start)
        }
        let measured = times.sorted()[times.count / 2]
        let score = Int(profile.aiScore.rounded())
        print("threshold policy (the original app's): AI score \(score) \(profile.aiScore >= policy.threshold ? "≥" : "<") \(Int(policy.threshold)): \(chosen.name) (accuracy \((chosen.accuracy * 10000).rounded() / 100)%), no latency or memory check")
        let verdict = measured <= request.latencyBudget ? "within" : "over"
        print("  measured afterwards: \(formatDuration(measured)), \(verdict) the \(formatDuration(request.latencyBudget)) budget")
        return model
    }

    /// `--serve N`: N requests through the adaptive runner, printing every switch and a status line every `reportEvery`.
    static func serve(_ request: AutoRequest, requests: Int, digits: [[Float]], profile: DeviceProfile, start: String) throws {
        let catalog = try ModelCatalog.load(path: request.catalog).withWorkloads()
        let pressure = SystemMemoryPressure(thresholds: request.memoryThresholds)
        let runner = try AdaptiveRunner(candidates: catalog.candidates, profile: profile,
                                        policy: AdaptationPolicy(latencyBudget: request.latencyBudget), start: start,
                                        loader: DigitModelLoader(), pressure: pressure, threads: request.threads)
        print("serving \(requests) requests, budget \(formatDuration(request.latencyBudget)); ladder: "
              + zip(runner.ladder, runner.predictedLatencies).map { "\($0.name) (\(formatDuration($1)) predicted)" }.joined(separator: " < "))
        // Wall-clock time (local, HH:mm:ss.SS), so the log lines up with whatever else runs on the machine (tools/selection_demo.sh).
        func stamp() -> String {
            var now = timespec(), parts = tm()
            clock_gettime(CLOCK_REALTIME, &now)
            localtime_r(&now.tv_sec, &parts)
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            return "[\(two(Int(parts.tm_hour))):\(two(Int(parts.tm_min))):\(two(Int(parts.tm_sec))).\(two(Int(now.tv_nsec) / 10_000_000))]"
        }
        var seenEvents = 0
        var window: [Duration] = []
        var windowStart = 1
        var served: [String: Int] = [:]
        // request, end of the request as Unix time in seconds, latency in ms, model, the thread's CPU time in ms
        // (latency minus CPU time: how long it waited for a core): to line up with other events.
        var trace = request.tracePath == nil ? "" : "request,unix_time_s,latency_ms,model,cpu_ms\n"
        var arrivals = request.arrivalInterval.map { ArrivalSchedule(every: $0) }
        let interruption = ServeInterruption()
        defer { interruption.stop() }
        for i in 0..<requests {
            if interruption.isInterrupted {
                print("\(stamp()) interrupted: stopping after \(i) requests")
                break
            }
            let waited = arrivals?.waitForNext() ?? .zero
            let answer = try runner.classify(digits[i % digits.count], waited: waited)
            served[answer.modelName, default: 0] += 1
            if request.tracePath != nil {
                var now = timespec()
                clock_gettime(CLOCK_REALTIME, &now)
                let micros = Int(now.tv_nsec) / 1000
                let fraction = String(micros + 1_000_000).dropFirst()
                trace += "\(i + 1),\(now.tv_sec).\(fraction),\(DecimalText.fixed(milliseconds(answer.latency), decimals: 4)),\(answer.modelName),\(answer.cpuTime.map { DecimalText.fixed(milliseconds($0), decimals: 4) } ?? "")\n"
            }
            window.append(answer.latency)
            let events = runner.switchEvents
            for event in events[seenEvents...] {
                let startup = event.predictedStartup.map { ", start-up ~\(formatDuration($0)) predicted" } ?? ""
                print("\(stamp()) request \(event.request): \(event)\(startup)")
            }
            seenEvents = events.count
            if (i + 1) % request.reportEvery == 0 || i + 1 == requests {
                let sorted = window.sorted()
                let over = window.filter { $0 > request.latencyBudget }.count
                let slowdown = runner.slowdown.map { " \(($0 * 100).rounded() / 100)x the prediction," } ?? ""
                let contention = runner.contention.map { " contention \(($0 * 100).rounded() / 100)x," } ?? ""
                let memory = pressure.reading()
                print("\(stamp()) requests \(windowStart)-\(i + 1): \(runner.currentModelName), median \(formatDuration(sorted[sorted.count / 2])), p90 \(formatDuration(sorted[min(sorted.count - 1, sorted.count * 9 / 10)])), \(over) over budget,\(slowdown)\(contention) memory \(memory.level) (\(memory.reason))")
                window.removeAll()
                windowStart = i + 2
            }
            if request.interval > .zero {
                var pause = timespec(tv_sec: Int(request.interval.components.seconds), tv_nsec: Int(request.interval.components.attoseconds / 1_000_000_000))
                nanosleep(&pause, nil)
            }
        }
        print("served: " + served.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
              + (arrivals.map { ", \($0.dropped) frames dropped (arrived while another was served)" } ?? ""))
        if let path = request.tracePath { try FileAccess.write(Data(trace.utf8), to: path, what: "trace") }
    }

    /// A 28×28 MNIST-style image (784 floats in [0, 1]) from a decoded image (as gray): MNIST
    /// preprocessing, or a plain bilinear resize of an image already in MNIST style.
    static func mnistInput(_ image: DecodedImage, path: String, preprocess: Bool) throws -> [Float] {
        if preprocess {
            guard let gray = GrayImage(width: image.width, height: image.height, pixels: image.converted(to: .gray).floatPixels()) else {
                throw CLIError.runtime("image '\(path)' is \(image.width)x\(image.height), too large for --preprocess mnist")
            }
            do { return try DigitModels.preprocessMNIST(gray) } catch DigitPreprocessingError.noInkFound {
                throw CLIError.runtime("image '\(path)': no digit found (no ink distinguishable from the background)")
            }
        }
        return try ImagePreprocessing.prepare(image, height: 28, width: 28, channels: 1, mean: 0, std: 1, invert: false)
    }

    /// Milliseconds with at most three decimals, e.g. "0.226 ms".
    static func formatDuration(_ d: Duration) -> String {
        "\((milliseconds(d) * 1000).rounded() / 1000) ms"
    }

    /// `infer --score`: measures the device (and refreshes the cache unless `useCache` is false).
    static func score(json: Bool, useCache: Bool) {
        let profile = DeviceProfile.measure(scoreBudget: .seconds(3))
        if useCache, let path = deviceProfileCachePath() { try? profile.save(to: path) }
        typealias R = DeviceProfile.ReferenceDevice
        let ratios = [
            ("float32_1t", profile.float32GFLOPSSingleThread, R.float32GFLOPSSingleThread),
            ("float32_mt", profile.float32GFLOPSMultiThread, R.float32GFLOPSMultiThread),
            ("int8_1t", profile.int8GOPSSingleThread, R.int8GOPSSingleThread),
            ("int8_mt", profile.int8GOPSMultiThread, R.int8GOPSMultiThread),
            ("bandwidth", profile.memoryBandwidthGBps, R.memoryBandwidthGBps),
        ]
        if json {
            print(JSON.object([
                ("ai_score", .number(profile.aiScore)),
                ("cores", .int(profile.coreCount)),
                ("available_memory_bytes", profile.availableMemoryBytes.map { .int($0) } ?? .null),
                ("float32_gflops_single_thread", .number(profile.float32GFLOPSSingleThread)),
                ("float32_gflops_multi_thread", .number(profile.float32GFLOPSMultiThread)),
                ("int8_gops_single_thread", .number(profile.int8GOPSSingleThread)),
                ("int8_gops_multi_thread", .number(profile.int8GOPSMultiThread)),
                ("memory_bandwidth_gbps", .number(profile.memoryBandwidthGBps)),
                ("reference", .object(ratios.map { ($0.0, .number($0.2)) })),
                ("engine_version", .string(profile.engineVersion)),
                ("ai_score_spread", profile.aiScoreSpread.map { .number($0) } ?? .null),
                ("build_key", .string(profile.buildKey)),
                ("calibration_median_spread", profile.calibration.map { .number($0.medianSpread) } ?? .null),
            ]).rendered)
            return
        }
        print(DigitModels.scoreReport(profile))
        let terms = ratios.map { "\(Runner.fixed($0.1, 1))/\($0.2)" }.joined(separator: " · ")
        print("formula: AI score = 1000 × (\(terms))^(1/5) (measured ÷ reference: f32 1T, f32 all, i8 1T, i8 all, copy GB/s)")
    }
}

/// `--latency-budget` (and the other duration options, named by `option`): a duration with unit, e.g. 5ms, 0.5ms, 2s, 800us.
func parseLatencyBudget(_ text: String, option: String = "latency-budget") throws -> Duration {
    guard let d = BudgetParsing.duration(text) else {
        throw CLIError.usage("--\(option) expects a duration with a unit (ns, us, ms, s), e.g. 5ms or 0.5ms; got '\(text)'")
    }
    return d
}

/// `--memory-budget`: a size with unit, KB/MB/GB decimal or KiB/MiB/GiB binary.
func parseMemoryBudget(_ text: String) throws -> Int {
    guard let b = BudgetParsing.bytes(text) else {
        throw CLIError.usage("--memory-budget expects a size with a unit (B, KB, MB, GB = powers of 1000; KiB, MiB, GiB = powers of 1024), e.g. 50MB; got '\(text)'")
    }
    return b
}

// MARK: infer selection-report

/// Options of `infer selection-report DIR [MODEL…]`.
let selectionReportOptions: [OptionSpec] = [
    OptionSpec(name: "help", short: "h", help: "show this help and exit"),
    OptionSpec(name: "runs", valueName: "N", help: "timed invokes per model and round (default 20)"),
    OptionSpec(name: "rounds", valueName: "N", help: "rounds over all models; the median of the round medians counts (default 3)"),
    OptionSpec(name: "repeat", valueName: "N", help: "repeat calibration and measurement N times; medians count (default 3)"),
    OptionSpec(name: "calibration-budget", valueName: "T", help: "time for the device measurement, e.g. 800ms (default 800ms)"),
    OptionSpec(name: "per-class", help: "also print each model's predicted and profiled time per kernel class"),
    OptionSpec(name: "write-doc", valueName: "FILE", help: "replace the block between <!-- selection-report:begin --> and <!-- selection-report:end --> in FILE"),
    OptionSpec(name: "write-readme", valueName: "FILE", help: "replace the block between <!-- selection-claims:begin --> and <!-- selection-claims:end --> in FILE"),
    OptionSpec(name: "memory-probe", valueName: "MODEL", help: "(used by the report) print the memory MODEL holds once loaded and run in this process, and exit"),
]

/// What `infer selection-report` should do.
struct SelectionReportRequest {
    var catalog: String
    var extraModels: [String] = []
    var runs = 20
    var rounds = 3
    var repetitions = 3
    var calibrationBudget: Duration = .milliseconds(800)
    var memoryProbe: String?
    var perClass = false
    var writeDoc: String?
    var writeReadme: String?
    /// The command line, quoted in the generated documents.
    var commandLine = ""

    static func parse(_ arguments: [String]) throws -> Command {
        let args = try ArgumentParser.parse(arguments, specs: selectionReportOptions)
        if args.has("help") { return .help }
        if let model = args.string("memory-probe") {
            var request = SelectionReportRequest(catalog: "")
            request.memoryProbe = model
            return .selectionReport(request)
        }
        guard let catalog = args.positionals.first else { throw CLIError.usage("selection-report: missing DIR (a directory with models.json)") }
        var request = SelectionReportRequest(catalog: catalog, extraModels: Array(args.positionals.dropFirst()))
        request.runs = try args.int("runs", in: 1...100_000) ?? 20
        request.rounds = try args.int("rounds", in: 1...1000) ?? 3
        request.repetitions = try args.int("repeat", in: 1...100) ?? 3
        if let t = args.string("calibration-budget") { request.calibrationBudget = try parseLatencyBudget(t, option: "calibration-budget") }
        request.perClass = args.has("per-class")
        request.writeDoc = args.string("write-doc")
        request.writeReadme = args.string("write-readme")
        request.commandLine = (["infer", "selection-report"] + arguments).joined(separator: " ")
        return .selectionReport(request)
    }
}

enum SelectionReportCommand {
    static func run(_ request: SelectionReportRequest) throws {
        if let model = request.memoryProbe {
            guard let growth = try ProcessResources.modelMemory(modelPath: model) else {
                throw CLIError.runtime("this platform does not report resident memory by mapping")
            }
            print(growth)
            return
        }
        // Memory first, each model in a fresh process of this executable.
        var memory: [String: Int] = [:]
        let loadBefore = ProcessResources.loadAverage()
        let catalog: ModelCatalog
        do { catalog = try ModelCatalog.load(path: request.catalog).withWorkloads() } catch {
            throw CLIError.runtime("model catalog '\(request.catalog)': \(error)")
        }
        let base = catalog.candidates
        var extra: [ModelCandidate] = []
        for path in request.extraModels {
            do { extra.append(try SelectionReport.candidate(modelPath: path)) } catch {
                throw CLIError.runtime("'\(path)': \(error)")
            }
        }
        let candidates = base + extra
        for c in candidates { memory[c.path] = peakResidentGrowth(of: c.path) }
        // Calibration and measurement, repeated; the last profile is the one shown and used below.
        var repetitions: [[SelectionReport.ModelRow]] = []
        var profile = DeviceProfile.measure(budget: request.calibrationBudget)
        for r in 0..<request.repetitions {
            if r > 0 { profile = DeviceProfile.measure(budget: request.calibrationBudget) }
            repetitions.append(SelectionReport.measure(candidates, profile: profile, runs: request.runs, rounds: request.rounds))
        }
        guard let calibration = profile.calibration else { throw CLIError.runtime("the device calibration failed") }
        var rows = SelectionReport.combine(repetitions)
        for i in rows.indices { rows[i].measuredMemoryBytes = memory[rows[i].candidate.path] }
        let catalogNames = Set(catalog.candidates.map(\.name))
        let catalogRows = rows.filter { catalogNames.contains($0.candidate.name) }
        let sweep = budgetSweep(catalogRows, catalog: catalog, profile: profile)
        let comparison = policyComparison(catalogRows, profile: profile)
        let claims = readmeClaims(catalog: catalog, profile: profile)
        let loadAfter = ProcessResources.loadAverage()
        func load(_ x: Double?) -> String { x.map { "\(($0 * 100).rounded() / 100)" } ?? "unknown" }
        let machine = "\(BuildFlavourAdvice.cpuDescription() ?? "CPU not identified"), \(profile.coreCount) cores, engine build flavour `\(TFLiteEngineBuild.flavour)`; load average \(load(loadBefore)) before, \(load(loadAfter)) after; AI score \(Int(profile.aiScore.rounded())) (round spread \(Int(((profile.aiScoreSpread ?? 0) * 100).rounded()))%)"
        let doc = [
            "Generated by `swift run -c release \(request.commandLine)` (add the build flags of the flavour), \(Date().formatted(.iso8601)); \(machine).",
            "",
            "Kernel calibration (`KernelCalibration`) of the last repetition: \(calibration.probes.count) probes.",
            "",
            SelectionReport.calibrationTable(calibration),
            "",
            "Predicted against measured, one thread: \(request.repetitions) repetitions of (calibration, then \(request.rounds) rounds of \(request.runs) invokes per model); predicted and measured are the medians over the repetitions; measured = the median of the round medians of the invokes in the thread's CPU time, less one read of that clock (the engine's work: what the calibration predicts), the best round (the smallest round median: the moment least disturbed by other processes), and the wall time (what a caller waits: the same as the CPU time on an idle machine, more when other processes hold the cores). Memory: what the model holds, measured in a fresh process per model (`ProcessResources.modelMemory`).",
            "",
            SelectionReport.latencyTable(rows),
            "",
            "Budget sweep (each model's request latency as the selector times it — digit adapter, copy in, invoke, read out — measured once more just before each selection; budget = 1.1 × that; expected = the most accurate model whose request latency fits; chosen = `ModelSelector` with real timing, a moment later):",
            "",
            sweep.table,
            "",
            "The selector against the threshold policy on simulated device classes (`PolicyComparison`; this device's latencies are the CPU-time medians above):",
            "",
            comparison,
        ].joined(separator: "\n")
        print(doc)
        print("")
        print("README claims:\n" + claims)
        if let file = request.writeDoc { try replaceBlock(in: file, marker: "selection-report", with: doc) }
        if let file = request.writeReadme { try replaceBlock(in: file, marker: "selection-claims", with: claims) }
        if request.perClass {
            for row in rows {
                print("\n\(row.candidate.name): class | predicted ms | profiled fastest ms | profiled mean ms")
                guard let b = try? SelectionReport.breakdown(row.candidate, profile: profile) else { continue }
                for r in b.classes {
                    print("  \(r.kernelClass) | \(Auto.formatDuration(r.predicted)) | \(Auto.formatDuration(r.fastest)) | \(Auto.formatDuration(r.mean))")
                }
                for line in b.outliers { print("  off by more than 40%: \(line)") }
            }
        }
    }

    /// For each catalog model: its request latency as the selector measures
    /// it (`scores(for:)` on the model's probe input through the digit
    /// loader: adapter, copy in, invoke, read out; median of 20 after a
    /// warm-up), the budget 1.1 × that, the model that should be chosen (the
    /// most accurate whose request latency fits) and the one `ModelSelector`
    /// chooses. Every model is measured again just before each selection, so
    /// the expected model comes from the host's speed of that moment (this
    /// host's speed drifts by up to 1.4× within a minute).
    static func budgetSweep(_ rows: [SelectionReport.ModelRow], catalog: ModelCatalog, profile: DeviceProfile) -> (table: String, failures: Int) {
        var lines = ["| model | its request latency | budget (1.1×) | expected | chosen | |", "|---|---:|---:|---|---|---|"]
        var failures = 0
        let models = rows.compactMap { row -> InterpreterDigitModel? in
            guard let model = try? DigitModelLoader().load(row.candidate, threads: 1),
                  (try? model.scores(for: model.probeInput)) != nil else { return nil }
            return model
        }
        func requestLatencies() -> [(ModelCandidate, Duration)] {
            let clock = ContinuousClock()
            return models.map { model in
                var times: [Duration] = []
                for _ in 0..<20 {
                    let start = clock.now
                    _ = try? model.scores(for: model.probeInput)
                    times.append(clock.now - start)
                }
                return (model.candidate, times.sorted()[times.count / 2])
            }
        }
        let selector = ModelSelector(profile: profile, loader: DigitModelLoader())
        let order = requestLatencies().sorted { $0.1 < $1.1 }.map(\.0.name)
        for name in order {
            let requestLatency = requestLatencies()
            guard let latency = requestLatency.first(where: { $0.0.name == name })?.1 else { continue }
            let budget = latency * 1.1
            let fitting = requestLatency.filter { $0.1 <= budget }
            guard let expected = fitting.max(by: { a, b in
                a.0.accuracy != b.0.accuracy ? a.0.accuracy < b.0.accuracy : a.1 > b.1
            }) else { continue }
            let chosen = (try? selector.select(from: catalog.candidates, constraints: .init(latencyBudget: budget)))?.chosen.name ?? "none"
            let ok = chosen == expected.0.name
            if !ok { failures += 1 }
            lines.append("| \(name) | \(Auto.formatDuration(latency)) | \(Auto.formatDuration(budget)) | \(expected.0.name) | \(chosen) | \(ok ? "ok" : "**differs**") |")
        }
        lines.append("")
        lines.append("\(order.count - failures) of \(order.count) as expected.")
        return (lines.joined(separator: "\n"), failures)
    }

    static func policyComparison(_ rows: [SelectionReport.ModelRow], profile: DeviceProfile) -> String {
        let models = rows.map {
            PolicyComparison.MeasuredModel(candidate: $0.candidate, measuredLatency: $0.measuredCPUTime,
                                           measuredMemoryBytes: $0.measuredMemoryBytes ?? $0.predictedMemoryBytes)
        }
        guard let threshold = ThresholdPolicy.original(in: models.map(\.candidate)) else { return "(no VGG/MobileNet pair in the catalog)" }
        let outcomes = PolicyComparison.compare(models, profile: profile, threshold: threshold)
        let budgets = PolicyComparison.standardBudgets.map { Auto.formatDuration($0) }.joined(separator: ", ")
        return """
        Threshold policy: \(threshold.big) at AI score ≥ \(Int(threshold.threshold)), else \(threshold.small); score readings \(PolicyComparison.standardScoreReadings.map { "\($0)×" }.joined(separator: ", ")) the class's score. Budgets: \(budgets). A miss is a chosen model whose latency on the class exceeds the budget or whose memory exceeds the class's limit.

        \(PolicyComparison.markdown(outcomes))
        """
    }

    /// Sentences for the README, from real selections on this device.
    static func readmeClaims(catalog: ModelCatalog, profile: DeviceProfile) -> String {
        let selector = ModelSelector(profile: profile, loader: DigitModelLoader())
        func pick(_ budget: Duration, memory: Int? = nil) -> String {
            let s = try? selector.select(from: catalog.candidates, constraints: .init(latencyBudget: budget, memoryBudgetBytes: memory))
            return s.map { "`\($0.chosen.name)`\($0.isFallback ? " (fallback: nothing fits)" : "")" } ?? "nothing"
        }
        let machine = "\(TFLiteEngineBuild.flavour) release build, \(profile.coreCount) cores, load average \(ProcessResources.loadAverage().map { "\(($0 * 10).rounded() / 10)" } ?? "unknown")"
        return "On the build machine (\(machine); regenerated by `infer selection-report weights/ --write-readme README.md`): a 0.05 ms budget picks \(pick(.microseconds(50))), 0.1 ms \(pick(.microseconds(100))), 1 ms \(pick(.milliseconds(1))), 50 ms \(pick(.milliseconds(50))), and 50 ms with a 600 KB memory budget \(pick(.milliseconds(50), memory: 600_000))."
    }

    /// Replaces the text between `<!-- MARKER:begin -->` and `<!-- MARKER:end -->` in `file`.
    static func replaceBlock(in file: String, marker: String, with text: String) throws {
        guard let content = try? String(contentsOfFile: file, encoding: .utf8) else { throw CLIError.runtime("cannot read '\(file)'") }
        let begin = "<!-- \(marker):begin -->", end = "<!-- \(marker):end -->"
        guard let b = content.firstRange(of: begin), let e = content.firstRange(of: end), b.upperBound <= e.lowerBound else {
            throw CLIError.runtime("'\(file)' has no \(begin) ... \(end) block")
        }
        let updated = String(content[..<b.upperBound]) + "\n" + text + "\n" + String(content[e.lowerBound...])
        do { try updated.write(toFile: file, atomically: true, encoding: .utf8) } catch {
            throw CLIError.runtime("cannot write '\(file)': \(error)")
        }
    }

    /// Runs `infer selection-report --memory-probe MODEL` in a child process and reads its number.
    static func peakResidentGrowth(of modelPath: String) -> Int? {
        let argument0 = CommandLine.arguments[0]
        let executable = ProcessResources.currentExecutablePath()
            ?? (argument0.hasPrefix("/") ? argument0 : FileManager.default.currentDirectoryPath + "/" + argument0)
        let output = ProcessResources.standardOutput(ofExecutable: executable, arguments: ["selection-report", "--memory-probe", modelPath])
        return output.flatMap { Int($0.filter { !$0.isWhitespace }) }
    }
}
