/// Register-blocked float GEMM used by the fast convolution and fully
/// connected kernels: C[M × N] = clamp(A[M × K] · B[K × N] + bias).
///
/// - B (the weights, stored as [N][K] rows: OHWI filters or FC weights) is
///   packed once per model into panels of one or two vectors of columns
///   (`PackedFloatWeights`), zero-padded past N.
/// - A is never copied: each micro-tile of `FloatGEMM.mr` output rows reads
///   its rows through pointers (one per row and per filter tap). Pointwise
///   convolutions and fully connected layers compute those pointers on the
///   fly; other convolutions use an indirection buffer built at bind, where
///   padding taps point to a row of zeros.
/// - The micro-kernel keeps `mr × 2` vector accumulators (6 × 32 floats with
///   16-lane vectors, 6 × 16 with 8 lanes), starts them at the bias and
///   clamps them (fused activation) when storing.
/// Panel width as a type, so the micro-kernels are specialised for it (a
/// `Bool` argument was not constant-folded when the kernel was not inlined).
protocol GEMMPanelShape {
    /// Two vectors per panel row (else one).
    static var wide: Bool { get }
}
enum WidePanel: GEMMPanelShape { static var wide: Bool { true } }
enum NarrowPanel: GEMMPanelShape { static var wide: Bool { false } }

enum FloatGEMM {
    /// Rows per micro-tile.
    static let mr = 6
    /// Columns per packed panel: two vectors ("wide"), or one vector when N
    /// fits in one ("narrow", e.g. a 16-channel convolution with 16 lanes).
    static func panelWidth(wide: Bool) -> Int { wide ? 2 &* FloatVector.scalarCount : FloatVector.scalarCount }
    /// The widest panel (scratch sizing).
    static var maxPanelWidth: Int { 2 &* FloatVector.scalarCount }

    /// One micro-tile: `mr` pointers per tap (`a[t * mr + r]`), `channels`
    /// values per tap, so K = taps × channels. `b` is the panel (K × nr),
    /// `bias` its nr biases. Writes a full mr × nr block to `c` (row stride
    /// `ldc`). `wide` must be a constant at the call site: it selects 2 or 1
    /// vectors per row, and the unused accumulators fold away.
    @_transparent
    static func microKernel<Shape: GEMMPanelShape>(
        _ shape: Shape.Type, taps: Int, channels: Int, a: UnsafePointer<UnsafePointer<Float>>, b: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, lo: FloatVector, hi: FloatVector
    ) {
        typealias V = FloatVector
        let w = V.scalarCount
        let wide = Shape.wide
        let bias0 = bias.loadVector(), bias1 = wide ? bias.loadVector(w) : V()
        var c00 = bias0, c01 = bias1, c10 = bias0, c11 = bias1, c20 = bias0, c21 = bias1
        var c30 = bias0, c31 = bias1, c40 = bias0, c41 = bias1, c50 = bias0, c51 = bias1
        var bp = b
        var ap = a
        let step = panelWidth(wide: wide)
        for _ in 0..<taps {
            let a0 = ap[0], a1 = ap[1], a2 = ap[2], a3 = ap[3], a4 = ap[4], a5 = ap[5]
            ap += 6
            for k in 0..<channels {
                let b0 = bp.loadVector()
                if wide {
                    let b1 = bp.loadVector(w)
                    var av = V(repeating: a0[k]); c00 = c00.multiplyAdd(av, b0); c01 = c01.multiplyAdd(av, b1)
                    av = V(repeating: a1[k]); c10 = c10.multiplyAdd(av, b0); c11 = c11.multiplyAdd(av, b1)
                    av = V(repeating: a2[k]); c20 = c20.multiplyAdd(av, b0); c21 = c21.multiplyAdd(av, b1)
                    av = V(repeating: a3[k]); c30 = c30.multiplyAdd(av, b0); c31 = c31.multiplyAdd(av, b1)
                    av = V(repeating: a4[k]); c40 = c40.multiplyAdd(av, b0); c41 = c41.multiplyAdd(av, b1)
                    av = V(repeating: a5[k]); c50 = c50.multiplyAdd(av, b0); c51 = c51.multiplyAdd(av, b1)
                } else {
                    c00 = c00.multiplyAdd(V(repeating: a0[k]), b0)
                    c10 = c10.multiplyAdd(V(repeating: a1[k]), b0)
                    c20 = c20.multiplyAdd(V(repeating: a2[k]), b0)
                    c30 = c30.multiplyAdd(V(repeating: a3[k]), b0)
                    c40 = c40.multiplyAdd(V(repeating: a4[k]), b0)
                    c50 = c50.multiplyAdd(V(repeating: a5[k]), b0)
                }
                bp += step
            }
        }
        // (A nested function capturing a `var row` made Swift box it: one
        // heap allocation per micro-tile. Explicit rows avoid that.)
        storeRow(Shape.self, c, c00, c01, lo, hi)
        storeRow(Shape.self, c + ldc, c10, c11, lo, hi)
        storeRow(Shape.self, c + 2 &* ldc, c20, c21, lo, hi)
        storeRow(Shape.self, c + 3 &* ldc, c30, c31, lo, hi)
        storeRow(Shape.self, c + 4 &* ldc, c40, c41, lo, hi)
        storeRow(Shape.self, c + 5 &* ldc, c50, c51, lo, hi)
    }

