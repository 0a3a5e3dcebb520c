/// Int8 ADD on same-shape inputs (no broadcasting): the arithmetic of
/// `QuantizedBinaryKernel`'s `.add` case (TFLite's `reference_integer_ops::Add`)
/// written as one branch-free loop over memory that the optimiser
/// vectorises, with `ChannelRequantization.Tables.scale` (bit-identical to
/// `FixedPoint.multiplyByQuantizedMultiplier`, which for a shift ≤ 0 is
/// `multiplyByQuantizedMultiplierSmallerThanOne`).
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
        for tile in tiles {
            let start = tile &* blockSize, end = min(start &+ blockSize, count)
            for i in start..<end {
                let v1 = (Int32(a[i]) &+ off1) &<< left
                let v2 = (Int32(b[i]) &+ off2) &<< left
                let r = t.scale(t.scale(v1, 0) &+ t.scale(v2, 1) &* sign, 2) &+ outOff
                output[i] = Int8(truncatingIfNeeded: min(max(r, lo), hi))
            }
        }
    }
}
