/// Quantized MEAN (int8 / uint8), as TFLite Micro's reference kernel runs it
/// (`QuantizedMeanOrSum`, for equal and for different input/output
/// quantization alike): (sum − zp_in·n) rescaled by s_in/s_out with 1/n
/// folded into the multiplier (`(m << ⌊log2 n⌋) / n`), plus zp_out, clamped.
/// (Some TFLite versions instead truncate sum/n when the quantizations are
/// equal; the installed TFLite Micro does not.)
///
/// With `sum`, SUM's kernel (the same reference with `compute_sum`): the
/// offset sum rescaled by s_in/s_out without the 1/n factor.
enum MeanQuantized {
    static func prepare(_ ctx: PrepareContext, _ r: Reduction, sum: Bool = false) throws -> Kernel {
        let input = try ctx.input(0), output = ctx.output(0)
        try ctx.require(output, type: input.type, "output")
        let qi = try ctx.quantization(input, "input"), qo = try ctx.quantization(output, "output")
        let n = r.reducedCount
        guard n < 1 << 23 else { throw ctx.error("reducing \(n) elements could overflow the int32 sum") }
        var mode: MeanQuantizedKernelMode = .plainAverage
        if n > 0 {
            var (m, s) = FixedPoint.quantizeMultiplier(Double(qi.scale) / Double(qo.scale))
            if sum {
                guard s <= 31 else { throw ctx.error("input scale \(qi.scale) / output scale \(qo.scale) is too large to rescale") }
                mode = .rescaled(multiplier: m, shift: s)
                return try kernel(ctx, r, mode, qi, qo, input.type)
            }
            var shift = 63 - UInt64(n).leadingZeroBitCount
            shift = min(shift, 32)
            shift = min(shift, 31 + s)
            guard shift >= 0 else { throw ctx.error("rescale factor is out of range") }
            m = Int32(truncatingIfNeeded: (Int64(m) << Int64(shift)) / Int64(n))
            s -= shift
            mode = .rescaled(multiplier: m, shift: s)
        }
        return try kernel(ctx, r, mode, qi, qo, input.type)
    }

    private static func kernel(_ ctx: PrepareContext, _ r: Reduction, _ mode: MeanQuantizedKernelMode,
                               _ qi: TensorQuantization, _ qo: TensorQuantization, _ type: TensorType) throws -> Kernel {
        let limits = ctx.quantizedLimits(type)
        switch type {
        case .int8: return MeanQuantizedKernel(Int8.self, ctx: ctx, r, mode, qi.zeroPoint, qo.zeroPoint, limits)
        case .uint8: return MeanQuantizedKernel(UInt8.self, ctx: ctx, r, mode, qi.zeroPoint, qo.zeroPoint, limits)
        default: throw ctx.error("input type \(type) is not supported")
        }
    }
}

enum MeanQuantizedKernelMode {
    case plainAverage
    case rescaled(multiplier: Int32, shift: Int)
}

/// Tiles are output elements (groups of 64 for a `contiguous` mean); each
/// output sums its inputs in row-major order.
final class MeanQuantizedKernel: Kernel {
    /// Int8 elements (else UInt8).
    let signed: Bool
    let r: Reduction
    let mode: MeanQuantizedKernelMode
    let inputZeroPoint: Int32, outputZeroPoint: Int32
    let limits: (min: Int32, max: Int32)
    let inputIndex: Int, outputIndex: Int
    var input: UnsafeRawPointer!
    var output: UnsafeMutableRawPointer!
    var scratch: UnsafeMutableRawPointer!
    /// The input viewed as [outer, reduced, inner] when the reduced axes are
    /// consecutive and followed by kept ones (the global average pool): sums
    /// then run over contiguous channel rows, which vectorises.
    let contiguous: (outer: Int, reduced: Int, inner: Int)?
    /// The reduced axes are consecutive and the last ones (a layer norm's
    /// mean over channels): output o sums the `reducedCount` adjacent inputs
    /// from o · reducedCount, a loop that vectorises. (ConvNeXt-Tiny int8's
    /// 18 such MEANs took 21 ms through the per-element offsets.)
    let trailing: Bool
    /// The rescaled mode's output stage in doubles on eight lanes
    /// (`ExactDoubleRequantization`, eight slots of the one multiplier), for
    /// the channel rows of `contiguous`, in the integer flavours where every
    /// offset sum keeps it exact; the scalar `finish` took about six of
    /// the seven microseconds of EfficientNet-B1 int8's 8 × 8 × 1152
    /// squeeze-and-excitation means (Zen 4).
    let exactFinish: ExactDoubleRequantization?
    /// A `contiguous` mean over one outer row (a global average pool) cut
    /// into this many parts of its reduced rows, each summed separately
    /// and then added up (exact: Int32 sums), or nil. A tile is a part,
    /// every channel, so two threads sum the top and the bottom of the map:
    /// the rows each wrote in the node before. (Split by channels, each read
    /// its channels of every row, half of them from the other core's cache:
    /// EfficientNet-B0 int8's 17 squeeze-and-excitation means took 0.062 ms
    /// on two threads against 0.050 on one; Zen 4.) At most
    /// `maximumRowParts`: each run of tiles takes a lock, and these means
    /// take 2–10 µs.
    let rowParts: Int?
    /// Parts whose sums are done this invoke (`rowParts` tiles).
    private var tilesDone = 0
    private let tilesDoneLock = Lock()

