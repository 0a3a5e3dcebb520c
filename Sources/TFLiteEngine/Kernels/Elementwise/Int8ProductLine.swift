/// An int8 MUL as a line over the product of its offset inputs, rounded
/// and clamped, checked at start-up against the exact arithmetic for every
/// product the inputs can make: sixteen elements a step in about 16 vector
/// instructions, where the pair table (`Int8PairTable`) takes three or four
/// a byte (ConvNeXt-Tiny int8's layer-norm MULs of two full tensors ran at
/// about 6 G elements/s on it, Zen 4) and the eight-lane exact arithmetic
/// about 50 per eight. Spans where each operand advances by one element or
/// stays put (same shapes, a row or a scalar broadcast).
///
/// TFLite's int8 MUL is `MultiplyByQuantizedMultiplier(p, M, shift)` plus
/// the output offset, clamped, for the product p = (x + offset₁)(y + offset₂)
/// (|p| ≤ 255²). With y = p · 2^l · M / 2^31 (l the left shift), the rounding
/// doubling high multiply is ⌊y + ½⌋ for either sign of p, and the rounding
/// right shift by e ≥ 1 rounds halves away from zero: for a non-negative
/// result that is ⌊(v + 2^(e−1)) / 2^e⌋, for a negative one
/// ⌊(v + 2^(e−1) − 1) / 2^e⌋. Floors of floors by a power of two compose, so
/// the result is ⌊p · α + β⌋ with α = 2^l · M / 2^(31+e) and β = (½ + 2^(e−1))
/// / 2^e where p ≥ 0, β − 2^−e where p < 0 (the two agree where
/// −½ ≤ y < 0); for e = 0, β = ½ for both.
///
/// The line runs in float32: p is exact (both factors are integers under
/// 2^9), and one fused multiply-add gives p · α + β − ½, which the
/// round-to-nearest of adding 1.5 · 2^23 takes to ⌊p · α + β⌋ unless it
/// falls on a tie. α and β are rounded to float32, so rather than bound
/// the error, `init` compares the line with the exact arithmetic
/// (`UniformRequantization`, the pair table's and the eight-lane kernel's
/// output stage) over every integer between the smallest and the largest
/// product, at the two ends of each run of products with one result (both
/// are monotone): first in floats; where up to `maximumCorrections`
/// products differ, the line in floats with those products' results put
/// back (`Mode.corrected`); else in doubles (`Mode.doubles`); nil, and the
/// node keeps its pair table or eight-lane arithmetic, if that differs
/// too. Only the integer flavours make one (the exact stage and the
/// conversions are their vector instructions).
struct Int8ProductLine {
    /// Off in tests that run the pair table instead (read at `bind`; part of the shared constants' key).
    nonisolated(unsafe) static var enabled = true

    let offset1: SIMD16<Float>, offset2: SIMD16<Float>
    let alpha: SIMD16<Float>
    /// How the line computes (a constant in each loop: tested per step,
    /// the other MULs' lines ran a third slower).
    enum Mode {
        /// In floats.
        case floats
        /// In floats, then the results of the products in `corrections`
        /// (at most `maximumCorrections`) replaced by the exact ones. A
        /// product compares in two instructions a step, where the line in
        /// doubles takes about twice the float line's time.
        /// ConvNeXt-Tiny int8's MUL 733 (multiplier 1824997014, shift −7,
        /// offsets −25 and 128): in float32, products ±10618 land within
        /// 2 · 10^−6 of a boundary, under half a unit in the last place.
        /// On its pair table it took 0.0177 ms, in doubles 0.0062, with its
        /// two products put right 0.0048 (Zen 5).
        case corrected
        /// In doubles (`doubleAlpha` …): p · α is exact there (47
        /// significant bits at most) and adding β − ½ rounds once, at 2^−32
        /// of an output unit or finer (the check in `init` still decides).
        case doubles
    }
    private(set) var mode = Mode.floats
    /// The most products `Mode.corrected` puts right (tests lower it).
    nonisolated(unsafe) static var maximumCorrections = 2
    /// `Mode.corrected`'s products (NaN where unused, equal to none) and
    /// their exact rounded values with the output offset, each splatted.
    private(set) var corrections = (products: (SIMD16<Float>(repeating: .nan), SIMD16<Float>(repeating: .nan)),
                                    values: (SIMD16<Int32>.zero, SIMD16<Int32>.zero))
    /// α, β − ½, 2^−e and 1.5 · 2^52 + the output offset, in doubles.
    let doubleAlpha: SIMD8<Double>, doubleBeta: SIMD8<Double>, doubleStep: SIMD8<Double>, doubleMagic: SIMD8<Double>
    /// β − ½ for a non-negative product; a negative one subtracts `negativeStep`.
    let beta: SIMD16<Float>
    /// The bits of 2^−e (0 when e = 0), masked in where a product is negative.
    let negativeStep: SIMD16<Int32>
    /// 1.5 · 2^23 + the output offset (see `Int8RoundedLine.magic`).
    let magic: SIMD16<Float>
    let low: SIMD16<Int32>, high: SIMD16<Int32>

