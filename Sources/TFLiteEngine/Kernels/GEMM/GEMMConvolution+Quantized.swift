/// Fast quantized (int8 / uint8) CONV_2D and FULLY_CONNECTED, with results
/// bit-identical to TFLite's integer reference arithmetic, on one of two
/// exact formulations chosen by the build flavour:
///
/// - **Integer quads** (`IntegerGEMM.quadMicroKernel`, the AVX-512 VNNI
///   flavour, int8: `vpdpbusd`): A rows gathered as bytes `x + 128`, the
///   column sums of the weights correct for the 128 (see `IntegerGEMM`).
/// - **Integer pairs** (`IntegerGEMM`, the AVX2 flavours: `vpmaddwd`): A rows are
///   gathered as int16 `x + inputOffset`, the weights are widened from bytes
///   on load, products of pairs are summed in wrapping Int32 like the
///   reference's accumulator. uint8 weights are kept raw (0…255) and the
///   filter offset is added afterwards as `filterOffset · Σ_k (x + inputOffset)`
///   per row (a ring identity, so no bit changes).
/// - **Exact float** (portable and fma flavours: the float GEMM micro-kernel):
///   every product (x + inputOffset)·(w + filterOffset) is an integer of
///   magnitude ≤ 255 · 255 and float32 holds every integer up to 2^24
///   exactly, so as long as no partial sum can exceed that bound each
///   multiply-add is exact and the order does not matter. K is split into
///   chunks with |partial sum| ≤ 2^22 (the bound of the exact float→int
///   conversion used), each chunk's accumulators are converted to Int32 and
///   added up in integer arithmetic.
///
/// Then the int32 bias and per-channel requantization (`ChannelRequantization`).
///
/// Memory: the weights are packed once per model as bytes, one per weight, in
/// every flavour (`PackedQuantizedWeights`). The float path widens one panel
/// at a time into the worker's scratch, where it serves all the tile's
/// output pixels.
///
/// Layout: a tile is a block of micro-tiles × a group of panels
/// (`GEMMTiling`). The tile's input rows are gathered once (a convolution's
/// taps computed from its geometry; padding taps read as 0, which is what the
/// reference's skipped taps contribute) into a block in the worker's
/// scratch, then each panel runs over every micro-tile of the block.
final class GEMMConvolutionQuantized: Kernel {
    /// Int8 elements (else UInt8).
    let signed: Bool
    let m: Int, n: Int, taps: Int, channels: Int
    /// K = taps × channels.
    let k: Int
    /// How the products are summed (exact float in chunks of `chunk` steps, ≥ 1).
    let arithmetic: Arithmetic
    var integer: Bool { arithmetic != .exactFloat }
    let chunk: Int
    /// Quads: `(inputOffset − 128) · Σ_k w` per column, zero past N.
    private let columnCorrections: UnsafeMutablePointer<Int32>?
    /// The per-node set-up shared by every interpreter of the model
    /// (`SharedSetup`); owns `columnCorrections` and `requantization`.
    let setup: SharedSetup
    let packed: PackedQuantizedWeights
    let requantization: ChannelRequantization
    /// The output stage in doubles (`SharedSetup.exactRequantization`), or nil.
    let exactRequantization: ExactDoubleRequantization?
    /// The same stage checked on each whole micro-tile of the quads
    /// (`SharedSetup.checkedRequantization`), or nil.
    let checkedRequantization: ExactDoubleRequantization?
    /// The bias is computed at run time (not folded into `requantization`).
    let runtimeBias: Bool
    let inputOffset: Int32, filterOffset: Int32
    let operands: FilteredOperands
    /// Row stride of A in the input (pointwise convolution, fully connected).
    let rowStride: Int
    /// The convolution's geometry, from which `gatherRow` computes each
    /// row's taps (nil for rows: pointwise convolution, fully connected).
    /// (A table of every row's tap offsets was MobileNetV2 int8's first
    /// layer: 0.45 MB of its peak RSS; issue 14.)
    private let geometry: ConvGeometry?
    let tiling: GEMMTiling
    /// Gathered rows per tile (its micro-tiles × mr) and values per gathered row.
    let blockRows: Int, rowLength: Int
    /// Elements in the input: the pairs gather reads 16 at a time only below it.
    let inputCount: Int
    /// Whether a filter row's taps are adjacent in the input when they are
    /// inside it (convolution with dilation width 1).
    let filterRowsContiguous: Bool
    /// The direct form of a convolution over a small input (integer
    /// arithmetic): the micro-kernel reads a padded copy of the input instead
    /// of gathered rows (`InputPlaneConvolution`); nil for the gather.
    let direct: InputPlaneConvolution?

    var input: UnsafeRawPointer!
    var bias: UnsafePointer<Int32>?
    var output: UnsafeMutableRawPointer!
    var scratch: UnsafeMutableRawPointer!

    /// Set by `ConvolutionPoolFusion` when a MAX_POOL_2D alone reads this
    /// convolution's output: each output's Int32 sum with its bias is kept
    /// here (M rows of `accumulatorStride`) instead of being requantized, and
    /// the pool requantizes the maximum of each window (the output stage is
    /// non-decreasing, so that is the maximum of the requantized values).
    /// The output tensor is then not written.
    private(set) var pooledAccumulators: UnsafeMutablePointer<Int32>?
    /// Int32 values per row of `pooledAccumulators` (N rounded up to whole panels).
    var accumulatorStride: Int { packed.panelCount &* packed.nr }
    /// Largest `pooledAccumulators` kept (a larger convolution is not fused).
    static let maximumPooledAccumulatorBytes = 4 << 20

    /// Whether the pool may take the maximum before the output stage: the
    /// bias is constant and no channel shifts its sum left (a left shift
    /// wraps in Int32, which could reorder values), so the output stage is
    /// non-decreasing in the sum.
    var canRequantizeAfterMaxPool: Bool {
        guard !runtimeBias, m > 0, n > 0 else { return false }
        let (values, o1) = m.multipliedReportingOverflow(by: accumulatorStride)
        let (bytes, o2) = values.multipliedReportingOverflow(by: 4)
        guard !o1, !o2, bytes <= Self.maximumPooledAccumulatorBytes else { return false }
        let shifts = requantization.tables.leftShifts
        for c in 0..<n where shifts[c] != 0 { return false }
        return true
    }

    /// Bytes of `pooledAccumulators` (M rows of `accumulatorStride` Int32).
    var pooledAccumulatorBytes: Int { m &* accumulatorStride &* 4 }

    /// The kept sums, written instead of the output tensor.
    var substitutedTraffic: (tensor: Int, bytes: Int)? {
        pooledAccumulators == nil ? nil : (operands.output, pooledAccumulatorBytes)
    }

    /// Starts (`true`) or stops keeping the sums for a fused pool.
    func keepAccumulatorsForPool(_ keep: Bool) {
        if keep {
            guard pooledAccumulators == nil else { return }
            let count = m &* accumulatorStride
            let buffer = UnsafeMutablePointer<Int32>.allocate(capacity: count)
            buffer.initialize(repeating: 0, count: count)
            pooledAccumulators = buffer
        } else {
            pooledAccumulators?.deallocate()
            pooledAccumulators = nil
        }
    }

    deinit { pooledAccumulators?.deallocate() }

    /// Set by `StoredActivationFusion` when the one node reading this
    /// convolution's output is a byte-table activation (HARD_SWISH, a
    /// swish MUL, LOGISTIC, …): its 256-entry table, applied to each tile's
    /// outputs in place soon after the tile is stored, so the activation
    /// is not another pass over memory (nor, on several threads, another
    /// node to wait for). The output tensor then holds the activation's
    /// result, and shares its memory with the activation's output.
    var outputTable: ByteTable?

    /// `body` for each of `tiles` in order, and `outputTable` over each
    /// tile's outputs a tile behind (`GEMMTiling.forEachTile`).
    @inline(__always)
    func forEachTile(_ tiles: Range<Int>, _ body: (Int) -> Void) {
        guard let table = outputTable, let output else {
            for tile in tiles { body(tile) }
            return
        }
        let m = self.m, n = self.n, width = packed.nr
        GEMMTiling.forEachTile(tiles, body) { tile in
            tiling.forEachOutputRun(of: tile, m: m, n: n, panelWidth: width) { start, count in
                table.lookup(output + start, output + start, count: count)
            }
        }
    }

    enum Source {
        case rows(stride: Int)
        case convolution(ConvGeometry)
    }

    enum Arithmetic {
        case exactFloat, pairs, quads
    }

    /// Tests only: the arithmetic new kernels use (the integer ones also
    /// where `IntegerSIMD` is not the hardware: its plain-Swift forms), to
    /// check every kernel in every flavour.
    nonisolated(unsafe) static var arithmeticForTesting: Arithmetic?

    /// The arithmetic of a new int8 (`signed`) or uint8 kernel in this build.
    static func arithmetic(signed: Bool) -> Arithmetic {
        let preferred = arithmeticForTesting ?? (IntegerSIMD.hasDotBytes ? .quads : IntegerSIMD.isNative ? .pairs : .exactFloat)
        return preferred == .quads && !signed ? .pairs : preferred
    }

    /// Whether new kernels use integer multiply-add.
    static var usesIntegerKernels: Bool { arithmetic(signed: true) != .exactFloat }

    /// The kernel for a constant, non-grouped filter of shape [N][taps·channels]
    /// (OHWI convolution filter or FC weights), or nil when the reference
    /// kernel should run (non-constant filter, oversized offset table, empty
    /// input or output: see `PrepareContext.hasEmptyInputOrOutput`).
    static func make(ctx: PrepareContext, source: Source, m: Int, n: Int, taps: Int, channels: Int,
                     quantization q: ConvolutionQuantization, signed: Bool) throws -> GEMMConvolutionQuantized? {
        guard try !ctx.hasEmptyInputOrOutput() else { return nil }
        if case .convolution = source {
            // `gatherRow` divides pixel indices below M in 32 bits.
            guard GEMMTiling.indirectionFits(m: m, rows: IntegerGEMM.mr, taps: taps) else { return nil }
        }
        let filter = try ctx.input(1)
        let (k, kOverflow) = taps.multipliedReportingOverflow(by: channels)
        let (nk, nkOverflow) = n.multipliedReportingOverflow(by: k)
        guard !kOverflow, !nkOverflow, let weights = filter.constant, filter.elementCount == nk else { return nil }
        let arithmetic = arithmetic(signed: signed)
        let nr: Int, group: Int
        switch arithmetic {
        case .exactFloat: (nr, group) = (FloatGEMM.panelWidth(wide: n > FloatVector.scalarCount), 1)
        case .pairs: (nr, group) = (IntegerGEMM.nr, 2)
        case .quads: (nr, group) = (IntegerGEMM.quadColumns, 4)
        }
        let fOff = q.filterOffset
        let key = SharedConstantKey("packed-gemm-q", [signed ? 1 : 0, group, nr, ctx.node.inputs[1], Int(fOff), n, k])
        let packed = try ctx.graph.sharedConstants.value(for: key) {
            try PackedQuantizedWeights(weights: weights, n: n, k: k, nr: nr, group: group, signed: signed, offset: fOff)
        }
        // Everything else derived from the model's constants and this node's
        // shapes, once per model: a second interpreter only looks it up.
        let setup = SharedSetup.shared(ctx: ctx, n: n, k: k, arithmetic: arithmetic, packed: packed, q: q, weights: weights)
        var chunk = max(k, 1)
        if arithmetic == .exactFloat {
            // Largest |x + inputOffset| over the element type's range, and |w + filterOffset| over the filter.
            let elementRange: (Int32, Int32) = signed ? (-128, 127) : (0, 255)
            let maxInput = max(abs(elementRange.0 &+ q.inputOffset), abs(elementRange.1 &+ q.inputOffset))
            let product = Int(maxInput) * Int(packed.largestMagnitude)
            chunk = product == 0 ? max(k, 1) : max(1, min(max(k, 1), (1 << 22) / product))
        }
        return GEMMConvolutionQuantized(
            ctx: ctx, source: source, m: m, n: n, taps: taps, channels: channels, arithmetic: arithmetic, chunk: chunk,
            packed: packed, setup: setup, q: q, signed: signed, inputCount: try ctx.input(0).elementCount)
    }

