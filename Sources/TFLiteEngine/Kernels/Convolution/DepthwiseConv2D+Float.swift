/// Chooses the float32 DEPTHWISE_CONV_2D kernel: the channel-vectorised
/// kernel for depth multiplier 1, else the reference loops.
enum DepthwiseConv2DFloat {
    static func make(ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters) throws -> Kernel {
        // (The vectorised kernel's zero row is W × C floats.)
        guard p.depthMultiplier == 1, try !ctx.hasEmptyInputOrOutput() else { return ConvolutionFloatReference(ctx: ctx, p) }
        return try DepthwiseConv2DFloatVectorized(ctx: ctx, p)
    }

    /// For `DepthwiseConv2DFloatVectorized`'s runs along the row
    /// (`flatRows`): the filter and bias repeated along a row of
    /// `period + FloatVector.scalarCount` floats per tap, then the bias's row,
    /// `period` the least common multiple of the channels and the lanes, so
    /// the weights of the vector of a row's floats from j on start at j mod
    /// `period`. Nil unless the layer is one it takes: stride and dilation
    /// 1, a 3×3 filter, 8 to 63 channels not a multiple of the lanes
    /// (where channel vectors waste lanes: NASNet's 11, 22 and 44),
    /// constant filter and bias (the kernel asks only where a row's
    /// interior holds a vector). Once per model.
    static func phaseTable(ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters, filterTaps: AlignedBuffer?) throws -> (table: AlignedBuffer, period: Int)? {
        let g = p.geometry, c = p.inputChannels, lanes = FloatVector.scalarCount
        guard p.depthMultiplier == 1, g.strideWidth == 1, g.dilationWidth == 1, g.strideHeight == 1, g.dilationHeight == 1,
              g.filterWidth == 3, g.filterHeight == 3,
              c >= DepthwiseConv2DFloatVectorized.narrowestLanes, c < 4 * lanes, c % lanes != 0 else { return nil }
        return try phaseWeights(ctx: ctx, p, filterTaps: filterTaps)
    }

    /// The filter and bias repeated along rows of `period +
    /// FloatVector.scalarCount` floats, one per tap then the bias's
    /// (`phaseTable`, `DepthwiseFlatRows`), `period` the least common
    /// multiple of the channels and the lanes; nil unless filter and bias
    /// are constant. Shared by the nodes of one filter.
    static func phaseWeights(ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters, filterTaps: AlignedBuffer?) throws -> (table: AlignedBuffer, period: Int)? {
        let g = p.geometry, c = p.inputChannels, lanes = FloatVector.scalarCount
        let taps = g.filterHeight * g.filterWidth
        let filterSource: UnsafePointer<Float>
        if let filterTaps {
            filterSource = UnsafePointer(filterTaps.pointer.assumingMemoryBound(to: Float.self))
        } else {
            let filter = try ctx.input(1)
            guard let w = filter.constant, filter.type == .float32, filter.elementCount == c * taps else { return nil }
            filterSource = w.assumingMemoryBound(to: Float.self)
        }
        var biasSource: UnsafePointer<Float>?
        if ctx.hasInput(2) {
            let bias = try ctx.input(2)
            guard let b = bias.constant, bias.type == .float32, bias.elementCount == c else { return nil }
            biasSource = b.assumingMemoryBound(to: Float.self)
        }
        var period = c
        while period % lanes != 0 { period += c }
        let rowFloats = period + lanes
        let key = SharedConstantKey("depthwise-phase-f32", [
            ctx.node.inputs[1], ctx.hasInput(2) ? ctx.node.inputs[2] : -1, c, taps, filterTaps == nil ? 0 : 1])
        let table = try ctx.graph.sharedConstants.value(for: key) {
            let buffer = try AlignedBuffer(byteCount: (taps + 1) * rowFloats * MemoryLayout<Float>.size)
            let target = buffer.pointer.assumingMemoryBound(to: Float.self)
            for t in 0...taps {
                for i in 0..<rowFloats {
                    let ch = i % c
                    target[t * rowFloats + i] = t < taps ? filterSource[t * c + ch] : biasSource?[ch] ?? 0
                }
            }
            return buffer
        }
        return (table, period)
    }

    /// A constant OHWI filter [C][KH][KW][1] (a grouped CONV_2D with one
    /// input and one output channel per group, as ConvNeXt's 7×7 converts)
    /// transposed to the depthwise layout [KH·KW][C], once per model; nil
    /// when the filter is not constant.
    static func filterTaps(ctx: PrepareContext, channels c: Int, taps: Int) throws -> AlignedBuffer? {
        let filter = try ctx.input(1)
        guard let w = filter.constant, filter.type == .float32, filter.elementCount == c * taps else { return nil }
        return try ctx.graph.sharedConstants.value(for: SharedConstantKey("depthwise-taps-f32", [ctx.node.inputs[1], c, taps])) {
            let buffer = try AlignedBuffer(byteCount: c * taps * MemoryLayout<Float>.size)
            let source = w.assumingMemoryBound(to: Float.self)
            let target = buffer.pointer.assumingMemoryBound(to: Float.self)
            for ch in 0..<c {
                for t in 0..<taps { target[t &* c &+ ch] = source[ch &* taps &+ t] }
            }
            return buffer
        }
    }
}

/// Where `DepthwiseConv2DFloatVectorized`'s paths read its input: element
/// `i` of the NHWC input at `base + (i − skipped)`. `skipped` is 0 for the
/// input tensor itself; for a window of expanded rows (`runExpanding`) it is
/// the offset of the window's first row, and only the rows it holds are read.
struct DepthwiseInput {
    let base: UnsafePointer<Float>
    let skipped: Int

    /// The input from element `offset` on (element 0 of the result is `offset` of this).
    @inline(__always) func advanced(by offset: Int) -> DepthwiseInput { DepthwiseInput(base: base, skipped: skipped &- offset) }
    @inline(__always) subscript(_ i: Int) -> Float { base[i &- skipped] }
    /// The address of element `offset`.
    @inline(__always) static func + (input: DepthwiseInput, offset: Int) -> UnsafePointer<Float> { input.base + (offset &- input.skipped) }
}

/// Float32 depthwise convolution with depth multiplier 1, vectorised over
/// channels (`FloatVector` lanes). Tiles are output rows. A channel count
/// that is not a multiple of the lanes runs its last vector at channel
/// C − lanes, overlapping the previous one: the overlapping channels are
/// computed twice the same way and stored twice with the same value, so no
/// channel goes through a scalar loop (NASNet's 11, 22 and 44 channels).
/// Fewer channels than sixteen `FloatVector` lanes run on eight
/// (`FloatLanes`); fewer than one vector, the scalar loops.
///
/// 3×3 filters at stride 1 over pixels a multiple of 2 KiB (C a multiple of
/// 512; in the sixteen-lane flavours any C of two vectors or more that does
/// not run along the row's floats), maps up to 30 columns wide: a band of
/// rows and two channel vectors at a time, copied into scratch first
/// (`gatheredRows`).
///
/// 5×5 and 7×7 filters at stride 1 or 2, and 3×3 filters at stride 1 where
/// a pixel's channels are not a multiple of 1 KiB (dilation 1 along the
/// row): every column in groups of eight pixels that load each input
/// vector once per filter row (a map narrower than eight columns one group
/// whose pixels past the row are not stored), the filter rows inside the
/// input found once per output row (`slidingRows`). At row stride 1 each
/// part of a row (edge group, strip of groups) runs down every row of the
/// tile range before the next part, so a strip's input rows stay in the
/// first-level cache from one output row to the next (also `stripRows3x3`
/// for the 3×3 filters below).
///
/// Other 3×3 filters (dilation 1, stride 1 or 2 along the row): rows above or
/// below the input read a zero row, so every output row runs the same code;
/// columns whose taps all fall inside the input run four pixels at a time,
/// each input vector loaded once for every pixel it feeds
/// (`interiorSliding3x3`); edge columns read the zero row for taps in the
/// padding.
///
/// Any other filter (dilated along the row, wider than 7, or at row stride 3
/// or more): the filter rows inside the input
/// are found once per output row and skipped rows are never visited;
/// interior columns run eight output pixels per channel vector (eight
/// independent multiply-add chains sharing each weight load), edge columns
/// four pixels at a time (`pixels4`). Every pixel sums its taps in the same order.
///
/// In the sixteen-lane flavours, filters at stride 2 run along the output
/// rows' floats (`DepthwiseFlatRows`) where they are 5×5 with 8 to 31
/// channels or 7×7 with 8 to 15, and those where pairs of pixels fill more
/// lanes on pairs (`DepthwisePairedRows`).
///
/// Where `ExpansionDepthwiseFusion` gave it the convolution that computes
/// its input, the paths read a window of that convolution's rows, computed
/// as the output rows need them (`runExpanding`, `DepthwiseInput`).
final class DepthwiseConv2DFloatVectorized: Kernel {
    let p: DepthwiseConv2D.Parameters
    let operands: FilteredOperands
    private var boundInput: UnsafePointer<Float>?
    var filter: UnsafePointer<Float>!
    var bias: UnsafePointer<Float>?
    var output: UnsafeMutablePointer<Float>!
    /// The node's scratch area (`gatheredRows`).
    private var scratch: UnsafeMutableRawPointer?
    /// One input row of zeros (width × channels), read for rows in the padding.
    private let zeroRow: UnsafeMutablePointer<Float>
    /// Zero bias used when the op has none.
    private let zeroBias: UnsafeMutablePointer<Float>
    /// The filter as [tap][channel] when the node's own filter has another
    /// layout (see `DepthwiseConv2DFloat.filterTaps`).
    private let filterTaps: AlignedBuffer?
    /// First and one-past-last output column whose taps are all inside the input.
    let interiorStart: Int, interiorEnd: Int
    /// The filter's width where `slidingRows` computes the node (3, 5 or
    /// 7), else 0.
    let slidingTaps: Int
    /// The weights by phase for `flatRows` (`DepthwiseConv2DFloat.phaseTable`),
    /// or nil.
    private let phases: (table: AlignedBuffer, period: Int)?
    /// Output rows per band of `gatheredRows`, or 0 where that path is not used.
    let gatheredBand: Int
    /// The layout of `pairedRows` where it takes the layer (`DepthwisePairedRows`), or nil.
    let paired: DepthwisePairedRows?
    /// The layout of `flatStrideRows` where it takes the layer (`DepthwiseFlatRows`), or nil.
    let flat: DepthwiseFlatRows?
    /// A band's scratch in `gatheredRows` (0 where it is not used): its input
    /// rows (band + 2) of output width + 2 pixels, for each of two channel vectors.
    private let bandBytes: Int
    /// Input rows ahead that the interior groups ask to be brought into the
    /// second-level cache (`prefetchRows`): the rows the next output row
    /// reads that the current one does not (the row stride; dilation 1),
    /// where the input is at least `minimumPrefetchedBytes` and is not
    /// computed into a window (`runExpanding`); else 0. The groups read
    /// eight pixels' channel vectors across each row, 512-byte strides at
    /// 128 channels, which the hardware prefetchers did not follow. One-op
    /// 147 × 147 × 128 3×3 (Xception's second block; 11 MB in, 11 MB out),
    /// AMD Zen 3, `avx2`, medians of eight alternating rounds' medians:
    /// 3.96 ms before, 2.63 with this and `stripBlockBytes` (LiteRT +
    /// XNNPACK: 1.85 in another run); 147 × 147 × 64 0.667 → 0.583.
    private var prefetchedRows: Int { expansion == nil ? largeInputRows : 0 }
    /// `prefetchedRows` for an output row whose window ends before input
    /// row `end` of its image: those that the image has (no address past
    /// the input is formed).
    @inline(__always)
    private func rowsAhead(below end: Int) -> Int { min(prefetchedRows, max(0, p.geometry.inputHeight &- end)) }
    private let largeInputRows: Int
    /// The smallest input that `prefetchedRows` asks ahead for: larger than
    /// the second-level caches of the machines measured (tests lower it).
    nonisolated(unsafe) static var minimumPrefetchedBytes = 2 << 20

    /// Set by `ExpansionDepthwiseFusion`: the convolution whose output
    /// this node reads, computed here a few input rows at a time into each
    /// worker's scratch as the output rows need them (`runExpanding`);
    /// nil otherwise.
    private(set) var expansion: GEMMConvolutionFloat?
    /// Input rows the window of `runExpanding` holds (0 when not expanding).
    private(set) var windowRows = 0
    /// Where the window starts in a worker's scratch (after the expansion's own).
    private var windowOffset = 0

    init(ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters, filterTaps: AlignedBuffer? = nil) throws {
        self.p = p
        self.filterTaps = filterTaps
        operands = FilteredOperands(ctx)
        let g = p.geometry
        // ox·s − padLeft ≥ 0 and ox·s − padLeft + (KW−1)·d ≤ W − 1.
        let start = (g.padLeft + g.strideWidth - 1) / g.strideWidth
        let lastReach = g.inputWidth - 1 - (g.filterWidth - 1) * g.dilationWidth + g.padLeft
        let end = lastReach >= 0 ? lastReach / g.strideWidth + 1 : 0
        interiorStart = min(start, g.outputWidth)
        interiorEnd = max(interiorStart, min(end, g.outputWidth))
        // The runs along the row's floats need an interior of at least one vector.
        phases = (interiorEnd - interiorStart) * p.inputChannels >= FloatVector.scalarCount
            ? try DepthwiseConv2DFloat.phaseTable(ctx: ctx, p, filterTaps: filterTaps) : nil
        flat = try DepthwiseFlatRows.make(ctx: ctx, p, filterTaps: filterTaps)
        paired = flat == nil ? try DepthwisePairedRows.make(ctx: ctx, p, filterTaps: filterTaps) : nil
        // (Allocated after the last step that can throw.)
        let rowFloats = max(g.inputWidth * p.inputChannels, 1)
        zeroRow = .allocate(capacity: rowFloats)
        zeroRow.initialize(repeating: 0, count: rowFloats)
        zeroBias = .allocate(capacity: max(p.outputChannels, 1))
        zeroBias.initialize(repeating: 0, count: max(p.outputChannels, 1))
        // 3-wide at stride 1 only, and not where a pixel is a multiple of 1 KiB
        // (MobileNetV1's 256 and 512 channels: eight pixels of three rows fall
        // into the same few first-level cache sets): those ran faster four
        // pixels at a time (`interiorSliding3x3`), except maps narrower than
        // eight columns, one edge group a row (MobileNetV1's 7 × 7 × 1024:
        // 0.034 → 0.025 ms; Xception's 10 × 10 × 1024 and × 1536, two groups a
        // row, 0.073 → 0.094 sliding; Zen 4).
        let threeWide = g.filterWidth == 3 && g.strideWidth == 1 && (p.inputChannels % 256 != 0 || g.outputWidth < 8)
        gatheredBand = Self.gatheredBand(p, flatRows: phases != nil)
        // (Width at most 256 where the band is not 0: no overflow.)
        bandBytes = gatheredBand > 0 ? 2 * (gatheredBand + 2) * (g.outputWidth + 2) * MemoryLayout<FloatVector>.stride : 0
        // (At most 16 filter rows: the edge groups' column table is on the stack.)
        slidingTaps = (threeWide || g.filterWidth == 5 || g.filterWidth == 7) && g.strideWidth <= 2 && g.dilationWidth == 1
            && g.filterHeight <= 16 ? g.filterWidth : 0
        // (The tensor's size is checked when the model is read.)
        let inputBytes = g.batches * g.inputHeight * rowFloats * MemoryLayout<Float>.size
        largeInputRows = g.dilationHeight == 1 && inputBytes >= Self.minimumPrefetchedBytes ? g.strideHeight : 0
    }

