#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A grayscale image read from a PGM (netpbm "portable graymap") file.
///
/// Reads plain (`P2`, ASCII samples) and raw (`P5`, binary samples, one byte
/// each when maxval < 256, otherwise two bytes big-endian) files, following
/// the netpbm specification: header fields separated by whitespace (space,
/// TAB, CR, LF, VT, FF), `#` comments running to the end of the line
/// anywhere in the header, and exactly one whitespace character between
/// maxval and a raw raster. Data after the first image is ignored.
///
/// Every malformed file gives an ``ImageError``: truncated or non-numeric
/// fields, maxval outside 1…65535, a sample above maxval, a raster shorter
/// than the header declares, or more than ``maximumPixelCount`` pixels.
public struct PGMImage: Equatable, Sendable {
    /// Largest width × height accepted (2^26 pixels, 256 MiB as Float).
    public static let maximumPixelCount = 1 << 26
    static let limits = ImageDecodingLimits(maximumWidth: maximumPixelCount, maximumHeight: maximumPixelCount, maximumPixelCount: maximumPixelCount)

    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// The file's maxval (1…65535).
    public let maxValue: Int
    /// Row-major samples divided by maxval, in [0, 1]; 0 is black.
    public let pixels: [Float]

    /// An image from samples in [0, 1], row-major.
    public init(width: Int, height: Int, maxValue: Int = 255, pixels: [Float]) {
        self.width = width
        self.height = height
        self.maxValue = maxValue
        self.pixels = pixels
    }

    /// Reads a PGM file.
    public init(contentsOfFile path: String) throws {
        let data: Data
        switch FileReading.read(path, maximumBytes: 1 << 30) {
        case let .success(d): data = d
        case let .failure(e): throw ImageError(.unreadable, "cannot read file '\(path)': \(e.reason)")
        }
        try self.init(data: data)
    }

    /// Parses PGM bytes.
    public init(data: Data) throws {
        self = try data.withUnsafeBytes { try PGMImage(bytes: $0) }
    }

    /// Parses PGM bytes.
    public init(bytes: UnsafeRawBufferPointer) throws {
        var parser = NetpbmParser(bytes: bytes)
        let header = try parser.header(accepting: [UInt8(ascii: "2"), UInt8(ascii: "5")], limits: PGMImage.limits)
        let divisor = Float(header.maxValue)
        let table = (0...header.maxValue).map { Float($0) / divisor }
        let pixels = try parser.samples(header, table: table)
        self.init(width: header.width, height: header.height, maxValue: header.maxValue, pixels: pixels)
    }
}
