/// Int8 ADD on same-shape inputs (no broadcasting): the arithmetic of
/// `QuantizedBinaryKernel`'s `.add` case (TFLite's `reference_integer_ops::Add`)
/// written as one branch-free loop over memory that the optimiser
/// vectorises, with `ChannelRequantization.Tables.scale` (bit-identical to
/// `FixedPoint.multiplyByQuantizedMultiplier`, which for a shift ≤ 0 is
/// `multiplyByQuantizedMultiplierSmallerThanOne`). In the integer-multiply-add
/// flavours (`IntegerSIMD.isNative`) eight elements per step run the same
/// arithmetic explicitly on vectors (`UniformRequantization`: the scalar loop
/// stayed scalar, 64-bit products and all), the rest one by one. The two
/// input stages run in 32-bit lanes (`Int8InputRescale`, same bits) whenever
/// the zero points and shifts allow, which they do for valid int8 models;
/// the 64-bit stages remain for the rest. In those flavours an operation
/// with a rounded line (`Int8RoundedLine`: nearly all) computes sixteen
/// elements a step by the line (64 with 64-byte packs), whatever its size,
/// and the exact arithmetic only near a rounding boundary; without one, large
/// operations read a pair table (`Int8PairTable`).
/// Tiles are blocks of `QuantizedBinaryKernel.blockSize` elements, like the
/// reference kernel's.
final class ElementwiseAddInt8: Kernel {
    let count: Int
    let leftShift: Int32
    let offset1: Int32, offset2: Int32, outputOffset: Int32
    /// +1 (ADD) or −1 (SUB: the rescaled second input is subtracted).
    let sign2: Int32
    /// Entries 0 and 1 rescale the inputs, entry 2 the sum.
    let scales: ChannelRequantization.Tables
    /// The same three stages for eight lanes at a time.
    let scale1: UniformRequantization, scale2: UniformRequantization, scaleOutput: UniformRequantization
    /// The whole operation with both input stages in 32-bit arithmetic
    /// (`Int8AddStage`), when the shifts and zero points allow it (always,
    /// for valid int8 models).
    let stage: Int8AddStage?
    /// `stage`'s results for every pair of inputs, for large operations in
    /// the integer flavours (`Int8PairTable`) whose stage has no rounded
    /// line (with one, runs compute the line, `Int8AddStage.applyRoundedLine`).
    let pairTable: Int8PairTable?
    let activationMin: Int32, activationMax: Int32
    /// The same operation in `QuantizedBinaryKernel`'s terms (the pair
    /// table's key; its one-by-one path is the tests' reference).
    let arithmetic: QuantizedBinaryArithmetic
    let aIndex: Int, bIndex: Int, outputIndex: Int
    var a: UnsafePointer<Int8>!
    var b: UnsafePointer<Int8>!
    var output: UnsafeMutablePointer<Int8>!

    /// Shifts are TFLite's exponents (≤ 0, from `quantizeMultiplierSmallerThanOne`).
    init(ctx: PrepareContext, count: Int, leftShift: Int, multiplier1: Int32, shift1: Int, multiplier2: Int32, shift2: Int,
         outputMultiplier: Int32, outputShift: Int, offset1: Int32, offset2: Int32, outputOffset: Int32,
         activation: (min: Int32, max: Int32), subtract: Bool = false) {
        self.count = count
        sign2 = subtract ? -1 : 1
        arithmetic = .add(leftShift: leftShift, multiplier1: multiplier1, shift1: shift1, multiplier2: multiplier2, shift2: shift2,
                          outputMultiplier: outputMultiplier, outputShift: outputShift, subtract: subtract)
        self.leftShift = Int32(leftShift)
        scales = ChannelRequantization.Tables(count: 3)
        scales.set(0, multiplier: multiplier1, shift: shift1)
        scales.set(1, multiplier: multiplier2, shift: shift2)
        scales.set(2, multiplier: outputMultiplier, shift: outputShift)
        scale1 = UniformRequantization(multiplier: multiplier1, shift: shift1)
        scale2 = UniformRequantization(multiplier: multiplier2, shift: shift2)
        scaleOutput = UniformRequantization(multiplier: outputMultiplier, shift: outputShift)
        stage = Int8AddStage(leftShift: leftShift, multiplier1: multiplier1, shift1: shift1, offset1: offset1,
                             multiplier2: multiplier2, shift2: shift2, offset2: offset2, outputMultiplier: outputMultiplier,
                             outputShift: outputShift, outputOffset: outputOffset, activation: activation, subtract: subtract)
        // With a rounded line no table: the line computes what the table holds.
        if let stage, IntegerSIMD.isNative, stage.line == nil, Int8PairTable.applies(elementCount: count) {
            let key = Int8PairTable.key(arithmetic, offset1: offset1, offset2: offset2, outputOffset: outputOffset, activation: activation)
            pairTable = ctx.graph.sharedConstants.value(for: key) { stage.pairTable() }
        } else {
            pairTable = nil
        }
        self.offset1 = offset1
        self.offset2 = offset2
        self.outputOffset = outputOffset
        (activationMin, activationMax) = activation
        aIndex = ctx.node.inputs[0]
        bIndex = ctx.node.inputs[1]
        outputIndex = ctx.node.outputs[0]
    }

