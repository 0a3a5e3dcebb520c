/// Quantized PRELU (int8 / uint8), TFLite's `BroadcastPrelu4DSlow` (LiteRT
/// and TFLite Micro alike): a non-negative offset input rescaled by input
/// scale / output scale, a negative one multiplied by the offset alpha and
/// rescaled by input scale · alpha scale / output scale (double products,
/// `QuantizeMultiplier`), plus the output zero point, clamped to the type.
enum PreluQuantized {
    static func prepare(_ ctx: PrepareContext, input: TensorSlot, alpha: TensorSlot, shape: BroadcastShape) throws -> Kernel {
        let output = ctx.output(0)
        try ctx.require(alpha, type: input.type, "alpha")
        try ctx.require(output, type: input.type, "output")
        let qi = try ctx.quantization(input, "input"), qa = try ctx.quantization(alpha, "alpha")
        let qo = try ctx.quantization(output, "output")
        let real1 = Double(qi.scale) / Double(qo.scale)
        let real2 = Double(qi.scale) * Double(qa.scale) / Double(qo.scale)
        guard real1.isFinite, real2.isFinite else {
            throw ctx.error("input/alpha/output scales (\(qi.scale), \(qa.scale), \(qo.scale)) give no finite PRELU multiplier")
        }
        let (m1, s1) = FixedPoint.quantizeMultiplier(real1), (m2, s2) = FixedPoint.quantizeMultiplier(real2)
        guard s1 <= 31, s2 <= 31 else { throw ctx.error("PRELU rescale factors (\(real1), \(real2)) are too large") }
        return try QuantizedBinaryKernel.make(
            ctx: ctx, type: input.type, shape: shape, arithmetic: .prelu(multiplier1: m1, shift1: s1, multiplier2: m2, shift2: s2),
            offset1: -qi.zeroPoint, offset2: -qa.zeroPoint, outputOffset: qo.zeroPoint, activation: ctx.quantizedLimits(input.type))
    }
}