    private init(ctx: PrepareContext, source: Source, m: Int, n: Int, taps: Int, channels: Int, arithmetic: Arithmetic, chunk: Int,
                 packed: PackedQuantizedWeights, setup: SharedSetup, q: ConvolutionQuantization, signed: Bool, inputCount: Int) {
        self.signed = signed
        self.inputCount = inputCount
        self.m = m
        self.n = n
        self.taps = taps
        self.channels = channels
        k = taps * channels
        self.arithmetic = arithmetic
        self.chunk = chunk
        let integer = arithmetic != .exactFloat
        self.setup = setup
        columnCorrections = setup.columnCorrections
        self.packed = packed
        runtimeBias = setup.runtimeBias
        requantization = setup.requantization
        exactRequantization = setup.exactRequantization
        checkedRequantization = setup.checkedRequantization
        inputOffset = q.inputOffset
        filterOffset = q.filterOffset
        operands = FilteredOperands(ctx)
        let mr = IntegerGEMM.mr
        // Panel bytes as the micro-kernel reads them (floats after widening).
        tiling = GEMMTiling(m: m, rows: IntegerGEMM.mr, panelCount: packed.panelCount,
                            panelBytes: packed.panelBytes * (integer ? 1 : MemoryLayout<Float>.size),
                            cost: m &* n &* k, minimumPanelsPerGroup: GEMMTiling.quantizedMinimumPanelsPerGroup)
        let microTiles = tiling.microTiles
        blockRows = min(GEMMTiling.microTilesPerBlock, max(microTiles, 1)) * mr
        rowLength = packed.depth
        switch source {
        case let .rows(stride): (rowStride, geometry, filterRowsContiguous) = (stride, nil, false)
        case let .convolution(g): (rowStride, geometry, filterRowsContiguous) = (0, g, g.dilationWidth == 1)
        }
        if case let .convolution(g) = source, arithmetic != .exactFloat {
            // Once per model and geometry: its widened filter and pixel
            // offsets were a tenth of a second interpreter's set-up time.
            let quads = arithmetic == .quads
            let key = SharedConstantKey("input-plane", [
                ctx.node.inputs[1], signed ? 1 : 0, quads ? 1 : 0, Int(q.filterOffset), n, channels,
                g.batches, g.inputHeight, g.inputWidth, g.filterHeight, g.filterWidth,
                g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft,
                g.outputHeight, g.outputWidth])
            // (Nil, where the direct form does not apply, is kept too; nothing
            // in it changes after init, so interpreters share it.)
            direct = ctx.graph.sharedConstants.sharedValue(for: key) {
                InputPlaneConvolution(geometry: g, channels: channels, m: m, n: n, packed: packed, signed: signed,
                                      filterOffset: q.filterOffset, quads: quads)
            }
        } else {
            direct = nil
        }
    }

    var tileCount: Int { tiling.tileCount }
    var cost: Int { m * n * k }

