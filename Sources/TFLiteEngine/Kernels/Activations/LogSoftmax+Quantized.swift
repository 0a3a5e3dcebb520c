/// Quantized LOG_SOFTMAX (int8 / uint8) over the last dimension, TFLite's
/// reference fixed-point algorithm (`reference_integer_ops::LogSoftmax`, as
/// TFLite Micro runs it for int8; `reference_ops::LogSoftmax` for uint8,
/// the same arithmetic): differences to the row maximum scaled to Q5.26
/// (beta 1), gemmlowp `exp_on_negative_values` summed in Q12.19, the log of
/// the sum in Q5.26 (`log_x_for_x_greater_than_or_equal_to_1`), each
/// difference minus that log rescaled to Q4 (scale 16/256). Differences at
/// or below the adjusted minimum give the lowest value. The output must be
/// quantized with scale 16/256 and zero point 127 (int8) or 255 (uint8).
struct LogSoftmaxQuantized {
    let inputMultiplier: Int32, inputLeftShift: Int
    let reverseMultiplier: Int32, reverseShift: Int
    let diffMin: Int32

    static func prepare(_ ctx: PrepareContext, _ input: TensorSlot) throws -> Kernel {
        let qi = try ctx.quantization(input, "input"), qo = try ctx.quantization(ctx.output(0), "output")
        let maxValue: Int32 = input.type == .uint8 ? 255 : 127
        guard qo.scale == 16.0 / 256, qo.zeroPoint == maxValue else {
            throw ctx.error("output quantization (\(qo.scale), \(qo.zeroPoint)) must be (16/256, \(maxValue))")
        }
        let op = try LogSoftmaxQuantized(inputScale: qi.scale, ctx: ctx)
        switch input.type {
        case .int8: return RowKernel<Int8>(ctx: ctx, input: input, operationsPerElement: 40, op.row(Int8.self))
        case .uint8: return RowKernel<UInt8>(ctx: ctx, input: input, operationsPerElement: 40, op.row(UInt8.self))
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }

    /// `PreprocessLogSoftmaxScalingExp` with beta 1 and 5 integer bits, and
    /// the input radius.
    init(inputScale: Float, ctx: PrepareContext) throws {
        let real = min(Double(inputScale) * Double(1 << 26), Double((1 << 31) - 1))
        guard let (m, shift) = FixedPoint.quantizeMultiplierGreaterThanOne(real) else {
            throw ctx.error("input scale \(inputScale) is too small for the fixed-point LOG_SOFTMAX")
        }
        let reverseReal = Double(Int64(1) << (31 - shift)) / Double(m)
        guard let (rm, rs) = FixedPoint.quantizeMultiplierSmallerThanOne(reverseReal) else {
            throw ctx.error("input scale \(inputScale) gives no LOG_SOFTMAX reverse scaling below one")
        }
        inputMultiplier = m
        inputLeftShift = shift
        reverseMultiplier = rm
        reverseShift = rs
        diffMin = -FixedPoint.inputRadius(integerBits: 5, leftShift: shift)
    }

    func row<E: QuantizedElement>(_: E.Type) -> RowKernel<E>.Row {
        let op = self
        return { x, y, depth in op.compute(x, y, depth) }
    }

    @inline(__always)
    private func compute<E: QuantizedElement>(_ x: UnsafePointer<E>, _ y: UnsafeMutablePointer<E>, _ depth: Int) {
        let outputMin = Int32(E.min), outputMax = Int32(E.max)
        var maximum = Int32(E.min)
        for i in 0..<depth { maximum = max(maximum, Int32(truncatingIfNeeded: x[i])) }
        var sumOfExps: Int32 = 0  // Q12.19
        for i in 0..<depth {
            let diff = Int32(truncatingIfNeeded: x[i]) &- maximum
            if diff >= diffMin {
                let scaled = FixedPoint.multiplyByQuantizedMultiplier(diff, inputMultiplier, inputLeftShift)
                sumOfExps &+= FixedPoint.roundingDivideByPOT(FixedPoint.expOnNegativeValues(scaled, integerBits: 5), 12)
            }
        }
        let logSum = FixedPoint.logXForXGreaterThanOrEqualTo1(sumOfExps, inputIntegerBits: 12, outputIntegerBits: 5)
        let adjustedDiffMin = max(diffMin &- 1, FixedPoint.multiplyByQuantizedMultiplier(logSum &+ Int32.min, reverseMultiplier, reverseShift))
        for i in 0..<depth {
            let diff = Int32(truncatingIfNeeded: x[i]) &- maximum
            if diff > adjustedDiffMin {
                let scaled = FixedPoint.multiplyByQuantizedMultiplier(diff, inputMultiplier, inputLeftShift)
                let v = FixedPoint.roundingDivideByPOT(scaled &- logSum, 31 - 5 - 4) &+ outputMax
                y[i] = E(truncatingIfNeeded: min(max(v, outputMin), outputMax))
            } else {
                y[i] = E(truncatingIfNeeded: outputMin)
            }
        }
    }
}
