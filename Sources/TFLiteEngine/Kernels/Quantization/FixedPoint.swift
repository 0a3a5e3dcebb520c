#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// TFLite's integer arithmetic for quantized kernels, reproduced exactly
/// (the default "double rounding" build of `quantization_util.cc`,
/// `kernels/internal/common.h` and gemmlowp's `fixedpoint.h`).
///
/// A real multiplier `m` is represented as `(multiplier, shift)` with
/// `m ≈ multiplier · 2^(shift − 31)` and `multiplier` in [2^30, 2^31).
/// Positive shifts are left shifts.
enum FixedPoint {
    // MARK: Multiplier quantization (prepare time)

    /// `QuantizeMultiplier`: frexp, round half away from zero, renormalise
    /// when rounding reaches 2^31, and flush multipliers below 2^-32 to 0.
    /// `m` must be finite and ≥ 0 (checked by callers).
    ///
    /// For a normal `m` the fraction and exponent come from its bits and
    /// the rounding is integer: `m = (2^52 + mantissa) · 2^(e − 1075)`, so
    /// `fraction · 2^31 = (2^52 + mantissa) / 2^22`, rounded half up (it is
    /// positive). The `frexp` form (`quantizeMultiplierByFrexp`, still used
    /// for subnormal `m`) was two thirds of the time of the per-channel
    /// multiplier loop, run for every output channel of every quantized
    /// convolution at start-up (issue 15).
    static func quantizeMultiplier(_ m: Double) -> (multiplier: Int32, shift: Int) {
        guard m > 0, m.isFinite else { return (0, 0) }
        let bits = m.bitPattern
        let biasedExponent = Int(truncatingIfNeeded: bits >> 52)  // the sign bit is 0
        guard biasedExponent > 0 else { return quantizeMultiplierByFrexp(m) }
        let q = Int64(bitPattern: ((bits & 0x000F_FFFF_FFFF_FFFF) | (1 << 52)) &+ (1 << 21)) >> 22
        return normalized(q, shift: biasedExponent &- 1022)
    }

    /// `quantizeMultiplier` as TFLite writes it, with `frexp` (subnormal
    /// multipliers; and the oracle of the bit form's test).
    static func quantizeMultiplierByFrexp(_ m: Double) -> (multiplier: Int32, shift: Int) {
        guard m > 0, m.isFinite else { return (0, 0) }
        var exponent: Int32 = 0
        let fraction = frexp(m, &exponent)
        return normalized(Int64((fraction * 2147483648.0).rounded(.toNearestOrAwayFromZero)), shift: Int(exponent))
    }

    /// A rounded fraction · 2^31 in [2^30, 2^31] and its shift, renormalised
    /// when the rounding reached 2^31 and flushed to 0 below 2^-32.
    @inline(__always)
    private static func normalized(_ q: Int64, shift: Int) -> (multiplier: Int32, shift: Int) {
        let (q, shift) = q == 1 << 31 ? (q / 2, shift &+ 1) : (q, shift)
        return shift < -31 ? (0, 0) : (Int32(q), shift)
    }

    /// `QuantizeMultiplierSmallerThanOneExp`: for 0 < m < 1; shift ≤ 0.
    static func quantizeMultiplierSmallerThanOne(_ m: Double) -> (multiplier: Int32, shift: Int)? {
        guard m > 0, m < 1 else { return nil }
        let r = quantizeMultiplier(m)
        return r.shift <= 0 ? r : nil
    }

    /// `QuantizeMultiplierGreaterThanOne`: for m > 1; shift ≥ 0.
    static func quantizeMultiplierGreaterThanOne(_ m: Double) -> (multiplier: Int32, shift: Int)? {
        guard m > 1, m.isFinite else { return nil }
        let r = quantizeMultiplier(m)
        return r.shift >= 0 ? r : nil
    }

    // MARK: Run-time arithmetic

