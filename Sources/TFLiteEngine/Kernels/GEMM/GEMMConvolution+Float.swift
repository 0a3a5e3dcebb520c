/// Fast float32 convolution / fully connected layer on `FloatGEMM`.
///
/// Rows of A are output pixels (N·OH·OW) or batch rows; K = taps × input
/// channels. Tiles are (block of `microTilesPerBlock` micro-tiles) × (group
/// of weight panels that fits in L2), ordered panel-group-major so a
/// sequential run reuses the group's weights across all row blocks; every
/// tile computes whole output values (K is never split).
///
/// A grouped convolution (`packed.groups` > 1) runs as one GEMM per group on
/// the same row pointers: group g's panels read input channels
/// g·K/taps… and write output columns g·N/groups….
final class GEMMConvolutionFloat: Kernel {
    enum Source {
        /// A[r] is `stride` floats apart in the input (1×1 stride-1 conv, FC).
        case rows(stride: Int)
        /// A[pixel] is gathered tap by tap through an indirection buffer.
        case convolution(ConvGeometry, channels: Int)
    }

    let source: Source
    let m: Int, n: Int, taps: Int, channels: Int
    let packed: PackedFloatWeights
    let low: Float, high: Float
    let inputIndex: Int, outputIndex: Int
    let tiling: GEMMTiling
    var microTiles: Int { tiling.microTiles }
    var input: UnsafePointer<Float>!
    var output: UnsafeMutablePointer<Float>!
    var scratch: UnsafeMutableRawPointer!
    /// [microTile][tap][row] input row pointers (convolution source only).
    /// When `rowSegments[microTile]` is 1 the block instead holds, per filter
    /// row, a pointer to the KW × Cin contiguous input values of that row of
    /// taps (all columns of the tile's pixels are inside the input and the
    /// dilation along x is 1), so the micro-kernel runs KH taps of KW·Cin
    /// channels: fewer, longer inner loops for small Cin.
    private var indirection: UnsafeMutablePointer<UnsafePointer<Float>>?
    private var rowSegments: UnsafeMutablePointer<UInt8>?
    /// Zeros read for taps in the padding (KW × Cin floats).
    private var zeroRow: UnsafeMutablePointer<Float>?
    /// Filter height and KW × Cin (row-segment mode).
    private let filterRows: Int, segmentChannels: Int

    /// `rows`: rows per micro-tile (`FloatGEMM.tileShape`).
    init(ctx: PrepareContext, source: Source, m: Int, n: Int, taps: Int, channels: Int,
         packed: PackedFloatWeights, rows: Int, activation: FusedActivation) {
        self.source = source
        self.m = m
        self.n = n
        self.taps = taps
        self.channels = channels
        self.packed = packed
        (low, high) = activation.floatRange
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
        // (Seven rows only where the flavour has their micro-kernel.)
        tiling = GEMMTiling(m: m, rows: min(rows, FloatGEMM.maxRows), panelCount: packed.panelCount,
                            panelBytes: taps * channels * packed.nr * MemoryLayout<Float>.size, cost: m &* n &* taps &* channels)
        let microTiles = tiling.microTiles
        if case let .convolution(g, _) = source {
            filterRows = g.filterHeight
            segmentChannels = g.filterWidth * channels
        } else {
            filterRows = 1
            segmentChannels = channels
        }
        if case let .convolution(g, inputChannels) = source, m > 0 {
            indirection = .allocate(capacity: microTiles * taps * tiling.rows)
            rowSegments = .allocate(capacity: microTiles)
            rowSegments?.initialize(repeating: 0, count: microTiles)
            // A row segment (KW × Cin), or a padding tap of the last group (Cin).
            let zeros = max(g.filterWidth * inputChannels, 1)
            zeroRow = .allocate(capacity: zeros)
            zeroRow?.initialize(repeating: 0, count: zeros)
        }
    }

    deinit {
        indirection?.deallocate()
        rowSegments?.deallocate()
        zeroRow?.deallocate()
    }

