import XCTest
import Foundation
import TFLiteEngine
import InputFormats
@testable import ModelSelection

/// Shared helpers for the selection, adaptive-runner and preprocessing tests.
enum SelectionFixtures {
    /// `Tests/ModelSelectionTests/Fixtures`: the MNIST subset and digit photos.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let repoRoot = root.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var weights: URL { repoRoot.appendingPathComponent("weights") }

    /// LiteRT's answers on the 100 committed MNIST test digits
    /// (`Fixtures/mnist/litert_predictions.json`, tools/make_digit_expectations.py).
    struct LiteRTPredictions: Decodable {
        struct Model: Decodable { let predictions: [Int]; let correct: Int }
        let labels: [Int]
        let models: [String: Model]
    }

    static func liteRTPredictions() throws -> LiteRTPredictions {
        try JSONDecoder().decode(LiteRTPredictions.self,
                                 from: Data(contentsOf: root.appendingPathComponent("mnist/litert_predictions.json")))
    }

    /// The shipped models (weights/models.json); every one loads with this engine.
    static let shippedModelNames = [
        "mnist_mobilenet_v2_32_float32", "mnist_mobilenet_v2_32_int8", "mnist_small_cnn", "mnist_small_cnn_int8",
        "mnist_vgg_32_float16", "mnist_vgg_32_float32", "mnist_vgg_32_int8",
    ]

    /// A profile of an imaginary device (no measurement).
    static func profile(float32GFLOPS: Double = 10, int8GOPS: Double = 20, bandwidth: Double = 10,
                        cores: Int = 2, memory: Int? = 1 << 30) -> DeviceProfile {
        DeviceProfile(measuredAt: Date(timeIntervalSince1970: 1_800_000_000), coreCount: cores, availableMemoryBytes: memory,
                      float32GFLOPSSingleThread: float32GFLOPS, float32GFLOPSMultiThread: float32GFLOPS * Double(cores),
                      int8GOPSSingleThread: int8GOPS, int8GOPSMultiThread: int8GOPS * Double(cores),
                      memoryBandwidthGBps: bandwidth)
    }

    /// A kernel calibration of an imaginary device: every class costs 1 µs
    /// fixed + 0.1 ns per unit of work + 1 ns per output; invoke 2 µs, node 0.5 µs.
    static func calibration(perWork: Double = 0.1) -> KernelCalibration {
        KernelCalibration(rounds: 5, invokeOverheadNanoseconds: 2000, nodeOverheadNanoseconds: 500,
                          classes: KernelClass.allCases.map {
                              ClassCost(kernelClass: $0, fixedNanoseconds: 1000, nanosecondsPerWork: perWork, nanosecondsPerOutput: 1)
                          },
                          startup: StartupCost(fixedNanoseconds: 100_000, nanosecondsPerParameter: 2, nanosecondsPerNode: 1000),
                          probes: [])
    }

    /// A candidate with a workload of `nodes` 1×1 float convolutions of `macs` MACs and 1,000 outputs each.
    static func workloadCandidate(_ name: String, nodes: Int, macs: Int, accuracy: Double) -> ModelCandidate {
        var c = candidate(name, megaMACs: Double(nodes * macs) / 1e6, accuracy: accuracy)
        c.workload = ModelWorkload(nodes: (0..<nodes).map { _ in
            NodeWork(op: "CONV_2D", kernelClass: .convPointwise, work: macs, outputs: 1000, weights: 100, outputChannels: 10, taps: 1)
        }, parameters: 100 * nodes, arenaBytes: 10_000)
        return c
    }

    /// The cost model the synthetic ladders are sized for (independent of the defaults).
    static let cost = CostModel(convEfficiency: 0.5, depthwiseEfficiency: 0.15, perOperatorOverhead: .microseconds(3))

    /// A synthetic candidate whose float32 cost is `megaMACs` conv MACs.
    static func candidate(_ name: String, megaMACs: Double, accuracy: Double, fileBytes: Int = 100_000,
                          variant: String = "float32") -> ModelCandidate {
        ModelCandidate(name: name, path: "/nonexistent/\(name).tflite", task: DigitModels.task, architecture: name, variant: variant,
                       input: .init(shape: [1, 28, 28, 1]), macs: .init(conv: Int(megaMACs * 1e6)), opCount: 10,
                       parameters: 1000, fileBytes: fileBytes, arenaBytes: 10_000, accuracy: accuracy)
    }

    /// Reads a PGM (P2 or P5) with the library's decoder into [0, 1] floats.
    static func readPGM(_ url: URL) throws -> GrayImage {
        let pgm = try PGMImage(contentsOfFile: url.path)
        guard let image = GrayImage(width: pgm.width, height: pgm.height, pixels: pgm.pixels) else {
            throw NSError(domain: "PGM", code: 2, userInfo: [NSLocalizedDescriptionKey: "\(url.lastPathComponent): bad size"])
        }
        return image
    }
}

/// A loader that makes fake models (no files) and can be told which fail to load.
final class FakeLoader: ModelLoading, @unchecked Sendable {
    private let lock = NSLock()
    var failing: Set<String>
    private(set) var loads: [String] = []

    init(failing: Set<String> = []) { self.failing = failing }

