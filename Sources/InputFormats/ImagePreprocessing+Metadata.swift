import TFLiteEngine

extension ImagePreprocessing {
    /// Applies a model's own input normalization, as TFLite metadata stores
    /// it (`NormalizationOptions`, in 0...255 pixel units, as tflite-support's
    /// metadata writers and the TFLite Support task library use it), to HWC
    /// values in 0...1: `(x × 255 − mean[c]) / std[c]` for channel `c`.
    ///
    /// A single mean or std value applies to every channel; an empty list
    /// means 0 (mean) or 1 (std). Throws an ``ImageError`` when a list has
    /// another length than 1 or `channels`, or a value is zero (std) or not
    /// finite.
    public static func normalize(
        _ values: [Float], channels: Int, metadata normalization: ModelMetadata.NormalizationOptions
    ) throws -> [Float] {
        guard channels >= 1 else {
            throw ImageError(reason: "cannot normalize an image of \(channels) channels")
        }
        func perChannel(_ v: [Float], _ what: String, default value: Float) throws -> [Float] {
            if v.isEmpty { return [Float](repeating: value, count: channels) }
            if v.count == 1 { return [Float](repeating: v[0], count: channels) }
            guard v.count == channels else {
                throw ImageError(reason: "the model's normalization has \(v.count) \(what) values for an input of \(channels) channels")
            }
            return v
        }
        let mean = try perChannel(normalization.mean, "mean", default: 0)
        let std = try perChannel(normalization.std, "std", default: 1)
        guard std.allSatisfy({ $0 != 0 && $0.isFinite }), mean.allSatisfy(\.isFinite) else {
            throw ImageError(reason: "the model's normalization has a zero or non-finite value (mean \(normalization.mean), std \(normalization.std))")
        }
        var out = values
        for i in out.indices {
            let c = i % channels
            out[i] = (out[i] * 255 - mean[c]) / std[c]
        }
        return out
    }
}
