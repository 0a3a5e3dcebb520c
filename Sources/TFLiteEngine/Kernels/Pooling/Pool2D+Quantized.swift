/// Quantized MAX_POOL_2D / AVERAGE_POOL_2D (int8 / uint8), TFLite's
/// reference kernels: max of in-bounds taps, or the int32 sum of in-bounds
/// taps divided by their count rounding half away from zero; then the
/// activation clamp. Input and output share scale and zero point.
enum Pool2DQuantized {
    static func prepare(_ ctx: PrepareContext, _ p: Pool2D.Parameters) throws -> Kernel {
        let input = try ctx.input(0), output = ctx.output(0)
        try ctx.require(output, type: input.type, "output")
        let qi = try ctx.quantization(input, "input"), qo = try ctx.quantization(output, "output")
        guard qi.scale == qo.scale, qi.zeroPoint == qo.zeroPoint else {
            throw ctx.error("input quantization (\(qi.scale), \(qi.zeroPoint)) differs from the output's (\(qo.scale), \(qo.zeroPoint))")
        }
        let limits = ctx.quantizedLimits(input.type)
        let range = p.activation.quantizedRange(scale: qo.scale, zeroPoint: qo.zeroPoint, qmin: limits.min, qmax: limits.max)
        switch input.type {
        case .int8: return Pool2DQuantizedKernel(Int8.self, ctx: ctx, p, range)
        case .uint8: return Pool2DQuantizedKernel(UInt8.self, ctx: ctx, p, range)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

/// Tiles are output rows.
final class Pool2DQuantizedKernel: Kernel {
    /// Int8 elements (else UInt8).
    let signed: Bool
    let p: Pool2D.Parameters
    let low: Int32, high: Int32
    let inputIndex: Int, outputIndex: Int
    var input: UnsafeRawPointer!
    var output: UnsafeMutableRawPointer!
    var scratch: UnsafeMutableRawPointer!

    /// Set by `ConvolutionPoolFusion` (max pooling): the convolution whose
    /// Int32 sums this pool reads instead of its input; the pool takes each
    /// window's maxima and runs the convolution's output stage on them.
    private(set) var fusedConvolution: GEMMConvolutionQuantized?

    /// Average pooling in the integer flavours: the Int16 division of each
    /// window size up to the filter's (at most `largestReciprocalCount`),
    /// by its count (`Int16Average`), made once here rather than per run.
    private let int16Averages: [Int16Average?]

    /// The fused convolution's kept sums, read instead of the input tensor.
    var substitutedTraffic: (tensor: Int, bytes: Int)? {
        fusedConvolution.map { (inputIndex, $0.pooledAccumulatorBytes) }
    }

    /// Reads `convolution`'s kept sums (see `pooledAccumulators`), or the input again (nil).
    func readAccumulators(of convolution: GEMMConvolutionQuantized?) {
        fusedConvolution = convolution
    }

    init<T: QuantizedElement>(_ type: T.Type, ctx: PrepareContext, _ p: Pool2D.Parameters, _ range: (min: Int32, max: Int32)) {
        signed = T.self == Int8.self
        self.p = p
        (low, high) = range
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
        let (taps, overflow) = p.geometry.filterHeight.multipliedReportingOverflow(by: p.geometry.filterWidth)
        let largest = overflow ? Int(Self.largestReciprocalCount) : min(max(taps, 0), Int(Self.largestReciprocalCount))
        int16Averages = p.kind == .max || !IntegerSIMD.isNative ? [] : (0...largest).map { Int16Average(count: Int32($0)) }
    }

    var tileCount: Int { p.geometry.outputRows }
    var cost: Int { p.cost }

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(inputIndex))
        output = memory.raw(outputIndex)
        scratch = memory.scratch
    }

    /// Class methods reached through the `Kernel` protocol are not
    /// specialised; dispatching to a generic function with a concrete type
    /// is, so the loops below run on Int8/UInt8 directly.
    func run(tiles: Range<Int>, worker: Int) {
        if let convolution = fusedConvolution {
            if signed {
                computeFused(convolution, tiles: tiles, worker: worker, Int8.self)
            } else {
                computeFused(convolution, tiles: tiles, worker: worker, UInt8.self)
            }
            return
        }
        if signed { compute(tiles: tiles, worker: worker, Int8.self) } else { compute(tiles: tiles, worker: worker, UInt8.self) }
    }

    /// Per worker: one int32 sum per channel (average pooling), or one
    /// int32 maximum per channel of the fused convolution's rows.
    var scratchBytesPerWorker: Int {
        if let fusedConvolution { return max(fusedConvolution.accumulatorStride, 1) * 4 }
        if rowsSeparately { return separableRowBytes }
        if averagesRowsSeparately { return 2 &* coveredColumns &* p.channels &+ 64 }
        return p.kind == .max ? 0 : max(p.channels, 1) * 4
    }

    /// Max pools of fewer than 64 channels whose windows all lie inside the
    /// input (no padding) go a row at a time (`maxRow`): the window rows'
    /// maxima over a whole row, then each output pixel's over the filter's
    /// columns. (Per pixel, NASNet-Mobile int8's 3×3 stride-2 pools of 11
    /// channels took two eight-byte groups and the window loops: 13 GFLOP/s.)
    var rowsSeparately: Bool {
        let g = p.geometry
        return p.kind == .max && fusedConvolution == nil && p.channels < 64 && g.padTop == 0 && g.padLeft == 0
            && g.filterHeight &* g.filterWidth <= Int(Self.largestReciprocalCount)
            && g.filterHeight &* g.filterWidth > 1 && g.outputHeight > 0 && g.outputWidth > 0
            && (g.outputHeight &- 1) &* g.strideHeight &+ g.filterHeight <= g.inputHeight
            && (g.outputWidth &- 1) &* g.strideWidth &+ g.filterWidth <= g.inputWidth
    }

    /// The bytes of a row of window-row maxima (`maxRow`), with 16 to spare.
    private var separableRowBytes: Int {
        let g = p.geometry
        return ((g.outputWidth &- 1) &* g.strideWidth &+ g.filterWidth) &* p.channels &+ 16
    }

    /// Average pools go a row at a time (`averageRow`) where every window
    /// holds at least one input row and column, at most
    /// `largestReciprocalCount` taps, and an output row at least 16 elements:
    /// the sums of each window's input rows over the row's columns, padding
    /// columns 0, then each output's sum of its filter columns there. That
    /// widens each input byte once per output row instead of once per tap
    /// (InceptionV3 int8's 3×3 pools, NASNet-Mobile's of 11–44 channels:
    /// 35–49 GFLOP/s when every output summed its nine taps).
    var averagesRowsSeparately: Bool {
        let g = p.geometry
        guard p.kind == .average, fusedConvolution == nil, g.outputHeight > 0, g.outputWidth > 0,
              g.filterHeight > 0, g.filterWidth > 0, g.filterHeight &* g.filterWidth > 1,
              g.filterHeight &* g.filterWidth <= Int(Self.largestReciprocalCount),
              g.outputWidth &* p.channels >= 16 else { return false }
        // Each window starts before the input's end and ends after its start.
        @inline(__always) func covered(pad: Int, filter: Int, stride: Int, outputs: Int, inputs: Int) -> Bool {
            pad >= 0 && pad < filter && (outputs &- 1) &* stride &- pad < inputs
        }
        return covered(pad: g.padTop, filter: g.filterHeight, stride: g.strideHeight, outputs: g.outputHeight, inputs: g.inputHeight)
            && covered(pad: g.padLeft, filter: g.filterWidth, stride: g.strideWidth, outputs: g.outputWidth, inputs: g.inputWidth)
    }

    /// The columns an output row's windows cover, from input column
    /// −`padLeft` (`averageRow`'s row of sums).
    private var coveredColumns: Int {
        let g = p.geometry
        return (g.outputWidth &- 1) &* g.strideWidth &+ g.filterWidth
    }

    /// `averageRow`'s row of sums in elements: all of it, where the input's
    /// columns start, and how many elements they are.
    private var sumColumns: (covered: Int, left: Int, valid: Int) {
        let g = p.geometry, c = p.channels
        return (coveredColumns &* c, g.padLeft &* c, min(g.inputWidth, coveredColumns &- g.padLeft) &* c)
    }

    /// The zero sums of `averageRow`'s padding columns, stored once a run:
    /// the rows' sums never reach them.
    private func zeroPadding(_ row: UnsafeMutableRawPointer) {
        let (covered, left, valid) = sumColumns
        row.initializeMemory(as: UInt8.self, repeating: 0, count: 2 &* left)
        (row + 2 &* (left &+ valid)).initializeMemory(as: UInt8.self, repeating: 0, count: 2 &* max(covered &- left &- valid, 0))
    }

    /// Max pooling of the fused convolution's Int32 sums: per window the
    /// channels' maxima (the taps inside the input, as below), then the
    /// convolution's output stage (its biases are in the sums) and this
    /// pool's activation clamp. The output stage is non-decreasing
    /// (`canRequantizeAfterMaxPool`), so this is exactly the maximum of the
    /// requantized values the convolution would have written.
    private func computeFused<E: QuantizedElement>(_ convolution: GEMMConvolutionQuantized, tiles: Range<Int>, worker: Int, _: E.Type) {
        guard let sums = convolution.pooledAccumulators else { return }
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output!))
        let g = p.geometry, c = p.channels, stride = convolution.accumulatorStride
        let lo = low, hi = high
        let low = E(truncatingIfNeeded: lo), high = E(truncatingIfNeeded: hi)
        let maxima = (scratch.unsafelyUnwrapped + worker &* scratchStride).assumingMemoryBound(to: Int32.self)
        let requantization = convolution.requantization
        // The two clamps (the convolution's activation, then the pool's) are
        // one clamp to the overlap of their ranges when they overlap.
        let stageLow = max(requantization.activationMin, lo), stageHigh = min(requantization.activationMax, hi)
        if IntegerSIMD.isNative && stride & 15 == 0 && stageLow <= stageHigh {
            // 16 channels per step in registers: maxima (`vpmaxsd`), the
            // output stage of `Tables.requantize16`, 16 bytes stored.
            let stage = ChannelRequantization.VectorStage(
                signed: E.self == Int8.self, zeroPoint: SIMD8(repeating: requantization.outputOffset),
                low: SIMD32(repeating: UInt8(truncatingIfNeeded: stageLow)), high: SIMD32(repeating: UInt8(truncatingIfNeeded: stageHigh)))
            let tables = requantization.tables
            typealias V = SIMD8<Int32>
            g.forEachWindow(rows: tiles) { b, pixel, ys, xs in
                let out = UnsafeMutableRawPointer(output + pixel &* c)
                if ys.isEmpty || xs.isEmpty {
                    let empty = E(truncatingIfNeeded: min(max(Int32(truncatingIfNeeded: E.min), lo), hi))
                    for ch in 0..<c { out.storeBytes(of: empty, toByteOffset: ch, as: E.self) }
                    return
                }
                let batch = UnsafeRawPointer(sums + b &* g.inputHeight &* g.inputWidth &* stride)
                var group = 0
                while group < c {
                    let first = batch + ((ys.lowerBound &* g.inputWidth &+ xs.lowerBound) &* stride &+ group) &* 4
                    var m0 = first.loadUnaligned(as: V.self), m1 = first.loadUnaligned(fromByteOffset: 32, as: V.self)
                    for iy in ys {
                        for ix in xs {
                            let src = batch + ((iy &* g.inputWidth &+ ix) &* stride &+ group) &* 4
                            m0 = IntegerSIMD.maximum(m0, src.loadUnaligned(as: V.self))
                            m1 = IntegerSIMD.maximum(m1, src.loadUnaligned(fromByteOffset: 32, as: V.self))
                        }
                    }
                    let bytes = tables.requantize16(m0, m1, group, stage)
                    if group &+ 16 <= c {
                        out.storeBytes(of: bytes, toByteOffset: group, as: SIMD16<UInt8>.self)
                    } else {
                        for j in 0..<(c &- group) { out.storeBytes(of: bytes[j], toByteOffset: group &+ j, as: UInt8.self) }
                    }
                    group &+= 16
                }
            }
            return
        }
        g.forEachWindow(rows: tiles) { b, pixel, ys, xs in
            let out = output + pixel &* c
            if ys.isEmpty || xs.isEmpty {
                for ch in 0..<c { out[ch] = E(truncatingIfNeeded: min(max(Int32(truncatingIfNeeded: E.min), lo), hi)) }
                return
            }
            let batch = UnsafePointer(sums) + b &* g.inputHeight &* g.inputWidth &* stride
            let first = batch + (ys.lowerBound &* g.inputWidth &+ xs.lowerBound) &* stride
            for ch in 0..<stride { maxima[ch] = first[ch] }
            for iy in ys {
                for ix in xs {
                    let src = batch + (iy &* g.inputWidth &+ ix) &* stride
                    for ch in 0..<stride { maxima[ch] = max(maxima[ch], src[ch]) }
                }
            }
            requantization.apply(UnsafePointer(maxima), bias: nil, channel: 0, count: c, into: out)
            for ch in 0..<c { out[ch] = min(max(out[ch], low), high) }
        }
    }

    /// Largest window (taps inside the input) whose average is taken by
    /// reciprocal multiplication instead of division (see `compute`).
    static let largestReciprocalCount: Int32 = 128

    /// ⌈2^22 / count⌉, for `average`.
    @inline(__always)
    static func reciprocal(of count: Int32) -> Int32 { ((1 << 22) &+ count &- 1) / count }

    /// TFLite's rounded average of a window, `acc > 0 ? (acc + half) / count
    /// : (acc − half) / count` (division truncating toward zero), for a
    /// count up to `largestReciprocalCount` and |acc| ≤ 255 · count, given
    /// `reciprocal(of: count)`; branch-free, so channel loops vectorise.
    @inline(__always)
    static func average(_ acc: Int32, half: Int32, reciprocal m: Int32) -> Int32 {
        let sign = acc > 0 ? Int32(0) : Int32(-1)
        let magnitude = (acc ^ sign) &- sign
        let q = ((magnitude &+ half) &* m) &>> 22
        return (q ^ sign) &- sign
    }

    /// `average` of 16 window sums at once (Int16 lanes, in channel order):
    /// the even and odd lanes sign-extended in their 32-bit words, each
    /// half averaged in Int32 lanes, the results put back in place.
    @inline(__always)
    static func average16(_ sums: SIMD16<Int16>, half: SIMD8<Int32>, reciprocal m: SIMD8<Int32>) -> SIMD16<Int16> {
        let words = unsafeBitCast(sums, to: SIMD8<Int32>.self)
        @inline(__always) func average(_ acc: SIMD8<Int32>) -> SIMD8<Int32> {
            let sign = (acc &- 1) &>> 31  // −1 where acc ≤ 0 (|acc| < 2^15)
            let magnitude = (acc ^ sign) &- sign
            let q = ((magnitude &+ half) &* m) &>> 22
            return (q ^ sign) &- sign
        }
        let even = average((words &<< 16) &>> 16), odd = average(words &>> 16)
        return unsafeBitCast((even & 0xFFFF) | (odd &<< 16), to: SIMD16<Int16>.self)
    }

    /// TFLite's rounded average of window sums in Int16 lanes without
    /// widening: ±⌊(|acc| + half) / count⌋ as ±((|acc| + half) · m >> 16) >> s,
    /// the high half of an unsigned 16-bit product (`vpmulhuw`), for a
    /// count of 2…`largestReciprocalCount`, with s the largest shift such
    /// that 2^s < count and m = ⌈2^(16+s) / count⌉ (below 2^16). Exact when
    /// n · e < 2^(16+s) for every n = |acc| + half, where
    /// e = m · count − 2^(16+s) < count (as for `reciprocal(of:)`:
    /// n · m / 2^(16+s) = q + r/count + n·e/(count · 2^(16+s))); with
    /// |acc| ≤ 255 · count that holds for every count up to 128, and `init`
    /// checks it. Five instructions for sixteen sums where `average16`,
    /// which splits the lanes into two Int32 halves to multiply, takes
    /// about twenty; only in the integer flavours (`IntegerSIMD.isNative`),
    /// made at prepare for each window size (`int16Averages`).
    struct Int16Average {
        let half: SIMD16<UInt16>, multiplier: SIMD16<UInt16>
        /// (A scalar: the shift is a splat in the code, one `vpsrlw`.)
        let shift: UInt16

        init?(count: Int32) {
            guard count >= 2, count <= Pool2DQuantizedKernel.largestReciprocalCount else { return nil }
            let d = Int(count)
            var s = 0
            while 1 << (s + 1) < d { s += 1 }
            let k = 16 + s
            let m = ((1 << k) + d - 1) / d, e = m * d - (1 << k)
            guard m < 1 << 16, (255 * d + d / 2) * e < 1 << k else { return nil }
            half = SIMD16(repeating: UInt16(d / 2))
            multiplier = SIMD16(repeating: UInt16(m))
            shift = UInt16(s)
        }

        /// The averages of sixteen window sums (|acc| ≤ 255 · count):
        /// `vpsignw` (|acc|), `vpaddw`, `vpmulhuw`, `vpsrlw`, `vpsignw`.
        @inline(__always)
        func callAsFunction(_ acc: SIMD16<Int16>) -> SIMD16<Int16> {
            let magnitude = unsafeBitCast(IntegerSIMD.applySign(acc, of: acc), to: SIMD16<UInt16>.self)
            let q = IntegerSIMD.multiplyHigh(magnitude &+ half, multiplier) &>> shift
            // (acc = 0 gives q = ⌊half / count⌋ = 0, which the sign keeps.)
            return IntegerSIMD.applySign(unsafeBitCast(q, to: SIMD16<Int16>.self), of: acc)
        }
    }

    /// The window loops run channel-innermost over contiguous NHWC rows, so
    /// the optimiser vectorises them (byte max, widened int32 sums).
    private func compute<E: QuantizedElement>(tiles: Range<Int>, worker: Int, _: E.Type) {
        let input = UnsafePointer<E>(OpaquePointer(self.input!))
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output!))
        let g = p.geometry, c = p.channels
        let lo = low, hi = high
        let low = E(truncatingIfNeeded: lo), high = E(truncatingIfNeeded: hi)
        let isMax = p.kind == .max
        let sums = isMax ? nil : (scratch.unsafelyUnwrapped + worker &* scratchStride).assumingMemoryBound(to: Int32.self)
        if isMax && rowsSeparately {
            let row = scratch.unsafelyUnwrapped + worker &* scratchStride
            for tile in tiles { maxRow(tile, input: UnsafeRawPointer(input), output: UnsafeMutableRawPointer(output), row: row, E.self) }
            return
        }
        if isMax {
            g.forEachWindow(rows: tiles, window)
        } else if averagesRowsSeparately {
            let row = scratch.unsafelyUnwrapped + worker &* scratchStride
            zeroPadding(row)
            for tile in tiles { averageRow(tile, input: UnsafeRawPointer(input), output: UnsafeMutableRawPointer(output), row: row, E.self) }
            return
        } else {
            // Average pooling: a row's interior columns (windows of one count)
            // as one run of contiguous channels (`averageRun`).
            g.forEachWindow(rows: tiles, interior: { b, row, ys, columns in
                let count = ys.count &* g.filterWidth, length = columns.count &* c
                guard length >= 16, count > 0, count <= Int(Self.largestReciprocalCount) else { return false }
                let corner = ((b &* g.inputHeight &+ ys.lowerBound) &* g.inputWidth &+ columns.lowerBound &- g.padLeft) &* c
                averageRun(UnsafeRawPointer(input + corner), rows: ys.count, rowStep: g.inputWidth &* c, columns: g.filterWidth,
                           channels: c, count: Int32(count), length: length,
                           into: UnsafeMutableRawPointer(output + (row &* g.outputWidth &+ columns.lowerBound) &* c), E.self)
                return true
            }, window)
        }

        /// One output pixel: the window `ys` × `xs` of batch `b`.
        @inline(__always) func window(_ b: Int, _ pixel: Int, _ ys: Range<Int>, _ xs: Range<Int>) {
            let inputBatch = input + b &* g.inputHeight &* g.inputWidth &* c
            let out = output + pixel &* c
            let count = Int32(truncatingIfNeeded: ys.count &* xs.count)
            if count == 1 {
                // One tap (NASNet's 1×1 stride-2 pools): its value, clamped, for
                // either kind.
                let src = inputBatch + (ys.lowerBound &* g.inputWidth &+ xs.lowerBound) &* c
                for ch in 0..<c { out[ch] = min(max(src[ch], low), high) }
                return
            }
            if let sums {
                // Windows the reciprocal division takes (at most 128 taps):
                // the pixel's channels as a run in Int16 lanes (8 … 15
                // channels in two overlapping groups of eight lanes). An
                // empty window sums to 0: its count taken as 1.
                if count <= Self.largestReciprocalCount && c >= 8 {
                    let source = UnsafeRawPointer(inputBatch + (ys.lowerBound &* g.inputWidth &+ xs.lowerBound) &* c)
                    // (`wide` a constant in each call, so each is specialised.)
                    @inline(__always) func run(wide: Bool) {
                        averageRun(source, rows: ys.count, rowStep: g.inputWidth &* c, columns: xs.count, channels: c,
                                   count: max(count, 1), length: c, wide: wide, into: UnsafeMutableRawPointer(out), E.self)
                    }
                    if c >= 16 { run(wide: true) } else { run(wide: false) }
                    return
                }
                for ch in 0..<c { sums[ch] = 0 }
                for iy in ys {
                    for ix in xs {
                        let src = inputBatch + (iy &* g.inputWidth &+ ix) &* c
                        for ch in 0..<c { sums[ch] &+= Int32(truncatingIfNeeded: src[ch]) }
                    }
                }
                // TFLite rejects an empty window at run time; we output the zero sum.
                let divisor = max(count, 1), half = count / 2
                if divisor <= Self.largestReciprocalCount {
                    // ±⌊(|acc| + half) / divisor⌋ as ±(|acc| + half) · m >> 22 with
                    // m = ⌈2^22 / divisor⌉: exact while (|acc| + half) · divisor ≤ 2^22
                    // (with n = qd + r, n·m / 2^22 = q + r/d + n·e/(d·2^22), e = m·d − 2^22 < d,
                    // and n·e < n·d ≤ 2^22), which |acc| ≤ 255 · divisor and divisor ≤ 128
                    // guarantee; n·m stays below 2^31. No integer division per element,
                    // and the loop vectorises (InceptionV3 int8's 3×3 average pools:
                    // 2.6–3.0 ms each at one division per output).
                    let m = Self.reciprocal(of: divisor)
                    for ch in 0..<c {
                        let v = Self.average(sums[ch], half: half, reciprocal: m)
                        out[ch] = E(truncatingIfNeeded: min(max(v, lo), hi))
                    }
                } else {
                    for ch in 0..<c {
                        let acc = sums[ch]
                        let v = acc > 0 ? (acc &+ half) / divisor : (acc &- half) / divisor
                        out[ch] = E(truncatingIfNeeded: min(max(v, lo), hi))
                    }
                }
            } else if count == 0 {
                for ch in 0..<c { out[ch] = E(truncatingIfNeeded: min(max(Int32(truncatingIfNeeded: E.min), lo), hi)) }
            } else if c >= 16 {
                // 16 channels per step, their maxima kept in registers over the
                // taps, clamped and stored once, the last group overlapping its
                // predecessor (the loop below loads, compares and stores every
                // channel at every tap: VGG16 int8's pools ran at 4 GB/s). On
                // SIMD16<Int8> for both element types (concrete vectors: generic
                // ones compare lane by lane): uint8 bytes with their top bit
                // flipped compare the same way as signed ones.
                let source = UnsafeRawPointer(inputBatch), target = UnsafeMutableRawPointer(out)
                let flip = SIMD16<Int8>(repeating: E.self == Int8.self ? 0 : Int8.min)
                let lowest = SIMD16<Int8>(repeating: Int8(truncatingIfNeeded: lo)) ^ flip
                let highest = SIMD16<Int8>(repeating: Int8(truncatingIfNeeded: hi)) ^ flip
                @inline(__always) func load(_ iy: Int, _ ix: Int, _ first: Int) -> SIMD16<Int8> {
                    source.loadUnaligned(fromByteOffset: (iy &* g.inputWidth &+ ix) &* c &+ first, as: SIMD16<Int8>.self) ^ flip
                }
                @inline(__always) func store(_ m: SIMD16<Int8>, _ first: Int) {
                    var m = m
                    m.replace(with: lowest, where: m .< lowest)
                    m.replace(with: highest, where: m .> highest)
                    target.storeBytes(of: m ^ flip, toByteOffset: first, as: SIMD16<Int8>.self)
                }
                // 64 channels per step while there are (one group of 16 per
                // step paid the tap loops' overhead four times as often: VGG16's
                // 2×2 pools over 128–256 channels ran slower than the loop below).
                var next = 0
                if IntegerSIMD.isNative {
                    // 64 channels per step on two 32-byte vectors (`vpmaxsb` or
                    // `vpmaxub`: no flip), half the instructions of four
                    // 16-byte ones. (VGG16 int8's first pool, 2×2 over
                    // 224 × 224 × 64, took 0.22–0.32 ms, XNNPACK 0.16–0.22.)
                    let signed = E.self == Int8.self
                    let lowest = SIMD32<UInt8>(repeating: UInt8(truncatingIfNeeded: lo))
                    let highest = SIMD32<UInt8>(repeating: UInt8(truncatingIfNeeded: hi))
                    @inline(__always) func load32(_ iy: Int, _ ix: Int, _ first: Int) -> SIMD32<UInt8> {
                        source.loadUnaligned(fromByteOffset: (iy &* g.inputWidth &+ ix) &* c &+ first, as: SIMD32<UInt8>.self)
                    }
                    @inline(__always) func store32(_ m: SIMD32<UInt8>, _ first: Int) {
                        let clamped = signed ? IntegerSIMD.clampSigned(m, lowest, highest) : IntegerSIMD.clampUnsigned(m, lowest, highest)
                        target.storeBytes(of: clamped, toByteOffset: first, as: SIMD32<UInt8>.self)
                    }
                    while c >= 64 && next < c {
                        let first = min(next, c &- 64)
                        var m0 = load32(ys.lowerBound, xs.lowerBound, first), m1 = load32(ys.lowerBound, xs.lowerBound, first &+ 32)
                        for iy in ys {
                            for ix in xs {
                                m0 = IntegerSIMD.maximum(m0, load32(iy, ix, first), signed: signed)
                                m1 = IntegerSIMD.maximum(m1, load32(iy, ix, first &+ 32), signed: signed)
                            }
                        }
                        store32(m0, first)
                        store32(m1, first &+ 32)
                        next = first &+ 64
                    }
                } else {
                    // The same on 16-byte vectors, flipped (`IntegerSIMD`'s 32-byte forms go lane by lane here).
                    while c >= 64 && next < c {
                        let first = min(next, c &- 64)
                        var m0 = load(ys.lowerBound, xs.lowerBound, first), m1 = load(ys.lowerBound, xs.lowerBound, first &+ 16)
                        var m2 = load(ys.lowerBound, xs.lowerBound, first &+ 32), m3 = load(ys.lowerBound, xs.lowerBound, first &+ 48)
                        for iy in ys {
                            for ix in xs {
                                let v0 = load(iy, ix, first), v1 = load(iy, ix, first &+ 16)
                                let v2 = load(iy, ix, first &+ 32), v3 = load(iy, ix, first &+ 48)
                                m0.replace(with: v0, where: v0 .> m0)
                                m1.replace(with: v1, where: v1 .> m1)
                                m2.replace(with: v2, where: v2 .> m2)
                                m3.replace(with: v3, where: v3 .> m3)
                            }
                        }
                        store(m0, first)
                        store(m1, first &+ 16)
                        store(m2, first &+ 32)
                        store(m3, first &+ 48)
                        next = first &+ 64
                    }
                }
                while next < c {
                    let first = min(next, c &- 16)
                    var m = load(ys.lowerBound, xs.lowerBound, first)
                    for iy in ys {
                        for ix in xs {
                            let v = load(iy, ix, first)
                            m.replace(with: v, where: v .> m)
                        }
                    }
                    store(m, first)
                    next = first &+ 16
                }
            } else if c >= 8 {
                // 8–15 channels (NASNet-Mobile's 11): the same on eight bytes,
                // the second group overlapping the first (the loop below ran
                // its 3×3 pools at 2.7 GFLOP/s).
                let source = UnsafeRawPointer(inputBatch), target = UnsafeMutableRawPointer(out)
                let flip = SIMD8<Int8>(repeating: E.self == Int8.self ? 0 : Int8.min)
                let lowest = SIMD8<Int8>(repeating: Int8(truncatingIfNeeded: lo)) ^ flip
                let highest = SIMD8<Int8>(repeating: Int8(truncatingIfNeeded: hi)) ^ flip
                let second = c &- 8
                let start = (ys.lowerBound &* g.inputWidth &+ xs.lowerBound) &* c
                var m0 = source.loadUnaligned(fromByteOffset: start, as: SIMD8<Int8>.self) ^ flip
                var m1 = source.loadUnaligned(fromByteOffset: start &+ second, as: SIMD8<Int8>.self) ^ flip
                for iy in ys {
                    for ix in xs {
                        let at = (iy &* g.inputWidth &+ ix) &* c
                        let v0 = source.loadUnaligned(fromByteOffset: at, as: SIMD8<Int8>.self) ^ flip
                        let v1 = source.loadUnaligned(fromByteOffset: at &+ second, as: SIMD8<Int8>.self) ^ flip
                        m0.replace(with: v0, where: v0 .> m0)
                        m1.replace(with: v1, where: v1 .> m1)
                    }
                }
                m0.replace(with: lowest, where: m0 .< lowest)
                m0.replace(with: highest, where: m0 .> highest)
                m1.replace(with: lowest, where: m1 .< lowest)
                m1.replace(with: highest, where: m1 .> highest)
                target.storeBytes(of: m0 ^ flip, as: SIMD8<Int8>.self)
                target.storeBytes(of: m1 ^ flip, toByteOffset: second, as: SIMD8<Int8>.self)
            } else {
                let first = inputBatch + (ys.lowerBound &* g.inputWidth &+ xs.lowerBound) &* c
                for ch in 0..<c { out[ch] = first[ch] }
                for iy in ys {
                    for ix in xs {
                        let src = inputBatch + (iy &* g.inputWidth &+ ix) &* c
                        for ch in 0..<c { out[ch] = max(out[ch], src[ch]) }
                    }
                }
                for ch in 0..<c { out[ch] = min(max(out[ch], low), high) }
            }
        }
    }

    /// Output row `tile`'s first window row in the input (`rowsSeparately`),
    /// the bytes from one input row to the next, and the bytes of a row
    /// that the output row's windows cover.
    @inline(__always)
    private func windowRows(_ tile: Int, _ input: UnsafeRawPointer) -> (first: UnsafeRawPointer, rowBytes: Int, covered: Int) {
        let g = p.geometry
        let b = tile / g.outputHeight, oy = tile % g.outputHeight
        let rowBytes = g.inputWidth &* p.channels
        return (input + ((b &* g.inputHeight &+ oy &* g.strideHeight) &* rowBytes), rowBytes, separableRowBytes &- 16)
    }

    /// Output row `tile` of a max pool whose windows lie inside the input
    /// (`rowsSeparately`): the maxima of the window's input rows over the
    /// bytes the row's windows cover, 64 a step (the last step overlapping),
    /// into `row`, then each output pixel's maximum of its filter columns
    /// there, 16 channels a step. Values compare as Int8 (uint8 with the top
    /// bit flipped, as in `window`). A pixel's 16-byte step may overhang into
    /// the next pixels, which the next steps overwrite; pixels whose step
    /// would reach past the output row go through the spare bytes after `row`.
    @inline(__always)
    private func maxRow<E: QuantizedElement>(_ tile: Int, input: UnsafeRawPointer, output: UnsafeMutableRawPointer,
                                             row: UnsafeMutableRawPointer, _: E.Type) {
        let g = p.geometry
        // The filter's size as constants for 3×3 windows, so the window loops
        // unroll: read at run time, their counters and tests were most of
        // NASNet-Mobile int8's 3×3 max pools' instructions.
        // (As a type: passed as integer arguments, the two calls shared one
        // function with the counters.)
        if g.filterHeight == 3 && g.filterWidth == 3 {
            maxRow(tile, input: input, output: output, row: row, E.self, ThreeByThreeWindow.self)
        } else {
            maxRow(tile, input: input, output: output, row: row, E.self, FilterWindow.self)
        }
    }

    /// `maxRow` for a filter of `W`'s size.
    @inline(__always)
    private func maxRow<E: QuantizedElement, W: PoolWindowSize>(_ tile: Int, input: UnsafeRawPointer, output: UnsafeMutableRawPointer,
                                                              row: UnsafeMutableRawPointer, _: E.Type, _: W.Type) {
        let g = p.geometry, c = p.channels
        let rows = W.rows(g.filterHeight), width = W.width(g.filterWidth)
        let (first, rowBytes, covered) = windowRows(tile, input)
        let flip = SIMD16<Int8>(repeating: E.self == Int8.self ? 0 : Int8.min)
        // Window rows' maxima (flipped), 64 bytes a step, then 16; fewer than
        // 16 bytes in all one by one.
        @inline(__always) func load(_ p: UnsafeRawPointer, _ at: Int) -> SIMD16<Int8> { p.loadUnaligned(fromByteOffset: at, as: SIMD16<Int8>.self) ^ flip }
        @inline(__always) func columnMax(_ at: Int) -> SIMD16<Int8> {
            var m = load(first, at)
            for ky in 1..<rows {
                let v = load(first + ky &* rowBytes, at)
                m.replace(with: v, where: v .> m)
            }
            return m
        }
        if covered >= 16 {
            var at = 0
            while at &+ 64 <= covered {
                let m0 = columnMax(at), m1 = columnMax(at &+ 16), m2 = columnMax(at &+ 32), m3 = columnMax(at &+ 48)
                row.storeBytes(of: m0, toByteOffset: at, as: SIMD16<Int8>.self)
                row.storeBytes(of: m1, toByteOffset: at &+ 16, as: SIMD16<Int8>.self)
                row.storeBytes(of: m2, toByteOffset: at &+ 32, as: SIMD16<Int8>.self)
                row.storeBytes(of: m3, toByteOffset: at &+ 48, as: SIMD16<Int8>.self)
                at &+= 64
            }
            while at < covered {
                let step = min(at, covered &- 16)
                row.storeBytes(of: columnMax(step), toByteOffset: step, as: SIMD16<Int8>.self)
                at = step &+ 16
            }
        } else {
            for i in 0..<covered {
                var m = Int8(bitPattern: first.load(fromByteOffset: i, as: UInt8.self)) ^ flip[0]
                for ky in 1..<rows { m = max(m, Int8(bitPattern: first.load(fromByteOffset: ky &* rowBytes &+ i, as: UInt8.self)) ^ flip[0]) }
                row.storeBytes(of: m, toByteOffset: i, as: Int8.self)
            }
        }
        // Each pixel's maximum over its filter columns, clamped.
        let lowest = SIMD16<Int8>(repeating: Int8(truncatingIfNeeded: low)) ^ flip
        let highest = SIMD16<Int8>(repeating: Int8(truncatingIfNeeded: high)) ^ flip
        let out = output + tile &* g.outputWidth &* c
        let spare = row + covered
        let columnStep = g.strideWidth &* c
        @inline(__always) func pixelMax(_ at: Int) -> SIMD16<Int8> {
            var m = row.loadUnaligned(fromByteOffset: at, as: SIMD16<Int8>.self)
            for kx in 1..<width {
                let v = row.loadUnaligned(fromByteOffset: at &+ kx &* c, as: SIMD16<Int8>.self)
                m.replace(with: v, where: v .> m)
            }
            m.replace(with: lowest, where: m .< lowest)
            m.replace(with: highest, where: m .> highest)
            return m ^ flip
        }
        let last = max(c &- 16, 0), rowEnd = g.outputWidth &* c
        if c <= 16 {
            // One step a pixel: stored straight while 16 bytes fit in the row (`directPixels`).
            let direct = Self.directPixels(width: g.outputWidth, channels: c)
            for ox in 0..<direct {
                out.storeBytes(of: unsafeBitCast(pixelMax(ox &* columnStep), to: SIMD16<UInt8>.self), toByteOffset: ox &* c, as: SIMD16<UInt8>.self)
            }
            for ox in direct..<g.outputWidth {
                let bytes = unsafeBitCast(pixelMax(ox &* columnStep), to: SIMD16<UInt8>.self)
                Self.storeStep(bytes, pixel: ox, step: 0, channels: c, rowEnd: rowEnd, into: out, spare: spare)
            }
            return
        }
        for ox in 0..<g.outputWidth {
            var step = 0
            while true {
                step = min(step, last)
                let bytes = unsafeBitCast(pixelMax(ox &* columnStep &+ step), to: SIMD16<UInt8>.self)
                Self.storeStep(bytes, pixel: ox, step: step, channels: c, rowEnd: rowEnd, into: out, spare: spare)
                if step == last { break }
                step &+= 16
            }
        }
    }

    /// For rows of at most 16 channels (one 16-byte step a pixel): the
    /// first pixels of a row of `width` whose step stays inside the row,
    /// stored without `storeStep`'s test (its overhang is overwritten by
    /// the next pixel's step). With the loop over a pixel's steps and that
    /// test for every pixel, NASNet-Mobile int8's 11-channel 3×3 stride-2
    /// pools took 0.0207 ms (average) and 0.0187 ms (max); 0.0124 and 0.0143
    /// this way (Zen 4).
    @inline(__always)
    private static func directPixels(width: Int, channels c: Int) -> Int {
        let rowEnd = width &* c
        return rowEnd >= 16 ? min(width, (rowEnd &- 16) / c &+ 1) : 0
    }

    /// Stores step `step` (16 channels from channel `step`) of output pixel
    /// `ox` of a row of `c` channels: the steps of a pixel are 16 channels
    /// apart, its last one at `max(c − 16, 0)` overlapping its predecessor. A
    /// step may overhang into the next pixels (which their steps overwrite)
    /// while it stays inside the row (`rowEnd` bytes); else it goes through
    /// `spare` (16 bytes). (The callers loop over the steps themselves: with
    /// the pixel's computation passed in as a closure, it stayed a function
    /// call per pixel, a third of NASNet's 11-channel pools.)
    @inline(__always)
    private static func storeStep(_ bytes: SIMD16<UInt8>, pixel ox: Int, step: Int, channels c: Int, rowEnd: Int,
                                  into out: UnsafeMutableRawPointer, spare: UnsafeMutableRawPointer) {
        let to = ox &* c
        if c >= 16 || to &+ 16 <= rowEnd {
            out.storeBytes(of: bytes, toByteOffset: to &+ step, as: SIMD16<UInt8>.self)
        } else {
            spare.storeBytes(of: bytes, as: SIMD16<UInt8>.self)
            for i in 0..<c { out.storeBytes(of: spare.load(fromByteOffset: i, as: UInt8.self), toByteOffset: to &+ i, as: UInt8.self) }
        }
    }

    /// TFLite's rounded averages of window sums of one count in Int16
    /// lanes: `Int16Average` where made (the integer flavours), else
    /// `average16` (`averageRow`, `averageSteps`).
    private struct RowAverage {
        let int16: Int16Average?
        let half: SIMD8<Int32>, reciprocal: SIMD8<Int32>

        init(count: Int32, _ averages: [Int16Average?]) {
            int16 = count >= 0 && Int(count) < averages.count ? averages[Int(count)] : nil
            half = SIMD8(repeating: count / 2)
            // (The reciprocal only where it is used: it is a division.)
            reciprocal = SIMD8(repeating: int16 == nil ? Pool2DQuantizedKernel.reciprocal(of: max(count, 1)) : 0)
        }

        @inline(__always)
        func callAsFunction(_ acc: SIMD16<Int16>) -> SIMD16<Int16> {
            if let int16 { return int16(acc) }
            return Pool2DQuantizedKernel.average16(acc, half: half, reciprocal: reciprocal)
        }
    }

    /// Output row `tile` of an average pool (`averagesRowsSeparately`).
    /// First the sums of the window's input rows (those inside the input)
    /// over the columns the row's windows cover, in Int16 lanes 16 a step,
    /// into `row`, padding columns 0. Then each output's sum of its filter
    /// columns there (|sum| ≤ 128 · 255 < 2^15), averaged by its window's
    /// count of taps inside the input, clamped and stored: all outputs by
    /// the interior count (at stride 1 as one run of contiguous channels,
    /// else pixel by pixel, 16 channels a step, `storeStep`), then the
    /// pixels whose windows lose columns to the padding again by their own
    /// count, exactly their bytes.
    @inline(__always)
    private func averageRow<E: QuantizedElement>(_ tile: Int, input: UnsafeRawPointer, output: UnsafeMutableRawPointer,
                                                 row: UnsafeMutableRawPointer, _: E.Type) {
        // 3-wide windows as a type, so the filter's columns unroll (as `maxRow`).
        if p.geometry.filterWidth == 3 {
            averageRow(tile, input: input, output: output, row: row, E.self, ThreeByThreeWindow.self)
        } else {
            averageRow(tile, input: input, output: output, row: row, E.self, FilterWindow.self)
        }
    }

    /// `averageRow` for windows `W.width(filterWidth)` wide.
    @inline(__always)
    private func averageRow<E: QuantizedElement, W: PoolWindowSize>(_ tile: Int, input: UnsafeRawPointer, output: UnsafeMutableRawPointer,
                                                                  row: UnsafeMutableRawPointer, _: E.Type, _: W.Type) {
        let g = p.geometry, c = p.channels
        let b = tile / g.outputHeight, oy = tile % g.outputHeight
        let top = oy &* g.strideHeight &- g.padTop
        let firstRow = max(top, 0), rows = min(top &+ g.filterHeight, g.inputHeight) &- firstRow
        let rowBytes = g.inputWidth &* c
        let first = input + (b &* g.inputHeight &+ firstRow) &* rowBytes
        // The row of sums: covered columns from input column −padLeft, those
        // inside the input from element `left` on, `valid` elements (the
        // padding columns' zeros stored by `zeroPadding`).
        let (covered, left, valid) = sumColumns
        let sums = row + 2 &* left
        // The sums of `rows` input rows (a constant in each call below, so
        // each loop is unrolled: as a loop of run-time length, the row
        // counter was a fifth of the time).
        @inline(__always) func sumRows(_ rows: Int) {
            if valid >= 16 {
                var at = 0
                while at < valid {
                    let step = min(at, valid &- 16)
                    var sum = E.widened16(first, at: step)
                    for ky in 1..<max(rows, 1) { sum &+= E.widened16(first + ky &* rowBytes, at: step) }
                    sums.storeBytes(of: sum, toByteOffset: 2 &* step, as: SIMD16<Int16>.self)
                    at = step &+ 16
                }
            } else {
                for i in 0..<valid {
                    var sum: Int16 = 0
                    for ky in 0..<rows {
                        sum &+= Int16(truncatingIfNeeded: E(truncatingIfNeeded: first.load(fromByteOffset: ky &* rowBytes &+ i, as: UInt8.self)))
                    }
                    sums.storeBytes(of: sum, toByteOffset: 2 &* i, as: Int16.self)
                }
            }
        }
        if rows == 3 { sumRows(3) } else if rows == 2 { sumRows(2) } else { sumRows(rows) }
        let clamps = low > Int32(truncatingIfNeeded: E.min) || high < Int32(truncatingIfNeeded: E.max)
        let lowest = SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: low))
        let highest = SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: high))
        let tapStep = 2 &* c
        let out = output + tile &* g.outputWidth &* c, spare = row + (2 &* covered &+ 32)
        let rowEnd = g.outputWidth &* c
        // The sum of `width` filter columns from element `at` of the row, averaged.
        @inline(__always) func averaged(_ at: Int, _ average: RowAverage, width: Int) -> SIMD16<UInt8> {
            let from = UnsafeRawPointer(row) + 2 &* at
            var acc = from.loadUnaligned(as: SIMD16<Int16>.self)
            for kx in 1..<max(width, 1) { acc &+= from.loadUnaligned(fromByteOffset: kx &* tapStep, as: SIMD16<Int16>.self) }
            var v = average(acc)
            if clamps {
                v.replace(with: lowest, where: v .< lowest)
                v.replace(with: highest, where: v .> highest)
            }
            return IntegerSIMD.truncate(v)
        }
        // The columns of pixel `ox`'s window inside the input.
        @inline(__always) func columns(_ ox: Int) -> Int {
            let x = ox &* g.strideWidth &- g.padLeft
            return min(x &+ g.filterWidth, g.inputWidth) &- max(x, 0)
        }
        let interior = RowAverage(count: Int32(truncatingIfNeeded: rows &* g.filterWidth), int16Averages)
        let pixelStep = g.strideWidth &* c
        // The row's outputs by the interior count, `width` a constant for 3-wide
        // windows. (Written as a nested function called for 3 and for the
        // filter's width, it stayed a generic function of its own with its
        // counters, a third of NASNet-Mobile's pools.)
        let width = W.width(g.filterWidth)
        if g.strideWidth == 1 {
            // One run over the row (at least 16 elements), the last step overlapping.
            var at = 0
            while at < rowEnd {
                let step = min(at, rowEnd &- 16)
                out.storeBytes(of: averaged(step, interior, width: width), toByteOffset: step, as: SIMD16<UInt8>.self)
                at = step &+ 16
            }
        } else if c <= 16 {
            // One step a pixel: stored straight while 16 bytes fit in the row (`directPixels`).
            let direct = Self.directPixels(width: g.outputWidth, channels: c)
            for ox in 0..<direct { out.storeBytes(of: averaged(ox &* pixelStep, interior, width: width), toByteOffset: ox &* c, as: SIMD16<UInt8>.self) }
            for ox in direct..<g.outputWidth {
                Self.storeStep(averaged(ox &* pixelStep, interior, width: width), pixel: ox, step: 0, channels: c, rowEnd: rowEnd, into: out, spare: spare)
            }
        } else {
            for ox in 0..<g.outputWidth {
                var step = 0
                while true {
                    step = min(step, c &- 16)
                    out.storeBytes(of: averaged(ox &* pixelStep &+ step, interior, width: width), toByteOffset: ox &* c &+ step, as: SIMD16<UInt8>.self)
                    if step == c &- 16 { break }
                    step &+= 16
                }
            }
        }
        // The pixels whose windows lose columns to the padding, again by
        // their own counts, exactly their bytes (16 channels a step, the last
        // overlapping; fewer through `spare`).
        // (Those before `interiorStart` and from `interiorEnd` on: a test of
        // every pixel cost as much as NASNet's 11-channel rows' averages.)
        let interiorStart = min((g.padLeft &+ g.strideWidth &- 1) / g.strideWidth, g.outputWidth)
        let reach = g.inputWidth &+ g.padLeft &- g.filterWidth
        let interiorEnd = max(reach < 0 ? 0 : min(reach / g.strideWidth &+ 1, g.outputWidth), interiorStart)
        @inline(__always) func averageClipped(_ ox: Int) {
            let average = RowAverage(count: Int32(truncatingIfNeeded: rows &* columns(ox)), int16Averages)
            if c >= 16 {
                var step = 0
                while true {
                    step = min(step, c &- 16)
                    out.storeBytes(of: averaged(ox &* pixelStep &+ step, average, width: g.filterWidth), toByteOffset: ox &* c &+ step,
                                   as: SIMD16<UInt8>.self)
                    if step == c &- 16 { break }
                    step &+= 16
                }
            } else {
                spare.storeBytes(of: averaged(ox &* pixelStep, average, width: g.filterWidth), as: SIMD16<UInt8>.self)
                for i in 0..<c { out.storeBytes(of: spare.load(fromByteOffset: i, as: UInt8.self), toByteOffset: ox &* c &+ i, as: UInt8.self) }
            }
        }
        for ox in 0..<interiorStart { averageClipped(ox) }
        for ox in interiorEnd..<g.outputWidth { averageClipped(ox) }
    }

    /// `length` outputs of average pooling (at least 16, or 8 when not
    /// `wide`), each the average of a window of `rows` × `columns` taps,
    /// all inside the input: output i sums the inputs at
    /// `i + kx·channels + ky·rowStep` from `source`. Sixteen (`wide`) or
    /// eight outputs per step in Int16 lanes kept in registers over the taps
    /// (|sum| ≤ 128 · 255 < 2^15), averaged (`average16`), clamped and
    /// stored from the registers, the last step overlapping its
    /// predecessor. One pixel's channels (the Int32 loop below read, added
    /// and stored every channel's sum at every tap: InceptionV3 int8's 3×3
    /// pools, NASNet's of 11–88 channels), or at stride 1 along x a row's
    /// interior pixels' channels as one run (NASNet-Mobile's 3×3 pools of
    /// 11–44 channels took two or three groups per pixel, each paying the
    /// window loops). The taps' offsets step by a pixel and by a row (two
    /// multiplies per tap were most of a 3×3 window's work).
    @inline(__always)
    private func averageRun<E: QuantizedElement>(_ source: UnsafeRawPointer, rows: Int, rowStep: Int, columns: Int, channels c: Int,
                                                 count: Int32, length: Int, wide: Bool = true, into target: UnsafeMutableRawPointer,
                                                 _: E.Type) {
        // 3 × 3 and 2 × 2 windows (InceptionV3's and NASNet's; DenseNet's)
        // with the tap loops unrolled: as loops of runtime length, their
        // branches and counters were most of the pools' samples.
        if rows == 3 && columns == 3 {
            averageSteps(source, rows: 3, rowStep: rowStep, columns: 3, channels: c, count: count, length: length, wide: wide,
                         into: target, E.self)
        } else if rows == 2 && columns == 2 {
            averageSteps(source, rows: 2, rowStep: rowStep, columns: 2, channels: c, count: count, length: length, wide: wide,
                         into: target, E.self)
        } else {
            averageSteps(source, rows: rows, rowStep: rowStep, columns: columns, channels: c, count: count, length: length, wide: wide,
                         into: target, E.self)
        }
    }

    /// `averageRun`'s steps (inlined into each of its calls, so a constant
    /// window is unrolled).
    @inline(__always)
    private func averageSteps<E: QuantizedElement>(_ source: UnsafeRawPointer, rows: Int, rowStep: Int, columns: Int, channels c: Int,
                                                   count: Int32, length: Int, wide: Bool, into target: UnsafeMutableRawPointer,
                                                   _: E.Type) {
        let average = RowAverage(count: count, int16Averages)
        let lowest = SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: low))
        let highest = SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: high))
        let width = wide ? 16 : 8
        var next = 0
        while next < length {
            let at = min(next, length &- width)
            var acc = SIMD16<Int16>()
            var rowAt = at
            for _ in 0..<rows {
                var x = rowAt
                for _ in 0..<columns {
                    acc &+= wide ? E.widened16(source, at: x) : E.widened8(source, at: x)
                    x &+= c
                }
                rowAt &+= rowStep
            }
            var v = average(acc)
            v.replace(with: lowest, where: v .< lowest)
            v.replace(with: highest, where: v .> highest)
            let bytes = IntegerSIMD.truncate(v)
            if wide {
                target.storeBytes(of: bytes, toByteOffset: at, as: SIMD16<UInt8>.self)
            } else {
                target.storeBytes(of: unsafeBitCast(bytes, to: SIMD2<UInt64>.self)[0], toByteOffset: at, as: UInt64.self)
            }
            next = at &+ width
        }
    }
}