    deinit { scales.deallocate() }

    var tileCount: Int { (count + QuantizedBinaryKernel.blockSize - 1) / QuantizedBinaryKernel.blockSize }
    var cost: Int { count * 4 }

    func bind(_ memory: TensorMemory) {
        a = UnsafePointer(memory.pointer(aIndex, as: Int8.self))
        b = UnsafePointer(memory.pointer(bIndex, as: Int8.self))
        output = memory.pointer(outputIndex, as: Int8.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        let a = self.a.unsafelyUnwrapped, b = self.b.unsafelyUnwrapped, output = self.output.unsafelyUnwrapped
        let blockSize = QuantizedBinaryKernel.blockSize
        if IntegerSIMD.isNative, let stage, let line = stage.line {
            for tile in tiles {
                let start = tile &* blockSize
                stage.applyRoundedLine(line, a, b, output, start, min(start &+ blockSize, count))
            }
            return
        }
        if let pairTable {
            for tile in tiles {
                let start = tile &* blockSize, end = min(start &+ blockSize, count)
                pairTable.apply(a + start, 1, b + start, 1, output + start, count: end &- start)
            }
            return
        }
        let left = leftShift, off1 = offset1, off2 = offset2, outOff = outputOffset, sign = sign2
        let t = scales
        let lo = activationMin, hi = activationMax
        let vectors = IntegerSIMD.isNative
        let s1 = scale1, s2 = scale2, so = scaleOutput
        let off1v = SIMD8<Int32>(repeating: off1), off2v = SIMD8<Int32>(repeating: off2)
        let bytes = Int8OutputBytes(outputOffset: outOff, activation: (lo, hi))
        // 0 (ADD) or −1 (SUB): x ^ mask − mask negates for SUB.
        let negate = SIMD8<Int32>(repeating: sign < 0 ? -1 : 0)
        let aRaw = UnsafeRawPointer(a), bRaw = UnsafeRawPointer(b), outRaw = UnsafeMutableRawPointer(output)
        if let stage {
            // Both input stages in 32-bit lanes, the sum's in 64-bit ones.
            for tile in tiles {
                let start = tile &* blockSize, end = min(start &+ blockSize, count)
                var i = start
                if vectors {
                    while i &+ 8 <= end {
                        let result = stage(IntegerSIMD.widen(aRaw.loadUnaligned(fromByteOffset: i, as: SIMD8<Int8>.self)),
                                           IntegerSIMD.widen(bRaw.loadUnaligned(fromByteOffset: i, as: SIMD8<Int8>.self)))
                        outRaw.storeBytes(of: result, toByteOffset: i, as: SIMD8<UInt8>.self)
                        i &+= 8
                    }
                }
                while i < end {
                    let r1 = stage.first.scale(Int32(a[i])), r2 = stage.second.scale(Int32(b[i]))
                    let r = t.scale(r1 &+ r2 &* sign, 2) &+ outOff
                    output[i] = Int8(truncatingIfNeeded: min(max(r, lo), hi))
                    i &+= 1
                }
            }
            return
        }
        for tile in tiles {
            let start = tile &* blockSize, end = min(start &+ blockSize, count)
            var i = start
            if vectors {
                while i &+ 8 <= end {
                    let x1 = IntegerSIMD.widen(aRaw.loadUnaligned(fromByteOffset: i, as: SIMD8<Int8>.self))
                    let x2 = IntegerSIMD.widen(bRaw.loadUnaligned(fromByteOffset: i, as: SIMD8<Int8>.self))
                    let r1 = s1((x1 &+ off1v) &<< left)
                    let r2 = s2((x2 &+ off2v) &<< left)
                    outRaw.storeBytes(of: bytes(so(r1 &+ ((r2 ^ negate) &- negate))), toByteOffset: i, as: SIMD8<UInt8>.self)
                    i &+= 8
                }
            }
            while i < end {
                let v1 = (Int32(a[i]) &+ off1) &<< left
                let v2 = (Int32(b[i]) &+ off2) &<< left
                let r = t.scale(t.scale(v1, 0) &+ t.scale(v2, 1) &* sign, 2) &+ outOff
                output[i] = Int8(truncatingIfNeeded: min(max(r, lo), hi))
                i &+= 1
            }
        }
    }
}

/// The whole int8 ADD / SUB on eight lanes of int8 inputs (as Int32):
/// both input stages in 32-bit lanes (`Int8InputRescale`), their sum (or
/// difference), the output stage (`UniformRequantization`), then the
/// output offset and the activation bounds (`Int8OutputBytes`).
/// Used by `ElementwiseAddInt8` and by `QuantizedBinaryKernel`'s
/// broadcasting spans. nil unless both input stages fit 32-bit lanes
/// (always, for valid int8 models).
struct Int8AddStage {
    let first: Int8InputRescale, second: Int8InputRescale
    let output: UniformRequantization
    /// 0 (ADD) or −1 (SUB): x ^ mask − mask negates for SUB.
    let negate: SIMD8<Int32>
    let bytes: Int8OutputBytes
    /// The operation as the real line (x, y) ↦ α·x + β·y + γ that its
    /// roundings approximate, with the bound that makes it exact away from
    /// rounding boundaries (`Int8RoundedLine`), or nil.
    let line: Int8RoundedLine?

