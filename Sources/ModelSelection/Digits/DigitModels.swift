import TFLiteEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Entry points for the command line (`infer --auto`, `infer --score`,
/// `infer eval`, `--preprocess mnist`) and for apps: one call each.
public enum DigitModels {
    /// The digit family's task name in catalogs (`weights/models.json`).
    public static let task = "mnist-digits"

    /// `infer --auto weights/ IMAGE [--latency-budget 5ms] [--memory-budget 50MB]`:
    /// reads the catalog (`models.json` or its directory), uses the cached
    /// device profile at `profileCachePath` if fresh (else measures, ~0.8 s, and
    /// caches it), inspects every model's prepared graph (`withWorkloads`),
    /// and selects (see `ModelSelector`).
    /// Print `selection.explanation`; classify with `selection.model`.
    /// Pass `profile` to use one the caller already has (then no cache is read).
    public static func selectAutomatically(catalogPath: String, latencyBudget: Duration = .milliseconds(5),
                                           memoryBudgetBytes: Int? = nil, minimumAccuracy: Double = 0, threads: Int = 1,
                                           profileCachePath: String? = nil, profileMaxAgeDays: Double = 7,
                                           profile givenProfile: DeviceProfile? = nil) throws -> DigitModelSelection {
        let catalog = try ModelCatalog.load(path: catalogPath).withWorkloads()
        let profile = givenProfile ?? profileCachePath.map { DeviceProfile.loadOrMeasure(cachePath: $0, maxAgeDays: profileMaxAgeDays) }
            ?? DeviceProfile.measure()
        let selector = ModelSelector(profile: profile, loader: DigitModelLoader())
        return try selector.select(from: catalog.candidates, constraints: .init(
            latencyBudget: latencyBudget, memoryBudgetBytes: memoryBudgetBytes, minimumAccuracy: minimumAccuracy, threads: threads))
    }

    /// `infer --score`: a multi-line report of a profile (measure one with
    /// `DeviceProfile.measure()` or `loadOrMeasure`).
    public static func scoreReport(_ p: DeviceProfile) -> String {
        func r(_ x: Double) -> String { "\((x * 10).rounded() / 10)" }
        return """
        AI score: \(Int(p.aiScore.isFinite ? p.aiScore.rounded() : 0)) (1000 = reference device, see docs/selection.md)\(p.aiScoreSpread.map { "; spread of the per-round scores \(Int(($0 * 100).rounded()))%" } ?? "")
        cores: \(p.coreCount), available memory: \(p.availableMemoryBytes.map { megabytes($0) } ?? "unknown")
        float32: \(r(p.float32GFLOPSSingleThread)) GFLOP/s 1 thread, \(r(p.float32GFLOPSMultiThread)) GFLOP/s all cores
        int8:    \(r(p.int8GOPSSingleThread)) GOP/s 1 thread, \(r(p.int8GOPSMultiThread)) GOP/s all cores
        memory bandwidth (copy): \(r(p.memoryBandwidthGBps)) GB/s
        kernel calibration: \(p.calibration.map { "\($0.probes.count) probes, \($0.rounds) rounds, median spread \(Int(($0.medianSpread * 100).rounded()))%" } ?? "not measured")
        engine \(p.engineVersion), measured \(p.measuredAt); build: \(p.buildKey)
        """
    }

    /// The result of `evaluate`.
    public struct Evaluation: Sendable, Equatable {
        /// Images classified correctly.
        public let correct: Int
        /// Images evaluated.
        public let count: Int
        /// confusion[label][predicted]
        public let confusion: [[Int]]
        /// correct ÷ count (0 without images).
        public var accuracy: Double { count == 0 ? 0 : Double(correct) / Double(count) }
    }

    /// `infer eval MODEL --images IDX --labels IDX`: top-1 accuracy of `model`
    /// on 28×28 images (784 floats in [0, 1] each, e.g. IDX bytes / 255) and
    /// labels 0…9. Labels outside 0…9 count as wrong.
    public static func evaluate(_ model: some DigitClassifierModel, images: [[Float]], labels: [Int]) throws -> Evaluation {
        guard images.count == labels.count else {
            throw DigitModelError.unsupportedTensor(model: model.candidate.name,
                                                    reason: "\(images.count) images but \(labels.count) labels")
        }
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: 10), count: 10)
        var correct = 0
        for (image, label) in zip(images, labels) {
            let best = Prediction.bestIndex(of: try model.probabilities(mnistImage: image))
            if best == label { correct += 1 }
            if (0..<10).contains(label), (0..<10).contains(best) { confusion[label][best] += 1 }
        }
        return Evaluation(correct: correct, count: images.count, confusion: confusion)
    }

    /// Loads any digit model file (no catalog entry needed), e.g. for `infer eval MODEL`.
    public static func load(modelPath: String, threads: Int = 1) throws -> InterpreterDigitModel {
        let name = String(modelPath.split(separator: "/").last ?? Substring(modelPath))
        let candidate = ModelCandidate(name: name, path: modelPath, task: task, architecture: "unknown", variant: "unknown",
                                       input: .init(shape: [1, 28, 28, 1]), macs: .init(conv: 0), opCount: 0, parameters: 0,
                                       fileBytes: 0, accuracy: 0)
        return try InterpreterDigitModel(candidate: candidate, threads: threads)
    }

    /// `--preprocess mnist`: a photo/scan of one digit → 784 floats, MNIST style.
    public static func preprocessMNIST(_ image: GrayImage) throws -> [Float] {
        try DigitPreprocessing.mnist(image)
    }
}
