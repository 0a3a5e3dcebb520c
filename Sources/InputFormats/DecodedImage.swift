#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An image decoded from a PNG, JPEG or netpbm (PGM/PPM) file: 8-bit gray or
/// RGB samples, row-major, channels interleaved.
///
/// What the decoders keep, chosen so that the pixels equal Pillow's
/// (`Image.open(f)`, then `convert("RGB")` for colour files or `convert("L")`
/// for gray ones):
/// - **Alpha is dropped, not composited** (gray+alpha → gray, RGBA → RGB,
///   palette or `tRNS` transparency ignored), as Pillow's `convert("RGB")`
///   does.
/// - **16-bit PNG samples keep their high byte** (`v >> 8`), as Pillow's PNG
///   reader does for RGB and RGBA; for 16-bit gray, which Pillow keeps as
///   `I;16`, the same high byte.
/// - **netpbm samples with maxval ≠ 255** become `round(v / maxval × 255)`
///   (ties to even, in Double), Pillow's formula.
/// - PNG gray at 1, 2 and 4 bits is scaled to 0…255 (× 255, 85, 17); palette
///   images become RGB (an index past the palette is black, as in Pillow).
/// - JPEG: libjpeg-turbo's default decode (accurate integer IDCT, "fancy"
///   triangular upsampling of subsampled chroma, its fixed-point YCbCr → RGB)
///   and then the EXIF orientation applied (Pillow's `ImageOps.exif_transpose`).
public struct DecodedImage: Equatable, Sendable {
    /// Gray (1 channel) or RGB (3 channels).
    public enum ColorModel: Int, Sendable {
        /// One sample per pixel, 0 black to 255 white.
        case gray = 1
        /// Three samples per pixel: red, green, blue.
        case rgb = 3
    }

    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Gray or RGB.
    public let colorModel: ColorModel
    /// `height × width × channels` samples, row-major, 0 is black.
    public let pixels: [UInt8]

    /// 1 for gray, 3 for RGB.
    public var channels: Int { colorModel.rawValue }

    /// An image from its samples; `pixels` must hold `height × width × channels` of them.
    public init(width: Int, height: Int, colorModel: ColorModel, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.colorModel = colorModel
        self.pixels = pixels
    }

    /// Decodes a PNG, JPEG, PGM or PPM file (detected by its first bytes).
    public init(contentsOfFile path: String, limits: ImageDecodingLimits = .default) throws {
        let data: Data
        switch FileReading.read(path, maximumBytes: limits.maximumFileBytes) {
        case let .success(d): data = d
        case let .failure(e): throw ImageError(.unreadable, "cannot read file '\(path)': \(e.reason)")
        }
        try self.init(data: data, limits: limits)
    }

    /// Decodes PNG, JPEG, PGM or PPM bytes (detected by their first bytes).
    public init(data: Data, limits: ImageDecodingLimits = .default) throws {
        self = try data.withUnsafeBytes { try DecodedImage(bytes: $0, limits: limits) }
    }

    /// Decodes PNG, JPEG, PGM or PPM bytes (detected by their first bytes).
    public init(bytes: UnsafeRawBufferPointer, limits: ImageDecodingLimits = .default) throws {
        guard let format = ImageFormat(detecting: bytes) else {
            let shown = bytes.prefix(8).map { Inflate.hex($0) }.joined(separator: " ")
            throw ImageError(.unknownFormat, "not a PNG, JPEG, PGM or PPM file (first bytes: \(shown.isEmpty ? "none" : shown))")
        }
        switch format {
        case .png: self = try PNGDecoder.decode(bytes, limits: limits)
        case .jpeg: self = try JPEGDecoder.decode(bytes, limits: limits)
        case .netpbm: self = try DecodedImage.decodeNetpbm(bytes, limits: limits)
        }
    }

    /// PGM (`P2`, `P5`) or PPM (`P3`, `P6`), 8 or 16 bits.
    static func decodeNetpbm(_ bytes: UnsafeRawBufferPointer, limits: ImageDecodingLimits) throws -> DecodedImage {
        var parser = NetpbmParser(bytes: bytes)
        let header = try parser.header(accepting: Array("2356".utf8), limits: limits)
        let maxValue = Double(header.maxValue)
        let table = (0...header.maxValue).map { UInt8((Double($0) / maxValue * 255).rounded(.toNearestOrEven)) }
        let pixels = try parser.samples(header, table: table)
        return DecodedImage(width: header.width, height: header.height, colorModel: header.channels == 3 ? .rgb : .gray, pixels: pixels)
    }

