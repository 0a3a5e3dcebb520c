#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Quantized LOGISTIC (int8 / uint8), TFLite Micro's reference kernel
/// (`reference_integer_ops::Logistic`): the input difference to its zero
/// point scaled to Q4.27, gemmlowp `logistic`, rescaled to 8 bits with output
/// zero point −128 (int8) / 0 (uint8) and scale 1/256; inputs beyond the
/// input radius saturate.
enum LogisticQuantized {
    static func prepareInt8(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 1)
        let input = try ctx.input(0), output = ctx.output(0)
        try ctx.setOutputShape(0, input.shape)
        guard input.type == .int8 || input.type == .uint8 else {
            throw ctx.error("input type \(input.type) is not supported by the quantized LOGISTIC kernel")
        }
        try ctx.require(output, type: input.type, "output")
        let qi = try ctx.quantization(input, "input"), qo = try ctx.quantization(output, "output")
        let expectedZeroPoint: Int32 = input.type == .int8 ? -128 : 0
        guard qo.zeroPoint == expectedZeroPoint, abs(qo.scale - 1.0 / 256) <= 0.001 / 256 else {
            throw ctx.error("output quantization (\(qo.scale), \(qo.zeroPoint)) must be (1/256, \(expectedZeroPoint))")
        }
        let integerBits = 4
        let real = Double(qi.scale) * Double(1 << (31 - integerBits))
        // TFLite Micro: frexp and round, without renormalisation.
        var exponent: Int32 = 0
        let fraction = frexp(real, &exponent)
        let q = (fraction * 2147483648.0).rounded(.toNearestOrAwayFromZero)
        let multiplier = q >= 2147483648.0 ? Int32.min : Int32(q)
        let leftShift = Int(exponent)
        guard leftShift >= 0, leftShift <= 30 else {
            throw ctx.error("input scale \(qi.scale) is outside the range the fixed-point logistic supports")
        }
        let radius = FixedPoint.inputRadius(integerBits: integerBits, leftShift: leftShift)
        switch input.type {
        case .int8: return LogisticQuantizedKernel(Int8.self, ctx: ctx, zeroPoint: qi.zeroPoint, radius: radius, multiplier: multiplier, leftShift: leftShift, count: input.elementCount)
        default: return LogisticQuantizedKernel(UInt8.self, ctx: ctx, zeroPoint: qi.zeroPoint, radius: radius, multiplier: multiplier, leftShift: leftShift, count: input.elementCount)
        }
    }
}

/// Tiles are blocks of elements.
final class LogisticQuantizedKernel: Kernel {
    /// Int8 elements (else UInt8).
    let signed: Bool
    let zeroPoint: Int32, radius: Int32, multiplier: Int32, leftShift: Int
    let count: Int
    var io: ByteOperands
    var input: UnsafeRawPointer! { io.input }
    var output: UnsafeMutableRawPointer! { io.output }
    static var blockSize: Int { 4096 }

    init<T: QuantizedElement>(_ type: T.Type, ctx: PrepareContext, zeroPoint: Int32, radius: Int32, multiplier: Int32, leftShift: Int, count: Int) {
        signed = T.self == Int8.self
        self.zeroPoint = zeroPoint
        self.radius = radius
        self.multiplier = multiplier
        self.leftShift = leftShift
        self.count = count
        io = ByteOperands(ctx)
    }

    var tileCount: Int { (count + Self.blockSize - 1) / Self.blockSize }
    var cost: Int { count * 40 }

    func bind(_ memory: TensorMemory) { io.bind(memory) }

    /// Class methods reached through the `Kernel` protocol are not
    /// specialised; dispatching to a generic function with a concrete type
    /// is, so the loops below run on Int8/UInt8 directly.
    func run(tiles: Range<Int>, worker: Int) {
        if signed { compute(tiles: tiles, worker: worker, Int8.self) } else { compute(tiles: tiles, worker: worker, UInt8.self) }
    }

    private func compute<E: QuantizedElement>(tiles: Range<Int>, worker: Int, _: E.Type) {
        let input = UnsafePointer<E>(OpaquePointer(self.input!))
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output!))
        let outMin = Int32(E.min), outMax = Int32(E.max)
        for tile in tiles {
            let start = tile &* Self.blockSize, end = min(start &+ Self.blockSize, count)
            for i in start..<end {
                let x = Int32(truncatingIfNeeded: input[i]) &- zeroPoint
                if x <= -radius {
                    output[i] = E(truncatingIfNeeded: outMin)
                } else if x >= radius {
                    output[i] = E(truncatingIfNeeded: outMax)
                } else {
                    let q4 = FixedPoint.multiplyByQuantizedMultiplier(x, multiplier, leftShift)
                    let q0 = FixedPoint.logistic(q4, integerBits: 4)
                    let v = FixedPoint.roundingDivideByPOT(q0, 31 - 8) &+ outMin
                    output[i] = E(truncatingIfNeeded: min(max(v, outMin), outMax))
                }
            }
        }
    }
}
