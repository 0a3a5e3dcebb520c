#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// JPEG (ITU T.81, JFIF/EXIF files) to ``DecodedImage``: baseline and
/// extended sequential (SOF0, SOF1) and progressive (SOF2) Huffman-coded
/// frames, 8-bit precision, 1 component (gray) or 3 (YCbCr, or RGB when an
/// Adobe marker or the component ids say so), any sampling factors whose
/// ratios are integers (4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1, ...), restart
/// intervals, and the EXIF orientation.
///
/// The result equals libjpeg-turbo's default decode, which is what Pillow
/// gives: the accurate integer IDCT (``JPEGIDCT``, libjpeg's "islow"), "fancy"
/// upsampling of subsampled components (triangular filter for 2:1 ratios,
/// with libjpeg's alternating rounding; replication for the others and for
/// components 2 samples wide or less), and libjpeg's 16-bit fixed-point
/// YCbCr → RGB tables. Not supported, each with an ``ImageError/Kind/unsupported``
/// error: 4-component (CMYK, YCCK) and 2-component images, 12-bit samples,
/// arithmetic coding, lossless and hierarchical frames, a height given by
/// a DNL marker.
///
/// Hostile input: every segment length and table index is checked; a
/// component's sample memory is allocated only at its first scan, after
/// checking that the rest of the file has at least one bit per block it
/// must decode, so that a tiny file cannot declare a huge frame and get it
/// allocated; entropy-coded data that runs out (a truncated file) is an
/// error, as with Pillow's default `LOAD_TRUNCATED_IMAGES = False`.
enum JPEGDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, limits: ImageDecodingLimits) throws -> DecodedImage {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count >= 2, base[0] == 0xFF, base[1] == 0xD8 else {
            throw ImageError(.unknownFormat, "not a JPEG file (no SOI marker FF D8 at offset 0)")
        }
        var decoder = JPEGStream(base: base, count: bytes.count, limits: limits)
        return try decoder.decode()
    }

    /// Zig-zag order → natural order, with 16 extra entries so that a corrupt
    /// run past coefficient 63 lands on 63 (as libjpeg does) instead of out of bounds.
    static let zigzag: [Int] = [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
        63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
    ]

    static func markerName(_ m: UInt8) -> String {
        switch m {
        case 0xC0...0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF: return "SOF\(m - 0xC0)"
        case 0xC4: return "DHT"
        case 0xCC: return "DAC"
        case 0xD0...0xD7: return "RST\(m - 0xD0)"
        case 0xD8: return "SOI"
        case 0xD9: return "EOI"
        case 0xDA: return "SOS"
        case 0xDB: return "DQT"
        case 0xDC: return "DNL"
        case 0xDD: return "DRI"
        case 0xE0...0xEF: return "APP\(m - 0xE0)"
        case 0xFE: return "COM"
        default: return "marker FF\(Inflate.hex(m))"
        }
    }
}

/// One image component of the frame, with its sample plane and (progressive) coefficients.
final class JPEGComponent {
    let id: Int
    let index: Int
    let h: Int, v: Int
    let quantTable: Int
    /// Blocks per row and column in the MCU-padded layout of interleaved scans.
    let blocksPerLine: Int, blocksPerColumn: Int
    /// Blocks that hold image samples (the layout of non-interleaved scans).
    let widthInBlocks: Int, heightInBlocks: Int
    /// Samples per row and column of this component (`ceil(W × h / Hmax)`, ...).
    let sampleWidth: Int, sampleHeight: Int
    /// `blocksPerLine × 8`.
    var planeStride: Int { blocksPerLine &* 8 }

    /// Samples after the IDCT, `planeStride × blocksPerColumn × 8`; allocated at the first scan.
    var plane: UnsafeMutablePointer<UInt8>?
    /// Progressive only: quantized coefficients, 64 per block in natural order, MCU-padded layout.
    var coefficients: UnsafeMutablePointer<Int16>?
    /// Progressive only: whether the DC of each coefficient has been sent (AC scans need it first).
    var hasDCScan = false

    init(id: Int, index: Int, h: Int, v: Int, quantTable: Int, maxH: Int, maxV: Int, width: Int, height: Int, mcusX: Int, mcusY: Int) {
        self.id = id
        self.index = index
        self.h = h
        self.v = v
        self.quantTable = quantTable
        blocksPerLine = mcusX * h
        blocksPerColumn = mcusY * v
        sampleWidth = (width * h + maxH - 1) / maxH
        sampleHeight = (height * v + maxV - 1) / maxV
        widthInBlocks = (sampleWidth + 7) / 8
        heightInBlocks = (sampleHeight + 7) / 8
    }

    var blockCount: Int { blocksPerLine * blocksPerColumn }

