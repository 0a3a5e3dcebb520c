/// Quantized DIV (int8 / uint8), TFLite's reference arithmetic (TFLite
/// Micro for int8, LiteRT's reference kernels for uint8, the same
/// `DivElementwise`): the output multiplier is s1 / (s2 · s_out) computed in
/// float32 and quantized (`QuantizeMultiplier`), the quotient of the offset
/// inputs is formed from the divisor's fixed-point reciprocal (see
/// `QuantizedBinaryKernel.divide`), then the fused activation's clamp.
enum DivQuantized {
    static func prepare(_ ctx: PrepareContext, a: TensorSlot, b: TensorSlot, shape: BroadcastShape, activation: FusedActivation) throws -> Kernel {
        let output = ctx.output(0)
        try ctx.require(b, type: a.type, "second input")
        try ctx.require(output, type: a.type, "output")
        let qa = try ctx.quantization(a, "first input"), qb = try ctx.quantization(b, "second input")
        let qo = try ctx.quantization(output, "output")
        let real = Double(qa.scale / (qb.scale * qo.scale))
        guard real.isFinite, real > 0 else {
            throw ctx.error("input/output scales (\(qa.scale), \(qb.scale), \(qo.scale)) give no finite DIV rescale factor")
        }
        let (m, s) = FixedPoint.quantizeMultiplier(real)
        // The dividend (|v| ≤ 255) has at least 23 leading sign bits, so the
        // final shift stays a right shift up to this factor (2^23).
        guard s <= 23 else { throw ctx.error("DIV rescale factor \(real) is too large (shift \(s) > 23)") }
        let limits = ctx.quantizedLimits(a.type)
        return try QuantizedBinaryKernel.make(
            ctx: ctx, type: a.type, shape: shape, arithmetic: .div(outputMultiplier: m, outputShift: s),
            offset1: -qa.zeroPoint, offset2: -qb.zeroPoint, outputOffset: qo.zeroPoint,
            activation: activation.quantizedRange(scale: qo.scale, zeroPoint: qo.zeroPoint, qmin: limits.min, qmax: limits.max))
    }
}