    init<T: QuantizedElement>(_ type: T.Type, ctx: PrepareContext, _ r: Reduction, _ mode: MeanQuantizedKernelMode, _ zpIn: Int32, _ zpOut: Int32, _ limits: (min: Int32, max: Int32)) {
        let shape = r.inputShape
        if let first = r.axes.first, let last = r.axes.last, last - first + 1 == r.axes.count, last + 1 < shape.count {
            contiguous = (shape[..<first].reduce(1, *), shape[first...last].reduce(1, *), shape[(last + 1)...].reduce(1, *))
        } else {
            contiguous = nil
        }
        if let first = r.axes.first, let last = r.axes.last, last - first + 1 == r.axes.count, last + 1 == shape.count {
            trailing = true
        } else {
            trailing = false
        }
        signed = T.self == Int8.self
        if IntegerSIMD.isNative, contiguous != nil || trailing, case let .rescaled(multiplier, shift) = mode {
            // |sum − zp · n| ≤ 255 · n for either element type.
            let bound = Int64(255) &* Int64(min(r.reducedCount, 1 << 40))
            exactFinish = ExactDoubleRequantization.make(count: 8) { _ in (bound, multiplier, shift) }
        } else {
            exactFinish = nil
        }
        if let (outer, reduced, inner) = contiguous, outer == 1, inner > 0, inner <= Self.maximumSplitChannels,
           reduced / Self.rowsPerPart >= 2 {
            rowParts = min(Self.maximumRowParts, reduced / Self.rowsPerPart)
        } else {
            rowParts = nil
        }
        self.r = r
        self.mode = mode
        inputZeroPoint = zpIn
        outputZeroPoint = zpOut
        self.limits = limits
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    /// Whether rows are summed in Int16 register lanes where they fit, and
    /// rescaled by `exactFinish` where there is one (the default); the tests
    /// turn it off for the plain Int32 loops and the scalar output stage as
    /// reference.
    nonisolated(unsafe) static var sumsInRegisters = true

    /// Outputs per tile: 64 adjacent channels of a `contiguous` mean (four
    /// 16-channel register groups, a cache line of each row), so a split
    /// keeps the vector loops. (One output per tile, EfficientNet-B0 int8's
    /// 32-channel squeeze-and-excitation means split over two threads into
    /// chunks of four channels, each summed one value at a time over 112 ×
    /// 112 rows: 0.008 ms on one thread, 0.142 on two; Zen 4.)
    /// Eight outputs of a `trailing` mean (one vector output stage).
    var outputsPerTile: Int { contiguous != nil ? 64 : trailing ? 8 : 1 }
    var tileCount: Int {
        if let rowParts { return rowParts }
        return (r.outputCount + outputsPerTile - 1) / outputsPerTile
    }
    var cost: Int { r.outputCount * r.reducedCount }

    /// Fewest reduced rows per part of `rowParts`, and most parts. (Eight
    /// parts × 64-channel groups, about 16 runs of tiles on two threads:
    /// MobileNetV3-Large int8's nine means of 2–5 µs took 28.7 µs on two
    /// threads against 23.9 on one, with both workers' time in the kernel
    /// 1.6 times one thread's; Zen 4.)
    static let rowsPerPart = 16
    static let maximumRowParts = 4
    /// Most channels of a mean cut into `rowParts` (bounds its sums).
    static let maximumSplitChannels = 1 << 16

    /// Each worker's Int32 sums of `inner` channels; with `rowParts`, the
    /// sums of every part, kept in worker 0's area where all workers add them.
    var scratchBytesPerWorker: Int {
        guard let (_, _, inner) = contiguous else { return 0 }
        return max(inner, 1) &* 4 &* (rowParts ?? 1)
    }

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(inputIndex))
        output = memory.raw(outputIndex)
        scratch = memory.scratch
    }

    /// Class methods reached through the `Kernel` protocol are not
    /// specialised; dispatching to a generic function with a concrete type
    /// is, so the loops below run on Int8/UInt8 directly.
    func run(tiles: Range<Int>, worker: Int) {
        if let rowParts {
            if signed { sumParts(tiles, rowParts, Int8.self) } else { sumParts(tiles, rowParts, UInt8.self) }
            return
        }
        let per = outputsPerTile
        let outputs = tiles.lowerBound &* per..<min(tiles.upperBound &* per, r.outputCount)
        if signed { compute(outputs: outputs, worker: worker, Int8.self) } else { compute(outputs: outputs, worker: worker, UInt8.self) }
    }

    private func compute<E: QuantizedElement>(outputs: Range<Int>, worker: Int, _: E.Type) {
        let input = UnsafePointer<E>(OpaquePointer(self.input!))
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output!))
        let n = r.reducedCount
        if let (_, reduced, inner) = contiguous, n > 0 {
            // Output o is (outer index o / inner, channel o % inner); take the
            // tile range one outer row segment at a time.
            let sums = (scratch.unsafelyUnwrapped + worker &* scratchStride).assumingMemoryBound(to: Int32.self)
            var o = outputs.lowerBound
            while o < outputs.upperBound {
                let row = o / inner, start = o % inner
                let width = min(inner &- start, outputs.upperBound &- o)
                let x = input + (row &* reduced &* inner &+ start)
                sumRows(E.self, UnsafeRawPointer(x), rows: 0..<reduced, inner: inner, width: width, into: sums)
                finishOutputs(E.self, sums, at: o, width: width)
                o &+= width
            }
            return
        }
        if trailing {
            // Rows of at least 16 values (and at most 2,047, so each Int16 lane
            // sums at most 127 values of magnitude ≤ 255): 16 at a time in
            // Int16 lanes, the lanes' pairs added as Int32 (the even lanes
            // sign-extended in their 32-bit words, the odd ones shifted down),
            // then the eight words and the row's last values.
            // Eight rows' sums go through the vector output stage together
            // where there is one (`exactFinish`; the scalar `finish` held a
            // third of ConvNeXt-Tiny int8's 56 × 56 × 96 layer-norm means).
            let chunks = Self.sumsInRegisters && n >= 16 && n < 2048 ? n / 16 : 0
            @inline(__always) func rowSum(_ o: Int) -> Int32 {
                let base = input + o &* n
                var sum: Int32 = 0
                var i = 0
                if chunks > 0 {
                    let source = UnsafeRawPointer(base)
                    var acc = SIMD16<Int16>()
                    for chunk in 0..<chunks { acc &+= E.widened16(source, at: chunk &* 16) }
                    let words = unsafeBitCast(acc, to: SIMD8<Int32>.self)
                    let pairs = unsafeBitCast(((words &<< 16) &>> 16) &+ (words &>> 16), to: (SIMD4<Int32>, SIMD4<Int32>).self)
                    let quads = pairs.0 &+ pairs.1
                    sum = quads[0] &+ quads[1] &+ quads[2] &+ quads[3]
                    i = chunks &* 16
                }
                while i < n { sum &+= Int32(truncatingIfNeeded: base[i]); i &+= 1 }
                return sum
            }
            var o = outputs.lowerBound
            if let exact = exactFinish, Self.sumsInRegisters {
                let zeroSum = SIMD8<Int32>(repeating: inputZeroPoint &* Int32(truncatingIfNeeded: n))
                let bytes = Int8OutputBytes(outputOffset: outputZeroPoint &- ExactDoubleRequantization.offset, activation: limits)
                let target = UnsafeMutableRawPointer(output)
                if n % 32 == 0 {
                    // Rows of whole 32-byte vectors (a layer norm's 96 to 768
                    // channels): each vector's bytes summed in four 64-bit lanes
                    // (`vpsadbw`; int8 bytes offset by 128), then the lanes
                    // (a row sums to at most 255 · n < 2^31: n < 2^23, `prepare`).
                    // The Int16 lanes below took 0.030 ms for ConvNeXt-Tiny int8's
                    // 56 × 56 × 96 means (Zen 3).
                    // (The flip on 64-bit lanes: SIMD32<UInt8>'s operators are lane loops.)
                    let flip = SIMD4<UInt64>(repeating: E.self == Int8.self ? 0x8080_8080_8080_8080 : 0)
                    let offsetSum = zeroSum &+ SIMD8(repeating: E.self == Int8.self ? 128 &* Int32(truncatingIfNeeded: n) : 0)
                    @inline(__always) func lanes(_ o: Int) -> SIMD4<UInt64> {
                        let row = UnsafeRawPointer(input + o &* n)
                        var acc = SIMD4<UInt64>(), i = 0
                        while i < n {
                            let words = row.loadUnaligned(fromByteOffset: i, as: SIMD4<UInt64>.self) ^ flip
                            acc &+= IntegerSIMD.sumsOfEightBytes(unsafeBitCast(words, to: SIMD32<UInt8>.self))
                            i &+= 32
                        }
                        return acc
                    }
                    // Rows o and o + 1 side by side in 32-bit halves of two 64-bit lanes
                    // (each row's four lanes added in pairs).
                    @inline(__always) func two(_ o: Int) -> SIMD2<UInt64> {
                        let halves = unsafeBitCast(lanes(o) | lanes(o &+ 1) &<< 32, to: (SIMD2<UInt64>, SIMD2<UInt64>).self)
                        return halves.0 &+ halves.1
                    }
                    // The sums of rows o..<o + 4 (pairs' lanes added across).
                    @inline(__always) func four(_ o: Int) -> SIMD2<UInt64> {
                        let first = two(o), second = two(o &+ 2)
                        return SIMD2(first[0], second[0]) &+ SIMD2(first[1], second[1])
                    }
                    while o &+ 8 <= outputs.upperBound {
                        // (Built in registers: eight lane inserts through the stack
                        // stalled each row on a store forward, 0.026 ms.)
                        let sums = unsafeBitCast((four(o), four(o &+ 4)), to: SIMD8<Int32>.self)
                        target.storeBytes(of: bytes(exact.scale8(sums &- offsetSum, 0)), toByteOffset: o, as: SIMD8<UInt8>.self)
                        o &+= 8
                    }
                }
                while o &+ 8 <= outputs.upperBound {
                    var sums = SIMD8<Int32>()
                    for j in 0..<8 { sums[j] = rowSum(o &+ j) }
                    target.storeBytes(of: bytes(exact.scale8(sums &- zeroSum, 0)), toByteOffset: o, as: SIMD8<UInt8>.self)
                    o &+= 8
                }
            }
            while o < outputs.upperBound { output[o] = finish(rowSum(o), n, E.self); o &+= 1 }
            return
        }
        for o in outputs {
            let base = input + r.keptOffset(o)
            var sum: Int32 = 0
            for i in 0..<n { sum &+= Int32(truncatingIfNeeded: base[r.reducedOffset(i)]) }
            output[o] = finish(sum, n, E.self)
        }
    }

    /// The Int32 sums over `rows` (rows of `inner` elements from `source`)
    /// of each of the `width` channels from `source`, into `sums`.
    @inline(__always)
    private func sumRows<E: QuantizedElement>(_: E.Type, _ source: UnsafeRawPointer, rows: Range<Int>, inner: Int, width: Int,
                                              into sums: UnsafeMutablePointer<Int32>) {
        if Self.sumsInRegisters && width >= 16 {
            // 16 channels at a time summed over the rows in Int16 lanes
            // kept in registers, 128 rows at a time (|sum| ≤ 128 · 255 <
            // 2^15) added into the Int32 sums, the last group
            // overlapping its predecessor; the loop below loads, adds and
            // stores every channel's Int32 sum at every row
            // (EfficientNet's squeeze-and-excitation means: over the
            // 130 × 130 pixels of B2's, 5–10 G values/s).
            // Four groups (a cache line) per pass over the rows where
            // there are: rows thousands of bytes apart share a few
            // first-level cache sets, and one group per pass loaded
            // each line four times (Xception's 2048-channel pool,
            // 6 G values/s).
            var next = 0
            while next &+ 64 <= width {
                for j in 0..<64 { sums[next &+ j] = 0 }
                var i = rows.lowerBound
                while i < rows.upperBound {
                    let end = min(i &+ 128, rows.upperBound)
                    var a0 = SIMD16<Int16>(), a1 = SIMD16<Int16>(), a2 = SIMD16<Int16>(), a3 = SIMD16<Int16>()
                    while i < end {
                        let at = i &* inner &+ next
                        a0 &+= E.widened16(source, at: at)
                        a1 &+= E.widened16(source, at: at &+ 16)
                        a2 &+= E.widened16(source, at: at &+ 32)
                        a3 &+= E.widened16(source, at: at &+ 48)
                        i &+= 1
                    }
                    for j in 0..<16 {
                        sums[next &+ j] &+= Int32(a0[j])
                        sums[next &+ 16 &+ j] &+= Int32(a1[j])
                        sums[next &+ 32 &+ j] &+= Int32(a2[j])
                        sums[next &+ 48 &+ j] &+= Int32(a3[j])
                    }
                }
                next &+= 64
            }
            while next < width {
                let first = min(next, width &- 16)
                for j in 0..<16 { sums[first &+ j] = 0 }
                var i = rows.lowerBound
                while i < rows.upperBound {
                    let end = min(i &+ 128, rows.upperBound)
                    var acc = SIMD16<Int16>()
                    while i < end {
                        acc &+= E.widened16(source, at: i &* inner &+ first)
                        i &+= 1
                    }
                    for j in 0..<16 { sums[first &+ j] &+= Int32(acc[j]) }
                }
                next = first &+ 16
            }
        } else {
            let x = source.assumingMemoryBound(to: E.self)
            for c in 0..<width { sums[c] = 0 }
            for i in rows {
                let src = x + i &* inner
                for c in 0..<width { sums[c] &+= Int32(truncatingIfNeeded: src[c]) }
            }
        }
    }

    /// Outputs `o ..< o + width` from their inputs' sums.
    @inline(__always)
    private func finishOutputs<E: QuantizedElement>(_: E.Type, _ sums: UnsafeMutablePointer<Int32>, at o: Int, width: Int) {
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output!))
        let n = r.reducedCount
        var c = 0
        if let exact = exactFinish, Self.sumsInRegisters {
            let zeroSum = SIMD8<Int32>(repeating: inputZeroPoint &* Int32(truncatingIfNeeded: n))
            let bytes = Int8OutputBytes(outputOffset: outputZeroPoint &- ExactDoubleRequantization.offset, activation: limits)
            let target = UnsafeMutableRawPointer(output + o)
            while c &+ 8 <= width {
                let sum = UnsafeRawPointer(sums + c).loadUnaligned(as: SIMD8<Int32>.self)
                target.storeBytes(of: bytes(exact.scale8(sum &- zeroSum, 0)), toByteOffset: c, as: SIMD8<UInt8>.self)
                c &+= 8
            }
        }
        while c < width { output[o &+ c] = finish(sums[c], n, E.self); c &+= 1 }
    }

    /// `rowParts` tiles: each sums one part of the rows into worker 0's
    /// scratch; the run that completes the invoke's last tile adds the parts
    /// (in order; Int32 sums are exact in any) and stores the outputs.
    private func sumParts<E: QuantizedElement>(_ tiles: Range<Int>, _ parts: Int, _: E.Type) {
        guard let (_, reduced, inner) = contiguous, !tiles.isEmpty else { return }
        let partials = scratch.unsafelyUnwrapped.assumingMemoryBound(to: Int32.self)
        for part in tiles {
            let rows = tileRange(worker: part, workers: parts, tiles: reduced)
            sumRows(E.self, input.unsafelyUnwrapped, rows: rows, inner: inner, width: inner, into: partials + part &* inner)
        }
        tilesDoneLock.lock()
        tilesDone &+= tiles.count
        let last = tilesDone >= parts
        if last { tilesDone = 0 }
        tilesDoneLock.unlock()
        guard last else { return }
        for part in 1..<parts {
            let sums = partials + part &* inner
            for c in 0..<inner { partials[c] &+= sums[c] }
        }
        finishOutputs(E.self, partials, at: 0, width: inner)
    }

    /// The mean of `n` values summing to `sum`, in the output's quantization.
    @inline(__always)
    private func finish<E: QuantizedElement>(_ sum: Int32, _ n: Int, _: E.Type) -> E {
        guard n > 0 else { return 0 }
        let count = Int32(truncatingIfNeeded: n)
        switch mode {
        case .plainAverage:
            return E(truncatingIfNeeded: sum / count)
        case let .rescaled(m, s):
            let shifted = sum &- inputZeroPoint &* count
            let v = FixedPoint.multiplyByQuantizedMultiplier(shifted, m, s) &+ outputZeroPoint
            return E(truncatingIfNeeded: min(max(v, limits.min), limits.max))
        }
    }
}