    /// The plane is not cleared: the IDCT writes every block the output reads
    /// (all blocks of a progressive frame; in a sequential one, a scan covers
    /// every block holding image samples). Coefficients start at zero (calloc:
    /// fresh pages are zero already, no second pass).
    func allocate(progressive: Bool) throws {
        if plane == nil {
            plane = UnsafeMutablePointer<UInt8>.allocate(capacity: blockCount * 64)
        }
        if progressive && coefficients == nil {
            guard let c = calloc(blockCount * 64, MemoryLayout<Int16>.stride) else {
                throw ImageError(.tooLarge, "JPEG component \(id): cannot allocate \(blockCount * 128) bytes of coefficients")
            }
            coefficients = c.assumingMemoryBound(to: Int16.self)
        }
    }

    deinit {
        plane?.deallocate()
        free(coefficients)
    }
}

/// The parse and decode state of one JPEG file.
struct JPEGStream {
    let base: UnsafePointer<UInt8>
    let count: Int
    let limits: ImageDecodingLimits
    var position = 2

    /// Quantization tables 0…3, natural order, 64 entries each (0 = not defined).
    var quantTables = [Int32](repeating: 0, count: 256)
    var quantDefined = [Bool](repeating: false, count: 4)
    var dcTables: [JPEGHuffmanTable?] = [nil, nil, nil, nil]
    var acTables: [JPEGHuffmanTable?] = [nil, nil, nil, nil]
    var restartInterval = 0

    var sawJFIF = false
    var adobeTransform: Int?
    var orientation = 1

    // The frame (after SOF).
    var frameMarker: UInt8 = 0
    var progressive = false
    var width = 0, height = 0
    var maxH = 1, maxV = 1
    var mcusX = 0, mcusY = 0
    var components: [JPEGComponent] = []
    var scanCount = 0
    /// Progressive only: per component and coefficient, the successive-approximation bit
    /// still to come (−1 = coefficient never sent), to check each scan continues the last.
    var coefficientBits: [[Int]] = []

    init(base: UnsafePointer<UInt8>, count: Int, limits: ImageDecodingLimits) {
        self.base = base
        self.count = count
        self.limits = limits
    }

    func u16(_ at: Int) -> Int { Int(base[at]) << 8 | Int(base[at + 1]) }

    mutating func decode() throws -> DecodedImage {
        markers: while true {
            // Find the next marker: FF, optional fill FFs, then the code. Other bytes are skipped (libjpeg warns).
            while position < count && base[position] != 0xFF { position += 1 }
            while position < count && base[position] == 0xFF { position += 1 }
            guard position < count else {
                if scanCount > 0 { break markers }  // missing EOI: decode what there is
                throw ImageError(.truncated, frameMarker == 0 ? "JPEG ends at offset \(count) before a frame header (SOF)" : "JPEG ends at offset \(count) before any scan (SOS)")
            }
            let marker = base[position]
            let markerOffset = position - 1
            position += 1
            let name = JPEGDecoder.markerName(marker)
            switch marker {
            case 0xD9:
                break markers
            case 0xD8:
                throw ImageError(reason: "JPEG has a second SOI marker at offset \(markerOffset)")
            case 0x01, 0xD0...0xD7:
                continue  // no length; a stray RST outside a scan is ignored, as libjpeg does
            case 0x00:
                continue  // a stuffed zero outside a scan: skip it
            default:
                break
            }
            guard count - position >= 2 else {
                throw ImageError(.truncated, "JPEG \(name) segment at offset \(markerOffset) is truncated: its length field is missing")
            }
            let length = u16(position)
            guard length >= 2 else {
                throw ImageError(reason: "JPEG \(name) segment at offset \(markerOffset) has length \(length), less than 2")
            }
            guard count - position >= length else {
                throw ImageError(.truncated, "JPEG \(name) segment at offset \(markerOffset) is truncated: it declares \(length) bytes, \(count - position) remain")
            }
            let start = position + 2, end = position + length
            switch marker {
            case 0xC0, 0xC1, 0xC2:
                try readFrame(marker, start, end, at: markerOffset)
            case 0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF:
                let what = marker == 0xC3 ? "lossless" : marker >= 0xC9 ? "arithmetic-coded" : "hierarchical"
                throw ImageError(.unsupported, "JPEG \(name) at offset \(markerOffset): \(what) JPEG is not supported")
            case 0xC4:
                try readHuffmanTables(start, end, at: markerOffset)
            case 0xDB:
                try readQuantTables(start, end, at: markerOffset)
            case 0xDD:
                guard length == 4 else { throw ImageError(reason: "JPEG DRI segment at offset \(markerOffset) has length \(length), expected 4") }
                restartInterval = u16(start)
            case 0xDA:
                try readScan(start, end, at: markerOffset)
                continue  // readScan leaves `position` at the marker after the entropy-coded data
            case 0xDC:
                throw ImageError(.unsupported, "JPEG DNL marker at offset \(markerOffset): a height defined after the first scan is not supported")
            case 0xE0:
                if length >= 7, base[start] == 0x4A, base[start + 1] == 0x46, base[start + 2] == 0x49, base[start + 3] == 0x46, base[start + 4] == 0 {
                    sawJFIF = true  // "JFIF\0"
                }
            case 0xE1:
                if scanCount == 0, orientation == 1, let o = EXIFOrientation.read(base: base, start: start, end: end) {
                    orientation = o
                }
            case 0xEE:
                if length >= 14, base[start] == 0x41, base[start + 1] == 0x64, base[start + 2] == 0x6F, base[start + 3] == 0x62, base[start + 4] == 0x65 {
                    adobeTransform = Int(base[start + 11])  // "Adobe", version, flags0, flags1, transform
                }
            default:
                break  // APPn, COM, DAC, JPGn, ...: skipped
            }
            position = end
        }
        guard frameMarker != 0 else { throw ImageError(.truncated, "JPEG has no frame header (SOF)") }
        guard scanCount > 0 else { throw ImageError(.truncated, "JPEG has no scan (SOS)") }
        for c in components where c.plane == nil {
            throw ImageError(.truncated, "JPEG component \(c.id) has no scan: the file ends after \(scanCount) scan\(scanCount == 1 ? "" : "s")")
        }
        if progressive { finishProgressive() }
        var image = try JPEGOutput.assemble(self)
        if orientation != 1 { image = EXIFOrientation.apply(orientation, to: image) }
        return image
    }

