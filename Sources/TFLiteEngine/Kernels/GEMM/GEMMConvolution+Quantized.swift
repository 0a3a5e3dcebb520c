/// Fast quantized (int8 / uint8) CONV_2D and FULLY_CONNECTED on the float
/// GEMM micro-kernel, with results bit-identical to TFLite's integer
/// reference arithmetic.
///
/// Why float is exact here: every product (x + inputOffset)·(w + filterOffset)
/// is an integer of magnitude ≤ 255 · 255, and the micro-kernel only ever
/// adds such products to an accumulator that starts at zero. Float32 holds
/// every integer up to 2^24 exactly, so as long as no partial sum can exceed
/// that bound, each multiply, add or fused multiply-add is exact and the
/// summation order does not matter. The kernel therefore splits K into
/// chunks short enough that |partial sum| ≤ 2^22 (the bound of the exact
/// float→int conversion used), converts each chunk's float accumulators to
/// Int32 and adds them up in integer arithmetic, then adds the int32 bias and
/// requantizes per channel (`ChannelRequantization`), like the reference.
///
/// Swift has no portable access to the x86 integer dot-product instructions
/// (VPMADDWD / VPDPBUSD): the optimiser does not form them from SIMD code,
/// and SIMD integer↔float conversions compile to outlined calls. The float
/// FMA path is the fastest exact formulation available.
///
/// Layout: weights are packed once per model into `PackedFloatWeights`
/// panels (as integers w + filterOffset). For each micro-tile of `mr` output
/// pixels, the kernel gathers those pixels' input rows (through an offset
/// table for convolutions; padding taps read as 0, which is what the
/// reference's skipped taps contribute) into a float block in the worker's
/// scratch, already offset by inputOffset, and runs all weight panels of the
/// tile's group over it.
final class GEMMConvolutionQuantized: Kernel {
    /// Int8 elements (else UInt8).
    let signed: Bool
    let m: Int, n: Int, taps: Int, channels: Int
    /// K = taps × channels; chunk length in K (≥ 1).
    let k: Int, chunk: Int
    let packed: PackedFloatWeights
    let requantization: ChannelRequantization
    /// The bias is computed at run time (not folded into `requantization`).
    let runtimeBias: Bool
    let inputOffset: Int32
    let operands: FilteredOperands
    /// Row stride of A in the input (pointwise convolution, fully connected).
    let rowStride: Int
    /// [microTile][row][tap] element offsets into the input, −1 for padding
    /// (convolution only).
    private let tapOffsets: UnsafeMutablePointer<Int>?
    let tiling: GEMMTiling

    var input: UnsafeRawPointer!
    var bias: UnsafePointer<Int32>?
    var output: UnsafeMutableRawPointer!
    var scratch: UnsafeMutableRawPointer!

    enum Source {
        case rows(stride: Int)
        case convolution(ConvGeometry)
    }

    /// The kernel for a constant, non-grouped filter of shape [N][taps·channels]
    /// (OHWI convolution filter or FC weights), or nil when the reference
    /// kernel should run (non-constant filter, oversized offset table, empty
    /// input or output: see `PrepareContext.hasEmptyInputOrOutput`).
    static func make(ctx: PrepareContext, source: Source, m: Int, n: Int, taps: Int, channels: Int,
                     quantization q: ConvolutionQuantization, signed: Bool) throws -> GEMMConvolutionQuantized? {
        guard try !ctx.hasEmptyInputOrOutput() else { return nil }
        if case .convolution = source, !GEMMTiling.indirectionFits(m: m, taps: taps) { return nil }
        let filter = try ctx.input(1)
        let (k, kOverflow) = taps.multipliedReportingOverflow(by: channels)
        let (nk, nkOverflow) = n.multipliedReportingOverflow(by: k)
        guard !kOverflow, !nkOverflow, let weights = filter.constant, filter.elementCount == nk else { return nil }
        let wide = n > FloatVector.scalarCount
        let fOff = q.filterOffset
        let key = "packed-gemm-q\(signed ? "i8" : "u8")-nr\(FloatGEMM.panelWidth(wide: wide))-w\(ctx.node.inputs[1])-o\(fOff)-\(n)x\(k)"
        let packed = ctx.graph.sharedConstants.value(for: key) {
            PackedQuantizedWeights(weights: weights, n: n, k: k, wide: wide, signed: signed, offset: fOff)
        }
        // Largest |x + inputOffset| over the element type's range, and |w + filterOffset| over the filter.
        let elementRange: (Int32, Int32) = signed ? (-128, 127) : (0, 255)
        let maxInput = max(abs(elementRange.0 &+ q.inputOffset), abs(elementRange.1 &+ q.inputOffset))
        let product = Int(maxInput) * Int(packed.largestMagnitude)
        let chunk = product == 0 ? max(k, 1) : max(1, min(max(k, 1), (1 << 22) / product))
        return GEMMConvolutionQuantized(
            ctx: ctx, source: source, m: m, n: n, taps: taps, channels: channels, chunk: chunk,
            packed: packed.panels, q: q, signed: signed)
    }

