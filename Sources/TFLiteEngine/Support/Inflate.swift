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
        try data.withUnsafeBytes { try inflate(bytes: $0, maximumOutputBytes: maximumOutputBytes) }
    }

    /// Decompresses a raw DEFLATE stream held in memory (a zip entry's data).
    package static func inflate(bytes raw: UnsafeRawBufferPointer, maximumOutputBytes: Int) throws -> [UInt8] {
        var out = OutputBuffer(limit: maximumOutputBytes, expected: raw.count)
        defer { out.release() }
        var decoder = Decoder(input: raw, position: 0)
        try decoder.decodeStream(into: &out)
        return out.array()
    }

    static func gunzip(bytes: UnsafeRawBufferPointer, maximumOutputBytes: Int) throws -> [UInt8] {
        var out = OutputBuffer(limit: maximumOutputBytes, expected: bytes.count)
        defer { out.release() }
        var position = 0
        var member = 0
        repeat {
            let memberStart = out.count
            position = try readGzipHeader(bytes, at: position, member: member)
            var decoder = Decoder(input: bytes, position: position)
            decoder.outputStart = memberStart
            try decoder.decodeStream(into: &out)
            position = decoder.bytePositionAfterStream
            guard bytes.count - position >= 8 else {
                throw InflateError(reason: "gzip member \(member) is truncated in its 8-byte trailer", offset: bytes.count)
            }
            let expectedCRC = le32(bytes, position), expectedSize = le32(bytes, position + 4)
            let crc = CRC32.checksum(UnsafeRawBufferPointer(start: out.base + memberStart, count: out.count - memberStart))
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
        return out.array()
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

    /// Length base values and extra bits for codes 257…285 (two unused codes, 286 and 287, at the end).
    static let lengthBase: [UInt16] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258, 0, 0]
    static let lengthExtra: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0, 0, 0]
    /// Distance base values and extra bits for codes 0…29 (two unused codes, 30 and 31, at the end).
    static let distanceBase: [UInt16] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577, 0, 0]
    static let distanceExtra: [UInt8] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 0, 0]
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

    /// A canonical Huffman code as a two-level lookup table indexed by the
    /// next input bits (LSB first): a root table of `rootBits` bits, and for
    /// codes longer than that, subtables indexed by the following bits. An
    /// entry is `symbol << 16 | length` (the code's whole length), or
    /// `start << 16 | 0x100 | bits` pointing at a subtable of `2^bits`
    /// entries; 0 marks a bit pattern no code starts with.
    struct HuffmanTable {
        static let subtableFlag: UInt32 = 0x100

        var entries: [UInt32]
        var rootBits: Int

        static let empty = HuffmanTable(entries: [0, 0], rootBits: 1)

        private init(entries: [UInt32], rootBits: Int) {
            self.entries = entries
            self.rootBits = rootBits
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
            let rootBits = min(maxLength, 10)
            let subBits = maxLength - rootBits
            var next = [Int](repeating: 0, count: 16)
            var code = 0
            for len in 1...15 {  // canonical first code of each length
                next[len] = code
                code = (code + counts[len]) << 1
            }
            var table = [UInt32](repeating: 0, count: 1 << rootBits)
            let rootMask = (1 << rootBits) - 1
            for (symbol, l) in lengths.enumerated() where l > 0 {
                let len = Int(l)
                let c = next[len]
                next[len] += 1
                var reversed = 0
                for i in 0..<len where c & (1 << i) != 0 { reversed |= 1 << (len - 1 - i) }
                let entry = UInt32(symbol) << 16 | UInt32(len)
                if len <= rootBits {
                    var i = reversed
                    while i <= rootMask {
                        table[i] = entry
                        i += 1 << len
                    }
                    continue
                }
                // A long code: its first rootBits bits select a subtable (all of 2^subBits entries).
                let prefix = reversed & rootMask
                var start: Int
                if table[prefix] & HuffmanTable.subtableFlag != 0 {
                    start = Int(table[prefix] >> 16)
                } else {
                    start = table.count
                    table.append(contentsOf: repeatElement(0, count: 1 << subBits))
                    table[prefix] = UInt32(start) << 16 | HuffmanTable.subtableFlag | UInt32(subBits)
                }
                var i = reversed >> rootBits
                while i < 1 << subBits {
                    table[start + i] = entry
                    i += 1 << (len - rootBits)
                }
            }
            self.entries = table
            self.rootBits = rootBits
        }
    }

    /// The decompressed bytes: a buffer grown by doubling up to the limit,
    /// with 16 spare bytes past its capacity so that matches can be copied
    /// 8 bytes at a time. Its owner frees it with `release()` (also when
    /// decoding throws).
    struct OutputBuffer {
        var base: UnsafeMutablePointer<UInt8>
        var count = 0
        var capacity: Int
        let limit: Int
        static let slack = 16

        init(limit: Int, expected inputBytes: Int) {
            self.limit = max(limit, 0)
            capacity = min(self.limit, max(inputBytes.multipliedReportingOverflow(by: 4).partialValue, 1 << 16))
            base = .allocate(capacity: capacity + OutputBuffer.slack)
        }

        /// Room for `n` more bytes, or the limit error.
        @inline(__always) mutating func reserve(_ n: Int) throws {
            if n > capacity &- count { try grow(n) }
        }

        @inline(never) mutating func grow(_ n: Int) throws {
            guard n <= limit - count else {
                throw InflateError(reason: "decompressed data exceeds the limit of \(limit) bytes", offset: nil)
            }
            let newCapacity = min(max(capacity * 2, count + n), limit)
            let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity + OutputBuffer.slack)
            newBase.update(from: base, count: count)
            base.deallocate()
            base = newBase
            capacity = newCapacity
        }

        /// The bytes as an array.
        func array() -> [UInt8] {
            Array(UnsafeBufferPointer(start: base, count: count))
        }

        /// Frees the buffer; the owner calls it once, on every path (`defer`).
        func release() {
            base.deallocate()
        }
    }

    /// Decoder state: input bytes and the bit buffer (least significant bit first).
    struct Decoder {
        let input: UnsafeRawBufferPointer
        /// Next input byte to load into the bit buffer.
        var position: Int
        var bitBuffer: UInt64 = 0
        /// Valid bits in `bitBuffer`, counting the zero padding.
        var bitCount = 0
        /// Zero bits appended past the end of input to fill a peek.
        var paddingBits = 0
        /// Where this stream's output begins; back-references may not reach before it.
        var outputStart = 0

        init(input: UnsafeRawBufferPointer, position: Int) {
            self.input = input
            self.position = position
        }

        /// The byte offset just after the stream's last block, valid after
        /// `decodeStream` (bits left in the last partial byte are discarded).
        var bytePositionAfterStream: Int { position }

        /// Approximate offset of the bits being decoded, for messages.
        var offset: Int { position - max(bitCount - paddingBits, 0) / 8 }

        /// At least 57 bits in the buffer: 8 bytes at once when there are 8
        /// left (bits above `bitCount` are then the next input bits, which the
        /// next load ORs in again), otherwise byte by byte, then zero padding.
        @inline(__always) mutating func refill() {
            if input.count &- position >= 8, let base = input.baseAddress {
                let word = UInt64(littleEndian: (base + position).loadUnaligned(as: UInt64.self))
                bitBuffer |= word &<< UInt64(bitCount)
                let take = (63 &- bitCount) >> 3
                position &+= take
                bitCount &+= take &* 8
                return
            }
            refillSlowly()
        }

        @inline(never) mutating func refillSlowly() {
            if bitCount < 64 { bitBuffer &= (UInt64(1) &<< UInt64(bitCount)) &- 1 }
            while bitCount <= 56 {
                if position < input.count {
                    bitBuffer |= UInt64(input[position]) &<< UInt64(bitCount)
                    position &+= 1
                } else {
                    paddingBits &+= 8
                }
                bitCount &+= 8
            }
        }

        func truncated() -> InflateError {
            InflateError(reason: "the compressed stream ends early", offset: input.count)
        }

        /// True once bits beyond the input (padding) have been consumed.
        @inline(__always) var overran: Bool { paddingBits > bitCount }

        @inline(__always) mutating func bits(_ n: Int) throws -> Int {
            if n == 0 { return 0 }
            if bitCount < n { refill() }
            let v = Int(truncatingIfNeeded: bitBuffer & ((UInt64(1) &<< UInt64(n)) &- 1))
            bitBuffer &>>= UInt64(n)
            bitCount &-= n
            if overran { throw truncated() }
            return v
        }

        /// One symbol; at least 15 bits must be buffered.
        @inline(__always) func lookup(_ table: UnsafePointer<UInt32>, _ rootMask: UInt64) -> UInt32 {
            let entry = table[Int(truncatingIfNeeded: bitBuffer & rootMask)]
            if entry & HuffmanTable.subtableFlag == 0 { return entry }
            let rootBits = UInt64(truncatingIfNeeded: rootMask.nonzeroBitCount)
            let subMask = (UInt64(1) &<< UInt64(entry & 0xFF)) &- 1
            return table[Int(entry >> 16) &+ Int(truncatingIfNeeded: (bitBuffer &>> rootBits) & subMask)]
        }

        mutating func decodeSymbol(_ table: HuffmanTable, _ what: String) throws -> Int {
            if bitCount < 15 { refill() }
            let entry = table.entries.withUnsafeBufferPointer { t in
                t.baseAddress.map { lookup($0, (UInt64(1) << UInt64(table.rootBits)) - 1) } ?? 0
            }
            let len = Int(entry & 0xFF)
            guard len > 0 else {
                throw InflateError(reason: "invalid \(what) code", offset: offset)
            }
            bitBuffer &>>= UInt64(len)
            bitCount &-= len
            if overran { throw truncated() }
            return Int(entry >> 16)
        }

        mutating func alignToByte() {
            let drop = (bitCount &- paddingBits) % 8
            bitBuffer &>>= UInt64(drop)
            bitCount &-= drop
        }

        /// Decodes blocks until the one marked final.
        mutating func decodeStream(into out: inout OutputBuffer) throws {
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
                    throw InflateError(reason: "reserved block type 3", offset: offset)
                }
            }
            // Give back whole bytes read ahead into the bit buffer.
            alignToByte()
            position = min(position - (bitCount - paddingBits) / 8, input.count)
            bitCount = 0
            bitBuffer = 0
            paddingBits = 0
        }

        private mutating func storedBlock(_ out: inout OutputBuffer) throws {
            alignToByte()
            let len = try bits(16), nlen = try bits(16)
            guard len == ~nlen & 0xFFFF else {
                throw InflateError(reason: "stored block length \(len) does not match its complement \(nlen)", offset: offset)
            }
            try out.reserve(len)
            // Drain whole bytes still in the bit buffer, then copy the rest directly.
            var remaining = len
            while remaining > 0 && bitCount - paddingBits >= 8 {
                out.base[out.count] = UInt8(truncatingIfNeeded: bitBuffer)
                out.count += 1
                bitBuffer &>>= 8
                bitCount -= 8
                remaining -= 1
            }
            // Unconsumed bytes are now all still in the input: drop the buffer and read from `position`.
            position -= (bitCount - paddingBits) / 8
            bitBuffer = 0
            bitCount = 0
            paddingBits = 0
            guard input.count - position >= remaining, let base = input.baseAddress else {
                if remaining == 0 { return }
                throw truncated()
            }
            (out.base + out.count).update(from: base.assumingMemoryBound(to: UInt8.self) + position, count: remaining)
            out.count += remaining
            position += remaining
        }

        private mutating func dynamicTables() throws -> (HuffmanTable, HuffmanTable) {
            let literalCount = try bits(5) + 257
            let distanceCount = try bits(5) + 1
            let codeLengthCount = try bits(4) + 4
            guard literalCount <= 286, distanceCount <= 30 else {
                throw InflateError(reason: "dynamic block declares \(literalCount) literal/length and \(distanceCount) distance codes (at most 286 and 30)", offset: offset)
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
                        throw InflateError(reason: "code-length repeat (16) with no previous length", offset: offset)
                    }
                    repeatValue = last
                    repeatCount = 3 + (try bits(2))
                case 17: repeatCount = 3 + (try bits(3))
                default: repeatCount = 11 + (try bits(7))
                }
                guard lengths.count + repeatCount <= literalCount + distanceCount else {
                    throw InflateError(reason: "code-length repeat runs past the declared code count", offset: offset)
                }
                lengths.append(contentsOf: repeatElement(repeatValue, count: repeatCount))
            }
            guard lengths[256] != 0 else {
                throw InflateError(reason: "dynamic block has no end-of-block code", offset: offset)
            }
            let literals = try HuffmanTable(lengths: Array(lengths[..<literalCount]), what: "literal/length")
            let distances = try HuffmanTable(lengths: Array(lengths[literalCount...]), what: "distance", allowIncomplete: true)
            return (literals, distances)
        }

        private mutating func huffmanBlock(_ out: inout OutputBuffer, _ literals: HuffmanTable, _ distances: HuffmanTable) throws {
            try literals.entries.withUnsafeBufferPointer { literalBuffer in
                try distances.entries.withUnsafeBufferPointer { distanceBuffer in
                    try Inflate.lengthBase.withUnsafeBufferPointer { lengthBase in
                        try Inflate.lengthExtra.withUnsafeBufferPointer { lengthExtra in
                            try Inflate.distanceBase.withUnsafeBufferPointer { distanceBase in
                                try Inflate.distanceExtra.withUnsafeBufferPointer { distanceExtra in
                                    guard let lt = literalBuffer.baseAddress, let dt = distanceBuffer.baseAddress,
                                          let lb = lengthBase.baseAddress, let le = lengthExtra.baseAddress,
                                          let db = distanceBase.baseAddress, let de = distanceExtra.baseAddress else { return }
                                    try decodeBlock(&out, lt, UInt64(1) &<< UInt64(literals.rootBits) &- 1,
                                                    dt, UInt64(1) &<< UInt64(distances.rootBits) &- 1, lb, le, db, de)
                                }
                            }
                        }
                    }
                }
            }
        }

        /// The symbols of one Huffman-coded block, until end-of-block.
        @inline(__always)
        private mutating func decodeBlock(_ out: inout OutputBuffer,
                                          _ lt: UnsafePointer<UInt32>, _ literalMask: UInt64,
                                          _ dt: UnsafePointer<UInt32>, _ distanceMask: UInt64,
                                          _ lengthBase: UnsafePointer<UInt16>, _ lengthExtra: UnsafePointer<UInt8>,
                                          _ distanceBase: UnsafePointer<UInt16>, _ distanceExtra: UnsafePointer<UInt8>) throws {
            while true {
                // 57+ bits: a literal/length code (15) and its extra bits (5), then a distance code (15)
                // and its extra bits (13) need at most 48.
                if bitCount < 48 { refill() }
                let entry = lookup(lt, literalMask)
                let len = Int(entry & 0xFF)
                guard len > 0 else { throw InflateError(reason: "invalid literal/length code", offset: offset) }
                bitBuffer &>>= UInt64(len)
                bitCount &-= len
                let symbol = Int(entry >> 16)
                if symbol < 256 {
                    if paddingBits > bitCount { throw truncated() }
                    if out.count >= out.capacity { try out.reserve(1) }
                    out.base[out.count] = UInt8(truncatingIfNeeded: symbol)
                    out.count &+= 1
                    continue
                }
                if symbol == 256 {
                    if paddingBits > bitCount { throw truncated() }
                    return
                }
                let li = symbol &- 257
                guard li < 29 else {
                    throw InflateError(reason: "invalid length code \(symbol)", offset: offset)
                }
                let lengthBits = Int(lengthExtra[li])
                let length = Int(lengthBase[li]) &+ Int(truncatingIfNeeded: bitBuffer & ((UInt64(1) &<< UInt64(lengthBits)) &- 1))
                bitBuffer &>>= UInt64(lengthBits)
                bitCount &-= lengthBits
                let dEntry = lookup(dt, distanceMask)
                let dLen = Int(dEntry & 0xFF)
                guard dLen > 0 else { throw InflateError(reason: "invalid distance code", offset: offset) }
                bitBuffer &>>= UInt64(dLen)
                bitCount &-= dLen
                let di = Int(dEntry >> 16)
                guard di < 30 else {
                    throw InflateError(reason: "invalid distance code \(di)", offset: offset)
                }
                let distanceBits = Int(distanceExtra[di])
                let distance = Int(distanceBase[di]) &+ Int(truncatingIfNeeded: bitBuffer & ((UInt64(1) &<< UInt64(distanceBits)) &- 1))
                bitBuffer &>>= UInt64(distanceBits)
                bitCount &-= distanceBits
                if paddingBits > bitCount { throw truncated() }
                guard distance <= out.count &- outputStart else {
                    throw InflateError(reason: "distance \(distance) reaches before the start of the output (\(out.count - outputStart) bytes so far)", offset: offset)
                }
                try out.reserve(length)
                let destination = out.base + out.count
                let source = destination - distance
                if distance >= 8 {
                    // Non-overlapping 8-byte steps (a step reads only bytes already written);
                    // up to 7 bytes past the match land in the buffer's slack.
                    var i = 0
                    while i < length {
                        UnsafeMutableRawPointer(destination + i).storeBytes(of: UnsafeRawPointer(source + i).loadUnaligned(as: UInt64.self), as: UInt64.self)
                        i &+= 8
                    }
                } else if distance == 1 {
                    destination.update(repeating: source[0], count: length)
                } else {
                    for i in 0..<length { destination[i] = source[i] }
                }
                out.count &+= length
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

/// CRC-32 (IEEE 802.3, reflected, polynomial EDB88320), as used by gzip and PNG.
package enum CRC32 {
    /// Slicing-by-8 tables: `tables[k * 256 + b]` is the CRC of byte b followed by k zero bytes.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[n] = c
        }
        for k in 1..<8 {
            for n in 0..<256 {
                let previous = t[(k - 1) * 256 + n]
                t[k * 256 + n] = t[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return t
    }()

    /// The CRC-32 of `bytes`.
    package static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        tables.withUnsafeBufferPointer { tableBuffer in
            guard let t = tableBuffer.baseAddress, let base = bytes.baseAddress else { return }
            var i = 0
            let n = bytes.count
            // Eight bytes per step: the running CRC folded into the first four.
            while n &- i >= 8 {
                let word = UInt64(littleEndian: (base + i).loadUnaligned(as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ c, high = UInt32(truncatingIfNeeded: word >> 32)
                c = t[7 &* 256 &+ Int(low & 0xFF)] ^ t[6 &* 256 &+ Int((low >> 8) & 0xFF)]
                    ^ t[5 &* 256 &+ Int((low >> 16) & 0xFF)] ^ t[4 &* 256 &+ Int(low >> 24)]
                    ^ t[3 &* 256 &+ Int(high & 0xFF)] ^ t[2 &* 256 &+ Int((high >> 8) & 0xFF)]
                    ^ t[256 &+ Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                i &+= 8
            }
            while i < n {
                c = t[Int((c ^ UInt32(base.load(fromByteOffset: i, as: UInt8.self))) & 0xFF)] ^ (c >> 8)
                i &+= 1
            }
        }
        return c ^ 0xFFFF_FFFF
    }

    /// The CRC-32 of `bytes`.
    package static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