    // MARK: Segments

    mutating func readFrame(_ marker: UInt8, _ start: Int, _ end: Int, at offset: Int) throws {
        let name = JPEGDecoder.markerName(marker)
        guard frameMarker == 0 else { throw ImageError(reason: "JPEG has a second frame header (\(name)) at offset \(offset)") }
        guard end - start >= 6 else { throw ImageError(reason: "JPEG \(name) segment at offset \(offset) is too short (\(end - start + 2) bytes)") }
        let precision = Int(base[start])
        height = u16(start + 1)
        width = u16(start + 3)
        let n = Int(base[start + 5])
        guard precision == 8 else { throw ImageError(.unsupported, "JPEG \(name) at offset \(offset): \(precision)-bit samples are not supported (8-bit only)") }
        guard height > 0 else { throw ImageError(.unsupported, "JPEG \(name) at offset \(offset): height 0 (defined later by DNL) is not supported") }
        guard width > 0 else { throw ImageError(reason: "JPEG \(name) at offset \(offset): width is 0") }
        guard end - start == 6 + 3 * n else {
            throw ImageError(reason: "JPEG \(name) segment at offset \(offset) has length \(end - start + 2), \(8 + 3 * n) expected for \(n) components")
        }
        switch n {
        case 1, 3: break
        case 4: throw ImageError(.unsupported, "JPEG \(name) at offset \(offset): 4-component (CMYK/YCCK) images are not supported")
        default: throw ImageError(.unsupported, "JPEG \(name) at offset \(offset): \(n)-component images are not supported (1 or 3)")
        }
        try limits.check(width: width, height: height, format: "JPEG")
        var specs: [(Int, Int, Int, Int)] = []
        for i in 0..<n {
            let p = start + 6 + 3 * i
            let id = Int(base[p]), hv = Int(base[p + 1]), tq = Int(base[p + 2])
            let h = hv >> 4, v = hv & 15
            guard (1...4).contains(h), (1...4).contains(v) else {
                throw ImageError(reason: "JPEG \(name) at offset \(offset): component \(id) has sampling factors \(h)×\(v), outside 1…4")
            }
            guard tq <= 3 else { throw ImageError(reason: "JPEG \(name) at offset \(offset): component \(id) uses quantization table \(tq), above 3") }
            guard !specs.contains(where: { $0.0 == id }) else {
                throw ImageError(reason: "JPEG \(name) at offset \(offset): component id \(id) appears twice")
            }
            specs.append((id, h, v, tq))
        }
        // A single-component frame is always coded one block per MCU; its factors do not matter.
        if n == 1 { specs[0].1 = 1; specs[0].2 = 1 }
        maxH = specs.map { $0.1 }.max() ?? 1
        maxV = specs.map { $0.2 }.max() ?? 1
        for s in specs where maxH % s.1 != 0 || maxV % s.2 != 0 {
            throw ImageError(.unsupported, "JPEG \(name) at offset \(offset): component \(s.0) sampling \(s.1)×\(s.2) is not an integer fraction of \(maxH)×\(maxV)")
        }
        mcusX = (width + 8 * maxH - 1) / (8 * maxH)
        mcusY = (height + 8 * maxV - 1) / (8 * maxV)
        components = specs.enumerated().map { i, s in
            JPEGComponent(id: s.0, index: i, h: s.1, v: s.2, quantTable: s.3, maxH: maxH, maxV: maxV,
                          width: width, height: height, mcusX: mcusX, mcusY: mcusY)
        }
        frameMarker = marker
        progressive = marker == 0xC2
        if progressive { coefficientBits = Array(repeating: Array(repeating: -1, count: 64), count: n) }
    }

