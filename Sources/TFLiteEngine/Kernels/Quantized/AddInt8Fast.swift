/// Int8 ADD on same-shape inputs (no broadcasting): the arithmetic of
/// `QuantizedBinaryKernel`'s `.add` case (TFLite's `reference_integer_ops::Add`)
/// written as one branch-free loop over memory that the optimiser
/// vectorises, with `ChannelRequantization.scale` (bit-identical to
/// `FixedPoint.multiplyByQuantizedMultiplierSmallerThanOne` for a shift ≤ 0).
/// Tiles are blocks of `QuantizedBinaryKernel.blockSize` elements, like the
/// reference kernel's.
final class ElementwiseAddInt8: Kernel {
    let count: Int
    let leftShift: Int32
    let offset1: Int32, offset2: Int32, outputOffset: Int32
    let multiplier1: Int32, rightShift1: Int32
    let multiplier2: Int32, rightShift2: Int32
    let outputMultiplier: Int32, outputRightShift: Int32
    let activationMin: Int32, activationMax: Int32
    let aIndex: Int, bIndex: Int, outputIndex: Int
    var a: UnsafePointer<Int8>!
    var b: UnsafePointer<Int8>!
    var output: UnsafeMutablePointer<Int8>!

    /// Shifts are TFLite's exponents (≤ 0, from `quantizeMultiplierSmallerThanOne`).
    init(ctx: PrepareContext, count: Int, leftShift: Int, multiplier1: Int32, shift1: Int, multiplier2: Int32, shift2: Int,
         outputMultiplier: Int32, outputShift: Int, offset1: Int32, offset2: Int32, outputOffset: Int32,
         activation: (min: Int32, max: Int32)) {
        self.count = count
        self.leftShift = Int32(leftShift)
        self.multiplier1 = multiplier1
        rightShift1 = Int32(-shift1)
        self.multiplier2 = multiplier2
        rightShift2 = Int32(-shift2)
        self.outputMultiplier = outputMultiplier
        outputRightShift = Int32(-outputShift)
        self.offset1 = offset1
        self.offset2 = offset2
        self.outputOffset = outputOffset
        (activationMin, activationMax) = activation
        aIndex = ctx.node.inputs[0]
        bIndex = ctx.node.inputs[1]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { (count + QuantizedBinaryKernel.blockSize - 1) / QuantizedBinaryKernel.blockSize }
    var cost: Int { count * 4 }

    func bind(_ memory: TensorMemory) {
        a = UnsafePointer(memory.pointer(aIndex, as: Int8.self))
        b = UnsafePointer(memory.pointer(bIndex, as: Int8.self))
        output = memory.pointer(outputIndex, as: Int8.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        let a = self.a.unsafelyUnwrapped, b = self.b.unsafelyUnwrapped, output = self.output.unsafelyUnwrapped
        let left = leftShift, off1 = offset1, off2 = offset2, outOff = outputOffset
        let m1 = multiplier1, r1 = rightShift1, m2 = multiplier2, r2 = rightShift2
        let mo = outputMultiplier, ro = outputRightShift
        let lo = activationMin, hi = activationMax
        let blockSize = QuantizedBinaryKernel.blockSize
        for tile in tiles {
            let start = tile &* blockSize, end = min(start &+ blockSize, count)
            for i in start..<end {
                let v1 = (Int32(a[i]) &+ off1) &<< left
                let v2 = (Int32(b[i]) &+ off2) &<< left
                let sum = ChannelRequantization.scale(v1, m1, 0, r1) &+ ChannelRequantization.scale(v2, m2, 0, r2)
                let r = ChannelRequantization.scale(sum, mo, 0, ro) &+ outOff
                output[i] = Int8(truncatingIfNeeded: min(max(r, lo), hi))
            }
        }
    }
}
