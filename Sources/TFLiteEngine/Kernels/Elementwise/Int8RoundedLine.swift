/// An int8 ADD or SUB as the real line α·x + β·y + γ, rounded and
/// clamped, with a proven bound on how far the exact arithmetic's value
/// lies from the line: sixteen elements a step in about 15 vector
/// instructions (two conversions, two fused multiply-adds, the rounding,
/// the clamp, the narrowing), where the exact arithmetic takes about 50
/// per eight elements and the pair table's lookups three or four per
/// element. (The clamp on the narrowed bytes, the constants splat from
/// scalars and one test of all margins: a 14×14×256 ADD 0.0174 → 0.0149
/// ms, 56×56×256 0.264 → 0.224, on a Zen 3 in the `avx2` flavour. A
/// margin from the squared distance, one fused multiply-add, was slower:
/// 0.0169.)
///
/// TFLite's ADD rescales each input ((v + offset) · 2^20, then a
/// fixed-point multiply and a rounding right shift), adds (SUB: subtracts)
/// the two, and rescales the sum the same way; the result is the last
/// rounding's integer plus the output offset, clamped. Without its
/// roundings that is the line, with α, β, γ from the multipliers, shifts
/// and offsets. Each rounding moves the value by at most half a unit of
/// its stage, so before the last rounding the exact value W and the line
/// L (in output units) differ by at most
///
///     (ε₁ + ε₂) · S + ½ · 2^−e,   εᵢ = ½ + ½ · 2^−eᵢ,
///
/// where S is the output stage's factor (multiplier · 2^−31−e), e its
/// right shift and eᵢ the inputs' right shifts (a rounding doubling high
/// multiply, then a rounding right shift). Computing L in float32 adds at
/// most the coefficients' own rounding errors (times 128 for α and β) and
/// half a unit in the last place of each fused multiply-add's largest
/// result. `edge` keeps twice the sum of both bounds away from every
/// rounding boundary (a half-integer): a value
/// farther from the boundaries than that rounds to the same integer as W,
/// so the line's result is the exact one; a step with any lane nearer
/// computes the exact arithmetic instead (the callers' fallback). Half-way
/// cases (the exact rounding goes away from zero, the line's to even) are
/// on a boundary, so they never take the line's result.
///
/// For the quantizations of real models the bound is below 10^−4 of an
/// output unit (6–8 · 10^−5 for ResNet-50 int8's ADDs), so a step falls
/// back with a probability of a few in a thousand. nil when a right shift
/// is negative (a left shift can wrap in Int32, which the line does not),
/// when the line reaches past 2^20 (the rounding below needs magnitudes
/// under 2^21), when the bound is not small, or when more than one step
/// in four of a sample of pairs would
/// fall back (coefficients that put many values near boundaries: up to
/// that share, the line with its fallbacks still takes fewer instructions
/// than the table's lookups). The sample does not count lanes whose
/// rounded value the clamp changed: the two roundings differ by at most
/// one, and the clamp gives both the bound. (The loops do count them,
/// which saves a comparison a step: a clamped lane is near no more often
/// than another, so for real models' quantizations that costs nothing.)
struct Int8RoundedLine {
    /// α, β and γ's fraction (γ − round(γ)): the line's values are
    /// computed without γ's integer part, which `magic` adds to the
    /// rounded result, so their magnitudes (and rounding errors) stay small.
    /// (Scalars, splat in the loops: held as sixteen lanes, the constants
    /// took two registers each on eight-lane CPUs and were reloaded from
    /// the stack at every step.)
    let alpha: Float, beta: Float, gamma: Float
    /// The activation's bounds (within −128…127).
    let low: Int8, high: Int8
    /// A value is near a rounding boundary where its distance from an
    /// integer (|v − round(v)|, at most 1/2) is at least the float whose
    /// bits are these: the float after the largest distance the bound
    /// allows. Its step falls back.
    let edge: Int32
    /// 1.5 · 2^23 + round(γ): a value v below 2^21 in magnitude plus this
    /// is rounded to an integer in [2^23, 2^24), whose bits are those of
    /// 1.5 · 2^23 (`magicBits`) plus round(v) + round(γ).
    let magic: Float
    static let magicBits: Int32 = 0x4B40_0000