    private init(ctx: PrepareContext, source: Source, m: Int, n: Int, taps: Int, channels: Int, chunk: Int,
                 packed: PackedFloatWeights, q: ConvolutionQuantization, signed: Bool) {
        self.signed = signed
        self.m = m
        self.n = n
        self.taps = taps
        self.channels = channels
        k = taps * channels
        self.chunk = chunk
        self.packed = packed
        let bias = ctx.optionalInput(2)
        runtimeBias = bias != nil && bias?.constant == nil
        requantization = ChannelRequantization(
            q, paddedTo: packed.nr, constantBias: bias?.constant.map { $0.assumingMemoryBound(to: Int32.self) })
        inputOffset = q.inputOffset
        operands = FilteredOperands(ctx)
        let mr = FloatGEMM.mr
        tiling = GEMMTiling(m: m, panelCount: packed.panelCount, panelBytes: k * packed.nr * MemoryLayout<Float>.size)
        let microTiles = tiling.microTiles
        switch source {
        case let .rows(stride):
            rowStride = stride
            tapOffsets = nil
        case let .convolution(g):
            rowStride = 0
            let offsets = UnsafeMutablePointer<Int>.allocate(capacity: max(microTiles * mr * taps, 1))
            for tile in 0..<microTiles {
                for r in 0..<mr {
                    // Rows past M repeat the tile's first pixel (computed, never stored).
                    let p = tile * mr + r < m ? tile * mr + r : tile * mr
                    let row = offsets + (tile * mr + r) * taps
                    g.forEachTap(ofPixel: p) { t, inputPixel in row[t] = inputPixel.map { $0 * channels } ?? -1 }
                }
            }
            tapOffsets = offsets
        }
    }

    deinit { tapOffsets?.deallocate() }

    var tileCount: Int { tiling.tileCount }
    var cost: Int { m * n * k }

