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

/// Tiles are output elements; each sums its inputs in row-major order.
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
        self.r = r
        self.mode = mode
        inputZeroPoint = zpIn
        outputZeroPoint = zpOut
        self.limits = limits
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { r.outputCount }
    var cost: Int { r.outputCount * r.reducedCount }

    var scratchBytesPerWorker: Int { contiguous.map { max($0.inner, 1) * 4 } ?? 0 }

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(inputIndex))
        output = memory.raw(outputIndex)
        scratch = memory.scratch
    }

    /// Class methods reached through the `Kernel` protocol are not
    /// specialised; dispatching to a generic function with a concrete type
    /// is, so the loops below run on Int8/UInt8 directly.
    func run(tiles: Range<Int>, worker: Int) {
        if signed { compute(tiles: tiles, worker: worker, Int8.self) } else { compute(tiles: tiles, worker: worker, UInt8.self) }
    }

    private func compute<E: QuantizedElement>(tiles: Range<Int>, worker: Int, _: E.Type) {
        let input = UnsafePointer<E>(OpaquePointer(self.input!))
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output!))
        let n = r.reducedCount
        if let (_, reduced, inner) = contiguous, n > 0 {
            // Output o is (outer index o / inner, channel o % inner); take the
            // tile range one outer row segment at a time.
            let sums = (scratch.unsafelyUnwrapped + worker &* scratchBytesPerWorker).assumingMemoryBound(to: Int32.self)
            var o = tiles.lowerBound
            while o < tiles.upperBound {
                let row = o / inner, start = o % inner
                let width = min(inner &- start, tiles.upperBound &- o)
                let x = input + (row &* reduced &* inner &+ start)
                for c in 0..<width { sums[c] = 0 }
                for i in 0..<reduced {
                    let src = x + i &* inner
                    for c in 0..<width { sums[c] &+= Int32(truncatingIfNeeded: src[c]) }
                }
                for c in 0..<width { output[o &+ c] = finish(sums[c], n, E.self) }
                o &+= width
            }
            return
        }
        if trailing {
            for o in tiles {
                let base = input + o &* n
                var sum: Int32 = 0
                for i in 0..<n { sum &+= Int32(truncatingIfNeeded: base[i]) }
                output[o] = finish(sum, n, E.self)
            }
            return
        }
        for o in tiles {
            let base = input + r.keptOffset(o)
            var sum: Int32 = 0
            for i in 0..<n { sum &+= Int32(truncatingIfNeeded: base[r.reducedOffset(i)]) }
            output[o] = finish(sum, n, E.self)
        }
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
