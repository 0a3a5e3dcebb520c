/// Chooses the float32 DEPTHWISE_CONV_2D kernel: the channel-vectorised
/// kernel for depth multiplier 1, else the reference loops.
enum DepthwiseConv2DFloat {
    static func make(ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters) throws -> Kernel {
        // (The vectorised kernel's zero row is W × C floats.)
        guard p.depthMultiplier == 1, try !ctx.hasEmptyInputOrOutput() else { return ConvolutionFloatReference(ctx: ctx, p) }
        return DepthwiseConv2DFloatVectorized(ctx: ctx, p)
    }
}

/// Float32 depthwise convolution with depth multiplier 1, vectorised over
/// channels (`FloatVector` lanes, scalar tail). Tiles are output rows.
///
/// Rows above or below the input read a zero row, so every output row
/// runs the same code; columns whose taps all fall inside the input take the
/// 3×3 (dilation 1, any stride) fast path, which keeps the nine weight vectors
/// and the bias in registers and walks the row; the remaining columns, and
/// other filter sizes, use a per-pixel loop that skips out-of-bounds taps.
final class DepthwiseConv2DFloatVectorized: Kernel {
    let p: DepthwiseConv2D.Parameters
    let operands: FilteredOperands
    var input: UnsafePointer<Float>!
    var filter: UnsafePointer<Float>!
    var bias: UnsafePointer<Float>?
    var output: UnsafeMutablePointer<Float>!
    /// One input row of zeros (width × channels), read for rows in the padding.
    private let zeroRow: UnsafeMutablePointer<Float>
    /// Zero bias used when the op has none.
    private let zeroBias: UnsafeMutablePointer<Float>
    /// First and one-past-last output column whose taps are all inside the input.
    let interiorStart: Int, interiorEnd: Int

    init(ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters) {
        self.p = p
        operands = FilteredOperands(ctx)
        let g = p.geometry
        let rowFloats = max(g.inputWidth * p.inputChannels, 1)
        zeroRow = .allocate(capacity: rowFloats)
        zeroRow.initialize(repeating: 0, count: rowFloats)
        zeroBias = .allocate(capacity: max(p.outputChannels, 1))
        zeroBias.initialize(repeating: 0, count: max(p.outputChannels, 1))
        // ox·s − padLeft ≥ 0 and ox·s − padLeft + (KW−1)·d ≤ W − 1.
        let start = (g.padLeft + g.strideWidth - 1) / g.strideWidth
        let lastReach = g.inputWidth - 1 - (g.filterWidth - 1) * g.dilationWidth + g.padLeft
        let end = lastReach >= 0 ? lastReach / g.strideWidth + 1 : 0
        interiorStart = min(start, g.outputWidth)
        interiorEnd = max(interiorStart, min(end, g.outputWidth))
    }

    deinit {
        zeroRow.deallocate()
        zeroBias.deallocate()
    }

