/// Quantized RSQRT (int8): TFLite's `RsqrtEvalQuantized` (LiteRT and Micro
/// `elementwise.cc`): the input difference to its zero point, its inverse
/// square root as a quantized multiplier (`GetInvSqrtQuantizedMultiplierExp`,
/// a Newton–Raphson iteration in gemmlowp fixed point), applied to 1 shifted
/// left by 20, then rescaled by 1 / (sqrt(input scale) · output scale) and
/// shifted back. A zero difference gives 127. TFLite fails at run time on
/// inputs below the zero point; here they give 127 too (the table needs a
/// value). Evaluated into a lookup table at prepare.
enum RsqrtQuantized {
    static let shift = 20

    static func prepare(_ ctx: PrepareContext, _ input: TensorSlot) throws -> Kernel {
        let qi = try ctx.quantization(input, "input"), qo = try ctx.quantization(ctx.output(0), "output")
        let real = 1.0 / Double(qi.scale.squareRoot() * qo.scale)
        guard real.isFinite, real > 0 else { throw ctx.error("input/output scales (\(qi.scale), \(qo.scale)) give no finite RSQRT multiplier") }
        let (multiplier, outputShift) = FixedPoint.quantizeMultiplier(real)
        guard outputShift - shift >= -31, outputShift - shift <= 31 else {
            throw ctx.error("input/output scales (\(qi.scale), \(qo.scale)) give an RSQRT rescale shift \(outputShift - shift) outside −31…31")
        }
        let inputZeroPoint = qi.zeroPoint, outputZeroPoint = qo.zeroPoint
        return try QuantizedLookup.kernel(ctx, type: .int8, count: input.elementCount) { x in
            let value = x &- inputZeroPoint
            if value <= 0 { return 127 }
            let (invSqrt, invShift) = FixedPoint.inverseSqrt(value)
            let data = FixedPoint.multiplyByQuantizedMultiplier(1, invSqrt, invShift + shift)
            return FixedPoint.multiplyByQuantizedMultiplier(data, multiplier, outputShift - shift) &+ outputZeroPoint
        }
    }
}

extension FixedPoint {
    /// `GetInvSqrtQuantizedMultiplierExp(input, kReverseShift = −1)` for
    /// input ≥ 0: 1/sqrt(input) as a Q0.31 multiplier and a left shift.
    static func inverseSqrt(_ input: Int32) -> (multiplier: Int32, shift: Int) {
        if input <= 1 { return (.max, 0) }
        var x = input, rightShift = 11
        while x >= 1 << 29 {
            x /= 4
            rightShift += 1
        }
        let maxLeftShiftBits = UInt32(bitPattern: x).leadingZeroBitCount - 1
        let leftShiftBitPairs = maxLeftShiftBits / 2 - 1
        rightShift -= leftShiftBitPairs
        x <<= Int32(2 * leftShiftBitPairs)
        // Q3.28 Newton–Raphson from 1: x ← 3/2·x − (input/2)·x³.
        let halfInput = roundingDivideByPOT(x >> 1, 1)
        let halfThree: Int32 = (1 << 28) + (1 << 27)
        var r: Int32 = 1 << 28
        for _ in 0..<5 {
            // x·x·x is Q9; Rescale<3> shifts left by 6, saturating.
            let r3 = saturatingShiftLeft(saturatingRoundingDoublingHighMul(saturatingRoundingDoublingHighMul(r, r), r), 6)
            // Q6 difference; Rescale<3> shifts left by 3.
            r = saturatingShiftLeft(saturatingRoundingDoublingHighMul(halfThree, r) &- saturatingRoundingDoublingHighMul(halfInput, r3), 3)
        }
        var multiplier = saturatingRoundingDoublingHighMul(r, 1_518_500_250)  // · sqrt(2)/2
        if rightShift < 0 {
            multiplier = multiplier &<< Int32(-rightShift)
            rightShift = 0
        }
        return (multiplier, -rightShift)
    }
}