    mutating func readHuffmanTables(_ start: Int, _ end: Int, at offset: Int) throws {
        var p = start
        while p < end {
            guard end - p >= 17 else { throw ImageError(.truncated, "JPEG DHT segment at offset \(offset) is truncated at byte \(p)") }
            let tc = Int(base[p] >> 4), th = Int(base[p] & 15)
            guard tc <= 1, th <= 3 else {
                throw ImageError(reason: "JPEG DHT segment at offset \(offset): table class \(tc) / id \(th) (class 0–1, id 0–3 allowed)")
            }
            let counts = (0..<16).map { Int(base[p + 1 + $0]) }
            let total = counts.reduce(0, +)
            guard total <= 256 else { throw ImageError(reason: "JPEG DHT segment at offset \(offset): table declares \(total) codes, more than 256") }
            guard end - p - 17 >= total else { throw ImageError(.truncated, "JPEG DHT segment at offset \(offset): table declares \(total) symbols, \(end - p - 17) bytes remain") }
            let symbols = (0..<total).map { base[p + 17 + $0] }
            let what = "\(tc == 0 ? "DC" : "AC") table \(th) (DHT at offset \(offset))"
            let table = try JPEGHuffmanTable(counts: counts, symbols: symbols, what: what)
            if tc == 0 { dcTables[th] = table } else { acTables[th] = table }
            p += 17 + total
        }
    }

    mutating func readQuantTables(_ start: Int, _ end: Int, at offset: Int) throws {
        var p = start
        while p < end {
            let pq = Int(base[p] >> 4), tq = Int(base[p] & 15)
            guard pq <= 1, tq <= 3 else {
                throw ImageError(reason: "JPEG DQT segment at offset \(offset): precision \(pq) / table \(tq) (precision 0–1, table 0–3 allowed)")
            }
            let size = pq == 0 ? 64 : 128
            guard end - p - 1 >= size else { throw ImageError(.truncated, "JPEG DQT segment at offset \(offset): table \(tq) is truncated") }
            for k in 0..<64 {
                let value = pq == 0 ? Int32(base[p + 1 + k]) : Int32(u16(p + 1 + 2 * k))
                quantTables[tq * 64 + JPEGDecoder.zigzag[k]] = value
            }
            quantDefined[tq] = true
            p += 1 + size
        }
    }

    // MARK: Scans

    mutating func readScan(_ start: Int, _ end: Int, at offset: Int) throws {
        guard frameMarker != 0 else { throw ImageError(reason: "JPEG SOS at offset \(offset) comes before the frame header (SOF)") }
        guard end > start else { throw ImageError(reason: "JPEG SOS at offset \(offset) is empty (length 2)") }
        let n = Int(base[start])
        guard (1...4).contains(n), end - start == 4 + 2 * n else {
            throw ImageError(reason: "JPEG SOS at offset \(offset): \(n) components in a segment of length \(end - start + 2)")
        }
        var scanComponents: [JPEGComponent] = []
        var dc: [JPEGHuffmanTable?] = [], ac: [JPEGHuffmanTable?] = []
        for i in 0..<n {
            let id = Int(base[start + 1 + 2 * i]), tables = Int(base[start + 2 + 2 * i])
            guard let c = components.first(where: { $0.id == id }) else {
                throw ImageError(reason: "JPEG SOS at offset \(offset) names component \(id), which the frame does not have")
            }
            guard !scanComponents.contains(where: { $0 === c }) else {
                throw ImageError(reason: "JPEG SOS at offset \(offset) names component \(id) twice")
            }
            guard tables >> 4 <= 3, tables & 15 <= 3 else {
                throw ImageError(reason: "JPEG SOS at offset \(offset): component \(id) uses Huffman tables \(tables >> 4)/\(tables & 15), above 3")
            }
            scanComponents.append(c)
            dc.append(dcTables[tables >> 4])
            ac.append(acTables[tables & 15])
        }
        let ss = Int(base[end - 3]), se = Int(base[end - 2])
        let ah = Int(base[end - 1] >> 4), al = Int(base[end - 1] & 15)
        let scanNumber = scanCount + 1
        let label = "JPEG scan \(scanNumber) (SOS at offset \(offset))"
        if n > 1 {
            let blocks = scanComponents.reduce(0) { $0 + $1.h * $1.v }
            guard blocks <= 10 else { throw ImageError(reason: "\(label): an MCU of \(blocks) blocks exceeds the limit of 10") }
        }
        for c in scanComponents where !quantDefined[c.quantTable] {
            throw ImageError(reason: "\(label): component \(c.id) uses quantization table \(c.quantTable), which is not defined")
        }
        if progressive {
            try checkProgression(scanComponents, ss: ss, se: se, ah: ah, al: al, label: label)
        }
        // Which tables the scan needs.
        let needsDC = !progressive || (ss == 0 && ah == 0)
        let needsAC = !progressive || ss > 0
        for (i, c) in scanComponents.enumerated() {
            if needsDC {
                guard let t = dc[i] else { throw ImageError(reason: "\(label): component \(c.id)'s DC Huffman table is not defined") }
                guard t.largestSymbol <= 15 else { throw ImageError(reason: "\(label): DC Huffman table has symbol \(t.largestSymbol), above 15") }
            }
            if needsAC && ac[i] == nil { throw ImageError(reason: "\(label): component \(c.id)'s AC Huffman table is not defined") }
        }
        // Allocate each component at its first scan, if the data left can plausibly fill it.
        let remainingBits = (count - end) * 8
        for c in scanComponents where c.plane == nil {
            let blocks = n == 1 ? c.widthInBlocks * c.heightInBlocks : c.blockCount
            guard blocks <= remainingBits else {
                throw ImageError(.truncated, "\(label): component \(c.id) needs \(blocks) blocks (\(width)×\(height) image), the \(count - end) bytes left cannot hold them")
            }
            try c.allocate(progressive: progressive)
        }
        scanCount += 1

        var reader = JPEGBitReader(base: base, end: count, position: end)
        var scan = JPEGScan(components: scanComponents, dc: dc, ac: ac,
                            ss: ss, se: se, ah: ah, al: al, label: label)
        defer { scan.release() }
        if progressive {
            try scan.decodeProgressive(&reader, self)
        } else {
            try scan.decodeSequential(&reader, self)
        }
        position = reader.markerPosition >= 0 ? reader.markerPosition : reader.position
    }

