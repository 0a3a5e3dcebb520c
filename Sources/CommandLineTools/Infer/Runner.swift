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

/// What to run and how to report it.
struct RunRequest {
    var model: String
    var image: String?
    var npyInputs: [String] = []
    var topK = 5
    var labelsPath: String?
    /// Which of the model's label files (by locale) to use when `labelsPath` is nil.
    var labelLocale: String?
    var mean: Float = 0
    var std: Float = 1
    /// `--mean` or `--std` given: the model's own normalization is not used.
    var normalizationGiven = false
    /// The model's normalization (from its metadata), set by `Runner.run`.
    var modelNormalization: ModelMetadata.NormalizationOptions?
    var invert = false
    /// `--preprocess mnist`: photo of a digit → MNIST-style 28×28, then the digit-model adapter.
    var preprocessMNIST = false
    var saveOutputs: String?
    var json = false
    var threads: Int?
    var backend: Interpreter.Backend?
    /// `--signature KEY`: run this signature with named inputs (Signatures.swift).
    var signature: String?
}

/// Milliseconds taken by each phase.
struct Timings {
    var load = 0.0, allocate = 0.0, invoke = 0.0
}

func milliseconds(_ d: Duration) -> Double {
    let (s, a) = d.components
    return Double(s) * 1000 + Double(a) / 1e15
}

/// Runs `body`, returning its result and how long it took in ms.
func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try body()
    return (value, milliseconds(clock.now - start))
}

enum Runner {
    static func run(_ request: RunRequest) throws {
        if let key = request.signature { return try SignatureCommand.run(request, key: key) }
        // Read cheap inputs first so a bad image or labels file fails before the model loads.
        var labels = try request.labelsPath.map(readLabels)
        let image = try request.image.map { path -> DecodedImage in
            do { return try DecodedImage(contentsOfFile: path) } catch let e as ImageError {
                throw CLIError.runtime(e.reason.hasPrefix("cannot read") ? e.reason : "image '\(path)': \(e.reason)")
            }
        }
        let arrays = try request.npyInputs.map { path -> NumPyArray in
            do { return try NumPyArray(contentsOfFile: path) } catch let e as NumPyArray.FormatError {
                throw CLIError.runtime(e.reason.hasPrefix("cannot read") ? e.reason : "'\(path)' is not a valid .npy file: \(e.reason)")
            }
        }

        var timings = Timings()
        let options = Interpreter.Options(threadCount: request.threads, backend: request.backend)
        let interpreter: Interpreter, model: Model
        ((model, interpreter), timings.load) = try timed {
            let model = try Model(path: request.model)
            return (model, try Interpreter(model: model, options: options))
        }
        ((), timings.allocate) = try timed { try interpreter.allocateTensors() }

        // What the model's metadata says, unless the command line says otherwise.
        var request = request
        let defaults = ModelDefaults(
            model: model, locale: request.labelLocale,
            wantNormalization: request.image != nil && !request.normalizationGiven && !request.preprocessMNIST,
            wantLabels: labels == nil)
        request.modelNormalization = defaults.normalization
        if labels == nil, let modelLabels = defaults.labels { labels = modelLabels }

        var inputDescription = ""
        if let image, let path = request.image {
            inputDescription = try feedImage(image, path: path, request, interpreter)
        } else {
            try feedArrays(arrays, paths: request.npyInputs, interpreter)
            inputDescription = request.npyInputs.joined(separator: ", ")
        }
        ((), timings.invoke) = try timed { try interpreter.invoke() }

        if let dir = request.saveOutputs { try saveOutputs(interpreter, to: dir) }
        let output = try interpreter.output(at: 0)
        let scores = try scoresOf(output)
        let top = topK(scores, request.topK)
        if let labels, labels.count < scores.count {
            let file = request.labelsPath.map { "labels file '\($0)'" } ?? "the model's label file '\(defaults.labelsFile ?? "")'"
            printWarning(labels.isEmpty
                ? "\(file) is empty; output 0 has \(scores.count) classes, printed without labels ('?')"
                : "\(file) has \(labels.count) line\(labels.count == 1 ? "" : "s") for the \(scores.count) classes of output 0; classes \(labels.count) and up are printed as '?'")
        }

        if request.json {
            var entries: [JSON] = []
            for (index, score) in top {
                var entry: [(String, JSON)] = [("index", .int(index))]
                if let labels, index < labels.count { entry.append(("label", .string(labels[index]))) }
                entry.append(("score", .number(Double(score))))
                entries.append(.object(entry))
            }
            var fields: [(String, JSON)] = [
                ("model", .string(request.model)),
                ("input", .string(inputDescription)),
                ("normalization", .string(request.modelNormalization.map { "model metadata: " + ModelDefaults.describe($0) } ?? "mean \(request.mean) std \(request.std) (pixels 0...1)")),
                ("labels", request.labelsPath.map { .string($0) } ?? defaults.labelsFile.map { .string("model: " + $0) } ?? .null),
                ("output", .object([
                    ("name", .string(output.name)), ("type", .string("\(output.dataType)")),
                    ("shape", .array(output.shape.dimensions.map { .int($0) })),
                ])),
                ("top_k", .array(entries)),
                ("timings_ms", .object([
                    ("load", .number(timings.load)), ("allocate", .number(timings.allocate)), ("invoke", .number(timings.invoke)),
                ])),
            ]
            if let dir = request.saveOutputs { fields.append(("saved_outputs", .string(dir))) }
            print(JSON.object(fields).rendered)
            return
        }

        print("model:  \(request.model)")
        print("input:  \(inputDescription)")
        if let n = request.modelNormalization { print("normalization: model metadata, \(ModelDefaults.describe(n)) (pixels 0...255)") }
        if request.labelsPath == nil, let file = defaults.labelsFile { print("labels: model's \(file)") }
        print("output: '\(output.name)' \(output.dataType) \(output.shape)\(output.quantizationParameters.map { " (dequantized, scale \($0.scale), zero point \($0.zeroPoint))" } ?? "")")
        let labelWidth = max(5, (labels.map { l in top.map { $0.index < l.count ? l[$0.index].count : 0 }.max() ?? 0 }) ?? 0)
        var header = "  rank  index"
        if labels != nil { header += "  " + pad("label", labelWidth) }
        print(header + "  score")
        for (rank, entry) in top.enumerated() {
            var line = "  " + pad("\(rank + 1)", 4, right: true) + "  " + pad("\(entry.index)", 5, right: true)
            if let labels { line += "  " + pad(entry.index < labels.count ? labels[entry.index] : "?", labelWidth) }
            print(line + "  " + formatScore(entry.score))
        }
        if let dir = request.saveOutputs { print("saved \(interpreter.outputTensorCount) output\(interpreter.outputTensorCount == 1 ? "" : "s") to \(dir)") }
        print("time:   load \(fixed(timings.load)) ms, allocate \(fixed(timings.allocate)) ms, invoke \(fixed(timings.invoke)) ms")
    }

