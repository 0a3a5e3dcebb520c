#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFLiteEngine

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

    /// Applies the per-channel normalization to values in 0...1 (HWC order).
    static func normalize(_ values: [Float], channels: Int, _ n: ModelMetadata.NormalizationOptions) throws -> [Float] {
        func perChannel(_ v: [Float], _ what: String, default value: Float) throws -> [Float] {
            if v.isEmpty { return [Float](repeating: value, count: channels) }
            if v.count == 1 { return [Float](repeating: v[0], count: channels) }
            guard v.count == channels else {
                throw CLIError.runtime("the model's normalization has \(v.count) \(what) values for an input of \(channels) channels")
            }
            return v
        }
        let mean = try perChannel(n.mean, "mean", default: 0), std = try perChannel(n.std, "std", default: 1)
        guard std.allSatisfy({ $0 != 0 && $0.isFinite }), mean.allSatisfy(\.isFinite) else {
            throw CLIError.runtime("the model's normalization has a zero or non-finite value (mean \(n.mean), std \(n.std)); give --mean and --std")
        }
        var out = values
        for i in out.indices {
            let c = i % channels
            out[i] = (out[i] * 255 - mean[c]) / std[c]
        }
        return out
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