    init?(leftShift: Int, multiplier1: Int32, shift1: Int, offset1: Int32, multiplier2: Int32, shift2: Int, offset2: Int32,
          outputMultiplier: Int32, outputShift: Int, outputOffset: Int32, activation: (min: Int32, max: Int32), subtract: Bool) {
        guard let first = Int8InputRescale(leftShift: leftShift, multiplier: multiplier1, shift: shift1, offset: offset1),
              let second = Int8InputRescale(leftShift: leftShift, multiplier: multiplier2, shift: shift2, offset: offset2)
        else { return nil }
        self.first = first
        self.second = second
        output = UniformRequantization(multiplier: outputMultiplier, shift: outputShift)
        negate = SIMD8(repeating: subtract ? -1 : 0)
        bytes = Int8OutputBytes(outputOffset: outputOffset, activation: activation)
        // Each rescale multiplies by M · 2^shift / 2^31 (the powers of two exact in doubles).
        func factor(_ m: Int32, _ shift: Int) -> Double { Double(m) * Double(sign: .plus, exponent: shift - 31, significand: 1) }
        line = Int8RoundedLine(
            leftShift: leftShift, factor1: factor(multiplier1, shift1), rightShift1: -shift1, offset1: offset1,
            factor2: factor(multiplier2, shift2), rightShift2: -shift2, offset2: offset2,
            outputFactor: factor(outputMultiplier, outputShift), outputRightShift: -outputShift, outputOffset: outputOffset,
            activation: activation, subtract: subtract)
    }

    @inline(__always)
    func callAsFunction(_ x: SIMD8<Int32>, _ y: SIMD8<Int32>) -> SIMD8<UInt8> {
        bytes(output(first(x) &+ ((second(y) ^ negate) &- negate)))
    }

    /// The stage's results for every pair of inputs: each input stage once
    /// per value, the output stage once per eight pairs.
    /// With the rounded line, where there is one (`Int8RoundedLine`).
    func pairTable() -> Int8PairTable {
        let table = Int8PairTable(row: { first($0) }, column: { (second($0) ^ negate) &- negate }, entry: { bytes(output($0 &+ $1)) })
        table.useRoundedLine(line)
        return table
    }