    /// The line of an ADD / SUB whose input rescales multiply by
    /// `factor1`, `factor2` (multiplier · 2^shift / 2^31, after the left
    /// shift `leftShift`) with right shifts `rightShift1`, `rightShift2`,
    /// and whose output stage multiplies by `outputFactor` with right shift
    /// `outputRightShift`; offsets are the zero points' negations (the
    /// output offset is added after the rounding).
    init?(leftShift: Int, factor1: Double, rightShift1: Int, offset1: Int32, factor2: Double, rightShift2: Int, offset2: Int32,
          outputFactor: Double, outputRightShift: Int, outputOffset: Int32, activation: (min: Int32, max: Int32), subtract: Bool) {
        guard rightShift1 >= 0, rightShift2 >= 0, outputRightShift >= 0, (0...30).contains(leftShift),
              activation.min <= activation.max, activation.min >= -128, activation.max <= 127 else { return nil }
        let power = Double(sign: .plus, exponent: leftShift, significand: 1)
        let alpha = factor1 * power * outputFactor
        let beta = (subtract ? -1 : 1) * factor2 * power * outputFactor
        let gamma = Double(outputOffset) + alpha * Double(offset1) + beta * Double(offset2)
        let reach = 128 * (abs(alpha) + abs(beta)) + abs(gamma)
        guard reach.isFinite, reach < 0x1p20 else { return nil }
        let whole = gamma.rounded(), fraction = gamma - whole
        func inputError(_ shift: Int) -> Double { 0.5 + 0.5 * Double(sign: .plus, exponent: -shift, significand: 1) }
        let fixedPoint = (inputError(rightShift1) + inputError(rightShift2)) * abs(outputFactor)
            + (outputRightShift > 0 ? 0.5 * Double(sign: .plus, exponent: -outputRightShift, significand: 1) : 0)
        // In float32: the coefficients' own rounding (|x|, |y| ≤ 128), then
        // half a unit in the last place of the largest value each fused
        // multiply-add can round (β·y + γ, then α·x + that).
        let a = Float(alpha), b = Float(beta), g = Float(fraction)
        let coefficients = 128 * abs(Double(a) - alpha) + 128 * abs(Double(b) - beta) + abs(Double(g) - fraction)
        func halfUnit(_ magnitude: Double) -> Double { Double(Float(magnitude).nextUp.ulp) / 2 }
        let inner = 128 * abs(Double(b)) + abs(Double(g)), outer = 128 * abs(Double(a)) + inner
        let floatError = coefficients + halfUnit(inner) + halfUnit(outer) + 0x1p-40
        // Twice both bounds: a margin for what the analysis might miss.
        let bound = 2 * (fixedPoint + floatError)
        guard bound.isFinite, bound < 0.125 else { return nil }
        self.alpha = a
        self.beta = b
        self.gamma = g
        magic = Float(12_582_912 + whole)
        low = Int8(activation.min)
        high = Int8(activation.max)
        // Past the largest float at most 1/2 − bound.
        var limit = Float(0.5 - bound)
        if Double(limit) > 0.5 - bound { limit = limit.nextDown }
        edge = Int32(bitPattern: limit.bitPattern) &+ 1
        // Sixteen rows x of the 256, each against all 256 y.
        let lanes = SIMD16<Int8>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        var near = 0
        for row in 0..<16 {
            let xs = SIMD16<Int8>(repeating: Int8(truncatingIfNeeded: row &* 17 &- 128))
            for group in 0..<16
            where nearLane(values(xs, lanes &+ SIMD16(repeating: Int8(truncatingIfNeeded: group &* 16 &- 128)), clampedAreNear: false).1) {
                near &+= 1
            }
        }
        guard near <= 256 / 4 else { return nil }
    }

    /// The rounded, clamped results for sixteen pairs and each value's
    /// margin: the bits of its distance from the nearest integer (positive
    /// floats order as their bits do) less `edge`, negative where the value
    /// is far enough from a rounding boundary (with `clampedAreNear` false,
    /// −1 where the clamp changed the value).
    @inline(__always)
    func values(_ x: SIMD16<Int8>, _ y: SIMD16<Int8>, clampedAreNear: Bool = true) -> (SIMD16<UInt8>, margins: SIMD16<Int32>) {
        let magic = SIMD16<Float>(repeating: magic)
        let value = IntegerSIMD.fusedMultiplyAdd(IntegerSIMD.floats(x), SIMD16(repeating: alpha),
                                                 IntegerSIMD.fusedMultiplyAdd(IntegerSIMD.floats(y), SIMD16(repeating: beta),
                                                                              SIMD16(repeating: gamma)))
        let rounded = value + magic
        let distances = unsafeBitCast(value - (rounded - magic), to: SIMD16<Int32>.self) & SIMD16(repeating: 0x7FFF_FFFF)
        let margins = distances &- SIMD16(repeating: edge)
        let n = unsafeBitCast(rounded, to: SIMD16<Int32>.self) &- SIMD16(repeating: Self.magicBits)
        let results = unsafeBitCast(IntegerSIMD.narrowClamped(n, SIMD16(repeating: low), SIMD16(repeating: high)), to: SIMD16<UInt8>.self)
        guard clampedAreNear else {
            // A lane the clamp changed is decided by it (see `edge`): never
            // near. Its margin becomes −1 by the sign bits of high − n and
            // n − low (|n| < 2^21: no wrap), one of them negative exactly
            // there. (`replacing(with:where:)` went lane by lane through
            // the stack: half of a second int8 MobileNetV2 interpreter's
            // start-up was this check, in its ten ADDs.)
            let clamped = ((SIMD16(repeating: Int32(high)) &- n) | (n &- SIMD16(repeating: Int32(low)))) &>> 31
            return (results, margins | clamped)
        }
        return (results, margins)
    }