    /// T.81 G.1.1.1: a progressive scan's spectral band and successive-approximation bits must be consistent.
    mutating func checkProgression(_ scanComponents: [JPEGComponent], ss: Int, se: Int, ah: Int, al: Int, label: String) throws {
        if ss == 0 {
            guard se == 0 else { throw ImageError(reason: "\(label): a progressive DC scan has Se = \(se), expected 0") }
        } else {
            guard se >= ss, se <= 63 else { throw ImageError(reason: "\(label): spectral selection \(ss)…\(se) is invalid") }
            guard scanComponents.count == 1 else { throw ImageError(reason: "\(label): a progressive AC scan has \(scanComponents.count) components, expected 1") }
        }
        guard al <= 13, ah == 0 || ah == al + 1 else {
            throw ImageError(reason: "\(label): successive approximation Ah = \(ah), Al = \(al) is invalid")
        }
        for c in scanComponents {
            if ss > 0 && coefficientBits[c.index][0] < 0 {
                throw ImageError(reason: "\(label): AC coefficients of component \(c.id) come before its DC scan")
            }
            for k in ss...se {
                let expected = coefficientBits[c.index][k]
                // A first scan (Ah = 0) must be the coefficient's first; a refinement must continue the previous one.
                guard ah == 0 ? expected < 0 : expected == ah else {
                    throw ImageError(reason: "\(label): coefficient \(k) of component \(c.id) is sent with Ah = \(ah), Al = \(al) out of order")
                }
                coefficientBits[c.index][k] = al
            }
            if ss == 0 { c.hasDCScan = true }
        }
    }

    /// Progressive: all scans read; the IDCT of every block.
    func finishProgressive() {
        let dequantized = UnsafeMutablePointer<Int32>.allocate(capacity: 64)
        defer { dequantized.deallocate() }
        quantTables.withUnsafeBufferPointer { qt in
            guard let q0 = qt.baseAddress else { return }
            for c in components {
                guard let plane = c.plane, let coefficients = c.coefficients else { continue }
                let q = q0 + c.quantTable &* 64
                let stride = c.planeStride
                for by in 0..<c.blocksPerColumn {
                    for bx in 0..<c.blocksPerLine {
                        let block = coefficients + (by &* c.blocksPerLine &+ bx) &* 64
                        let target = plane + (by &* stride &+ bx) &* 8
                        var any: Int16 = 0
                        for k in 1..<64 { any |= block[k] }
                        if any == 0 {
                            JPEGIDCT.transformDC(Int32(block[0]) &* q[0], target, stride)
                            continue
                        }
                        for k in 0..<64 { dequantized[k] = Int32(block[k]) &* q[k] }
                        JPEGIDCT.transformSIMD(dequantized, target, stride)
                    }
                }
            }
        }
    }
}

/// One scan's decoding: the blocks of its components in MCU order, with restarts.
struct JPEGScan {
    let components: [JPEGComponent]
    /// Per scan component: its Huffman tables (the classes are kept alive by `tables`).
    let dc: [JPEGHuffmanView?]
    let ac: [JPEGHuffmanView?]
    let tables: [JPEGHuffmanTable]
    let ss: Int, se: Int, ah: Int, al: Int
    let label: String
    /// DC predictors (4) then a 64-coefficient block.
    let scratch: UnsafeMutablePointer<Int32>
    var eobRun = 0