    /// Elements `start..<end` of `output` from `a` and `b` by the rounded
    /// line `line`, sixteen a step, a step with a lane near a rounding
    /// boundary by the exact arithmetic; the last fewer than sixteen by
    /// the exact arithmetic too (eight a step, then one by one).
    ///
    /// With 64-byte packs, 64 a step first (`Int8RoundedLine.fourSteps`),
    /// and only the lanes near a boundary again, one by one. In some of
    /// InceptionResNetV2 int8's ADDs one lane in 500 is near (counted on
    /// its inputs in LiteRT; more than evenly spread values would put
    /// there), so one step of 64 in eight: its last 17×17×1088 ADD took 0.0337 ms when
    /// such steps went again sixteen at a time, 0.0278 this way, where
    /// the ADDs with few near lanes take 0.0220.
    @inline(never)
    func applyRoundedLine(_ line: Int8RoundedLine, _ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>,
                          _ output: UnsafeMutablePointer<Int8>, _ start: Int, _ end: Int) {
        let aRaw = UnsafeRawPointer(a), bRaw = UnsafeRawPointer(b), outRaw = UnsafeMutableRawPointer(output)
        var i = start
        if IntegerSIMD.hasWideBytePacks {
            while i &+ 64 <= end {
                let (bytes, near, nearLanes) = line.fourSteps(aRaw, bRaw, i)
                outRaw.storeBytes(of: bytes, toByteOffset: i, as: SIMD64<UInt8>.self)
                if near {
                    var lanes = nearLanes()
                    while lanes != 0 {
                        exact1(a, b, output, i &+ lanes.trailingZeroBitCount)
                        lanes &= lanes &- 1
                    }
                }
                i &+= 64
            }
        }
        while i &+ 16 <= end {
            let x = aRaw.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self)
            let y = bRaw.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self)
            let (results, distances) = line.values(x, y)
            if line.nearLane(distances) {
                exact8(aRaw, bRaw, outRaw, i)
                exact8(aRaw, bRaw, outRaw, i &+ 8)
            } else {
                outRaw.storeBytes(of: results, toByteOffset: i, as: SIMD16<UInt8>.self)
            }
            i &+= 16
        }
        while i &+ 8 <= end {
            exact8(aRaw, bRaw, outRaw, i)
            i &+= 8
        }
        while i < end {
            exact1(a, b, output, i)
            i &+= 1
        }
    }

    /// Element `i` by the exact arithmetic.
    @inline(__always)
    private func exact1(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, _ output: UnsafeMutablePointer<Int8>, _ i: Int) {
        output[i] = Int8(bitPattern: self(SIMD8(repeating: Int32(a[i])), SIMD8(repeating: Int32(b[i])))[0])
    }

    /// Eight elements from offset `i` by the exact arithmetic.
    @inline(__always)
    private func exact8(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ i: Int) {
        let result = self(IntegerSIMD.widen(a.loadUnaligned(fromByteOffset: i, as: SIMD8<Int8>.self)),
                          IntegerSIMD.widen(b.loadUnaligned(fromByteOffset: i, as: SIMD8<Int8>.self)))
        output.storeBytes(of: result, toByteOffset: i, as: SIMD8<UInt8>.self)
    }
}

/// The int8 SQUARED_DIFFERENCE on eight lanes of int8 inputs (as Int32):
/// `QuantizedBinaryKernel`'s `.squaredDifference` arithmetic (TFLite's
/// integer recipe) with each rescale on 64-bit lane products
/// (`UniformRequantization`: the inputs shifted left by 7 reach 2^15, past
/// `Int8InputRescale`'s 32-bit proof), the difference squared in wrapping
/// Int32 as the reference does, then the output offset and the activation
/// bounds (`Int8OutputBytes`).
struct Int8SquaredDifferenceStage {
    let offset1: SIMD8<Int32>, offset2: SIMD8<Int32>
    let leftShift: SIMD8<Int32>
    let first: UniformRequantization, second: UniformRequantization, output: UniformRequantization
    let bytes: Int8OutputBytes

    /// nil unless the shifts are ones the stages take (left shift 0…31, the
    /// input multipliers' shifts −30…0, the output's −30…31).
    init?(leftShift: Int, multiplier1: Int32, shift1: Int, offset1: Int32, multiplier2: Int32, shift2: Int, offset2: Int32,
          outputMultiplier: Int32, outputShift: Int, outputOffset: Int32, activation: (min: Int32, max: Int32)) {
        guard (0...31).contains(leftShift), (-30...0).contains(shift1), (-30...0).contains(shift2), (-30...31).contains(outputShift)
        else { return nil }
        self.offset1 = SIMD8(repeating: offset1)
        self.offset2 = SIMD8(repeating: offset2)
        self.leftShift = SIMD8(repeating: Int32(leftShift))
        first = UniformRequantization(multiplier: multiplier1, shift: shift1)
        second = UniformRequantization(multiplier: multiplier2, shift: shift2)
        output = UniformRequantization(multiplier: outputMultiplier, shift: outputShift)
        bytes = Int8OutputBytes(outputOffset: outputOffset, activation: activation)
    }

    @inline(__always)
    func callAsFunction(_ x: SIMD8<Int32>, _ y: SIMD8<Int32>) -> SIMD8<UInt8> {
        let difference = first(IntegerSIMD.shiftLeft(x &+ offset1, leftShift)) &- second(IntegerSIMD.shiftLeft(y &+ offset2, leftShift))
        return bytes(output(difference &* difference))
    }

    /// The stage's results for every pair of inputs (see `Int8AddStage.pairTable`).
    func pairTable() -> Int8PairTable {
        Int8PairTable(row: { first(IntegerSIMD.shiftLeft($0 &+ offset1, leftShift)) },
                      column: { second(IntegerSIMD.shiftLeft($0 &+ offset2, leftShift)) },
                      entry: { let difference = $0 &- $1; return bytes(output(difference &* difference)) })
    }
}

