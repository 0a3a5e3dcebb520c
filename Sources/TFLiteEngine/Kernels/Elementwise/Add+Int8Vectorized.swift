/// Int8 ADD on same-shape inputs (no broadcasting): the arithmetic of
/// `QuantizedBinaryKernel`'s `.add` case (TFLite's `reference_integer_ops::Add`)
/// written as one branch-free loop over memory that the optimiser
/// vectorises, with `ChannelRequantization.Tables.scale` (bit-identical to
/// `FixedPoint.multiplyByQuantizedMultiplier`, which for a shift ≤ 0 is
/// `multiplyByQuantizedMultiplierSmallerThanOne`). In the integer-multiply-add
/// flavours (`IntegerSIMD.isNative`) eight elements per step run the same
/// arithmetic explicitly on vectors (`UniformRequantization`: the scalar loop
/// stayed scalar, 64-bit products and all), the rest one by one.
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
    let activationMin: Int32, activationMax: Int32
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
        self.leftShift = Int32(leftShift)
        scales = ChannelRequantization.Tables(count: 3)
        scales.set(0, multiplier: multiplier1, shift: shift1)
        scales.set(1, multiplier: multiplier2, shift: shift2)
        scales.set(2, multiplier: outputMultiplier, shift: outputShift)
        scale1 = UniformRequantization(multiplier: multiplier1, shift: shift1)
        scale2 = UniformRequantization(multiplier: multiplier2, shift: shift2)
        scaleOutput = UniformRequantization(multiplier: outputMultiplier, shift: outputShift)
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
        let left = leftShift, off1 = offset1, off2 = offset2, outOff = outputOffset, sign = sign2
        let t = scales
        let lo = activationMin, hi = activationMax
        let blockSize = QuantizedBinaryKernel.blockSize
        let vectors = IntegerSIMD.isNative
        let s1 = scale1, s2 = scale2, so = scaleOutput
        let off1v = SIMD8<Int32>(repeating: off1), off2v = SIMD8<Int32>(repeating: off2), outOffv = SIMD8<Int32>(repeating: outOff)
        let lov = SIMD8<Int32>(repeating: lo), hiv = SIMD8<Int32>(repeating: hi)
        // 0 (ADD) or −1 (SUB): x ^ mask − mask negates for SUB.
        let negate = SIMD8<Int32>(repeating: sign < 0 ? -1 : 0)
        let aRaw = UnsafeRawPointer(a), bRaw = UnsafeRawPointer(b), outRaw = UnsafeMutableRawPointer(output)
        for tile in tiles {
            let start = tile &* blockSize, end = min(start &+ blockSize, count)
            var i = start
            if vectors {
                while i &+ 8 <= end {
                    let x1 = IntegerSIMD.widen(aRaw.loadUnaligned(fromByteOffset: i, as: SIMD8<Int8>.self))
                    let x2 = IntegerSIMD.widen(bRaw.loadUnaligned(fromByteOffset: i, as: SIMD8<Int8>.self))
                    let r1 = s1((x1 &+ off1v) &<< left)
                    let r2 = s2((x2 &+ off2v) &<< left)
                    var r = so(r1 &+ ((r2 ^ negate) &- negate)) &+ outOffv
                    r.replace(with: lov, where: r .< lov)
                    r.replace(with: hiv, where: r .> hiv)
                    outRaw.storeBytes(of: IntegerSIMD.truncate(r), toByteOffset: i, as: SIMD8<UInt8>.self)
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
