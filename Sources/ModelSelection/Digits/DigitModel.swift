import TFLiteEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A loaded, ready-to-run digit classifier: the digit family's conformance
/// to `SelectableModel` (input: one 28×28 MNIST-style image, scores: the
/// probabilities of digits 0…9; probe: a blank image).
public protocol DigitClassifierModel: SelectableModel where Input == [Float] {
    /// Class probabilities for one 28×28 MNIST-style image (784 floats in
    /// [0, 1], white ink on black, row-major). Not thread-safe: callers serialise.
    func probabilities(mnistImage: [Float]) throws -> [Float]
}

extension DigitClassifierModel {
    /// A blank (all black) 28×28 image.
    public var probeInput: [Float] { [Float](repeating: 0, count: 28 * 28) }

    /// The digit probabilities for one 28×28 image (`SelectableModel`'s requirement).
    public func scores(for input: [Float]) throws -> [Float] {
        try probabilities(mnistImage: input)
    }
}

/// Loads digit-model candidates with this engine's `Interpreter`.
public struct DigitModelLoader: ModelLoading {
    /// The loader of the shipped digit models.
    public init() {}
    /// Loads the candidate's model (``InterpreterDigitModel/init(candidate:threads:)``) with `threads` interpreter threads.
    public func load(_ candidate: ModelCandidate, threads: Int) throws -> InterpreterDigitModel {
        try InterpreterDigitModel(candidate: candidate, threads: threads)
    }
}

/// The outcome of selecting among digit models with `DigitModelLoader`.
public typealias DigitModelSelection = ModelSelection<InterpreterDigitModel>

/// The answer to one digit request: `bestIndex` is the digit, `scores` its
/// probabilities.
public typealias DigitClassification = Prediction

extension AdaptiveRunner where Loader.Model: DigitClassifierModel {
    /// Classifies one 28×28 MNIST-style image (784 floats in [0, 1], white on black);
    /// `waited` as in ``AdaptiveRunner/predict(_:waited:)``.
    public func classify(_ image: [Float], waited: Duration = .zero) throws -> DigitClassification {
        try predict(image, waited: waited)
    }
}

/// Errors converting an image for a model or reading its output.
public enum DigitModelError: Error, Equatable, Sendable {
    /// The image is not 28×28 (784 values).
    case wrongImageSize(count: Int)
    /// The model's input or output is not one the adapter can produce or read.
    case unsupportedTensor(model: String, reason: String)
}

/// Converts one 28×28 MNIST-style image into a model's input tensor bytes:
/// zero-pads (28→32: 2 px each side) or nearest-neighbour resizes to the
/// model's height×width, replicates the gray channel into every channel, and
/// quantizes for int8/uint8 inputs (q = round(v / scale) + zeroPoint, clamped).
public struct DigitInputAdapter: Sendable, Equatable {
    /// The model input's height.
    public let height: Int
    /// The model input's width.
    public let width: Int
    /// The model input's channels (1 or 3).
    public let channels: Int
    /// The model input's element type (float32, int8 or uint8).
    public let type: TensorType
    /// The input's quantization scale (1 for float32).
    public let scale: Float
    /// The input's quantization zero point (0 for float32).
    public let zeroPoint: Int

