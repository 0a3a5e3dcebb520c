/// The direct form of a small quantized convolution on the integer pairs
/// (`vpmaddwd`) or quads (`vpdpbusd`) micro-kernel: instead of gathering
/// each output pixel's taps into a row of A (the gather was a third of the
/// digit models' int8 time, most of it per-row set-up for filter rows of
/// 3–48 values), the input is copied once per run into a padded plane of
/// the values the gather would write, and the micro-kernel reads each
/// pixel's filter rows from it in place: filter row `fy` of the pixel at
/// plane position (py, px) is the `filterWidth × channels` adjacent values
/// at row `py + fy`, column `px`.
///
/// Exactness: every value is what the gather writes (`GatheredValue`). Pairs:
/// Int16 `x + inputOffset`, 0 for a padding tap, against Int16 weights
/// `w + filterOffset` (in −255…255), so each `vpmaddwd` pair sum is at most
/// 2 · 255 · 255 and the Int32 accumulators add the reference's products in
/// wrapping arithmetic (a ring: any order gives the same bits). Quads (int8):
/// bytes `x + 128`, `zeroPoint + 128` for a padding tap, against the int8
/// weights, the kernel's column corrections removing the 128 as in the
/// gather form. A filter row whose values are not a whole number of steps
/// (pairs or quads) fills its last step with the next plane values at
/// weight 0.
///
/// Used for convolutions with dilation 1 and more than one tap whose plane
/// (all images) is at most `maximumPlaneBytes` (quads:
/// `maximumQuadPlaneValues`) and whose filter has at most
/// `maximumFilterValues` values per output channel (quads: any filter whose
/// rows are whole quads, read in place): the first layers of image models,
/// the small feature maps of the digit models, the middle stages of
/// ResNet-like models. The VNNI flavour gave image stems to the pairs'
/// direct form until the quads had one (quads gathering 27 bytes per pixel:
/// MobileNetV2 int8's stem 0.40–0.54 ms, pairs direct 0.23, Zen 4); the
/// quads' direct form took a 224×224×3 → 32 stem from 0.315 to 0.165 ms
/// and 3×3 layers 7–11% below the gathered rows (Xeon, 2026-12-05).
final class InputPlaneConvolution: @unchecked Sendable {
    let channels: Int
    let filterHeight: Int
    /// The quads kernel's plane and weights (bytes); else the pairs kernel's (Int16).
    let quads: Bool
    /// Values per multiply-add step: 2 (pairs) or 4 (quads).
    var valuesPerStep: Int { quads ? 4 : 2 }
    /// Bytes per plane value: 2 (Int16) or 1 (quads' bytes).
    var valueBytes: Int { quads ? 1 : 2 }
    /// Steps (pairs or quads) per filter row: ⌈filterWidth × channels / valuesPerStep⌉.
    let stepsPerRow: Int
    /// Plane values per plane row: it covers every pixel's widest read.
    let rowValues: Int
    /// Plane rows per image.
    let planeHeight: Int
    /// Plane values per image's plane.
    let batchValues: Int
    let batches: Int
    let inputHeight: Int, inputWidth: Int
    let outputHeight: Int, outputWidth: Int
    let strideHeight: Int, strideWidth: Int
    let padTop: Int, padLeft: Int
    /// The micro-kernel's B, per panel. Pairs: `[filter row][pair][16 columns][2]`
    /// Int16 weights `w + filterOffset` (0 past an odd row's values; past N, 0
    /// or the offset: those sums are never stored). Quads:
    /// `[filter row][quad][width][4]` int8 weights (0 past a row's values and
    /// past N), width the packed panel's (32, or `tailColumns` for the last):
    /// where a filter row is whole quads (`filterWidth × channels` a multiple
    /// of 4), that is the packed panels' own layout, read in place
    /// (`packedPanels`); else a copy (`ownedWeights`).
    private let weights: UnsafeRawPointer
    /// The copy `weights` points to, or nil where it points into `packedPanels`.
    private let ownedWeights: UnsafeMutableRawPointer?
    /// The packed weights `weights` points into (kept alive), or nil.
    private let packedPanels: PackedQuantizedWeights?
    /// Bytes per panel of `weights`.
    let panelBytes: Int
    /// Plane offset (in values) of each pixel's first tap, per micro-tile
    /// row; rows past M repeat their micro-tile's first pixel.
    let pixelOffsets: UnsafeMutablePointer<Int>

