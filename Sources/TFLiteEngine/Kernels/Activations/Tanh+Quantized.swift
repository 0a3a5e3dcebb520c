#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Quantized TANH (int8 / uint8). TFLite's two kernels differ:
/// - TFLite Micro (`reference_integer_ops::Tanh`, int8 only): the input
///   difference to its zero point scaled to Q4.27 (frexp multiplier, no
///   renormalisation), gemmlowp `tanh`, rescaled to Q0.7. It assumes the
///   output quantization the converter always emits, scale 1/128 and zero
///   point 0, and ignores the output tensor's parameters; inputs beyond the
///   input radius saturate to ±127/−128.
/// - LiteRT (every kernel set, int8 and uint8): `LUTPopulate` of `tanhf`
///   for the input and output quantization, any output scale.
///
/// This kernel follows TFLite Micro (the project's reference for int8 where
/// Micro has the kernel) when the output is quantized as Micro assumes and
/// the input scale keeps its fixed-point shift in range; otherwise (uint8,
/// other output quantization, extreme input scales, where Micro's result
/// would be wrong or undefined) LiteRT's table. The two agree on converted
/// models except at rare rounding ties.
enum TanhQuantized {
    static func prepare(_ ctx: PrepareContext, _ input: TensorSlot) throws -> Kernel {
        let qi = try ctx.quantization(input, "input"), qo = try ctx.quantization(ctx.output(0), "output")
        if input.type == .int8, qo.scale == 1.0 / 128, qo.zeroPoint == 0, let micro = microParameters(inputScale: qi.scale) {
            let zeroPoint = qi.zeroPoint
            return try QuantizedLookup.kernel(ctx, type: .int8, count: input.elementCount) { x in
                let v = x &- zeroPoint
                if v <= -micro.radius { return -128 }
                if v >= micro.radius { return 127 }
                let q4 = FixedPoint.multiplyByQuantizedMultiplier(v, micro.multiplier, micro.leftShift)
                return FixedPoint.roundingDivideByPOT(FixedPoint.tanh(q4, integerBits: 4), 31 - 7)
            }
        }
        return try QuantizedLookup.floatTable(ctx, input) { tanhf($0) }
    }

    /// TFLite Micro's `CalculateArithmeticOpData` for int8 TANH: the input
    /// scale times 2^27 as frexp fraction (rounded, not renormalised) and
    /// exponent, and the input radius; nil when the exponent is outside 0…30.
    static func microParameters(inputScale: Float) -> (multiplier: Int32, leftShift: Int, radius: Int32)? {
        let integerBits = 4
        var exponent: Int32 = 0
        let fraction = frexp(Double(inputScale) * Double(1 << (31 - integerBits)), &exponent)
        let q = (fraction * 2147483648.0).rounded(.toNearestOrAwayFromZero)
        let leftShift = Int(exponent)
        guard leftShift >= 0, leftShift <= 30 else { return nil }
        let multiplier = q >= 2147483648.0 ? Int32.min : Int32(q)
        return (multiplier, leftShift, FixedPoint.inputRadius(integerBits: integerBits, leftShift: leftShift))
    }
}