    deinit {
        zeroRow.deallocate()
        zeroBias.deallocate()
    }

    var tileCount: Int { p.geometry.outputRows }
    /// This layer's arithmetic only: the expansion's counts in the profile
    /// through its own node (`computedByReader`), and splitting a run by
    /// it alone keeps the `parallel` backend's chunks as they were measured.
    var cost: Int { p.cost }
    var scratchBytesPerWorker: Int {
        windowRows > 0 ? windowOffset &+ windowRows &* p.geometry.inputWidth &* p.inputChannels &* MemoryLayout<Float>.size
            : flat?.scratchBytes ?? paired?.scratchBytes ?? bandBytes
    }
    /// The tensor the expansion reads, which the arena keeps through this step.
    var fusedReads: [Int] { expansion.map { [$0.inputIndex] } ?? [] }
    /// Bytes the expansion's node reads (input, filter, bias), which a run
    /// reads in place of this node's input (`expand(with:readingBytes:)`).
    private var expansionBytes = 0
    /// Expanding, a run never reads the input tensor but the expansion's
    /// operands: the profile's bytes moved (which decide whether a node
    /// counts as memory-bound) are those.
    var substitutedTraffic: (tensor: Int, bytes: Int)? { expansion == nil ? nil : (operands.input, expansionBytes) }

    /// Most bytes of a window of expanded input rows (`runExpanding`):
    /// with the rows it is computed from and this node's output rows, it
    /// stays in the second-level cache.
    static let maximumWindowBytes = 384 << 10
    /// Smallest expanded map that `expand(with:)` takes (tests lower it).
    /// Smaller maps mostly stay in the second-level cache anyway: on an
    /// Intel Xeon (family 6 model 207, 2 MiB L2 per core) a 1×1 56×56×24 →
    /// 144 expansion then 3×3 layer (1.8 MB between them) took 0.3365 ms
    /// fused and 0.3245 not (medians of ten alternating rounds' minima); a
    /// 112×112×16 → 96 one then 3×3 at stride 2 (4.8 MB) 0.5945 fused and
    /// 0.631 not.
    nonisolated(unsafe) static var minimumExpandedBytes = 2 << 20

    /// Makes this node compute its input with `producer`, a convolution
    /// whose output only this node reads (or, with nil, read its input
    /// again); false (and no change) where this node cannot: its
    /// `gatheredRows` or `flatRows` paths, which read bands of rows, a
    /// producer that cannot compute whole rows of this input
    /// (`GEMMConvolutionFloat.computesRows(ofWidth:)`) or applies an
    /// activation as it stores, an input of another size, a window of the
    /// filter's rows over `maximumWindowBytes`, or an input under
    /// `minimumExpandedBytes`.
    /// `readingBytes`: the bytes of the producer's node's inputs.
    func expand(with producer: GEMMConvolutionFloat?, readingBytes: Int = 0) -> Bool {
        guard let producer else {
            expansion = nil
            windowRows = 0
            windowOffset = 0
            expansionBytes = 0
            return true
        }
        let g = p.geometry
        guard gatheredBand == 0, phases == nil, paired == nil, flat == nil, producer.outputActivation == nil, producer.computesRows(ofWidth: g.inputWidth),
              producer.n == p.inputChannels, producer.m == g.batches &* g.inputHeight &* g.inputWidth else { return false }
        // At least the rows one output row reads (span) and two more output
        // rows', and 2 · span − 2, so that the rows kept when the window
        // moves never overlap the ones they move over (`runExpanding`); up
        // to `maximumWindowBytes` (the fewer moves, the fewer rows copied).
        let span = (g.filterHeight &- 1) &* g.dilationHeight &+ 1
        let fewest = 2 &* span &- 2 &+ 2 &* g.strideHeight
        let rowBytes = g.inputWidth &* p.inputChannels &* MemoryLayout<Float>.size
        guard fewest &* rowBytes <= Self.maximumWindowBytes,
              g.batches &* g.inputHeight &* rowBytes >= Self.minimumExpandedBytes else { return false }
        expansion = producer
        expansionBytes = readingBytes
        windowRows = max(fewest, min(Self.maximumWindowBytes / max(rowBytes, 1), 32))
        windowOffset = workerScratchStride(producer.scratchBytesPerWorker)
        return true
    }

    /// The rows of a band of `gatheredRows` (up to 12 KiB of scratch a vector), or 0:
    /// 3×3 filters at stride and dilation 1 over pixels a multiple of 2 KiB
    /// (C a multiple of 512), maps at least four columns wide and bands of at
    /// least four rows (so maps up to 30 columns wide, or fewer rows). In the
    /// sixteen-lane flavours also any other C of two vectors or more that
    /// does not run along the row's floats (`flatRows`: no `phases`). One-op models, Zen 5
    /// (`avx512-vnni`; medians of five or six alternating rounds' minima):
    /// 19 × 19 × 728 0.0702 → 0.0440 ms, 14 × 14 × 672 0.0261 → 0.0200,
    /// 7 × 7 × 1152 0.0107 → 0.0087, 28 × 28 × 256 0.0380 → 0.0311,
    /// 28 × 28 × 32 0.0059 → 0.0034; slower for 40 and 44 channels (flat rows:
    /// 28 × 28 × 40 0.0048 → 0.0073). On Zen 5 the pixels a multiple of 2 KiB
    /// were slower copied too (10 × 10 × 1024 0.0306 in place against 0.0438,
    /// 7 × 7 × 1024 0.0114 against 0.0137; 10 × 10 × 1536 faster, 0.0413
    /// against 0.0319), the opposite of the Zen 4 measurement at
    /// `gatheredRows`; they stay as they were.
    private static func gatheredBand(_ p: DepthwiseConv2D.Parameters, flatRows: Bool) -> Int {
        let g = p.geometry, c = p.inputChannels
        #if TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI
        let channelsTaken = c % 512 == 0 || c >= 2 * FloatVector.scalarCount && !flatRows
        #else
        let channelsTaken = c % 512 == 0
        #endif
        guard g.filterHeight == 3 && g.filterWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
                && g.dilationHeight == 1 && g.dilationWidth == 1 && channelsTaken
                && g.outputWidth >= 4 && g.outputWidth <= 256 else { return 0 }
        let rowBytes = (g.outputWidth + 2) * MemoryLayout<FloatVector>.stride
        let band = min(g.outputHeight, 12288 / rowBytes - 2)
        return band >= 4 || band == g.outputHeight && band > 0 ? band : 0
    }

    func bind(_ memory: TensorMemory) {
        boundInput = UnsafePointer(memory.pointer(operands.input, as: Float.self))
        filter = filterTaps.map { UnsafePointer($0.pointer.assumingMemoryBound(to: Float.self)) }
            ?? UnsafePointer(memory.pointer(operands.filter, as: Float.self))
        bias = operands.bias.map { UnsafePointer(memory.pointer($0, as: Float.self)) }
        output = memory.pointer(operands.output, as: Float.self)
        scratch = memory.scratch
    }

    /// The fewest channels that run on vectors (fewer run the scalar loops).
    static var narrowestLanes: Int {
        #if TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI
        SIMD8<Float>.scalarCount
        #else
        FloatVector.scalarCount
        #endif
    }

    /// Set by `StoredActivationFusion` (as `GEMMConvolutionFloat.outputActivation`):
    /// applied in place to blocks of output rows (about 16 KiB, whole
    /// bands of `gatheredRows`), a block behind the computation.
    var outputActivation: FloatActivationLoop?

    func run(tiles: Range<Int>, worker: Int) { run(tiles: tiles, worker: worker, continuing: false) }

    /// Continuing a worker's last call of the same run (`Kernel.run(tiles:worker:continuing:)`),
    /// the paired rows' ring in the worker's scratch is kept. (The expanded
    /// rows' window is not: that fusion is for one thread.)
    func run(tiles: Range<Int>, worker: Int, continuing: Bool) {
        if let expansion {
            runExpanding(tiles, worker: worker, expansion)
            return
        }
        let input = DepthwiseInput(base: boundInput.unsafelyUnwrapped, skipped: 0)
        guard let activation = outputActivation, let output else {
            compute(tiles, worker: worker, input: input, continuing: continuing)
            return
        }
        // Blocks of `rowsPerBlock` rows, each transformed when the next is done.
        let rowLength = p.geometry.outputWidth &* p.outputChannels
        let rowsPerBlock = max(1, 4096 / max(rowLength, 1), gatheredBand)
        let first = tiles.lowerBound, blocks = (tiles.count &+ rowsPerBlock &- 1) / rowsPerBlock
        func rows(_ block: Int) -> Range<Int> {
            let start = first &+ block &* rowsPerBlock
            return start..<min(start &+ rowsPerBlock, tiles.upperBound)
        }
        GEMMTiling.forEachTile(0..<blocks, { compute(rows($0), worker: worker, input: input, continuing: continuing || $0 > 0) }) { block in
            let done = rows(block), start = output + done.lowerBound &* rowLength
            activation(start, start, done.count &* rowLength)
        }
    }

    /// Output rows `tiles` where the input comes from `expansion`: each
    /// worker keeps a window of `windowRows` consecutive input rows in its
    /// scratch, computes the rows an output row needs that the window lacks
    /// (`GEMMConvolutionFloat.compute(rows:into:scratch:)`, the same values
    /// its own run would store) and runs the output row on the window.
    /// When the next rows would not fit, the rows still needed move to the
    /// window's start. The expanded map never goes through memory: for
    /// MobileNetV2's 112 × 112 × 96 expansion, 4.8 MB that the 3×3 layer at
    /// stride 2 read back from the last-level cache.
    private func runExpanding(_ tiles: Range<Int>, worker: Int, _ producer: GEMMConvolutionFloat) {
        guard let scratch else { return }
        let g = p.geometry
        let rowFloats = g.inputWidth &* p.inputChannels, rowLength = g.outputWidth &* p.outputChannels
        let workerScratch = scratch + worker &* scratchStride
        let window = (workerScratch + windowOffset).assumingMemoryBound(to: Float.self)
        let capacity = windowRows
        // The window holds rows first..<first + count of image `image`.
        var image = -1, first = 0, count = 0
        // The last input row the range reads, of image `lastImage`: rows
        // are computed ahead (as many as the window holds, more rows a
        // call) up to it.
        let lastImage = (tiles.upperBound &- 1) / g.outputHeight
        let lastRows = filterRows(oy: (tiles.upperBound &- 1) % g.outputHeight)
        let lastRow = (tiles.upperBound &- 1) % g.outputHeight &* g.strideHeight &- g.padTop &+ (lastRows.1 &- 1) &* g.dilationHeight
        let activation = outputActivation
        GEMMTiling.forEachTile(tiles, { tile in
            let b = tile / g.outputHeight, oy = tile % g.outputHeight
            let (ky0, ky1) = filterRows(oy: oy)
            if ky0 < ky1 {
                let top = oy &* g.strideHeight &- g.padTop
                let low = top &+ ky0 &* g.dilationHeight, high = top &+ (ky1 &- 1) &* g.dilationHeight
                if b != image || low < first || low > first &+ count {
                    image = b
                    first = low
                    count = 0
                }
                if high >= first &+ capacity {
                    // (At most span − 1 rows are kept, from at least capacity − span + 1 rows
                    // in: the two ranges do not overlap.)
                    let kept = max(first &+ count &- low, 0)
                    if kept > 0 { window.update(from: window + (low &- first) &* rowFloats, count: kept &* rowFloats) }
                    first = low
                    count = kept
                }
                if high >= first &+ count {
                    let end = min(first &+ capacity &- 1, b == lastImage ? max(lastRow, high) : g.inputHeight &- 1)
                    let row0 = b &* g.inputHeight &+ first &+ count, row1 = b &* g.inputHeight &+ end &+ 1
                    producer.compute(rows: row0 &* g.inputWidth..<row1 &* g.inputWidth, into: window + count &* rowFloats,
                                     scratch: workerScratch)
                    count = end &+ 1 &- first
                }
            }
            let input = DepthwiseInput(base: UnsafePointer(window), skipped: (b &* g.inputHeight &+ first) &* rowFloats)
            compute(tile..<(tile &+ 1), worker: worker, input: input)
        }) { tile in
            if let activation, let output {
                let start = output + tile &* rowLength
                activation(start, start, rowLength)
            }
        }
    }