    @_transparent
    static func storeRow<Shape: GEMMPanelShape>(
        _ shape: Shape.Type, _ row: UnsafeMutablePointer<Float>, _ v0: FloatVector, _ v1: FloatVector,
        _ lo: FloatVector, _ hi: FloatVector
    ) {
        row.storeVector(v0.clamped(lo, hi))
        if Shape.wide { row.storeVector(v1.clamped(lo, hi), FloatVector.scalarCount) }
    }

    /// A micro-tile with a single row (fully connected with batch 1, the
    /// last row of an M edge): each output vector gets two accumulators
    /// (even and odd k) so four multiply-add chains are in flight.
    @_transparent
    static func microKernel1<Shape: GEMMPanelShape>(
        _ shape: Shape.Type, taps: Int, channels: Int, a: UnsafePointer<UnsafePointer<Float>>, b: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, lo: FloatVector, hi: FloatVector
    ) {
        typealias V = FloatVector
        let w = V.scalarCount
        let wide = Shape.wide
        var c0 = bias.loadVector(), c1 = wide ? bias.loadVector(w) : V()
        var d0 = V(), d1 = V()
        var bp = b
        var ap = a
        let step = panelWidth(wide: wide)
        let pairs = channels / 2
        for _ in 0..<taps {
            let a0 = ap[0]
            ap += 6
            var x = a0
            for _ in 0..<pairs {
                let xe = V(repeating: x[0]), xo = V(repeating: x[1])
                c0 = c0.multiplyAdd(xe, bp.loadVector())
                d0 = d0.multiplyAdd(xo, bp.loadVector(step))
                if wide {
                    c1 = c1.multiplyAdd(xe, bp.loadVector(w))
                    d1 = d1.multiplyAdd(xo, bp.loadVector(step &+ w))
                }
                x += 2
                bp += 2 &* step
            }
            if channels & 1 != 0 {
                let xe = V(repeating: x[0])
                c0 = c0.multiplyAdd(xe, bp.loadVector())
                if wide { c1 = c1.multiplyAdd(xe, bp.loadVector(w)) }
                bp += step
            }
        }
        c.storeVector((c0 + d0).clamped(lo, hi))
        if wide { c.storeVector((c1 + d1).clamped(lo, hi), w) }
    }
}