    /// Builds the adapter for an NHWC batch-1 input of `type`.
    public init(shape: [Int], type: TensorType, scale: Float = 1, zeroPoint: Int = 0, model: String = "") throws {
        guard shape.count == 4, shape[0] == 1, (1...1024).contains(shape[1]), (1...1024).contains(shape[2]),
              (1...4).contains(shape[3]) else {
            throw DigitModelError.unsupportedTensor(model: model, reason: "input shape \(shape) is not [1, H, W, 1...4]")
        }
        guard type == .float32 || type == .int8 || type == .uint8 else {
            throw DigitModelError.unsupportedTensor(model: model, reason: "input type \(type) is not float32, int8 or uint8")
        }
        guard type == .float32 || (scale.isFinite && scale > 0) else {
            throw DigitModelError.unsupportedTensor(model: model, reason: "quantized input without a positive scale")
        }
        height = shape[1]
        width = shape[2]
        channels = shape[3]
        self.type = type
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    /// The input tensor's bytes for `image` (784 floats, 28×28).
    public func inputBytes(mnistImage image: [Float]) throws -> Data {
        guard image.count == 28 * 28 else { throw DigitModelError.wrongImageSize(count: image.count) }
        var values = [Float](repeating: 0, count: height * width)
        let padY = (height - 28) / 2, padX = (width - 28) / 2
        let pads = height >= 28 && width >= 28 && (height - 28) % 2 == 0 && (width - 28) % 2 == 0
        for y in 0..<height {
            for x in 0..<width {
                if pads {
                    let sy = y - padY, sx = x - padX
                    values[y * width + x] = (0..<28).contains(sy) && (0..<28).contains(sx) ? image[sy * 28 + sx] : 0
                } else {
                    values[y * width + x] = image[min(27, y * 28 / height) * 28 + min(27, x * 28 / width)]
                }
            }
        }
        switch type {
        case .int8, .uint8:
            let (low, high): (Float, Float) = type == .int8 ? (-128, 127) : (0, 255)
            var bytes = [UInt8](repeating: 0, count: values.count * channels)
            for (i, v) in values.enumerated() {
                let q = min(max((v / scale).rounded() + Float(zeroPoint), low), high)
                let byte = type == .int8 ? UInt8(bitPattern: Int8(q)) : UInt8(q)
                for c in 0..<channels { bytes[i * channels + c] = byte }
            }
            return Data(bytes)
        default:
            var floats = [Float](repeating: 0, count: values.count * channels)
            for (i, v) in values.enumerated() {
                for c in 0..<channels { floats[i * channels + c] = v }
            }
            return floats.withUnsafeBytes { Data($0) }
        }
    }
}

/// A candidate loaded with this engine's `Interpreter`.
public final class InterpreterDigitModel: DigitClassifierModel {
    public let candidate: ModelCandidate
    /// The interpreter, allocated.
    public let interpreter: Interpreter
    /// How images become this model's input bytes.
    public let adapter: DigitInputAdapter
    private let outputType: TensorType
    private let outputScale: Float
    private let outputZeroPoint: Int

    /// Loads, allocates and checks input/output formats (fully prepared).
    public init(candidate: ModelCandidate, threads: Int = 1) throws {
        self.candidate = candidate
        let interpreter = try Interpreter(modelPath: candidate.path, options: .init(threadCount: max(1, threads)))
        try interpreter.allocateTensors()
        let input = try interpreter.input(at: 0)
        let q = input.quantizationParameters
        adapter = try DigitInputAdapter(shape: input.shape.dimensions, type: input.dataType,
                                        scale: q?.scale ?? 1, zeroPoint: q?.zeroPoint ?? 0, model: candidate.name)
        let output = try interpreter.output(at: 0)
        guard output.shape.elementCount == 10, [.float32, .int8, .uint8].contains(output.dataType) else {
            throw DigitModelError.unsupportedTensor(model: candidate.name, reason: "output \(output.shape) \(output.dataType) is not 10 scores")
        }
        outputType = output.dataType
        outputScale = output.quantizationParameters?.scale ?? 1
        outputZeroPoint = output.quantizationParameters?.zeroPoint ?? 0
        self.interpreter = interpreter
    }

    public var arenaBytes: Int { interpreter.arenaByteCount }

    public func probabilities(mnistImage: [Float]) throws -> [Float] {
        try interpreter.copy(adapter.inputBytes(mnistImage: mnistImage), toInputAt: 0)
        try interpreter.invoke()
        return try interpreter.withUnsafeOutputBytes(at: 0) { raw -> [Float] in
            switch outputType {
            case .int8:
                return raw.prefix(10).map { Float(Int(Int8(bitPattern: $0)) - outputZeroPoint) * outputScale }
            case .uint8:
                return raw.prefix(10).map { Float(Int($0) - outputZeroPoint) * outputScale }
            default:
                return Array(raw.bindMemory(to: Float.self).prefix(10))
            }
        }
    }
}
