#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// PNG (ISO/IEC 15948) to ``DecodedImage``: every colour type (gray, RGB,
/// palette, gray+alpha, RGBA) at every bit depth it allows (1, 2, 4, 8, 16),
/// Adam7 interlacing, all five row filters.
///
/// Every chunk's CRC-32 is checked, and the zlib stream's Adler-32. The size
/// in IHDR is checked against ``ImageDecodingLimits`` before anything is
/// decompressed, and decompression stops at the size the image needs (plus a
/// little slack for encoders that append padding), so a small file cannot
/// expand into a large allocation. Ancillary chunks (tRNS, gAMA, text, ...)
/// are skipped: alpha and transparency are dropped, as Pillow's
/// `convert("RGB")` does. An unknown critical chunk is an error.
enum PNGDecoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    struct Header {
        let width: Int
        let height: Int
        let bitDepth: Int
        let colorType: Int
        let interlaced: Bool

        /// Samples per pixel in the file.
        var samplesPerPixel: Int {
            switch colorType {
            case 2: return 3
            case 4: return 2
            case 6: return 4
            default: return 1  // 0 gray, 3 palette
            }
        }
        var bitsPerPixel: Int { samplesPerPixel * bitDepth }
        /// The filter's "bpp": bytes per complete pixel, at least 1.
        var filterStride: Int { max(1, bitsPerPixel / 8) }
        /// Gray and gray+alpha decode to gray; the rest to RGB.
        var outputModel: DecodedImage.ColorModel { colorType == 0 || colorType == 4 ? .gray : .rgb }
        /// Bytes of one row of `pixels` pixels, without its filter byte.
        func rowBytes(_ pixels: Int) -> Int { (pixels * bitsPerPixel + 7) / 8 }
    }

    /// Adam7: (x start, y start, x step, y step) of each of the seven passes.
    static let adam7: [(Int, Int, Int, Int)] = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

    /// A pass (the whole image when not interlaced): its placement and size in pixels.
    struct Pass {
        let x0: Int, y0: Int, dx: Int, dy: Int
        let width: Int, height: Int
    }

    static func passes(_ h: Header) -> [Pass] {
        guard h.interlaced else { return [Pass(x0: 0, y0: 0, dx: 1, dy: 1, width: h.width, height: h.height)] }
        return adam7.compactMap { (x0, y0, dx, dy) in
            let w = h.width > x0 ? (h.width - x0 + dx - 1) / dx : 0
            let ht = h.height > y0 ? (h.height - y0 + dy - 1) / dy : 0
            return w > 0 && ht > 0 ? Pass(x0: x0, y0: y0, dx: dx, dy: dy, width: w, height: ht) : nil
        }
    }

    static func chunkName(_ b: UnsafeRawBufferPointer, _ at: Int) -> String {
        String((0..<4).map { i -> Character in
            let c = b[at + i]
            return c >= 0x20 && c < 0x7F && c != UInt8(ascii: "'") ? Character(Unicode.Scalar(c)) : "?"
        })
    }

    static func be32(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int {
        Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, limits: ImageDecodingLimits) throws -> DecodedImage {
        guard bytes.count >= 8, zip(bytes.prefix(8), signature).allSatisfy({ $0 == $1 }) else {
            throw ImageError(.unknownFormat, "not a PNG file (the 8-byte signature is missing)")
        }
        var position = 8
        var header: Header?
        var palette: [UInt8] = []
        var compressed = Data()
        var chunkCount = 0
        chunks: while true {
            guard position < bytes.count else {
                // A file cut exactly between chunks: usable only if all image data is there (checked below).
                if header == nil { throw ImageError(.truncated, "PNG file ends after the signature, before the IHDR chunk") }
                break
            }
            guard bytes.count - position >= 12 else {
                throw ImageError(.truncated, "PNG chunk at offset \(position) is truncated: \(bytes.count - position) bytes remain, a chunk needs at least 12")
            }
            let length = be32(bytes, position)
            let name = chunkName(bytes, position + 4)
            let type = (0..<4).map { bytes[position + 4 + $0] }
            guard type.allSatisfy({ ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") }) else {
                throw ImageError(reason: "PNG chunk at offset \(position) has an invalid type '\(name)' (bytes \(type.map { Inflate.hex($0) }.joined(separator: " ")))")
            }
            guard length <= 0x7FFF_FFFF else {
                throw ImageError(reason: "PNG chunk '\(name)' at offset \(position) declares length \(length), above 2^31 − 1")
            }
            guard bytes.count - position - 12 >= length else {
                throw ImageError(.truncated, "PNG chunk '\(name)' at offset \(position) is truncated: it declares \(length) data bytes, \(max(0, bytes.count - position - 12)) remain before its CRC")
            }
            let dataStart = position + 8
            let stored = UInt32(be32(bytes, dataStart + length))
            let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[(position + 4)..<(dataStart + length)]))
            guard stored == computed else {
                throw ImageError(.checksumMismatch, "PNG chunk '\(name)' at offset \(position): CRC-32 is \(Inflate.hex(stored)), computed \(Inflate.hex(computed))")
            }
            let data = UnsafeRawBufferPointer(rebasing: bytes[dataStart..<(dataStart + length)])
            if chunkCount == 0 && name != "IHDR" {
                throw ImageError(reason: "PNG first chunk is '\(name)' at offset \(position), expected 'IHDR'")
            }
            switch name {
            case "IHDR":
                guard header == nil else { throw ImageError(reason: "PNG has a second IHDR chunk at offset \(position)") }
                let h = try parseHeader(data, at: position)
                try limits.check(width: h.width, height: h.height, format: "PNG")
                header = h
            case "PLTE":
                guard length % 3 == 0, length >= 3, length <= 768 else {
                    throw ImageError(reason: "PNG chunk 'PLTE' at offset \(position) has \(length) bytes, expected 3 to 768 in RGB triples")
                }
                palette = Array(data)
            case "IDAT":
                compressed.append(contentsOf: data)
            case "IEND":
                break chunks
            default:
                // Bit 5 of the first byte clear: critical, so the image cannot be decoded without it.
                if type[0] & 0x20 == 0 {
                    throw ImageError(.unsupported, "PNG critical chunk '\(name)' at offset \(position) is not supported")
                }
            }
            position = dataStart + length + 4
            chunkCount += 1
        }
        guard let header else { throw ImageError(.truncated, "PNG has no IHDR chunk") }
        guard !compressed.isEmpty else { throw ImageError(.truncated, "PNG has no image data (no IDAT chunk before \(position < bytes.count ? "IEND" : "the end of the file"))") }
        if header.colorType == 3 && palette.isEmpty {
            throw ImageError(reason: "PNG palette image (colour type 3) has no PLTE chunk")
        }
        var raw = try decompress(compressed, header)
        return try reconstruct(&raw, header, palette: palette)
    }

    static func parseHeader(_ d: UnsafeRawBufferPointer, at offset: Int) throws -> Header {
        guard d.count == 13 else { throw ImageError(reason: "PNG chunk 'IHDR' at offset \(offset) has \(d.count) bytes, expected 13") }
        let width = be32(d, 0), height = be32(d, 4)
        let bitDepth = Int(d[8]), colorType = Int(d[9])
        guard width >= 1, height >= 1, width <= 0x7FFF_FFFF, height <= 0x7FFF_FFFF else {
            throw ImageError(reason: "PNG IHDR size \(width)×\(height) is outside 1…2^31 − 1")
        }
        let allowed: [Int]
        switch colorType {
        case 0: allowed = [1, 2, 4, 8, 16]
        case 3: allowed = [1, 2, 4, 8]
        case 2, 4, 6: allowed = [8, 16]
        default: throw ImageError(reason: "PNG IHDR colour type \(colorType) is not one of 0, 2, 3, 4, 6")
        }
        guard allowed.contains(bitDepth) else {
            throw ImageError(reason: "PNG IHDR bit depth \(bitDepth) is not allowed for colour type \(colorType) (allowed: \(allowed.map(String.init).joined(separator: ", ")))")
        }
        guard d[10] == 0 else { throw ImageError(.unsupported, "PNG IHDR compression method \(d[10]) is not 0 (deflate)") }
        guard d[11] == 0 else { throw ImageError(.unsupported, "PNG IHDR filter method \(d[11]) is not 0 (adaptive)") }
        guard d[12] <= 1 else { throw ImageError(.unsupported, "PNG IHDR interlace method \(d[12]) is not 0 or 1 (Adam7)") }
        return Header(width: width, height: height, bitDepth: bitDepth, colorType: colorType, interlaced: d[12] == 1)
    }

    /// The zlib stream of the IDAT chunks, inflated to exactly the filtered rows.
    static func decompress(_ compressed: Data, _ header: Header) throws -> [UInt8] {
        guard compressed.count >= 2 else { throw ImageError(.truncated, "PNG image data is truncated: \(compressed.count) byte of zlib stream") }
        let start = compressed.startIndex
        let cmf = Int(compressed[start]), flg = Int(compressed[start + 1])
        guard cmf & 0x0F == 8, cmf >> 4 <= 7 else {
            throw ImageError(reason: "PNG image data: zlib header \(Inflate.hex(cmf)) \(Inflate.hex(flg)) is not deflate with a window of at most 32 KiB")
        }
        guard (cmf << 8 | flg) % 31 == 0 else {
            throw ImageError(reason: "PNG image data: zlib header check bits are wrong (\(Inflate.hex(cmf)) \(Inflate.hex(flg)))")
        }
        guard flg & 0x20 == 0 else { throw ImageError(.unsupported, "PNG image data: zlib stream needs a preset dictionary") }
        var needed = 0
        for pass in passes(header) {
            // Sizes are bounded by the pixel limit (≤ 2^31 pixels × 8 bytes), far from overflowing Int.
            needed += pass.height * (1 + header.rowBytes(pass.width))
        }
        // A little slack: some encoders leave padding after the image data (libpng and Pillow ignore it).
        let slack = 1 << 16
        let raw: [UInt8]
        do {
            raw = try Inflate.inflate(compressed[(start + 2)...], maximumOutputBytes: needed + slack)
        } catch let e as InflateError {
            let at = e.offset.map { " near byte \($0 + 2) of the zlib stream" } ?? ""
            if e.reason.contains("ends early") {
                throw ImageError(.truncated, "PNG image data is truncated: the zlib stream (\(compressed.count) bytes in IDAT) ends early")
            }
            if e.reason.contains("exceeds the limit") {
                throw ImageError(reason: "PNG image data decompresses to more than the \(needed) bytes a \(header.width)×\(header.height) image needs")
            }
            throw ImageError(reason: "PNG image data (IDAT) is corrupt\(at): \(e.reason)")
        }
        guard raw.count >= needed else {
            throw ImageError(.truncated, "PNG image data is truncated: it decompresses to \(raw.count) bytes, a \(header.width)×\(header.height) image needs \(needed)")
        }
        if raw.count == needed && compressed.count >= 6 {
            let n = compressed.endIndex
            let stored = UInt32(compressed[n - 4]) << 24 | UInt32(compressed[n - 3]) << 16 | UInt32(compressed[n - 2]) << 8 | UInt32(compressed[n - 1])
            let computed = adler32(raw)
            guard stored == computed else {
                throw ImageError(.checksumMismatch, "PNG image data: zlib Adler-32 is \(Inflate.hex(stored)), computed \(Inflate.hex(computed))")
            }
        }
        return raw
    }

    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        data.withUnsafeBufferPointer { buffer in
            guard let p = buffer.baseAddress else { return }
            var i = 0
            let n = buffer.count
            while i < n {
                let end = min(i &+ 5552, n)  // the largest run before b can overflow 32 bits
                // Four bytes per step: b gains 4a + 4x0 + 3x1 + 2x2 + x3.
                while end &- i >= 4 {
                    let x0 = UInt32(p[i]), x1 = UInt32(p[i &+ 1]), x2 = UInt32(p[i &+ 2]), x3 = UInt32(p[i &+ 3])
                    b &+= a &* 4 &+ x0 &* 4 &+ x1 &* 3 &+ x2 &* 2 &+ x3
                    a &+= x0 &+ x1 &+ x2 &+ x3
                    i &+= 4
                }
                while i < end {
                    a &+= UInt32(p[i])
                    b &+= a
                    i &+= 1
                }
                a %= 65521
                b %= 65521
            }
        }
        return b << 16 | a
    }

    /// Unfilters the rows in place and converts them to 8-bit gray or RGB.
    static func reconstruct(_ raw: inout [UInt8], _ header: Header, palette: [UInt8]) throws -> DecodedImage {
        let channels = header.outputModel.rawValue
        let count = header.width * header.height * channels
        var paletteTable = [UInt8](repeating: 0, count: 768)
        for i in 0..<min(palette.count, 768) { paletteTable[i] = palette[i] }
        var failure: ImageError?
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let out = buffer.baseAddress else { return }
            if header.interlaced { out.initialize(repeating: 0, count: count) }
            raw.withUnsafeMutableBufferPointer { rawBuffer in
                paletteTable.withUnsafeBufferPointer { paletteBuffer in
                    guard var row = rawBuffer.baseAddress, let pal = paletteBuffer.baseAddress else { return }
                    for (index, pass) in passes(header).enumerated() {
                        let rowBytes = header.rowBytes(pass.width)
                        do {
                            try unfilter(row, rows: pass.height, rowBytes: rowBytes, stride: header.filterStride, pass: header.interlaced ? index + 1 : 0)
                        } catch {
                            failure = error as? ImageError
                            return
                        }
                        for y in 0..<pass.height {
                            let target = out + ((pass.y0 &+ y &* pass.dy) &* header.width &+ pass.x0) &* channels
                            expandRow(row + 1, pixels: pass.width, header, palette: pal, to: target, pixelStride: pass.dx &* channels)
                            row += rowBytes + 1
                        }
                    }
                }
            }
            initialized = count
        }
        if let failure { throw failure }
        return DecodedImage(width: header.width, height: header.height, colorModel: header.outputModel, pixels: pixels)
    }

    /// Reverses the five PNG filters, row by row, in place. `data` holds
    /// `rows` rows of a filter-type byte then `rowBytes` bytes.
    static func unfilter(_ data: UnsafeMutablePointer<UInt8>, rows: Int, rowBytes: Int, stride bpp: Int, pass: Int) throws {
        var prior: UnsafeMutablePointer<UInt8>?
        for y in 0..<rows {
            let line = data + y &* (rowBytes &+ 1)
            let filter = line[0]
            let cur = line + 1
            switch filter {
            case 0:
                break
            case 1:  // Sub
                var i = bpp
                while i < rowBytes { cur[i] &+= cur[i &- bpp]; i &+= 1 }
            case 2:  // Up
                if let up = prior {
                    var i = 0
                    while i < rowBytes { cur[i] &+= up[i]; i &+= 1 }
                }
            case 3:  // Average
                if let up = prior {
                    var i = 0
                    while i < min(bpp, rowBytes) { cur[i] &+= up[i] >> 1; i &+= 1 }
                    while i < rowBytes {
                        cur[i] &+= UInt8(truncatingIfNeeded: (UInt16(cur[i &- bpp]) &+ UInt16(up[i])) >> 1)
                        i &+= 1
                    }
                } else {
                    var i = bpp
                    while i < rowBytes { cur[i] &+= cur[i &- bpp] >> 1; i &+= 1 }
                }
            case 4:  // Paeth
                if let up = prior {
                    var i = 0
                    while i < min(bpp, rowBytes) { cur[i] &+= up[i]; i &+= 1 }  // a = c = 0: the predictor is b
                    while i < rowBytes {
                        cur[i] &+= paeth(cur[i &- bpp], up[i], up[i &- bpp])
                        i &+= 1
                    }
                } else {
                    var i = bpp  // b = c = 0: the predictor is a
                    while i < rowBytes { cur[i] &+= cur[i &- bpp]; i &+= 1 }
                }
            default:
                let place = pass == 0 ? "row \(y)" : "row \(y) of Adam7 pass \(pass)"
                throw ImageError(reason: "PNG \(place) has filter type \(filter), expected 0 to 4")
            }
            prior = cur
        }
    }

    /// The Paeth predictor: whichever of left (a), up (b) and upper-left (c) is
    /// closest to a + b − c, ties preferring a then b; without branches (the
    /// choice is data-dependent and mispredicts).
    @inline(__always)
    static func paeth(_ left: UInt8, _ up: UInt8, _ upperLeft: UInt8) -> UInt8 {
        let a = Int32(left), b = Int32(up), c = Int32(upperLeft)
        let pa = abs32(b &- c), pb = abs32(a &- c), pc = abs32(a &+ b &- c &- c)
        let bOrC = pb <= pc ? b : c
        return UInt8(truncatingIfNeeded: pa <= pb && pa <= pc ? a : bOrC)
    }

    @inline(__always)
    static func abs32(_ x: Int32) -> Int32 {
        let sign = x &>> 31
        return (x ^ sign) &- sign
    }

    /// Converts one unfiltered row of `pixels` pixels to 8-bit gray or RGB,
    /// writing pixel i at `out + i × pixelStride`.
    @inline(__always)
    static func expandRow(_ src: UnsafeMutablePointer<UInt8>, pixels: Int, _ h: Header, palette: UnsafePointer<UInt8>,
                          to out: UnsafeMutablePointer<UInt8>, pixelStride: Int) {
        switch (h.colorType, h.bitDepth) {
        case (0, 8):
            if pixelStride == 1 { out.update(from: src, count: pixels); return }
            for i in 0..<pixels { out[i &* pixelStride] = src[i] }
        case (0, 16):
            for i in 0..<pixels { out[i &* pixelStride] = src[2 &* i] }
        case (0, _), (3, _):
            let depth = h.bitDepth
            let perByte = 8 / depth
            let mask = (1 << depth) - 1
            let scale = 255 / mask
            for i in 0..<pixels {
                let byte = Int(src[i / perByte])
                let shift = 8 - depth - (i % perByte) * depth
                let v = (byte >> shift) & mask
                let o = out + i &* pixelStride
                if h.colorType == 0 {
                    o[0] = UInt8(truncatingIfNeeded: v &* scale)
                } else {
                    o[0] = palette[3 &* v]; o[1] = palette[3 &* v &+ 1]; o[2] = palette[3 &* v &+ 2]
                }
            }
        case (2, 8):
            if pixelStride == 3 { out.update(from: src, count: 3 &* pixels); return }
            for i in 0..<pixels {
                let o = out + i &* pixelStride, s = src + 3 &* i
                o[0] = s[0]; o[1] = s[1]; o[2] = s[2]
            }
        case (2, _):
            for i in 0..<pixels {
                let o = out + i &* pixelStride, s = src + 6 &* i
                o[0] = s[0]; o[1] = s[2]; o[2] = s[4]
            }
        case (4, 8):
            for i in 0..<pixels { out[i &* pixelStride] = src[2 &* i] }
        case (4, _):
            for i in 0..<pixels { out[i &* pixelStride] = src[4 &* i] }
        case (6, 8):
            for i in 0..<pixels {
                let o = out + i &* pixelStride, s = src + 4 &* i
                o[0] = s[0]; o[1] = s[1]; o[2] = s[2]
            }
        default:  // (6, 16)
            for i in 0..<pixels {
                let o = out + i &* pixelStride, s = src + 8 &* i
                o[0] = s[0]; o[1] = s[2]; o[2] = s[4]
            }
        }
    }
}