    private func compute(_ tiles: Range<Int>, worker: Int, input: DepthwiseInput, continuing: Bool = false) {
        #if TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI
        if let flat, let scratch {
            flatStrideRows(input, tiles, scratch + worker &* scratchStride, flat, continuing: continuing)
            return
        }
        if let paired, let scratch {
            pairedRows(input, tiles, scratch + worker &* scratchStride, paired, continuing: continuing)
            return
        }
        #endif
        if gatheredBand > 0, let scratch {
            gatheredRows(input, tiles, (scratch + worker &* scratchStride).assumingMemoryBound(to: Float.self))
            return
        }
        #if TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI
        // Fewer channels than sixteen lanes: eight (with the overlapping last
        // vector from eight channels up) rather than the scalar loops.
        // NASNet-Mobile's 11-channel 5×5 and 7×7 layers ran at 2 GFLOP/s.
        if p.inputChannels < FloatVector.scalarCount {
            if let phases { flatRows(input, SIMD8<Float>.self, tiles, phases.table, period: phases.period) } else { outputRows(input, SIMD8<Float>.self, tiles) }
            return
        }
        #endif
        if let phases { flatRows(input, FloatVector.self, tiles, phases.table, period: phases.period) } else { outputRows(input, FloatVector.self, tiles) }
    }

    /// Output rows `tiles` of a 3×3 filter at stride 1 where `gatheredBand`
    /// takes the layer, a band of rows and two channel
    /// vectors at a time (the last two overlapping the ones before where C
    /// is not a multiple of two vectors): the band's input rows of the two vectors are first
    /// copied into `scratch` as two planes of 64-byte pixels, the padding's
    /// zeros around them, and each vector's outputs then read its plane
    /// from the first-level cache (`gatheredVector`). Read in place, pixels
    /// 4 KiB apart fall into one cache set: a vector's nine weights and the
    /// eighteen input vectors of four pixels shared a set and came from the
    /// second level. Xception's 10×10×1024 layer (one-op model, Zen 4):
    /// 0.073 ms in place (25 GFLOP/s; 61 on 256 channels), 0.040 copying
    /// one vector at a time, 0.039 two (their lines are adjacent).
    private func gatheredRows(_ input: DepthwiseInput, _ tiles: Range<Int>, _ scratch: UnsafeMutablePointer<Float>) {
        let w = FloatVector.scalarCount
        let g = p.geometry, c = p.inputChannels
        let span = g.outputWidth &+ 2, rowFloats = span &* w
        // Scratch column j holds input column j − padLeft.
        let left = min(g.padLeft, span), right = max(left, min(span, g.inputWidth &+ g.padLeft))
        let zero = FloatVector(repeating: 0)
        var tile = tiles.lowerBound
        while tile < tiles.upperBound {
            let b = tile / g.outputHeight, oy0 = tile % g.outputHeight
            let rows = min(tiles.upperBound &- tile, g.outputHeight &- oy0, gatheredBand)
            let inputBatch = input.advanced(by: b &* g.inputHeight &* g.inputWidth &* c)
            let plane = (rows &+ 2) &* rowFloats
            var next = 0
            while next < c {
                // The last pair overlaps its predecessor when C is not a multiple of two vectors.
                let ch = min(next, c &- 2 &* w)
                for j in 0..<(rows &+ 2) {
                    let iy = oy0 &- g.padTop &+ j
                    let first = scratch + j &* rowFloats, second = first + plane
                    if iy >= 0 && iy < g.inputHeight {
                        let src = inputBatch + (iy &* g.inputWidth &* c &+ ch)
                        for x in 0..<left { first.storeLanes(zero, x &* w); second.storeLanes(zero, x &* w) }
                        for x in left..<right {
                            let q = src + (x &- g.padLeft) &* c
                            first.storeLanes(q.load(FloatVector.self), x &* w)
                            second.storeLanes(q.load(FloatVector.self, w), x &* w)
                        }
                        for x in right..<span { first.storeLanes(zero, x &* w); second.storeLanes(zero, x &* w) }
                    } else {
                        for x in 0..<span { first.storeLanes(zero, x &* w); second.storeLanes(zero, x &* w) }
                    }
                }
                gatheredVector(UnsafePointer(scratch), rowFloats: rowFloats, firstRow: tile, rows: rows, channel: ch)
                gatheredVector(UnsafePointer(scratch + plane), rowFloats: rowFloats, firstRow: tile, rows: rows, channel: ch &+ w)
                next &+= 2 &* w
            }
            tile &+= rows
        }
    }

    /// Output rows `firstRow..<firstRow + rows` (counted over the batch) of
    /// channels `channel..<channel + lanes` from `plane`, their input rows
    /// as `gatheredRows` copied them (`rowFloats` apart, padding included):
    /// the nine weights in registers, four output pixels at a time
    /// (`slide3Stride1`), the last four of a row overlapping their
    /// predecessors. Each output sums bias, then taps (0, 0), (0, 1), …
    /// (2, 2), taps in the padding adding 0 · w, as `edge3x3` and
    /// `interiorSliding3x3` do.
    @inline(__always)
    private func gatheredVector(_ plane: UnsafePointer<Float>, rowFloats: Int, firstRow: Int, rows: Int, channel ch: Int) {
        let w = FloatVector.scalarCount
        let c = p.inputChannels, wOut = p.geometry.outputWidth
        let (low, high) = p.activation.floatRange
        let lo = FloatVector(repeating: low), hi = FloatVector(repeating: high)
        let fc = filter! + ch
        let k0 = fc.load(FloatVector.self), k1 = fc.load(FloatVector.self, c), k2 = fc.load(FloatVector.self, 2 &* c)
        let k3 = fc.load(FloatVector.self, 3 &* c), k4 = fc.load(FloatVector.self, 4 &* c)
        let k5 = fc.load(FloatVector.self, 5 &* c), k6 = fc.load(FloatVector.self, 6 &* c)
        let k7 = fc.load(FloatVector.self, 7 &* c), k8 = fc.load(FloatVector.self, 8 &* c)
        let biasVector = (bias ?? UnsafePointer(zeroBias)).load(FloatVector.self, ch)
        for j in 0..<rows {
            let row = plane + j &* rowFloats
            let o = output + ((firstRow &+ j) &* wOut &* c &+ ch)
            var x = 0
            while x < wOut {
                let x0 = min(x, wOut &- 4)
                var a0 = biasVector, a1 = biasVector, a2 = biasVector, a3 = biasVector
                let q = row + x0 &* w
                slide3Stride1(q, w, k0, k1, k2, &a0, &a1, &a2, &a3)
                slide3Stride1(q + rowFloats, w, k3, k4, k5, &a0, &a1, &a2, &a3)
                slide3Stride1(q + 2 &* rowFloats, w, k6, k7, k8, &a0, &a1, &a2, &a3)
                let oc = o + x0 &* c
                oc.storeLanes(a0.clamped(lo, hi))
                oc.storeLanes(a1.clamped(lo, hi), c)
                oc.storeLanes(a2.clamped(lo, hi), 2 &* c)
                oc.storeLanes(a3.clamped(lo, hi), 3 &* c)
                x = x0 &+ 4
            }
        }
    }

    /// Output rows `tiles` of a 3×3 filter where a row's interior floats
    /// run as one vector (`DepthwiseConv2DFloat.phaseTable`): at stride 1
    /// the input float of tap (ky, kx) for the output float j of a row is
    /// float j + (kx − padLeft)·C of input row ky, and its weight the tap's
    /// weight of channel j mod C, so every vector of `FloatVector` lanes
    /// over the interior's floats has all lanes in use whatever C is. The
    /// interior starts at a pixel, so the weights of its float j start at
    /// j mod `period`. Four rows of one image at a time (`flatFourRows`;
    /// one row at a time needs two loads a multiply-add and was slower than
    /// the channel vectors); the rows left over (the last rows of a tile
    /// range or of an image) run the channel-vector paths (`outputRows`). Each float sums bias, then taps (ky, kx) in
    /// order, as every other path does.
    @inline(__always)
    private func flatRows<E: FloatLanes>(_ input: DepthwiseInput, _: E.Type, _ tiles: Range<Int>, _ table: AlignedBuffer, period: Int) {
        let g = p.geometry
        let weights = UnsafePointer(table.pointer.assumingMemoryBound(to: Float.self))
        var tile = tiles.lowerBound
        while tile < tiles.upperBound {
            let b = tile / g.outputHeight, oy = tile % g.outputHeight
            if tile &+ 4 <= tiles.upperBound && oy &+ 4 <= g.outputHeight {
                flatFourRows(input, E.self, b: b, oy: oy, weights, period: period)
                tile &+= 4
            } else {
                outputRows(input, E.self, tile..<tile &+ 1)
                tile &+= 1
            }
        }
    }

    /// The interior floats of output rows `oy…oy + 3` (3×3 filter, stride
    /// and dilation 1), a vector of each row at a time: the six input rows'
    /// three vectors each are loaded once for the four rows' 36
    /// multiply-adds, and each weight vector once for four (Zen 4 loads one
    /// 64-byte vector a cycle: one row at a time, two loads a multiply-add,
    /// took three times as long on NASNet's 56×56×11). Rows above or below the input
    /// read the zero row (adding 0 · w, as `edge3x3` does). The edge pixels
    /// of the four rows go together too, on `E`'s lanes over channels
    /// (taps left or right of the input skipped, as `pixel` does).
    @inline(__always)
    private func flatFourRows<E: FloatLanes>(_ input: DepthwiseInput, _: E.Type, b: Int, oy: Int, _ weights: UnsafePointer<Float>, period: Int) {
        let lanes = FloatVector.scalarCount
        let g = p.geometry, c = p.inputChannels
        let (low, high) = p.activation.floatRange
        let lo = FloatVector(repeating: low), hi = FloatVector(repeating: high)
        let tapStep = period &+ lanes
        let biasRow = weights + 9 &* tapStep
        let count = (interiorEnd &- interiorStart) &* c
        let rowStep = g.inputWidth &* c, outStep = g.outputWidth &* c
        // Tap (0, 0) of each row's first interior float: input rows oy − padTop … oy − padTop + 5.
        let firstColumn = (interiorStart &- g.padLeft) &* c
        let zero = UnsafePointer(zeroRow) + firstColumn
        @inline(__always) func row(_ t: Int) -> UnsafePointer<Float> {
            let iy = oy &- g.padTop &+ t
            guard iy >= 0 && iy < g.inputHeight else { return zero }
            let offset: Int = (b &* g.inputHeight &+ iy) &* rowStep &+ firstColumn
            return input + offset
        }
        let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3), r4 = row(4), r5 = row(5)
        let o0 = output + ((b &* g.outputHeight &+ oy) &* g.outputWidth &+ interiorStart) &* c
        @inline(__always) func vector(_ j: Int) {
            let phase = j % period
            let w = weights + phase
            @inline(__always) func three(_ r: UnsafePointer<Float>) -> (FloatVector, FloatVector, FloatVector) {
                (r.load(FloatVector.self, j), r.load(FloatVector.self, j &+ c), r.load(FloatVector.self, j &+ 2 &* c))
            }
            let (i00, i01, i02) = three(r0), (i10, i11, i12) = three(r1), (i20, i21, i22) = three(r2)
            let (i30, i31, i32) = three(r3), (i40, i41, i42) = three(r4), (i50, i51, i52) = three(r5)
            var a0 = biasRow.load(FloatVector.self, phase)
            var a1 = a0, a2 = a0, a3 = a0
            @inline(__always) func tap(_ t: Int, _ v0: FloatVector, _ v1: FloatVector, _ v2: FloatVector, _ v3: FloatVector) {
                let wv = w.load(FloatVector.self, t &* tapStep)
                a0 = a0.multiplyAdd(v0, wv)
                a1 = a1.multiplyAdd(v1, wv)
                a2 = a2.multiplyAdd(v2, wv)
                a3 = a3.multiplyAdd(v3, wv)
            }
            tap(0, i00, i10, i20, i30); tap(1, i01, i11, i21, i31); tap(2, i02, i12, i22, i32)
            tap(3, i10, i20, i30, i40); tap(4, i11, i21, i31, i41); tap(5, i12, i22, i32, i42)
            tap(6, i20, i30, i40, i50); tap(7, i21, i31, i41, i51); tap(8, i22, i32, i42, i52)
            let o = o0 + j
            o.storeLanes(a0.clamped(lo, hi))
            o.storeLanes(a1.clamped(lo, hi), outStep)
            o.storeLanes(a2.clamped(lo, hi), 2 &* outStep)
            o.storeLanes(a3.clamped(lo, hi), 3 &* outStep)
        }
        var j = 0
        while j &+ lanes <= count {
            vector(j)
            j &+= lanes
        }
        // The last floats: a vector ending at the interior's end, overlapping the one before.
        if j < count { vector(count &- lanes) }

