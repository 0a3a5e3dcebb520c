#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TFLiteEngine
import InputFormats
import ModelSelection

/// What `infer --auto DIR IMAGE` should do.
struct AutoRequest {
    var catalog: String
    var image: String
    var latencyBudget: Duration = .milliseconds(5)
    var memoryBudgetBytes: Int?
    var minimumAccuracy = 0.0
    var threads = 1
    var preprocessMNIST = false
    var useCache = true
    var topK = 3
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
        let pgm: PGMImage
        do { pgm = try PGMImage(contentsOfFile: request.image) } catch let e as ImageError {
            throw CLIError.runtime(e.reason.hasPrefix("cannot read") ? e.reason : "image '\(request.image)': \(e.reason)")
        }
        let digit = try mnistInput(pgm, path: request.image, preprocess: request.preprocessMNIST)

        let (profile, source) = deviceProfile(useCache: request.useCache)
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
        let probabilities = try selection.model.probabilities(mnistImage: digit)

        print("device: AI score \(Int(profile.aiScore.isFinite ? profile.aiScore.rounded() : 0)) (\(source))")
        var budget = "latency \(formatDuration(request.latencyBudget))"
        if let m = request.memoryBudgetBytes { budget += ", memory \(m) bytes (\((Double(m) / 10_485.76).rounded() / 100) MiB)" }
        if request.minimumAccuracy > 0 { budget += ", minimum accuracy \(request.minimumAccuracy)" }
        print("budget: \(budget), \(request.threads) thread\(request.threads == 1 ? "" : "s")")
        print(selection.explanation)
        print("prediction (\(request.image)\(request.preprocessMNIST ? ", --preprocess mnist" : "")):")
        for (rank, entry) in Runner.topK(probabilities, request.topK).enumerated() {
            print("  \(rank + 1). digit \(entry.index)  \(Runner.formatScore(entry.score))")
        }
    }

    /// A 28×28 MNIST-style image (784 floats in [0, 1]) from a PGM: MNIST
    /// preprocessing, or a plain bilinear resize of an image already in MNIST style.
    static func mnistInput(_ pgm: PGMImage, path: String, preprocess: Bool) throws -> [Float] {
        if preprocess {
            guard let gray = GrayImage(width: pgm.width, height: pgm.height, pixels: pgm.pixels) else {
                throw CLIError.runtime("image '\(path)' is \(pgm.width)x\(pgm.height), too large for --preprocess mnist")
            }
            do { return try DigitModels.preprocessMNIST(gray) } catch DigitPreprocessingError.noInkFound {
                throw CLIError.runtime("image '\(path)': no digit found (no ink distinguishable from the background)")
            }
        }
        return try ImagePreprocessing.prepare(pgm, height: 28, width: 28, channels: 1, mean: 0, std: 1, invert: false)
    }

    static func formatDuration(_ d: Duration) -> String {
        "\(milliseconds(d)) ms"
    }

    /// `infer --score`: measures the device (and refreshes the cache unless `useCache` is false).
    static func score(json: Bool, useCache: Bool) {
        let profile = DeviceProfile.measure()
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
            ]).rendered)
            return
        }
        print(DigitModels.scoreReport(profile))
        let terms = ratios.map { "\(Runner.fixed($0.1, 1))/\($0.2)" }.joined(separator: " · ")
        print("formula: AI score = 1000 × (\(terms))^(1/5) (measured ÷ reference: f32 1T, f32 all, i8 1T, i8 all, copy GB/s)")
    }
}

/// `--latency-budget`: a duration with unit, e.g. 5ms, 0.5ms, 2s, 800us.
func parseLatencyBudget(_ text: String) throws -> Duration {
    guard let d = BudgetParsing.duration(text) else {
        throw CLIError.usage("--latency-budget expects a duration with a unit (ns, us, ms, s), e.g. 5ms or 0.5ms; got '\(text)'")
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
    OptionSpec(name: "calibration-budget", valueName: "T", help: "time for the device measurement, e.g. 800ms (default 800ms)"),
    OptionSpec(name: "per-class", help: "also print each model's predicted and profiled time per kernel class"),
    OptionSpec(name: "memory-probe", valueName: "MODEL", help: "(used by the report) print the memory MODEL holds once loaded and run in this process, and exit"),
]

/// What `infer selection-report` should do.
struct SelectionReportRequest {
    var catalog: String
    var extraModels: [String] = []
    var runs = 20
    var rounds = 3
    var calibrationBudget: Duration = .milliseconds(800)
    var memoryProbe: String?
    var perClass = false

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
        if let t = args.string("calibration-budget") { request.calibrationBudget = try parseLatencyBudget(t) }
        request.perClass = args.has("per-class")
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
        let profile = DeviceProfile.measure(budget: request.calibrationBudget)
        guard let calibration = profile.calibration else { throw CLIError.runtime("the device calibration failed") }
        let catalog: ModelCatalog
        do { catalog = try ModelCatalog.load(path: request.catalog).withWorkloads() } catch {
            throw CLIError.runtime("model catalog '\(request.catalog)': \(error)")
        }
        var candidates = catalog.candidates
        for path in request.extraModels {
            do { candidates.append(try SelectionReport.candidate(modelPath: path)) } catch {
                throw CLIError.runtime("'\(path)': \(error)")
            }
        }
        for c in candidates { memory[c.path] = peakResidentGrowth(of: c.path) }
        var rows = SelectionReport.measure(candidates, profile: profile, runs: request.runs, rounds: request.rounds)
        for i in rows.indices { rows[i].measuredMemoryBytes = memory[rows[i].candidate.path] }
        let loadAfter = ProcessResources.loadAverage()
        func load(_ x: Double?) -> String { x.map { "\(($0 * 100).rounded() / 100)" } ?? "unknown" }
        print("engine build: \(TFLiteEngineBuild.flavour), \(profile.coreCount) cores; load average \(load(loadBefore)) before, \(load(loadAfter)) after")
        print("AI score \(Int(profile.aiScore.rounded())) (round spread \(Int(((profile.aiScoreSpread ?? 0) * 100).rounded()))%)")
        print("")
        print(SelectionReport.calibrationTable(calibration))
        print("")
        print(SelectionReport.latencyTable(rows))
        if request.perClass {
            for row in rows {
                print("\n\(row.candidate.name): class | predicted ms | profiled fastest ms | profiled mean ms")
                for r in (try? SelectionReport.classBreakdown(row.candidate, profile: profile)) ?? [] {
                    print("  \(r.kernelClass) | \(Auto.formatDuration(r.predicted)) | \(Auto.formatDuration(r.fastest)) | \(Auto.formatDuration(r.mean))")
                }
            }
        }
    }

    /// Runs `infer selection-report --memory-probe MODEL` in a child process and reads its number.
    static func peakResidentGrowth(of modelPath: String) -> Int? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0].hasPrefix("/")
            ? ProcessInfo.processInfo.arguments[0] : FileManager.default.currentDirectoryPath + "/" + ProcessInfo.processInfo.arguments[0])
        #if os(Linux)
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        #endif
        process.arguments = ["selection-report", "--memory-probe", modelPath]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