    init(components: [JPEGComponent], dc: [JPEGHuffmanTable?], ac: [JPEGHuffmanTable?], ss: Int, se: Int, ah: Int, al: Int, label: String) {
        self.components = components
        self.dc = dc.map { $0?.view }
        self.ac = ac.map { $0?.view }
        tables = (dc + ac).compactMap { $0 }
        self.ss = ss
        self.se = se
        self.ah = ah
        self.al = al
        self.label = label
        scratch = .allocate(capacity: 4 + 64)
        scratch.initialize(repeating: 0, count: 4 + 64)
    }

    /// Frees the scratch memory; call once when the scan is done.
    func release() {
        withExtendedLifetime(tables) { scratch.deallocate() }
    }

    func truncated(_ reader: JPEGBitReader, mcu: Int, of total: Int) -> ImageError {
        ImageError(.truncated, "\(label): entropy-coded data ends at offset \(reader.offset) after \(mcu) of \(total) MCUs")
    }

    /// Visits every MCU (every block of the one component, when not interleaved),
    /// handling restart intervals and detecting truncation; `body(component, bx, by)` decodes one block.
    @inline(__always)
    mutating func forEachBlock(_ reader: inout JPEGBitReader, _ stream: JPEGStream,
                               _ body: (inout JPEGScan, inout JPEGBitReader, Int, Int, Int) throws -> Void) throws {
        let interval = stream.restartInterval
        if components.count == 1 {
            let c = components[0]
            let bw = c.widthInBlocks, bh = c.heightInBlocks
            let total = bw * bh
            var sinceRestart = 0
            var n = 0
            for by in 0..<bh {
                for bx in 0..<bw {
                    if interval > 0 && sinceRestart == interval {
                        try restart(&reader, mcu: n, of: total)
                        sinceRestart = 0
                    }
                    try body(&self, &reader, 0, bx, by)
                    if reader.overran { throw truncated(reader, mcu: n, of: total) }
                    sinceRestart &+= 1
                    n &+= 1
                }
            }
            return
        }
        let total = stream.mcusX * stream.mcusY
        let layout = components.map { ($0.h, $0.v) }
        var sinceRestart = 0
        var n = 0
        for my in 0..<stream.mcusY {
            for mx in 0..<stream.mcusX {
                if interval > 0 && sinceRestart == interval {
                    try restart(&reader, mcu: n, of: total)
                    sinceRestart = 0
                }
                for i in 0..<layout.count {
                    let (h, v) = layout[i]
                    for y in 0..<v {
                        for x in 0..<h {
                            try body(&self, &reader, i, mx &* h &+ x, my &* v &+ y)
                        }
                    }
                }
                if reader.overran { throw truncated(reader, mcu: n, of: total) }
                sinceRestart &+= 1
                n &+= 1
            }
        }
    }

    mutating func restart(_ reader: inout JPEGBitReader, mcu: Int, of total: Int) throws {
        guard reader.restart() else {
            throw ImageError(.truncated, "\(label): expected a restart marker at offset \(reader.offset) after \(mcu) of \(total) MCUs")
        }
        for i in 0..<4 { scratch[i] = 0 }
        eobRun = 0
    }

    // MARK: Sequential

    /// Baseline and extended sequential: each block is decoded, dequantized and
    /// transformed into its component's plane at once.
    mutating func decodeSequential(_ reader: inout JPEGBitReader, _ stream: JPEGStream) throws {
        let quant = UnsafeMutablePointer<Int32>.allocate(capacity: 256)
        defer { quant.deallocate() }
        for i in 0..<256 { quant[i] = stream.quantTables[i] }
        try JPEGDecoder.zigzag.withUnsafeBufferPointer { zigzagBuffer in
            guard let zz = zigzagBuffer.baseAddress else { return }
            struct Target {
                let dc: JPEGHuffmanView, ac: JPEGHuffmanView
                let plane: UnsafeMutablePointer<UInt8>, stride: Int
                let q: UnsafePointer<Int32>
            }
            var targets: [Target] = []
            for (i, c) in components.enumerated() {
                guard let dc = dc[i], let ac = ac[i], let plane = c.plane else { return }
                targets.append(Target(dc: dc, ac: ac, plane: plane, stride: c.planeStride, q: quant + c.quantTable &* 64))
            }
            let b = scratch + 4
            try targets.withUnsafeBufferPointer { targetBuffer in
                guard let targets = targetBuffer.baseAddress else { return }
                try forEachBlock(&reader, stream) { scan, reader, i, bx, by in
                    let t = targets[i]
                    // DC: the difference from the previous block's DC.
                    let s = try reader.decode(t.dc)
                    let diff: Int32 = s == 0 ? 0 : reader.receiveExtend(s)
                    let predictor = scan.scratch[i] &+ diff
                    scan.scratch[i] = predictor
                    let dcValue = Int32(Int16(truncatingIfNeeded: predictor)) &* t.q[0]
                    // AC: run/size symbols in zig-zag order, dequantized as they come.
                    let last = try JPEGScan.decodeAC(&reader, t.ac, t.q, b, zz)
                    let target = t.plane + (by &* t.stride &+ bx) &* 8
                    if last == 0 {
                        JPEGIDCT.transformDC(dcValue, target, t.stride)
                    } else {
                        b[0] = dcValue
                        JPEGIDCT.transformSIMD(b, target, t.stride)
                        let raw = UnsafeMutableRawPointer(b)
                        for r in 0..<8 { raw.storeBytes(of: SIMD8<Int32>(), toByteOffset: r &* 32, as: SIMD8<Int32>.self) }
                    }
                }
            }
        }
    }