        let w = E.scalarCount
        let eLo = E.splat(low), eHi = E.splat(high)
        let biasBase = bias ?? UnsafePointer(zeroBias)
        let f = filter!
        let out = output + (b &* g.outputHeight &+ oy) &* outStep
        @inline(__always) func edge(_ ox: Int) {
            // Filter columns kx0..<kx1 fall inside the input; the rows' pointers are at input column interiorStart − padLeft.
            let ix0 = ox &- g.padLeft
            let kx0 = max(0, -ix0), kx1 = min(3, g.inputWidth &- ix0)
            let column = (ix0 &- interiorStart &+ g.padLeft) &* c
            var ch = 0
            while ch < c {
                let cc = min(ch, c &- w)
                var a0 = biasBase.load(E.self, cc)
                var a1 = a0, a2 = a0, a3 = a0
                @inline(__always) func filterRow(_ ky: Int, _ q0: UnsafePointer<Float>, _ q1: UnsafePointer<Float>,
                                                 _ q2: UnsafePointer<Float>, _ q3: UnsafePointer<Float>) {
                    for kx in kx0..<kx1 {
                        let wv = f.load(E.self, (ky &* 3 &+ kx) &* c &+ cc)
                        let at = column &+ kx &* c &+ cc
                        a0 = a0.multiplyAdd(q0.load(E.self, at), wv)
                        a1 = a1.multiplyAdd(q1.load(E.self, at), wv)
                        a2 = a2.multiplyAdd(q2.load(E.self, at), wv)
                        a3 = a3.multiplyAdd(q3.load(E.self, at), wv)
                    }
                }
                filterRow(0, r0, r1, r2, r3)
                filterRow(1, r1, r2, r3, r4)
                filterRow(2, r2, r3, r4, r5)
                let o = out + (ox &* c &+ cc)
                o.storeLanes(a0.clamped(eLo, eHi))
                o.storeLanes(a1.clamped(eLo, eHi), outStep)
                o.storeLanes(a2.clamped(eLo, eHi), 2 &* outStep)
                o.storeLanes(a3.clamped(eLo, eHi), 3 &* outStep)
                ch &+= w
            }
        }
        for ox in 0..<interiorStart { edge(ox) }
        for ox in interiorEnd..<g.outputWidth { edge(ox) }
    }

    /// The most filter taps `pixels4` takes (its addresses are on the stack).
    static let edgeTapLimit = 64

    /// Output rows `tiles` on vectors of `V`'s lanes.
    @inline(__always)
    private func outputRows<V: FloatLanes>(_ input: DepthwiseInput, _: V.Type, _ tiles: Range<Int>) {
        let g = p.geometry
        let fast3x3 = g.filterHeight == 3 && g.filterWidth == 3 && g.dilationHeight == 1 && g.dilationWidth == 1
            && g.strideWidth <= 2
        let taps = g.filterHeight &* g.filterWidth
        if slidingTaps != 0 && p.inputChannels >= V.scalarCount {
            // The edge groups' input columns: (7 · stride + taps) per filter row.
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: (7 &* g.strideWidth &+ slidingTaps) &* g.filterHeight) { buffer in
                guard let columns = buffer.baseAddress else { return }
                switch (slidingTaps, g.strideWidth) {
                case (7, 1): slidingRows(input, V.self, SevenTaps.self, tiles, columns: columns)
                case (7, _): slidingRows(input, V.self, SevenTapsStride2.self, tiles, columns: columns)
                case (5, 1): slidingRows(input, V.self, FiveTaps.self, tiles, columns: columns)
                case (5, _): slidingRows(input, V.self, FiveTapsStride2.self, tiles, columns: columns)
                default: slidingRows(input, V.self, ThreeTaps.self, tiles, columns: columns)  // (3, 1)
                }
            }
        } else if !fast3x3 && taps <= Self.edgeTapLimit && p.inputChannels >= V.scalarCount {
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 4 &* taps) { buffer in
                outputRows(input, V.self, tiles, fast3x3: false, edgeTaps: buffer.baseAddress)
            }
        } else {
            outputRows(input, V.self, tiles, fast3x3: fast3x3, edgeTaps: nil)
        }
    }

    /// The filter rows `ky0..<ky1` of output row `oy` that fall inside the
    /// input (skipped rows would add 0 · w).
    @inline(__always)
    private func filterRows(oy: Int) -> (Int, Int) {
        let g = p.geometry
        let iy0 = oy &* g.strideHeight &- g.padTop, dh = g.dilationHeight
        let ky0 = iy0 >= 0 ? 0 : min(g.filterHeight, (dh &- 1 &- iy0) / dh)
        let ky1 = iy0 >= g.inputHeight ? 0 : min(g.filterHeight, (g.inputHeight &- 1 &- iy0) / dh &+ 1)
        return (ky0, max(ky0, ky1))
    }

    /// Input bytes a strip of column groups may read (`slidingRows`,
    /// `stripRows3x3`): a third of the Intel Xeon's 48 KiB first-level
    /// cache, where they were measured, so a strip's rows stay there from
    /// one output row to the next.
    static let stripInputBytes = 16 << 10

    /// Column groups per strip for groups that read `groupBytes` of input
    /// each: as many as fit `stripInputBytes`, at least one.
    private static func groupsPerStrip(_ groupBytes: Int) -> Int { max(1, stripInputBytes / max(groupBytes, 1)) }

    /// Input bytes of the rows a strip walks down (`slidingRows`) before
    /// the next strip starts: more rows are taken a
    /// block at a time, each strip walking the block, so a block's rows stay
    /// in the second-level cache from one strip to the next, where walked
    /// down the whole map each strip reads its columns of every row from
    /// beyond it (measured with `prefetchedRows`). Tests lower it.
    nonisolated(unsafe) static var stripBlockBytes = 256 << 10

    /// Output rows a strip walks down before the next (`stripBlockBytes`),
    /// at least one, where the input's rows are prefetched; else all. (On
    /// the smaller maps, whose strips were measured walking the whole map,
    /// MobileNetV2 float32's 112 × 112 × 32 layer took 0.168 ms in the zoo
    /// run of 8e12389 and 0.196 with blocks of 15 rows in that of 43aa220:
    /// two runs of a Zen 3 host whose speed moves, but no reason to risk it.)
    private var stripRowBlock: Int {
        guard prefetchedRows > 0 else { return .max }
        let g = p.geometry
        let rowBytes = g.inputWidth &* p.inputChannels &* MemoryLayout<Float>.size
        return max(1, Self.stripBlockBytes / max(rowBytes, 1) &- (g.filterHeight &- 1) &* g.dilationHeight)
    }

    /// Rows `tiles` of a 3×3 filter on `interiorSliding3x3` (and `edge3x3`),
    /// in strips of columns: each part of the row runs for every row of
    /// `tiles` before the next part, so the filter's input rows of a strip
    /// are still in the first-level cache for the next output row (as
    /// `slidingRows`). The same pixels, computed the same way.
    private func stripRows3x3<V: FloatLanes>(_ input: DepthwiseInput, _: V.Type, _ tiles: Range<Int>) {
        let g = p.geometry, wOut = g.outputWidth, strideOne = g.strideWidth == 1
        @inline(__always) func rows(_ body: (_ out: UnsafeMutablePointer<Float>, _ b: Int, _ oy: Int) -> Void) {
            for tile in tiles { body(output + tile &* wOut &* p.outputChannels, tile / g.outputHeight, tile % g.outputHeight) }
        }
        rows { out, b, oy in
            for ox in 0..<min(interiorStart, wOut) { edge3x3(input, V.self, out, b: b, oy: oy, ox: ox) }
        }
        // Strips of groups of four columns (three input rows of 4 · stride
        // + 2 columns, a group).
        let groups = (interiorEnd &- interiorStart) / 4
        let groupsPerStrip = Self.groupsPerStrip((4 &* g.strideWidth &+ 2) &* p.inputChannels &* MemoryLayout<Float>.size &* 3)
        var group = 0
        while group < groups {
            let strip = group..<min(group &+ groupsPerStrip, groups)
            rows { interiorSliding3x3(input, V.self, $0, b: $1, oy: $2, strideOne: strideOne, groups: strip) }
            group &+= groupsPerStrip
        }
        rows { out, b, oy in
            // The last zero to three interior columns, then the right edge.
            for ox in (interiorStart &+ groups &* 4)..<wOut { edge3x3(input, V.self, out, b: b, oy: oy, ox: ox) }
        }
    }

    /// `outputRows` with `edgeTaps`, room for four pixels' tap addresses
    /// (`pixels4`), or nil for the one-pixel path.
    @inline(__always)
    private func outputRows<V: FloatLanes>(_ input: DepthwiseInput, _: V.Type, _ tiles: Range<Int>, fast3x3: Bool,
                                           edgeTaps: UnsafeMutablePointer<UnsafePointer<Float>>?) {
        let g = p.geometry
        // (Strips at row stride 1 only: at stride 2 consecutive output rows
        // share one input row of three, and the strips were slower there: a one-op
        // 112 × 112 × 96 layer 0.2795 → 0.299 ms, medians of six alternating
        // rounds' minima, Intel Xeon family 6 model 207.)
        if fast3x3 && g.strideHeight == 1 && p.inputChannels >= V.scalarCount && tiles.count > 1 && interiorStart < interiorEnd {
            stripRows3x3(input, V.self, tiles)
            return
        }
        for tile in tiles {
            let b = tile / g.outputHeight, oy = tile % g.outputHeight
            let out = output + tile &* g.outputWidth &* p.outputChannels
            if fast3x3 {
                for ox in 0..<min(interiorStart, g.outputWidth) { edge3x3(input, V.self, out, b: b, oy: oy, ox: ox) }
                if interiorStart < interiorEnd { interiorSliding3x3(input, V.self, out, b: b, oy: oy, strideOne: g.strideWidth == 1) }
                for ox in max(interiorEnd, interiorStart)..<g.outputWidth { edge3x3(input, V.self, out, b: b, oy: oy, ox: ox) }
            } else {
                let rows = filterRows(oy: oy)
                // Runs of four and eight interior pixels; the rest (edges, and the
                // last zero to three interior pixels) pixel by pixel.
                let runEnd = interiorStart &+ (interiorEnd &- interiorStart) / 4 &* 4
                if interiorStart < runEnd { interior(input, V.self, out, b: b, oy: oy, from: interiorStart, end: runEnd, ky0: rows.0, ky1: rows.1) }
                let left = min(interiorStart, g.outputWidth), right = max(runEnd, interiorStart)
                if let taps = edgeTaps {
                    // Four pixels at a time (the last one repeated to fill a group).
                    let count = left &+ (g.outputWidth &- right)
                    @inline(__always) func column(_ i: Int) -> Int { i < left ? i : right &+ (i &- left) }
                    var i = 0
                    while i < count {
                        pixels4(input, V.self, out, b: b, oy: oy, column(i), column(min(i &+ 1, count &- 1)),
                                column(min(i &+ 2, count &- 1)), column(min(i &+ 3, count &- 1)),
                                ky0: rows.0, ky1: rows.1, taps: taps)
                        i &+= 4
                    }
                } else {
                    for ox in 0..<left { pixel(input, V.self, out, b: b, oy: oy, ox: ox, ky0: rows.0, ky1: rows.1) }
                    for ox in right..<g.outputWidth { pixel(input, V.self, out, b: b, oy: oy, ox: ox, ky0: rows.0, ky1: rows.1) }
                }
            }
        }
    }

    /// Four output pixels of one row at columns `x0`…`x3` (any columns, one
    /// may repeat: the same values are stored twice), any filter up to
    /// `edgeTapLimit` taps, filter rows `ky0..<ky1`: every tap of those rows,
    /// a tap outside the input reading zeros (`zeroBias`, adding 0 · w as
    /// `edge3x3` does), so the four pixels share each weight load (four
    /// chains) where `pixel` loaded a weight per multiply-add. The taps'
    /// input addresses go into `taps` once for all channel vectors. Each
    /// pixel sums bias, then taps (ky, kx) in order. For the edge columns of
    /// 5×5 and 7×7 filters, all of a 7×7 map's columns (MobileNetV3,
    /// EfficientNet).
    @inline(__always)
    private func pixels4<V: FloatLanes>(_ input: DepthwiseInput, _: V.Type, _ out: UnsafeMutablePointer<Float>, b: Int, oy: Int,
                                        _ x0: Int, _ x1: Int, _ x2: Int, _ x3: Int, ky0: Int, ky1: Int,
                                        taps: UnsafeMutablePointer<UnsafePointer<Float>>) {
        let w = V.scalarCount
        let g = p.geometry, c = p.inputChannels
        let (low, high) = p.activation.floatRange
        let lo = V(repeating: low), hi = V(repeating: high)
        let kw = g.filterWidth
        let iy0 = oy &* g.strideHeight &- g.padTop
        let zero = UnsafePointer(zeroBias)
        let inputBatch = input.advanced(by: b &* g.inputHeight &* g.inputWidth &* c)
        var t = 0
        for ky in ky0..<ky1 {
            let row = inputBatch + (iy0 &+ ky &* g.dilationHeight) &* g.inputWidth &* c
            @inline(__always) func tap(_ ox: Int, _ kx: Int) -> UnsafePointer<Float> {
                let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                return ix >= 0 && ix < g.inputWidth ? row + ix &* c : zero
            }
            for kx in 0..<kw {
                taps[t] = tap(x0, kx)
                taps[t &+ 1] = tap(x1, kx)
                taps[t &+ 2] = tap(x2, kx)
                taps[t &+ 3] = tap(x3, kx)
                t &+= 4
            }
        }
        let tapCount = t
        let f = filter!
        let biasBase = bias ?? UnsafePointer(zeroBias)
        let firstWeight = f + ky0 &* kw &* c
        for block in 0..<(c &+ w &- 1) / w {
            let ch = min(block &* w, c &- w)
            let biasVector = biasBase.load(V.self, ch)
            var a0 = biasVector, a1 = biasVector, a2 = biasVector, a3 = biasVector
            var wp = firstWeight + ch
            var i = 0
            while i < tapCount {
                let wv = wp.load(V.self)
                a0 = a0.multiplyAdd(taps[i].load(V.self, ch), wv)
                a1 = a1.multiplyAdd(taps[i &+ 1].load(V.self, ch), wv)
                a2 = a2.multiplyAdd(taps[i &+ 2].load(V.self, ch), wv)
                a3 = a3.multiplyAdd(taps[i &+ 3].load(V.self, ch), wv)
                wp += c
                i &+= 4
            }
            out.storeLanes(a0.clamped(lo, hi), x0 &* c &+ ch)
            out.storeLanes(a1.clamped(lo, hi), x1 &* c &+ ch)
            out.storeLanes(a2.clamped(lo, hi), x2 &* c &+ ch)
            out.storeLanes(a3.clamped(lo, hi), x3 &* c &+ ch)
        }
    }

    /// The three input rows that output row `oy` of image `b` reads with a
    /// 3×3 filter (the zero row where the filter hangs over the top or
    /// bottom edge).
    @inline(__always)
    private func inputRows3x3(_ input: DepthwiseInput, b: Int, oy: Int) -> (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>) {
        let g = p.geometry, c = p.inputChannels
        let inputBatch = input.advanced(by: b &* g.inputHeight &* g.inputWidth &* c)
        let zero = UnsafePointer(zeroRow)
        @inline(__always) func row(_ ky: Int) -> UnsafePointer<Float> {
            let iy = oy &* g.strideHeight &- g.padTop &+ ky
            return iy >= 0 && iy < g.inputHeight ? inputBatch + iy &* g.inputWidth &* c : zero
        }
        return (row(0), row(1), row(2))
    }

    /// Columns `interiorStart..<interiorEnd` of one output row, 3×3 filter,
    /// stride 1 or 2: four output pixels at a time, every channel vector of
    /// the four before the next four, so the three input rows and the output
    /// advance through memory contiguously. Per channel vector each input
    /// vector is loaded once and feeds every pixel of the four whose window
    /// covers it (stride 1: 18 input loads for 36 multiply-adds; stride 2:
    /// 27), four independent chains. Xception's 3×3 layers ran at 9–12
    /// GFLOP/s walking each channel vector along the row (one chain per
    /// pixel, nine loads per pixel; with 512-byte pixel strides every pixel
    /// falls into the same few L1 sets) and at 13–17 this way (Zen 1, avx2);
    /// walking the row with these four chains measured slower still. Each
    /// pixel sums bias, then taps (0,0), (0,1), … (2,2), as `edge3x3` does,
    /// so results do not depend on the column.
    @inline(__always)
    private func interiorSliding3x3<V: FloatLanes>(_ input: DepthwiseInput, _: V.Type, _ out: UnsafeMutablePointer<Float>, b: Int, oy: Int, strideOne: Bool,
                                                   groups groupRange: Range<Int>? = nil) {
        let w = V.scalarCount
        let g = p.geometry, c = p.inputChannels
        guard c >= w else {
            for ox in interiorStart..<interiorEnd { edge3x3(input, V.self, out, b: b, oy: oy, ox: ox) }
            return
        }
        let (low, high) = p.activation.floatRange
        let lo = V(repeating: low), hi = V(repeating: high)
        let (r0, r1, r2) = inputRows3x3(input, b: b, oy: oy)
        let biasBase = bias ?? UnsafePointer(zeroBias)
        let f = filter!
        let s = strideOne ? 1 : 2
        let blocks = (c &+ w &- 1) / w
        let allGroups = (interiorEnd &- interiorStart) / 4
        // Groups `groupRange` only, without the last columns, where given (`outputRows`' strips).
        let firstGroup = groupRange?.lowerBound ?? 0, groups = (groupRange?.upperBound ?? allGroups) &- firstGroup
        let firstColumn = ((interiorStart &+ firstGroup &* 4) &* s &- g.padLeft) &* c
        let groupStep = 4 &* s &* c
        var x0 = r0 + firstColumn, x1 = r1 + firstColumn, x2 = r2 + firstColumn
        var o = out + (interiorStart &+ firstGroup &* 4) &* c
        for _ in 0..<groups {
            for block in 0..<blocks {
                // The last vector overlaps its predecessor when C is not a multiple of the lanes.
                let ch = min(block &* w, c &- w)
                var a0 = biasBase.load(V.self, ch)
                var a1 = a0, a2 = a0, a3 = a0
                let fc = f + ch
                if strideOne {
                    slide3Stride1(x0 + ch, c, fc.load(V.self), fc.load(V.self, c), fc.load(V.self, 2 &* c), &a0, &a1, &a2, &a3)
                    slide3Stride1(x1 + ch, c, fc.load(V.self, 3 &* c), fc.load(V.self, 4 &* c), fc.load(V.self, 5 &* c), &a0, &a1, &a2, &a3)
                    slide3Stride1(x2 + ch, c, fc.load(V.self, 6 &* c), fc.load(V.self, 7 &* c), fc.load(V.self, 8 &* c), &a0, &a1, &a2, &a3)
                } else {
                    slide3Stride2(x0 + ch, c, fc.load(V.self), fc.load(V.self, c), fc.load(V.self, 2 &* c), &a0, &a1, &a2, &a3)
                    slide3Stride2(x1 + ch, c, fc.load(V.self, 3 &* c), fc.load(V.self, 4 &* c), fc.load(V.self, 5 &* c), &a0, &a1, &a2, &a3)
                    slide3Stride2(x2 + ch, c, fc.load(V.self, 6 &* c), fc.load(V.self, 7 &* c), fc.load(V.self, 8 &* c), &a0, &a1, &a2, &a3)
                }
                let oc = o + ch
                oc.storeLanes(a0.clamped(lo, hi))
                oc.storeLanes(a1.clamped(lo, hi), c)
                oc.storeLanes(a2.clamped(lo, hi), 2 &* c)
                oc.storeLanes(a3.clamped(lo, hi), 3 &* c)
            }
            x0 += groupStep; x1 += groupStep; x2 += groupStep
            o += 4 &* c
        }
        guard groupRange == nil else { return }
        var ox = interiorStart &+ groups &* 4
        while ox < interiorEnd { edge3x3(input, V.self, out, b: b, oy: oy, ox: ox); ox &+= 1 }
    }

    /// Output rows `tiles` for 5- and 7-wide filters at stride 1 or 2, and
    /// most 3-wide ones at stride 1 (dilation 1; `slidingTaps`), and one
    /// vector of channels: every column in groups of eight pixels that load
    /// each input vector once per filter row and keep the row's weights in
    /// registers (`SlidingEight`). The first and last eight columns, whose
    /// windows hang over the edges, read their input through a table of
    /// column addresses (`edgeEight`); the interior columns between them
    /// straight from the input (`slidingGroups`), the last group overlapping
    /// its predecessor when the columns are not a multiple of eight. Groups
    /// overlapping (also the edge groups of maps under sixteen columns)
    /// compute their common pixels the same way twice. Every pixel sums
    /// bias, then taps (ky, kx) in order, as `pixel` does. NASNet-Mobile's
    /// 7×7 layer over 56×56×11 took 0.125 ms loading every tap (`interior`,
    /// `pixels4`), 0.077 ms with the interior slid and 0.058 ms with the
    /// edges too (Zen 4). A map narrower than eight columns is one edge
    /// group, its pixels past the row computed and not stored (the 7×7 maps
    /// of the last blocks went four pixels at a time, `pixels4`, or one by
    /// one at the edges, `edge3x3`).
    @inline(__always)
    private func slidingRows<V: FloatLanes, R: SlidingFilterRow>(_ input: DepthwiseInput, _: V.Type, _: R.Type, _ tiles: Range<Int>,
                                                                   columns: UnsafeMutablePointer<UnsafePointer<Float>>) {
        let g = p.geometry, wOut = g.outputWidth
        // Each part of the row below runs for every row of `tiles` before the
        // next part: a strip of columns then reads the filter's input rows of
        // the strip from the first-level cache for the next output row too.
        // One-op 3×3 layers (medians of six alternating rounds' minima, Intel
        // Xeon family 6 model 207): 56 × 56 × 144 0.1885 → 0.1715 ms,
        // 112 × 112 × 32 0.2485 → 0.210. At row stride 2 (less shared between
        // output rows) row by row, as `stripRows3x3`.
        if g.strideHeight > 1 && tiles.count > 1 {
            for tile in tiles { slidingRows(input, V.self, R.self, tile..<(tile &+ 1), columns: columns) }
            return
        }
        let block = stripRowBlock
        if tiles.count > block {
            var first = tiles.lowerBound
            while first < tiles.upperBound {
                slidingRows(input, V.self, R.self, first..<min(first &+ block, tiles.upperBound), columns: columns)
                first &+= block
            }
            return
        }
        @inline(__always) func rows(_ body: (_ out: UnsafeMutablePointer<Float>, _ b: Int, _ oy: Int, _ ky0: Int, _ ky1: Int) -> Void) {
            for tile in tiles {
                let b = tile / g.outputHeight, oy = tile % g.outputHeight
                let (ky0, ky1) = filterRows(oy: oy)
                body(output + tile &* wOut &* p.outputChannels, b, oy, ky0, ky1)
            }
        }
        if wOut < 8 {
            // The whole row is one edge group, its last pixels not stored.
            rows { edgeEight(input, V.self, R.self, $0, b: $1, oy: $2, x0: 0, ky0: $3, ky1: $4, columns: columns, pixels: wOut) }
            return
        }
        // Columns 0..<leftEnd and rightStart..<wOut are edge groups. Where
        // at most two columns follow the left group, the right group (which
        // would overlap it) is not made: they go one at a time below. (Both
        // groups computed all of an 8-column row twice: EfficientNet-B1's
        // and EfficientNetV2-B1's 8 × 8 layers of 1152–1920 channels. With
        // seven columns after it, one at a time and four at a time took
        // longer than the overlapping group: 15 × 15 × 672 in
        // EfficientNetV2-B1, 0.060 → 0.097 ms.)
        let leftEnd = interiorStart > 0 ? 8 : 0
        var rightStart = interiorEnd < wOut ? wOut &- 8 : wOut
        if rightStart < leftEnd && wOut &- leftEnd <= 2 { rightStart = wOut }
        if leftEnd > 0 { rows { edgeEight(input, V.self, R.self, $0, b: $1, oy: $2, x0: 0, ky0: $3, ky1: $4, columns: columns) } }
        var ox = max(leftEnd, interiorStart)
        let end = min(rightStart, interiorEnd)
        if ox < end {
            let start = ox
            // Strips of groups of eight columns (the filter rows' input of
            // 8 · stride + taps columns a row, a group).
            let groupsPerStrip = Self.groupsPerStrip(
                (8 &* g.strideWidth &+ slidingTaps) &* p.inputChannels &* MemoryLayout<Float>.size &* g.filterHeight)
            let groups = (end &- start) / 8
            var group = 0
            while group < groups {
                let first = start &+ group &* 8, last = start &+ min(group &+ groupsPerStrip, groups) &* 8
                rows { _ = slidingGroups(input, V.self, R.self, $0, b: $1, oy: $2, from: first, end: last, ky0: $3, ky1: $4) }
                group &+= groupsPerStrip
            }
            ox = start &+ groups &* 8
            // The last columns: one more group ending at `end`, overlapping
            // the one before, but for a last column (two at stride 2), which
            // goes one at a time below. (Eight pixels for one: one-op
            // 65 × 65 × 144 5×5 at stride 2, EfficientNet-B2's 33 columns,
            // 0.109–0.114 → 0.090–0.096 ms, where XNNPACK took 0.096;
            // at stride 1 0.243–0.246 → 0.224–0.228; 3×3 at stride 1, 33 × 33
            // × 240, 0.046–0.047 → 0.043. Two columns, 52 × 52
            // × 96 5×5 at stride 2, 0.040–0.041 → 0.036–0.039; at stride 1
            // (34 × 34 × 96) no faster, three columns slower; Zen 5.)
            if end &- ox > (g.strideWidth > 1 ? 2 : 1) && end &- 8 >= start {
                rows { _ = slidingGroups(input, V.self, R.self, $0, b: $1, oy: $2, from: end &- 8, end: end, ky0: $3, ky1: $4) }
                ox = end
            } else if end &- ox >= 2 && end &- 8 < start && ox &+ 8 <= interiorEnd {
                // Two to seven columns between the edge groups, too few for
                // a group of their own (rows of 18 to 23 columns at 5×5): one
                // group from `ox` into the right edge group's columns, which
                // that group computes again alike. (Four at a time and one by
                // one took longer: one-op 19 × 19 × 96 5×5 0.016–0.017 →
                // 0.013–0.014 ms, 7×7 0.029 → 0.023–0.025, 21 × 21 0.020 →
                // 0.015–0.016, 23 × 23 0.027 → 0.017; at stride 2, 38 × 38 →
                // 19 × 19, and for 3×3 filters no different; Zen 5.)
                let from = ox
                rows { _ = slidingGroups(input, V.self, R.self, $0, b: $1, oy: $2, from: from, end: from &+ 8, ky0: $3, ky1: $4) }
                ox = end
            }
            let fours = ox &+ (end &- ox) / 4 &* 4
            if ox < fours { rows { interior(input, V.self, $0, b: $1, oy: $2, from: ox, end: fours, ky0: $3, ky1: $4) } }
            ox = fours
        }
        // Columns neither group reaches: at most two after a left group that
        // a right one would overlap, or the one or two interior columns left
        // after the groups (or a single one between the edge groups);
        // otherwise none for filters up to 7 wide.
        if leftEnd < interiorStart || ox < rightStart {
            rows { out, b, oy, ky0, ky1 in
                for x in leftEnd..<max(leftEnd, interiorStart) { pixel(input, V.self, out, b: b, oy: oy, ox: x, ky0: ky0, ky1: ky1) }
                for x in ox..<max(ox, rightStart) { pixel(input, V.self, out, b: b, oy: oy, ox: x, ky0: ky0, ky1: ky1) }
            }
        }
        if rightStart < wOut { rows { edgeEight(input, V.self, R.self, $0, b: $1, oy: $2, x0: wOut &- 8, ky0: $3, ky1: $4, columns: columns) } }
    }

    /// Interior columns `start..<end` of one output row, eight at a time
    /// while eight fit (`SlidingEight` on the input itself). Returns the
    /// first column not done.
    @inline(__always)
    private func slidingGroups<V: FloatLanes, R: SlidingFilterRow>(_ input: DepthwiseInput, _: V.Type, _: R.Type, _ out: UnsafeMutablePointer<Float>, b: Int, oy: Int,
                                                                   from start: Int, end: Int, ky0: Int, ky1: Int) -> Int {
        let g = p.geometry, c = p.inputChannels
        let (low, high) = p.activation.floatRange
        let lo = V(repeating: low), hi = V(repeating: high)
        let iy0 = oy &* g.strideHeight &- g.padTop
        let rowStep = g.dilationHeight &* g.inputWidth &* c
        let firstRow = input + ((b &* g.inputHeight &+ iy0 &+ ky0 &* g.dilationHeight) &* g.inputWidth) &* c
        let biasBase = bias ?? UnsafePointer(zeroBias)
        let f = filter!
        let kw = g.filterWidth, s = g.strideWidth
        let groups = (end &- start) / 8
        slidingEights(V.self, R.self, groups: groups, x: firstRow + (start &* s &- g.padLeft) &* c, xStep: 8 &* s &* c,
                      rows: ky1 &- ky0, rowStep: rowStep, channels: c, weights: f + ky0 &* kw &* c, weightRowStep: kw &* c,
                      bias: biasBase, out: out + start &* c, lo: lo, hi: hi,
                      ahead: (ky1 &- ky0) &* rowStep, aheadRows: rowsAhead(below: iy0 &+ ky1 &* g.dilationHeight))
        return start &+ groups &* 8
    }

    /// Output columns `x0..<x0 + 8` of one row, whose windows may hang over
    /// the left or right edge: each filter row's input columns go into
    /// `columns` once for all channel vectors, a column outside the input
    /// pointing at zeros (adding 0 · w, as `pixels4` does), and the eight
    /// pixels slide along them (`TabledInput`).
    @inline(__always)
    private func edgeEight<V: FloatLanes, R: SlidingFilterRow>(_ input: DepthwiseInput, _: V.Type, _: R.Type, _ out: UnsafeMutablePointer<Float>, b: Int, oy: Int,
                                                               x0: Int, ky0: Int, ky1: Int,
                                                               columns: UnsafeMutablePointer<UnsafePointer<Float>>, pixels: Int = 8) {
        let w = V.scalarCount
        let g = p.geometry, c = p.inputChannels
        let (low, high) = p.activation.floatRange
        let lo = V(repeating: low), hi = V(repeating: high)
        let kw = g.filterWidth
        // The eight pixels read input columns ix0..<ix0 + span.
        let span = 7 &* g.strideWidth &+ kw
        let ix0 = x0 &* g.strideWidth &- g.padLeft
        let iy0 = oy &* g.strideHeight &- g.padTop
        let zero = UnsafePointer(zeroBias)
        var row = input + ((b &* g.inputHeight &+ iy0 &+ ky0 &* g.dilationHeight) &* g.inputWidth) &* c
        var t = 0
        for _ in ky0..<ky1 {
            for j in 0..<span {
                let ix = ix0 &+ j
                columns[t] = ix >= 0 && ix < g.inputWidth ? row + ix &* c : zero
                t &+= 1
            }
            row += g.dilationHeight &* g.inputWidth &* c
        }
        // (`row` is now the first row below the window.)
        let inside = max(ix0, 0)
        prefetchRows(row + inside &* c, floats: (min(ix0 &+ span, g.inputWidth) &- inside) &* c,
                     rows: rowsAhead(below: iy0 &+ ky1 &* g.dilationHeight), rowStep: g.inputWidth &* c)
        let biasBase = bias ?? UnsafePointer(zeroBias)
        let f = filter!
        for block in 0..<(c &+ w &- 1) / w {
            let ch = min(block &* w, c &- w)
            let sums = SlidingEight(R.self, bias: biasBase.load(V.self, ch), weights: f + (ky0 &* kw &* c &+ ch), rows: ky1 &- ky0,
                                    rowStep: kw &* c, tapStep: c) {
                TabledInput(UnsafePointer(columns) + $0 &* span, channel: ch)
            }
            if pixels == 8 { sums.store(out + (x0 &* c &+ ch), c, lo, hi) } else { sums.store(out + (x0 &* c &+ ch), c, lo, hi, pixels: pixels) }
        }
    }

    /// Columns `start..<end` of one output row (`end` − `start` a multiple
    /// of four, `end` ≤ `interiorEnd`), any filter size, stride
    /// and dilation, filter rows `ky0..<ky1` (those inside the input): per
    /// channel vector, eight (then four) output pixels at a time share each
    /// tap's weight vector (one weight load per eight multiply-adds, eight
    /// independent chains). Sums run in the same tap order as `pixel`, so
    /// results do not depend on the column.
    @inline(__always)
    private func interior<V: FloatLanes>(_ input: DepthwiseInput, _: V.Type, _ out: UnsafeMutablePointer<Float>, b: Int, oy: Int, from start: Int, end interiorEnd: Int,
                                          ky0: Int, ky1: Int) {
        let w = V.scalarCount
        let g = p.geometry, c = p.inputChannels
        let (low, high) = p.activation.floatRange
        let lo = V(repeating: low), hi = V(repeating: high)
        let iy0 = oy &* g.strideHeight &- g.padTop
        let rowStep = g.dilationHeight &* g.inputWidth &* c
        // Input row of filter row ky0 (inside the input when ky0 < ky1).
        let firstRow = input + ((b &* g.inputHeight &+ iy0 &+ ky0 &* g.dilationHeight) &* g.inputWidth) &* c
        let biasBase = bias ?? UnsafePointer(zeroBias)
        let f = filter!
        let kw = g.filterWidth
        let pixelStep = g.strideWidth &* c, tapStep = g.dilationWidth &* c
        let blocks = c >= w ? (c &+ w &- 1) / w : 0
        for block in 0..<blocks {
            let ch = min(block &* w, c &- w)
            let biasVector = biasBase.load(V.self, ch)
            var ox = start
            while ox &+ 8 <= interiorEnd {
                var a0 = biasVector, a1 = biasVector, a2 = biasVector, a3 = biasVector
                var a4 = biasVector, a5 = biasVector, a6 = biasVector, a7 = biasVector
                var rowStart = firstRow + ((ox &* g.strideWidth &- g.padLeft) &* c &+ ch)
                var wRow = f + (ky0 &* kw &* c &+ ch)
                for _ in ky0..<ky1 {
                    var x = rowStart, wp = wRow
                    for _ in 0..<kw {
                        let wv = wp.load(V.self)
                        a0 = a0.multiplyAdd(x.load(V.self), wv)
                        a1 = a1.multiplyAdd(x.load(V.self, pixelStep), wv)
                        a2 = a2.multiplyAdd(x.load(V.self, 2 &* pixelStep), wv)
                        a3 = a3.multiplyAdd(x.load(V.self, 3 &* pixelStep), wv)
                        a4 = a4.multiplyAdd(x.load(V.self, 4 &* pixelStep), wv)
                        a5 = a5.multiplyAdd(x.load(V.self, 5 &* pixelStep), wv)
                        a6 = a6.multiplyAdd(x.load(V.self, 6 &* pixelStep), wv)
                        a7 = a7.multiplyAdd(x.load(V.self, 7 &* pixelStep), wv)
                        x += tapStep
                        wp += c
                    }
                    rowStart += rowStep
                    wRow += kw &* c
                }
                let o = out + (ox &* c &+ ch)
                o.storeLanes(a0.clamped(lo, hi))
                o.storeLanes(a1.clamped(lo, hi), c)
                o.storeLanes(a2.clamped(lo, hi), 2 &* c)
                o.storeLanes(a3.clamped(lo, hi), 3 &* c)
                o.storeLanes(a4.clamped(lo, hi), 4 &* c)
                o.storeLanes(a5.clamped(lo, hi), 5 &* c)
                o.storeLanes(a6.clamped(lo, hi), 6 &* c)
                o.storeLanes(a7.clamped(lo, hi), 7 &* c)
                ox &+= 8
            }
            while ox &+ 4 <= interiorEnd {
                var a0 = biasVector, a1 = biasVector, a2 = biasVector, a3 = biasVector
                var rowStart = firstRow + ((ox &* g.strideWidth &- g.padLeft) &* c &+ ch)
                var wRow = f + (ky0 &* kw &* c &+ ch)
                for _ in ky0..<ky1 {
                    var x = rowStart, wp = wRow
                    for _ in 0..<kw {
                        let wv = wp.load(V.self)
                        a0 = a0.multiplyAdd(x.load(V.self), wv)
                        a1 = a1.multiplyAdd(x.load(V.self, pixelStep), wv)
                        a2 = a2.multiplyAdd(x.load(V.self, 2 &* pixelStep), wv)
                        a3 = a3.multiplyAdd(x.load(V.self, 3 &* pixelStep), wv)
                        x += tapStep
                        wp += c
                    }
                    rowStart += rowStep
                    wRow += kw &* c
                }
                let o = out + (ox &* c &+ ch)
                o.storeLanes(a0.clamped(lo, hi))
                o.storeLanes(a1.clamped(lo, hi), c)
                o.storeLanes(a2.clamped(lo, hi), 2 &* c)
                o.storeLanes(a3.clamped(lo, hi), 3 &* c)
                ox &+= 4
            }
        }
        if c < w {
            for ox in start..<interiorEnd { pixelChannels(input, out, b: b, oy: oy, ox: ox, from: 0) }
        }
    }

    /// One output pixel of a 3×3 filter (dilation 1) at a left or right edge:
    /// taps outside the input read the zero row (adding 0 · w, which leaves
    /// finite sums unchanged), so the nine multiply-adds run unconditionally
    /// over each channel vector. On small feature maps most pixels are edges.
    @inline(__always)
    private func edge3x3<V: FloatLanes>(_ input: DepthwiseInput, _: V.Type, _ out: UnsafeMutablePointer<Float>, b: Int, oy: Int, ox: Int) {
        let w = V.scalarCount
        let g = p.geometry, c = p.inputChannels
        let (low, high) = p.activation.floatRange
        let lo = V(repeating: low), hi = V(repeating: high)
        let inputBatch = input.advanced(by: b &* g.inputHeight &* g.inputWidth &* c)
        let zero = UnsafePointer(zeroRow)
        let iy0 = oy &* g.strideHeight &- g.padTop, ix0 = ox &* g.strideWidth &- g.padLeft
        @inline(__always) func tap(_ ky: Int, _ kx: Int) -> UnsafePointer<Float> {
            let iy = iy0 &+ ky, ix = ix0 &+ kx
            return iy >= 0 && iy < g.inputHeight && ix >= 0 && ix < g.inputWidth
                ? inputBatch + (iy &* g.inputWidth &+ ix) &* c : zero
        }
        let t0 = tap(0, 0), t1 = tap(0, 1), t2 = tap(0, 2), t3 = tap(1, 0), t4 = tap(1, 1)
        let t5 = tap(1, 2), t6 = tap(2, 0), t7 = tap(2, 1), t8 = tap(2, 2)
        let biasBase = bias ?? UnsafePointer(zeroBias)
        let f = filter!
        let o = out + ox &* c
        let blocks = c >= w ? (c &+ w &- 1) / w : 0
        for block in 0..<blocks {
            let ch = min(block &* w, c &- w)
            var acc = biasBase.load(V.self, ch)
            acc = acc.multiplyAdd(t0.load(V.self, ch), f.load(V.self, ch))
            acc = acc.multiplyAdd(t1.load(V.self, ch), f.load(V.self, c &+ ch))
            acc = acc.multiplyAdd(t2.load(V.self, ch), f.load(V.self, 2 &* c &+ ch))
            acc = acc.multiplyAdd(t3.load(V.self, ch), f.load(V.self, 3 &* c &+ ch))
            acc = acc.multiplyAdd(t4.load(V.self, ch), f.load(V.self, 4 &* c &+ ch))
            acc = acc.multiplyAdd(t5.load(V.self, ch), f.load(V.self, 5 &* c &+ ch))
            acc = acc.multiplyAdd(t6.load(V.self, ch), f.load(V.self, 6 &* c &+ ch))
            acc = acc.multiplyAdd(t7.load(V.self, ch), f.load(V.self, 7 &* c &+ ch))
            acc = acc.multiplyAdd(t8.load(V.self, ch), f.load(V.self, 8 &* c &+ ch))
            o.storeLanes(acc.clamped(lo, hi), ch)
        }
        if c < w { pixelChannels(input, out, b: b, oy: oy, ox: ox, from: 0) }
    }

    /// One output pixel, any filter size, filter rows `ky0..<ky1` (those
    /// inside the input); taps outside the input along x are skipped by
    /// clipping the column range once. Four channel vectors at a time (four
    /// independent chains), then one.
    @inline(__always)
    private func pixel<V: FloatLanes>(_ input: DepthwiseInput, _: V.Type, _ out: UnsafeMutablePointer<Float>, b: Int, oy: Int, ox: Int, ky0: Int, ky1: Int) {
        let w = V.scalarCount
        let g = p.geometry, c = p.inputChannels
        let (low, high) = p.activation.floatRange
        let lo = V(repeating: low), hi = V(repeating: high)
        let biasBase = bias ?? UnsafePointer(zeroBias)
        let f = filter!
        let o = out + ox &* c
        let kw = g.filterWidth, dw = g.dilationWidth
        let iy0 = oy &* g.strideHeight &- g.padTop, ix0 = ox &* g.strideWidth &- g.padLeft
        // Filter columns kx0..<kx1 fall inside the input.
        let kx0 = ix0 >= 0 ? 0 : (dw &- 1 &- ix0) / dw
        let kx1 = ix0 >= g.inputWidth ? 0 : min(kw, (g.inputWidth &- 1 &- ix0) / dw &+ 1)
        let rowStep = g.dilationHeight &* g.inputWidth &* c, tapStep = dw &* c
        // Input value of tap (ky0, kx0), channel 0 (inside the input when both ranges are non-empty).
        let first = input + ((b &* g.inputHeight &+ iy0 &+ ky0 &* g.dilationHeight) &* g.inputWidth &+ ix0 &+ kx0 &* dw) &* c
        let firstWeight = f + (ky0 &* kw &+ kx0) &* c
        var ch = 0
        while ch &+ 4 &* w <= c {
            var a0 = biasBase.load(V.self, ch), a1 = biasBase.load(V.self, ch &+ w)
            var a2 = biasBase.load(V.self, ch &+ 2 &* w), a3 = biasBase.load(V.self, ch &+ 3 &* w)
            if kx0 < kx1 {
                var rowStart = first + ch, wRow = firstWeight + ch
                for _ in ky0..<ky1 {
                    var x = rowStart, wp = wRow
                    for _ in kx0..<kx1 {
                        a0 = a0.multiplyAdd(x.load(V.self), wp.load(V.self))
                        a1 = a1.multiplyAdd(x.load(V.self, w), wp.load(V.self, w))
                        a2 = a2.multiplyAdd(x.load(V.self, 2 &* w), wp.load(V.self, 2 &* w))
                        a3 = a3.multiplyAdd(x.load(V.self, 3 &* w), wp.load(V.self, 3 &* w))
                        x += tapStep
                        wp += c
                    }
                    rowStart += rowStep
                    wRow += kw &* c
                }
            }
            o.storeLanes(a0.clamped(lo, hi), ch)
            o.storeLanes(a1.clamped(lo, hi), ch &+ w)
            o.storeLanes(a2.clamped(lo, hi), ch &+ 2 &* w)
            o.storeLanes(a3.clamped(lo, hi), ch &+ 3 &* w)
            ch &+= 4 &* w
        }
        // One vector at a time; the last one overlaps its predecessor when C
        // is not a multiple of the lanes (fewer than one vector: scalar).
        while ch < c && c >= w {
            if ch > c &- w { ch = c &- w }
            var a0 = biasBase.load(V.self, ch)
            if kx0 < kx1 {
                var rowStart = first + ch, wRow = firstWeight + ch
                for _ in ky0..<ky1 {
                    var x = rowStart, wp = wRow
                    for _ in kx0..<kx1 {
                        a0 = a0.multiplyAdd(x.load(V.self), wp.load(V.self))
                        x += tapStep
                        wp += c
                    }
                    rowStart += rowStep
                    wRow += kw &* c
                }
            }
            o.storeLanes(a0.clamped(lo, hi), ch)
            ch &+= w
        }
        if c < w { pixelChannels(input, out, b: b, oy: oy, ox: ox, from: 0) }
    }

    /// Channels `start..<C` of one output pixel, one at a time (for fewer
    /// channels than one vector); taps outside the input are skipped.
    private func pixelChannels(_ input: DepthwiseInput, _ out: UnsafeMutablePointer<Float>, b: Int, oy: Int, ox: Int, from start: Int) {
        let g = p.geometry, c = p.inputChannels
        let (low, high) = p.activation.floatRange
        let inputBatch = input.advanced(by: b &* g.inputHeight &* g.inputWidth &* c)
        let biasBase = bias ?? UnsafePointer(zeroBias)
        let f = filter!
        let o = out + ox &* c
        let iy0 = oy &* g.strideHeight &- g.padTop, ix0 = ox &* g.strideWidth &- g.padLeft
        for ch in start..<c {
            var acc = biasBase[ch]
            for ky in 0..<g.filterHeight {
                let iy = iy0 &+ ky &* g.dilationHeight
                if iy < 0 || iy >= g.inputHeight { continue }
                for kx in 0..<g.filterWidth {
                    let ix = ix0 &+ kx &* g.dilationWidth
                    if ix < 0 || ix >= g.inputWidth { continue }
                    acc += inputBatch[(iy &* g.inputWidth &+ ix) &* c &+ ch] * f[(ky &* g.filterWidth &+ kx) &* c &+ ch]
                }
            }
            o[ch] = min(max(acc, low), high)
        }
    }
}