    /// The line of an int8 MUL with TFLite's `multiplier` and `shift`, input
    /// offsets (the zero points' negations) and output offset, or nil where
    /// it differs from `exact` (the output bytes of eight products) for some
    /// product the inputs can make.
    init?(multiplier: Int32, shift: Int, offset1: Int32, offset2: Int32, outputOffset: Int32, activation: (min: Int32, max: Int32),
          exact: (SIMD8<Int32>) -> SIMD8<UInt8>) {
        guard multiplier > 0, (-31...30).contains(shift), activation.min <= activation.max,
              (-255...255).contains(offset1), (-255...255).contains(offset2), (-255...255).contains(outputOffset) else { return nil }
        let left = max(shift, 0), right = max(-shift, 0)
        let alpha = Double(multiplier) * Double(sign: .plus, exponent: left - 31 - right, significand: 1)
        // The products' range: the extremes of (x + offset₁)(y + offset₂).
        let ends1 = [-128 + Int(offset1), 127 + Int(offset1)], ends2 = [-128 + Int(offset2), 127 + Int(offset2)]
        let corners = ends1.flatMap { u in ends2.map { u &* $0 } }
        guard let smallest = corners.min(), let largest = corners.max(),
              Double(max(-smallest, largest)) * alpha < 0x1p20 else { return nil }
        let step = right == 0 ? 0 : Double(sign: .plus, exponent: -right, significand: 1)
        let beta = right == 0 ? 0.5 : (0.5 + Double(sign: .plus, exponent: right - 1, significand: 1)) * step
        self.offset1 = SIMD16(repeating: Float(offset1))
        self.offset2 = SIMD16(repeating: Float(offset2))
        self.alpha = SIMD16(repeating: Float(alpha))
        doubleAlpha = SIMD8(repeating: alpha)
        doubleBeta = SIMD8(repeating: beta - 0.5)
        doubleStep = SIMD8(repeating: step)
        doubleMagic = SIMD8(repeating: 6_755_399_441_055_744 + Double(outputOffset))
        self.beta = SIMD16(repeating: Float(beta - 0.5))
        negativeStep = SIMD16(repeating: Int32(bitPattern: Float(step).bitPattern))
        magic = SIMD16(repeating: Float(12_582_912 + Int(outputOffset)))
        low = SIMD16(repeating: activation.min)
        high = SIMD16(repeating: activation.max)
        let limit = min(max(Self.maximumCorrections, 0), 2)
        if let misses = disagreements(smallest: smallest, largest: largest, exact: exact, limit: limit) {
            guard let first = misses.first else { return }
            let last = misses.last ?? first
            func value(_ p: Int) -> SIMD16<Int32> { SIMD16(repeating: Int32(Int8(bitPattern: exact(SIMD8(repeating: Int32(p)))[0]))) }
            corrections = ((SIMD16(repeating: Float(first)), SIMD16(repeating: Float(last))), (value(first), value(last)))
            mode = .corrected
            if disagreements(smallest: smallest, largest: largest, exact: exact, limit: 0)?.isEmpty == true { return }
        }
        mode = .doubles
        guard disagreements(smallest: smallest, largest: largest, exact: exact, limit: 0)?.isEmpty == true else { return nil }
    }