    /// Per worker: the gathered block (blockRows × rowLength Int16, bytes or
    /// floats, plus 16 values the integer gathers may write past it), the widened panel (float path), the Int32 tile and the float
    /// tile (mr × nr each), the row sums, mr row pointers, nr zero biases,
    /// and an mr × nr staging block of output bytes.
    private static func aligned(_ bytes: Int) -> Int { (bytes + 63) & ~63 }
    private var blockBytes: Int {
        direct != nil ? 0 : Self.aligned(arithmetic == .exactFloat ? blockRows * rowLength * 4
                     : arithmetic == .pairs ? (blockRows * rowLength + Self.gatherChunk) * 2 : blockRows * rowLength + Self.gatherChunk)
    }
    private var panelBytes: Int { integer ? 0 : Self.aligned(packed.panelBytes * 4) }
    private var tileBytes: Int { IntegerGEMM.mr * packed.nr * 4 }
    private var rowSumBytes: Int { Self.aligned(blockRows * 4) }
    private var pointerBytes: Int { IntegerGEMM.mr * MemoryLayout<UnsafePointer<Float>>.size }
    private var planeBytes: Int { Self.aligned(direct?.planeBytes ?? 0) }
    var scratchBytesPerWorker: Int {
        blockBytes + panelBytes + 2 * tileBytes + rowSumBytes + pointerBytes + packed.nr * 4 + planeBytes + IntegerGEMM.mr * packed.nr
    }

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(operands.input))
        bias = operands.bias.map { UnsafePointer(memory.pointer($0, as: Int32.self)) }
        output = memory.raw(operands.output)
        scratch = memory.scratch
    }

    func run(tiles: Range<Int>, worker: Int) {
        switch arithmetic {
        case .quads:
            computeQuads(tiles, worker: worker)
            return
        case .pairs:
            if let direct {
                if signed { computeDirect(tiles, worker: worker, Int8.self, direct) } else { computeDirect(tiles, worker: worker, UInt8.self, direct) }
                return
            }
            if narrowRows {
                computeNarrowRows(tiles, worker: worker)
            } else if signed {
                computeInteger(tiles, worker: worker, Int8.self)
            } else {
                computeInteger(tiles, worker: worker, UInt8.self)
            }
            return
        case .exactFloat: break
        }
        switch (signed, packed.nr > FloatVector.scalarCount) {
        case (true, true): computeFloat(tiles, worker: worker, Int8.self, WidePanel.self)
        case (true, false): computeFloat(tiles, worker: worker, Int8.self, NarrowPanel.self)
        case (false, true): computeFloat(tiles, worker: worker, UInt8.self, WidePanel.self)
        case (false, false): computeFloat(tiles, worker: worker, UInt8.self, NarrowPanel.self)
        }
    }

    /// The worker's scratch regions.
    struct Scratch {
        let block: UnsafeMutableRawPointer
        let panel: UnsafeMutablePointer<Float>
        let intTile: UnsafeMutablePointer<Int32>
        let floatTile: UnsafeMutablePointer<Float>
        let rowSums: UnsafeMutablePointer<Int32>
        let rowPointers: UnsafeMutablePointer<UnsafePointer<Float>>
        let zeroBias: UnsafeMutablePointer<Float>
        /// The direct form's widened input (`InputPlaneConvolution`).
        let plane: UnsafeMutableRawPointer
        let staging: UnsafeMutableRawPointer
    }

    @inline(__always)
    func scratch(worker: Int) -> Scratch {
        var p = scratch.unsafelyUnwrapped + worker &* scratchStride
        func take(_ bytes: Int) -> UnsafeMutableRawPointer { defer { p += bytes }; return p }
        let block = take(blockBytes)
        let panel = take(panelBytes).assumingMemoryBound(to: Float.self)
        let intTile = take(tileBytes).assumingMemoryBound(to: Int32.self)
        let floatTile = take(tileBytes).assumingMemoryBound(to: Float.self)
        let rowSums = take(rowSumBytes).assumingMemoryBound(to: Int32.self)
        let rowPointers = take(pointerBytes).assumingMemoryBound(to: UnsafePointer<Float>.self)
        let zeroBias = take(packed.nr * 4).assumingMemoryBound(to: Float.self)
        let plane = take(planeBytes)
        return Scratch(block: block, panel: panel, intTile: intTile, floatTile: floatTile, rowSums: rowSums,
                       rowPointers: rowPointers, zeroBias: zeroBias, plane: plane, staging: p)
    }

    /// The output pixel of a convolution's gathered row as image, row and
    /// column: found once per micro-tile (`firstPixel`), then stepped row by
    /// row (`next`) without divisions.
    struct GatherPixel {
        var b = 0, oy = 0, ox = 0
    }

    /// The pixel of micro-tile `microTile`'s first row (a convolution's; zero for rows).
    @inline(__always)
    private func firstPixel(microTile: Int) -> GatherPixel {
        guard let g = geometry else { return GatherPixel() }
        // M ≤ `GEMMTiling.maximumIndirectionEntries` (`make`): 32-bit divisions.
        let p = microTile &* IntegerGEMM.mr
        let pixelRow = Int(UInt32(truncatingIfNeeded: p) / UInt32(truncatingIfNeeded: g.outputWidth))
        let b = g.batches == 1 ? 0 : Int(UInt32(truncatingIfNeeded: pixelRow) / UInt32(truncatingIfNeeded: g.outputHeight))
        return GatherPixel(b: b, oy: pixelRow &- b &* g.outputHeight, ox: p &- pixelRow &* g.outputWidth)
    }

    /// The pixel after `pixel` (a convolution's).
    @inline(__always)
    private func next(_ pixel: GatherPixel) -> GatherPixel {
        guard let g = geometry else { return pixel }
        var q = pixel
        q.ox &+= 1
        if q.ox == g.outputWidth {
            q.ox = 0
            q.oy &+= 1
            if q.oy == g.outputHeight { q.oy = 0; q.b &+= 1 }
        }
        return q
    }

    /// Gathers row `r` of micro-tile `microTile` (k values, see `GatheredValue`)
    /// into `dst`; for a convolution, that of output pixel `pixel` (`firstPixel`
    /// stepped `r` times; rows past M repeat the tile's first pixel: computed,
    /// never stored).
    @inline(__always)
    private func gatherRow<E: QuantizedElement, D: GatheredValue>(
        _ dst: UnsafeMutablePointer<D>, microTile: Int, r: Int, pixel: GatherPixel, tileStart: GatherPixel,
        input: UnsafePointer<E>
    ) {
        let inOff = inputOffset, k = self.k
        if let g = geometry {
            let at = microTile &* IntegerGEMM.mr &+ r < m ? pixel : tileStart
            let b = at.b, oy = at.oy, ox = at.ox
            let x0 = ox &* g.strideWidth &- g.padLeft, y0 = oy &* g.strideHeight &- g.padTop
            let width = g.inputWidth, height = g.inputHeight, imageRow = b &* height
            let channels = self.channels, fw = g.filterWidth, rowValues = fw &* channels
            let fh = g.filterHeight
            if filterRowsContiguous, x0 >= 0, x0 &+ fw <= width, y0 >= 0, y0 &+ (fh &- 1) &* g.dilationHeight < height {
                // The whole window is inside the input (most rows): each
                // filter row is one run of filterWidth × channels values,
                // copied without bounds per tap (the first convolution of
                // image models: one or three channels, 3 or 9 values a row).
                let rowStep = g.dilationHeight &* width &* channels
                var offset = ((imageRow &+ y0) &* width &+ x0) &* channels
                var d = dst
                for _ in 0..<fh {
                    widenRun(d, from: input, offset: offset, count: rowValues)
                    offset &+= rowStep
                    d += rowValues
                }
                return
            }
            let padding = D.padding(inputOffset: inOff)
            var d = dst
            if filterRowsContiguous {
                // The taps of a filter row inside the input are kx in
                // inside..<end, adjacent in the input: one run, padding
                // either side. (Written in order: `widenRun` may write past
                // its run, into values written after it.)
                let inside = min(max(-x0, 0), fw), end = max(min(width &- x0, fw), inside)
                let before = inside &* channels, runValues = (end &- inside) &* channels
                for ky in 0..<fh {
                    let iy = y0 &+ ky &* g.dilationHeight
                    if iy < 0 || iy >= height || runValues == 0 {
                        d.update(repeating: padding, count: rowValues)
                    } else {
                        d.update(repeating: padding, count: before)
                        widenRun(d + before, from: input,
                                 offset: ((imageRow &+ iy) &* width &+ x0 &+ inside) &* channels, count: runValues)
                        (d + (before &+ runValues)).update(repeating: padding, count: rowValues &- before &- runValues)
                    }
                    d += rowValues
                }
            } else {
                for ky in 0..<g.filterHeight {
                    let iy = y0 &+ ky &* g.dilationHeight
                    let rowInside = iy >= 0 && iy < height
                    for kx in 0..<fw {
                        let ix = x0 &+ kx &* g.dilationWidth
                        if rowInside && ix >= 0 && ix < width {
                            widenRun(d, from: input, offset: ((imageRow &+ iy) &* width &+ ix) &* channels, count: channels)
                        } else {
                            d.update(repeating: padding, count: channels)
                        }
                        d += channels
                    }
                }
            }
        } else {
            let row = microTile &* IntegerGEMM.mr
            widenRun(dst, from: input, offset: (row &+ r < m ? row &+ r : row) &* rowStride, count: k)
        }
    }

    /// Copies `count` input values from `input + offset` to `dst` as
    /// `GatheredValue`s (the input offset added): for Int16, 16 per step while
    /// 16 can be read inside the input, the last step writing past the run —
    /// those values belong to later taps or rows of the block (gathered after
    /// this one) or to its 16-value slack (see `blockBytes`) — and the rest
    /// one by one. (Short runs — a filter row of a few channels, the K = 16–32
    /// rows of small pointwise layers — took the compiler's scalar remainder
    /// loop each before.)
    @inline(__always)
    private func widenRun<E: QuantizedElement, D: GatheredValue>(
        _ dst: UnsafeMutablePointer<D>, from input: UnsafePointer<E>, offset: Int, count: Int
    ) {
        let inOff = inputOffset
        var c = 0
        if D.self == Int16.self {
            let dRaw = UnsafeMutableRawPointer(dst), sRaw = UnsafeRawPointer(input)
            let offsetVector = SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: inOff))
            while c < count && offset &+ c &+ Self.gatherChunk <= inputCount {
                Self.widenChunk(E.self, sRaw, at: offset &+ c, into: dRaw, at: c, offsetVector)
                c &+= Self.gatherChunk
            }
        } else if D.self == UInt8.self && E.self == Int8.self {
            // The quads' bytes x + 128 (int8 x): the sign bit flipped, 64
            // at a time inside the run (VGG16 int8's 3×3 layers spent 13% of
            // their time here 16 at a time; Zen 4), then 16 at a time.
            let dRaw = UnsafeMutableRawPointer(dst), sRaw = UnsafeRawPointer(input)
            let flip = SIMD16<UInt8>(repeating: 0x80), wideFlip = SIMD8<UInt64>(repeating: 0x8080_8080_8080_8080)
            while c &+ 64 <= count && offset &+ c &+ 64 <= inputCount {
                dRaw.storeBytes(of: sRaw.loadUnaligned(fromByteOffset: offset &+ c, as: SIMD8<UInt64>.self) ^ wideFlip,
                                toByteOffset: c, as: SIMD8<UInt64>.self)
                c &+= 64
            }
            while c < count && offset &+ c &+ Self.gatherChunk <= inputCount {
                dRaw.storeBytes(of: sRaw.loadUnaligned(fromByteOffset: offset &+ c, as: SIMD16<UInt8>.self) ^ flip,
                                toByteOffset: c, as: SIMD16<UInt8>.self)
                c &+= Self.gatherChunk
            }
        }
        while c < count {
            dst[c] = D(x: Int32(truncatingIfNeeded: input[offset &+ c]), inputOffset: inOff)
            c &+= 1
        }
    }

    /// Values per step of the pairs gather.
    static let gatherChunk = 16

    /// The pairs gather's step: the 16 elements at element `from` of
    /// `source`, widened to Int16 plus the input offset, stored at Int16
    /// value `to` of `destination`.
    @inline(__always)
    static func widenChunk<E: QuantizedElement>(
        _: E.Type, _ source: UnsafeRawPointer, at from: Int, into destination: UnsafeMutableRawPointer, at to: Int,
        _ offsetVector: SIMD16<Int16>
    ) {
        destination.storeBytes(of: E.widened16(source, at: from) &+ offsetVector, toByteOffset: to &* 2, as: SIMD16<Int16>.self)
    }

    /// Requantizes the tile's `rows` × nr accumulators into the output.
    @inline(__always)
    private func store<E: QuantizedElement, Shape: GEMMPanelShape>(
        _ intTile: UnsafeMutablePointer<Int32>, _: Shape.Type, row: Int, rows: Int, column: Int,
        output: UnsafeMutablePointer<E>, staging: UnsafeMutablePointer<E>
    ) {
        let nr = Shape.columns, n = self.n
        if let pooled = pooledAccumulators {
            // Kept for the fused pool (whole panels: the biases and the
            // stride are padded to them).
            let stride = accumulatorStride
            let biases = requantization.biases
            for r in 0..<rows {
                let target = pooled + ((row &+ r) &* stride &+ column), source = intTile + r &* nr
                for j in 0..<nr { target[j] = source[j] &+ (biases?[column &+ j] ?? 0) }
            }
            return
        }
        let columns = min(nr, n &- column)
        let c = output + (row &* n &+ column)
        if runtimeBias {
            for r in 0..<rows {
                requantization.apply(intTile + r &* nr, bias: bias, channel: column, count: columns, into: c + r &* n)
            }
        } else if columns == nr {
            requantization.applyBlock(intTile, rows: rows, panel: Shape.self, channel: column, into: c, outputStride: n)
        } else {
            requantization.applyBlock(intTile, rows: rows, panel: Shape.self, channel: column, into: staging, outputStride: nr)
            for r in 0..<rows { (c + r &* n).update(from: staging + r &* nr, count: columns) }
        }
    }

    private func computeInteger<E: PackedWeightElement>(_ tiles: Range<Int>, worker: Int, _: E.Type) {
        let mr = IntegerGEMM.mr, nr = IntegerGEMM.nr
        let s = scratch(worker: worker)
        let block = s.block.assumingMemoryBound(to: Int16.self)
        let input = UnsafePointer<E>(OpaquePointer(self.input.unsafelyUnwrapped))
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output.unsafelyUnwrapped))
        let staging = s.staging.assumingMemoryBound(to: E.self)
        let m = self.m, n = self.n, k = self.k, lda = rowLength, pairs = rowLength / 2, fOff = filterOffset
        let stage = requantization.vectorStage(E.self)
        typealias V = SIMD8<Int32>
        forEachTile(tiles) { tile in
            let (panels, microTileRange) = tiling.ranges(of: tile)
            let first = microTileRange.lowerBound
            for microTile in microTileRange {
                let tileStart = firstPixel(microTile: microTile)
                var pixel = tileStart
                // A micro-tile of one row (fully connected with batch 1, an
                // M edge) gathers that row only: `microKernel1` reads no
                // other. (Six copies of VGG16 int8's 25088-value row per
                // one-panel tile were half its 4096-output layer's time.)
                let gathered = m &- microTile &* mr == 1 ? 1 : mr
                for r in 0..<gathered {
                    let index = (microTile &- first) &* mr &+ r
                    let dst = block + index &* lda
                    if geometry == nil {
                        // A row of the input (pointwise convolution, fully
                        // connected): copied here, without `gatherRow`'s call
                        // and set-up (it was not inlined) for K of 16–64.
                        // (A helper for this and `computeQuads`' copy stayed
                        // a call per row, even `@inline(__always)`.)
                        let row = microTile &* mr
                        widenRun(dst, from: input, offset: (row &+ r < m ? row &+ r : row) &* rowStride, count: k)
                    } else {
                        gatherRow(dst, microTile: microTile, r: r, pixel: pixel, tileStart: tileStart, input: input)
                        pixel = next(pixel)
                    }
                    if lda > k { dst[k] = 0 }
                    if fOff != 0 {
                        var sum: Int32 = 0
                        for c in 0..<k { sum &+= Int32(dst[c]) }
                        s.rowSums[index] = sum
                    }
                }
            }
            for panel in panels {
                let b = packed.panel(panel)
                let column = panel &* nr
                let columns = min(nr, n &- column)
                // The output stage's per-panel constants, loaded once.
                let t = requantization.tables.offset(by: column)
                var bias0 = V(), bias1 = V()
                if let biases = requantization.biases {
                    bias0 = UnsafeRawPointer(biases + column).loadUnaligned(as: V.self)
                    bias1 = UnsafeRawPointer(biases + column).loadUnaligned(fromByteOffset: 32, as: V.self)
                }
                for microTile in microTileRange {
                    let row = microTile &* mr
                    let rows = min(mr, m &- row)
                    let a = UnsafePointer(block + (microTile &- first) &* mr &* lda)
                    var acc: IntegerGEMM.Accumulators
                    if rows == 1 {
                        let (x0, x1) = IntegerGEMM.microKernel1(E.self, pairs: pairs, a: a, b: b)
                        acc = IntegerGEMM.Accumulators(c00: x0, c01: x1, c10: x0, c11: x1, c20: x0, c21: x1,
                                                       c30: x0, c31: x1, c40: x0, c41: x1, c50: x0, c51: x1)
                    } else {
                        acc = IntegerGEMM.microKernel(E.self, pairs: pairs, a: a, lda: lda, b: b)
                    }
                    if fOff != 0 {
                        let sums = s.rowSums + (microTile &- first) &* mr
                        acc.c00 &+= V(repeating: fOff &* sums[0]); acc.c01 &+= V(repeating: fOff &* sums[0])
                        acc.c10 &+= V(repeating: fOff &* sums[1]); acc.c11 &+= V(repeating: fOff &* sums[1])
                        acc.c20 &+= V(repeating: fOff &* sums[2]); acc.c21 &+= V(repeating: fOff &* sums[2])
                        acc.c30 &+= V(repeating: fOff &* sums[3]); acc.c31 &+= V(repeating: fOff &* sums[3])
                        acc.c40 &+= V(repeating: fOff &* sums[4]); acc.c41 &+= V(repeating: fOff &* sums[4])
                        acc.c50 &+= V(repeating: fOff &* sums[5]); acc.c51 &+= V(repeating: fOff &* sums[5])
                    }
                    acc.write(self, row: row, rows: rows, column: column, columns: columns, bias0: bias0, bias1: bias1,
                         tables: t, stage: stage, output: output, staging: staging, intTile: s.intTile)
                }
            }
        }
    }

    /// A micro-tile's sums through `store` (run-time bias).
    func storeWithRuntimeBias<E: QuantizedElement>(
        _ acc: IntegerGEMM.Accumulators, row: Int, rows: Int, column: Int, output: UnsafeMutablePointer<E>,
        staging: UnsafeMutablePointer<E>, intTile: UnsafeMutablePointer<Int32>
    ) {
        acc.store(to: intTile)
        store(intTile, IntegerPanel.self, row: row, rows: rows, column: column, output: output, staging: staging)
    }

    /// The first `columns` of 16 output bytes (all 16 for a whole panel);
    /// fewer in at most four stores of 8, 4, 2 and 1 bytes (NASNet-Mobile's
    /// 11- and 22-channel convolutions stored a byte at a time).
    @inline(__always)
    static func put(_ bytes: SIMD16<UInt8>, _ destination: UnsafeMutableRawPointer, columns: Int) {
        if columns == IntegerGEMM.nr {
            destination.storeBytes(of: bytes, as: SIMD16<UInt8>.self)
            return
        }
        let (low, high) = unsafeBitCast(bytes, to: (UInt64, UInt64).self)
        var rest = low, at = 0
        if columns & 8 != 0 {
            destination.storeBytes(of: low, as: UInt64.self)
            rest = high
            at = 8
        }
        if columns & 4 != 0 {
            destination.storeBytes(of: UInt32(truncatingIfNeeded: rest), toByteOffset: at, as: UInt32.self)
            rest &>>= 32
            at &+= 4
        }
        if columns & 2 != 0 {
            destination.storeBytes(of: UInt16(truncatingIfNeeded: rest), toByteOffset: at, as: UInt16.self)
            rest &>>= 16
            at &+= 2
        }
        if columns & 1 != 0 { destination.storeBytes(of: UInt8(truncatingIfNeeded: rest), toByteOffset: at, as: UInt8.self) }
    }

    /// Two rows' sums of 16 columns from `column` (`a0`, `a1`; `b0`, `b1`)
    /// as their output bytes: through `exact` (`ExactDoubleRequantization.scale16`)
    /// where the node has it, else `tables` (offset to `column` already).
    @inline(__always)
    static func twoRows(_ a0: SIMD8<Int32>, _ a1: SIMD8<Int32>, _ b0: SIMD8<Int32>, _ b1: SIMD8<Int32>, column: Int,
                        exact: ExactDoubleRequantization?, tables: ChannelRequantization.Tables,
                        stage: ChannelRequantization.VectorStage) -> (SIMD16<UInt8>, SIMD16<UInt8>) {
        if let exact {
            let z = exact.zeroPoint(stage)
            let a = exact.scale16(SIMD16(lowHalf: a0, highHalf: a1), column)
            let b = exact.scale16(SIMD16(lowHalf: b0, highHalf: b1), column)
            return ChannelRequantization.Tables.halves(ChannelRequantization.Tables.bytes(
                a.lowHalf &+ z, a.highHalf &+ z, b.lowHalf &+ z, b.highHalf &+ z, stage))
        }
        return ChannelRequantization.Tables.halves(tables.requantize16x2(a0, a1, b0, b1, 0, stage))
    }

    /// Rows of at most 16 input and 16 output values (NASNet-Mobile int8's
    /// 11-channel 1×1 convolutions) go `computeNarrowRows`: on the quads,
    /// and on the pairs for int8 (no filter offset).
    var narrowRows: Bool {
        direct == nil && geometry == nil && rowStride > 0 && packed.panelCount == 1 && n <= IntegerGEMM.nr
            && rowLength <= 16 && pooledAccumulators == nil && !runtimeBias
            && (arithmetic == .quads || arithmetic == .pairs && signed && filterOffset == 0)
    }

    /// The kernel for `narrowRows`: each row's quads read from the input
    /// and broadcast (flipped to x + 128) against the one 16-column panel,
    /// four rows per output stage (two where the node's stage is the
    /// tables'), each row's 16 bytes stored at once (the bytes past N
    /// overwritten by the next row, except at a tile's end). The
    /// micro-tiles' gathered copies, their loops and a second panel half
    /// of zeros ran these at 25 GFLOP/s. On the pairs (`vpmaddwd`), a row's
    /// 16 bytes widened to x + inputOffset at once and each pair broadcast
    /// against the panel's pair widened once per call, two rows per output
    /// stage (the micro-tiles: 18 GFLOP/s on an AMD Zen 3).
    private func computeNarrowRows(_ tiles: Range<Int>, worker: Int) {
        let s = scratch(worker: worker)
        let input = self.input.unsafelyUnwrapped
        let output = self.output.unsafelyUnwrapped
        // Quads: Σ (x + 128)·w, corrected per column; pairs: Σ (x + inputOffset)·w.
        let pairs = arithmetic == .pairs
        guard pairs || columnCorrections != nil else { return }
        let m = self.m, n = self.n, quads = rowLength / 4, pairCount = rowLength / 2, stride = rowStride
        let stage = requantization.vectorStage(Int8.self)
        let tables = requantization.tables, exact = exactRequantization
        let weights = packed.panel(0)
        // The corrections and biases of the 16 columns, the sums' start.
        var start = columnCorrections.map { UnsafeRawPointer($0).loadUnaligned(as: SIMD16<Int32>.self) } ?? SIMD16()
        if let biases = requantization.biases { start &+= UnsafeRawPointer(biases).loadUnaligned(as: SIMD16<Int32>.self) }
        let (start0, start1) = IntegerSIMD.halves(start)
        // Rows whose bytes read lie inside the input (the pairs read 16); the
        // others' bytes are copied into the block first (zeros past K).
        let readBytes = pairs ? 16 : 4 &* quads
        let inside = inputCount >= readBytes ? min(m, (inputCount &- readBytes) / stride &+ 1) : 0
        let copy = UnsafeMutableRawPointer(s.block)
        @inline(__always) func row(_ r: Int) -> UnsafeRawPointer {
            if r < inside { return input + r &* stride }
            copy.initializeMemory(as: UInt8.self, repeating: 0, count: readBytes)
            copy.copyMemory(from: input + r &* stride, byteCount: k)
            return UnsafeRawPointer(copy)
        }
        @inline(__always) func sums(_ source: UnsafeRawPointer) -> SIMD16<Int32> {
            var acc = start
            for q in 0..<quads {
                let x = SIMD16<Int32>(repeating: source.loadUnaligned(fromByteOffset: 4 &* q, as: Int32.self) ^ Int32(bitPattern: 0x8080_8080))
                acc = IntegerSIMD.dotBytes(acc, x, weights.loadUnaligned(fromByteOffset: 64 &* q, as: SIMD16<Int32>.self))
            }
            return acc
        }
        @inline(__always) func bytes(_ a: SIMD16<Int32>, _ b: SIMD16<Int32>) -> (SIMD16<UInt8>, SIMD16<UInt8>) {
            let (a0, a1) = IntegerSIMD.halves(a), (b0, b1) = IntegerSIMD.halves(b)
            return Self.twoRows(a0, a1, b0, b1, column: 0, exact: exact, tables: tables, stage: stage)
        }
        if pairs {
            // The panel's pairs widened (columns 0..<8, then 8..<16, per pair), then a row's values.
            withUnsafeTemporaryAllocation(of: SIMD16<Int16>.self, capacity: 2 &* pairCount &+ 1) { buffer in
                guard let wide = buffer.baseAddress else { return }
                for q in 0..<pairCount {
                    wide[2 &* q] = Int8.widen16(weights + 32 &* q)
                    wide[2 &* q &+ 1] = Int8.widen16(weights + (32 &* q &+ 16))
                }
                let values = UnsafeMutableRawPointer(wide + 2 &* pairCount)
                let offset = SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: inputOffset))
                @inline(__always) func pairSums(_ source: UnsafeRawPointer) -> (SIMD8<Int32>, SIMD8<Int32>) {
                    values.storeBytes(of: IntegerSIMD.widen(source.loadUnaligned(as: SIMD16<Int8>.self)) &+ offset, as: SIMD16<Int16>.self)
                    var a0 = start0, a1 = start1
                    // (At most eight pairs: a loop the compiler unrolls.)
                    for q in 0..<8 where q < pairCount {
                        let x = IntegerGEMM.broadcastPair(UnsafeRawPointer(values), 4 &* q)
                        a0 &+= IntegerSIMD.multiplyAddPairs(x, wide[2 &* q])
                        a1 &+= IntegerSIMD.multiplyAddPairs(x, wide[2 &* q &+ 1])
                    }
                    return (a0, a1)
                }
                forEachTile(tiles) { tile in
                    let rows = narrowRowRange(tile), end = rows.upperBound
                    @inline(__always) func store(_ v: SIMD16<UInt8>, _ r: Int) { Self.storeNarrowRow(v, r, end: end, columns: n, output) }
                    var r = rows.lowerBound
                    while r &+ 2 <= end {
                        let (a0, a1) = pairSums(row(r)), (b0, b1) = pairSums(row(r &+ 1))
                        let (a, b) = Self.twoRows(a0, a1, b0, b1, column: 0, exact: exact, tables: tables, stage: stage)
                        store(a, r)
                        store(b, r &+ 1)
                        r &+= 2
                    }
                    if r < end {
                        let (a0, a1) = pairSums(row(r))
                        store(Self.twoRows(a0, a1, a0, a1, column: 0, exact: exact, tables: tables, stage: stage).0, r)
                    }
                }
            }
            return
        }
        forEachTile(tiles) { tile in
            let rows = narrowRowRange(tile), end = rows.upperBound
            @inline(__always) func store(_ v: SIMD16<UInt8>, _ r: Int) { Self.storeNarrowRow(v, r, end: end, columns: n, output) }
            var r = rows.lowerBound
            if let exact {
                // Four rows a step, their output stage on 512 bits: words
                // (`vpackssdw` zmm), bytes plus 128 (`vpackuswb` zmm), each
                // row's 16 in order (`vpermd`), less 128, clamped (two rows a
                // stage on 256 bits took twice the shuffles).
                let offset = SIMD16<Int32>(repeating: exact.zeroPoint(stage)[0] &+ 128)
                let order = ChannelRequantization.VectorStage.vectorOrder
                @inline(__always) func words(_ a: SIMD16<Int32>, _ b: SIMD16<Int32>) -> SIMD32<Int16> {
                    IntegerSIMD.packSaturating(exact.scale16(a, 0) &+ offset, exact.scale16(b, 0) &+ offset)
                }
                while r &+ 4 <= end {
                    let a = sums(row(r)), b = sums(row(r &+ 1)), c = sums(row(r &+ 2)), d = sums(row(r &+ 3))
                    let bytes = stage.offsetBytes(words(a, b), words(c, d), order: order)
                    let rows = unsafeBitCast(bytes, to: (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>).self)
                    store(rows.0, r)
                    store(rows.1, r &+ 1)
                    store(rows.2, r &+ 2)
                    store(rows.3, r &+ 3)
                    r &+= 4
                }
            }
            while r &+ 2 <= end {
                let (a, b) = bytes(sums(row(r)), sums(row(r &+ 1)))
                store(a, r)
                store(b, r &+ 1)
                r &+= 2
            }
            if r < end {
                let a = sums(row(r))
                store(bytes(a, a).0, r)
            }
        }
    }

    /// `computeNarrowRows`' rows of tile `tile`.
    @inline(__always)
    private func narrowRowRange(_ tile: Int) -> Range<Int> {
        let microTiles = tiling.ranges(of: tile).microTiles
        return microTiles.lowerBound &* IntegerGEMM.mr..<min(microTiles.upperBound &* IntegerGEMM.mr, m)
    }

    /// `computeNarrowRows`' row r's 16 bytes, in a tile ending at row
    /// `end`: whole while they stay before the tile's end.
    @inline(__always)
    private static func storeNarrowRow(_ v: SIMD16<UInt8>, _ r: Int, end: Int, columns n: Int, _ output: UnsafeMutableRawPointer) {
        let at = output + r &* n
        if r &* n &+ IntegerGEMM.nr <= end &* n {
            at.storeBytes(of: v, as: SIMD16<UInt8>.self)
        } else {
            put(v, at, columns: n)
        }
    }

    private func computeQuads(_ tiles: Range<Int>, worker: Int) {
        if narrowRows {
            computeNarrowRows(tiles, worker: worker)
            return
        }
        let mr = IntegerGEMM.mr, nr = IntegerGEMM.quadColumns, half = IntegerGEMM.nr
        let s = scratch(worker: worker)
        let block = s.block.assumingMemoryBound(to: UInt8.self)
        let input = UnsafePointer<Int8>(OpaquePointer(self.input.unsafelyUnwrapped))
        let output = UnsafeMutablePointer<Int8>(OpaquePointer(self.output.unsafelyUnwrapped))
        let staging = s.staging.assumingMemoryBound(to: Int8.self)
        guard let corrections = columnCorrections else { return }
        let m = self.m, n = self.n, k = self.k, lda = rowLength, quads = rowLength / 4
        let stage = requantization.vectorStage(Int8.self)
        typealias V = SIMD8<Int32>
        // A last panel of at most 16 columns is packed 16 wide (`tailColumns`).
        let narrowFrom = packed.tailColumns < nr ? packed.panelCount &- 1 : packed.panelCount
        let panelBytes = packed.panelBytes
        let direct = self.direct
        // Whole panels' full micro-tiles go through the exact stage on 512
        // bits (`storeSixRows`): always where its range is proven; with
        // `checkedRequantization`, those whose sums are all within its limit
        // (the others take the integer tables). (The tables are read through
        // the properties, never bound to a local: a local reference was
        // retained and released per panel, and on two threads the shared
        // count's line went back and forth between the cores: MobileNetV2
        // int8 0.81–1.00 → 1.01–1.07 ms.)
        let proven = exactRequantization != nil, checkedLimit = checkedRequantization?.runTimeLimit ?? 0
        let sixRowStage = (proven || checkedLimit > 0) && pooledAccumulators == nil && !runtimeBias
        /// The stage's float constants of 16 columns from `column`, loaded once per panel.
        @inline(__always) func floatStage(_ column: Int) -> ExactDoubleRequantization.FloatStage16 {
            proven ? exactRequantization.unsafelyUnwrapped.floatStage16(column) : checkedRequantization.unsafelyUnwrapped.floatStage16(column)
        }
        if let d = direct {
            // The direct form: the plane rows of the tiles' pixels, once per call.
            guard let pixels = directPixels(tiles) else { return }
            d.fill(s.plane.assumingMemoryBound(to: UInt8.self), input: input, inputOffset: inputOffset, inputCount: inputCount,
                   pixels: pixels)
        }
        forEachTile(tiles) { tile in
            let (panels, microTileRange) = tiling.ranges(of: tile)
            let first = microTileRange.lowerBound
            // Its share of the next panel group's weights, spread over its
            // micro-kernel calls, a request per quad.
            let spread = GEMMTiling.prefetchSpread(
                tiling.nextGroupBytes(of: tile, in: tiles, panels: direct?.weights(panel: 0) ?? packed.panel(0),
                                      panelBytes: direct?.panelBytes ?? panelBytes),
                calls: panels.count &* microTileRange.count, steps: direct.map { $0.filterHeight &* $0.stepsPerRow } ?? quads)
            var pf = spread?.start
            for microTile in microTileRange where direct == nil {
                let tileStart = firstPixel(microTile: microTile)
                var pixel = tileStart
                for r in 0..<mr {
                    let dst = block + ((microTile &- first) &* mr &+ r) &* lda
                    if geometry == nil {
                        // A row of the input, as in `computeInteger`.
                        let row = microTile &* mr
                        widenRun(dst, from: input, offset: (row &+ r < m ? row &+ r : row) &* rowStride, count: k)
                    } else {
                        gatherRow(dst, microTile: microTile, r: r, pixel: pixel, tileStart: tileStart, input: input)
                        pixel = next(pixel)
                    }
                    // Bytes past K are left as they are: the weights there are
                    // 0, so any byte gives the same sums. (Zeroing them was a
                    // `memset` call per row, 7% of NASNet-Mobile int8's
                    // 11-channel 1×1 convolutions.)
                }
            }
            for panel in panels {
                let b = packed.panel(panel)
                let column = panel &* nr, secondColumn = column &+ half
                // The output stage's constants of each 16-column half, loaded
                // once per panel; the column corrections are added to the
                // sums, so the run-time-bias and pooled paths see them too.
                let correction = UnsafeRawPointer(corrections + column)
                let add0 = correction.loadUnaligned(as: SIMD16<Int32>.self)
                let add1 = correction.loadUnaligned(fromByteOffset: 64, as: SIMD16<Int32>.self)
                let t0 = requantization.tables.offset(by: column), t1 = requantization.tables.offset(by: secondColumn)
                var bias00 = V(), bias01 = V(), bias10 = V(), bias11 = V()
                if let biases = requantization.biases {
                    let p = UnsafeRawPointer(biases + column)
                    bias00 = p.loadUnaligned(as: V.self)
                    bias01 = p.loadUnaligned(fromByteOffset: 32, as: V.self)
                    bias10 = p.loadUnaligned(fromByteOffset: 64, as: V.self)
                    bias11 = p.loadUnaligned(fromByteOffset: 96, as: V.self)
                }
                let sixRows = sixRowStage && column &+ nr <= n
                let floats0 = sixRows ? floatStage(column) : .unused, floats1 = sixRows ? floatStage(secondColumn) : .unused
                let start0 = add0 &+ SIMD16(lowHalf: bias00, highHalf: bias01), start1 = add1 &+ SIMD16(lowHalf: bias10, highHalf: bias11)
                for microTile in microTileRange {
                    let row = microTile &* mr
                    let rows = min(mr, m &- row)
                    let q: IntegerGEMM.QuadAccumulators
                    if let d = direct {
                        let plane = UnsafeRawPointer(s.plane), offsets = d.pixelOffsets + row
                        q = panel < narrowFrom
                            ? Self.directQuadTile(WidePanel.self, d, plane: plane, offsets: offsets, panel: panel, ahead: pf,
                                                  aheadStride: spread?.stride ?? 0)
                            : Self.directQuadTile(NarrowPanel.self, d, plane: plane, offsets: offsets, panel: panel, ahead: pf,
                                                  aheadStride: spread?.stride ?? 0)
                    } else {
                        let a = UnsafePointer(block + (microTile &- first) &* mr &* lda)
                        q = panel < narrowFrom
                            ? Self.quadTile(WidePanel.self, rows: rows, quads: quads, a: a, lda: lda, b: b, ahead: pf, aheadStride: spread?.stride ?? 0)
                            : Self.quadTile(NarrowPanel.self, rows: rows, quads: quads, a: a, lda: lda, b: b, ahead: pf, aheadStride: spread?.stride ?? 0)
                    }
                    pf = pf.map { $0 + (spread?.perCall ?? 0) }
                    if sixRows && rows == mr {
                        if proven {
                            q.storeSixRows(exactRequantization.unsafelyUnwrapped, start0, start1, floats0, floats1, column: column,
                                           stage: stage, n: n, output + (row &* n &+ column))
                            continue
                        }
                        if q.within(checkedLimit, start0, start1) {
                            q.storeSixRows(checkedRequantization.unsafelyUnwrapped, start0, start1, floats0, floats1, column: column,
                                           stage: stage, n: n, output + (row &* n &+ column))
                            continue
                        }
                    }
                    q.firstHalf(adding: add0).write(
                        self, row: row, rows: rows, column: column, columns: min(half, n &- column), bias0: bias00, bias1: bias01,
                        tables: t0, stage: stage, output: output, staging: staging, intTile: s.intTile)
                    if secondColumn < n {
                        q.secondHalf(adding: add1).write(
                            self, row: row, rows: rows, column: secondColumn, columns: min(half, n &- secondColumn), bias0: bias10,
                            bias1: bias11, tables: t1, stage: stage, output: output, staging: staging, intTile: s.intTile)
                    }
                }
            }
        }
    }

    private func computeFloat<E: QuantizedElement, Shape: GEMMPanelShape>(
        _ tiles: Range<Int>, worker: Int, _: E.Type, _ shape: Shape.Type
    ) {
        let mr = IntegerGEMM.mr, nr = Shape.columns
        let s = scratch(worker: worker)
        let block = s.block.assumingMemoryBound(to: Float.self)
        for j in 0..<nr { s.zeroBias[j] = 0 }
        let input = UnsafePointer<E>(OpaquePointer(self.input.unsafelyUnwrapped))
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output.unsafelyUnwrapped))
        let staging = s.staging.assumingMemoryBound(to: E.self)
        let m = self.m, k = self.k, chunk = self.chunk, fOff = filterOffset
        let unclamped = PanelBounds<Shape>(-.infinity, .infinity)
        forEachTile(tiles) { tile in
            let (panels, microTileRange) = tiling.ranges(of: tile)
            let first = microTileRange.lowerBound
            for microTile in microTileRange {
                let tileStart = firstPixel(microTile: microTile)
                var pixel = tileStart
                for r in 0..<mr {
                    gatherRow(block + ((microTile &- first) &* mr &+ r) &* k, microTile: microTile, r: r,
                              pixel: pixel, tileStart: tileStart, input: input)
                    pixel = next(pixel)
                }
            }
            for panel in panels {
                packed.widen(E.self, panel: panel, offset: fOff, into: s.panel)
                let b = UnsafePointer(s.panel)
                let column = panel &* nr
                for microTile in microTileRange {
                    let row = microTile &* mr
                    let rows = min(mr, m &- row)
                    let a = block + (microTile &- first) &* mr &* k
                    var k0 = 0
                    while k0 < k {
                        let length = min(chunk, k &- k0)
                        for r in 0..<mr { s.rowPointers[r] = UnsafePointer(a + (r &* k &+ k0)) }
                        if rows == 1 {
                            FloatGEMM.microKernel1(SixRows.self, shape, taps: 1, channels: length, a: UnsafePointer(s.rowPointers), b: b + k0 &* nr,
                                                   bias: s.zeroBias, c: s.floatTile, bounds: unclamped)
                        } else {
                            FloatGEMM.microKernel(SixRows.self, shape, taps: 1, channels: length, a: UnsafePointer(s.rowPointers), b: b + k0 &* nr,
                                                  bias: s.zeroBias, c: s.floatTile, ldc: nr, bounds: unclamped)
                        }
                        let count = (rows == 1 ? 1 : mr) &* nr
                        if k0 == 0 {
                            for i in 0..<count { s.intTile[i] = Self.exactInteger(s.floatTile[i]) }
                        } else {
                            for i in 0..<count { s.intTile[i] &+= Self.exactInteger(s.floatTile[i]) }
                        }
                        k0 &+= length
                    }
                    store(s.intTile, Shape.self, row: row, rows: rows, column: column, output: output, staging: staging)
                }
            }
        }
    }

    /// One micro-tile of the four-byte kernel on a panel of `Shape`'s width.
    @inline(__always)
    private static func quadTile<Shape: GEMMPanelShape>(
        _ shape: Shape.Type, rows: Int, quads: Int, a: UnsafePointer<UInt8>, lda: Int, b: UnsafeRawPointer,
        ahead: UnsafeRawPointer?, aheadStride: Int
    ) -> IntegerGEMM.QuadAccumulators {
        if rows == 1 {
            let (x0, x1) = IntegerGEMM.quadMicroKernel1(shape, quads: quads, a: a, b: b)
            return IntegerGEMM.QuadAccumulators(row: x0, x1)
        }
        if let ahead {
            return IntegerGEMM.quadMicroKernel(shape, quads: quads, a: a, lda: lda, b: b, ahead: ahead, aheadStride: aheadStride)
        }
        return IntegerGEMM.quadMicroKernel(shape, quads: quads, a: a, lda: lda, b: b)
    }

    /// One micro-tile of the four-byte kernel's direct form (`quadTile`'s
    /// split: a loop with the prefetch and one without).
    @inline(__always)
    private static func directQuadTile<Shape: GEMMPanelShape>(
        _ shape: Shape.Type, _ d: InputPlaneConvolution, plane: UnsafeRawPointer, offsets: UnsafePointer<Int>, panel: Int,
        ahead: UnsafeRawPointer?, aheadStride: Int
    ) -> IntegerGEMM.QuadAccumulators {
        let b = d.weights(panel: panel)
        if let ahead {
            return IntegerGEMM.directQuadMicroKernel(shape, plane: plane, offsets: offsets, filterRows: d.filterHeight,
                                                     quadsPerRow: d.stepsPerRow, rowBytes: d.rowValues, b: b,
                                                     ahead: ahead, aheadStride: aheadStride)
        }
        return IntegerGEMM.directQuadMicroKernel(shape, plane: plane, offsets: offsets, filterRows: d.filterHeight,
                                                 quadsPerRow: d.stepsPerRow, rowBytes: d.rowValues, b: b, ahead: nil, aheadStride: 0)
    }

    /// An integer-valued float with |v| ≤ 2^22 as Int32: adding 1.5·2^23
    /// puts v in the mantissa of a float in [2^23, 2^24), where the spacing
    /// is exactly 1 (no branches, vectorisable; `Int32(Float)` traps).
    @inline(__always)
    static func exactInteger(_ v: Float) -> Int32 {
        Int32(bitPattern: (v + 12_582_912).bitPattern) &- 0x4B40_0000
    }
}