    /// Largest plane (per worker scratch) for which the direct form is used:
    /// 1 MiB covers a 224×224×3 input (about 300 KiB as Int16), whose first
    /// convolution took 1.5 ms gathered and 1.0 ms direct (MobileNetV2 int8,
    /// AMD EPYC Zen 1, avx2 flavour).
    static let maximumPlaneBytes = 1 << 20
    /// Largest Int16 plane in values (16 of `planeBytes`' slack included in the bytes).
    static let maximumPlaneValues = maximumPlaneBytes / 2 - 16
    /// Largest plane of the quads' bytes in values: 4 MiB, so VGG16's
    /// 224×224×64 and 112×112×128 layers (planes of 3.3 and 1.7 MB) run
    /// direct too. Each call fills only the plane rows of its own pixels,
    /// which the micro-kernel then reads while they are in the cache; the
    /// gather had copied each pixel's 576 or 1,152 taps, 14% of the time.
    /// One-op 224×224×64 → 64 3×3 int8: 4.72 → 3.96 ms (LiteRT + XNNPACK
    /// 3.98); in VGG16 int8 (per node, two alternating rounds) 4.65 → 4.05
    /// and 4.04 → 3.78 ms. (AMD Zen 5, `avx512-vnni`, 2026-12-08.)
    static let maximumQuadPlaneValues = (4 << 20) - 16

    /// Largest filter (K = taps × input channels) that gets the direct form
    /// with a copy of its weights (the pairs', or quads whose filter rows are
    /// not whole quads; quads read larger filters in place).
    /// Its micro-kernel streams a whole panel of Int16 weights (K × 32
    /// bytes) per six pixels, where the gather form's packed bytes are half
    /// that. Measured on ResNet-50 int8 (AMD EPYC Zen 1, avx2 flavour): its
    /// 3×3 convolutions over 128 and 256 channels (K 1,152 and 2,304) ran
    /// 1–2% faster direct, those over 512 (K 4,608, 7×7 pixels) 7% slower
    /// (6.6 against 6.2 ms each), VGG16's over 512 alike either way; and the
    /// Int16 copy of a K = 4,608 filter is 4.7 MB besides the packed bytes,
    /// made at start-up (ResNet-50 int8: 14 MB; VGG16 int8: 24 MB).
    static let maximumFilterValues = 2304

    /// Bytes of the plane, with 16 values of slack.
    var planeBytes: Int { (batches &* batchValues &+ 16) &* valueBytes }

