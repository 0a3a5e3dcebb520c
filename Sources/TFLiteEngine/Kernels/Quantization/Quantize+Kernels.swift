/// QUANTIZE kernels: float32 → int8/uint8 (`AffineQuantize`: round half
/// away from zero of x / scale, plus zero point, clamped) and int8/uint8 →
/// int8/uint8 requantization (`Requantize`: MultiplyByQuantizedMultiplier of
/// the offset input by s_in/s_out).
final class QuantizeFloatKernel: Kernel {
    let signed: Bool
    let scale: Float, zeroPoint: Int32, count: Int
    let inputIndex: Int, outputIndex: Int
    var input: UnsafePointer<Float>!
    var output: UnsafeMutableRawPointer!
    static var blockSize: Int { 4096 }

    init<T: QuantizedElement>(_: T.Type, ctx: PrepareContext, output q: TensorQuantization, count: Int) {
        signed = T.self == Int8.self
        scale = q.scale
        zeroPoint = q.zeroPoint
        self.count = count
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { (count + Self.blockSize - 1) / Self.blockSize }
    var cost: Int { count }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(inputIndex, as: Float.self))
        output = memory.raw(outputIndex)
    }

    func run(tiles: Range<Int>, worker: Int) {
        if signed { compute(tiles, Int8.self) } else { compute(tiles, UInt8.self) }
    }

    /// Dispatched with a concrete type so the loop is specialised.
    private func compute<E: QuantizedElement>(_ tiles: Range<Int>, _: E.Type) {
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output!))
        let lo = Int64(E.min), hi = Int64(E.max)
        for tile in tiles {
            let start = tile &* Self.blockSize, end = min(start &+ Self.blockSize, count)
            for i in start..<end {
                let v = Int64(FixedPoint.roundToInt32(input[i] / scale)) &+ Int64(zeroPoint)
                output[i] = E(truncatingIfNeeded: min(max(v, lo), hi))
            }
        }
    }
}

final class RequantizeKernel: Kernel {
    let inputSigned: Bool, outputSigned: Bool
    let r: Requantization, count: Int
    let inputIndex: Int, outputIndex: Int
    var input: UnsafeRawPointer!
    var output: UnsafeMutableRawPointer!
    static var blockSize: Int { 4096 }

    init<In: QuantizedElement, Out: QuantizedElement>(_: In.Type, _: Out.Type, ctx: PrepareContext, _ r: Requantization, count: Int) {
        inputSigned = In.self == Int8.self
        outputSigned = Out.self == Int8.self
        self.r = r
        self.count = count
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { (count + Self.blockSize - 1) / Self.blockSize }
    var cost: Int { count * 2 }

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(inputIndex))
        output = memory.raw(outputIndex)
    }

    func run(tiles: Range<Int>, worker: Int) {
        switch (inputSigned, outputSigned) {
        case (true, true): compute(tiles, Int8.self, Int8.self)
        case (true, false): compute(tiles, Int8.self, UInt8.self)
        case (false, true): compute(tiles, UInt8.self, Int8.self)
        case (false, false): compute(tiles, UInt8.self, UInt8.self)
        }
    }

    /// Dispatched with concrete types so the loop is specialised.
    private func compute<I: QuantizedElement, O: QuantizedElement>(_ tiles: Range<Int>, _: I.Type, _: O.Type) {
        let input = UnsafePointer<I>(OpaquePointer(self.input!))
        let output = UnsafeMutablePointer<O>(OpaquePointer(self.output!))
        let lo = Int32(O.min), hi = Int32(O.max)
        for tile in tiles {
            let start = tile &* Self.blockSize, end = min(start &+ Self.blockSize, count)
            for i in start..<end {
                let x = Int32(truncatingIfNeeded: input[i]) &- r.inputZeroPoint
                let v = FixedPoint.multiplyByQuantizedMultiplier(x, r.multiplier, r.shift) &+ r.outputZeroPoint
                output[i] = O(truncatingIfNeeded: min(max(v, lo), hi))
            }
        }
    }
}

/// DEQUANTIZE kernel for int8 / uint8 / int16 input: (x − zp) · scale.
final class DequantizeKernel: Kernel {
    let inputType: TensorType
    let scale: Double, zeroPoint: Int32, count: Int
    let inputIndex: Int, outputIndex: Int
    var input: UnsafeRawPointer!
    var output: UnsafeMutablePointer<Float>!
    static var blockSize: Int { 4096 }

    init<In: FixedWidthInteger>(_: In.Type, ctx: PrepareContext, _ q: TensorQuantization, count: Int) {
        inputType = In.self == Int8.self ? .int8 : In.self == UInt8.self ? .uint8 : .int16
        scale = Double(q.scale)
        zeroPoint = q.zeroPoint
        self.count = count
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { (count + Self.blockSize - 1) / Self.blockSize }
    var cost: Int { count }

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(inputIndex))
        output = memory.pointer(outputIndex, as: Float.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        if inputType == .int8 { compute(tiles, Int8.self) } else if inputType == .uint8 { compute(tiles, UInt8.self) } else { compute(tiles, Int16.self) }
    }

    /// Dispatched with a concrete type so the loop is specialised.
    private func compute<I: FixedWidthInteger>(_ tiles: Range<Int>, _: I.Type) {
        let input = UnsafePointer<I>(OpaquePointer(self.input!))
        for tile in tiles {
            let start = tile &* Self.blockSize, end = min(start &+ Self.blockSize, count)
            for i in start..<end {
                output[i] = Float(scale * Double(Int32(truncatingIfNeeded: input[i]) &- zeroPoint))
            }
        }
    }
}
