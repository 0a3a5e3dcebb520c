/// Turning an image into a model input: resize, channel replication,
/// normalization, inversion. All functions work on row-major
/// height × width × channels Float arrays (HWC, as TFLite's NHWC inputs).
public enum ImagePreprocessing {
    /// Bilinear resize of a `height × width × channels` image to
    /// `outputHeight × outputWidth × channels`.
    ///
    /// Uses half-pixel centres, like TensorFlow 2's
    /// `tf.image.resize(..., method="bilinear", antialias=False)` and TFLite's
    /// RESIZE_BILINEAR with `half_pixel_centers=true`: output pixel `y` samples
    /// the input at `(y + 0.5) × inH / outH − 0.5`, clamped to the image, and
    /// interpolates the two nearest rows and columns. When shrinking by a
    /// large factor this skips pixels (no antialiasing).
    ///
    /// The sizes must be at least 1 and `pixels.count` must equal
    /// `height × width × channels`; otherwise an ``ImageError`` is thrown.
    public static func resizeBilinear(
        _ pixels: [Float], height: Int, width: Int, channels: Int = 1,
        toHeight outputHeight: Int, width outputWidth: Int
    ) throws -> [Float] {
        guard height >= 1, width >= 1, channels >= 1, outputHeight >= 1, outputWidth >= 1 else {
            throw ImageError(reason: "cannot resize \(height)×\(width)×\(channels) to \(outputHeight)×\(outputWidth)")
        }
        let (inPlane, o1) = height.multipliedReportingOverflow(by: width)
        let (inCount, o2) = inPlane.multipliedReportingOverflow(by: channels)
        guard !o1, !o2, inCount == pixels.count else {
            throw ImageError(reason: "image has \(pixels.count) values, \(height)×\(width)×\(channels) expected")
        }
        let (outPlane, o3) = outputHeight.multipliedReportingOverflow(by: outputWidth)
        let (outCount, o4) = outPlane.multipliedReportingOverflow(by: channels)
        guard !o3, !o4, outCount <= PGMImage.maximumPixelCount * 4 else {
            throw ImageError(reason: "resized image \(outputHeight)×\(outputWidth)×\(channels) is too large")
        }
        if outputHeight == height && outputWidth == width { return pixels }

        /// Source index pair and weight of the second for each output coordinate.
        func taps(_ outSize: Int, _ inSize: Int) -> [(Int, Int, Float)] {
            let scale = Float(inSize) / Float(outSize)
            return (0..<outSize).map { i in
                let s = min(max((Float(i) + 0.5) * scale - 0.5, 0), Float(inSize - 1))
                let lo = Int(s)
                let hi = min(lo + 1, inSize - 1)
                return (lo, hi, s - Float(lo))
            }
        }
        let ys = taps(outputHeight, height), xs = taps(outputWidth, width)
        var out = [Float](repeating: 0, count: outCount)
        var o = 0
        for (y0, y1, wy) in ys {
            for (x0, x1, wx) in xs {
                for c in 0..<channels {
                    let a = pixels[(y0 * width + x0) * channels + c], b = pixels[(y0 * width + x1) * channels + c]
                    let d = pixels[(y1 * width + x0) * channels + c], e = pixels[(y1 * width + x1) * channels + c]
                    let top = a + (b - a) * wx
                    let bottom = d + (e - d) * wx
                    out[o] = top + (bottom - top) * wy
                    o += 1
                }
            }
        }
        return out
    }

    /// Repeats each single-channel pixel `channels` times (gray → RGB).
    public static func replicateChannels(_ pixels: [Float], to channels: Int) -> [Float] {
        guard channels > 1 else { return pixels }
        var out: [Float] = []
        out.reserveCapacity(pixels.count * channels)
        for p in pixels { for _ in 0..<channels { out.append(p) } }
        return out
    }

    /// `1 − x` for values in [0, 1]: dark ink on light paper becomes light on dark (as MNIST).
    public static func invert(_ pixels: [Float]) -> [Float] {
        pixels.map { 1 - $0 }
    }

    /// `(x − mean) / std`, applied after scaling to [0, 1].
    public static func normalize(_ pixels: [Float], mean: Float, std: Float) -> [Float] {
        if mean == 0 && std == 1 { return pixels }
        let inv = 1 / std
        return pixels.map { ($0 - mean) * inv }
    }

    /// The whole pipeline for a decoded PNG, JPEG, PGM or PPM: conversion to
    /// `channels` (RGB → gray with Pillow's `convert("L")` weights, gray → RGB by
    /// replication), scaling to [0, 1], optional inversion, bilinear resize to
    /// `height × width`, then `(x − mean) / std`. Returns HWC values.
    public static func prepare(
        _ image: DecodedImage, height: Int, width: Int, channels: Int,
        mean: Float = 0, std: Float = 1, invert inverting: Bool = false
    ) throws -> [Float] {
        guard channels == 1 || channels == 3 else {
            throw ImageError(reason: "an image cannot fill \(channels) channels (1 or 3 supported)")
        }
        guard std != 0, std.isFinite, mean.isFinite else {
            throw ImageError(reason: "normalization needs a finite mean and a non-zero finite std (got mean \(mean), std \(std))")
        }
        var x = image.converted(to: channels == 1 ? .gray : .rgb).floatPixels()
        if inverting { x = invert(x) }
        x = try resizeBilinear(x, height: image.height, width: image.width, channels: channels, toHeight: height, width: width)
        return normalize(x, mean: mean, std: std)
    }

    /// The whole pipeline for a grayscale image: optional inversion, bilinear
    /// resize to `height × width`, replication to `channels`, then
    /// `(x − mean) / std`. Returns HWC values.
    public static func prepare(
        _ image: PGMImage, height: Int, width: Int, channels: Int,
        mean: Float = 0, std: Float = 1, invert inverting: Bool = false
    ) throws -> [Float] {
        guard channels == 1 || channels == 3 else {
            throw ImageError(reason: "a grayscale image cannot fill \(channels) channels (1 or 3 supported)")
        }
        guard std != 0, std.isFinite, mean.isFinite else {
            throw ImageError(reason: "normalization needs a finite mean and a non-zero finite std (got mean \(mean), std \(std))")
        }
        var x = inverting ? invert(image.pixels) : image.pixels
        x = try resizeBilinear(x, height: image.height, width: image.width, toHeight: height, width: width)
        x = replicateChannels(x, to: channels)
        return normalize(x, mean: mean, std: std)
    }
}
