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
        let image: DecodedImage
        do { image = try DecodedImage(contentsOfFile: request.image) } catch let e as ImageError {
            throw CLIError.runtime(e.reason.hasPrefix("cannot read") ? e.reason : "image '\(request.image)': \(e.reason)")
        }
        let digit = try mnistInput(image, path: request.image, preprocess: request.preprocessMNIST)

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
