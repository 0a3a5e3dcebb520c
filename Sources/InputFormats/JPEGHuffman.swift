/// A JPEG Huffman table (ITU T.81 Annex C) ready for decoding: a 9-bit
/// lookahead table for the short codes, the canonical `maxcode`/`valoffset`
/// arrays for the long ones, and, for AC tables, a second 9-bit table that
/// also holds the magnitude bits when code and magnitude fit together.
final class JPEGHuffmanTable {
    static let lookaheadBits = 9

    /// Indexed by the next 9 bits: `length << 8 | symbol`, or 0 when the code is longer than 9 bits.
    let lookup: UnsafeMutablePointer<UInt16>
    /// Indexed by the next 9 bits, for AC coefficients: `value << 16 | run << 8 | (code length + magnitude bits)`,
    /// or 0 when code and magnitude together are longer than 9 bits (or the symbol is EOB or ZRL).
    let fastAC: UnsafeMutablePointer<Int32>
    /// For code lengths 1…16 (index 0 unused, 17 a sentinel): the largest code of that length, −1 if none.
    let maxCode: UnsafeMutablePointer<Int32>
    /// For code lengths 1…16: index into `values` of the first code of that length, minus that code.
    let valueOffset: UnsafeMutablePointer<Int32>
    /// The symbols, in code order (256 entries, unused ones 0).
    let values: UnsafeMutablePointer<UInt8>
    /// Largest symbol (DC tables must not exceed 15 — checked when a scan uses the table as DC).
    let largestSymbol: Int
    /// The pointers, for the decoding loops (no reference counting there); valid while the table lives.
    var view: JPEGHuffmanView { JPEGHuffmanView(lookup: lookup, fastAC: fastAC, maxCode: maxCode, valueOffset: valueOffset, values: values) }

    /// Builds the table from a DHT segment's 16 code counts and symbols.
    /// Throws if the counts over-subscribe the code space (libjpeg's rule: the all-ones code is reserved).
    init(counts: [Int], symbols: [UInt8], what: String) throws {
        lookup = .allocate(capacity: 1 << JPEGHuffmanTable.lookaheadBits)
        lookup.initialize(repeating: 0, count: 1 << JPEGHuffmanTable.lookaheadBits)
        fastAC = .allocate(capacity: 1 << JPEGHuffmanTable.lookaheadBits)
        fastAC.initialize(repeating: 0, count: 1 << JPEGHuffmanTable.lookaheadBits)
        maxCode = .allocate(capacity: 18)
        maxCode.initialize(repeating: -1, count: 18)
        valueOffset = .allocate(capacity: 18)
        valueOffset.initialize(repeating: 0, count: 18)
        values = .allocate(capacity: 256)
        values.initialize(repeating: 0, count: 256)
        largestSymbol = Int(symbols.max() ?? 0)
        for (i, s) in symbols.prefix(256).enumerated() { values[i] = s }

        var code = 0
        var k = 0
        for length in 1...16 {
            let n = counts[length - 1]
            if n > 0 {
                valueOffset[length] = Int32(k - code)
                for _ in 0..<n {
                    // libjpeg: a code set that fills (or overfills) the code space of a length is invalid.
                    guard code < (1 << length) - 1 else {
                        throw ImageError(reason: "JPEG \(what) Huffman table has more codes of length ≤ \(length) than fit (over-subscribed)")
                    }
                    if length <= JPEGHuffmanTable.lookaheadBits {
                        let shift = JPEGHuffmanTable.lookaheadBits - length
                        let first = code << shift
                        let entry = UInt16(length << 8) | UInt16(symbols[k])
                        for i in first..<(first + (1 << shift)) { lookup[i] = entry }
                    }
                    code += 1
                    k += 1
                }
                maxCode[length] = Int32(code - 1)
            }
            code <<= 1
        }
        maxCode[17] = Int32.max  // sentinel: ends the slow search

        // AC fast path: run/size symbol plus its magnitude bits in one lookup.
        let bits = JPEGHuffmanTable.lookaheadBits
        for i in 0..<(1 << bits) {
            let entry = Int(lookup[i])
            guard entry != 0 else { continue }
            let length = entry >> 8, symbol = entry & 0xFF
            let run = symbol >> 4, size = symbol & 15
            guard size != 0, length + size <= bits else { continue }
            // The magnitude bits follow the code within the 9-bit index.
            let magnitude = (i >> (bits - length - size)) & ((1 << size) - 1)
            let value = magnitude < 1 << (size - 1) ? magnitude - (1 << size) + 1 : magnitude
            fastAC[i] = Int32(value) << 16 | Int32(run << 8) | Int32(length + size)
        }
    }

    deinit {
        lookup.deallocate()
        fastAC.deallocate()
        maxCode.deallocate()
        valueOffset.deallocate()
        values.deallocate()
    }
}

/// A ``JPEGHuffmanTable``'s lookup tables as plain pointers.
struct JPEGHuffmanView {
    let lookup: UnsafeMutablePointer<UInt16>
    let fastAC: UnsafeMutablePointer<Int32>
    let maxCode: UnsafeMutablePointer<Int32>
    let valueOffset: UnsafeMutablePointer<Int32>
    let values: UnsafeMutablePointer<UInt8>
}

