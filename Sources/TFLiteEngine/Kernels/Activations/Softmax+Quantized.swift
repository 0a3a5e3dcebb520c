#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Quantized SOFTMAX (int8 → int8, uint8 → uint8) with TFLite's reference
/// fixed-point algorithm (`reference_ops::Softmax`, as TFLite Micro runs
/// it): differences to the row maximum scaled to Q5.26, gemmlowp
/// exp_on_negative_values, sum in Q12.19, reciprocal, rescale to 8 bits.
/// The output must be quantized with scale 1/256 and zero point −128 (int8)
/// or 0 (uint8).
///
/// Input scales so small that beta · scale · 2^26 ≤ 1 have no fixed-point
/// multiplier: TFLite Micro and LiteRT's reference kernels abort on them,
/// and LiteRT's default kernel runs them with its float table
/// (`SoftmaxQuantized.floatTableKernel`), which this kernel then follows.
enum SoftmaxQuantized {
    static func prepare(_ ctx: PrepareContext, beta: Float) throws -> Kernel {
        let input = try ctx.input(0), output = ctx.output(0)
        try ctx.require(output, type: input.type, "output")
        let qi = try ctx.quantization(input, "input"), qo = try ctx.quantization(output, "output")
        let expectedZeroPoint: Int32 = input.type == .int8 ? -128 : 0
        guard qo.zeroPoint == expectedZeroPoint, abs(qo.scale - 1.0 / 256) <= 0.001 / 256 else {
            throw ctx.error("output quantization (\(qo.scale), \(qo.zeroPoint)) must be (1/256, \(expectedZeroPoint))")
        }
        let scaledDiffIntegerBits = 5
        let real = min(Double(beta) * Double(qi.scale) * Double(1 << (31 - scaledDiffIntegerBits)), Double((1 << 31) - 1))
        guard let (multiplier, leftShift) = FixedPoint.quantizeMultiplierGreaterThanOne(real) else {
            return try floatTableKernel(ctx, input, inputScale: qi.scale, beta: beta, output: qo)
        }
        let diffMin = -FixedPoint.inputRadius(integerBits: scaledDiffIntegerBits, leftShift: leftShift)
        let depth = input.shape.last ?? 1
        let rows = depth == 0 ? 0 : input.elementCount / depth
        switch input.type {
        case .int8: return SoftmaxQuantizedKernel(Int8.self, ctx: ctx, multiplier: multiplier, leftShift: leftShift, diffMin: diffMin, depth: depth, rows: rows)
        case .uint8: return SoftmaxQuantizedKernel(UInt8.self, ctx: ctx, multiplier: multiplier, leftShift: leftShift, diffMin: diffMin, depth: depth, rows: rows)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

extension SoftmaxQuantized {
    /// LiteRT's default int8/uint8 SOFTMAX (`PopulateSoftmaxLookupTable`
    /// and `optimized_ops::Softmax` on x86): a table of
    /// `expf(−scale·beta · v)` for the 256 differences to the row maximum,
    /// their float32 sum, each entry times `1 / (sum · output scale)`,
    /// rounded (int8: `std::round`; uint8: `+ 0.5` truncated), plus the
    /// output zero point, clamped.
    static func floatTableKernel(_ ctx: PrepareContext, _ input: TensorSlot, inputScale: Float, beta: Float,
                                 output: TensorQuantization) throws -> Kernel {
        let scale = -inputScale * beta
        var table = [Float](repeating: 0, count: 256)
        for v in 0...255 { table[255 - v] = expf(scale * Float(v)) }
        let outputScale = output.scale, zeroPoint = output.zeroPoint
        func row<E: QuantizedElement>(_: E.Type, round: @escaping (Float) -> Int32) -> RowKernel<E>.Row {
            { x, y, depth in
                table.withUnsafeBufferPointer { t in
                    var maximum = Int32(E.min)
                    for i in 0..<depth { maximum = max(maximum, Int32(truncatingIfNeeded: x[i])) }
                    let offset = 255 &- Int(maximum)
                    var sum: Float = 0
                    for i in 0..<depth { sum += t[offset &+ Int(truncatingIfNeeded: x[i])] }
                    let inverse = 1 / (sum * outputScale)
                    for i in 0..<depth {
                        let q = round(t[offset &+ Int(truncatingIfNeeded: x[i])] * inverse) &+ zeroPoint
                        y[i] = E(truncatingIfNeeded: min(max(q, Int32(E.min)), Int32(E.max)))
                    }
                }
            }
        }
        switch input.type {
        case .int8:
            return RowKernel<Int8>(ctx: ctx, input: input, operationsPerElement: 6, row(Int8.self) { FixedPoint.roundToInt32($0) })
        case .uint8:
            return RowKernel<UInt8>(ctx: ctx, input: input, operationsPerElement: 6, row(UInt8.self) { FixedPoint.roundToInt32(($0 + 0.5).rounded(.towardZero)) })
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

/// Tiles are rows.
final class SoftmaxQuantizedKernel: Kernel {
    /// Int8 elements (else UInt8).
    let signed: Bool
    let multiplier: Int32, leftShift: Int, diffMin: Int32
    let depth: Int, rows: Int
    var io: ByteOperands
    var input: UnsafeRawPointer! { io.input }
    var output: UnsafeMutableRawPointer! { io.output }

    init<T: QuantizedElement>(_ type: T.Type, ctx: PrepareContext, multiplier: Int32, leftShift: Int, diffMin: Int32, depth: Int, rows: Int) {
        signed = T.self == Int8.self
        self.multiplier = multiplier
        self.leftShift = leftShift
        self.diffMin = diffMin
        self.depth = depth
        self.rows = rows
        io = ByteOperands(ctx)
    }

    var tileCount: Int { rows }
    var cost: Int { rows * depth * 40 }

    func bind(_ memory: TensorMemory) { io.bind(memory) }

    @inline(__always)
    private func expOfDiff(_ diff: Int32) -> Int32 {
        let rescaled = FixedPoint.multiplyByQuantizedMultiplierGreaterThanOne(diff, multiplier, leftShift)
        return FixedPoint.expOnNegativeValues(rescaled, integerBits: 5)
    }

    /// Class methods reached through the `Kernel` protocol are not
    /// specialised; dispatching to a generic function with a concrete type
    /// is, so the loops below run on Int8/UInt8 directly.
    func run(tiles: Range<Int>, worker: Int) {
        if signed { compute(tiles: tiles, worker: worker, Int8.self) } else { compute(tiles: tiles, worker: worker, UInt8.self) }
    }

    private func compute<E: QuantizedElement>(tiles: Range<Int>, worker: Int, _: E.Type) {
        let input = UnsafePointer<E>(OpaquePointer(self.input!))
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output!))
        let outputMin = Int32(E.min), outputMax = Int32(E.max)
        for r in tiles {
            let x = input + r &* depth, y = output + r &* depth
            var maximum = Int32(E.min)
            for c in 0..<depth { maximum = max(maximum, Int32(truncatingIfNeeded: x[c])) }
            var sum: Int32 = 0  // Q12.19
            for c in 0..<depth {
                let diff = Int32(truncatingIfNeeded: x[c]) &- maximum
                if diff >= diffMin { sum &+= FixedPoint.roundingDivideByPOT(expOfDiff(diff), 12) }
            }
            let (scale, bitsOverUnit) = FixedPoint.reciprocal(sum, integerDigits: 12)
            let exponent = min(max(bitsOverUnit + 31 - 8, 0), 31)
            for c in 0..<depth {
                let diff = Int32(truncatingIfNeeded: x[c]) &- maximum
                if diff >= diffMin {
                    let e = expOfDiff(diff)
                    let unsaturated = FixedPoint.roundingDivideByPOT(FixedPoint.saturatingRoundingDoublingHighMul(scale, e), exponent)
                    y[c] = E(truncatingIfNeeded: min(max(unsaturated &+ outputMin, outputMin), outputMax))
                } else {
                    y[c] = E(truncatingIfNeeded: outputMin)
                }
            }
        }
    }
}