    /// The image with `model`'s channels: RGB → gray with Pillow's
    /// `convert("L")` (ITU-R 601-2 luma, `(19595 R + 38470 G + 7471 B + 2^15) >> 16`),
    /// gray → RGB by replication.
    public func converted(to model: ColorModel) -> DecodedImage {
        if model == colorModel { return self }
        let count = width * height
        let out: [UInt8]
        switch model {
        case .gray:
            out = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                pixels.withUnsafeBufferPointer { rgb in
                    guard let o = buffer.baseAddress, let p = rgb.baseAddress else { return }
                    for i in 0..<count {
                        let r = UInt32(p[3 &* i]), g = UInt32(p[3 &* i &+ 1]), b = UInt32(p[3 &* i &+ 2])
                        o[i] = UInt8(truncatingIfNeeded: (r &* 19595 &+ g &* 38470 &+ b &* 7471 &+ 0x8000) >> 16)
                    }
                }
                initialized = count
            }
        case .rgb:
            out = [UInt8](unsafeUninitializedCapacity: count * 3) { buffer, initialized in
                pixels.withUnsafeBufferPointer { gray in
                    guard let o = buffer.baseAddress, let p = gray.baseAddress else { return }
                    for i in 0..<count {
                        let v = p[i]
                        o[3 &* i] = v
                        o[3 &* i &+ 1] = v
                        o[3 &* i &+ 2] = v
                    }
                }
                initialized = count * 3
            }
        }
        return DecodedImage(width: width, height: height, colorModel: model, pixels: out)
    }

    /// The samples divided by 255, in [0, 1] (HWC order).
    public func floatPixels() -> [Float] {
        pixels.map { Float($0) / 255 }
    }
}

/// The image file formats ``DecodedImage`` reads, recognised by their first bytes.
public enum ImageFormat: String, Sendable {
    /// `89 50 4E 47 0D 0A 1A 0A`.
    case png
    /// `FF D8 FF` (SOI and the next marker).
    case jpeg
    /// `P2`, `P3`, `P5`, `P6` (and the unsupported `P1`, `P4`, `P7`, so that they get a precise error).
    case netpbm

    /// The format whose signature `bytes` start with, or nil.
    public init?(detecting bytes: UnsafeRawBufferPointer) {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if bytes.count >= 8, zip(bytes.prefix(8), png).allSatisfy({ $0 == $1 }) {
            self = .png
        } else if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            self = .jpeg
        } else if bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), (UInt8(ascii: "1")...UInt8(ascii: "7")).contains(bytes[1]) {
            self = .netpbm
        } else {
            return nil
        }
    }

    /// The format whose signature `data` starts with, or nil.
    public init?(detecting data: Data) {
        guard let format = data.prefix(8).withUnsafeBytes({ ImageFormat(detecting: $0) }) else { return nil }
        self = format
    }
}

/// Bounds on what a decoder accepts, checked against the header before any
/// pixel memory is allocated, so that a small file cannot ask for gigabytes.
public struct ImageDecodingLimits: Equatable, Sendable {
    /// Largest width in pixels.
    public var maximumWidth: Int
    /// Largest height in pixels.
    public var maximumHeight: Int
    /// Largest width × height.
    public var maximumPixelCount: Int
    /// Largest file `DecodedImage(contentsOfFile:)` reads.
    public var maximumFileBytes: Int

    /// 65536 × 65536 at most, and at most 2^26 pixels (64 Mi pixels: 192 MiB as RGB); files up to 1 GiB.
    public static let `default` = ImageDecodingLimits()

    /// Limits with these bounds; the defaults are those of ``default``.
    public init(maximumWidth: Int = 1 << 16, maximumHeight: Int = 1 << 16, maximumPixelCount: Int = 1 << 26, maximumFileBytes: Int = 1 << 30) {
        self.maximumWidth = maximumWidth
        self.maximumHeight = maximumHeight
        self.maximumPixelCount = maximumPixelCount
        self.maximumFileBytes = maximumFileBytes
    }

    /// Throws a ``ImageError/Kind/tooLarge`` error naming `format` if the size is beyond the limits.
    func check(width: Int, height: Int, format: String) throws {
        guard width <= maximumWidth, height <= maximumHeight else {
            throw ImageError(.tooLarge, "\(format) size \(width)×\(height) exceeds the limit of \(maximumWidth)×\(maximumHeight)")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maximumPixelCount else {
            throw ImageError(.tooLarge, "\(format) size \(width)×\(height) exceeds the limit of \(maximumPixelCount) pixels")
        }
    }
}