/// Weights [N][K] (and an optional bias [N]) packed for `FloatGEMM`:
/// `panelCount` panels of K × nr floats (column j of panel p is output
/// p·nr + j), zero past N; the bias padded to panelCount × nr.
/// Built once per model and shared by all interpreters through
/// `Model.sharedConstants`.
final class PackedFloatWeights: @unchecked Sendable {
    let n: Int
    let k: Int
    let panelCount: Int
    /// Two vectors per panel row (else one).
    let wide: Bool
    /// Columns per panel.
    let nr: Int
    private let storage: AlignedBuffer

    convenience init(weights: UnsafeRawPointer, n: Int, k: Int, bias: UnsafeRawPointer?, wide: Bool) {
        let w = weights.assumingMemoryBound(to: Float.self)
        let b = bias?.assumingMemoryBound(to: Float.self)
        self.init(n: n, k: k, wide: wide, weight: { row, kk in w[row * k + kk] }, bias: b.map { b in { b[$0] } })
    }

    /// Packs `weight(row, k)` for rows 0..<n (the [N][K] layout) and `bias(row)`.
    init(n: Int, k: Int, wide: Bool, weight: (_ row: Int, _ k: Int) -> Float, bias: ((Int) -> Float)?) {
        let nr = FloatGEMM.panelWidth(wide: wide)
        self.wide = wide
        self.nr = nr
        self.n = n
        self.k = k
        panelCount = (n + nr - 1) / nr
        let panelFloats = k * nr
        storage = AlignedBuffer(byteCount: (panelCount * panelFloats + panelCount * nr) * MemoryLayout<Float>.size)
        let out = storage.pointer.assumingMemoryBound(to: Float.self)
        for p in 0..<panelCount {
            let panel = out + p * panelFloats
            for j in 0..<min(nr, n - p * nr) {
                let row = p * nr + j
                for kk in 0..<k { panel[kk * nr + j] = weight(row, kk) }
            }
        }
        if let bias {
            let packedBias = out + panelCount * panelFloats
            for j in 0..<n { packedBias[j] = bias(j) }
        }
    }

    /// Panel `p` (K × nr floats).
    @inline(__always) func panel(_ p: Int) -> UnsafePointer<Float> {
        UnsafePointer(storage.pointer.assumingMemoryBound(to: Float.self)) + p &* k &* nr
    }
    /// The nr biases of panel `p`.
    @inline(__always) func bias(_ p: Int) -> UnsafePointer<Float> {
        UnsafePointer(storage.pointer.assumingMemoryBound(to: Float.self)) + (panelCount &* k &+ p) &* nr
    }

    /// The packed weights of a constant weights tensor (and bias), computed once per model.
    static func shared(ctx: PrepareContext, weightsInput: Int, biasInput: Int?, n: Int, k: Int) throws -> PackedFloatWeights? {
        let weights = try ctx.input(weightsInput)
        guard let w = weights.constant, weights.elementCount == n * k else { return nil }
        var biasPointer: UnsafeRawPointer?
        var biasKey = "none"
        if let biasInput, let bias = ctx.optionalInput(biasInput) {
            guard let b = bias.constant else { return nil }
            biasPointer = b
            biasKey = "\(ctx.node.inputs[biasInput])"
        }
        let wide = n > FloatVector.scalarCount
        let key = "packed-gemm-f32-nr\(FloatGEMM.panelWidth(wide: wide))-w\(ctx.node.inputs[weightsInput])-b\(biasKey)-\(n)x\(k)"
        return ctx.graph.model.sharedConstants.value(for: key) {
            PackedFloatWeights(weights: w, n: n, k: k, bias: biasPointer, wide: wide)
        }
    }
}

/// How the GEMM kernels split their work into tiles: a tile is a block of
/// `microTilesPerBlock` micro-tiles (of `FloatGEMM.mr` rows) × a group of
/// weight panels that fits in L2 (512 KiB), numbered panel-group-major so a
/// sequential run reuses the group's weights across all row blocks. Every
/// tile computes whole output values (K is never split).
struct GEMMTiling {
    static let microTilesPerBlock = 8
    let microTiles: Int, rowBlocks: Int, panelsPerGroup: Int, panelGroups: Int
    let panelCount: Int