    /// The AC coefficients of one baseline block into `b` (dequantized, natural
    /// order; `b` is all zero on entry). Returns the natural index of the last
    /// nonzero coefficient, 0 if there is none. The bit buffer is kept in locals
    /// (written back around the rare refills and long codes).
    @inline(__always)
    static func decodeAC(_ reader: inout JPEGBitReader, _ ac: JPEGHuffmanView, _ q: UnsafePointer<Int32>,
                         _ b: UnsafeMutablePointer<Int32>, _ zz: UnsafePointer<Int>) throws -> Int {
        var buffer = reader.buffer, count = reader.count
        var k = 1, last = 0
        while k < 64 {
            if count < 32 {  // a code (≤ 16 bits) and its magnitude (≤ 15 bits) without another check
                reader.buffer = buffer
                reader.count = count
                reader.refill()
                buffer = reader.buffer
                count = reader.count
            }
            let index = Int(truncatingIfNeeded: buffer &>> 55)
            let fast = ac.fastAC[index]
            if fast != 0 {
                let length = UInt64(truncatingIfNeeded: fast & 0xFF)
                buffer = buffer &<< length
                count &-= Int(length)
                k &+= Int((fast >> 8) & 0xFF)
                let z = zz[k]
                b[z] = (fast >> 16) &* q[z]
                last = z
                k &+= 1
                continue
            }
            let entry = Int(ac.lookup[index])
            let rs: Int
            if entry != 0 {
                buffer = buffer &<< UInt64(truncatingIfNeeded: entry >> 8)
                count &-= entry >> 8
                rs = entry & 0xFF
            } else {
                reader.buffer = buffer
                reader.count = count
                rs = try reader.decodeSlow(ac)
                buffer = reader.buffer
                count = reader.count
            }
            let r = rs >> 4, size = rs & 15
            if size == 0 {
                if r != 15 { break }
                k &+= 16
                continue
            }
            k &+= r
            let raw = Int32(truncatingIfNeeded: buffer &>> UInt64(truncatingIfNeeded: 64 &- size))
            buffer = buffer &<< UInt64(truncatingIfNeeded: size)
            count &-= size
            let value = raw < Int32(1) &<< Int32(size &- 1) ? raw &- (Int32(1) &<< Int32(size)) &+ 1 : raw
            let z = zz[k]
            b[z] = value &* q[z]
            last = z
            k &+= 1
        }
        reader.buffer = buffer
        reader.count = count
        return last
    }

    // MARK: Progressive

    mutating func decodeProgressive(_ reader: inout JPEGBitReader, _ stream: JPEGStream) throws {
        try JPEGDecoder.zigzag.withUnsafeBufferPointer { zigzagBuffer in
            guard let zz = zigzagBuffer.baseAddress else { return }
            var coefficients: [UnsafeMutablePointer<Int16>] = []
            for c in components {
                guard let p = c.coefficients else { return }
                coefficients.append(p)
            }
            let blocksPerLine = components.map { $0.blocksPerLine }
            try forEachBlock(&reader, stream) { scan, reader, i, bx, by in
                let block = coefficients[i] + (by &* blocksPerLine[i] &+ bx) &* 64
                if scan.ss == 0 {
                    try scan.decodeDC(&reader, block, component: i)
                } else if scan.ah == 0 {
                    try scan.decodeACFirst(&reader, block, zz)
                } else {
                    try scan.decodeACRefine(&reader, block, zz)
                }
            }
        }
    }

    mutating func decodeDC(_ reader: inout JPEGBitReader, _ block: UnsafeMutablePointer<Int16>, component i: Int) throws {
        if ah == 0 {
            guard let table = dc[i] else { return }
            let t = try reader.decode(table)
            let diff: Int32 = t == 0 ? 0 : reader.receiveExtend(t)
            scratch[i] = scratch[i] &+ diff
            block[0] = Int16(truncatingIfNeeded: scratch[i] &<< Int32(al))
        } else if reader.bit() {
            block[0] |= Int16(truncatingIfNeeded: 1 << al)
        }
    }

