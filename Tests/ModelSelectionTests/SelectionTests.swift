import XCTest
import Foundation
import TFLiteEngine
import InputFormats
@testable import ModelSelection

/// Device profile, cost prediction and model selection, with injected
/// profiles, loaders and timers (no real timing is asserted).
final class SelectionTests: XCTestCase {
    typealias F = SelectionFixtures

    // MARK: Device profile

    func testProfileJSONRoundTrip() throws {
        let profile = F.profile()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try profile.save(to: path)
        let loaded = try DeviceProfile.load(from: path)
        XCTAssertEqual(loaded, profile)
        XCTAssertEqual(loaded.engineVersion, TFLiteEngineInfo.version)
    }

    func testLoadOrMeasureUsesAFreshCacheAndRemeasuresAStaleOne() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var measured = 0
        let fake: (Duration) -> DeviceProfile = { _ in
            measured += 1
            var p = F.profile(float32GFLOPS: Double(measured))
            p.calibration = F.calibration()
            return p
        }
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        // No cache: measure and write it.
        let first = DeviceProfile.loadOrMeasure(cachePath: path, maxAgeDays: 7, now: t0, measure: fake)
        XCTAssertEqual(measured, 1)
        // Fresh (1 day later): cached.
        let second = DeviceProfile.loadOrMeasure(cachePath: path, maxAgeDays: 7, now: t0 + 86_400, measure: fake)
        XCTAssertEqual(measured, 1)
        XCTAssertEqual(second, first)
        // Stale (8 days later): measured again.
        let third = DeviceProfile.loadOrMeasure(cachePath: path, maxAgeDays: 7, now: t0 + 8 * 86_400, measure: fake)
        XCTAssertEqual(measured, 2)
        XCTAssertEqual(third.float32GFLOPSSingleThread, 2)
        // Another engine version: stale.
        var other = third
        other.engineVersion = "0.0.0-other"
        try other.save(to: path)
        _ = DeviceProfile.loadOrMeasure(cachePath: path, maxAgeDays: 7, now: t0 + 8 * 86_400, measure: fake)
        XCTAssertEqual(measured, 3)
        // Another build (flavour, optimisation or executable): calibrated again.
        try third.save(to: path)
        _ = DeviceProfile.loadOrMeasure(cachePath: path, maxAgeDays: 7, now: t0 + 86_400, measure: fake)
        XCTAssertEqual(measured, 3)
        _ = DeviceProfile.loadOrMeasure(cachePath: path, maxAgeDays: 7, now: t0 + 86_400, buildKey: "engine 0.1.0, avx512, release",
                                        measure: fake)
        XCTAssertEqual(measured, 4)
        // A cached profile without a calibration, or with a broken one, is measured again.
        let uncalibrated = F.profile()
        try uncalibrated.save(to: path)
        _ = DeviceProfile.loadOrMeasure(cachePath: path, maxAgeDays: 7, now: t0 + 86_400, measure: fake)
        XCTAssertEqual(measured, 5)
        var broken = F.profile()
        broken.calibration = F.calibration()
        broken.calibration?.nodeOverheadNanoseconds = -1
        try broken.save(to: path)
        _ = DeviceProfile.loadOrMeasure(cachePath: path, maxAgeDays: 7, now: t0 + 86_400, measure: fake)
        XCTAssertEqual(measured, 6)
        // A cache written before the calibration existed (no build key) does not decode: measured again.
        let oldFormat = #"{"engineVersion":"0.1.0","measuredAt":"2027-01-15T08:00:00Z","coreCount":2,"float32GFLOPSSingleThread":1,"#
            + #""float32GFLOPSMultiThread":1,"int8GOPSSingleThread":1,"int8GOPSMultiThread":1,"memoryBandwidthGBps":1,"aiScore":1}"#
        try Data(oldFormat.utf8).write(to: URL(fileURLWithPath: path))
        _ = DeviceProfile.loadOrMeasure(cachePath: path, maxAgeDays: 7, now: t0 + 86_400, measure: fake)
        XCTAssertEqual(measured, 7)
    }

    func testAIScoreIsGeometricMeanOfRatiosTimes1000() {
        typealias R = DeviceProfile.ReferenceDevice
        let reference = DeviceProfile.aiScore(float32Single: R.float32GFLOPSSingleThread, float32Multi: R.float32GFLOPSMultiThread,
                                              int8Single: R.int8GOPSSingleThread, int8Multi: R.int8GOPSMultiThread,
                                              bandwidth: R.memoryBandwidthGBps)
        XCTAssertEqual(reference, 1000, accuracy: 1e-9)
        let twice = DeviceProfile.aiScore(float32Single: 2 * R.float32GFLOPSSingleThread, float32Multi: 2 * R.float32GFLOPSMultiThread,
                                          int8Single: 2 * R.int8GOPSSingleThread, int8Multi: 2 * R.int8GOPSMultiThread,
                                          bandwidth: 2 * R.memoryBandwidthGBps)
        XCTAssertEqual(twice, 2000, accuracy: 1e-6)
        // One sub-test 32× faster, the rest equal: 32^(1/5) = 2.
        let oneFast = DeviceProfile.aiScore(float32Single: 32 * R.float32GFLOPSSingleThread, float32Multi: R.float32GFLOPSMultiThread,
                                            int8Single: R.int8GOPSSingleThread, int8Multi: R.int8GOPSMultiThread,
                                            bandwidth: R.memoryBandwidthGBps)
        XCTAssertEqual(oneFast, 2000, accuracy: 1e-6)
        XCTAssertGreaterThan(DeviceProfile.aiScore(float32Single: 0, float32Multi: .nan, int8Single: 1, int8Multi: 1, bandwidth: 1), 0)
    }

    func testMemAvailableParsing() {
        let text = "MemTotal:       32000000 kB\nMemFree:         1000 kB\nMemAvailable:   20000000 kB\n"
        XCTAssertEqual(DeviceProfile.parseMemAvailable(text), 20_000_000 * 1024)
        XCTAssertNil(DeviceProfile.parseMemAvailable("MemTotal: 1 kB\n"))
        XCTAssertNil(DeviceProfile.parseMemAvailable("MemAvailable: lots kB\n"))
    }

    func testMeasureProducesConsistentNumbers() throws {
        // Real measurement with a tiny budget. Speeds depend on the machine
        // (no timing assertions), but everything else is known: the core
        // count, the engine version, the AI score as the formula of its own
        // numbers, the available memory as /proc/meminfo says (within what
        // the process itself can change in between).
        let p = DeviceProfile.measure(budget: .milliseconds(40), rounds: 2)
        for (name, v) in [("float32 1 thread", p.float32GFLOPSSingleThread), ("float32 all", p.float32GFLOPSMultiThread),
                          ("int8 1 thread", p.int8GOPSSingleThread), ("int8 all", p.int8GOPSMultiThread),
                          ("bandwidth", p.memoryBandwidthGBps)] {
            XCTAssertTrue(v.isFinite && v > 0, "\(name): \(v)")
        }
        XCTAssertEqual(p.coreCount, ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertEqual(p.engineVersion, TFLiteEngineInfo.version)
        XCTAssertEqual(p.aiScore, DeviceProfile.aiScore(float32Single: p.float32GFLOPSSingleThread, float32Multi: p.float32GFLOPSMultiThread,
                                                       int8Single: p.int8GOPSSingleThread, int8Multi: p.int8GOPSMultiThread,
                                                       bandwidth: p.memoryBandwidthGBps), accuracy: 1e-9 * p.aiScore)
        XCTAssertNotNil(p.aiScoreSpread)
        XCTAssertEqual(p.buildKey, DeviceProfile.currentBuildKey)
        XCTAssertTrue(p.calibration?.isValid ?? false)
        XCTAssertTrue(p.isFresh(maxAgeDays: 1))
        #if os(Linux)
        let meminfo = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let now = try XCTUnwrap(DeviceProfile.parseMemAvailable(meminfo))
        let measured = try XCTUnwrap(p.availableMemoryBytes)
        XCTAssertEqual(Double(measured), Double(now), accuracy: 0.25 * Double(now))
        #endif
    }

    // MARK: Catalog and prediction

    func testCatalogReadsTheShippedModels() throws {
        let catalog = try ModelCatalog.load(path: F.weights.path)
        XCTAssertEqual(catalog.task, DigitModels.task)
        XCTAssertNotNil(catalog.candidates.first { $0.name == "mnist_small_cnn" })
        for c in catalog.candidates {
            XCTAssertTrue(FileManager.default.fileExists(atPath: c.path), c.path)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: c.path)).count, c.fileBytes, c.name)
            XCTAssertGreaterThan(c.macs.total, 0)
            XCTAssertGreaterThanOrEqual(c.accuracy, 0.985, c.name)
        }
        XCTAssertEqual(catalog.candidates.map(\.name).sorted(), F.shippedModelNames)
        // Every shipped model loads, so every arena gets filled in. The
        // catalogue records each arena, and withArenaSizes measures only the
        // missing ones: clear them, or nothing is loaded at all.
        var unsized = catalog
        for i in unsized.candidates.indices { unsized.candidates[i].arenaBytes = nil }
        let sized = unsized.withArenaSizes()
        for c in sized.candidates { XCTAssertGreaterThan(c.arenaBytes ?? 0, 0, "\(c.name) does not load") }
    }

    func testCatalogRejectsPathsOutsideItsDirectoryBadAccuracyAndEmptyShapes() {
        func json(file: String, accuracy: Double, shape: [Int] = [1, 28, 28, 1]) -> Data {
            Data("""
            {"task":"t","models":[{"name":"m","file":"\(file)","task":"t","architecture":"a","variant":"float32",
            "input":{"shape":\(shape),"dtype":"float32","quantization":null},
            "macs":{"conv":1,"depthwise":0,"elementwise":0},"op_count":1,"parameters":1,"file_bytes":1,
            "arena_bytes":null,"accuracy":{"litert_builtin":\(accuracy)}}]}
            """.utf8)
        }
        XCTAssertNoThrow(try ModelCatalog.parse(json(file: "m.tflite", accuracy: 0.9), directory: "/w"))
        XCTAssertThrowsError(try ModelCatalog.parse(json(file: "../m.tflite", accuracy: 0.9), directory: "/w"))
        XCTAssertThrowsError(try ModelCatalog.parse(json(file: "/etc/m.tflite", accuracy: 0.9), directory: "/w"))
        XCTAssertThrowsError(try ModelCatalog.parse(json(file: "m.tflite", accuracy: 1.5), directory: "/w"))
        XCTAssertThrowsError(try ModelCatalog.parse(Data("{".utf8), directory: "/w"))
        // Any family's input rank is accepted (e.g. token ids), but not an empty or non-positive shape.
        XCTAssertNoThrow(try ModelCatalog.parse(json(file: "m.tflite", accuracy: 0.9, shape: [1, 128]), directory: "/w"))
        XCTAssertThrowsError(try ModelCatalog.parse(json(file: "m.tflite", accuracy: 0.9, shape: []), directory: "/w"))
        XCTAssertThrowsError(try ModelCatalog.parse(json(file: "m.tflite", accuracy: 0.9, shape: [1, 0]), directory: "/w"))
    }

    func testPredictedLatencyFollowsWorkAndThroughput() {
        let cost = CostModel(convEfficiency: 0.5, depthwiseEfficiency: 0.1, perOperatorOverhead: .zero)
        let slow = F.profile(float32GFLOPS: 10), fast = F.profile(float32GFLOPS: 20)
        let c = F.candidate("m", megaMACs: 10, accuracy: 0.99)   // 20 MFLOP / (10 GFLOP/s × 0.5) = 4 ms
        XCTAssertEqual(Benchmarks.seconds(cost.predictLatency(c, profile: slow, threads: 1)), 0.004, accuracy: 1e-9)
        XCTAssertEqual(Benchmarks.seconds(cost.predictLatency(c, profile: fast, threads: 1)), 0.002, accuracy: 1e-9)
        // Two threads on two cores use the multi-threaded rate (2× here).
        XCTAssertEqual(Benchmarks.seconds(cost.predictLatency(c, profile: slow, threads: 2)), 0.002, accuracy: 1e-9)
        // int8 work uses the int8 rate (20 GOP/s in the fixture profile).
        let q = F.candidate("q", megaMACs: 10, accuracy: 0.99, variant: "int8")
        XCTAssertEqual(Benchmarks.seconds(cost.predictLatency(q, profile: slow, threads: 1)), 0.002, accuracy: 1e-9)
        // Packed weights: 4 bytes per parameter on top of the file (1 for
        // int8 models); float16 weights are also dequantized at load (4 more).
        let h = F.candidate("h", megaMACs: 1, accuracy: 0.99, fileBytes: 2000, variant: "float16")
        XCTAssertEqual(cost.predictMemory(h), 2000 + 10_000 + 2 * 4000)
        XCTAssertEqual(cost.predictMemory(q), q.fileBytes + (q.arenaBytes ?? 0) + q.parameters)
        // Calibration: predicted 4 ms but measured 8 ms halves the efficiencies.
        let calibrated = cost.calibrated(predicted: .milliseconds(4), measured: .milliseconds(8))
        XCTAssertEqual(Benchmarks.seconds(calibrated.predictLatency(c, profile: slow, threads: 1)), 0.008, accuracy: 1e-9)
    }

    // MARK: Selection

    private func ladder() -> [ModelCandidate] {
        // With the fixture profile and default cost model: ~0.2 ms, ~2 ms, ~20 ms.
        [F.candidate("tiny", megaMACs: 0.5, accuracy: 0.985),
         F.candidate("mid", megaMACs: 5, accuracy: 0.991),
         F.candidate("big", megaMACs: 50, accuracy: 0.995, fileBytes: 3_000_000)]
    }

    func testPicksTheMostAccurateModelThatFitsAndExplainsTheOthers() throws {
        let timer = ScriptedTimer(["tiny": 0.3, "mid": 2.5, "big": 25])
        let selector = ModelSelector(profile: F.profile(), costModel: F.cost, loader: FakeLoader(), timer: timer)
        let s = try selector.select(from: ladder(), constraints: .init(latencyBudget: .milliseconds(5)))
        XCTAssertEqual(s.chosen.name, "mid")
        XCTAssertFalse(s.isFallback)
        XCTAssertEqual(s.measuredLatency, .microseconds(2500))
        let verdicts = Dictionary(uniqueKeysWithValues: s.decisions.map { ($0.candidate.name, $0.verdict) })
        guard case .rejected(.predictedLatencyOverBudget) = verdicts["big"] else { return XCTFail("\(String(describing: verdicts["big"]))") }
        guard case .rejected(.lessAccurateThanChosen) = verdicts["tiny"] else { return XCTFail("\(String(describing: verdicts["tiny"]))") }
        XCTAssertTrue(s.explanation.contains("chose mid"), s.explanation)
        XCTAssertTrue(s.explanation.contains("big"), s.explanation)
        XCTAssertTrue(s.explanation.contains("more than 2× the budget 5.0 ms, not measured"), s.explanation)
        XCTAssertTrue(s.explanation.contains("measured 2.5 ms"), s.explanation)
    }

    func testAGenerousBudgetTakesTheBestAndAMinimumAccuracyRejects() throws {
        let selector = ModelSelector(profile: F.profile(), costModel: F.cost, loader: FakeLoader(), timer: ScriptedTimer(["big": 25]))
        let s = try selector.select(from: ladder(), constraints: .init(latencyBudget: .milliseconds(100)))
        XCTAssertEqual(s.chosen.name, "big")
        let strict = try selector.select(from: ladder(), constraints: .init(latencyBudget: .milliseconds(5), minimumAccuracy: 0.99))
        XCTAssertEqual(strict.chosen.name, "mid")
        XCTAssertTrue(strict.decisions.contains { d in
            if case .rejected(.belowMinimumAccuracy) = d.verdict { return d.candidate.name == "tiny" } else { return false }
        })
    }

    func testAModelThatFailsToLoadIsNeverSelected() throws {
        let loader = FakeLoader(failing: ["mid"])
        let selector = ModelSelector(profile: F.profile(), costModel: F.cost, loader: loader, timer: ScriptedTimer(["tiny": 0.3]))
        let s = try selector.select(from: ladder(), constraints: .init(latencyBudget: .milliseconds(5)))
        XCTAssertEqual(s.chosen.name, "tiny")
        XCTAssertTrue(s.decisions.contains { d in
            if case .rejected(.failedToLoad) = d.verdict { return d.candidate.name == "mid" } else { return false }
        })
    }

    func testAModelThatMissesTheBudgetWhenTimedIsReplacedByTheNext() throws {
        // "mid" is predicted at ~2 ms but really takes 9 ms (> 5 ms).
        let timer = ScriptedTimer(["tiny": 0.3, "mid": 9])
        let selector = ModelSelector(profile: F.profile(), costModel: F.cost, loader: FakeLoader(), timer: timer)
        let s = try selector.select(from: ladder(), constraints: .init(latencyBudget: .milliseconds(5)))
        XCTAssertEqual(s.chosen.name, "tiny")
        XCTAssertTrue(s.decisions.contains { d in
            if case .rejected(.measuredLatencyOverBudget) = d.verdict { return d.candidate.name == "mid" } else { return false }
        })
        // Over the budget by 10% it is rejected too (no margin by default), within a 20% margin it is kept.
        timer.set("mid", 5.5)
        XCTAssertEqual(try selector.select(from: ladder(), constraints: .init(latencyBudget: .milliseconds(5))).chosen.name, "tiny")
        XCTAssertEqual(try selector.select(from: ladder(), constraints: .init(latencyBudget: .milliseconds(5), latencyMargin: 0.2)).chosen.name, "mid")
    }

    /// Predicted (coarse, with F.cost) at ~0.23, ~0.83 and ~20 ms.
    private func nearLadder() -> [ModelCandidate] {
        [F.candidate("tiny", megaMACs: 0.5, accuracy: 0.985),
         F.candidate("mid", megaMACs: 2, accuracy: 0.991),
         F.candidate("big", megaMACs: 50, accuracy: 0.995)]
    }

    func testAModelPredictedSlightlyOverTheBudgetIsMeasuredBeforeBeingRejected() throws {
        // "mid" is predicted at ~0.83 ms against a 0.6 ms budget, but really takes 0.5 ms.
        let loader = FakeLoader()
        let timer = ScriptedTimer(["tiny": 0.1, "mid": 0.5, "big": 20])
        let selector = ModelSelector(profile: F.profile(), costModel: F.cost, loader: loader, timer: timer)
        let s = try selector.select(from: nearLadder(), constraints: .init(latencyBudget: .microseconds(600)))
        XCTAssertEqual(s.chosen.name, "mid", s.explanation)
        XCTAssertGreaterThan(s.predictedLatency, .microseconds(600))
        XCTAssertEqual(s.measuredLatency, .microseconds(500))
        XCTAssertTrue(s.explanation.hasPrefix("chose mid (accuracy 99.1%): predicted 0.83 ms (coarse), measured 0.5 ms"), s.explanation)
        // "big" (~20 ms, more than 2× the budget) is rejected on its prediction and never loaded.
        XCTAssertFalse(loader.loads.contains("big"))
        XCTAssertTrue(s.decisions.contains { $0.candidate.name == "big" && $0.measuredLatency == nil })
        // With no room for measuring, the prediction alone rejects it.
        let strict = try selector.select(from: nearLadder(), constraints: .init(latencyBudget: .microseconds(600), measureWithinFactor: 1))
        XCTAssertEqual(strict.chosen.name, "tiny")
    }

    func testTimingAModelThatIsClearlyOverTheBudgetStopsEarly() throws {
        let timer = CountingTimer(["tiny": 0.1, "mid": 5])
        let selector = ModelSelector(profile: F.profile(), costModel: F.cost, loader: FakeLoader(), timer: timer)
        let s = try selector.select(from: nearLadder(), constraints: .init(latencyBudget: .microseconds(600), confirmationRuns: 5))
        XCTAssertEqual(s.chosen.name, "tiny")
        XCTAssertEqual(timer.calls["mid"], 3)    // three of five runs over the budget decide
        XCTAssertEqual(timer.calls["tiny"], 5)
        XCTAssertTrue(s.explanation.contains("mid (99.1%): predicted 0.83 ms (coarse), measured 5.0 ms"), s.explanation)
    }

    func testOneSlowRoundDoesNotRejectAModelThatFits() throws {
        // "mid" really takes 0.5 ms against a 0.6 ms budget, but its first confirmation round
        // is slowed to 0.7 ms (the host took the core for a moment): a near miss is timed again
        // and the lower median counts. "tiny" is never needed.
        let slowFirstRound = SequenceTimer(["mid": [0.7, 0.7, 0.7] + Array(repeating: 0.5, count: 5)])
        let selector = ModelSelector(profile: F.profile(), costModel: F.cost, loader: FakeLoader(), timer: slowFirstRound)
        let s = try selector.select(from: nearLadder(), constraints: .init(latencyBudget: .microseconds(600)))
        XCTAssertEqual(s.chosen.name, "mid", s.explanation)
        XCTAssertEqual(s.measuredLatency, .microseconds(500))
        XCTAssertEqual(slowFirstRound.calls["mid"], 8)   // three runs decide the first round, five the second
        // Really over the budget (0.7 ms in both rounds): rejected after the second round.
        let alwaysSlow = SequenceTimer(["mid": [0.7], "tiny": [0.1]])
        let rejected = try ModelSelector(profile: F.profile(), costModel: F.cost, loader: FakeLoader(), timer: alwaysSlow)
            .select(from: nearLadder(), constraints: .init(latencyBudget: .microseconds(600)))
        XCTAssertEqual(rejected.chosen.name, "tiny", rejected.explanation)
        XCTAssertEqual(alwaysSlow.calls["mid"], 6)
        // Without the second round (factor 1), the slow round rejects it.
        let once = SequenceTimer(["mid": [0.7, 0.7, 0.7] + Array(repeating: 0.5, count: 5), "tiny": [0.1]])
        let strict = try ModelSelector(profile: F.profile(), costModel: F.cost, loader: FakeLoader(), timer: once)
            .select(from: nearLadder(), constraints: .init(latencyBudget: .microseconds(600), retimeWithinFactor: 1))
        XCTAssertEqual(strict.chosen.name, "tiny", strict.explanation)
        XCTAssertEqual(once.calls["mid"], 3)
    }

    func testACloseCallIsTimedLongerBeforeItDecides() throws {
        // Budget 0.6 ms. "mid" really takes 0.55 ms, but three of its first five runs
        // are slowed to 0.62 ms: that median (0.62) is a close call, so the round goes on
        // to 21 runs and their median (0.55) counts: chosen, not rejected.
        let slowStart = SequenceTimer(["mid": [0.62, 0.62, 0.62] + Array(repeating: 0.55, count: 18)])
        let s = try ModelSelector(profile: F.profile(), costModel: F.cost, loader: FakeLoader(), timer: slowStart)
            .select(from: nearLadder(), constraints: .init(latencyBudget: .microseconds(600)))
        XCTAssertEqual(s.chosen.name, "mid", s.explanation)
        XCTAssertEqual(s.measuredLatency, .microseconds(550))
        XCTAssertEqual(slowStart.calls["mid"], 21)
        // The other way: its first five runs happen to fit (0.58 ms) but it really takes
        // 0.65 ms: the longer round finds it over, and so does the second round.
        let fastStart = SequenceTimer(["mid": Array(repeating: 0.58, count: 5) + [0.65], "tiny": [0.1]])
        let r = try ModelSelector(profile: F.profile(), costModel: F.cost, loader: FakeLoader(), timer: fastStart)
            .select(from: nearLadder(), constraints: .init(latencyBudget: .microseconds(600)))
        XCTAssertEqual(r.chosen.name, "tiny", r.explanation)
        XCTAssertEqual(fastStart.calls["mid"], 42)
        // A clear fit (0.4 ms) or a clear miss (0.8 ms) is decided by the first runs.
        let clear = SequenceTimer(["mid": [0.4]])
        _ = try ModelSelector(profile: F.profile(), costModel: F.cost, loader: FakeLoader(), timer: clear)
            .select(from: nearLadder(), constraints: .init(latencyBudget: .microseconds(600)))
        XCTAssertEqual(clear.calls["mid"], 5)
        // Without the close-call rule (factor 1) the first five runs decide.
        let once = SequenceTimer(["mid": Array(repeating: 0.58, count: 5) + [0.65], "tiny": [0.1]])
        let quick = try ModelSelector(profile: F.profile(), costModel: F.cost, loader: FakeLoader(), timer: once)
            .select(from: nearLadder(), constraints: .init(latencyBudget: .microseconds(600), closeCallFactor: 1))
        XCTAssertEqual(quick.chosen.name, "mid", quick.explanation)
        XCTAssertEqual(once.calls["mid"], 5)
    }

    func testBudgetSweepPicksTheMostAccurateModelThatReallyFits() throws {
        // Six models whose predictions are off by -40% to +90% (coarse estimate with F.cost:
        // 0.4 ms per MMAC + 0.03 ms), the scripted timings are the truth. For budgets 1.1× each
        // model's real latency, the most accurate model that really fits must be chosen every time.
        let models: [(String, Double, Double, Double)] = [   // name, MMACs (prediction), real ms, accuracy
            ("a", 0.1125, 0.05, 0.990),    // predicted 1.5× real
            ("b", 0.3375, 0.22, 0.9913),   // 0.75×
            ("c", 1.33, 0.45, 0.9931),     // 1.25×
            ("d", 3.725, 0.8, 0.9936),     // 1.9×
            ("e", 1.725, 1.2, 0.9934),     // 0.6×
            ("f", 3.825, 1.3, 0.9935)]     // 1.2×
        let candidates = models.map { F.candidate($0.0, megaMACs: $0.1, accuracy: $0.3) }
        let timer = ScriptedTimer(Dictionary(uniqueKeysWithValues: models.map { ($0.0, $0.2) }))
        let selector = ModelSelector(profile: F.profile(), costModel: F.cost, loader: FakeLoader(), timer: timer)
        for (name, _, real, _) in models {
            let budget = Duration.microseconds(Int64(real * 1100))
            let expected = models.filter { $0.2 <= real * 1.1 }.max { $0.3 < $1.3 }?.0
            let s = try selector.select(from: candidates, constraints: .init(latencyBudget: budget))
            XCTAssertEqual(s.chosen.name, expected, "budget 1.1 × \(name): \(s.explanation)")
            XCTAssertFalse(s.isFallback)
        }
    }

    func testWhenNothingFitsTheSmallestLoadableModelIsTheFallback() throws {
        let loader = FakeLoader(failing: ["tiny"])
        let selector = ModelSelector(profile: F.profile(), costModel: F.cost, loader: loader, timer: ScriptedTimer(["mid": 2, "big": 20]))
        let s = try selector.select(from: ladder(), constraints: .init(latencyBudget: .microseconds(50)))
        XCTAssertTrue(s.isFallback)
        XCTAssertEqual(s.chosen.name, "mid")   // "tiny" is smaller but does not load
        XCTAssertTrue(s.explanation.hasPrefix("fallback mid"), s.explanation)
    }

    func testMemoryBudgetRejectsLargeModelsAndNoLoadableModelThrows() throws {
        let selector = ModelSelector(profile: F.profile(), costModel: F.cost, loader: FakeLoader(), timer: ScriptedTimer([:]))
        let s = try selector.select(from: ladder(), constraints: .init(latencyBudget: .milliseconds(100), memoryBudgetBytes: 1_000_000))
        XCTAssertEqual(s.chosen.name, "mid")
        XCTAssertTrue(s.decisions.contains { d in
            if case .rejected(.predictedMemoryOverBudget) = d.verdict { return d.candidate.name == "big" } else { return false }
        })
        let none = ModelSelector(profile: F.profile(), costModel: F.cost, loader: FakeLoader(failing: ["tiny", "mid", "big"]), timer: ScriptedTimer([:]))
        XCTAssertThrowsError(try none.select(from: ladder(), constraints: .init(latencyBudget: .milliseconds(5)))) { error in
            guard case ModelSelectionError.noLoadableModel(let reasons) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(reasons.count, 3)
        }
        XCTAssertThrowsError(try none.select(from: [], constraints: .init(latencyBudget: .milliseconds(5))))
    }

    func testSelectingAmongTheShippedModelsLoadsAndReadsADigit() throws {
        // Real models and loader, scripted timing: whatever is chosen must load and classify.
        let catalog = try ModelCatalog.load(path: F.weights.path)
        let timer = ScriptedTimer(Dictionary(uniqueKeysWithValues: catalog.candidates.map { ($0.name, 1.0) }))
        let selector = ModelSelector(profile: F.profile(), costModel: F.cost, loader: DigitModelLoader(), timer: timer)
        let s = try selector.select(from: catalog.candidates, constraints: .init(latencyBudget: .milliseconds(50)))
        XCTAssertEqual(s.decisions.count, catalog.candidates.count)
        let image = try F.readPGM(F.repoRoot.appendingPathComponent("images/digit_7.pgm"))
        let p = try s.model.probabilities(mnistImage: image.pixels)
        XCTAssertEqual(p.indices.max { p[$0] < p[$1] }, 7, s.explanation)
    }

    // MARK: Input adapter

    func testAdapterPadsReplicatesAndQuantizes() throws {
        var image = [Float](repeating: 0, count: 784)
        image[0] = 1          // top-left pixel
        image[783] = 0.6      // bottom-right pixel
        let f = try DigitInputAdapter(shape: [1, 32, 32, 3], type: .float32)
        let floats = try f.inputBytes(mnistImage: image).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertEqual(floats.count, 32 * 32 * 3)
        XCTAssertEqual(Array(floats[(2 * 32 + 2) * 3..<(2 * 32 + 2) * 3 + 3]), [1, 1, 1])
        XCTAssertEqual(floats[(29 * 32 + 29) * 3 + 1], 0.6)
        XCTAssertEqual(floats.reduce(0, +), 4.8, accuracy: 1e-5)
        let q = try DigitInputAdapter(shape: [1, 28, 28, 1], type: .int8, scale: 1 / 255, zeroPoint: -128)
        let bytes = [UInt8](try q.inputBytes(mnistImage: image))
        XCTAssertEqual(Int8(bitPattern: bytes[0]), 127)
        XCTAssertEqual(Int8(bitPattern: bytes[1]), -128)
        XCTAssertEqual(Int8(bitPattern: bytes[783]), 25)   // round(153) - 128
        XCTAssertThrowsError(try q.inputBytes(mnistImage: [0, 1]))
        XCTAssertThrowsError(try DigitInputAdapter(shape: [1, 28, 28], type: .float32))
        XCTAssertThrowsError(try DigitInputAdapter(shape: [1, 28, 28, 1], type: .int8, scale: 0))
    }
}