    /// The products from `smallest` to `largest` where the line in `mode`
    /// does not give `exact`'s bytes, or nil where there are more than `limit`.
    private func disagreements(smallest: Int, largest: Int, exact: (SIMD8<Int32>) -> SIMD8<UInt8>, limit: Int) -> [Int]? {
        // Both are non-decreasing in the product on either side of zero: the
        // line is one fused multiply-add with a fixed intercept, then
        // roundings and a clamp; TFLite's stage is ⌊(p · 2^l · M + 2^30) / 2^31⌋
        // (`Int8AddStage`'s note), a rounding shift, the offset and a clamp.
        // So they agree on a run of products where they agree at its first
        // and last with one value: for each value the line takes, the first
        // and last product that give it (a binary search) are checked, and
        // only a run where either differs is checked product by product.
        func line(_ p: Int) -> UInt8 { bytes(products: SIMD16(repeating: Float(p)))[0] }
        func stage(_ p: Int) -> UInt8 { exact(SIMD8(repeating: Int32(p)))[0] }
        var misses: [Int] = []
        for (first, last) in [(smallest, min(largest, -1)), (max(smallest, 0), largest)] where first <= last {
            var p = first
            while p <= last {
                let value = line(p)
                var low = p, high = last  // line(low) == value
                while low < high {
                    let middle = low &+ (high &- low &+ 1) / 2
                    if line(middle) == value { low = middle } else { high = middle &- 1 }
                }
                if stage(p) != value || stage(low) != value {
                    for q in p...low where stage(q) != value {
                        guard misses.count < limit else { return nil }
                        misses.append(q)
                    }
                }
                p = low &+ 1
            }
        }
        // A zero product of a negative factor is −0 in the kernel's lanes
        // (a correction of product 0 compares equal to it too).
        if bytes(products: SIMD16(repeating: -0.0))[0] != stage(0) && !misses.contains(0) {
            guard misses.count < limit else { return nil }
            misses.append(0)
        }
        return misses
    }

    /// The output bytes of sixteen products (exact integers in float32) by the line in its `mode` (`disagreements`).
    private func bytes(products p: SIMD16<Float>) -> SIMD16<UInt8> {
        switch mode {
        case .floats: bytes(products: p, mode: .floats)
        case .corrected: bytes(products: p, mode: .corrected)
        case .doubles: bytes(products: p, mode: .doubles)
        }
    }

    /// The output bytes of sixteen products (exact integers in float32) in
    /// `mode` (a constant in each loop).
    @inline(__always)
    private func bytes(products p: SIMD16<Float>, mode: Mode) -> SIMD16<UInt8> {
        // −2^−e in the lanes of negative products: their sign bit spread over the lane, masking the step's bits.
        let sign = unsafeBitCast(p, to: SIMD16<Int32>.self) &>> 31
        let shift = unsafeBitCast(sign & negativeStep, to: SIMD16<Float>.self)
        if mode == .doubles { return IntegerSIMD.truncate(IntegerSIMD.clamp(roundedInDoubles(sign: sign, products: p), low, high)) }
        let value = IntegerSIMD.fusedMultiplyAdd(p, alpha, beta - shift)
        var rounded = unsafeBitCast(value + magic, to: SIMD16<Int32>.self) &- SIMD16(repeating: Int8RoundedLine.magicBits)
        if mode == .corrected {
            rounded.replace(with: corrections.values.0, where: p .== corrections.products.0)
            rounded.replace(with: corrections.values.1, where: p .== corrections.products.1)
        }
        return IntegerSIMD.truncate(IntegerSIMD.clamp(rounded, low, high))
    }

    /// `bytes`' rounded values (before the clamp) in doubles, eight lanes at
    /// a time: the negative products' step masked in by their sign lanes
    /// `sign` widened to 64 bits, 1.5 · 2^52 added, whose low 32 bits are
    /// then the rounded value plus the output offset.
    @inline(__always)
    private func roundedInDoubles(sign: SIMD16<Int32>, products p: SIMD16<Float>) -> SIMD16<Int32> {
        let (signs0, signs1) = IntegerSIMD.halves(sign)
        let (bits0, bits1) = IntegerSIMD.halves(unsafeBitCast(p, to: SIMD16<Int32>.self))
        @inline(__always) func half(_ signs: SIMD8<Int32>, _ bits: SIMD8<Int32>) -> SIMD8<Int32> {
            let step = unsafeBitCast(IntegerSIMD.signExtended(signs) & unsafeBitCast(doubleStep, to: SIMD8<Int64>.self), to: SIMD8<Double>.self)
            let value = IntegerSIMD.fusedMultiplyAdd(IntegerSIMD.doubles(unsafeBitCast(bits, to: SIMD8<Float>.self)), doubleAlpha,
                                                     doubleBeta - step)
            return unsafeBitCast(IntegerSIMD.truncate(unsafeBitCast(value + doubleMagic, to: SIMD8<UInt64>.self)), to: SIMD8<Int32>.self)
        }
        return IntegerSIMD.joined(half(signs0, bits0), half(signs1, bits1))
    }