    /// The direct form of a pairs convolution (`packed` pair-interleaved) or
    /// of an int8 quads one (`quads`: `packed` in four-byte groups), or nil
    /// when it does not apply (dilation, a single tap, negative padding, a
    /// plane over the limit).
    init?(geometry g: ConvGeometry, channels: Int, m: Int, n: Int, packed: PackedQuantizedWeights, signed: Bool,
          filterOffset: Int32, quads: Bool) {
        // Sizes come from the model: every product is checked (any overflow
        // or a plane over the limit leaves the convolution to the gather).
        func product(_ values: Int...) -> Int? {
            var result = 1
            for v in values {
                let (p, overflow) = result.multipliedReportingOverflow(by: v)
                if overflow { return nil }
                result = p
            }
            return result
        }
        guard g.dilationHeight == 1, g.dilationWidth == 1, g.padTop >= 0, g.padLeft >= 0, channels > 0,
              packed.nr == (quads ? IntegerGEMM.quadColumns : IntegerGEMM.nr), !quads || signed,
              m == g.outputPixels, m > 0, n > 0, g.outputWidth > 0, g.outputHeight > 0,
              let taps = product(g.filterHeight, g.filterWidth), taps > 1, packed.k == taps &* channels,
              let rowLength = product(g.filterWidth, channels),
              packed.k <= Self.maximumFilterValues || (quads && rowLength % 4 == 0),
              let rowReach = product(g.outputWidth - 1, g.strideWidth, channels),
              let columnReach = product(g.outputHeight - 1, g.strideHeight) else { return nil }
        let step = quads ? 4 : 2
        let steps = (rowLength &+ step &- 1) / step
        // The widest read: the last pixel of a row, its whole filter row in steps.
        let (rowValues, o1) = rowReach.addingReportingOverflow(step &* steps)
        let (planeHeight, o2) = columnReach.addingReportingOverflow(g.filterHeight)
        guard !o1, !o2, let values = product(rowValues, planeHeight, g.batches),
              values <= (quads ? Self.maximumQuadPlaneValues : Self.maximumPlaneValues) else { return nil }
        let batchValues = rowValues &* planeHeight
        self.channels = channels
        filterHeight = g.filterHeight
        self.quads = quads
        stepsPerRow = steps
        self.rowValues = rowValues
        self.planeHeight = planeHeight
        self.batchValues = batchValues
        batches = g.batches
        inputHeight = g.inputHeight
        inputWidth = g.inputWidth
        outputHeight = g.outputHeight
        outputWidth = g.outputWidth
        strideHeight = g.strideHeight
        strideWidth = g.strideWidth
        padTop = g.padTop
        padLeft = g.padLeft

        if quads && rowLength % 4 == 0 {
            // Quad q of filter row fy is packed quad fy · steps + q: the packed panels as they are.
            panelBytes = packed.panelBytes
            weights = packed.panel(0)
            ownedWeights = nil
            packedPanels = packed
        } else {
            // (K ≤ maximumFilterValues: these products are small.)
            panelBytes = g.filterHeight &* steps &* (quads ? 128 : 64)
            let copy = UnsafeMutableRawPointer.allocate(byteCount: packed.panelCount &* panelBytes, alignment: 64)
            if quads {
                Self.packQuads(into: copy, panelBytes: panelBytes, packed: packed, rowLength: rowLength,
                               filterHeight: g.filterHeight, steps: steps)
            } else {
                Self.packPairs(into: copy, panelBytes: panelBytes, packed: packed, rowLength: rowLength,
                               filterHeight: g.filterHeight, steps: steps, n: n, signed: signed, filterOffset: filterOffset)
            }
            weights = UnsafeRawPointer(copy)
            ownedWeights = copy
            packedPanels = nil
        }

        let mr = IntegerGEMM.mr
        let rows = (m + mr - 1) / mr * mr
        pixelOffsets = .allocate(capacity: rows)
        // Pixels in order (m = batches × output height × width), without a
        // division per pixel (three of them were a quarter of a millisecond of
        // MobileNetV2 int8's start-up, for its first layer's 12,544 pixels).
        var index = 0
        for b in 0..<g.batches {
            for oy in 0..<g.outputHeight {
                let rowStart = b &* batchValues &+ oy &* g.strideHeight &* rowValues
                for ox in 0..<g.outputWidth {
                    pixelOffsets[index] = rowStart &+ ox &* g.strideWidth &* channels
                    index &+= 1
                }
            }
        }
        // Rows past M repeat their micro-tile's first pixel.
        for index in m..<rows { pixelOffsets[index] = pixelOffsets[index / mr * mr] }
    }

    deinit {
        ownedWeights?.deallocate()
        pixelOffsets.deallocate()
    }

