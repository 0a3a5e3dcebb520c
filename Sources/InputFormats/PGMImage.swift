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

    public let width: Int
    public let height: Int
    /// The file's maxval (1…65535).
    public let maxValue: Int
    /// Row-major samples divided by maxval, in [0, 1]; 0 is black.
    public let pixels: [Float]

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
        case let .failure(e): throw ImageError(reason: "cannot read file '\(path)': \(e.reason)")
        }
        try self.init(data: data)
    }

    /// Parses PGM bytes.
    public init(data: Data) throws {
        self = try data.withUnsafeBytes { try PGMImage(bytes: $0) }
    }

    /// Parses PGM bytes.
    public init(bytes: UnsafeRawBufferPointer) throws {
        var parser = PGMParser(bytes: bytes)
        self = try parser.parse()
    }
}

/// A malformed or unsupported image file.
public struct ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong, and where.
    public let reason: String

    public init(reason: String) { self.reason = reason }

    public var description: String { "invalid image: \(reason)" }
}

private struct PGMParser {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    static func isWhitespace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0B || c == 0x0C
    }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// The next character, with a comment (`#` to end of line) read as the
    /// newline that ends it (netpbm's `pm_getc`). Nil at end of data.
    mutating func nextCharacter() -> UInt8? {
        guard position < bytes.count else { return nil }
        var c = bytes[position]
        position += 1
        if c == UInt8(ascii: "#") {
            while position < bytes.count {
                c = bytes[position]
                position += 1
                if c == 0x0A || c == 0x0D { return c }
            }
            return 0x0A
        }
        return c
    }

    /// Reads an unsigned decimal field: skips whitespace and comments, then
    /// digits, and consumes the one character that ends the number.
    mutating func unsignedField(_ name: String, limit: Int) throws -> Int {
        var c: UInt8?
        repeat { c = nextCharacter() } while c.map(PGMParser.isWhitespace) ?? false
        guard let first = c else { throw ImageError(reason: "PGM file ends before the \(name)") }
        guard PGMParser.isDigit(first) else {
            throw ImageError(reason: "PGM \(name) is not a number (found byte 0x\(Inflate.hex(first)) at offset \(position - 1))")
        }
        var value = Int(first - 0x30)
        while let d = nextCharacter() {
            guard PGMParser.isDigit(d) else {
                guard PGMParser.isWhitespace(d) else {
                    throw ImageError(reason: "PGM \(name) is followed by byte 0x\(Inflate.hex(d)) at offset \(position - 1), expected whitespace")
                }
                return value
            }
            value = value * 10 + Int(d - 0x30)
            guard value <= limit else { throw ImageError(reason: "PGM \(name) is larger than \(limit)") }
        }
        return value  // the number ended with the data
    }

    mutating func parse() throws -> PGMImage {
        guard bytes.count >= 2 else { throw ImageError(reason: "file is too short to be a PGM image") }
        guard bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "2") || bytes[1] == UInt8(ascii: "5") else {
            let shown = String(decoding: bytes.prefix(2).map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
            throw ImageError(reason: "not a PGM image (magic '\(shown)', expected 'P2' or 'P5')")
        }
        let plain = bytes[1] == UInt8(ascii: "2")
        position = 2
        guard position < bytes.count, PGMParser.isWhitespace(bytes[position]) || bytes[position] == UInt8(ascii: "#") else {
            throw ImageError(reason: "PGM magic number is not followed by whitespace")
        }
        let width = try unsignedField("width", limit: PGMImage.maximumPixelCount)
        let height = try unsignedField("height", limit: PGMImage.maximumPixelCount)
        guard width >= 1, height >= 1 else { throw ImageError(reason: "PGM size \(width)×\(height) is empty") }
        let (pixelCount, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixelCount <= PGMImage.maximumPixelCount else {
            throw ImageError(reason: "PGM size \(width)×\(height) exceeds the limit of \(PGMImage.maximumPixelCount) pixels")
        }
        // Read maxval allowing larger values, so that the error names the real problem.
        let maxValue = try unsignedField("maxval", limit: 1 << 24)
        guard maxValue >= 1, maxValue <= 65535 else {
            throw ImageError(reason: "PGM maxval \(maxValue) is outside 1…65535")
        }
        let divisor = Float(maxValue)
        var pixels = [Float](repeating: 0, count: pixelCount)
        if plain {
            for i in 0..<pixelCount {
                let v: Int
                do {
                    v = try unsignedField("sample \(i)", limit: 65535)
                } catch let e as ImageError where position >= bytes.count && e.reason.contains("ends before") {
                    throw ImageError(reason: "PGM raster is truncated: \(i) of \(pixelCount) samples present")
                }
                guard v <= maxValue else {
                    throw ImageError(reason: "PGM sample \(i) (row \(i / width), column \(i % width)) is \(v), above maxval \(maxValue)")
                }
                pixels[i] = Float(v) / divisor
            }
        } else {
            // unsignedField consumed the single whitespace after maxval, unless the data ended there.
            let bytesPerSample = maxValue < 256 ? 1 : 2
            let needed = pixelCount * bytesPerSample  // ≤ 2^27, no overflow
            let available = bytes.count - position
            guard available >= needed else {
                throw ImageError(reason: "PGM raster is truncated: \(available) bytes present, \(width)×\(height) samples of \(bytesPerSample) byte\(bytesPerSample == 1 ? "" : "s") need \(needed)")
            }
            let raster = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + needed)])
            for i in 0..<pixelCount {
                let v = bytesPerSample == 1 ? Int(raster[i]) : Int(raster[2 * i]) << 8 | Int(raster[2 * i + 1])
                guard v <= maxValue else {
                    throw ImageError(reason: "PGM sample \(i) (row \(i / width), column \(i % width)) is \(v), above maxval \(maxValue)")
                }
                pixels[i] = Float(v) / divisor
            }
        }
        return PGMImage(width: width, height: height, maxValue: maxValue, pixels: pixels)
    }
}