    /// `values` on the 64 pairs at byte offset `i` of `a` and `b` (four
    /// steps), whether any of their values is near a rounding boundary, and
    /// (called only then) which: bit k for pair k. For the flavours with
    /// 64-byte packs (`IntegerSIMD.hasWideBytePacks`).
    /// The results are `values`' bits: each value is rounded to an integer
    /// (ties to even, as adding `magic` rounds it), the distances are the
    /// same exact differences, and γ's integer part is added to the
    /// integers. The four steps' integers are then narrowed together
    /// (two `vpackssdw`, one `vpacksswb`, one `vpermd`; the saturation is
    /// the clamp to −128…127), clamped as bytes once and stored at once.
    /// (One-op 35×35×320 ADD on a Zen 5: `values`' steps of sixteen, each
    /// narrowed and clamped on its own, 0.0420 ms; this with the magic
    /// add, which the compiler split into two 256-bit halves, 0.0389;
    /// this, 0.0278; XNNPACK 0.0309.)
    @inline(__always)
    func fourSteps(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ i: Int) -> (SIMD64<UInt8>, near: Bool, nearLanes: () -> UInt64) {
        let alpha = SIMD16<Float>(repeating: alpha), beta = SIMD16<Float>(repeating: beta), gamma = SIMD16<Float>(repeating: gamma)
        let whole = SIMD16<Int32>(repeating: Int32(magic - 12_582_912)), sign = SIMD16<Int32>(repeating: 0x7FFF_FFFF)
        @inline(__always) func step(_ k: Int) -> (SIMD16<Int32>, distances: SIMD16<Int32>) {
            let x = a.loadUnaligned(fromByteOffset: i &+ 16 &* k, as: SIMD16<Int8>.self)
            let y = b.loadUnaligned(fromByteOffset: i &+ 16 &* k, as: SIMD16<Int8>.self)
            let value = IntegerSIMD.fusedMultiplyAdd(IntegerSIMD.floats(x), alpha,
                                                     IntegerSIMD.fusedMultiplyAdd(IntegerSIMD.floats(y), beta, gamma))
            let rounded = IntegerSIMD.roundedToEven(value)
            return (IntegerSIMD.integers(rounded) &+ whole, unsafeBitCast(value - rounded, to: SIMD16<Int32>.self) & sign)
        }
        let (n0, d0) = step(0), (n1, d1) = step(1), (n2, d2) = step(2), (n3, d3) = step(3)
        let edge = SIMD16<Int32>(repeating: edge)
        let near = IntegerSIMD.anyAtLeast(d0, d1, d2, d3, edge)
        func nearLanes() -> UInt64 {
            UInt64(IntegerSIMD.lanesAtLeast(d0, edge)) | UInt64(IntegerSIMD.lanesAtLeast(d1, edge)) &<< 16
                | UInt64(IntegerSIMD.lanesAtLeast(d2, edge)) &<< 32 | UInt64(IntegerSIMD.lanesAtLeast(d3, edge)) &<< 48
        }
        let bytes = IntegerSIMD.permute(IntegerSIMD.packSaturatingSigned(IntegerSIMD.packSaturating(n0, n1), IntegerSIMD.packSaturating(n2, n3)),
                                        ChannelRequantization.VectorStage.vectorOrder)
        return (IntegerSIMD.clampSigned(bytes, SIMD64(repeating: UInt8(bitPattern: low)), SIMD64(repeating: UInt8(bitPattern: high))), near,
                nearLanes)
    }

    /// Whether a lane's value is near a boundary (its margin is not negative).
    @inline(__always)
    func nearLane(_ margins: SIMD16<Int32>) -> Bool { !IntegerSIMD.allNegative(margins) }
}