    /// The pairs' `weights`: Int16 `w + filterOffset` from the packed pairs
    /// (weight kk of column c at `(kk / 2) · 32 + 2c + kk % 2`), filter row by
    /// filter row, each row's last pair filled with weight 0 where the row is odd.
    private static func packPairs(into weights: UnsafeMutableRawPointer, panelBytes: Int, packed: PackedQuantizedWeights,
                                  rowLength: Int, filterHeight: Int, steps pairs: Int, n: Int, signed: Bool, filterOffset: Int32) {
        let panelValues = panelBytes / 2
        for p in 0..<packed.panelCount {
            let source = packed.panel(p).assumingMemoryBound(to: UInt8.self)
            let panel = (weights + p &* panelBytes).assumingMemoryBound(to: Int16.self)
            let columns = min(16, n &- p &* 16)
            if rowLength % 2 == 0 {
                // Even filter rows: pair j of row fy is packed pair fy · pairs + j,
                // so the panel is its packed bytes widened in order (start-up:
                // the per-value form below was most of ResNet-50 int8's prepare).
                // Columns past N get the filter offset rather than 0: their sums
                // are never stored.
                let offsets = SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: filterOffset))
                for i in stride(from: 0, to: panelValues, by: 16) {
                    if signed {
                        GEMMConvolutionQuantized.widenChunk(Int8.self, UnsafeRawPointer(source), at: i, into: panel, at: i, offsets)
                    } else {
                        GEMMConvolutionQuantized.widenChunk(UInt8.self, UnsafeRawPointer(source), at: i, into: panel, at: i, offsets)
                    }
                }
                continue
            }
            for fy in 0..<filterHeight {
                for j in 0..<pairs {
                    let target = panel + (fy &* pairs &+ j) &* 32
                    for column in 0..<16 {
                        for e in 0..<2 {
                            let i = 2 &* j &+ e
                            var value: Int32 = 0
                            if i < rowLength && column < columns {
                                // Packed pairs: weight kk of column c at (kk / 2) · 32 + 2c + kk % 2.
                                let kk = fy &* rowLength &+ i
                                let byte = source[kk / 2 &* 32 &+ 2 &* column &+ kk % 2]
                                value = (signed ? Int32(Int8(bitPattern: byte)) : Int32(byte)) &+ filterOffset
                            }
                            target[2 &* column &+ e] = Int16(truncatingIfNeeded: value)
                        }
                    }
                }
            }
        }
    }

    /// The quads' `weights` from the packed four-byte groups: weight kk of
    /// column c of a panel `width` wide is at `(kk / 4) · 4 · width + 4c + kk % 4`
    /// there, and goes to `((fy · steps + q) · width + c) · 4 + i` here, for
    /// kk = fy · rowLength + 4q + i (zeros past the row's values).
    private static func packQuads(into weights: UnsafeMutableRawPointer, panelBytes: Int, packed: PackedQuantizedWeights,
                                  rowLength: Int, filterHeight: Int, steps: Int) {
        weights.initializeMemory(as: UInt8.self, repeating: 0, count: packed.panelCount &* panelBytes)
        for p in 0..<packed.panelCount {
            let width = p == packed.panelCount &- 1 ? packed.tailColumns : packed.nr
            let source = packed.panel(p).assumingMemoryBound(to: UInt8.self)
            let panel = (weights + p &* panelBytes).assumingMemoryBound(to: UInt8.self)
            for fy in 0..<filterHeight {
                for i in 0..<rowLength {
                    let kk = fy &* rowLength &+ i
                    let from = source + (kk / 4 &* 4 &* width &+ kk % 4)
                    let to = panel + ((fy &* steps &+ i / 4) &* width &* 4 &+ i % 4)
                    for c in 0..<width { to[c &* 4] = from[c &* 4] }
                }
            }
        }
    }

    /// Panel `p`'s weights.
    @inline(__always)
    func weights(panel p: Int) -> UnsafeRawPointer {
        weights + p &* panelBytes
    }

    /// Writes the plane values that output pixels `pixels` read: the padding
    /// value, and inside the image the input values as `D` (`GatheredValue`:
    /// Int16 for pairs, UInt8 for quads). A plane row's
    /// columns are written from the first pixel's that reads it to the
    /// last's: a part of the parallel backend's job (one of 64 for a
    /// 224×224 stem) covers fewer than two output rows, and filling its
    /// first and last rows whole took NASNet-Mobile int8's stem (in a
    /// six-layer model) 118.1 µs on two threads, 114.2 now (minimums of six
    /// alternating runs; one thread 204; Zen 4).
    @inline(__always)
    func fill<E: QuantizedElement, D: GatheredValue>(_ plane: UnsafeMutablePointer<D>, input: UnsafePointer<E>, inputOffset: Int32,
                                                     inputCount: Int, pixels: Range<Int>) {
        let oh = outputHeight, ow = outputWidth, sh = strideHeight
        let firstRow = pixels.lowerBound / ow, lastRow = (pixels.upperBound &- 1) / ow
        let firstColumn = pixels.lowerBound % ow, lastColumn = (pixels.upperBound &- 1) % ow
        let offsetVector = SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: inputOffset))
        let rowImageValues = inputWidth &* channels
        // The image's values in a plane row: after the left padding, up to the row's end.
        let imageStart = padLeft &* channels
        let imageEnd = imageStart &+ min(rowImageValues, rowValues &- imageStart)
        let columnValues = strideWidth &* channels, reach = valuesPerStep &* stepsPerRow
        let padding = D.padding(inputOffset: inputOffset)
        @inline(__always) func zero(_ row: UnsafeMutablePointer<D>, _ range: Range<Int>) {
            let raw = UnsafeMutableRawPointer(row)
            var c = range.lowerBound
            if D.self == Int16.self {
                while c &+ 16 <= range.upperBound {
                    raw.storeBytes(of: SIMD16<Int16>(), toByteOffset: c &* 2, as: SIMD16<Int16>.self)
                    c &+= 16
                }
            } else if D.self == UInt8.self {
                let padBytes = SIMD16<UInt8>(repeating: unsafeBitCast(padding, to: UInt8.self))
                while c &+ 16 <= range.upperBound {
                    raw.storeBytes(of: padBytes, toByteOffset: c, as: SIMD16<UInt8>.self)
                    c &+= 16
                }
            }
            while c < range.upperBound { row[c] = padding; c &+= 1 }
        }
        for b in (firstRow / oh)...(lastRow / oh) {
            let oyLow = b == firstRow / oh ? firstRow % oh : 0
            let oyHigh = b == lastRow / oh ? lastRow % oh : oh &- 1
            for py in (oyLow &* sh)..<min(oyHigh &* sh &+ filterHeight, planeHeight) {
                // The pixels' output rows that read plane row py: the first
                // (and only it) may start past column 0, the last end early.
                let readFrom = max(oyLow, py < filterHeight ? 0 : (py &- filterHeight &+ sh) / sh)
                let readTo = min(oyHigh, py / sh)
                guard readFrom <= readTo else { continue }
                let startColumn = b == firstRow / oh && readTo == firstRow % oh ? firstColumn : 0
                let endColumn = b == lastRow / oh && readFrom == lastRow % oh ? lastColumn : ow &- 1
                let low = startColumn &* columnValues, high = min(endColumn &* columnValues &+ reach, rowValues)
                let row = plane + (b &* batchValues &+ py &* rowValues)
                // The image's values in [low, high) (none above or below the image).
                let iy = py &- padTop
                let copyLow = max(low, imageStart), copyHigh = min(high, imageEnd)
                guard iy >= 0, iy < inputHeight, copyLow < copyHigh else {
                    zero(row, low..<high)
                    continue
                }
                zero(row, low..<copyLow)
                zero(row, copyHigh..<high)
                let source = (b &* inputHeight &+ iy) &* rowImageValues &- imageStart
                let target = UnsafeMutableRawPointer(row)
                var c = copyLow
                if D.self == Int16.self {
                    while c &+ 16 <= copyHigh && source &+ c &+ 16 <= inputCount {
                        GEMMConvolutionQuantized.widenChunk(E.self, UnsafeRawPointer(input), at: source &+ c, into: target, at: c, offsetVector)
                        c &+= 16
                    }
                } else if D.self == UInt8.self && E.self == Int8.self {
                    // The quads' bytes x + 128: the sign bit flipped.
                    let flip = SIMD16<UInt8>(repeating: 0x80)
                    while c &+ 16 <= copyHigh && source &+ c &+ 16 <= inputCount {
                        target.storeBytes(of: UnsafeRawPointer(input).loadUnaligned(fromByteOffset: source &+ c, as: SIMD16<UInt8>.self) ^ flip,
                                          toByteOffset: c, as: SIMD16<UInt8>.self)
                        c &+= 16
                    }
                }
                while c < copyHigh {
                    row[c] = D(x: Int32(truncatingIfNeeded: input[source &+ c]), inputOffset: inputOffset)
                    c &+= 1
                }
            }
        }
    }
}

