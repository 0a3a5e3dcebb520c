import TFLiteEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One model that can do a task, with what the selector needs to know about
/// it without loading it (cost, size, accuracy, input format).
public struct ModelCandidate: Codable, Equatable, Hashable, Sendable {
    /// Multiply-accumulates per inference by kind (see `docs/selection.md`).
    public struct MACs: Codable, Equatable, Hashable, Sendable {
        /// CONV_2D and FULLY_CONNECTED kernel MACs.
        public var conv: Int
        /// DEPTHWISE_CONV_2D kernel MACs.
        public var depthwise: Int
        /// Everything else: one per output element (pools: per window element).
        public var elementwise: Int
        /// MACs by kind.
        public init(conv: Int, depthwise: Int = 0, elementwise: Int = 0) {
            self.conv = conv
            self.depthwise = depthwise
            self.elementwise = elementwise
        }
        /// All MACs of one inference.
        public var total: Int { conv &+ depthwise &+ elementwise }
    }

    /// The model's input format, as the catalog states it (the family's
    /// loader reads the exact format from the model itself).
    public struct InputSpec: Codable, Equatable, Hashable, Sendable {
        /// Input shape, e.g. NHWC `[1, 28, 28, 1]` or `[1, 32, 32, 3]` for the digit models.
        public var shape: [Int]
        /// `"float32"`, `"int8"` or `"uint8"`.
        public var dtype: String
        /// Quantization of an integer input: real = scale × (q − zeroPoint).
        public var scale: Float?
        /// Zero point of an integer input (see ``scale``).
        public var zeroPoint: Int?
        /// An input format; float32 unless `dtype` says otherwise.
        public init(shape: [Int], dtype: String = "float32", scale: Float? = nil, zeroPoint: Int? = nil) {
            self.shape = shape
            self.dtype = dtype
            self.scale = scale
            self.zeroPoint = zeroPoint
        }
    }

    /// Unique name within the catalog (e.g. `mnist_small_cnn_int8`).
    public var name: String
    /// Path of the `.tflite` file.
    public var path: String
    /// What the model does, e.g. `"mnist-digits"`; candidates compared by
    /// one selector share it.
    public var task: String
    /// The architecture's name (e.g. `small_cnn`, `vgg_32`, `mobilenet_v2_32`).
    public var architecture: String
    /// `"float32"`, `"int8"` or `"float16"`.
    public var variant: String
    /// The input format.
    public var input: InputSpec
    /// Multiply-accumulates per inference.
    public var macs: MACs
    /// Operators that run at invoke (constant-folded ones excluded).
    public var opCount: Int
    /// Elements of the constant tensors (weights and biases).
    public var parameters: Int
    /// Size of the `.tflite` file.
    public var fileBytes: Int
    /// Tensor arena bytes in this engine, if known (see `ModelCatalog.withArenaSizes()`).
    public var arenaBytes: Int?
    /// Top-1 accuracy in [0, 1] on the task's test set.
    public var accuracy: Double
    /// The nodes its prepared graph runs, by kernel class (see
    /// `ModelCatalog.withWorkloads()`); nil until inspected. With a
    /// calibrated profile, latency is predicted from it.
    public var workload: ModelWorkload?

    /// A candidate from known values (tests; ``ModelCatalog/load(path:)`` reads them from `models.json`).
    public init(name: String, path: String, task: String, architecture: String, variant: String,
                input: InputSpec, macs: MACs, opCount: Int, parameters: Int, fileBytes: Int, arenaBytes: Int? = nil,
                accuracy: Double, workload: ModelWorkload? = nil) {
        self.workload = workload
        self.name = name
        self.path = path
        self.task = task
        self.architecture = architecture
        self.variant = variant
        self.input = input
        self.macs = macs
        self.opCount = opCount
        self.parameters = parameters
        self.fileBytes = fileBytes
        self.arenaBytes = arenaBytes
        self.accuracy = accuracy
    }

    /// Whether the convolution work runs on int8 kernels.
    public var isInt8: Bool { input.dtype == "int8" || variant == "int8" }
}

/// Errors reading a model catalog.
public enum ModelCatalogError: Error, Equatable, Sendable {
    /// The catalog file could not be read or parsed.
    case unreadable(path: String, reason: String)
    /// An entry is inconsistent (named entry and field).
    case invalidEntry(name: String, reason: String)
}

/// The models of one task, as described by a `models.json` (e.g.
/// `weights/models.json`, the digit family written by `tools/train_mnist.py`).
public struct ModelCatalog: Sendable, Equatable {
    /// The task every candidate does.
    public var task: String
    /// Free text from the catalog file (how the models were made).
    public var note: String?
    /// The models, in file order.
    public var candidates: [ModelCandidate]

    /// A catalog from known candidates.
    public init(task: String, note: String? = nil, candidates: [ModelCandidate]) {
        self.task = task
        self.note = note
        self.candidates = candidates
    }