    /// M rows; `panelBytes`: bytes of one packed panel.
    init(m: Int, panelCount: Int, panelBytes: Int) {
        self.panelCount = panelCount
        microTiles = (m + FloatGEMM.mr - 1) / FloatGEMM.mr
        rowBlocks = (microTiles + Self.microTilesPerBlock - 1) / Self.microTilesPerBlock
        panelsPerGroup = max(1, min(panelCount, (512 << 10) / max(panelBytes, 1)))
        panelGroups = (panelCount + panelsPerGroup - 1) / panelsPerGroup
    }

    var tileCount: Int { microTiles == 0 ? 0 : rowBlocks * panelGroups }

    /// Largest per-tap row table (⌈M / mr⌉ × mr × taps entries: pointers or
    /// offsets) a convolution may build; beyond it the reference kernel runs.
    static let maximumIndirectionEntries = 1 << 26

    /// Whether a convolution's row table fits `maximumIndirectionEntries`
    /// (sizes come from the file, so they are checked before allocating).
    static func indirectionFits(m: Int, taps: Int) -> Bool {
        let tiles = (m + FloatGEMM.mr - 1) / FloatGEMM.mr
        let (rows, o1) = tiles.multipliedReportingOverflow(by: FloatGEMM.mr)
        let (entries, o2) = rows.multipliedReportingOverflow(by: taps)
        return !o1 && !o2 && entries <= maximumIndirectionEntries
    }

    /// The weight panels and micro-tiles of `tile`.
    @inline(__always)
    func ranges(of tile: Int) -> (panels: Range<Int>, microTiles: Range<Int>) {
        let group = tile / rowBlocks, block = tile % rowBlocks
        let panelStart = group &* panelsPerGroup
        let tileStart = block &* Self.microTilesPerBlock
        return (panelStart..<min(panelStart &+ panelsPerGroup, panelCount),
                tileStart..<min(tileStart &+ Self.microTilesPerBlock, microTiles))
    }
}