/// The integer GEMM's panel: 16 columns.
enum IntegerPanel: GEMMPanelShape {
    static var wide: Bool { IntegerGEMM.nr > FloatVector.scalarCount }
    static var columns: Int { IntegerGEMM.nr }
}

/// A gathered A value: `x + inputOffset` as Int16 (pairs) or Float (exact
/// float), padding taps 0; `x + 128` as UInt8 (quads, int8 inputs), padding
/// taps `zeroPoint + 128`.
protocol GatheredValue {
    static func padding(inputOffset: Int32) -> Self
    init(x: Int32, inputOffset: Int32)
}

extension Int16: GatheredValue {
    @inline(__always) static func padding(inputOffset: Int32) -> Int16 { 0 }
    @inline(__always) init(x: Int32, inputOffset: Int32) { self.init(truncatingIfNeeded: x &+ inputOffset) }
}

extension Float: GatheredValue {
    @inline(__always) static func padding(inputOffset: Int32) -> Float { 0 }
    @inline(__always) init(x: Int32, inputOffset: Int32) { self.init(x &+ inputOffset) }
}

extension UInt8: GatheredValue {
    @inline(__always) static func padding(inputOffset: Int32) -> UInt8 { UInt8(truncatingIfNeeded: 128 &- inputOffset) }
    @inline(__always) init(x: Int32, inputOffset: Int32) { self.init(truncatingIfNeeded: x &+ 128) }
}

