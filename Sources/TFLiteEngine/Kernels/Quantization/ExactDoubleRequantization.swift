/// `FixedPoint.multiplyByQuantizedMultiplier(acc, M, shift)` (or its single
/// rounding) for accumulators known at prepare to be small, as one fused
/// multiply-add in doubles, bit-identical to the integer form where `make`
/// accepts the channels.
///
/// With x′ = acc · 2^left, D = 2^(31+r), gemmlowp's rounding doubling high
/// multiply followed by the rounding right shift by r (ties away from zero)
/// is ⌊(x′·M + A) / D⌋ with one addend per sign (nested floors merge):
/// A = 2^30 when r = 0; else 2^30 + 2^(30+r) for x′ ≥ 0 and 2^(30+r) − 2^30
/// for x′ < 0. When |x′·M| + A + 256·D < 2^53 every term is an integer below
/// 2^53 and a power of two apart from D, so
/// `fma(Double(acc), M·2^left / D, A / D + 256)` is that quotient plus 256
/// exactly, and truncating it (`vcvttpd2dq`) is the floor plus 256 wherever
/// the result is above −256: every result that can survive the output
/// offset (−128…127) and the clamp to a byte; lower ones still come out
/// below −128 and clamp the same. Per eight channels that is about half the
/// vector operations of `ChannelRequantization.Tables.scale8`'s 32×32→64-bit
/// products, shifts and sign fix-ups. `scale16` tries the same in floats
/// first, sixteen lanes per instruction, and keeps the doubles for the rare
/// lanes whose float result is not certain.
///
/// The depthwise and integer GEMM kernels bound each channel's accumulator
/// at prepare (`bound`: |bias| plus 128 (depthwise: the input offset is in
/// the bias) or 255 times the sum of the filter's magnitudes); with 9 or 25
/// int8 taps, or a pointwise convolution of a few hundred input channels,
/// that is inside the limit for the usual multipliers.
final class ExactDoubleRequantization: @unchecked Sendable {
    /// Added to every result (see above) unless `make` was given another
    /// (`resultOffset`); the kernels add `zeroPoint − resultOffset`.
    static let offset: Int32 = 256
    /// What `make` added to every result: `offset`, or from 0 to 256.
    let resultOffset: Int32

    /// Per slot (an accumulator lane; the caller chooses the order):
    /// M·2^left / D, then the addends A / D + offset for x ≥ 0 and x < 0.
    private let scales: UnsafeMutablePointer<Double>
    private let positiveAddends: UnsafeMutablePointer<Double>
    private let negativeAddends: UnsafeMutablePointer<Double>
    /// The same three rows in `scale16`'s fixed point, rounded to Float:
    /// the scales times 2^`fractionBits`, the addends times 2^`fractionBits`
    /// plus `floatNudge`.
    private let floatScales: UnsafeMutablePointer<Float>
    private let floatPositiveAddends: UnsafeMutablePointer<Float>
    private let floatNegativeAddends: UnsafeMutablePointer<Float>
    /// Whether `scale16` may try floats: every slot's bound is at most
    /// 2^24, so its accumulators are exact as Float (or its multiplier is
    /// 0, so they do not matter), and its bound times its scale is below
    /// 2^18, so `scale16`'s float results, below 2^30 + 2^21, convert to
    /// Int32. With the usual multipliers (2^30 and up) `make`'s limit keeps
    /// bounds below 2^22; real layers' results stay within a few thousand.
    private(set) var floatsExact = true
    /// 0 where `make` proved every slot's bound; else (`checkedAtRunTime`)
    /// the largest accumulator magnitude every slot takes exactly, in
    /// doubles and in `scale16`'s floats: the caller compares each block
    /// of accumulators with it (`IntegerGEMM.QuadAccumulators.within`) and
    /// takes the integer tables where one is beyond it.
    private(set) var runTimeLimit: Int32 = 0