extension IntegerGEMM {
    /// The direct form's micro-kernel: six pixels whose first taps are at
    /// plane values `offsets[0..<6]`, `filterHeight` filter rows `rowBytes`
    /// apart of `pairs` Int16 pairs each; `b` one panel of Int16 weights
    /// `[filterHeight][pairs][16][2]`. Returns the 6 × 16 Int32 sums.
    @_transparent
    static func directMicroKernel(plane: UnsafeRawPointer, offsets: UnsafePointer<Int>, filterHeight: Int, pairs: Int,
                                  rowBytes: Int, b: UnsafeRawPointer) -> Accumulators {
        typealias V = SIMD8<Int32>
        typealias W = SIMD16<Int16>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        let a0 = plane + offsets[0] &* 2, a1 = plane + offsets[1] &* 2, a2 = plane + offsets[2] &* 2
        let a3 = plane + offsets[3] &* 2, a4 = plane + offsets[4] &* 2, a5 = plane + offsets[5] &* 2
        var bp = b
        var rowOffset = 0
        for _ in 0..<filterHeight {
            var offset = rowOffset
            for _ in 0..<pairs {
                let b0 = bp.loadUnaligned(as: W.self), b1 = bp.loadUnaligned(fromByteOffset: 32, as: W.self)
                var av = broadcastPair(a0, offset)
                c00 &+= IntegerSIMD.multiplyAddPairs(av, b0); c01 &+= IntegerSIMD.multiplyAddPairs(av, b1)
                av = broadcastPair(a1, offset)
                c10 &+= IntegerSIMD.multiplyAddPairs(av, b0); c11 &+= IntegerSIMD.multiplyAddPairs(av, b1)
                av = broadcastPair(a2, offset)
                c20 &+= IntegerSIMD.multiplyAddPairs(av, b0); c21 &+= IntegerSIMD.multiplyAddPairs(av, b1)
                av = broadcastPair(a3, offset)
                c30 &+= IntegerSIMD.multiplyAddPairs(av, b0); c31 &+= IntegerSIMD.multiplyAddPairs(av, b1)
                av = broadcastPair(a4, offset)
                c40 &+= IntegerSIMD.multiplyAddPairs(av, b0); c41 &+= IntegerSIMD.multiplyAddPairs(av, b1)
                av = broadcastPair(a5, offset)
                c50 &+= IntegerSIMD.multiplyAddPairs(av, b0); c51 &+= IntegerSIMD.multiplyAddPairs(av, b1)
                bp += 64
                offset &+= 4
            }
            rowOffset &+= rowBytes
        }
        return Accumulators(c00: c00, c01: c01, c10: c10, c11: c11, c20: c20, c21: c21,
                            c30: c30, c31: c31, c40: c40, c41: c41, c50: c50, c51: c51)
    }
}