/// `groups` groups of eight adjacent output pixels (the first group's
/// window from `x`, each next one `xStep` floats on), every channel
/// vector of a group before the next group: the pixels' input vectors of a
/// group are then read in the order they lie in memory, a row of `8 ·
/// stride + taps` whole pixels at a time. (Channel vectors outer and groups
/// inner walked the rows once per vector: one-op 56 × 56 × 128 3×3, AMD
/// Zen 3, 0.254 → 0.206 ms.) Kept out of line: inlined into the
/// row loops, the unrolled rows' addresses took more registers than there
/// were left, and each input load reloaded its offset from the stack.
/// Each group first asks for its columns of the `aheadRows` rows from
/// `ahead` floats on (the rows the next output row reads first; none with 0).
@inline(never)
private func slidingEights<V: FloatLanes, R: SlidingFilterRow>(_: V.Type, _: R.Type, groups: Int, x: UnsafePointer<Float>, xStep: Int,
                                                               rows: Int, rowStep: Int, channels c: Int,
                                                               weights: UnsafePointer<Float>, weightRowStep: Int,
                                                               bias: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, lo: V, hi: V,
                                                               ahead: Int, aheadRows: Int) {
    let w = V.scalarCount, blocks = (c &+ w &- 1) / w
    @inline(__always) func eights(rows: Int) {
        var x = x, o = out
        for _ in 0..<groups {
            prefetchRows(x, ahead: ahead, floats: xStep, rows: aheadRows, rowStep: rowStep)
            for block in 0..<blocks {
                let ch = min(block &* w, c &- w), first = x + ch
                SlidingEight(R.self, bias: bias.load(V.self, ch), weights: weights + ch, rows: rows, rowStep: weightRowStep, tapStep: c) {
                    OffsetInput(q: first + $0 &* rowStep, step: c)
                }.store(o + ch, c, lo, hi)
            }
            x += xStep
            o += 8 &* c
        }
    }
    // All the filter's rows as a constant: the rows unroll and each input
    // vector's address is a base and an offset. (A counted loop kept one
    // pointer per input column and row, spilled: one-op 112 × 112 × 32 3×3,
    // AMD Zen 3, 0.206 → 0.145 ms.)
    // (In the build of the fifty-fifth session `perf` shows the 5×5 rows as a
    // loop again, 40 multiply-adds a pass, and a constant row count inside
    // `SlidingEight` changed nothing: 28 × 28 × 40 5×5 0.0154 → 0.0155 ms, Zen 5.)
    if rows == R.width { eights(rows: R.width) } else { eights(rows: rows) }
}