/// The CLI-facing entry points.
final class DigitModelsTests: XCTestCase {
    typealias F = SelectionFixtures

    func testEvaluateCountsAndConfusion() throws {
        let model = try DigitModels.load(modelPath: F.weights.appendingPathComponent("mnist_small_cnn.tflite").path)
        var images: [[Float]] = []
        let labels = [0, 2, 3, 5, 6, 7, 8, 9]   // the P5 sample images (1 and 4 are P2)
        for d in labels { images.append(try F.readPGM(F.repoRoot.appendingPathComponent("images/digit_\(d).pgm")).pixels) }
        let e = try DigitModels.evaluate(model, images: images, labels: labels)
        XCTAssertEqual(e.count, 8)
        XCTAssertEqual(e.correct, 8)
        XCTAssertEqual(e.confusion[3][3], 1)
        XCTAssertThrowsError(try DigitModels.evaluate(model, images: images, labels: [1]))
    }

    func testScoreReportShowsTheProfile() {
        // The fixture profile: 10 GFLOP/s, 20 GOP/s per core, 2 cores, 10 GB/s, 1 GiB.
        let p = F.profile()
        let report = DigitModels.scoreReport(p)
        let lines = report.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 7, report)
        // 1000 × (10/50 · 20/90 · 20/16.5 · 40/30 · 10/40)^(1/5) = 447.6 (by hand, from ReferenceDevice).
        XCTAssertEqual(lines[0], "AI score: 448 (1000 = reference device, see docs/selection.md)")
        XCTAssertEqual(lines[1], "cores: 2, available memory: 1024.0 MiB")
        XCTAssertEqual(lines[2], "float32: 10.0 GFLOP/s 1 thread, 20.0 GFLOP/s all cores")
        XCTAssertEqual(lines[3], "int8:    20.0 GOP/s 1 thread, 40.0 GOP/s all cores")
        XCTAssertEqual(lines[4], "memory bandwidth (copy): 10.0 GB/s")
        XCTAssertEqual(lines[5], "kernel calibration: not measured")  // the fixture profile has no calibration
        XCTAssertEqual(lines[6], "engine \(p.engineVersion), measured \(p.measuredAt); build: \(p.buildKey)")
    }
}