extension GEMMConvolutionQuantized {
    /// What a quantized GEMM kernel derives from the model's constants and
    /// the node's shapes besides the packed weights, computed once per model
    /// (`Model.sharedConstants`) and shared read-only by every interpreter:
    /// the output stage with the constant biases folded in and the quads'
    /// column corrections. (A convolution's taps are computed per gathered
    /// row, `gatherRow`, not kept in a table.)
    final class SharedSetup: @unchecked Sendable {
        let requantization: ChannelRequantization
        /// The bias is an input read at run time (not folded into `requantization`).
        let runtimeBias: Bool
        let columnCorrections: UnsafeMutablePointer<Int32>?
        /// `requantization` as one fused multiply-add in doubles (slot j is
        /// column j, padded to whole panels), for the integer micro-tiles
        /// (`IntegerGEMM.Accumulators.write`; the quads' sums with their
        /// column corrections are the reference's) of an int8 filter with a
        /// constant bias, where every column's accumulator bound
        /// (|bias| + 255 · Σ|w|) keeps it exact; else nil.
        let exactRequantization: ExactDoubleRequantization?
        /// Where `exactRequantization` is nil: the same stage for the whole
        /// micro-tiles of the quads whose sums are all within its
        /// `runTimeLimit` (`ExactDoubleRequantization.make`'s
        /// `checkedAtRunTime`), or nil.
        let checkedRequantization: ExactDoubleRequantization?

