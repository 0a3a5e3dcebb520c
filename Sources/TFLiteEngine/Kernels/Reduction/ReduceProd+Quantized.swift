#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Quantized int8 REDUCE_PROD as TFLite's reference kernel
/// (`QuantizedReduceProd`): with n values reduced, every step is rescaled by
/// s = s_in / s_out^(1/n) so the accumulator stays in range: the first value
/// gives q₀ − zp_in, each next one acc·(q − zp_in)·s (the 64-bit
/// `MultiplyByQuantizedMultiplier`), and the result is acc·s + zp_out,
/// clamped. (TFLite Micro has no REDUCE_PROD; LiteRT's reference kernel is
/// the reference.)
enum ReduceProdQuantized {
    static func prepare(_ ctx: PrepareContext, _ input: TensorSlot, _ r: Reduction) throws -> Kernel {
        let output = ctx.output(0)
        let qi = try ctx.quantization(input, "input"), qo = try ctx.quantization(output, "output")
        let n = r.reducedCount
        if input.elementCount == 0 {
            // TFLite leaves the output unwritten; only an empty output is defined.
            guard output.elementCount == 0 else { throw ctx.error("quantized product of an empty input is undefined") }
            return ReduceProdQuantizedKernel(ctx: ctx, r, multiplier: 0, shift: 0, qi.zeroPoint, qo.zeroPoint)
        }
        let scaling = Double(qi.scale) / pow(Double(qo.scale), 1.0 / Double(n))
        let (multiplier, shift) = FixedPoint.quantizeMultiplier(scaling)
        guard scaling.isFinite, shift >= -48, shift <= 14 else {
            throw ctx.error("product rescale factor \(scaling) (input scale \(qi.scale), output scale \(qo.scale), \(n) values) is out of range")
        }
        return ReduceProdQuantizedKernel(ctx: ctx, r, multiplier: multiplier, shift: shift, qi.zeroPoint, qo.zeroPoint)
    }
}

/// Tiles are output elements; each multiplies its inputs in row-major order.
final class ReduceProdQuantizedKernel: UnaryOperandKernel {
    let r: Reduction
    let multiplier: Int32, shift: Int
    let inputZeroPoint: Int32, outputZeroPoint: Int32
    let inputIndex: Int, outputIndex: Int
    var input: UnsafePointer<Int8>!
    var output: UnsafeMutablePointer<Int8>!

    init(ctx: PrepareContext, _ r: Reduction, multiplier: Int32, shift: Int, _ zpIn: Int32, _ zpOut: Int32) {
        self.r = r
        self.multiplier = multiplier
        self.shift = shift
        inputZeroPoint = zpIn
        outputZeroPoint = zpOut
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { r.reducedCount == 0 ? 0 : r.outputCount }
    var cost: Int { r.outputCount * r.reducedCount }

    func run(tiles: Range<Int>, worker: Int) {
        guard let input, let output else { return }
        let n = r.reducedCount
        for o in tiles {
            let base = input + r.keptOffset(o)
            var acc = Int32(base[0]) &- inputZeroPoint
            for i in 1..<n {
                let q = Int64(Int32(base[r.reducedOffset(i)]) &- inputZeroPoint)
                acc = FixedPoint.multiplyByQuantizedMultiplierWide(Int64(acc) &* q, multiplier, shift)
            }
            let v = FixedPoint.multiplyByQuantizedMultiplierWide(Int64(acc), multiplier, shift) &+ outputZeroPoint
            output[o] = Int8(truncatingIfNeeded: min(max(v, -128), 127))
        }
    }
}