/// Asks for `floats` floats from `ahead` floats past `start` in each of
/// `rows` rows `rowStep` floats apart to be brought into the second-level
/// cache (`CacheHint.prefetchIntoL2`, nothing in the flavours without it):
/// the depthwise kernels' next input rows (`prefetchedRows`).
@inline(__always)
private func prefetchRows(_ start: UnsafePointer<Float>, ahead: Int = 0, floats: Int, rows: Int, rowStep: Int) {
    guard rows > 0 else { return }
    var row = UnsafeRawPointer(start + ahead)
    for _ in 0..<rows {
        var line = 0
        while line < floats &* 4 {
            CacheHint.prefetchIntoL2(row + line)
            line &+= 64
        }
        row += rowStep &* 4
    }
}

/// One filter row (weights `k0`, `k1`, `k2`) of four adjacent 3×3 outputs at
/// stride 1: input columns `x`, `x + c`, … `x + 5c`, each loaded once and
/// added to every output whose window covers it, each output's taps in
/// column order.
@inline(__always)
private func slide3Stride1<V: FloatLanes>(_ x: UnsafePointer<Float>, _ c: Int, _ k0: V, _ k1: V, _ k2: V,
                                           _ a0: inout V, _ a1: inout V, _ a2: inout V, _ a3: inout V) {
    var v = x.load(V.self)
    a0 = a0.multiplyAdd(v, k0)
    v = x.load(V.self, c)
    a0 = a0.multiplyAdd(v, k1); a1 = a1.multiplyAdd(v, k0)
    v = x.load(V.self, 2 &* c)
    a0 = a0.multiplyAdd(v, k2); a1 = a1.multiplyAdd(v, k1); a2 = a2.multiplyAdd(v, k0)
    v = x.load(V.self, 3 &* c)
    a1 = a1.multiplyAdd(v, k2); a2 = a2.multiplyAdd(v, k1); a3 = a3.multiplyAdd(v, k0)
    v = x.load(V.self, 4 &* c)
    a2 = a2.multiplyAdd(v, k2); a3 = a3.multiplyAdd(v, k1)
    a3 = a3.multiplyAdd(x.load(V.self, 5 &* c), k2)
}