    // MARK: Inputs

    /// Preprocesses the image for input 0 and copies it in; returns a description.
    static func feedImage(_ image: DecodedImage, path: String, _ request: RunRequest, _ interpreter: Interpreter) throws -> String {
        guard interpreter.inputTensorCount == 1 else {
            throw CLIError.runtime("the model has \(interpreter.inputTensorCount) inputs; an IMAGE fills only one, use --input-npy once per input")
        }
        let input = try interpreter.input(at: 0)
        let dims = input.shape.dimensions
        let height: Int, width: Int, channels: Int
        switch dims.count {
        case 4 where dims[0] == 1 && (dims[3] == 1 || dims[3] == 3):
            (height, width, channels) = (dims[1], dims[2], dims[3])
        case 3 where dims[0] == 1:
            (height, width, channels) = (dims[1], dims[2], 1)
        case 2 where dims[0] == 1 && isPerfectSquare(dims[1]):
            // A flattened square image, as MLPs on MNIST take ([1, 784] = 28 × 28).
            let side = Int(Double(dims[1]).squareRoot().rounded())
            (height, width, channels) = (side, side, 1)
        default:
            throw CLIError.runtime("input 0 '\(input.name)' has shape \(input.shape); an image needs [1, H, W, 1 or 3], [1, H, W] or [1, H*W] with H = W")
        }
        guard height >= 1, width >= 1 else {
            throw CLIError.runtime("input 0 '\(input.name)' has shape \(input.shape) with an empty image size")
        }
        if request.preprocessMNIST {
            let digit = try Auto.mnistInput(image, path: path, preprocess: true)
            let q = input.quantizationParameters
            let adapter: DigitInputAdapter
            do {
                adapter = try DigitInputAdapter(shape: [1, height, width, channels], type: input.dataType,
                                                scale: q?.scale ?? 1, zeroPoint: q?.zeroPoint ?? 0, model: request.model)
            } catch let DigitModelError.unsupportedTensor(_, reason) {
                throw CLIError.runtime("--preprocess mnist: input 0 '\(input.name)': \(reason)")
            }
            try interpreter.copy(adapter.inputBytes(mnistImage: digit), toInputAt: 0)
            return "\(path) (\(image.width)x\(image.height), --preprocess mnist -> 28x28) -> \(input.dataType) \(input.shape)"
        }
        var values = try ImagePreprocessing.prepare(
            image, height: height, width: width, channels: channels,
            mean: request.modelNormalization == nil ? request.mean : 0,
            std: request.modelNormalization == nil ? request.std : 1, invert: request.invert)
        if let n = request.modelNormalization { values = try ModelDefaults.normalize(values, channels: channels, n) }
        let data = try encode(values, for: input)
        try interpreter.copy(data, toInputAt: 0)
        return "\(path) (\(image.width)x\(image.height) \(image.colorModel == .rgb ? "RGB" : "gray")) -> \(input.dataType) \(input.shape)"
    }