    var tileCount: Int { tiling.tileCount }
    var cost: Int { computedByConsumer ? 0 : multiplyAdds }
    var computedByReader: Int? { computedByConsumer ? multiplyAdds : nil }
    private var multiplyAdds: Int { m &* n &* taps &* channels }
    /// Set by `ExpansionDepthwiseFusion`: the one node reading this
    /// convolution's output computes it as it reads it
    /// (`compute(rows:into:scratch:)`), and runs of this node do nothing.
    var computedByConsumer = false
    var scratchBytesPerWorker: Int {
        (FloatGEMM.maxRows * FloatGEMM.maxPanelWidth) * MemoryLayout<Float>.size + FloatGEMM.maxRows * MemoryLayout<UnsafePointer<Float>>.size
    }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(inputIndex, as: Float.self))
        output = memory.pointer(outputIndex, as: Float.self)
        scratch = memory.scratch
        guard case let .convolution(g, cin) = source, let indirection, let zeroRow, let rowSegments else { return }
        let mr = tiling.rows
        let zero = UnsafePointer(zeroRow)
        for tile in 0..<microTiles {
            // Row-segment mode when every pixel's taps stay inside along x
            // (not grouped: a group's channels are not contiguous across taps).
            var segments = g.dilationWidth == 1 && g.filterWidth > 1 && packed.groups == 1
            for r in 0..<mr {
                let p = tile * mr + r < m ? tile * mr + r : tile * mr
                let ix = (p % g.outputWidth) * g.strideWidth - g.padLeft
                if ix < 0 || ix + g.filterWidth > g.inputWidth { segments = false }
            }
            rowSegments[tile] = segments ? 1 : 0
            if segments {
                for r in 0..<mr {
                    let p = tile * mr + r < m ? tile * mr + r : tile * mr
                    let ox = p % g.outputWidth, rest = p / g.outputWidth
                    let oy = rest % g.outputHeight, b = rest / g.outputHeight
                    let ix = ox * g.strideWidth - g.padLeft
                    for ky in 0..<g.filterHeight {
                        let iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight
                        indirection[(tile * taps + ky) * mr + r] = iy >= 0 && iy < g.inputHeight
                            ? input + ((b * g.inputHeight + iy) * g.inputWidth + ix) * cin : zero
                    }
                }
                continue
            }
            for r in 0..<mr {
                // Rows past M repeat the tile's first pixel (computed, never stored).
                let p = tile * mr + r < m ? tile * mr + r : tile * mr
                g.forEachTap(ofPixel: p) { t, inputPixel in
                    indirection[(tile * taps + t) * mr + r] = inputPixel.map { input + $0 * cin } ?? zero
                }
            }
        }
    }

    /// Set by `StoredActivationFusion` when the one node reading this
    /// convolution's output is a float32 HARD_SWISH: that node's loop,
    /// applied in place to each tile's outputs a tile behind the computation
    /// (`GEMMTiling.forEachTile`). The output tensor then
    /// holds the activation's result, and shares its memory with the
    /// activation's output.
    var outputActivation: FloatActivationLoop?

    func run(tiles: Range<Int>, worker: Int) {
        if computedByConsumer { return }
        guard let activation = outputActivation, let output else {
            compute(tiles: tiles, worker: worker, within: tiles)
            return
        }
        let m = self.m, n = self.n, width = packed.nr
        GEMMTiling.forEachTile(tiles, { compute(tiles: $0..<($0 &+ 1), worker: worker, within: tiles) }) { tile in
            tiling.forEachOutputRun(of: tile, m: m, n: n, panelWidth: width) { start, count in
                activation(output + start, output + start, count)
            }
        }
    }

    /// `tiles` of the range `within` that this call of `run` runs in order.
    private func compute(tiles: Range<Int>, worker: Int, within: Range<Int>) {
        // (`init` already caps `tiling.rows` at `maxRows`; the constant test
        // lets the flavours without seven-row tiles drop that path at compile time.)
        if FloatGEMM.maxRows == SevenRows.count && tiling.rows == SevenRows.count {
            run(tiles: tiles, worker: worker, within: within, SevenRows.self)
        } else {
            run(tiles: tiles, worker: worker, within: within, SixRows.self)
        }
    }

    @inline(__always)
    private func run<Rows: MicroTileRows>(tiles: Range<Int>, worker: Int, within: Range<Int>, _ rows: Rows.Type) {
        let workerScratch = scratch.unsafelyUnwrapped + worker &* scratchStride
        let mr = Rows.count
        for tile in tiles {
            let (panels, microTileRange) = tiling.ranges(of: tile)
            let rowRange = min(microTileRange.lowerBound &* mr, m)..<min(microTileRange.upperBound &* mr, m)
            // (Its share of the next panel group's weights, prefetched as it runs.)
            let ahead = tiling.nextGroupBytes(of: tile, in: within, panels: UnsafeRawPointer(packed.panel(0)),
                                              panelBytes: packed.k &* packed.nr &* MemoryLayout<Float>.size)
            run(panels, rowRange, Rows.self, scratch: workerScratch, output: output.unsafelyUnwrapped, firstRow: 0, ahead: ahead)
        }
    }

    /// Whether `compute(rows:into:scratch:)` takes whole rows of an output
    /// `width` pixels wide: any rows of the `.rows` source, and for other
    /// convolutions rows that start micro-tiles (their row tables are by
    /// micro-tile).
    func computesRows(ofWidth width: Int) -> Bool {
        if case .rows = source { return true }
        return width > 0 && width % tiling.rows == 0
    }

    /// Output rows `rows` (any rows of the `.rows` source: a 1×1
    /// convolution at stride 1 or a fully connected layer; rows from the
    /// start of a micro-tile for other convolutions) computed into
    /// `destination`, `n` floats a row from row `rows.lowerBound`, with the
    /// micro-kernels and panel order of `run` (the same values, bit for
    /// bit), the output activation not applied. `scratch`: a worker's area
    /// of `scratchBytesPerWorker` bytes. For a consumer that computes this
    /// node's output as it reads it (`ExpansionDepthwiseFusion`).
    func compute(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>, scratch: UnsafeMutableRawPointer) {
        // The last row alone when `run` computes it alone (on the one-row
        // micro-kernel, whose sums round differently).
        if m % tiling.rows == 1 && rows.count > 1 && rows.contains(m &- 1) {
            compute(rows: rows.lowerBound..<(m &- 1), into: destination, scratch: scratch)
            compute(rows: (m &- 1)..<m, into: destination + (m &- 1 &- rows.lowerBound) &* n, scratch: scratch)
            return
        }
        if FloatGEMM.maxRows == SevenRows.count && tiling.rows == SevenRows.count {
            run(0..<packed.panelCount, rows, SevenRows.self, scratch: scratch, output: destination, firstRow: rows.lowerBound)
        } else {
            run(0..<packed.panelCount, rows, SixRows.self, scratch: scratch, output: destination, firstRow: rows.lowerBound)
        }
    }

    /// Panels `panels` × rows `rowRange` (from a micro-tile's first row,
    /// except in `compute(rows:into:scratch:)`), row `r`'s outputs stored
    /// at `output + (r − firstRow) · n`. A last panel narrower than the
    /// others (`packed.tailColumns`) runs on the micro-kernel of its width.
    @inline(__always)
    private func run<Rows: MicroTileRows>(_ panels: Range<Int>, _ rowRange: Range<Int>, _ rows: Rows.Type,
                                          scratch: UnsafeMutableRawPointer, output: UnsafeMutablePointer<Float>, firstRow: Int,
                                          ahead: UnsafeRawBufferPointer? = nil) {
        let fullEnd = packed.tailColumns == packed.nr ? packed.panelCount : packed.panelCount &- 1
        let split = min(max(fullEnd, panels.lowerBound), panels.upperBound)
        if panels.lowerBound < split {
            run(panels.lowerBound..<split, rowRange, Rows.self, columns: packed.nr, scratch: scratch, output: output, firstRow: firstRow, ahead: ahead)
        }
        if split < panels.upperBound {
            // (The full panels' calls already ask for all of `ahead`.)
            run(split..<panels.upperBound, rowRange, Rows.self, columns: packed.tailColumns, scratch: scratch, output: output, firstRow: firstRow,
                ahead: panels.lowerBound < split ? nil : ahead)
        }
    }

    /// Panels `panels` × rows `rowRange` on the micro-kernel for panels of
    /// `columns` columns (one of `PackedFloatWeights.layout`'s).
    @inline(__always)
    private func run<Rows: MicroTileRows>(
        _ panels: Range<Int>, _ rowRange: Range<Int>, _ rows: Rows.Type, columns: Int,
        scratch: UnsafeMutableRawPointer, output: UnsafeMutablePointer<Float>, firstRow: Int, ahead: UnsafeRawBufferPointer? = nil
    ) {
        let lanes = FloatVector.scalarCount
        if columns == 2 &* lanes {
            run(panels, rowRange, Rows.self, WidePanel.self, scratch: scratch, output: output, firstRow: firstRow, ahead: ahead)
        } else if columns == lanes {
            run(panels, rowRange, Rows.self, NarrowPanel.self, scratch: scratch, output: output, firstRow: firstRow, ahead: ahead)
        } else if columns == 8 {
            run(panels, rowRange, Rows.self, QuarterPanel.self, scratch: scratch, output: output, firstRow: firstRow, ahead: ahead)
        } else {
            run(panels, rowRange, Rows.self, ThreeQuarterPanel.self, scratch: scratch, output: output, firstRow: firstRow, ahead: ahead)
        }
    }

    /// Panels `panels` × rows `rowRange` in groups of `Rows` rows, all
    /// with `Shape`'s width.
    @inline(__always)
    private func run<Rows: MicroTileRows, Shape: GEMMPanelShape>(
        _ panels: Range<Int>, _ rowRange: Range<Int>, _ rows: Rows.Type, _ shape: Shape.Type,
        scratch workerScratch: UnsafeMutableRawPointer, output: UnsafeMutablePointer<Float>, firstRow: Int,
        ahead: UnsafeRawBufferPointer? = nil
    ) {
        let mr = Rows.count, nr = Shape.columns
        // `ahead` spread over the full micro-kernel calls, a request per k step.
        let spread = GEMMTiling.prefetchSpread(ahead, calls: (rowRange.count &+ mr &- 1) / mr &* panels.count, steps: taps &* channels)
        var pf = spread?.start
        // Columns between panel starts (a narrow tail starts where a wide panel would).
        let panelStep = packed.nr
        let temp = workerScratch.assumingMemoryBound(to: Float.self)
        let rowPointers = (workerScratch + FloatGEMM.maxRows &* FloatGEMM.maxPanelWidth &* MemoryLayout<Float>.size)
            .assumingMemoryBound(to: UnsafePointer<Float>.self)
        let bounds = PanelBounds<Shape>(low, high)
        let input = self.input.unsafelyUnwrapped
        let indirection = self.indirection, rowSegments = self.rowSegments
        let filterRows = self.filterRows, segmentChannels = self.segmentChannels
        let m = self.m, n = self.n
        let panelsPerGroup = packed.panelsPerGroup, groupOutputs = packed.groupOutputs, groupChannels = self.channels
        var rowStride = 0
        if case let .rows(stride) = source { rowStride = stride }
        // A single panel (so one group) wider than N, but at most twice (11,
        // 22 or 24 outputs), stores its rows whole, not through `temp`, except in the
        // range's last micro-tile: the lanes past row r's N columns fall on
        // row r + 1 (at most N of them), which row r + 1's store writes next
        // (the micro-kernel stores its rows in order); those past the tile's
        // last row on the next micro-tile's first row, which comes after it.
        // No store leaves `rowRange`'s rows. NASNet-Mobile's 56 × 56 × 11 →
        // 11 layer spent a quarter of its time copying rows out of `temp`
        // (Zen 5).
        let wholeStores = packed.panelCount == 1 && nr <= 2 &* n
        // Micro-tiles outside, panels inside: a micro-tile's input rows (6 × K
        // floats, 12 KB at K = 512) stay in L1 while the tile's panels stream
        // from L2. Panels outside made every micro-tile read both from L2 (a
        // K = 512 panel alone is 32 KB, all of Zen 3's L1): median 0.93–0.94
        // of the time on MobileNetV1/V2 and ResNet-50 float32 (avx2, six
        // alternating rounds). Each output's arithmetic is unchanged.
        let rowEnd = rowRange.upperBound
        // A pointwise GEMM on a single one-vector panel (at most 16 outputs
        // in the sixteen-lane flavours) at K ≤ 512 runs two micro-tiles at a
        // time (`FloatGEMM.microKernel12`; same sums), storing in place where
        // the six-row tiles would (never the range's last rows unless the
        // panel is exactly N wide). One-op layers, Zen 5: 56²×11 → 11 0.0118
        // → 0.0085 ms, 112²×16 → 16 0.0517 → 0.0345, 112²×32 → 16 0.0825 →
        // 0.0623, 14²×512 → 16 0.0155 → 0.0134. (Sixteen-lane flavours only:
        // the eight-lane ones, with sixteen vector registers, were not measured.)
        var firstTile = rowRange.lowerBound
        let firstPanelColumns = min(nr, groupOutputs)
        if FloatVector.scalarCount == 16, Rows.count == SixRows.count, Shape.self == NarrowPanel.self, case .rows = source,
           packed.panelCount == 1, spread == nil,
           taps == 1, channels <= 512, firstPanelColumns == nr || wholeStores {
            let b = packed.panel(0), bias = packed.bias(0)
            let narrowBounds = unsafeBitCast(bounds, to: PanelBounds<NarrowPanel>.self)
            while firstTile &+ 12 < rowEnd || firstPanelColumns == nr && firstTile &+ 12 <= rowEnd {
                FloatGEMM.microKernel12(a: input + firstTile &* rowStride, rowStride: rowStride, channels: channels, b: b, bias: bias,
                                        c: output + (firstTile &- firstRow) &* n, ldc: n, bounds: narrowBounds)
                firstTile &+= 12
            }
        }
        for row in stride(from: firstTile, to: rowEnd, by: mr) {
            let rows = min(mr, rowEnd &- row)
            let a: UnsafePointer<UnsafePointer<Float>>
            var taps = self.taps, channels = self.channels
            if let indirection {
                // (Rows from a micro-tile's first: `computesRows(ofWidth:)`.)
                let microTile = row / mr
                a = UnsafePointer(indirection + microTile &* taps &* mr)
                if rowSegments.unsafelyUnwrapped[microTile] != 0 {
                    taps = filterRows
                    channels = segmentChannels
                }
            } else {
                for r in 0..<mr { rowPointers[r] = input + (r < rows ? row &+ r : row) &* rowStride }
                a = UnsafePointer(rowPointers)
            }
            for panel in panels {
                let b = packed.panel(panel), bias = packed.bias(panel)
                let group = panel / panelsPerGroup
                let groupColumn = (panel &- group &* panelsPerGroup) &* panelStep
                let column = group &* groupOutputs &+ groupColumn
                let columns = min(nr, groupOutputs &- groupColumn)
                // Input channels of the group (0 when not grouped).
                let offset = group &* groupChannels
                let c = output + ((row &- firstRow) &* n &+ column)
                if rows == mr && (columns == nr || wholeStores && row &+ mr < rowEnd) {
                    if let p = pf, let spread {
                        FloatGEMM.microKernel(Rows.self, shape, taps: taps, channels: channels, offset: offset, a: a, b: b, bias: bias, c: c, ldc: n, bounds: bounds,
                                              ahead: p, aheadStride: spread.stride)
                        pf = p + spread.perCall
                    } else {
                        FloatGEMM.microKernel(Rows.self, shape, taps: taps, channels: channels, offset: offset, a: a, b: b, bias: bias, c: c, ldc: n, bounds: bounds)
                    }
                } else if rows == 1 && row &+ 1 == m && m % mr == 1 {
                    // (The last row alone in its micro-tile: the one-row kernel, as
                    // `compute(rows:into:scratch:)` keeps it.)
                    if columns == nr {
                        FloatGEMM.microKernel1(Rows.self, shape, taps: taps, channels: channels, offset: offset, a: a, b: b, bias: bias, c: c, bounds: bounds)
                    } else {
                        FloatGEMM.microKernel1(Rows.self, shape, taps: taps, channels: channels, offset: offset, a: a, b: b, bias: bias, c: temp, bounds: bounds)
                        c.update(from: temp, count: columns)
                    }
                } else {
                    FloatGEMM.microKernel(Rows.self, shape, taps: taps, channels: channels, offset: offset, a: a, b: b, bias: bias, c: temp, ldc: nr, bounds: bounds)
                    for r in 0..<rows {
                        (c + r &* n).update(from: temp + r &* nr, count: columns)
                    }
                }
            }
        }
    }
}
