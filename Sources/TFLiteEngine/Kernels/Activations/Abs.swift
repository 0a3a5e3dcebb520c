/// ABS: `|x|`. float32, int32 (wrapping: |INT32_MIN| is INT32_MIN, as
/// `std::abs` gives on the machines TFLite runs on), and int8 as LiteRT's
/// `AbsEvalQuantized`: |x − input zero point|, rescaled by the float ratio
/// input/output scale (`QuantizeMultiplier`) when the scales differ, plus
/// the output zero point, clamped (a lookup table).
enum Abs {
    static let registration = OperatorRegistration(maxVersion: 5) { ctx in
        let input = try ctx.prepareUnaryElementwise()
        switch input.type {
        case .float32:
            return ElementwiseKernel(ctx: ctx, count: input.elementCount, Operation())
        case .int32:
            return ElementwiseKernel<Int32, Int32>(ctx: ctx, count: input.elementCount) { x, y, n in
                for i in 0..<n { let v = x[i]; y[i] = v < 0 ? 0 &- v : v }
            }
        case .int8:
            let qi = try ctx.quantization(input, "input"), qo = try ctx.quantization(ctx.output(0), "output")
            let rescale = qi.scale != qo.scale, ratio = qi.scale / qo.scale
            guard ratio.isFinite else { throw ctx.error("input/output scale ratio \(ratio) is too large to requantize") }
            let (multiplier, shift) = FixedPoint.quantizeMultiplier(Double(ratio))
            guard !rescale || shift <= 31 else { throw ctx.error("input/output scale ratio \(ratio) is too large to requantize") }
            return try QuantizedLookup.kernel(ctx, type: .int8, count: input.elementCount) { x in
                let value = abs(x - qi.zeroPoint)
                return (rescale ? FixedPoint.multiplyByQuantizedMultiplier(value, multiplier, shift) : value) &+ qo.zeroPoint
            }
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { x.magnitude }
    }
}