    private init(count: Int, offset: Int32) {
        resultOffset = offset
        let n = max(count, 1)
        scales = .allocate(capacity: n)
        positiveAddends = .allocate(capacity: n)
        negativeAddends = .allocate(capacity: n)
        floatScales = .allocate(capacity: n)
        floatPositiveAddends = .allocate(capacity: n)
        floatNegativeAddends = .allocate(capacity: n)
        // (Every slot is written by `make`; the zeros are for an empty table.)
        scales.initialize(repeating: 0, count: n)
        positiveAddends.initialize(repeating: 0, count: n)
        negativeAddends.initialize(repeating: 0, count: n)
        floatScales.initialize(repeating: 0, count: n)
        floatPositiveAddends.initialize(repeating: 0, count: n)
        floatNegativeAddends.initialize(repeating: 0, count: n)
    }

    deinit {
        scales.deallocate()
        positiveAddends.deallocate()
        negativeAddends.deallocate()
        floatScales.deallocate()
        floatPositiveAddends.deallocate()
        floatNegativeAddends.deallocate()
    }

    /// The tables for `count` slots, `slot(i)` giving slot i's |accumulator|
    /// bound and its multiplier and shift from `FixedPoint.quantizeMultiplier`;
    /// nil when one of them could leave the exact range (or its left shift
    /// could wrap in Int32). `singleRounding`:
    /// `FixedPoint.multiplyByQuantizedMultiplierSingleRounding`'s one
    /// rounding, ±⌊(|x′·M| + 2^(30+r)) / D⌋: A = 2^(30+r) for x′ ≥ 0 and
    /// 2^(30+r) − 1 for x′ < 0. `offset` (0 to 256): added to every result
    /// in place of 256 (`resultOffset`); the truncation is then the floor
    /// plus `offset` wherever the result is above −`offset`. (One pass, no
    /// array of the slots: this runs for every channel of a model at start-up.)
    ///
    /// `checkedAtRunTime`: the bounds are not used; instead `runTimeLimit`
    /// is the largest |accumulator| that every slot takes exactly (its left
    /// shift inside Int32, the doubles' sum below 2^53, the floats' input
    /// exact and their result inside Int32), nil where that is below
    /// `minimumRunTimeLimit`. The bounds from the filter's magnitudes assume
    /// every input at its extreme against every weight's sign; real layers'
    /// sums stay far inside them (the limit is about 2^22 for the usual
    /// multipliers; a 3×3 or pointwise layer of a few hundred channels
    /// bounds above 2^21, the proof's range).
    static func make(count: Int, singleRounding: Bool = false, offset: Int32 = ExactDoubleRequantization.offset,
                     checkedAtRunTime: Bool = false,
                     _ slot: (Int) -> (bound: Int64, multiplier: Int32, shift: Int)) -> ExactDoubleRequantization? {
        guard offset >= 0 && offset <= Self.offset else { return nil }
        let limit = 0x1p52  // half of 2^53: room for the bound's own rounding
        @inline(__always) func power(_ n: Int) -> Double { Double(Int64(1) << n) }  // n ≤ 62
        let tables = ExactDoubleRequantization(count: count, offset: offset)
        var runTimeLimit = Int64(1) << 24  // accumulators exact as Float
        // ⌊x⌋ − 1 for a positive x, at most 2^40 (x may be far beyond Int64).
        @inline(__always) func below(_ x: Double) -> Int64 { x >= 0x1p40 ? 1 << 40 : Int64(x.rounded(.down)) - 1 }
        for i in 0..<count {
            let s = slot(i)
            let left = max(s.shift, 0), right = max(-s.shift, 0)
            guard s.multiplier >= 0, left <= 31, right <= 31 else { return nil }
            let d = power(31 + right), multiplier = Double(s.multiplier) * power(left)
            if checkedAtRunTime {
                // x·2^left inside Int32, and x·multiplier + d + offset·d below
                // 2^53 itself: the limit is exact here (the whole of 2^53 − (1 +
                // offset)·d, an integer of at most 53 bits, less a multiplier's worth).
                let room = 0x1p53 - d - Double(offset) * d
                guard room > 0 else { return nil }
                runTimeLimit = min(runTimeLimit, Int64(Int32.max) >> left)
                if s.multiplier != 0 { runTimeLimit = min(runTimeLimit, below(room / multiplier)) }
            } else {
                guard s.bound >= 0, Double(s.bound) * power(left) < 0x1p31,
                      Double(s.bound) * multiplier + d + Double(offset) * d < limit else { return nil }
            }
            let inverse = 1 / d, half = power(30)  // exact: powers of two
            let positive = singleRounding ? power(30 + right) : right == 0 ? half : half + power(30 + right)
            let negative = singleRounding ? power(30 + right) - 1 : right == 0 ? half : power(30 + right) - half
            tables.scales[i] = multiplier * inverse
            tables.positiveAddends[i] = positive * inverse + Double(offset)
            tables.negativeAddends[i] = negative * inverse + Double(offset)
            // (Times a power of two and plus a half, the doubles are still exact: one rounding each.)
            tables.floatScales[i] = Float(tables.scales[i] * fractionScale)
            tables.floatPositiveAddends[i] = Float(tables.positiveAddends[i] * fractionScale + floatNudge)
            tables.floatNegativeAddends[i] = Float(tables.negativeAddends[i] * fractionScale + floatNudge)
            // Accumulators exact as Float, and `scale16`'s results (times 4096) far inside Int32.
            if checkedAtRunTime {
                if s.multiplier != 0 { runTimeLimit = min(runTimeLimit, below(0x1p18 / tables.scales[i])) }
            } else if s.bound > 1 << 24 && s.multiplier != 0 || Double(s.bound) * tables.scales[i] >= 0x1p18 {
                tables.floatsExact = false
            }
        }
        if checkedAtRunTime {
            guard runTimeLimit >= minimumRunTimeLimit else { return nil }
            tables.runTimeLimit = Int32(runTimeLimit)
        }
        return tables
    }