    /// Reads a catalog: `path` is a `models.json` or a directory containing one.
    /// Model paths are resolved relative to the catalog's directory.
    public static func load(path: String) throws -> ModelCatalog {
        let jsonPath: String
        if path.hasSuffix(".json") {
            jsonPath = path
        } else {
            jsonPath = (path.hasSuffix("/") ? path : path + "/") + "models.json"
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: jsonPath))
        } catch {
            throw ModelCatalogError.unreadable(path: jsonPath, reason: "\(error)")
        }
        let directory = jsonPath.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return try parse(data, directory: directory.isEmpty ? "." : directory, source: jsonPath)
    }

    /// Parses catalog JSON; model files are looked up in `directory`.
    public static func parse(_ data: Data, directory: String, source: String = "models.json") throws -> ModelCatalog {
        let file: CatalogFile
        do {
            file = try JSONDecoder().decode(CatalogFile.self, from: data)
        } catch {
            throw ModelCatalogError.unreadable(path: source, reason: "\(error)")
        }
        var candidates: [ModelCandidate] = []
        for entry in file.models {
            guard !entry.file.isEmpty, !entry.file.hasPrefix("/"), !entry.file.split(separator: "/").contains("..") else {
                throw ModelCatalogError.invalidEntry(name: entry.name, reason: "file '\(entry.file)' leaves the catalog directory")
            }
            guard (1...8).contains(entry.input.shape.count), entry.input.shape.allSatisfy({ $0 > 0 && $0 <= 4096 }) else {
                throw ModelCatalogError.invalidEntry(name: entry.name, reason: "input.shape \(entry.input.shape) is not a positive shape of rank 1 to 8")
            }
            let accuracy = entry.accuracy.litert_builtin
            guard accuracy.isFinite, accuracy >= 0, accuracy <= 1 else {
                throw ModelCatalogError.invalidEntry(name: entry.name, reason: "accuracy \(accuracy) outside [0, 1]")
            }
            guard entry.macs.conv >= 0, entry.macs.depthwise >= 0, entry.macs.elementwise >= 0, entry.op_count >= 0,
                  entry.file_bytes >= 0, entry.parameters >= 0 else {
                throw ModelCatalogError.invalidEntry(name: entry.name, reason: "negative cost or size")
            }
            candidates.append(ModelCandidate(
                name: entry.name, path: directory + "/" + entry.file, task: entry.task, architecture: entry.architecture,
                variant: entry.variant,
                input: .init(shape: entry.input.shape, dtype: entry.input.dtype, scale: entry.input.quantization?.scale,
                             zeroPoint: entry.input.quantization?.zero_point),
                macs: .init(conv: entry.macs.conv, depthwise: entry.macs.depthwise, elementwise: entry.macs.elementwise),
                opCount: entry.op_count, parameters: entry.parameters, fileBytes: entry.file_bytes,
                arenaBytes: entry.arena_bytes, accuracy: accuracy))
        }
        return ModelCatalog(task: file.task, note: file.note, candidates: candidates)
    }

    /// A copy with `arenaBytes` filled in for every candidate this engine can
    /// load (by loading it and planning its arena); others keep their value.
    public func withArenaSizes() -> ModelCatalog {
        var copy = self
        for i in copy.candidates.indices where copy.candidates[i].arenaBytes == nil {
            if let interpreter = try? Interpreter(modelPath: copy.candidates[i].path),
               (try? interpreter.allocateTensors()) != nil {
                copy.candidates[i].arenaBytes = interpreter.arenaByteCount
            }
        }
        return copy
    }

    /// A copy with every candidate this engine can prepare inspected once:
    /// its `workload` (the nodes its prepared graph runs, by kernel class)
    /// and, if unknown, its `arenaBytes`. Candidates that cannot be prepared
    /// are left as they are (the selector reports why they fail to load).
    public func withWorkloads() -> ModelCatalog {
        var copy = self
        for i in copy.candidates.indices where copy.candidates[i].workload == nil {
            guard let workload = try? ModelWorkload.inspect(modelPath: copy.candidates[i].path) else { continue }
            copy.candidates[i].workload = workload
            if copy.candidates[i].arenaBytes == nil { copy.candidates[i].arenaBytes = workload.arenaBytes }
        }
        return copy
    }

    // The JSON layout of models.json (snake_case, as Python writes it).
    private struct CatalogFile: Decodable {
        var task: String
        var note: String?
        var models: [Entry]
    }

    private struct Entry: Decodable {
        struct Input: Decodable {
            struct Quantization: Decodable {
                var scale: Float
                var zero_point: Int
            }
            var shape: [Int]
            var dtype: String
            var quantization: Quantization?
        }
        struct MACs: Decodable {
            var conv: Int
            var depthwise: Int
            var elementwise: Int
        }
        struct Accuracy: Decodable {
            var litert_builtin: Double
        }
        var name: String
        var file: String
        var task: String
        var architecture: String
        var variant: String
        var input: Input
        var macs: MACs
        var op_count: Int
        var parameters: Int
        var file_bytes: Int
        var arena_bytes: Int?
        var accuracy: Accuracy
    }
}