/// The last step of the eight-lane int8 element-wise kernels: a scaled
/// result plus the output offset, clamped to the activation bounds, as the
/// output bytes (the lanes' low bytes).
struct Int8OutputBytes {
    let zeroPoint: SIMD8<Int32>, low: SIMD8<Int32>, high: SIMD8<Int32>

    init(outputOffset: Int32, activation: (min: Int32, max: Int32)) {
        zeroPoint = SIMD8(repeating: outputOffset)
        low = SIMD8(repeating: activation.min)
        high = SIMD8(repeating: activation.max)
    }

    @inline(__always)
    func callAsFunction(_ scaled: SIMD8<Int32>) -> SIMD8<UInt8> {
        var r = scaled &+ zeroPoint
        r.replace(with: low, where: r .< low)
        r.replace(with: high, where: r .> high)
        return IntegerSIMD.truncate(r)
    }
}

/// One input stage of the int8 ADD / SUB,
/// `MultiplyByQuantizedMultiplierSmallerThanOne((x + offset) · 2^20, M, −r)`,
/// in 32-bit lanes (8 vector instructions instead of the 64-bit products of
/// `UniformRequantization`). With x̂ = x + offset in −255…255 the product
/// x̂ · 2^20 · M fits no 32-bit lane, but:
///
/// - gemmlowp's rounding doubling high multiply is ⌊(p + 2^30) / 2^31⌋ for
///   either sign of p (for p < 0 its nudge 1 − 2^30 and the truncating
///   division give the same), here ⌊(x̂ · M + 2^10) / 2^11⌋;
/// - the rounding right shift by r ≥ 1 of y is ⌊(y + 2^(r−1) − [y < 0]) / 2^r⌋
///   (ties away from zero), and y < 0 exactly when x̂ < 0 (|x̂ · M| ≥ 2^30 > 2^10
///   for x̂ ≠ 0, M ≥ 2^30; for M = 0 the result is 0 either way);
/// - with M = H · 2^11 + L (L < 2^11), nested floors merge:
///   result = ⌊(x̂ · H + ⌊(x̂ · L + 2^10) / 2^11⌋ + 2^(r−1) − [x̂ < 0]) / 2^r⌋,
///   every term below 2^30 in magnitude for r ≤ 30.
///
/// nil (the 64-bit stage is used) unless the left shift is TFLite's 20, the
/// multiplier's shift is in −30…0 and x̂ stays in −255…255.
struct Int8InputRescale {
    let offset: SIMD8<Int32>
    /// M / 2^11 and M mod 2^11.
    let high: SIMD8<Int32>, low: SIMD8<Int32>
    /// 2^(r−1) for r ≥ 1, else 0.
    let rounding: SIMD8<Int32>
    /// −1 (all bits) for r ≥ 1, else 0: selects the −[x̂ < 0] term.
    let negativeSelect: SIMD8<Int32>
    let shift: SIMD8<Int32>

    init?(leftShift: Int, multiplier: Int32, shift: Int, offset: Int32) {
        guard leftShift == 20, multiplier >= 0, shift <= 0, shift >= -30, offset >= -127, offset <= 128 else { return nil }
        let r = Int32(-shift)
        self.offset = SIMD8(repeating: offset)
        high = SIMD8(repeating: multiplier >> 11)
        low = SIMD8(repeating: multiplier & 0x7FF)
        rounding = SIMD8(repeating: r >= 1 ? 1 << (r - 1) : 0)
        negativeSelect = SIMD8(repeating: r >= 1 ? -1 : 0)
        self.shift = SIMD8(repeating: r)
    }

    /// The stage on eight int8 values `x` (as Int32).
    @inline(__always)
    func callAsFunction(_ x: SIMD8<Int32>) -> SIMD8<Int32> {
        let v = x &+ offset
        let carry = (v &* low &+ SIMD8(repeating: 1 << 10)) &>> SIMD8(repeating: 11)
        return (v &* high &+ carry &+ rounding &+ ((v &>> SIMD8(repeating: 31)) & negativeSelect)) &>> shift
    }

    /// The stage on one value.
    @inline(__always)
    func scale(_ x: Int32) -> Int32 {
        let v = x &+ offset[0]
        let carry = (v &* low[0] &+ (1 << 10)) &>> 11
        return (v &* high[0] &+ carry &+ rounding[0] &+ ((v &>> 31) & negativeSelect[0])) &>> shift[0]
    }
}