    /// The smallest `runTimeLimit` worth a check (below it, most blocks of a
    /// real layer would fail it and pay for both stages).
    static let minimumRunTimeLimit: Int64 = 1 << 16

    /// Slot `slot`'s result plus `offset`, from the scalar formula (tests).
    func scale(_ acc: Int32, _ slot: Int) -> Int32 {
        let x = Double(acc)
        let y = (x < 0 ? negativeAddends[slot] : positiveAddends[slot]).addingProduct(x, scales[slot])
        return Int32(y.rounded(.towardZero))
    }

    /// What to add to `scale8`'s results for the output stage `stage`: its
    /// output offset less `offset`.
    @inline(__always)
    func zeroPoint(_ stage: ChannelRequantization.VectorStage) -> SIMD8<Int32> {
        stage.zeroPoint &- SIMD8(repeating: resultOffset)
    }

    /// `scale16`'s fixed point: its float results carry this many
    /// fraction bits (2^12 = `fractionScale`) …
    static let fractionBits: Int32 = 12
    private static let fractionScale = Double(1 << fractionBits)
    /// … and are half a unit (2^-13) more than the exact result.
    private static let floatNudge = 0.5

    /// Sixteen accumulators of slots `slot..<slot+16` as `scale8` scales
    /// them, where that can change an output byte: first in floats, and
    /// where a lane's float result is not certain, all sixteen in doubles.
    ///
    /// In units of 2^-12 (`fractionBits`), Y = 4096·y + 0.5, y the doubles'
    /// exact result before truncation, and the floats compute
    /// `fma(Float(acc), 4096·scale, 4096·addend + 0.5)`. Float's 24 bits
    /// give that an error below 0.4375 units wherever y is in −1…513 (times a
    /// power of two, the same relative errors as in y): the rounded scale
    /// at most 2^22 · 2^-24 (|acc · scale| < 770 there), the rounded
    /// addend (below 2^21 units) 2^-4, the one rounding (below 2^22 units)
    /// 2^-3. Truncating it (`vcvttps2dq`) to q = 4096n + k (0 ≤ k < 4096)
    /// then puts 4096·y in (q − 0.9375, q + 0.9375): where k ≥ 1, y is in
    /// (n, n + 1), so its truncation is n = q >> 12 (for y ≥ 0; below, only
    /// the clamp matters). Where k is 0 (one lane in 4,096 for evenly spread
    /// fractions; every exact tie), the lane is not certain. (`make` keeps
    /// |Y| below 2^30 + 2^21: no conversion overflows.) Outside −1…513 only
    /// the clamp matters: results from 513 up come out at least 511 and
    /// results below −1 at most 0, which the caller's output offset and
    /// saturating packs (signed after adding zero point − 256, or unsigned
    /// where the tables add 128 + the zero point) and clamp to a byte take
    /// to the same bytes as the doubles' (Int32 results there may differ).
    @inline(__always)
    func scale16(_ acc: SIMD16<Int32>, _ slot: Int) -> SIMD16<Int32> { scale16(acc, floatStage16(slot), slot) }