        init(requantization: ChannelRequantization, runtimeBias: Bool, columnCorrections: UnsafeMutablePointer<Int32>?,
             exactRequantization: ExactDoubleRequantization? = nil, checkedRequantization: ExactDoubleRequantization? = nil) {
            self.requantization = requantization
            self.exactRequantization = exactRequantization
            self.checkedRequantization = checkedRequantization
            self.runtimeBias = runtimeBias
            self.columnCorrections = columnCorrections
        }

        deinit {
            columnCorrections?.deallocate()
        }

        /// The set-up of the node being prepared. The key holds everything
        /// it depends on that can differ between interpreters of one model
        /// (the flavour's arithmetic and panel width, the filter's N × K); the
        /// quantization parameters and constants are the node's. Nothing in
        /// it depends on the input's shape, so interpreters resized to other
        /// inputs share it too.
        static func shared(ctx: PrepareContext, n: Int, k: Int, arithmetic: Arithmetic, packed: PackedQuantizedWeights,
                           q: ConvolutionQuantization, weights: UnsafeRawPointer) -> SharedSetup {
            let bias = ctx.optionalInput(2)
            let constantBias = bias?.constant.map { $0.assumingMemoryBound(to: Int32.self) }
            let arithmeticKey = arithmetic == .quads ? 2 : arithmetic == .pairs ? 1 : 0
            let key = SharedConstantKey("gemm-q-setup", [ctx.node.index, arithmeticKey, packed.nr, n, k])
            let fileBytes = n &* k
            return ctx.graph.sharedConstants.value(for: key) {
                let requantization = ChannelRequantization(q, paddedTo: packed.nr, constantBias: constantBias)
                var corrections: UnsafeMutablePointer<Int32>?
                if arithmetic == .quads {
                    let count = max(packed.panelCount * packed.nr, 1)
                    let c = UnsafeMutablePointer<Int32>.allocate(capacity: count)
                    c.initialize(repeating: 0, count: count)
                    let w = weights.assumingMemoryBound(to: Int8.self)
                    for j in 0..<n {
                        let sum = Int32(truncatingIfNeeded: IntegerSIMD.sum(w + j &* k, count: k))
                        c[j] = (q.inputOffset &- 128) &* sum
                    }
                    corrections = c
                }
                var exact: ExactDoubleRequantization?, checked: ExactDoubleRequantization?
                if arithmetic != .exactFloat && (bias == nil || constantBias != nil), (try? ctx.input(1))?.type == .int8 {
                    // x − zero point is within ±255 for int8 inputs.
                    let w = weights.assumingMemoryBound(to: Int8.self)
                    let count = packed.panelCount &* packed.nr, single = q.rounding == .single
                    exact = ExactDoubleRequantization.make(count: count, singleRounding: single) { j in
                        guard j < n else { return (0, 0, 0) }
                        let magnitudes = IntegerSIMD.sumOfMagnitudes(w + j &* k, count: k)
                        return (Int64((constantBias?[j] ?? 0).magnitude) &+ 255 &* magnitudes, q.multipliers[j], q.shifts[j])
                    }
                    if exact == nil && arithmetic == .quads {
                        checked = ExactDoubleRequantization.make(count: count, singleRounding: single, checkedAtRunTime: true) { j in
                            j < n ? (0, q.multipliers[j], q.shifts[j]) : (0, 0, 0)
                        }
                    }
                }
                // The weights now live in the packed panels (and the quads'
                // corrections): their pages of the model file need not stay resident.
                ctx.graph.model.releaseConstantPages(weights, byteCount: fileBytes)
                return SharedSetup(requantization: requantization, runtimeBias: bias != nil && constantBias == nil,
                                   columnCorrections: corrections, exactRequantization: exact, checkedRequantization: checked)
            }
        }
    }
}