extension GEMMConvolutionQuantized {
    /// The output pixels of `tiles`' micro-tiles (the plane rows the direct
    /// form fills for them), or nil for none.
    func directPixels(_ tiles: Range<Int>) -> Range<Int>? {
        var low = Int.max, high = 0
        for tile in tiles {
            let microTiles = tiling.ranges(of: tile).1
            low = min(low, microTiles.lowerBound)
            high = max(high, microTiles.upperBound)
        }
        guard low < high else { return nil }
        return (low &* IntegerGEMM.mr)..<min(high &* IntegerGEMM.mr, m)
    }

    /// The pairs kernel in the direct form (`InputPlaneConvolution`): the plane
    /// rows of the tiles' pixels are filled once per call, then every panel
    /// runs over the micro-tiles reading the plane in place; the output
    /// stage is the gather form's (`IntegerGEMM.Accumulators.write`).
    func computeDirect<E: PackedWeightElement>(_ tiles: Range<Int>, worker: Int, _: E.Type, _ d: InputPlaneConvolution) {
        let mr = IntegerGEMM.mr, nr = IntegerGEMM.nr
        let s = scratch(worker: worker)
        let plane = s.plane.assumingMemoryBound(to: Int16.self)
        let input = UnsafePointer<E>(OpaquePointer(self.input.unsafelyUnwrapped))
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output.unsafelyUnwrapped))
        let staging = s.staging.assumingMemoryBound(to: E.self)
        let m = self.m, n = self.n
        let stage = requantization.vectorStage(E.self)
        guard let pixels = directPixels(tiles) else { return }
        d.fill(plane, input: input, inputOffset: inputOffset, inputCount: inputCount, pixels: pixels)
        let planeRaw = UnsafeRawPointer(plane)
        let filterHeight = d.filterHeight, pairs = d.stepsPerRow, rowBytes = d.rowValues &* 2
        typealias V = SIMD8<Int32>
        forEachTile(tiles) { tile in
            let (panels, microTileRange) = tiling.ranges(of: tile)
            for panel in panels {
                let b = d.weights(panel: panel)
                let column = panel &* nr
                let columns = min(nr, n &- column)
                let t = requantization.tables.offset(by: column)
                var bias0 = V(), bias1 = V()
                if let biases = requantization.biases {
                    bias0 = UnsafeRawPointer(biases + column).loadUnaligned(as: V.self)
                    bias1 = UnsafeRawPointer(biases + column).loadUnaligned(fromByteOffset: 32, as: V.self)
                }
                for microTile in microTileRange {
                    let row = microTile &* mr
                    let acc = IntegerGEMM.directMicroKernel(
                        plane: planeRaw, offsets: d.pixelOffsets + row, filterHeight: filterHeight, pairs: pairs,
                        rowBytes: rowBytes, b: b)
                    acc.write(self, row: row, rows: min(mr, m &- row), column: column, columns: columns, bias0: bias0, bias1: bias1,
                         tables: t, stage: stage, output: output, staging: staging, intTile: s.intTile)
                }
            }
        }
    }
}
