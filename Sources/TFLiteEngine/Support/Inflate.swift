#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A DEFLATE (RFC 1951) and gzip (RFC 1952) decoder.
///
/// Handles stored, fixed-Huffman and dynamic-Huffman blocks, gzip headers
/// with every optional field, multi-member gzip files and the CRC-32 and
/// length trailer. Every malformed stream gives an ``InflateError``; the
/// decompressed size is bounded by `maximumOutputBytes` so a small file
/// cannot expand into an unbounded allocation ("zip bomb").
///
/// It lives in the engine, with `package` access, because the zip archive of
/// a model's associated files (`Model.associatedFile(named:)`) holds DEFLATE
/// entries; `InputFormats` (gzip IDX files, image decoders) uses it through
/// the aliases in `InputFormats/EngineAliases.swift`.
package enum Inflate {
    /// Default cap on decompressed bytes (1 GiB).
    package static let defaultMaximumOutputBytes = 1 << 30

    /// Whether `bytes` start with the gzip magic number (1F 8B).
    package static func isGzip<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        var i = bytes.makeIterator()
        return i.next() == 0x1F && i.next() == 0x8B
    }

    /// Decompresses a gzip file (one or more members, concatenated).
    package static func gunzip(_ data: Data, maximumOutputBytes: Int = defaultMaximumOutputBytes) throws -> [UInt8] {
        try data.withUnsafeBytes { try gunzip(bytes: $0, maximumOutputBytes: maximumOutputBytes) }
    }

    /// Decompresses a raw DEFLATE stream (no zlib or gzip wrapper).
    package static func inflate(_ data: Data, maximumOutputBytes: Int = defaultMaximumOutputBytes) throws -> [UInt8] {
        try data.withUnsafeBytes { raw in
            var out: [UInt8] = []
            var decoder = Decoder(input: raw, position: 0, maximumOutputBytes: maximumOutputBytes)
            try decoder.decodeStream(into: &out)
            return out
        }
    }

    static func gunzip(bytes: UnsafeRawBufferPointer, maximumOutputBytes: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var position = 0
        var member = 0
        repeat {
            let memberStart = out.count
            position = try readGzipHeader(bytes, at: position, member: member)
            var decoder = Decoder(input: bytes, position: position, maximumOutputBytes: maximumOutputBytes)
            decoder.outputStart = memberStart
            try decoder.decodeStream(into: &out)
            position = decoder.bytePositionAfterStream
            guard bytes.count - position >= 8 else {
                throw InflateError(reason: "gzip member \(member) is truncated in its 8-byte trailer", offset: bytes.count)
            }
            let expectedCRC = le32(bytes, position), expectedSize = le32(bytes, position + 4)
            let crc = out.withUnsafeBufferPointer { CRC32.checksum(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer($0)[memberStart...])) }
            guard crc == expectedCRC else {
                throw InflateError(reason: "gzip member \(member): CRC-32 of the data is \(hex(crc)), the trailer says \(hex(expectedCRC))", offset: position)
            }
            let size = UInt32(truncatingIfNeeded: out.count - memberStart)
            guard size == expectedSize else {
                throw InflateError(reason: "gzip member \(member): decompressed \(out.count - memberStart) bytes, the trailer says \(expectedSize) (mod 2^32)", offset: position + 4)
            }
            position += 8
            member += 1
            // Padding zeros after the last member are tolerated, as gzip does.
            if bytes[position...].allSatisfy({ $0 == 0 }) { break }
        } while true
        return out
    }

    /// Parses a gzip member header and returns the offset of its DEFLATE data.
    private static func readGzipHeader(_ b: UnsafeRawBufferPointer, at start: Int, member: Int) throws -> Int {
        func truncated() -> InflateError { InflateError(reason: "gzip member \(member) header is truncated", offset: b.count) }
        guard b.count - start >= 10 else { throw truncated() }
        guard b[start] == 0x1F, b[start + 1] == 0x8B else {
            throw InflateError(reason: "not a gzip member (magic \(hex(b[start])) \(hex(b[start + 1])), expected 1F 8B)", offset: start)
        }
        guard b[start + 2] == 8 else {
            throw InflateError(reason: "gzip compression method \(b[start + 2]) is not DEFLATE (8)", offset: start + 2)
        }
        let flags = b[start + 3]
        guard flags & 0xE0 == 0 else {
            throw InflateError(reason: "gzip header has reserved flag bits set (\(hex(flags)))", offset: start + 3)
        }
        var p = start + 10
        if flags & 0x04 != 0 {  // FEXTRA
            guard b.count - p >= 2 else { throw truncated() }
            let length = Int(b[p]) | Int(b[p + 1]) << 8
            p += 2
            guard b.count - p >= length else { throw truncated() }
            p += length
        }
        for flag in [UInt8(0x08), 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
            while true {
                guard p < b.count else { throw truncated() }
                p += 1
                if b[p - 1] == 0 { break }
            }
        }
        if flags & 0x02 != 0 {  // FHCRC
            guard b.count - p >= 2 else { throw truncated() }
            let stored = UInt32(b[p]) | UInt32(b[p + 1]) << 8
            let actual = CRC32.checksum(UnsafeRawBufferPointer(rebasing: b[start..<p])) & 0xFFFF
            guard stored == actual else {
                throw InflateError(reason: "gzip header CRC-16 is \(hex(stored)), computed \(hex(actual))", offset: p)
            }
            p += 2
        }
        return p
    }

    private static func le32(_ b: UnsafeRawBufferPointer, _ p: Int) -> UInt32 {
        UInt32(b[p]) | UInt32(b[p + 1]) << 8 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 3]) << 24
    }

    package static func hex<T: BinaryInteger>(_ v: T) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return s.count % 2 == 1 ? "0" + s : s
    }

    // MARK: DEFLATE

    /// Length base values and extra bits for codes 257…285.
    private static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    /// Distance base values and extra bits for codes 0…29.
    private static let distanceBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    /// Order in which code-length code lengths are stored in a dynamic block header.
    private static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private static let fixedLiteralTable: HuffmanTable = {
        var lengths = [UInt8](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        // The fixed code set is complete; building it cannot fail.
        return (try? HuffmanTable(lengths: lengths, what: "fixed literal/length")) ?? HuffmanTable.empty
    }()
    private static let fixedDistanceTable: HuffmanTable = {
        (try? HuffmanTable(lengths: [UInt8](repeating: 5, count: 30), what: "fixed distance", allowIncomplete: true)) ?? HuffmanTable.empty
    }()

    /// A canonical Huffman code as one lookup table indexed by the next
    /// `bits` input bits (LSB first). Each entry is `symbol << 4 | length`;
    /// 0 marks a bit pattern no code starts with.
    struct HuffmanTable {
        var entries: [UInt32]
        var bits: Int

        static let empty = HuffmanTable(entries: [0, 0], bits: 1)

        private init(entries: [UInt32], bits: Int) {
            self.entries = entries
            self.bits = bits
        }

        /// Builds the table from code lengths (0 = symbol unused). Rejects
        /// over-subscribed code sets, and incomplete ones unless allowed
        /// (RFC 1951 permits a single distance code, or none).
        init(lengths: [UInt8], what: String, allowIncomplete: Bool = false) throws {
            var counts = [Int](repeating: 0, count: 16)
            for l in lengths { counts[Int(l)] += 1 }
            counts[0] = 0
            var left = 1
            for len in 1...15 {
                left = left << 1 - counts[len]
                guard left >= 0 else { throw InflateError(reason: "\(what) code lengths are over-subscribed", offset: nil) }
            }
            let used = counts.reduce(0, +)
            if left > 0 && !allowIncomplete && used > 1 {
                throw InflateError(reason: "\(what) code lengths are incomplete", offset: nil)
            }
            let maxLength = max(lengths.max().map(Int.init) ?? 1, 1)
            var next = [Int](repeating: 0, count: 16)
            var code = 0
            for len in 1...15 {  // canonical first code of each length
                next[len] = code
                code = (code + counts[len]) << 1
            }
            var table = [UInt32](repeating: 0, count: 1 << maxLength)
            for (symbol, l) in lengths.enumerated() where l > 0 {
                let len = Int(l)
                let c = next[len]
                next[len] += 1
                var reversed = 0
                for i in 0..<len where c & (1 << i) != 0 { reversed |= 1 << (len - 1 - i) }
                let entry = UInt32(symbol) << 4 | UInt32(len)
                var i = reversed
                while i < table.count {
                    table[i] = entry
                    i += 1 << len
                }
            }
            self.entries = table
            self.bits = maxLength
        }
    }

    /// Decoder state: input bytes, bit buffer, output cap.
    struct Decoder {
        let input: UnsafeRawBufferPointer
        var position: Int
        let maximumOutputBytes: Int
        var bitBuffer: UInt64 = 0
        var bitCount = 0
        /// Zero bytes appended past the end of input to fill a peek.
        var paddingBytes = 0
        /// Where this stream's output begins; back-references may not reach before it.
        var outputStart = 0

        init(input: UnsafeRawBufferPointer, position: Int, maximumOutputBytes: Int) {
            self.input = input
            self.position = position
            self.maximumOutputBytes = maximumOutputBytes
        }

        /// The byte offset just after the stream's last block, valid after
        /// `decodeStream` (bits left in the last partial byte are discarded).
        var bytePositionAfterStream: Int { position }

        @inline(__always) mutating func refill() {
            while bitCount <= 56 {
                let byte: UInt64
                if position < input.count {
                    byte = UInt64(input[position])
                    position += 1
                } else {
                    byte = 0
                    paddingBytes += 1
                    if paddingBytes > 8 { return }
                    position += 1
                }
                bitBuffer |= byte << UInt64(bitCount)
                bitCount += 8
            }
        }

        /// Bits that really came from the input (not padding).
        var realBits: Int { bitCount - min(paddingBytes * 8, bitCount) }

        func truncated() -> InflateError {
            InflateError(reason: "the compressed stream ends early", offset: input.count)
        }

        @inline(__always) mutating func bits(_ n: Int) throws -> Int {
            if n == 0 { return 0 }
            if bitCount < n { refill() }
            guard realBits >= n else { throw truncated() }
            let v = Int(bitBuffer & ((1 << UInt64(n)) - 1))
            bitBuffer >>= UInt64(n)
            bitCount -= n
            return v
        }

        @inline(__always) mutating func decodeSymbol(_ table: HuffmanTable, _ what: String) throws -> Int {
            if bitCount < table.bits { refill() }
            let entry = table.entries[Int(bitBuffer & ((1 << UInt64(table.bits)) - 1))]
            let len = Int(entry & 15)
            guard len > 0 else {
                throw InflateError(reason: "invalid \(what) code", offset: position - bitCount / 8)
            }
            guard realBits >= len else { throw truncated() }
            bitBuffer >>= UInt64(len)
            bitCount -= len
            return Int(entry >> 4)
        }

        mutating func alignToByte() {
            let drop = bitCount % 8
            bitBuffer >>= UInt64(drop)
            bitCount -= drop
        }

        /// Decodes blocks until the one marked final.
        mutating func decodeStream(into out: inout [UInt8]) throws {
            var final = false
            while !final {
                final = try bits(1) == 1
                switch try bits(2) {
                case 0: try storedBlock(&out)
                case 1: try huffmanBlock(&out, Inflate.fixedLiteralTable, Inflate.fixedDistanceTable)
                case 2:
                    let (literals, distances) = try dynamicTables()
                    try huffmanBlock(&out, literals, distances)
                default:
                    throw InflateError(reason: "reserved block type 3", offset: position - bitCount / 8)
                }
            }
            // Give back whole bytes read ahead into the bit buffer.
            alignToByte()
            position = min(position - bitCount / 8, input.count)
            bitCount = 0
            bitBuffer = 0
            paddingBytes = 0
        }

        private mutating func reserve(_ out: inout [UInt8], _ n: Int) throws {
            guard n <= maximumOutputBytes - out.count else {
                throw InflateError(reason: "decompressed data exceeds the limit of \(maximumOutputBytes) bytes", offset: nil)
            }
        }

        private mutating func storedBlock(_ out: inout [UInt8]) throws {
            alignToByte()
            let len = try bits(16), nlen = try bits(16)
            guard len == ~nlen & 0xFFFF else {
                throw InflateError(reason: "stored block length \(len) does not match its complement \(nlen)", offset: position - bitCount / 8)
            }
            try reserve(&out, len)
            // Drain bytes still in the bit buffer, then copy the rest directly.
            var remaining = len
            while remaining > 0 && bitCount >= 8 {
                guard realBits >= 8 else { throw truncated() }
                out.append(UInt8(truncatingIfNeeded: bitBuffer))
                bitBuffer >>= 8
                bitCount -= 8
                remaining -= 1
            }
            guard input.count - position >= remaining else { throw truncated() }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[position..<(position + remaining)]))
            position += remaining
        }

        private mutating func dynamicTables() throws -> (HuffmanTable, HuffmanTable) {
            let literalCount = try bits(5) + 257
            let distanceCount = try bits(5) + 1
            let codeLengthCount = try bits(4) + 4
            guard literalCount <= 286, distanceCount <= 30 else {
                throw InflateError(reason: "dynamic block declares \(literalCount) literal/length and \(distanceCount) distance codes (at most 286 and 30)", offset: position - bitCount / 8)
            }
            var codeLengthLengths = [UInt8](repeating: 0, count: 19)
            for i in 0..<codeLengthCount { codeLengthLengths[Inflate.codeLengthOrder[i]] = UInt8(try bits(3)) }
            let codeLengthTable = try HuffmanTable(lengths: codeLengthLengths, what: "code-length")
            var lengths: [UInt8] = []
            lengths.reserveCapacity(literalCount + distanceCount)
            while lengths.count < literalCount + distanceCount {
                let symbol = try decodeSymbol(codeLengthTable, "code-length")
                var repeatValue: UInt8 = 0, repeatCount = 0
                switch symbol {
                case 0...15:
                    lengths.append(UInt8(symbol))
                    continue
                case 16:
                    guard let last = lengths.last else {
                        throw InflateError(reason: "code-length repeat (16) with no previous length", offset: position - bitCount / 8)
                    }
                    repeatValue = last
                    repeatCount = 3 + (try bits(2))
                case 17: repeatCount = 3 + (try bits(3))
                default: repeatCount = 11 + (try bits(7))
                }
                guard lengths.count + repeatCount <= literalCount + distanceCount else {
                    throw InflateError(reason: "code-length repeat runs past the declared code count", offset: position - bitCount / 8)
                }
                lengths.append(contentsOf: repeatElement(repeatValue, count: repeatCount))
            }
            guard lengths[256] != 0 else {
                throw InflateError(reason: "dynamic block has no end-of-block code", offset: position - bitCount / 8)
            }
            let literals = try HuffmanTable(lengths: Array(lengths[..<literalCount]), what: "literal/length")
            let distances = try HuffmanTable(lengths: Array(lengths[literalCount...]), what: "distance", allowIncomplete: true)
            return (literals, distances)
        }

        private mutating func huffmanBlock(_ out: inout [UInt8], _ literals: HuffmanTable, _ distances: HuffmanTable) throws {
            while true {
                let symbol = try decodeSymbol(literals, "literal/length")
                if symbol < 256 {
                    try reserve(&out, 1)
                    out.append(UInt8(symbol))
                    continue
                }
                if symbol == 256 { return }
                let li = symbol - 257
                guard li < 29 else {
                    throw InflateError(reason: "invalid length code \(symbol)", offset: position - bitCount / 8)
                }
                let length = Inflate.lengthBase[li] + (try bits(Inflate.lengthExtra[li]))
                let di = try decodeSymbol(distances, "distance")
                guard di < 30 else {
                    throw InflateError(reason: "invalid distance code \(di)", offset: position - bitCount / 8)
                }
                let distance = Inflate.distanceBase[di] + (try bits(Inflate.distanceExtra[di]))
                guard distance <= out.count - outputStart else {
                    throw InflateError(reason: "distance \(distance) reaches before the start of the output (\(out.count - outputStart) bytes so far)", offset: position - bitCount / 8)
                }
                try reserve(&out, length)
                var from = out.count - distance
                for _ in 0..<length {
                    out.append(out[from])
                    from += 1
                }
            }
        }
    }
}

/// A corrupt or truncated DEFLATE/gzip stream, or one that expands beyond the limit.
package struct InflateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong.
    package let reason: String
    /// Byte offset in the compressed input near which the problem was found, when known.
    package let offset: Int?

    package init(reason: String, offset: Int?) {
        self.reason = reason
        self.offset = offset
    }

    package var description: String {
        "corrupt compressed data\(offset.map { " at byte \($0)" } ?? ""): \(reason)"
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial EDB88320), as used by gzip.
package enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The CRC-32 of `bytes`.
    package static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }

    /// The CRC-32 of `bytes`.
    package static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