/// `slide3Stride1` at stride 2: input columns `x` … `x + 8c`.
@inline(__always)
private func slide3Stride2<V: FloatLanes>(_ x: UnsafePointer<Float>, _ c: Int, _ k0: V, _ k1: V, _ k2: V,
                                           _ a0: inout V, _ a1: inout V, _ a2: inout V, _ a3: inout V) {
    a0 = a0.multiplyAdd(x.load(V.self), k0)
    a0 = a0.multiplyAdd(x.load(V.self, c), k1)
    var v = x.load(V.self, 2 &* c)
    a0 = a0.multiplyAdd(v, k2); a1 = a1.multiplyAdd(v, k0)
    a1 = a1.multiplyAdd(x.load(V.self, 3 &* c), k1)
    v = x.load(V.self, 4 &* c)
    a1 = a1.multiplyAdd(v, k2); a2 = a2.multiplyAdd(v, k0)
    a2 = a2.multiplyAdd(x.load(V.self, 5 &* c), k1)
    v = x.load(V.self, 6 &* c)
    a2 = a2.multiplyAdd(v, k2); a3 = a3.multiplyAdd(v, k0)
    a3 = a3.multiplyAdd(x.load(V.self, 7 &* c), k1)
    a3 = a3.multiplyAdd(x.load(V.self, 8 &* c), k2)
}

/// Eight adjacent output pixels' sums for one channel vector, a filter row
/// at a time: the row's input vectors (7 + taps at stride 1, 14 + taps at
/// stride 2) are each loaded once and added to every pixel whose window
/// covers them, with the row's weights held in registers (21 loads for the
/// 56 multiply-adds of a 7-wide row at stride 1, where loading each pixel's
/// tap took 63). Each pixel sums its taps in column order, rows in order, as
/// `pixel` does. The rows are written out: a loop over the input vectors
/// with a switch choosing the pixel was not unrolled and ran at half the
/// speed of `interior`. The int8 kernel's float rows use it too
/// (`DepthwiseConv2DInt8Vectorized.floatRowBytes`).
struct SlidingEight<V: FloatLanes> {
    var a0, a1, a2, a3, a4, a5, a6, a7: V

    /// The sums of bias, then `rows` filter rows of `R`'s width: row r's
    /// weights from `weights + r · rowStep`, taps `tapStep` floats apart,
    /// its input vectors from `input(r)`.
    @inline(__always)
    init<R: SlidingFilterRow, I: SlidingInput>(_: R.Type, bias: V, weights: UnsafePointer<Float>, rows: Int, rowStep: Int, tapStep: Int,
                                               input: (Int) -> I) {
        (a0, a1, a2, a3, a4, a5, a6, a7) = (bias, bias, bias, bias, bias, bias, bias, bias)
        var w = weights
        for r in 0..<rows {
            var source = input(r)
            R.add(&self, &source, w, tapStep)
            w += rowStep
        }
    }