    /// Per worker: the gathered A block (mr × K floats), the float tile and
    /// the int32 tile (mr × nr each), mr row pointers, nr zero biases.
    private var aBlockBytes: Int { (FloatGEMM.mr * k * MemoryLayout<Float>.size + 63) & ~63 }
    private var tileBytes: Int { FloatGEMM.mr * FloatGEMM.maxPanelWidth * 4 }
    var scratchBytesPerWorker: Int {
        aBlockBytes + 3 * tileBytes + FloatGEMM.mr * MemoryLayout<UnsafePointer<Float>>.size + FloatGEMM.maxPanelWidth * 4
    }

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(operands.input))
        bias = operands.bias.map { UnsafePointer(memory.pointer($0, as: Int32.self)) }
        output = memory.raw(operands.output)
        scratch = memory.scratch
    }

    func run(tiles: Range<Int>, worker: Int) {
        switch (signed, packed.wide) {
        case (true, true): compute(tiles, worker: worker, Int8.self, WidePanel.self)
        case (true, false): compute(tiles, worker: worker, Int8.self, NarrowPanel.self)
        case (false, true): compute(tiles, worker: worker, UInt8.self, WidePanel.self)
        case (false, false): compute(tiles, worker: worker, UInt8.self, NarrowPanel.self)
        }
    }

    private func compute<E: QuantizedElement, Shape: GEMMPanelShape>(
        _ tiles: Range<Int>, worker: Int, _: E.Type, _ shape: Shape.Type
    ) {
        let mr = FloatGEMM.mr, nr = FloatGEMM.panelWidth(wide: Shape.wide)
        let base = scratch.unsafelyUnwrapped + worker &* scratchBytesPerWorker
        let aBlock = base.assumingMemoryBound(to: Float.self)
        let aBytes = aBlockBytes, tBytes = tileBytes
        let floatTile = (base + aBytes).assumingMemoryBound(to: Float.self)
        let intTile = (base + (aBytes + tBytes)).assumingMemoryBound(to: Int32.self)
        let pointerOffset = aBytes + 2 * tBytes
        let rowPointers = (base + pointerOffset).assumingMemoryBound(to: UnsafePointer<Float>.self)
        let zeroBias = (base + (pointerOffset + mr * MemoryLayout<UnsafePointer<Float>>.size)).assumingMemoryBound(to: Float.self)
        let staging = (base + (pointerOffset + mr * MemoryLayout<UnsafePointer<Float>>.size + FloatGEMM.maxPanelWidth * 4))
            .assumingMemoryBound(to: E.self)
        for j in 0..<nr { zeroBias[j] = 0 }
        let input = UnsafePointer<E>(OpaquePointer(self.input.unsafelyUnwrapped))
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output.unsafelyUnwrapped))
        let bias = self.bias
        let inOff = inputOffset
        let m = self.m, n = self.n, k = self.k, chunk = self.chunk, taps = self.taps, channels = self.channels
        let noClampLow = FloatVector(repeating: -.infinity), noClampHigh = FloatVector(repeating: .infinity)
        for tile in tiles {
            let (panels, microTileRange) = tiling.ranges(of: tile)
            for microTile in microTileRange {
                let row = microTile &* mr
                let rows = min(mr, m &- row)
                // Gather the tile's A rows as floats (x + inputOffset).
                for r in 0..<mr {
                    let dst = aBlock + r &* k
                    if let tapOffsets {
                        // Runs of taps that are adjacent in the input (a filter row
                        // inside the image) or all padding are copied in one loop.
                        let offsets = tapOffsets + (microTile &* mr &+ r) &* taps
                        var t = 0
                        while t < taps {
                            let offset = offsets[t]
                            var end = t &+ 1
                            let d = dst + t &* channels
                            if offset < 0 {
                                while end < taps && offsets[end] < 0 { end &+= 1 }
                                for c in 0..<(end &- t) &* channels { d[c] = 0 }
                            } else {
                                while end < taps && offsets[end] == offsets[end &- 1] &+ channels { end &+= 1 }
                                let src = input + offset
                                for c in 0..<(end &- t) &* channels { d[c] = Float(Int32(truncatingIfNeeded: src[c]) &+ inOff) }
                            }
                            t = end
                        }
                    } else {
                        let src = input + (r < rows ? row &+ r : row) &* rowStride
                        for c in 0..<k { dst[c] = Float(Int32(truncatingIfNeeded: src[c]) &+ inOff) }
                    }
                }
                for panel in panels {
                    let b = packed.panel(panel)
                    let column = panel &* nr
                    let columns = min(nr, n &- column)
                    var k0 = 0
                    while k0 < k {
                        let length = min(chunk, k &- k0)
                        for r in 0..<mr { rowPointers[r] = UnsafePointer(aBlock + (r &* k &+ k0)) }
                        if rows == 1 {
                            FloatGEMM.microKernel1(shape, taps: 1, channels: length, a: UnsafePointer(rowPointers), b: b + k0 &* nr,
                                                   bias: zeroBias, c: floatTile, lo: noClampLow, hi: noClampHigh)
                        } else {
                            FloatGEMM.microKernel(shape, taps: 1, channels: length, a: UnsafePointer(rowPointers), b: b + k0 &* nr,
                                                  bias: zeroBias, c: floatTile, ldc: nr, lo: noClampLow, hi: noClampHigh)
                        }
                        let count = (rows == 1 ? 1 : mr) &* nr
                        if k0 == 0 {
                            for i in 0..<count { intTile[i] = Self.exactInteger(floatTile[i]) }
                        } else {
                            for i in 0..<count { intTile[i] &+= Self.exactInteger(floatTile[i]) }
                        }
                        k0 &+= length
                    }
                    let c = output + (row &* n &+ column)
                    if runtimeBias {
                        for r in 0..<rows {
                            requantization.apply(intTile + r &* nr, bias: bias, channel: column, count: columns, into: c + r &* n)
                        }
                    } else if columns == nr {
                        requantization.applyBlock(intTile, rows: rows, panel: shape, channel: column, into: c, outputStride: n)
                    } else {
                        requantization.applyBlock(intTile, rows: rows, panel: shape, channel: column, into: staging, outputStride: nr)
                        for r in 0..<rows { (c + r &* n).update(from: staging + r &* nr, count: columns) }
                    }
                }
            }
        }
    }

    /// An integer-valued float with |v| ≤ 2^22 as Int32: adding 1.5·2^23
    /// puts v in the mantissa of a float in [2^23, 2^24), where the spacing
    /// is exactly 1 (no branches, vectorisable; `Int32(Float)` traps).
    @inline(__always)
    static func exactInteger(_ v: Float) -> Int32 {
        Int32(bitPattern: (v + 12_582_912).bitPattern) &- 0x4B40_0000
    }
}

/// A constant int8/uint8 filter [N][K] packed once per model as exact float
/// integers `w + filterOffset` (`PackedFloatWeights` panels), with the largest
/// |w + filterOffset|, which bounds the exact-float chunk length.
final class PackedQuantizedWeights: @unchecked Sendable {
    let panels: PackedFloatWeights
    let largestMagnitude: Int32

    init(weights: UnsafeRawPointer, n: Int, k: Int, wide: Bool, signed: Bool, offset: Int32) {
        func value(_ i: Int) -> Int32 {
            let raw = weights.load(fromByteOffset: i, as: UInt8.self)
            return (signed ? Int32(Int8(bitPattern: raw)) : Int32(raw)) &+ offset
        }
        panels = PackedFloatWeights(n: n, k: k, wide: wide, weight: { row, kk in Float(value(row * k + kk)) }, bias: nil)
        var largest: Int32 = 0
        for i in 0..<n * k { largest = max(largest, abs(value(i))) }
        largestMagnitude = largest
    }
}