/// Reads the entropy-coded data of a scan, most significant bit first,
/// removing byte stuffing (`FF 00` → `FF`). At a marker (or the end of the
/// data) it supplies zero bits, as libjpeg does, and counts them, so that
/// consuming more bits than the scan holds is detected (``overran``).
struct JPEGBitReader {
    let base: UnsafePointer<UInt8>
    let end: Int
    /// Next byte to read.
    var position: Int
    /// Bits, most significant first; `count` of them are valid.
    var buffer: UInt64 = 0
    var count = 0
    /// Zero bits appended after the data ran out (at a marker or the end of the file).
    var fakeBits = 0
    /// Offset of the `FF` of the marker that ended the data, or −1.
    var markerPosition = -1

    init(base: UnsafePointer<UInt8>, end: Int, position: Int) {
        self.base = base
        self.end = end
        self.position = position
    }

    /// True once bits beyond the real data have been consumed: the scan is truncated.
    var overran: Bool { fakeBits > count }

    /// The offset the decoder has reached, for messages.
    var offset: Int { markerPosition >= 0 ? markerPosition : position }

    @inline(never)
    mutating func refill() {
        // Fast path: 8 bytes without an FF can be taken at once.
        if markerPosition < 0 && end &- position >= 8 {
            let word = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
            // Bytes equal to FF are the zero bytes of ~word.
            let inverted = ~word
            let hasFF = (inverted &- 0x0101_0101_0101_0101) & ~inverted & 0x8080_8080_8080_8080
            if hasFF == 0 {
                let take = (63 &- count) >> 3  // whole bytes that fit
                let bigEndian = UInt64(bigEndian: word)  // first byte in the top bits
                buffer |= (bigEndian >> UInt64(64 &- take &* 8)) << UInt64(64 &- count &- take &* 8)
                count &+= take &* 8
                position &+= take
                return
            }
        }
        while count <= 56 {
            var byte: UInt64 = 0
            if markerPosition < 0 && position < end {
                let b = base[position]
                if b != 0xFF {
                    position &+= 1
                    byte = UInt64(b)
                } else {
                    var q = position &+ 1
                    while q < end && base[q] == 0xFF { q &+= 1 }  // fill bytes
                    if q < end && base[q] == 0 {
                        position = q &+ 1
                        byte = 0xFF
                    } else {
                        markerPosition = position
                        fakeBits &+= 8
                    }
                }
            } else {
                if markerPosition < 0 { markerPosition = end }
                fakeBits &+= 8
            }
            buffer |= byte << UInt64(56 &- count)
            count &+= 8
        }
    }

    @inline(__always) mutating func ensure(_ n: Int) {
        if count < n { refill() }
    }

    @inline(__always) mutating func skip(_ n: Int) {
        buffer = buffer &<< UInt64(n)
        count &-= n
    }

    /// The next `n` bits (1…16) as an unsigned number.
    @inline(__always) mutating func bits(_ n: Int) -> Int {
        ensure(n)
        let v = Int(truncatingIfNeeded: buffer &>> UInt64(64 &- n))
        skip(n)
        return v
    }

    @inline(__always) mutating func bit() -> Bool {
        ensure(1)
        let v = buffer >> 63 != 0
        skip(1)
        return v
    }

    /// The next `s` bits (1…16) as a signed magnitude-category value (T.81 F.2.2.1 EXTEND).
    @inline(__always) mutating func receiveExtend(_ s: Int) -> Int32 {
        let v = Int32(truncatingIfNeeded: bits(s))
        return v < Int32(1) &<< Int32(s &- 1) ? v &- (Int32(1) &<< Int32(s)) &+ 1 : v
    }

    /// Decodes one Huffman-coded symbol.
    @inline(__always) mutating func decode(_ t: JPEGHuffmanView) throws -> Int {
        ensure(16)
        let entry = Int(t.lookup[Int(truncatingIfNeeded: buffer &>> 55)])
        if entry != 0 {
            skip(entry >> 8)
            return entry & 0xFF
        }
        return try decodeSlow(t)
    }

    @inline(never)
    mutating func decodeSlow(_ t: JPEGHuffmanView) throws -> Int {
        let code16 = Int32(truncatingIfNeeded: buffer &>> 48)
        var length = JPEGHuffmanTable.lookaheadBits + 1
        while length <= 16 {
            let code = code16 >> Int32(16 - length)
            if code <= t.maxCode[length] {
                skip(length)
                let index = Int(t.valueOffset[length] &+ code)
                return Int(t.values[index & 0xFF])
            }
            length += 1
        }
        throw ImageError(reason: "JPEG entropy-coded data has an invalid Huffman code near offset \(offset)")
    }

    /// Drops the buffered bits and moves past the next marker if it is a
    /// restart marker (RST0…RST7); returns whether it was. Bytes before the
    /// marker (padding or garbage) are skipped, as libjpeg does.
    mutating func restart() -> Bool {
        var p = markerPosition >= 0 ? markerPosition : position
        buffer = 0
        count = 0
        fakeBits = 0
        markerPosition = -1
        while p < end {
            if base[p] == 0xFF {
                var q = p &+ 1
                while q < end && base[q] == 0xFF { q &+= 1 }
                if q < end && base[q] != 0 {
                    if base[q] >= 0xD0 && base[q] <= 0xD7 {
                        position = q &+ 1
                        return true
                    }
                    position = p
                    markerPosition = p
                    return false
                }
                p = q &+ 1
            } else {
                p &+= 1
            }
        }
        position = end
        markerPosition = end
        return false
    }
}