/// A constant int8/uint8 filter [N][K] packed once per model as bytes (one
/// per weight, as stored: int8 signed, uint8 raw) in panels of `nr` columns,
/// zero past N, with `group` consecutive k of a column adjacent:
/// - `[K/4][nr][4]` (K rounded up to a multiple of 4) for the four-byte kernels;
/// - pair-interleaved `[K/2][nr][2]` (K rounded up to even) for the pairs
///   kernels, which widen 16 bytes at a time;
/// - `[K][nr]` for the exact-float path, which widens one panel at a time
///   into floats `w + filterOffset` (`widen`).
/// `largestMagnitude` is the largest |w + filterOffset| (padding columns
/// included), which bounds the exact-float chunk length; computed for that
/// layout only (`group` 1), 0 for the integer ones, which do not read it.
final class PackedQuantizedWeights: @unchecked Sendable {
    let n: Int, k: Int
    /// K as stored per panel (rounded up to even when pair-interleaved).
    let depth: Int
    /// Columns per panel.
    let nr: Int
    /// Columns of the last panel as packed: `nr`, or nr/2 in the four-byte
    /// layout when at most that many are left (N mod 32 in 1…16: 16, 40, 80,
    /// 112, 144, 240, …), so the kernel runs one vector of sums there.
    let tailColumns: Int
    let panelCount: Int
    let largestMagnitude: Int32
    private let storage: AlignedBuffer

    init(weights: UnsafeRawPointer, n: Int, k: Int, nr: Int, group: Int, signed: Bool, offset: Int32) throws {
        self.n = n
        self.k = k
        self.nr = nr
        depth = (k + group - 1) / group * group
        panelCount = (n + nr - 1) / nr
        let remainder = n % nr
        tailColumns = group == 4 && remainder > 0 && remainder <= nr / 2 ? nr / 2 : nr
        storage = try AlignedBuffer(byteCount: panelCount * depth * nr, populated: true)
        let out = storage.pointer.assumingMemoryBound(to: UInt8.self)
        let source = weights.assumingMemoryBound(to: UInt8.self)
        // Weight kk of column j goes to (kk / group) · group · nr + group · j + kk % group:
        // whole groups are copied as one 2- or 4-byte word (start-up time:
        // this loop was most of an int8 model's prepare), the partial last
        // group byte by byte.
        let fullGroups = k / group &* group
        for p in 0..<panelCount {
            let panel = out + p &* depth &* nr
            let columns = min(nr, n &- p &* nr)
            // Columns in a row of this panel (its stride); the panel starts where a full one would.
            let width = p == panelCount &- 1 ? tailColumns : nr
            var firstColumn = 0
            if group == 2 {
                // Four columns at a time: their pairs side by side are one
                // 8-byte word of the panel, a quarter of the stores of the
                // per-column loop below (which, storing two bytes at a time,
                // was most of the packing's time).
                while firstColumn &+ 4 <= columns {
                    Self.packPairs4(from: UnsafeRawPointer(source + (p &* nr &+ firstColumn) &* k), k: k,
                                    to: UnsafeMutableRawPointer(panel + 2 &* firstColumn), stride: 2 &* nr,
                                    fullGroups: fullGroups)
                    firstColumn &+= 4
                }
            } else if group == 4 {
                // The same for quads: four columns' quads side by side are
                // one 16-byte vector of the panel (four-byte stores per
                // column were most of the packing's time).
                while firstColumn &+ 4 <= columns {
                    Self.packQuads4(from: UnsafeRawPointer(source + (p &* nr &+ firstColumn) &* k), k: k,
                                    to: UnsafeMutableRawPointer(panel + 4 &* firstColumn), stride: 4 &* width,
                                    fullGroups: fullGroups)
                    firstColumn &+= 4
                }
            }
            for j in firstColumn..<columns {
                let row = UnsafeRawPointer(source + (p &* nr &+ j) &* k)
                let column = UnsafeMutableRawPointer(panel + group &* j)
                let stride = group &* width
                var kk = 0
                switch group {
                case 2:
                    var target = column
                    while kk < fullGroups {
                        target.storeBytes(of: row.loadUnaligned(fromByteOffset: kk, as: UInt16.self), as: UInt16.self)
                        target += stride
                        kk &+= 2
                    }
                case 4:
                    var target = column
                    while kk < fullGroups {
                        target.storeBytes(of: row.loadUnaligned(fromByteOffset: kk, as: UInt32.self), as: UInt32.self)
                        target += stride
                        kk &+= 4
                    }
                default:
                    var target = column
                    while kk < fullGroups {
                        for g in 0..<group {
                            target.storeBytes(of: row.load(fromByteOffset: kk &+ g, as: UInt8.self), toByteOffset: g, as: UInt8.self)
                        }
                        target += stride
                        kk &+= group
                    }
                }
                // The partial last group: its bytes follow each other from fullGroups · width.
                let tail = column + fullGroups &* width
                while kk < k {
                    tail.storeBytes(of: row.load(fromByteOffset: kk, as: UInt8.self), toByteOffset: kk &- fullGroups, as: UInt8.self)
                    kk &+= 1
                }
            }
        }
        // max |w + offset| over the weights is reached at the smallest or the
        // largest weight; a min/max pass vectorises (the per-weight form was
        // most of an int8 model's prepare time). Only the exact-float path
        // reads it: the integer layouts skip the pass over every weight.
        var largest: Int32 = group != 1 || n % nr == 0 ? 0 : abs(offset)
        if group == 1 && n &* k > 0 {
            let (lowest, highest) = signed
                ? Self.range(UnsafeBufferPointer(start: weights.assumingMemoryBound(to: Int8.self), count: n &* k))
                : Self.range(UnsafeBufferPointer(start: source, count: n &* k))
            largest = max(largest, abs(lowest &+ offset), abs(highest &+ offset))
        }
        largestMagnitude = largest
    }

    /// The whole pairs (`0..<fullGroups`) of four consecutive filter rows
    /// (`k` bytes apart from `rows`) into their four adjacent panel columns:
    /// pair q of the rows a, b, c, d is the word (a_q, b_q, c_q, d_q) at
    /// `panel + q · stride`. Eight pairs per step from one 16-byte load per
    /// row, interleaved; the last pairs one word at a time.
    @inline(__always)
    private static func packPairs4(from rows: UnsafeRawPointer, k: Int, to panel: UnsafeMutableRawPointer, stride: Int,
                                   fullGroups: Int) {
        var kk = 0
        var target = panel
        while kk &+ 16 <= fullGroups {
            let a = rows.loadUnaligned(fromByteOffset: kk, as: SIMD8<UInt16>.self)
            let b = rows.loadUnaligned(fromByteOffset: kk &+ k, as: SIMD8<UInt16>.self)
            let c = rows.loadUnaligned(fromByteOffset: kk &+ 2 &* k, as: SIMD8<UInt16>.self)
            let d = rows.loadUnaligned(fromByteOffset: kk &+ 3 &* k, as: SIMD8<UInt16>.self)
            let ab = unsafeBitCast(SIMD16<UInt16>(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3],
                                                  a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7]), to: SIMD8<UInt32>.self)
            let cd = unsafeBitCast(SIMD16<UInt16>(c[0], d[0], c[1], d[1], c[2], d[2], c[3], d[3],
                                                  c[4], d[4], c[5], d[5], c[6], d[6], c[7], d[7]), to: SIMD8<UInt32>.self)
            let low = unsafeBitCast(SIMD8<UInt32>(ab[0], cd[0], ab[1], cd[1], ab[2], cd[2], ab[3], cd[3]), to: SIMD4<UInt64>.self)
            let high = unsafeBitCast(SIMD8<UInt32>(ab[4], cd[4], ab[5], cd[5], ab[6], cd[6], ab[7], cd[7]), to: SIMD4<UInt64>.self)
            for q in 0..<4 {
                target.storeBytes(of: low[q], toByteOffset: q &* stride, as: UInt64.self)
                target.storeBytes(of: high[q], toByteOffset: (q &+ 4) &* stride, as: UInt64.self)
            }
            target += 8 &* stride
            kk &+= 16
        }
        while kk < fullGroups {
            var word = UInt64(0)
            for r in 0..<4 {
                word |= UInt64(rows.loadUnaligned(fromByteOffset: kk &+ r &* k, as: UInt16.self)) &<< (16 &* UInt64(r))
            }
            target.storeBytes(of: word, as: UInt64.self)
            target += stride
            kk &+= 2
        }
        // The odd last byte of each row: the per-column loop's tail.
        for r in 0..<4 where fullGroups < k {
            (panel + 2 &* r + fullGroups &* (stride / 2)).storeBytes(
                of: rows.load(fromByteOffset: fullGroups &+ r &* k, as: UInt8.self), as: UInt8.self)
        }
    }

    /// The whole quads (`0..<fullGroups`) of four consecutive filter rows
    /// (`k` bytes apart from `rows`) into their four adjacent panel columns:
    /// quad q of the rows a, b, c, d is the vector (a_q, b_q, c_q, d_q) at
    /// `panel + q · stride` (a 4 × 4 transpose of words per 16 bytes of
    /// each row); the partial last quad byte by byte.
    @inline(__always)
    private static func packQuads4(from rows: UnsafeRawPointer, k: Int, to panel: UnsafeMutableRawPointer, stride: Int,
                                   fullGroups: Int) {
        var kk = 0
        var target = panel
        while kk &+ 16 <= fullGroups {
            let a = rows.loadUnaligned(fromByteOffset: kk, as: SIMD4<UInt32>.self)
            let b = rows.loadUnaligned(fromByteOffset: kk &+ k, as: SIMD4<UInt32>.self)
            let c = rows.loadUnaligned(fromByteOffset: kk &+ 2 &* k, as: SIMD4<UInt32>.self)
            let d = rows.loadUnaligned(fromByteOffset: kk &+ 3 &* k, as: SIMD4<UInt32>.self)
            target.storeBytes(of: SIMD4(a[0], b[0], c[0], d[0]), as: SIMD4<UInt32>.self)
            target.storeBytes(of: SIMD4(a[1], b[1], c[1], d[1]), toByteOffset: stride, as: SIMD4<UInt32>.self)
            target.storeBytes(of: SIMD4(a[2], b[2], c[2], d[2]), toByteOffset: 2 &* stride, as: SIMD4<UInt32>.self)
            target.storeBytes(of: SIMD4(a[3], b[3], c[3], d[3]), toByteOffset: 3 &* stride, as: SIMD4<UInt32>.self)
            target += 4 &* stride
            kk &+= 16
        }
        while kk < fullGroups {
            var quads = SIMD4<UInt32>()
            for r in 0..<4 {
                quads[r] = rows.loadUnaligned(fromByteOffset: kk &+ r &* k, as: UInt32.self)
            }
            target.storeBytes(of: quads, as: SIMD4<UInt32>.self)
            target += stride
            kk &+= 4
        }
        // The partial last quad of each row: the per-column loop's tail.
        for r in 0..<4 {
            let tail = panel + 4 &* r + fullGroups &* (stride / 4)
            for t in fullGroups..<k {
                tail.storeBytes(of: rows.load(fromByteOffset: t &+ r &* k, as: UInt8.self), toByteOffset: t &- fullGroups,
                                as: UInt8.self)
            }
        }
    }

    /// The smallest and largest of `values` (not empty).
    private static func range<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>) -> (Int32, Int32) {
        var lowest = T.max, highest = T.min
        for v in values {
            lowest = min(lowest, v)
            highest = max(highest, v)
        }
        return (Int32(lowest), Int32(highest))
    }

    /// Bytes held (one per weight, plus the zero padding of the last panel).
    var byteCount: Int { storage.byteCount }

    /// Bytes from one panel's start to the next's (a narrow last panel starts where a full one would).
    var panelBytes: Int { depth &* nr }

    /// Panel `p`.
    @inline(__always) func panel(_ p: Int) -> UnsafeRawPointer {
        UnsafeRawPointer(storage.pointer) + p &* panelBytes
    }

    /// Panel `p` of a `[K][nr]` packing as floats `w + offset`.
    @inline(__always)
    func widen<E: QuantizedElement>(_: E.Type, panel p: Int, offset: Int32, into floats: UnsafeMutablePointer<Float>) {
        let source = panel(p).assumingMemoryBound(to: E.self)
        for i in 0..<depth &* nr { floats[i] = Float(Int32(truncatingIfNeeded: source[i]) &+ offset) }
    }
}

