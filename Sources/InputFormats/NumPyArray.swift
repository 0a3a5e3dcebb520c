import TFLiteEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An n-dimensional array in NumPy's `.npy` format (versions 1.0–3.0,
/// C order, little-endian or single-byte types).
public struct NumPyArray: Equatable, Sendable {
    /// The element type (the header's `descr`).
    public var type: TensorType
    /// The dimensions, outermost first (empty for a scalar).
    public var shape: [Int]
    /// Row-major, little-endian element bytes.
    public var data: Data

    /// An array from its parts; `data` must hold `elementCount` elements of `type`.
    public init(type: TensorType, shape: [Int], data: Data) {
        self.type = type
        self.shape = shape
        self.data = data
    }

    /// Number of elements (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// Errors reading a `.npy` file.
    public struct FormatError: Error, CustomStringConvertible, Equatable {
        /// What is wrong, and where.
        public let reason: String
        /// `invalid .npy data: <reason>`.
        public var description: String { "invalid .npy data: \(reason)" }
    }

    /// Reads a `.npy` file.
    public init(contentsOfFile path: String) throws {
        let data: Data
        switch FileReading.read(path, maximumBytes: 1 << 36) {
        case let .success(d): data = d
        case let .failure(e): throw FormatError(reason: "cannot read file '\(path)': \(e.reason)")
        }
        try self.init(npyData: data)
    }

    /// Parses `.npy` bytes. Every header field is checked; the data size must match the shape exactly.
    public init(npyData bytes: Data) throws {
        let b = [UInt8](bytes.prefix(12))
        guard b.count >= 10, b[0] == 0x93, Array(b[1..<6]) == Array("NUMPY".utf8) else {
            throw FormatError(reason: "missing the \\x93NUMPY magic")
        }
        let major = b[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(b[8]) | Int(b[9]) << 8
            headerStart = 10
        case 2, 3:
            guard b.count >= 12 else { throw FormatError(reason: "truncated header") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            headerStart = 12
        default:
            throw FormatError(reason: "unsupported format version \(major)")
        }
        guard headerLength <= 1 << 20, headerStart + headerLength <= bytes.count else {
            throw FormatError(reason: "header length \(headerLength) exceeds the file")
        }
        let start = bytes.startIndex
        let headerBytes = bytes[(start + headerStart)..<(start + headerStart + headerLength)]
        guard let header = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw FormatError(reason: "header is not text")
        }
        func value(_ key: String) throws -> Substring {
            guard let k = header.firstRange(of: "'\(key)'") ?? header.firstRange(of: "\"\(key)\"") else {
                throw FormatError(reason: "header has no '\(key)'")
            }
            var rest = header[k.upperBound...].drop { $0 == " " || $0 == ":" }
            if rest.first == "(" {
                guard let close = rest.firstIndex(of: ")") else { throw FormatError(reason: "unterminated shape") }
                return rest[rest.index(after: rest.startIndex)..<close]
            }
            if rest.first == "'" || rest.first == "\"" {
                let quote = rest.removeFirst()
                guard let close = rest.firstIndex(of: quote) else { throw FormatError(reason: "unterminated string") }
                return rest[..<close]
            }
            return rest.prefix { $0 != "," && $0 != "}" }
        }
        let descr = String(try value("descr"))
        guard let type = NumPyArray.type(forDescr: descr) else {
            throw FormatError(reason: "unsupported dtype '\(descr)'")
        }
        let fortran = String(try value("fortran_order").filter { $0 != " " })
        guard fortran == "False" else { throw FormatError(reason: "Fortran-ordered arrays are not supported") }
        var shape: [Int] = []
        for part in try value("shape").split(separator: ",") {
            let text = String(part.filter { $0 != " " })
            if text.isEmpty { continue }
            guard let d = Int(text), d >= 0 else { throw FormatError(reason: "invalid dimension '\(text)'") }
            shape.append(d)
        }
        var count = 1
        for d in shape {
            let (p, o) = count.multipliedReportingOverflow(by: d)
            guard !o else { throw FormatError(reason: "shape \(shape) overflows") }
            count = p
        }
        let (byteCount, o) = count.multipliedReportingOverflow(by: type.byteSize ?? 1)
        let dataStart = headerStart + headerLength
        guard !o, byteCount == bytes.count - dataStart else {
            throw FormatError(reason: "shape \(shape) of \(descr) needs \(byteCount) bytes, the file holds \(bytes.count - dataStart)")
        }
        self.init(type: type, shape: shape, data: Data(bytes[(start + dataStart)...]))
    }

    /// The `.npy` (version 1.0) encoding of the array.
    public func npyData() -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(NumPyArray.descr(for: type))', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad so that the data starts on a 64-byte boundary; the header ends with a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = header.utf8.count
        out.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        out.append(contentsOf: Array(header.utf8))
        out.append(data)
        return out
    }

    /// Writes the array as a `.npy` file.
    public func write(toFile path: String) throws {
        try npyData().write(to: URL(fileURLWithPath: path))
    }

    static func type(forDescr descr: String) -> TensorType? {
        switch descr {
        case "<f4": return .float32
        case "<f2": return .float16
        case "<f8": return .float64
        case "|i1", "<i1", "i1": return .int8
        case "|u1", "<u1", "u1": return .uint8
        case "<i2": return .int16
        case "<u2": return .uint16
        case "<i4": return .int32
        case "<u4": return .uint32
        case "<i8": return .int64
        case "<u8": return .uint64
        case "|b1", "<b1", "b1": return .bool
        default: return nil
        }
    }

    static func descr(for type: TensorType) -> String {
        switch type {
        case .float32: return "<f4"
        case .float16: return "<f2"
        case .float64: return "<f8"
        case .int8: return "|i1"
        case .uint8: return "|u1"
        case .int16: return "<i2"
        case .uint16: return "<u2"
        case .int32: return "<i4"
        case .uint32: return "<u4"
        case .int64: return "<i8"
        case .uint64: return "<u8"
        case .bool: return "|b1"
        default: return "|V\(type.byteSize ?? 1)"
        }
    }
}