    /// gemmlowp `SaturatingRoundingDoublingHighMul`: the high 32 bits of
    /// 2·a·b, rounded half away from zero; (INT32_MIN, INT32_MIN) saturates.
    @inline(__always)
    static func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
        if a == b && a == .min { return .max }
        let ab = Int64(a) &* Int64(b)
        let nudge: Int64 = ab >= 0 ? 1 << 30 : 1 &- (1 << 30)
        // C++ division truncates toward zero.
        return Int32(truncatingIfNeeded: (ab &+ nudge) / (1 << 31))
    }

    /// gemmlowp `RoundingDivideByPOT`: arithmetic shift right by `exponent`
    /// (0…31), rounding half away from zero.
    @inline(__always)
    static func roundingDivideByPOT(_ x: Int32, _ exponent: Int) -> Int32 {
        let mask: Int32 = Int32(truncatingIfNeeded: (Int64(1) << exponent) &- 1)
        let remainder = x & mask
        let threshold = (mask >> 1) &+ (x < 0 ? 1 : 0)
        return (x >> Int32(exponent)) &+ (remainder > threshold ? 1 : 0)
    }

    /// `MultiplyByQuantizedMultiplier` (double rounding): x · m · 2^shift.
    @inline(__always)
    static func multiplyByQuantizedMultiplier(_ x: Int32, _ multiplier: Int32, _ shift: Int) -> Int32 {
        let left = shift > 0 ? shift : 0
        let right = shift > 0 ? 0 : -shift
        return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x &* (1 &<< Int32(left)), multiplier), right)
    }

    /// One rounding of x·m·2^(shift−31), half away from zero:
    /// ±⌊(|x′|·m + 2^(30+r)) / 2^(31+r)⌋ with x′ = x·2^max(shift, 0)
    /// (wrapping, like the double rounding's left shift) and r = max(−shift, 0).
    /// LiteRT's reference FULLY_CONNECTED kernels round this way (measured on
    /// the pinned wheel: exact ties go away from zero, with no intermediate
    /// rounding; TFLite's `TFLITE_SINGLE_ROUNDING` form would send negative
    /// ties toward +∞ and gemmlowp's double rounding rounds twice).
    /// `shift` in −31…31.
    @inline(__always)
    static func multiplyByQuantizedMultiplierSingleRounding(_ x: Int32, _ multiplier: Int32, _ shift: Int) -> Int32 {
        let left = shift > 0 ? shift : 0
        let total = Int64(31 &+ (shift > 0 ? 0 : -shift))
        let product = Int64(x &<< Int32(left)) &* Int64(multiplier)
        let half: Int64 = 1 &<< (total &- 1)
        let magnitude = ((product < 0 ? 0 &- product : product) &+ half) &>> total
        return Int32(truncatingIfNeeded: product < 0 ? 0 &- magnitude : magnitude)
    }

    /// `MultiplyByQuantizedMultiplierSmallerThanOneExp`: shift ≤ 0.
    @inline(__always)
    static func multiplyByQuantizedMultiplierSmallerThanOne(_ x: Int32, _ multiplier: Int32, _ shift: Int) -> Int32 {
        roundingDivideByPOT(saturatingRoundingDoublingHighMul(x, multiplier), -shift)
    }

    /// `MultiplyByQuantizedMultiplierGreaterThanOne`: shift ≥ 0.
    @inline(__always)
    static func multiplyByQuantizedMultiplierGreaterThanOne(_ x: Int32, _ multiplier: Int32, _ shift: Int) -> Int32 {
        saturatingRoundingDoublingHighMul(x &* (1 &<< Int32(shift)), multiplier)
    }

    /// `MultiplyByQuantizedMultiplier` for an int64 `x` (|x| < 2^47): the
    /// multiplier reduced to 16 bits, one rounding shift by `15 − shift`
    /// (`shift` in −48…14, checked at prepare), the result truncated to 32 bits.
    @inline(__always)
    static func multiplyByQuantizedMultiplierWide(_ x: Int64, _ multiplier: Int32, _ shift: Int) -> Int32 {
        let reduced: Int64 = multiplier < 0x7FFF_0000 ? (Int64(multiplier) &+ (1 << 15)) >> 16 : 0x7FFF
        let total = Int64(15 &- shift)
        return Int32(truncatingIfNeeded: (x &* reduced &+ (1 &<< (total &- 1))) >> total)
    }

    /// gemmlowp `SaturatingRoundingMultiplyByPOT` for a positive exponent:
    /// a left shift saturating to the int32 range.
    @inline(__always)
    static func saturatingShiftLeft(_ x: Int32, _ exponent: Int) -> Int32 {
        let threshold = Int32((1 << (31 - exponent)) - 1)
        if x > threshold { return .max }
        if x < -threshold { return .min }
        return x &<< Int32(exponent)
    }

    /// `TfLiteRound` on a float: round half away from zero.
    @inline(__always)
    static func round(_ x: Float) -> Float { x.rounded(.toNearestOrAwayFromZero) }

    /// A float rounded half away from zero and converted to Int32, clamped
    /// (large values only arise from degenerate scales).
    static func roundToInt32(_ x: Float) -> Int32 {
        let r = x.rounded(.toNearestOrAwayFromZero)
        if r.isNaN { return 0 }
        if r >= 2147483648 { return .max }
        if r <= -2147483648 { return .min }
        return Int32(r)
    }

    // MARK: 16-bit arithmetic (gemmlowp on int16, HARD_SWISH)

    /// `DownScaleInt32ToInt16Multiplier`: a Q0.31 multiplier rounded to Q0.15,
    /// saturating at INT16_MAX.
    static func downScaleToInt16(_ multiplier: Int32) -> Int16 {
        let offset: Int32 = 1 << 15
        if multiplier >= Int32.max - offset { return .max }
        return Int16(truncatingIfNeeded: (max(multiplier, 0) + offset) >> 16)
    }

    /// gemmlowp `SaturatingRoundingDoublingHighMul` on int16: the high 16 bits
    /// of 2·a·b, rounded half away from zero; (INT16_MIN, INT16_MIN) saturates.
    @inline(__always)
    static func saturatingRoundingDoublingHighMul16(_ a: Int16, _ b: Int16) -> Int16 {
        if a == b && a == .min { return .max }
        let ab = Int32(a) &* Int32(b)
        let nudge: Int32 = ab >= 0 ? 1 << 14 : 1 &- (1 << 14)
        return Int16(truncatingIfNeeded: (ab &+ nudge) / (1 << 15))
    }

    /// TFLite's `SaturatingDoublingHighMul` on int16: like the rounding one
    /// but truncating toward zero (ARM SQDMULH).
    @inline(__always)
    static func saturatingDoublingHighMul16(_ a: Int16, _ b: Int16) -> Int16 {
        if a == b && a == .min { return .max }
        return Int16(truncatingIfNeeded: (Int32(a) &* Int32(b)) / (1 << 15))
    }

    /// gemmlowp `RoundingDivideByPOT` on int16 (exponent 0…31). The mask is
    /// `(1 << exponent) − 1` truncated to 16 bits, as gemmlowp's `Dup` does,
    /// which makes exponents above 15 behave as TFLite's do.
    @inline(__always)
    static func roundingDivideByPOT16(_ x: Int16, _ exponent: Int) -> Int16 {
        let mask = Int16(truncatingIfNeeded: (Int64(1) << exponent) &- 1)
        let remainder = x & mask
        let threshold = Int16(truncatingIfNeeded: Int32(mask >> 1) &+ (x < 0 ? 1 : 0))
        return Int16(truncatingIfNeeded: (Int32(x) >> Int32(exponent)) &+ (remainder > threshold ? 1 : 0))
    }

    /// TFLite's int16 `SaturatingLeftShift` (amount 0…30): x · 2^amount
    /// clamped to the int16 range.
    @inline(__always)
    static func saturatingLeftShift16(_ x: Int16, _ amount: Int) -> Int16 {
        Int16(clamping: Int64(x) << Int64(amount))
    }

    // MARK: gemmlowp transcendental functions (Q formats on int32)

    /// exp(a) for a in [-1/4, 0), with `a` and the result in Q0.31.
    static func expOnIntervalBetweenNegativeOneQuarterAndZero(_ a: Int32) -> Int32 {
        let constantTerm: Int32 = 1895147668  // exp(-1/8)
        let oneThird: Int32 = 715827883
        let x = a &+ (1 << 28)  // a + 1/8
        let x2 = saturatingRoundingDoublingHighMul(x, x)
        let x3 = saturatingRoundingDoublingHighMul(x2, x)
        let x4 = saturatingRoundingDoublingHighMul(x2, x2)
        let x4Over4 = roundingDivideByPOT(x4, 2)
        let poly = roundingDivideByPOT(saturatingRoundingDoublingHighMul(x4Over4 &+ x3, oneThird) &+ x2, 1)
        return constantTerm &+ saturatingRoundingDoublingHighMul(constantTerm, x &+ poly)
    }

    /// gemmlowp `exp_on_negative_values`: `a` ≤ 0 in Q(integerBits).(31−integerBits),
    /// result in Q0.31.
    static func expOnNegativeValues(_ a: Int32, integerBits: Int) -> Int32 {
        let fractionalBits = 31 - integerBits
        let oneQuarter: Int32 = 1 &<< Int32(fractionalBits - 2)
        let mask = oneQuarter &- 1
        let aModQuarterMinusQuarter = (a & mask) &- oneQuarter
        // Rescale to Q0.31 (the value lies in [-1/4, 0), so no saturation occurs in practice).
        var result = expOnIntervalBetweenNegativeOneQuarterAndZero(saturatingShiftLeft(aModQuarterMinusQuarter, integerBits))
        let remainder = aModQuarterMinusQuarter &- a
        let barrel: [(exponent: Int, multiplier: Int32)] = [
            (-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
            (2, 39332535), (3, 720401), (4, 242),
        ]
        for (exponent, multiplier) in barrel where integerBits > exponent {
            let shiftAmount = fractionalBits + exponent
            if remainder & (1 &<< Int32(shiftAmount)) != 0 {
                result = saturatingRoundingDoublingHighMul(result, multiplier)
            }
        }
        if integerBits > 5 {
            let clamp: Int32 = -(1 &<< Int32(36 - integerBits))  // -32.0
            if a < clamp { result = 0 }
        }
        if a == 0 { result = .max }
        return result
    }

    /// gemmlowp `RoundingHalfSum`: (a + b) / 2 rounded half away from zero.
    @inline(__always)
    static func roundingHalfSum(_ a: Int32, _ b: Int32) -> Int32 {
        let sum = Int64(a) + Int64(b)
        return Int32(truncatingIfNeeded: (sum + (sum >= 0 ? 1 : -1)) / 2)
    }

    /// The Newton–Raphson division shared by gemmlowp's
    /// `one_over_one_plus_x_for_x_in_0_1` and
    /// `one_minus_x_over_one_plus_x_for_x_in_0_1`: 1/(1+a) in Q2.29 for a in
    /// Q0.31 within [0, 1).
    private static func reciprocalOfOnePlusQ2(_ a: Int32) -> Int32 {
        let halfDenominator = roundingHalfSum(a, Int32.max)
        let c48Over17: Int32 = 1515870810  // Q2.29
        let cNeg32Over17: Int32 = -1010580540  // Q2.29
        var x = c48Over17 &+ saturatingRoundingDoublingHighMul(halfDenominator, cNeg32Over17)
        let oneQ2: Int32 = 1 << 29
        for _ in 0..<3 {
            let halfDenominatorTimesX = saturatingRoundingDoublingHighMul(halfDenominator, x)  // Q2
            let oneMinus = oneQ2 &- halfDenominatorTimesX  // Q2
            let product = saturatingRoundingDoublingHighMul(x, oneMinus)  // Q4
            x = x &+ saturatingShiftLeft(product, 2)  // Rescale<2>
        }
        return x
    }

    /// gemmlowp `one_over_one_plus_x_for_x_in_0_1`: 1/(1+a), a in Q0.31
    /// within [0, 1); result in Q0.31.
    static func oneOverOnePlusXForXIn01(_ a: Int32) -> Int32 {
        // ExactMulByPot<-1> reinterprets Q2 as Q1 (same raw bits); Rescale<0> then doubles.
        saturatingShiftLeft(reciprocalOfOnePlusQ2(a), 1)
    }

    /// gemmlowp `one_minus_x_over_one_plus_x_for_x_in_0_1`: (1−a)/(1+a), a in
    /// Q0.31 within [0, 1); result in Q0.31 (`Rescale<0>(x − 1)` of the Q2.29 reciprocal).
    static func oneMinusXOverOnePlusXForXIn01(_ a: Int32) -> Int32 {
        saturatingShiftLeft(reciprocalOfOnePlusQ2(a) &- (1 << 29), 2)
    }

    /// gemmlowp `tanh` on Q(integerBits) input, Q0.31 result:
    /// (1 − e^{−2|a|}) / (1 + e^{−2|a|}) with the sign of `a`.
    static func tanh(_ a: Int32, integerBits: Int) -> Int32 {
        if a == 0 { return 0 }
        let negative = a < 0 ? a : 0 &- a
        // ExactMulByPot<1>: the same raw value read with one more integer bit.
        let t = oneMinusXOverOnePlusXForXIn01(expOnNegativeValues(negative, integerBits: integerBits + 1))
        return a < 0 ? 0 &- t : t
    }

    /// TFLite's `CountLeadingSignBits` on int32 (`__builtin_clrsb`): the
    /// number of bits below the sign bit equal to it (31 for 0 and −1).
    @inline(__always)
    static func countLeadingSignBits(_ x: Int32) -> Int {
        (x ^ (x >> 31)).leadingZeroBitCount - 1
    }

    /// int32 addition saturating to the int32 range (TFLite's
    /// `SaturatingAddNonGemmlowp`, gemmlowp `SaturatingSub` with `b` negated).
    @inline(__always)
    static func saturatingAdd(_ a: Int32, _ b: Int32) -> Int32 { Int32(clamping: Int64(a) + Int64(b)) }
    @inline(__always)
    static func saturatingSubtract(_ a: Int32, _ b: Int32) -> Int32 { Int32(clamping: Int64(a) - Int64(b)) }

    /// TFLite's `SaturatingRoundingMultiplyByPOTParam` for exponent ≥ 0 (a
    /// saturating left shift) and < 0 (a rounding right shift).
    @inline(__always)
    static func saturatingRoundingMultiplyByPOT(_ x: Int32, _ exponent: Int) -> Int32 {
        if exponent == 0 { return x }
        return exponent > 0 ? saturatingShiftLeft(x, exponent) : roundingDivideByPOT(x, -exponent)
    }

    /// TFLite's `log_x_for_x_greater_than_or_equal_to_1_impl`: ln(x) for x ≥ 1
    /// in Q(inputIntegerBits), result in Q(outputIntegerBits), accumulated with
    /// one more integer bit (a rational approximation around the nearest
    /// power of two, computed on the raw Q0.31 mantissa).
    static func logXForXGreaterThanOrEqualTo1(_ input: Int32, inputIntegerBits: Int, outputIntegerBits: Int) -> Int32 {
        let accumIntegerBits = outputIntegerBits + 1
        let log2: Int32 = 1488522236, sqrtSqrtHalf: Int32 = 1805811301, sqrtHalf: Int32 = 1518500250
        let oneQuarter: Int32 = 536870912
        let alphaN: Int32 = 117049297, alphaD: Int32 = 127690142, alphaI: Int32 = 1057819769, alphaF: Int32 = 638450708
        let mul = saturatingRoundingDoublingHighMul
        let shiftedQuarter = roundingDivideByPOT(oneQuarter, accumIntegerBits)  // Rescale<accum> of a Q0 value
        let za = input
        let zaHeadroomPlusOne = UInt32(bitPattern: za).leadingZeroBitCount
        let raTmp = saturatingRoundingMultiplyByPOT(za, zaHeadroomPlusOne - 1)
        let raRaw = saturatingRoundingMultiplyByPOT(mul(raTmp, sqrtHalf), 1)
        let zaPow2Adj = saturatingAdd(saturatingRoundingMultiplyByPOT(Int32(inputIntegerBits - zaHeadroomPlusOne), 31 - accumIntegerBits),
                                      shiftedQuarter)
        let zb = mul(za, sqrtHalf)
        let zbHeadroom = UInt32(bitPattern: zb).leadingZeroBitCount - 1
        let rbRaw = saturatingRoundingMultiplyByPOT(za, zbHeadroom)
        let zbPow2Adj = saturatingSubtract(saturatingRoundingMultiplyByPOT(Int32(inputIntegerBits - zbHeadroom), 31 - accumIntegerBits),
                                           shiftedQuarter)
        let r = min(raRaw, rbRaw)
        let zPow2Adj = max(zaPow2Adj, zbPow2Adj)
        let p = roundingHalfSum(r, sqrtSqrtHalf)
        var q = r &- sqrtSqrtHalf
        q = q &+ q
        let commonSquare = mul(q, q)
        let numerator = mul(q, r) &+ mul(mul(q, commonSquare), alphaN)
        let denominatorMinusOne = mul(p, alphaI &+ q &+ mul(alphaD, commonSquare)) &+ mul(alphaF, q)
        let reciprocalDenominator = oneOverOnePlusXForXIn01(denominatorMinusOne)
        let numeratorScaled = roundingDivideByPOT(numerator, accumIntegerBits)  // Rescale<accum>
        let sum = mul(zPow2Adj, log2) &+ mul(numeratorScaled, reciprocalDenominator)  // Q(accum)
        return saturatingRoundingMultiplyByPOT(sum, accumIntegerBits - outputIntegerBits)  // Rescale<output>
    }

    /// `GetReciprocal`: 1/x for x > 0 in Q(integerDigits); returns the
    /// Q0.31 mantissa and the number of bits above one.
    static func reciprocal(_ x: Int32, integerDigits: Int) -> (scale: Int32, bitsOverUnit: Int) {
        let headroomPlusOne = UInt32(bitPattern: x).leadingZeroBitCount
        let bitsOverUnit = integerDigits - headroomPlusOne
        let shiftedSumMinusOne = Int32(bitPattern: (UInt32(bitPattern: x) &<< UInt32(headroomPlusOne)) &- (1 << 31))
        return (oneOverOnePlusXForXIn01(shiftedSumMinusOne), bitsOverUnit)
    }

    /// gemmlowp `logistic` on Q(integerBits) input, Q0.31 result.
    static func logistic(_ a: Int32, integerBits: Int) -> Int32 {
        if a == 0 { return 1 << 30 }
        let absolute = a > 0 ? a : 0 &- a
        let positive = oneOverOnePlusXForXIn01(expOnNegativeValues(0 &- absolute, integerBits: integerBits))
        return a > 0 ? positive : Int32.max &- positive
    }

    /// `CalculateInputRadius`.
    static func inputRadius(integerBits: Int, leftShift: Int, totalSignedBits: Int = 31) -> Int32 {
        let maxRescaled = Double((1 << integerBits) - 1) * Double(Int64(1) << (totalSignedBits - integerBits)) / Double(Int64(1) << leftShift)
        return Int32(clamping: Int64(maxRescaled.rounded(.down)))
    }
}

/// Integer clamp range of a fused activation on a quantized output
/// (`CalculateActivationRangeQuantized`).
extension FusedActivation {
    func quantizedRange(scale: Float, zeroPoint: Int32, qmin: Int32, qmax: Int32) -> (min: Int32, max: Int32) {
        func quantize(_ f: Float) -> Int32 {
            let q = Int64(zeroPoint) + Int64(FixedPoint.roundToInt32(f / scale))
            return Int32(clamping: q)
        }
        switch self {
        case .relu: return (max(qmin, quantize(0)), qmax)
        case .relu6: return (max(qmin, quantize(0)), min(qmax, quantize(6)))
        case .reluN1To1: return (max(qmin, quantize(-1)), min(qmax, quantize(1)))
        default: return (qmin, qmax)
        }
    }
}