extension IntegerGEMM.QuadAccumulators {
    /// Whether every sum plus its start (`start0` in columns 0..<16, `start1`
    /// in 16..<32) is within −`limit`…`limit` (0 < `limit` < 2^30): moved up
    /// by `limit`, each is at most 2·`limit` as UInt32 (a wrapped sum, even
    /// Int32.min, is not).
    @_transparent
    func within(_ limit: Int32, _ start0: SIMD16<Int32>, _ start1: SIMD16<Int32>) -> Bool {
        let l = SIMD16<Int32>(repeating: limit), s0 = start0 &+ l, s1 = start1 &+ l
        @inline(__always) func most(_ a: SIMD16<Int32>, _ b: SIMD16<Int32>) -> SIMD16<Int32> { IntegerSIMD.unsignedMaximum(a, b) }
        let m0 = most(most(c00 &+ s0, c10 &+ s0), most(c20 &+ s0, c30 &+ s0))
        let m1 = most(most(c01 &+ s1, c11 &+ s1), most(c21 &+ s1, c31 &+ s1))
        let m = most(most(m0, m1), most(most(c40 &+ s0, c50 &+ s0), most(c41 &+ s1, c51 &+ s1)))
        return !IntegerSIMD.anyUnsignedAbove(m, l &+ l)
    }

    /// A full micro-tile's six rows of 32 columns from `column` (`output`
    /// its first byte, rows `n` bytes apart), each plus `start0` (columns
    /// 0–15) or `start1`, through the exact stage (`ExactDoubleRequantization.scale16`
    /// on the columns' float constants `floats0`, `floats1`), two rows per
    /// 512-bit step: words (`vpackssdw` zmm), bytes plus 128 (`vpackuswb`
    /// zmm), each row's 32 in order (`vpermd`), less 128, clamped; the same
    /// bytes as `IntegerGEMM.Accumulators.write`, which took each 16-column
    /// half of two rows through 256-bit packs and clamps, the halves split
    /// from the 512-bit sums and joined again (at K = 16 that was most of a
    /// 1×1 convolution's time: 112²×16 → 96 in 0.199 ms, XNNPACK 0.115; Zen 5).
    /// (`@_transparent` on the struct, as `write`: a method of the kernel
    /// class took the twelve accumulators through memory.)
    @_transparent
    func storeSixRows(_ exact: ExactDoubleRequantization, _ start0: SIMD16<Int32>, _ start1: SIMD16<Int32>,
                      _ floats0: ExactDoubleRequantization.FloatStage16, _ floats1: ExactDoubleRequantization.FloatStage16,
                      column: Int, stage: ChannelRequantization.VectorStage, n: Int, _ output: UnsafeMutablePointer<Int8>) {
        let offset = SIMD16<Int32>(repeating: exact.zeroPoint(stage)[0] &+ 128)
        let order = ChannelRequantization.VectorStage.vectorOrder
        let out = UnsafeMutableRawPointer(output)
        @inline(__always) func words(_ low: SIMD16<Int32>, _ high: SIMD16<Int32>) -> SIMD32<Int16> {
            IntegerSIMD.packSaturating(exact.scale16(low &+ start0, floats0, column) &+ offset,
                                       exact.scale16(high &+ start1, floats1, column &+ 16) &+ offset)
        }
        @inline(__always) func twoRows(_ r: Int, _ a0: SIMD16<Int32>, _ a1: SIMD16<Int32>, _ b0: SIMD16<Int32>, _ b1: SIMD16<Int32>) {
            let bytes = IntegerSIMD.halves(stage.offsetBytes(words(a0, a1), words(b0, b1), order: order))
            out.storeBytes(of: bytes.0, toByteOffset: r &* n, as: SIMD32<UInt8>.self)
            out.storeBytes(of: bytes.1, toByteOffset: (r &+ 1) &* n, as: SIMD32<UInt8>.self)
        }
        twoRows(0, c00, c01, c10, c11)
        twoRows(2, c20, c21, c30, c31)
        twoRows(4, c40, c41, c50, c51)
    }
}

extension IntegerGEMM.Accumulators {
    /// The output of one micro-tile's 6 × 16 sums (`rows` of them valid) for
    /// panel columns `column..<column+columns`: kept with their biases for a
    /// fused pool, or requantized into the output (`Tables.requantize16x2`,
    /// two rows per step, in registers; through `store` for a run-time bias).
    /// (`@_transparent`, so on a struct: as a method of the kernel class with
    /// `@inline(__always)` it stayed a call, the twelve accumulators passed
    /// through memory.)
    @_transparent
    func write<E: QuantizedElement>(
        _ kernel: GEMMConvolutionQuantized, row: Int, rows: Int, column: Int, columns: Int,
        bias0: SIMD8<Int32>, bias1: SIMD8<Int32>, tables t: ChannelRequantization.Tables,
        stage: ChannelRequantization.VectorStage, output: UnsafeMutablePointer<E>, staging: UnsafeMutablePointer<E>,
        intTile: UnsafeMutablePointer<Int32>
    ) {
        typealias V = SIMD8<Int32>
        let acc = self, n = kernel.n
        if let pooled = kernel.pooledAccumulators {
            // Kept for the fused pool: the sums with their biases.
            let stride = kernel.accumulatorStride
            let out = UnsafeMutableRawPointer(pooled + (row &* stride &+ column))
            let step = stride &* 4
            out.storeBytes(of: acc.c00 &+ bias0, as: V.self)
            out.storeBytes(of: acc.c01 &+ bias1, toByteOffset: 32, as: V.self)
            if rows > 1 {
                out.storeBytes(of: acc.c10 &+ bias0, toByteOffset: step, as: V.self)
                out.storeBytes(of: acc.c11 &+ bias1, toByteOffset: step &+ 32, as: V.self)
            }
            if rows > 2 {
                out.storeBytes(of: acc.c20 &+ bias0, toByteOffset: 2 &* step, as: V.self)
                out.storeBytes(of: acc.c21 &+ bias1, toByteOffset: 2 &* step &+ 32, as: V.self)
            }
            if rows > 3 {
                out.storeBytes(of: acc.c30 &+ bias0, toByteOffset: 3 &* step, as: V.self)
                out.storeBytes(of: acc.c31 &+ bias1, toByteOffset: 3 &* step &+ 32, as: V.self)
            }
            if rows > 4 {
                out.storeBytes(of: acc.c40 &+ bias0, toByteOffset: 4 &* step, as: V.self)
                out.storeBytes(of: acc.c41 &+ bias1, toByteOffset: 4 &* step &+ 32, as: V.self)
            }
            if rows > 5 {
                out.storeBytes(of: acc.c50 &+ bias0, toByteOffset: 5 &* step, as: V.self)
                out.storeBytes(of: acc.c51 &+ bias1, toByteOffset: 5 &* step &+ 32, as: V.self)
            }
            return
        }
        if kernel.runtimeBias {
            kernel.storeWithRuntimeBias(acc, row: row, rows: rows, column: column, output: output, staging: staging, intTile: intTile)
            return
        }
        // Two rows per step, in registers (`Tables.requantize16x2`, or the
        // exact `ExactDoubleRequantization.scale16` where the node has it).
        let out = UnsafeMutableRawPointer(output + (row &* n &+ column))
        let step = n
        let exact = kernel.exactRequantization
        @inline(__always) func twoRows(_ a0: SIMD8<Int32>, _ a1: SIMD8<Int32>, _ b0: SIMD8<Int32>, _ b1: SIMD8<Int32>)
            -> (SIMD16<UInt8>, SIMD16<UInt8>) {
            GEMMConvolutionQuantized.twoRows(a0, a1, b0, b1, column: column, exact: exact, tables: t, stage: stage)
        }
        var bytes = twoRows(acc.c00 &+ bias0, acc.c01 &+ bias1, acc.c10 &+ bias0, acc.c11 &+ bias1)
        GEMMConvolutionQuantized.put(bytes.0, out, columns: columns)
        if rows > 1 { GEMMConvolutionQuantized.put(bytes.1, out + step, columns: columns) }
        if rows > 2 {
            bytes = twoRows(acc.c20 &+ bias0, acc.c21 &+ bias1, acc.c30 &+ bias0, acc.c31 &+ bias1)
            GEMMConvolutionQuantized.put(bytes.0, out + 2 &* step, columns: columns)
            if rows > 3 { GEMMConvolutionQuantized.put(bytes.1, out + 3 &* step, columns: columns) }
        }
        if rows > 4 {
            bytes = twoRows(acc.c40 &+ bias0, acc.c41 &+ bias1, acc.c50 &+ bias0, acc.c51 &+ bias1)
            GEMMConvolutionQuantized.put(bytes.0, out + 4 &* step, columns: columns)
            if rows > 5 { GEMMConvolutionQuantized.put(bytes.1, out + 5 &* step, columns: columns) }
        }
    }

}
