/// Quantized MEAN (int8 / uint8), as TFLite Micro's reference kernel runs it
/// (`QuantizedMeanOrSum`, for equal and for different input/output
/// quantization alike): (sum − zp_in·n) rescaled by s_in/s_out with 1/n
/// folded into the multiplier (`(m << ⌊log2 n⌋) / n`), plus zp_out, clamped.
/// (Some TFLite versions instead truncate sum/n when the quantizations are
/// equal; the installed TFLite Micro does not.)
enum MeanInt8 {
    static func prepare(_ ctx: PrepareContext, _ r: Reduction) throws -> Kernel {
        let input = try ctx.input(0), output = ctx.output(0)
        try ctx.require(output, type: input.type, "output")
        let qi = try ctx.quantization(input, "input"), qo = try ctx.quantization(output, "output")
        let n = r.reducedCount
        guard n < 1 << 23 else { throw ctx.error("reducing \(n) elements could overflow the int32 sum") }
        var mode: MeanQuantizedKernelMode = .plainAverage
        if n > 0 {
            var (m, s) = FixedPoint.quantizeMultiplier(Double(qi.scale) / Double(qo.scale))
            var shift = 63 - UInt64(n).leadingZeroBitCount
            shift = min(shift, 32)
            shift = min(shift, 31 + s)
            guard shift >= 0 else { throw ctx.error("rescale factor is out of range") }
            m = Int32(truncatingIfNeeded: (Int64(m) << Int64(shift)) / Int64(n))
            s -= shift
            mode = .rescaled(multiplier: m, shift: s)
        }
        let limits = ctx.quantizedLimits(input.type)
        switch input.type {
        case .int8: return MeanQuantizedKernel(Int8.self, ctx: ctx, r, mode, qi.zeroPoint, qo.zeroPoint, limits)
        case .uint8: return MeanQuantizedKernel(UInt8.self, ctx: ctx, r, mode, qi.zeroPoint, qo.zeroPoint, limits)
        default: throw ctx.error("input type \(input.type) is not supported")
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

    init<T: QuantizedElement>(_ type: T.Type, ctx: PrepareContext, _ r: Reduction, _ mode: MeanQuantizedKernelMode, _ zpIn: Int32, _ zpOut: Int32, _ limits: (min: Int32, max: Int32)) {
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

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(inputIndex))
        output = memory.raw(outputIndex)
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
        let count = Int32(truncatingIfNeeded: n)
        for o in tiles {
            let base = input + r.keptOffset(o)
            var sum: Int32 = 0
            for i in 0..<n { sum &+= Int32(truncatingIfNeeded: base[r.reducedOffset(i)]) }
            guard n > 0 else { output[o] = 0; continue }
            switch mode {
            case .plainAverage:
                output[o] = E(truncatingIfNeeded: sum / count)
            case let .rescaled(m, s):
                let shifted = sum &- inputZeroPoint &* count
                var v = FixedPoint.multiplyByQuantizedMultiplier(shifted, m, s) &+ outputZeroPoint
                v = min(max(v, limits.min), limits.max)
                output[o] = E(truncatingIfNeeded: v)
            }
        }
    }
}
