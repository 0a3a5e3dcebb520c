/// The header of a netpbm graymap (PGM, `P2`/`P5`) or pixmap (PPM, `P3`/`P6`).
struct NetpbmHeader {
    /// The digit after `P`: 2, 3, 5 or 6.
    let magic: UInt8
    let width: Int
    let height: Int
    /// 1…65535.
    let maxValue: Int

    /// "PGM" or "PPM", for messages.
    var name: String { NetpbmHeader.name(magic) }
    /// 1 (gray) or 3 (RGB).
    var channels: Int { magic == UInt8(ascii: "3") || magic == UInt8(ascii: "6") ? 3 : 1 }
    /// ASCII samples (`P2`, `P3`) rather than binary ones.
    var plain: Bool { magic == UInt8(ascii: "2") || magic == UInt8(ascii: "3") }

    static func name(_ magic: UInt8) -> String {
        magic == UInt8(ascii: "3") || magic == UInt8(ascii: "6") ? "PPM" : magic == UInt8(ascii: "1") || magic == UInt8(ascii: "4") ? "PBM" : "PGM"
    }
}

/// Reads netpbm files (the netpbm specification): header fields separated
/// by whitespace (space, TAB, CR, LF, VT, FF), `#` comments running to the
/// end of the line anywhere in the header (read as the newline that ends
/// them, as netpbm's `pm_getc`), exactly one whitespace character between
/// maxval and a raw raster, raw samples of one byte when maxval < 256 and
/// otherwise two bytes big-endian. Data after the first image is ignored.
///
/// Used by ``PGMImage`` (samples as Float) and by ``ImageDecoder`` (samples
/// as 8-bit values), each through a lookup table from sample to output.
struct NetpbmParser {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    /// "PGM" or "PPM" once the magic number is known.
    var name = "PGM"

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    static func isWhitespace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0B || c == 0x0C
    }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// The next character, with a comment (`#` to end of line) read as the
    /// newline that ends it. Nil at end of data.
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
    mutating func unsignedField(_ field: @autoclosure () -> String, limit: Int, tooLarge: ImageError.Kind = .malformed) throws -> Int {
        var c: UInt8?
        repeat { c = nextCharacter() } while c.map(NetpbmParser.isWhitespace) ?? false
        guard let first = c else { throw ImageError(.truncated, "\(name) file ends before the \(field())") }
        guard NetpbmParser.isDigit(first) else {
            throw ImageError(reason: "\(name) \(field()) is not a number (found byte 0x\(Inflate.hex(first)) at offset \(position - 1))")
        }
        var value = Int(first - 0x30)
        while let d = nextCharacter() {
            guard NetpbmParser.isDigit(d) else {
                guard NetpbmParser.isWhitespace(d) else {
                    throw ImageError(reason: "\(name) \(field()) is followed by byte 0x\(Inflate.hex(d)) at offset \(position - 1), expected whitespace")
                }
                return value
            }
            value = value * 10 + Int(d - 0x30)
            guard value <= limit else { throw ImageError(tooLarge, "\(name) \(field()) is larger than \(limit)") }
        }
        return value  // the number ended with the data
    }

    /// Reads the magic number, size and maxval; accepts the magic digits in `accepting`.
    mutating func header(accepting: [UInt8], limits: ImageDecodingLimits) throws -> NetpbmHeader {
        let quoted = accepting.map { "'P\(Character(Unicode.Scalar($0)))'" }
        let expected = quoted.count > 1 ? quoted.dropLast().joined(separator: ", ") + " or " + (quoted.last ?? "") : quoted.joined()
        let wanted = accepting.count == 2 && accepting.allSatisfy({ NetpbmHeader.name($0) == "PGM" }) ? "PGM" : "netpbm"
        guard bytes.count >= 2 else { throw ImageError(.truncated, "file is too short to be a \(wanted) image") }
        guard bytes[0] == UInt8(ascii: "P"), accepting.contains(bytes[1]) else {
            let shown = String(decoding: bytes.prefix(2).map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
            let kind: ImageError.Kind = bytes[0] == UInt8(ascii: "P") && (0x31...0x37).contains(bytes[1]) ? .unsupported : .unknownFormat
            throw ImageError(kind, "not a \(wanted) image (magic '\(shown)', expected \(expected))")
        }
        let magic = bytes[1]
        name = NetpbmHeader.name(magic)
        position = 2
        guard position < bytes.count, NetpbmParser.isWhitespace(bytes[position]) || bytes[position] == UInt8(ascii: "#") else {
            throw ImageError(reason: "\(name) magic number is not followed by whitespace")
        }
        let width = try unsignedField("width", limit: limits.maximumWidth, tooLarge: .tooLarge)
        let height = try unsignedField("height", limit: limits.maximumHeight, tooLarge: .tooLarge)
        guard width >= 1, height >= 1 else { throw ImageError(reason: "\(name) size \(width)×\(height) is empty") }
        try limits.check(width: width, height: height, format: name)
        // Read maxval allowing larger values, so that the error names the real problem.
        let maxValue = try unsignedField("maxval", limit: 1 << 24)
        guard maxValue >= 1, maxValue <= 65535 else {
            throw ImageError(reason: "\(name) maxval \(maxValue) is outside 1…65535")
        }
        return NetpbmHeader(magic: magic, width: width, height: height, maxValue: maxValue)
    }

    /// The raster, each sample mapped through `table` (indexed by sample
    /// value, `maxValue + 1` entries). Call right after ``header(accepting:limits:)``.
    mutating func samples<T>(_ header: NetpbmHeader, table: [T]) throws -> [T] {
        let count = header.width * header.height * header.channels  // ≤ 3 × the pixel limit
        let maxValue = header.maxValue
        func aboveMaxval(_ i: Int, _ v: Int) -> ImageError {
            let pixel = i / header.channels
            return ImageError(reason: "\(name) sample \(i) (row \(pixel / header.width), column \(pixel % header.width)) is \(v), above maxval \(maxValue)")
        }
        return try table.withUnsafeBufferPointer { table -> [T] in
            if header.plain {
                // Each sample takes a digit and a separator (the last one may end the file).
                let remaining = bytes.count - position
                guard remaining >= 2 * count - 1 else {
                    throw ImageError(.truncated, "\(name) raster is truncated: \(remaining) bytes remain, \(count) plain samples need at least \(2 * count - 1)")
                }
                var out: [T] = []
                out.reserveCapacity(count)
                for i in 0..<count {
                    let v: Int
                    do {
                        v = try unsignedField("sample \(i)", limit: 65535)
                    } catch let e as ImageError where e.kind == .truncated {
                        throw ImageError(.truncated, "\(name) raster is truncated: \(i) of \(count) samples present")
                    }
                    guard v <= maxValue else { throw aboveMaxval(i, v) }
                    out.append(table[v])
                }
                return out
            }
            // unsignedField consumed the single whitespace after maxval, unless the data ended there.
            let bytesPerSample = maxValue < 256 ? 1 : 2
            let needed = count * bytesPerSample
            let available = bytes.count - position
            guard available >= needed else {
                throw ImageError(.truncated, "\(name) raster is truncated: \(available) bytes present, \(header.width)×\(header.height)\(header.channels == 3 ? "×3" : "") samples of \(bytesPerSample) byte\(bytesPerSample == 1 ? "" : "s") need \(needed)")
            }
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return [] }
            let raster = base + position
            var failure: (Int, Int)?
            let out = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                guard let out = buffer.baseAddress else { return }
                if bytesPerSample == 1 {
                    for i in 0..<count {
                        let v = Int(raster[i])
                        if v > maxValue { failure = (i, v); break }
                        (out + i).initialize(to: table[v])
                        initialized = i + 1
                    }
                } else {
                    for i in 0..<count {
                        let v = Int(raster[2 &* i]) << 8 | Int(raster[2 &* i &+ 1])
                        if v > maxValue { failure = (i, v); break }
                        (out + i).initialize(to: table[v])
                        initialized = i + 1
                    }
                }
            }
            if let (i, v) = failure { throw aboveMaxval(i, v) }
            position += needed
            return out
        }
    }
}