    /// The output bytes of sixteen pairs of inputs.
    @inline(__always)
    private func callAsFunction(_ x: SIMD16<Int8>, _ y: SIMD16<Int8>, mode: Mode) -> SIMD16<UInt8> {
        bytes(products: (IntegerSIMD.floats(x) + offset1) * (IntegerSIMD.floats(y) + offset2), mode: mode)
    }

    /// `output[i]` for inputs `a[i · strideA]`, `b[i · strideB]` (strides 0
    /// or 1), sixteen a step; the last one to fifteen in one more step, from
    /// and to lanes filled one by one (the output may be an input's memory,
    /// so a step overlapping the one before could read results).
    @inline(never)
    func apply(_ a: UnsafeRawPointer, _ strideA: Int, _ b: UnsafeRawPointer, _ strideB: Int, _ output: UnsafeMutableRawPointer,
               count: Int) {
        // (Each mode as a type: as a value, the six calls did not all inline
        // and the floats' loop tested the mode every step, a quarter slower.)
        switch (strideA == 1 && strideB == 1, mode) {
        case (true, .floats): steps(a, 1, b, 1, output, count: count, LineInFloats.self)
        case (false, .floats): steps(a, strideA, b, strideB, output, count: count, LineInFloats.self)
        case (true, .corrected): steps(a, 1, b, 1, output, count: count, CorrectedLine.self)
        case (false, .corrected): steps(a, strideA, b, strideB, output, count: count, CorrectedLine.self)
        case (true, .doubles): steps(a, 1, b, 1, output, count: count, LineInDoubles.self)
        case (false, .doubles): steps(a, strideA, b, strideB, output, count: count, LineInDoubles.self)
        }
    }

    /// The loop of `apply`; same shapes, and each mode, a loop of their own.
    @inline(__always)
    private func steps<M: ProductLineMode>(_ a: UnsafeRawPointer, _ strideA: Int, _ b: UnsafeRawPointer, _ strideB: Int,
                                           _ output: UnsafeMutableRawPointer, count: Int, _: M.Type) {
        let mode = M.mode
        guard count > 0 else { return }
        let splatA = SIMD16<Int8>(repeating: a.load(as: Int8.self)), splatB = SIMD16<Int8>(repeating: b.load(as: Int8.self))
        var i = 0
        while i &+ 16 <= count {
            let x = strideA == 0 ? splatA : a.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self)
            let y = strideB == 0 ? splatB : b.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self)
            output.storeBytes(of: self(x, y, mode: mode), toByteOffset: i, as: SIMD16<UInt8>.self)
            i &+= 16
        }
        guard i < count else { return }
        var x = splatA, y = splatB
        for k in 0..<count &- i {
            if strideA == 1 { x[k] = a.load(fromByteOffset: i &+ k, as: Int8.self) }
            if strideB == 1 { y[k] = b.load(fromByteOffset: i &+ k, as: Int8.self) }
        }
        let results = self(x, y, mode: mode)
        for k in 0..<count &- i { output.storeBytes(of: results[k], toByteOffset: i &+ k, as: UInt8.self) }
    }
}

/// `Int8ProductLine.Mode` as a type, so each mode's loop is a function of its own.
protocol ProductLineMode {
    static var mode: Int8ProductLine.Mode { get }
}

/// `Int8ProductLine.Mode.floats`.
enum LineInFloats: ProductLineMode {
    static var mode: Int8ProductLine.Mode { .floats }
}

/// `Int8ProductLine.Mode.corrected`.
enum CorrectedLine: ProductLineMode {
    static var mode: Int8ProductLine.Mode { .corrected }
}

/// `Int8ProductLine.Mode.doubles`.
enum LineInDoubles: ProductLineMode {
    static var mode: Int8ProductLine.Mode { .doubles }
}