    func load(_ candidate: ModelCandidate, threads: Int) throws -> FakeModel {
        lock.lock(); defer { lock.unlock() }
        loads.append(candidate.name)
        if failing.contains(candidate.name) {
            throw InterpreterError.unsupportedOperators([])
        }
        return FakeModel(candidate: candidate)
    }
}

/// Answers "7" with a one-hot vector; its arena is 10 kB.
final class FakeModel: DigitClassifierModel {
    let candidate: ModelCandidate
    init(candidate: ModelCandidate) { self.candidate = candidate }
    var arenaBytes: Int { 10_000 }
    func probabilities(mnistImage: [Float]) throws -> [Float] {
        var p = [Float](repeating: 0, count: 10)
        p[7] = 1
        return p
    }
}

/// A timer that reports scripted latencies per model (milliseconds), no real timing.
final class ScriptedTimer: LatencyTimer, @unchecked Sendable {
    private let lock = NSLock()
    /// Latency per model name; may be changed during a test (a simulated slow-down).
    var latencyMilliseconds: [String: Double]
    init(_ latencies: [String: Double]) { latencyMilliseconds = latencies }

    func set(_ name: String, _ ms: Double) {
        lock.lock(); latencyMilliseconds[name] = ms; lock.unlock()
    }

    func measure(_ candidate: ModelCandidate, _ body: () throws -> Void) throws -> Duration {
        try body()
        lock.lock(); defer { lock.unlock() }
        return .microseconds(Int64((latencyMilliseconds[candidate.name] ?? 1) * 1000))
    }
}

/// A scripted timer that also counts the runs it timed per model.
final class CountingTimer: LatencyTimer, @unchecked Sendable {
    private let lock = NSLock()
    private let latencyMilliseconds: [String: Double]
    private(set) var calls: [String: Int] = [:]
    init(_ latencies: [String: Double]) { latencyMilliseconds = latencies }

    func measure(_ candidate: ModelCandidate, _ body: () throws -> Void) throws -> Duration {
        try body()
        lock.lock(); defer { lock.unlock() }
        calls[candidate.name, default: 0] += 1
        return .microseconds(Int64((latencyMilliseconds[candidate.name] ?? 1) * 1000))
    }
}

/// A scripted timer that reports a sequence of latencies per model
/// (milliseconds, the last one repeated once the sequence is used up) and
/// counts the runs it timed.
final class SequenceTimer: LatencyTimer, @unchecked Sendable {
    private let lock = NSLock()
    private let sequences: [String: [Double]]
    private(set) var calls: [String: Int] = [:]
    init(_ sequences: [String: [Double]]) { self.sequences = sequences }

    func measure(_ candidate: ModelCandidate, _ body: () throws -> Void) throws -> Duration {
        try body()
        lock.lock(); defer { lock.unlock() }
        let n = calls[candidate.name, default: 0]
        calls[candidate.name] = n + 1
        let sequence = sequences[candidate.name] ?? [1]
        return .microseconds(Int64((sequence[min(n, sequence.count - 1)]) * 1000))
    }
}

/// Reports CPU time = the scripted milliseconds per model; wall time adds the
/// waits of a thread that has the core only part of the time, in time slices:
/// it runs `run` ms of CPU time, then waits `wait` ms, cycling through a pattern
/// of such slices (`shareCore(share, sliceMilliseconds:)`: one slice, waiting
/// `slice × (1/share − 1)` ms).
final class StallTimer: LatencyTimer, @unchecked Sendable {
    private let lock = NSLock()
    private let cpuMilliseconds: [String: Double]
    private var pattern: [(run: Double, wait: Double)] = []
    private var slice = 0, cpuSinceWait = 0.0
    init(_ cpu: [String: Double]) { cpuMilliseconds = cpu }

    func shareCore(_ share: Double, sliceMilliseconds: Double = 10) {
        sharePattern(share < 1 ? [(sliceMilliseconds, sliceMilliseconds * (1 / share - 1))] : [])
    }

    /// Slices of `run` ms of CPU time each followed by a wait of `wait` ms, cycled; empty: a core of its own.
    func sharePattern(_ slices: [(run: Double, wait: Double)]) {
        lock.lock(); pattern = slices; slice = 0; cpuSinceWait = 0; lock.unlock()
    }

    func measure(_ candidate: ModelCandidate, _ body: () throws -> Void) throws -> Duration {
        try measureWithCPUTime(candidate, body).wall
    }

    func measureWithCPUTime(_ candidate: ModelCandidate, _ body: () throws -> Void) throws -> (wall: Duration, cpu: Duration?) {
        try body()
        lock.lock(); defer { lock.unlock() }
        let cpu = cpuMilliseconds[candidate.name] ?? 1
        var wall = cpu
        if !pattern.isEmpty {
            cpuSinceWait += cpu
            while cpuSinceWait >= pattern[slice].run {
                wall += pattern[slice].wait
                cpuSinceWait -= pattern[slice].run
                slice = (slice + 1) % pattern.count
            }
        }
        return (.microseconds(Int64(wall * 1000)), .microseconds(Int64(cpu * 1000)))
    }
}

/// Memory pressure set by the test.
final class SettablePressure: MemoryPressureSource, @unchecked Sendable {
    private let lock = NSLock()
    private var value: MemoryPressure = .normal
    func set(_ p: MemoryPressure) { lock.lock(); value = p; lock.unlock() }
    func currentPressure() -> MemoryPressure { lock.lock(); defer { lock.unlock() }; return value }
}