    /// `scale16`'s float constants for slots `slot..<slot+16`, for a loop
    /// that holds them in registers (read in the loop, they were read again
    /// after every store of the output).
    struct FloatStage16 {
        let scales: SIMD16<Float>, positive: SIMD16<Float>, negative: SIMD16<Float>
        /// `floatsExact`.
        let exact: Bool
        /// A placeholder where a kernel does not take this stage.
        static let unused = FloatStage16(scales: SIMD16(), positive: SIMD16(), negative: SIMD16(), exact: false)
    }

    @inline(__always)
    func floatStage16(_ slot: Int) -> FloatStage16 {
        FloatStage16(scales: UnsafeRawPointer(floatScales + slot).loadUnaligned(as: SIMD16<Float>.self),
                     positive: UnsafeRawPointer(floatPositiveAddends + slot).loadUnaligned(as: SIMD16<Float>.self),
                     negative: UnsafeRawPointer(floatNegativeAddends + slot).loadUnaligned(as: SIMD16<Float>.self), exact: floatsExact)
    }

    /// `scale16` with slots `slot..<slot+16`'s float constants given (`floatStage16(slot)`).
    @inline(__always)
    func scale16(_ acc: SIMD16<Int32>, _ floats: FloatStage16, _ slot: Int) -> SIMD16<Int32> {
        if floats.exact {
            let (r, certain) = IntegerSIMD.fixedPointMultiplyAdd(acc, floats.scales, floats.positive, floats.negative,
                                                                 fractionBits: Self.fractionBits)
            if certain { return r }
        }
        return SIMD16(lowHalf: scale8(acc.lowHalf, slot), highHalf: scale8(acc.highHalf, slot &+ 8))
    }

    /// Eight accumulators of slots `slot..<slot+8` held as floats, scaled
    /// as `scale8` scales them where `floatsExact`: `scale16`'s float
    /// arithmetic without the conversion in, for kernels that sum in floats
    /// (every partial sum an integer of magnitude at most the slot's bound,
    /// so exact). Returns the results plus `offset`, and all ones in the
    /// lanes that are not certain, where the caller takes `scale8` of the
    /// accumulators instead.
    @inline(__always)
    func scale8(floats acc: SIMD8<Float>, _ slot: Int) -> (SIMD8<Int32>, uncertain: SIMD8<Int32>) {
        IntegerSIMD.fixedPointMultiplyAdd(
            floats: acc, UnsafeRawPointer(floatScales + slot).loadUnaligned(as: SIMD8<Float>.self),
            UnsafeRawPointer(floatPositiveAddends + slot).loadUnaligned(as: SIMD8<Float>.self),
            UnsafeRawPointer(floatNegativeAddends + slot).loadUnaligned(as: SIMD8<Float>.self), fractionBits: Self.fractionBits)
    }

    /// Eight accumulators of slots `slot..<slot+8`, scaled, plus `offset`.
    @inline(__always)
    func scale8(_ acc: SIMD8<Int32>, _ slot: Int) -> SIMD8<Int32> {
        IntegerSIMD.exactMultiplyAdd(acc, UnsafeRawPointer(scales + slot).loadUnaligned(as: SIMD8<Double>.self),
                                     UnsafeRawPointer(positiveAddends + slot).loadUnaligned(as: SIMD8<Double>.self),
                                     UnsafeRawPointer(negativeAddends + slot).loadUnaligned(as: SIMD8<Double>.self))
    }
}