    @inline(__always)
    mutating func decodeACFirst(_ reader: inout JPEGBitReader, _ block: UnsafeMutablePointer<Int16>, _ zz: UnsafePointer<Int>) throws {
        if eobRun > 0 {
            eobRun -= 1
            return
        }
        guard let table = ac[0] else { return }
        var bits = JPEGLocalBits(reader)
        defer { bits.store(&reader) }
        var k = ss
        while k <= se {
            bits.ensure(32, &reader)
            let rs = try bits.decode(table, &reader)
            let r = rs >> 4, s = rs & 15
            if s != 0 {
                k &+= r
                block[zz[k]] = Int16(truncatingIfNeeded: bits.receiveExtend(s) &<< Int32(al))
                k &+= 1
            } else if r == 15 {
                k &+= 16
            } else {
                eobRun = (1 << r) - 1
                if r > 0 { eobRun += bits.take(r) }
                break
            }
        }
    }

    @inline(__always)
    mutating func decodeACRefine(_ reader: inout JPEGBitReader, _ block: UnsafeMutablePointer<Int16>, _ zz: UnsafePointer<Int>) throws {
        let p1 = Int16(truncatingIfNeeded: 1 << al), m1 = Int16(truncatingIfNeeded: -1 << al)
        var bits = JPEGLocalBits(reader)
        defer { bits.store(&reader) }
        var k = ss
        /// Refines an already-nonzero coefficient by one bit.
        @inline(__always) func refine(_ z: Int, _ bits: inout JPEGLocalBits, _ reader: inout JPEGBitReader) {
            bits.ensure(1, &reader)
            if bits.take1() && block[z] & p1 == 0 {
                block[z] = block[z] >= 0 ? block[z] &+ p1 : block[z] &+ m1
            }
        }
        if eobRun == 0 {
            guard let table = ac[0] else { return }
            while k <= se {
                bits.ensure(32, &reader)
                let rs = try bits.decode(table, &reader)
                var r = rs >> 4
                let s = rs & 15
                var value: Int16 = 0
                if s != 0 {
                    // s must be 1 (libjpeg warns otherwise and reads one sign bit anyway).
                    value = bits.take1() ? p1 : m1
                } else if r != 15 {
                    eobRun = 1 << r
                    if r > 0 { eobRun += bits.take(r) }
                    break
                }
                // Skip r zero coefficients (refining nonzero ones on the way), then place the new one.
                while k <= se {
                    let z = zz[k]
                    if block[z] != 0 {
                        refine(z, &bits, &reader)
                    } else {
                        if r == 0 { break }
                        r -= 1
                    }
                    k &+= 1
                }
                if value != 0 {
                    block[zz[k]] = value  // k ≤ 64; zz[64] is 63, as libjpeg's table
                }
                k &+= 1
            }
        }
        if eobRun > 0 {
            while k <= se {
                let z = zz[k]
                if block[z] != 0 { refine(z, &bits, &reader) }
                k &+= 1
            }
            eobRun -= 1
        }
    }
}

/// A copy of a ``JPEGBitReader``'s bit buffer in local variables, for the
/// coefficient loops (the reader itself is `inout` through calls, so the
/// compiler keeps its fields in memory); written back around refills, long
/// codes and at the end (`store`).
struct JPEGLocalBits {
    var buffer: UInt64
    var count: Int

    @inline(__always) init(_ reader: JPEGBitReader) {
        buffer = reader.buffer
        count = reader.count
    }

    @inline(__always) func store(_ reader: inout JPEGBitReader) {
        reader.buffer = buffer
        reader.count = count
    }

    /// At least `n` bits (≤ 56) in the buffer.
    @inline(__always) mutating func ensure(_ n: Int, _ reader: inout JPEGBitReader) {
        if count < n {
            store(&reader)
            reader.refill()
            buffer = reader.buffer
            count = reader.count
        }
    }

    /// The next `n` bits (1…16; callers ensure they are buffered).
    @inline(__always) mutating func take(_ n: Int) -> Int {
        let v = Int(truncatingIfNeeded: buffer &>> UInt64(truncatingIfNeeded: 64 &- n))
        buffer = buffer &<< UInt64(truncatingIfNeeded: n)
        count &-= n
        return v
    }

    @inline(__always) mutating func take1() -> Bool {
        let v = buffer >> 63 != 0
        buffer = buffer &<< 1
        count &-= 1
        return v
    }

    @inline(__always) mutating func receiveExtend(_ s: Int) -> Int32 {
        let v = Int32(truncatingIfNeeded: take(s))
        return v < Int32(1) &<< Int32(s &- 1) ? v &- (Int32(1) &<< Int32(s)) &+ 1 : v
    }

    /// One Huffman symbol (16 bits must be buffered).
    @inline(__always) mutating func decode(_ t: JPEGHuffmanView, _ reader: inout JPEGBitReader) throws -> Int {
        let entry = Int(t.lookup[Int(truncatingIfNeeded: buffer &>> 55)])
        if entry != 0 {
            buffer = buffer &<< UInt64(truncatingIfNeeded: entry >> 8)
            count &-= entry >> 8
            return entry & 0xFF
        }
        store(&reader)
        let symbol = try reader.decodeSlow(t)
        buffer = reader.buffer
        count = reader.count
        return symbol
    }
}
