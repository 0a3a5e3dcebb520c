#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An IDX file of unsigned bytes, the format of the MNIST data sets
/// (`t10k-images.idx3-ubyte`, `t10k-labels.idx1-ubyte`), plain or
/// gzip-compressed (detected by the gzip magic number).
///
/// Layout: two zero bytes, a type byte (0x08 = unsigned byte; other types
/// are rejected), the number of dimensions, each dimension as a big-endian
/// UInt32, then the data in row-major order. The data size must match the
/// dimensions exactly.
public struct IDXFile: Equatable, Sendable {
    /// Largest element count accepted (2^31).
    public static let maximumElementCount = 1 << 31

    /// Dimensions; the first is the number of items (images or labels).
    public let dimensions: [Int]
    /// The elements, row-major.
    public let data: [UInt8]

    /// Number of items (the first dimension).
    public var count: Int { dimensions.first ?? 0 }
    /// Elements per item (product of the other dimensions).
    public var itemSize: Int { dimensions.dropFirst().reduce(1, *) }

    /// The elements of item `index` (an image's pixels, or one label); `index` must be in `0..<count`.
    public func item(_ index: Int) -> ArraySlice<UInt8> {
        data[(index * itemSize)..<((index + 1) * itemSize)]
    }

    /// Reads an IDX file, decompressing it first if it is gzip-compressed.
    public init(contentsOfFile path: String) throws {
        let data: Data
        switch FileReading.read(path, maximumBytes: 1 << 32) {
        case let .success(d): data = d
        case let .failure(e): throw IDXError(reason: "cannot read file '\(path)': \(e.reason)")
        }
        try self.init(data: data)
    }

    /// Parses IDX bytes, decompressing them first if they are gzip-compressed.
    public init(data: Data) throws {
        if Inflate.isGzip(data) {
            let bytes: [UInt8]
            do {
                bytes = try Inflate.gunzip(data, maximumOutputBytes: IDXFile.maximumElementCount + 1024)
            } catch let e as InflateError {
                throw IDXError(reason: "gzip: \(e)")
            }
            try self.init(bytes: bytes)
        } else {
            try self.init(bytes: [UInt8](data))
        }
    }

    /// Parses uncompressed IDX bytes.
    public init(bytes: [UInt8]) throws {
        guard bytes.count >= 4 else { throw IDXError(reason: "file has \(bytes.count) bytes, too short for the IDX header") }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw IDXError(reason: "bad magic number (first bytes \(Inflate.hex(bytes[0])) \(Inflate.hex(bytes[1])), expected 00 00)")
        }
        guard bytes[2] == 0x08 else {
            let names: [UInt8: String] = [0x09: "signed byte", 0x0B: "int16", 0x0C: "int32", 0x0D: "float32", 0x0E: "float64"]
            throw IDXError(reason: "element type 0x\(Inflate.hex(bytes[2]))\(names[bytes[2]].map { " (\($0))" } ?? "") is not supported; only unsigned bytes (0x08)")
        }
        let rank = Int(bytes[3])
        guard rank >= 1 else { throw IDXError(reason: "file declares 0 dimensions") }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw IDXError(reason: "header declares \(rank) dimensions but the file has only \(bytes.count) bytes")
        }
        var dimensions: [Int] = []
        var total = 1
        for d in 0..<rank {
            let p = 4 + 4 * d
            let size = Int(bytes[p]) << 24 | Int(bytes[p + 1]) << 16 | Int(bytes[p + 2]) << 8 | Int(bytes[p + 3])
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow, product <= IDXFile.maximumElementCount else {
                throw IDXError(reason: "dimensions \(dimensions + [size]) exceed the limit of \(IDXFile.maximumElementCount) elements")
            }
            total = product
            dimensions.append(size)
        }
        guard bytes.count - headerSize == total else {
            throw IDXError(reason: "dimensions \(dimensions) need \(total) data bytes, the file has \(bytes.count - headerSize)")
        }
        self.dimensions = dimensions
        self.data = Array(bytes[headerSize...])
    }
}

/// A malformed or unsupported IDX file.
public struct IDXError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong, and where.
    public let reason: String
    /// An error with this reason.
    public init(reason: String) { self.reason = reason }
    /// `invalid IDX file: <reason>`.
    public var description: String { "invalid IDX file: \(reason)" }
}