    static func isPerfectSquare(_ n: Int) -> Bool {
        guard n > 0 else { return false }
        let r = Int(Double(n).squareRoot().rounded())
        return r * r == n
    }

    /// Float values in the input's element type, quantized with its own
    /// scale and zero point when it is int8 or uint8.
    static func encode(_ values: [Float], for input: Tensor) throws -> Data {
        do {
            return try TensorValues.encode(values, as: input.dataType, quantization: input.quantizationParameters)
        } catch {
            throw CLIError.runtime("input 0 '\(input.name)' is \(input.dataType)\(input.quantizationParameters == nil ? " without quantization" : ""); images can fill float32 inputs and quantized int8 or uint8 inputs (use --input-npy otherwise)")
        }
    }

    static func feedArrays(_ arrays: [NumPyArray], paths: [String], _ interpreter: Interpreter) throws {
        guard arrays.count == interpreter.inputTensorCount else {
            throw CLIError.runtime("the model has \(interpreter.inputTensorCount) input\(interpreter.inputTensorCount == 1 ? "" : "s"), \(arrays.count) --input-npy given")
        }
        for (i, array) in arrays.enumerated() {
            let input = try interpreter.input(at: i)
            let expected = input.shape.elementCount
            guard array.type == input.dataType, array.elementCount == expected else {
                throw CLIError.runtime("\(paths[i]) is \(array.type) \(array.shape) (\(array.elementCount) elements); input \(i) '\(input.name)' is \(input.dataType) \(input.shape) (\(expected) elements)")
            }
            try interpreter.copy(array.data, toInputAt: i)
        }
    }

    // MARK: Outputs

    /// The output's values as Float, dequantized when it is quantized.
    static func scoresOf(_ t: Tensor) throws -> [Float] {
        do {
            return try TensorValues.floats(t)
        } catch {
            throw CLIError.runtime("output 0 '\(t.name)' is \(t.dataType), which has no scores to rank")
        }
    }

    /// The `k` largest scores, highest first (ties: lower index first; NaN last).
    static func topK(_ scores: [Float], _ k: Int) -> [(index: Int, score: Float)] {
        let ranked = scores.enumerated().sorted { a, b in
            if a.element.isNaN != b.element.isNaN { return !a.element.isNaN }
            if a.element != b.element { return a.element > b.element }
            return a.offset < b.offset
        }
        return ranked.prefix(k).map { ($0.offset, $0.element) }
    }

    static func saveOutputs(_ interpreter: Interpreter, to dir: String) throws {
        let outputs = try (0..<interpreter.outputTensorCount).map { i in
            (file: "output_\(i)", what: "output \(i)", tensor: try interpreter.output(at: i))
        }
        try saveOutputs(outputs, to: dir)
    }

    /// `--save-outputs DIR`: creates DIR and writes each tensor to `DIR/<file>.npy`.
    static func saveOutputs(_ outputs: [(file: String, what: String, tensor: Tensor)], to dir: String) throws {
        try FileAccess.createDirectories(dir, what: "--save-outputs")
        for (file, what, t) in outputs {
            let path = (dir.hasSuffix("/") ? dir : dir + "/") + file + ".npy"
            try FileAccess.write(NumPyArray(type: t.dataType, shape: t.shape.dimensions, data: t.data).npyData(), to: path, what: what)
        }
    }

    static func readLabels(_ path: String) throws -> [String] {
        let data = try FileAccess.read(path, what: "labels file")
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError.runtime("labels file '\(path)' is not UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.hasSuffix("\r") ? $0.dropLast() : $0)
        }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    // MARK: Formatting

    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return right ? fill + s : s + fill
    }

    static func fixed(_ v: Double, _ digits: Int = 3) -> String {
        DecimalText.fixed(v, decimals: digits)
    }

    static func formatScore(_ v: Float) -> String {
        guard v.isFinite else { return "\(v)" }
        // Small scores in scientific notation so they do not all print as 0.000000.
        return v != 0 && abs(v) < 1e-4 ? DecimalText.scientific(Double(v), decimals: 3) : DecimalText.fixed(Double(v), decimals: 6)
    }
}