/// Fast float32 convolution / fully connected layer on `FloatGEMM`.
///
/// Rows of A are output pixels (N·OH·OW) or batch rows; K = taps × input
/// channels. Tiles are (block of `microTilesPerBlock` micro-tiles) × (group
/// of weight panels that fits in L2), ordered panel-group-major so a
/// sequential run reuses the group's weights across all row blocks; every
/// tile computes whole output values (K is never split).
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
    /// [microTile][tap][mr] input row pointers (convolution source only).
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

    init(ctx: PrepareContext, source: Source, m: Int, n: Int, taps: Int, channels: Int,
         packed: PackedFloatWeights, activation: FusedActivation) {
        self.source = source
        self.m = m
        self.n = n
        self.taps = taps
        self.channels = channels
        self.packed = packed
        (low, high) = activation.floatRange
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
        tiling = GEMMTiling(m: m, panelCount: packed.panelCount, panelBytes: taps * channels * packed.nr * MemoryLayout<Float>.size)
        let microTiles = tiling.microTiles
        if case let .convolution(g, _) = source {
            filterRows = g.filterHeight
            segmentChannels = g.filterWidth * channels
        } else {
            filterRows = 1
            segmentChannels = channels
        }
        if case .convolution = source, m > 0 {
            indirection = .allocate(capacity: microTiles * taps * FloatGEMM.mr)
            rowSegments = .allocate(capacity: microTiles)
            rowSegments?.initialize(repeating: 0, count: microTiles)
            zeroRow = .allocate(capacity: max(segmentChannels, 1))
            zeroRow?.initialize(repeating: 0, count: max(segmentChannels, 1))
        }
    }

    deinit {
        indirection?.deallocate()
        rowSegments?.deallocate()
        zeroRow?.deallocate()
    }

    var tileCount: Int { tiling.tileCount }
    var cost: Int { m * n * taps * channels }
    var scratchBytesPerWorker: Int {
        (FloatGEMM.mr * FloatGEMM.maxPanelWidth) * MemoryLayout<Float>.size + FloatGEMM.mr * MemoryLayout<UnsafePointer<Float>>.size
    }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(inputIndex, as: Float.self))
        output = memory.pointer(outputIndex, as: Float.self)
        scratch = memory.scratch
        guard case let .convolution(g, cin) = source, let indirection, let zeroRow, let rowSegments else { return }
        let mr = FloatGEMM.mr
        let zero = UnsafePointer(zeroRow)
        for tile in 0..<microTiles {
            // Row-segment mode when every pixel's taps stay inside along x.
            var segments = g.dilationWidth == 1 && g.filterWidth > 1
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

    func run(tiles: Range<Int>, worker: Int) {
        if packed.wide { run(tiles, worker: worker, WidePanel.self) } else { run(tiles, worker: worker, NarrowPanel.self) }
    }

    @inline(__always)
    private func run<Shape: GEMMPanelShape>(_ tiles: Range<Int>, worker: Int, _ shape: Shape.Type) {
        let mr = FloatGEMM.mr, nr = FloatGEMM.panelWidth(wide: Shape.wide)
        let workerScratch = scratch + worker &* scratchBytesPerWorker
        let temp = workerScratch.assumingMemoryBound(to: Float.self)
        let rowPointers = (workerScratch + mr &* FloatGEMM.maxPanelWidth &* MemoryLayout<Float>.size)
            .assumingMemoryBound(to: UnsafePointer<Float>.self)
        let lo = FloatVector(repeating: low), hi = FloatVector(repeating: high)
        let input = self.input.unsafelyUnwrapped, output = self.output.unsafelyUnwrapped
        let indirection = self.indirection, rowSegments = self.rowSegments
        let filterRows = self.filterRows, segmentChannels = self.segmentChannels
        let m = self.m, n = self.n
        var rowStride = 0
        if case let .rows(stride) = source { rowStride = stride }
        for tile in tiles {
            let (panels, microTileRange) = tiling.ranges(of: tile)
            for panel in panels {
                let b = packed.panel(panel), bias = packed.bias(panel)
                let column = panel &* nr
                let columns = min(nr, n &- column)
                for microTile in microTileRange {
                    let row = microTile &* mr
                    let rows = min(mr, m &- row)
                    let a: UnsafePointer<UnsafePointer<Float>>
                    var taps = self.taps, channels = self.channels
                    if let indirection {
                        a = UnsafePointer(indirection + microTile &* taps &* mr)
                        if rowSegments.unsafelyUnwrapped[microTile] != 0 {
                            taps = filterRows
                            channels = segmentChannels
                        }
                    } else {
                        for r in 0..<mr { rowPointers[r] = input + (r < rows ? row &+ r : row) &* rowStride }
                        a = UnsafePointer(rowPointers)
                    }
                    let c = output + (row &* n &+ column)
                    if rows == mr && columns == nr {
                        FloatGEMM.microKernel(shape, taps: taps, channels: channels, a: a, b: b, bias: bias, c: c, ldc: n, lo: lo, hi: hi)
                    } else if rows == 1 {
                        if columns == nr {
                            FloatGEMM.microKernel1(shape, taps: taps, channels: channels, a: a, b: b, bias: bias, c: c, lo: lo, hi: hi)
                        } else {
                            FloatGEMM.microKernel1(shape, taps: taps, channels: channels, a: a, b: b, bias: bias, c: temp, lo: lo, hi: hi)
                            c.update(from: temp, count: columns)
                        }
                    } else {
                        FloatGEMM.microKernel(shape, taps: taps, channels: channels, a: a, b: b, bias: bias, c: temp, ldc: nr, lo: lo, hi: hi)
                        for r in 0..<rows {
                            (c + r &* n).update(from: temp + r &* nr, count: columns)
                        }
                    }
                }
            }
        }
    }
}
