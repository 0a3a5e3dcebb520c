#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFLiteEngine
import InputFormats

/// What a model's own metadata says about running it on an image: the
/// normalization of input 0 (mean and std per channel, in 0...255 pixel
/// units, as tflite-support writes them) and the labels of output 0.
/// Command-line `--mean/--std` and `--labels` override them.
struct ModelDefaults {
    /// `(pixel - mean[c]) / std[c]`, pixels in 0...255; one value applies to all channels.
    var normalization: ModelMetadata.NormalizationOptions?
    var labels: [String]?
    /// The archive entry the labels came from.
    var labelsFile: String?

    /// Reads the defaults; a model whose metadata is corrupt runs without
    /// them, with a one-line warning.
    init(model: Model, locale: String?, wantNormalization: Bool, wantLabels: Bool) {
        guard wantNormalization || wantLabels else { return }
        do {
            guard let metadata = try model.metadata else { return }
            if wantNormalization, let n = metadata.subgraphs.first?.inputTensors.first?.normalization,
               !n.mean.isEmpty || !n.std.isEmpty {
                normalization = n
            }
            if wantLabels, !(metadata.subgraphs.first?.outputTensors.isEmpty ?? true),
               let file = try model.labelFile(forOutput: 0, locale: locale) {
                labels = try model.labels(forOutput: 0, locale: locale)
                labelsFile = file.name
            }
        } catch {
            printWarning("ignoring the model's metadata: \(error)")
        }
    }

    /// Applies the per-channel normalization to values in 0...1 (HWC order)
    /// with the library's ``ImagePreprocessing/normalize(_:channels:metadata:)``.
    static func normalize(_ values: [Float], channels: Int, _ n: ModelMetadata.NormalizationOptions) throws -> [Float] {
        do {
            return try ImagePreprocessing.normalize(values, channels: channels, metadata: n)
        } catch let error as ImageError {
            throw CLIError.runtime(error.reason + "; give --mean and --std")
        }
    }

    /// `mean [123.675, 116.28, 103.53] std [58.395, 57.12, 57.375]`.
    static func describe(_ n: ModelMetadata.NormalizationOptions) -> String {
        func list(_ v: [Float]) -> String { v.count == 1 ? "\(v[0])" : "[" + v.map { "\($0)" }.joined(separator: ", ") + "]" }
        return "mean \(list(n.mean)) std \(list(n.std))"
    }
}

func printWarning(_ message: String) {
    let line = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    printToStandardError("infer: warning: \(line)\n")
}