    /// One 7-wide filter row at stride 1: weights from `w`, `wStep` floats
    /// apart; input vector j (the j-th of `x`) feeds pixel p through tap j − p.
    @inline(__always)
    mutating func row7<I: SlidingInput>(_ x: inout I, _ w: UnsafePointer<Float>, _ wStep: Int) {
        let w0 = w.load(V.self), w1 = w.load(V.self, wStep), w2 = w.load(V.self, 2 &* wStep), w3 = w.load(V.self, 3 &* wStep)
        let w4 = w.load(V.self, 4 &* wStep), w5 = w.load(V.self, 5 &* wStep), w6 = w.load(V.self, 6 &* wStep)
        var v: V = x.next()
        a0 = a0.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w1); a1 = a1.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w2); a1 = a1.multiplyAdd(v, w1); a2 = a2.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w3); a1 = a1.multiplyAdd(v, w2); a2 = a2.multiplyAdd(v, w1); a3 = a3.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w4); a1 = a1.multiplyAdd(v, w3); a2 = a2.multiplyAdd(v, w2); a3 = a3.multiplyAdd(v, w1)
        a4 = a4.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w5); a1 = a1.multiplyAdd(v, w4); a2 = a2.multiplyAdd(v, w3); a3 = a3.multiplyAdd(v, w2)
        a4 = a4.multiplyAdd(v, w1); a5 = a5.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w6); a1 = a1.multiplyAdd(v, w5); a2 = a2.multiplyAdd(v, w4); a3 = a3.multiplyAdd(v, w3)
        a4 = a4.multiplyAdd(v, w2); a5 = a5.multiplyAdd(v, w1); a6 = a6.multiplyAdd(v, w0)
        v = x.next()
        a1 = a1.multiplyAdd(v, w6); a2 = a2.multiplyAdd(v, w5); a3 = a3.multiplyAdd(v, w4); a4 = a4.multiplyAdd(v, w3)
        a5 = a5.multiplyAdd(v, w2); a6 = a6.multiplyAdd(v, w1); a7 = a7.multiplyAdd(v, w0)
        v = x.next()
        a2 = a2.multiplyAdd(v, w6); a3 = a3.multiplyAdd(v, w5); a4 = a4.multiplyAdd(v, w4); a5 = a5.multiplyAdd(v, w3)
        a6 = a6.multiplyAdd(v, w2); a7 = a7.multiplyAdd(v, w1)
        v = x.next()
        a3 = a3.multiplyAdd(v, w6); a4 = a4.multiplyAdd(v, w5); a5 = a5.multiplyAdd(v, w4); a6 = a6.multiplyAdd(v, w3)
        a7 = a7.multiplyAdd(v, w2)
        v = x.next()
        a4 = a4.multiplyAdd(v, w6); a5 = a5.multiplyAdd(v, w5); a6 = a6.multiplyAdd(v, w4); a7 = a7.multiplyAdd(v, w3)
        v = x.next()
        a5 = a5.multiplyAdd(v, w6); a6 = a6.multiplyAdd(v, w5); a7 = a7.multiplyAdd(v, w4)
        v = x.next()
        a6 = a6.multiplyAdd(v, w6); a7 = a7.multiplyAdd(v, w5)
        v = x.next()
        a7 = a7.multiplyAdd(v, w6)
    }

    /// One 5-wide filter row at stride 1: weights from `w`, `wStep` floats
    /// apart; input vector j (the j-th of `x`) feeds pixel p through tap j − p.
    @inline(__always)
    mutating func row5<I: SlidingInput>(_ x: inout I, _ w: UnsafePointer<Float>, _ wStep: Int) {
        let w0 = w.load(V.self), w1 = w.load(V.self, wStep), w2 = w.load(V.self, 2 &* wStep), w3 = w.load(V.self, 3 &* wStep)
        let w4 = w.load(V.self, 4 &* wStep)
        var v: V = x.next()
        a0 = a0.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w1); a1 = a1.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w2); a1 = a1.multiplyAdd(v, w1); a2 = a2.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w3); a1 = a1.multiplyAdd(v, w2); a2 = a2.multiplyAdd(v, w1); a3 = a3.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w4); a1 = a1.multiplyAdd(v, w3); a2 = a2.multiplyAdd(v, w2); a3 = a3.multiplyAdd(v, w1)
        a4 = a4.multiplyAdd(v, w0)
        v = x.next()
        a1 = a1.multiplyAdd(v, w4); a2 = a2.multiplyAdd(v, w3); a3 = a3.multiplyAdd(v, w2); a4 = a4.multiplyAdd(v, w1)
        a5 = a5.multiplyAdd(v, w0)
        v = x.next()
        a2 = a2.multiplyAdd(v, w4); a3 = a3.multiplyAdd(v, w3); a4 = a4.multiplyAdd(v, w2); a5 = a5.multiplyAdd(v, w1)
        a6 = a6.multiplyAdd(v, w0)
        v = x.next()
        a3 = a3.multiplyAdd(v, w4); a4 = a4.multiplyAdd(v, w3); a5 = a5.multiplyAdd(v, w2); a6 = a6.multiplyAdd(v, w1)
        a7 = a7.multiplyAdd(v, w0)
        v = x.next()
        a4 = a4.multiplyAdd(v, w4); a5 = a5.multiplyAdd(v, w3); a6 = a6.multiplyAdd(v, w2); a7 = a7.multiplyAdd(v, w1)
        v = x.next()
        a5 = a5.multiplyAdd(v, w4); a6 = a6.multiplyAdd(v, w3); a7 = a7.multiplyAdd(v, w2)
        v = x.next()
        a6 = a6.multiplyAdd(v, w4); a7 = a7.multiplyAdd(v, w3)
        v = x.next()
        a7 = a7.multiplyAdd(v, w4)
    }

    /// One 3-wide filter row at stride 1: weights from `w`, `wStep` floats
    /// apart; input vector j (the j-th of `x`) feeds pixel p through tap j − p.
    @inline(__always)
    mutating func row3<I: SlidingInput>(_ x: inout I, _ w: UnsafePointer<Float>, _ wStep: Int) {
        let w0 = w.load(V.self), w1 = w.load(V.self, wStep), w2 = w.load(V.self, 2 &* wStep)
        var v: V = x.next()
        a0 = a0.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w1); a1 = a1.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w2); a1 = a1.multiplyAdd(v, w1); a2 = a2.multiplyAdd(v, w0)
        v = x.next()
        a1 = a1.multiplyAdd(v, w2); a2 = a2.multiplyAdd(v, w1); a3 = a3.multiplyAdd(v, w0)
        v = x.next()
        a2 = a2.multiplyAdd(v, w2); a3 = a3.multiplyAdd(v, w1); a4 = a4.multiplyAdd(v, w0)
        v = x.next()
        a3 = a3.multiplyAdd(v, w2); a4 = a4.multiplyAdd(v, w1); a5 = a5.multiplyAdd(v, w0)
        v = x.next()
        a4 = a4.multiplyAdd(v, w2); a5 = a5.multiplyAdd(v, w1); a6 = a6.multiplyAdd(v, w0)
        v = x.next()
        a5 = a5.multiplyAdd(v, w2); a6 = a6.multiplyAdd(v, w1); a7 = a7.multiplyAdd(v, w0)
        v = x.next()
        a6 = a6.multiplyAdd(v, w2); a7 = a7.multiplyAdd(v, w1)
        v = x.next()
        a7 = a7.multiplyAdd(v, w2)
    }

    /// One 7-wide filter row at stride 2: weights from `w`, `wStep` floats
    /// apart; input vector j (the j-th of `x`) feeds pixel p through tap j − 2p.
    @inline(__always)
    mutating func row7Stride2<I: SlidingInput>(_ x: inout I, _ w: UnsafePointer<Float>, _ wStep: Int) {
        let w0 = w.load(V.self), w1 = w.load(V.self, wStep), w2 = w.load(V.self, 2 &* wStep), w3 = w.load(V.self, 3 &* wStep)
        let w4 = w.load(V.self, 4 &* wStep), w5 = w.load(V.self, 5 &* wStep), w6 = w.load(V.self, 6 &* wStep)
        var v: V = x.next()
        a0 = a0.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w1)
        v = x.next()
        a0 = a0.multiplyAdd(v, w2); a1 = a1.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w3); a1 = a1.multiplyAdd(v, w1)
        v = x.next()
        a0 = a0.multiplyAdd(v, w4); a1 = a1.multiplyAdd(v, w2); a2 = a2.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w5); a1 = a1.multiplyAdd(v, w3); a2 = a2.multiplyAdd(v, w1)
        v = x.next()
        a0 = a0.multiplyAdd(v, w6); a1 = a1.multiplyAdd(v, w4); a2 = a2.multiplyAdd(v, w2); a3 = a3.multiplyAdd(v, w0)
        v = x.next()
        a1 = a1.multiplyAdd(v, w5); a2 = a2.multiplyAdd(v, w3); a3 = a3.multiplyAdd(v, w1)
        v = x.next()
        a1 = a1.multiplyAdd(v, w6); a2 = a2.multiplyAdd(v, w4); a3 = a3.multiplyAdd(v, w2); a4 = a4.multiplyAdd(v, w0)
        v = x.next()
        a2 = a2.multiplyAdd(v, w5); a3 = a3.multiplyAdd(v, w3); a4 = a4.multiplyAdd(v, w1)
        v = x.next()
        a2 = a2.multiplyAdd(v, w6); a3 = a3.multiplyAdd(v, w4); a4 = a4.multiplyAdd(v, w2); a5 = a5.multiplyAdd(v, w0)
        v = x.next()
        a3 = a3.multiplyAdd(v, w5); a4 = a4.multiplyAdd(v, w3); a5 = a5.multiplyAdd(v, w1)
        v = x.next()
        a3 = a3.multiplyAdd(v, w6); a4 = a4.multiplyAdd(v, w4); a5 = a5.multiplyAdd(v, w2); a6 = a6.multiplyAdd(v, w0)
        v = x.next()
        a4 = a4.multiplyAdd(v, w5); a5 = a5.multiplyAdd(v, w3); a6 = a6.multiplyAdd(v, w1)
        v = x.next()
        a4 = a4.multiplyAdd(v, w6); a5 = a5.multiplyAdd(v, w4); a6 = a6.multiplyAdd(v, w2); a7 = a7.multiplyAdd(v, w0)
        v = x.next()
        a5 = a5.multiplyAdd(v, w5); a6 = a6.multiplyAdd(v, w3); a7 = a7.multiplyAdd(v, w1)
        v = x.next()
        a5 = a5.multiplyAdd(v, w6); a6 = a6.multiplyAdd(v, w4); a7 = a7.multiplyAdd(v, w2)
        v = x.next()
        a6 = a6.multiplyAdd(v, w5); a7 = a7.multiplyAdd(v, w3)
        v = x.next()
        a6 = a6.multiplyAdd(v, w6); a7 = a7.multiplyAdd(v, w4)
        v = x.next()
        a7 = a7.multiplyAdd(v, w5)
        v = x.next()
        a7 = a7.multiplyAdd(v, w6)
    }

    /// One 5-wide filter row at stride 2: weights from `w`, `wStep` floats
    /// apart; input vector j (the j-th of `x`) feeds pixel p through tap j − 2p.
    @inline(__always)
    mutating func row5Stride2<I: SlidingInput>(_ x: inout I, _ w: UnsafePointer<Float>, _ wStep: Int) {
        let w0 = w.load(V.self), w1 = w.load(V.self, wStep), w2 = w.load(V.self, 2 &* wStep), w3 = w.load(V.self, 3 &* wStep)
        let w4 = w.load(V.self, 4 &* wStep)
        var v: V = x.next()
        a0 = a0.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w1)
        v = x.next()
        a0 = a0.multiplyAdd(v, w2); a1 = a1.multiplyAdd(v, w0)
        v = x.next()
        a0 = a0.multiplyAdd(v, w3); a1 = a1.multiplyAdd(v, w1)
        v = x.next()
        a0 = a0.multiplyAdd(v, w4); a1 = a1.multiplyAdd(v, w2); a2 = a2.multiplyAdd(v, w0)
        v = x.next()
        a1 = a1.multiplyAdd(v, w3); a2 = a2.multiplyAdd(v, w1)
        v = x.next()
        a1 = a1.multiplyAdd(v, w4); a2 = a2.multiplyAdd(v, w2); a3 = a3.multiplyAdd(v, w0)
        v = x.next()
        a2 = a2.multiplyAdd(v, w3); a3 = a3.multiplyAdd(v, w1)
        v = x.next()
        a2 = a2.multiplyAdd(v, w4); a3 = a3.multiplyAdd(v, w2); a4 = a4.multiplyAdd(v, w0)
        v = x.next()
        a3 = a3.multiplyAdd(v, w3); a4 = a4.multiplyAdd(v, w1)
        v = x.next()
        a3 = a3.multiplyAdd(v, w4); a4 = a4.multiplyAdd(v, w2); a5 = a5.multiplyAdd(v, w0)
        v = x.next()
        a4 = a4.multiplyAdd(v, w3); a5 = a5.multiplyAdd(v, w1)
        v = x.next()
        a4 = a4.multiplyAdd(v, w4); a5 = a5.multiplyAdd(v, w2); a6 = a6.multiplyAdd(v, w0)
        v = x.next()
        a5 = a5.multiplyAdd(v, w3); a6 = a6.multiplyAdd(v, w1)
        v = x.next()
        a5 = a5.multiplyAdd(v, w4); a6 = a6.multiplyAdd(v, w2); a7 = a7.multiplyAdd(v, w0)
        v = x.next()
        a6 = a6.multiplyAdd(v, w3); a7 = a7.multiplyAdd(v, w1)
        v = x.next()
        a6 = a6.multiplyAdd(v, w4); a7 = a7.multiplyAdd(v, w2)
        v = x.next()
        a7 = a7.multiplyAdd(v, w3)
        v = x.next()
        a7 = a7.multiplyAdd(v, w4)
    }

    @inline(__always)
    func store(_ o: UnsafeMutablePointer<Float>, _ c: Int, _ lo: V, _ hi: V) {
        o.storeLanes(a0.clamped(lo, hi))
        o.storeLanes(a1.clamped(lo, hi), c)
        o.storeLanes(a2.clamped(lo, hi), 2 &* c)
        o.storeLanes(a3.clamped(lo, hi), 3 &* c)
        o.storeLanes(a4.clamped(lo, hi), 4 &* c)
        o.storeLanes(a5.clamped(lo, hi), 5 &* c)
        o.storeLanes(a6.clamped(lo, hi), 6 &* c)
        o.storeLanes(a7.clamped(lo, hi), 7 &* c)
    }

    /// The first `pixels` (1…7) of the eight, for a map narrower than eight columns.
    @inline(__always)
    func store(_ o: UnsafeMutablePointer<Float>, _ c: Int, _ lo: V, _ hi: V, pixels: Int) {
        o.storeLanes(a0.clamped(lo, hi))
        if pixels > 1 { o.storeLanes(a1.clamped(lo, hi), c) }
        if pixels > 2 { o.storeLanes(a2.clamped(lo, hi), 2 &* c) }
        if pixels > 3 { o.storeLanes(a3.clamped(lo, hi), 3 &* c) }
        if pixels > 4 { o.storeLanes(a4.clamped(lo, hi), 4 &* c) }
        if pixels > 5 { o.storeLanes(a5.clamped(lo, hi), 5 &* c) }
        if pixels > 6 { o.storeLanes(a6.clamped(lo, hi), 6 &* c) }
    }
}

/// Where `SlidingEight` reads a filter row's input vectors, one after another.
protocol SlidingInput {
    mutating func next<V: FloatLanes>() -> V
}

/// Input vectors `step` floats apart from `q` (interior pixels: the input
/// itself), each addressed from `q` (`q + j · step`) rather than from the
/// one before: the unrolled row's addresses are then a base and an offset.
struct OffsetInput: SlidingInput {
    let q: UnsafePointer<Float>
    let step: Int
    var j = 0

    @inline(__always)
    init(q: UnsafePointer<Float>, step: Int) {
        self.q = q
        self.step = step
    }

    @inline(__always)
    mutating func next<V: FloatLanes>() -> V {
        let v = q.load(V.self, j &* step)
        j &+= 1
        return v
    }
}

/// Input vectors at `columns[0]`, `columns[1]`, … plus `channel` (edge
/// pixels: a column outside the input points at zeros).
private struct TabledInput: SlidingInput {
    let columns: UnsafePointer<UnsafePointer<Float>>
    let channel: Int
    var j = 0

    @inline(__always)
    init(_ columns: UnsafePointer<UnsafePointer<Float>>, channel: Int) {
        self.columns = columns
        self.channel = channel
    }

    @inline(__always)
    mutating func next<V: FloatLanes>() -> V {
        let v = columns[j].load(V.self, channel)
        j &+= 1
        return v
    }
}

/// A filter width and stride `SlidingEight` has a row for.
protocol SlidingFilterRow {
    /// The filter's width: its taps a row, and its rows where it is square.
    static var width: Int { get }
    static func add<V: FloatLanes, I: SlidingInput>(_ a: inout SlidingEight<V>, _ x: inout I, _ w: UnsafePointer<Float>, _ wStep: Int)
}

enum SevenTaps: SlidingFilterRow {
    static var width: Int { 7 }
    @inline(__always)
    static func add<V: FloatLanes, I: SlidingInput>(_ a: inout SlidingEight<V>, _ x: inout I, _ w: UnsafePointer<Float>, _ wStep: Int) {
        a.row7(&x, w, wStep)
    }
}

enum FiveTaps: SlidingFilterRow {
    static var width: Int { 5 }
    @inline(__always)
    static func add<V: FloatLanes, I: SlidingInput>(_ a: inout SlidingEight<V>, _ x: inout I, _ w: UnsafePointer<Float>, _ wStep: Int) {
        a.row5(&x, w, wStep)
    }
}

enum SevenTapsStride2: SlidingFilterRow {
    static var width: Int { 7 }
    @inline(__always)
    static func add<V: FloatLanes, I: SlidingInput>(_ a: inout SlidingEight<V>, _ x: inout I, _ w: UnsafePointer<Float>, _ wStep: Int) {
        a.row7Stride2(&x, w, wStep)
    }
}

enum FiveTapsStride2: SlidingFilterRow {
    static var width: Int { 5 }
    @inline(__always)
    static func add<V: FloatLanes, I: SlidingInput>(_ a: inout SlidingEight<V>, _ x: inout I, _ w: UnsafePointer<Float>, _ wStep: Int) {
        a.row5Stride2(&x, w, wStep)
    }
}

enum ThreeTaps: SlidingFilterRow {
    static var width: Int { 3 }
    @inline(__always)
    static func add<V: FloatLanes, I: SlidingInput>(_ a: inout SlidingEight<V>, _ x: inout I, _ w: UnsafePointer<Float>, _ wStep: Int) {
        a.row3(&x, w, wStep)
    }
}