    var tileCount: Int { p.geometry.outputRows }
    var cost: Int { p.cost }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(operands.input, as: Float.self))
        filter = UnsafePointer(memory.pointer(operands.filter, as: Float.self))
        bias = operands.bias.map { UnsafePointer(memory.pointer($0, as: Float.self)) }
        output = memory.pointer(operands.output, as: Float.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        let g = p.geometry
        let fast3x3 = g.filterHeight == 3 && g.filterWidth == 3 && g.dilationHeight == 1 && g.dilationWidth == 1
        for tile in tiles {
            let b = tile / g.outputHeight, oy = tile % g.outputHeight
            let out = output + tile &* g.outputWidth &* p.outputChannels
            if fast3x3 {
                for ox in 0..<min(interiorStart, g.outputWidth) { edge3x3(out, b: b, oy: oy, ox: ox) }
                if interiorStart < interiorEnd { interior3x3(out, b: b, oy: oy) }
                for ox in max(interiorEnd, interiorStart)..<g.outputWidth { edge3x3(out, b: b, oy: oy, ox: ox) }
            } else {
                for ox in 0..<min(interiorStart, g.outputWidth) { pixel(out, b: b, oy: oy, ox: ox) }
                if interiorStart < interiorEnd { interior(out, b: b, oy: oy) }
                for ox in max(interiorEnd, interiorStart)..<g.outputWidth { pixel(out, b: b, oy: oy, ox: ox) }
            }
        }
    }

    /// Columns `interiorStart..<interiorEnd` of one output row, 3×3 filter.
    @inline(__always)
    private func interior3x3(_ out: UnsafeMutablePointer<Float>, b: Int, oy: Int) {
        typealias V = FloatVector
        let w = V.scalarCount
        let g = p.geometry, c = p.inputChannels
        let (low, high) = p.activation.floatRange
        let lo = V(repeating: low), hi = V(repeating: high)
        let inputBatch = input + b &* g.inputHeight &* g.inputWidth &* c
        let zero = UnsafePointer(zeroRow)
        @inline(__always) func row(_ ky: Int) -> UnsafePointer<Float> {
            let iy = oy &* g.strideHeight &- g.padTop &+ ky
            return iy >= 0 && iy < g.inputHeight ? inputBatch + iy &* g.inputWidth &* c : zero
        }
        let r0 = row(0), r1 = row(1), r2 = row(2)
        let biasBase = bias ?? UnsafePointer(zeroBias)
        let f = filter!
        let pixelStep = g.strideWidth &* c
        let firstColumn = (interiorStart &* g.strideWidth &- g.padLeft) &* c
        let blocks = c / w
        for block in 0..<blocks {
            let ch = block &* w
            let w0 = f.loadVector(ch), w1 = f.loadVector(c &+ ch), w2 = f.loadVector(2 &* c &+ ch)
            let w3 = f.loadVector(3 &* c &+ ch), w4 = f.loadVector(4 &* c &+ ch), w5 = f.loadVector(5 &* c &+ ch)
            let w6 = f.loadVector(6 &* c &+ ch), w7 = f.loadVector(7 &* c &+ ch), w8 = f.loadVector(8 &* c &+ ch)
            let biasVector = biasBase.loadVector(ch)
            var x0 = r0 + (firstColumn &+ ch), x1 = r1 + (firstColumn &+ ch), x2 = r2 + (firstColumn &+ ch)
            var o = out + (interiorStart &* c &+ ch)
            for _ in interiorStart..<interiorEnd {
                var acc = biasVector
                acc = acc.multiplyAdd(x0.loadVector(), w0)
                acc = acc.multiplyAdd(x0.loadVector(c), w1)
                acc = acc.multiplyAdd(x0.loadVector(2 &* c), w2)
                acc = acc.multiplyAdd(x1.loadVector(), w3)
                acc = acc.multiplyAdd(x1.loadVector(c), w4)
                acc = acc.multiplyAdd(x1.loadVector(2 &* c), w5)
                acc = acc.multiplyAdd(x2.loadVector(), w6)
                acc = acc.multiplyAdd(x2.loadVector(c), w7)
                acc = acc.multiplyAdd(x2.loadVector(2 &* c), w8)
                o.storeVector(acc.clamped(lo, hi))
                x0 += pixelStep; x1 += pixelStep; x2 += pixelStep
                o += c
            }
        }
        // Channels past the last full vector.
        if blocks &* w < c {
            let rows = (r0, r1, r2)
            for ox in interiorStart..<interiorEnd {
                let column = (ox &* g.strideWidth &- g.padLeft) &* c
                for ch in blocks &* w..<c {
                    var acc = biasBase[ch]
                    for ky in 0..<3 {
                        let r = ky == 0 ? rows.0 : (ky == 1 ? rows.1 : rows.2)
                        for kx in 0..<3 {
                            acc += r[column &+ kx &* c &+ ch] * f[(ky &* 3 &+ kx) &* c &+ ch]
                        }
                    }
                    out[ox &* c &+ ch] = min(max(acc, low), high)
                }
            }
        }
    }

    /// Columns `interiorStart..<interiorEnd` of one output row, any filter
    /// size, stride and dilation: four output pixels at a time share each
    /// tap's weight vector (one weight load per four multiply-adds), rows
    /// above or below the input read the zero row. Sums run in the same tap
    /// order as `pixel`, so results do not depend on the column.
    @inline(__always)
    private func interior(_ out: UnsafeMutablePointer<Float>, b: Int, oy: Int) {
        typealias V = FloatVector
        let w = V.scalarCount
        let g = p.geometry, c = p.inputChannels
        let (low, high) = p.activation.floatRange
        let lo = V(repeating: low), hi = V(repeating: high)
        let inputBatch = input + b &* g.inputHeight &* g.inputWidth &* c
        let zero = UnsafePointer(zeroRow)
        let biasBase = bias ?? UnsafePointer(zeroBias)
        let f = filter!
        let kh = g.filterHeight, kw = g.filterWidth
        let pixelStep = g.strideWidth &* c, tapStep = g.dilationWidth &* c
        let iy0 = oy &* g.strideHeight &- g.padTop
        @inline(__always) func row(_ ky: Int) -> UnsafePointer<Float> {
            let iy = iy0 &+ ky &* g.dilationHeight
            return iy >= 0 && iy < g.inputHeight ? inputBatch + iy &* g.inputWidth &* c : zero
        }
        let blocks = c / w
        for block in 0..<blocks {
            let ch = block &* w
            let biasVector = biasBase.loadVector(ch)
            var ox = interiorStart
            while ox &+ 4 <= interiorEnd {
                var a0 = biasVector, a1 = biasVector, a2 = biasVector, a3 = biasVector
                let column = (ox &* g.strideWidth &- g.padLeft) &* c &+ ch
                for ky in 0..<kh {
                    var x = row(ky) + column
                    var wp = f + (ky &* kw &* c &+ ch)
                    for _ in 0..<kw {
                        let wv = wp.loadVector()
                        a0 = a0.multiplyAdd(x.loadVector(), wv)
                        a1 = a1.multiplyAdd(x.loadVector(pixelStep), wv)
                        a2 = a2.multiplyAdd(x.loadVector(2 &* pixelStep), wv)
                        a3 = a3.multiplyAdd(x.loadVector(3 &* pixelStep), wv)
                        x += tapStep
                        wp += c
                    }
                }
                let o = out + (ox &* c &+ ch)
                o.storeVector(a0.clamped(lo, hi))
                o.storeVector(a1.clamped(lo, hi), c)
                o.storeVector(a2.clamped(lo, hi), 2 &* c)
                o.storeVector(a3.clamped(lo, hi), 3 &* c)
                ox &+= 4
            }
            while ox < interiorEnd {
                var a0 = biasVector
                let column = (ox &* g.strideWidth &- g.padLeft) &* c &+ ch
                for ky in 0..<kh {
                    var x = row(ky) + column
                    var wp = f + (ky &* kw &* c &+ ch)
                    for _ in 0..<kw {
                        a0 = a0.multiplyAdd(x.loadVector(), wp.loadVector())
                        x += tapStep
                        wp += c
                    }
                }
                (out + (ox &* c &+ ch)).storeVector(a0.clamped(lo, hi))
                ox &+= 1
            }
        }
        if blocks &* w < c {
            for ox in interiorStart..<interiorEnd { pixelChannels(out, b: b, oy: oy, ox: ox, from: blocks &* w) }
        }
    }

    /// One output pixel of a 3×3 filter (dilation 1) at a left or right edge:
    /// taps outside the input read the zero row (adding 0 · w, which leaves
    /// finite sums unchanged), so the nine multiply-adds run unconditionally
    /// over each channel vector. On small feature maps most pixels are edges.
    @inline(__always)
    private func edge3x3(_ out: UnsafeMutablePointer<Float>, b: Int, oy: Int, ox: Int) {
        typealias V = FloatVector
        let w = V.scalarCount
        let g = p.geometry, c = p.inputChannels
        let (low, high) = p.activation.floatRange
        let lo = V(repeating: low), hi = V(repeating: high)
        let inputBatch = input + b &* g.inputHeight &* g.inputWidth &* c
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
        let blocks = c / w
        for block in 0..<blocks {
            let ch = block &* w
            var acc = biasBase.loadVector(ch)
            acc = acc.multiplyAdd(t0.loadVector(ch), f.loadVector(ch))
            acc = acc.multiplyAdd(t1.loadVector(ch), f.loadVector(c &+ ch))
            acc = acc.multiplyAdd(t2.loadVector(ch), f.loadVector(2 &* c &+ ch))
            acc = acc.multiplyAdd(t3.loadVector(ch), f.loadVector(3 &* c &+ ch))
            acc = acc.multiplyAdd(t4.loadVector(ch), f.loadVector(4 &* c &+ ch))
            acc = acc.multiplyAdd(t5.loadVector(ch), f.loadVector(5 &* c &+ ch))
            acc = acc.multiplyAdd(t6.loadVector(ch), f.loadVector(6 &* c &+ ch))
            acc = acc.multiplyAdd(t7.loadVector(ch), f.loadVector(7 &* c &+ ch))
            acc = acc.multiplyAdd(t8.loadVector(ch), f.loadVector(8 &* c &+ ch))
            o.storeVector(acc.clamped(lo, hi), ch)
        }
        if blocks &* w < c { pixelChannels(out, b: b, oy: oy, ox: ox, from: blocks &* w) }
    }

    /// One output pixel, any filter size; taps outside the input are skipped.
    @inline(__always)
    private func pixel(_ out: UnsafeMutablePointer<Float>, b: Int, oy: Int, ox: Int) {
        typealias V = FloatVector
        let w = V.scalarCount
        let g = p.geometry, c = p.inputChannels
        let (low, high) = p.activation.floatRange
        let lo = V(repeating: low), hi = V(repeating: high)
        let inputBatch = input + b &* g.inputHeight &* g.inputWidth &* c
        let biasBase = bias ?? UnsafePointer(zeroBias)
        let f = filter!
        let o = out + ox &* c
        let iy0 = oy &* g.strideHeight &- g.padTop, ix0 = ox &* g.strideWidth &- g.padLeft
        let blocks = c / w
        for block in 0..<blocks {
            let ch = block &* w
            var acc = biasBase.loadVector(ch)
            for ky in 0..<g.filterHeight {
                let iy = iy0 &+ ky &* g.dilationHeight
                if iy < 0 || iy >= g.inputHeight { continue }
                for kx in 0..<g.filterWidth {
                    let ix = ix0 &+ kx &* g.dilationWidth
                    if ix < 0 || ix >= g.inputWidth { continue }
                    let x = inputBatch + ((iy &* g.inputWidth &+ ix) &* c &+ ch)
                    acc = acc.multiplyAdd(x.loadVector(), f.loadVector((ky &* g.filterWidth &+ kx) &* c &+ ch))
                }
            }
            o.storeVector(acc.clamped(lo, hi), ch)
        }
        if blocks &* w < c { pixelChannels(out, b: b, oy: oy, ox: ox, from: blocks &* w) }
    }

    /// Channels `start..<C` of one output pixel, one at a time (the tail past
    /// the last full vector); taps outside the input are skipped.
    private func pixelChannels(_ out: UnsafeMutablePointer<Float>, b: Int, oy: Int, ox: Int, from start: Int) {
        let g = p.geometry, c = p.inputChannels
        let (low, high) = p.activation.floatRange
        let inputBatch = input + b &* g.inputHeight &* g.inputWidth &* c
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
