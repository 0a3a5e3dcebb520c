/// Quantized LEAKY_RELU (int8 / uint8), TFLite's `QuantizeLeakyRelu` (LiteRT
/// and TFLite Micro alike): the input difference to its zero point, rescaled
/// by input scale / output scale when ≥ 0 and by input scale · alpha /
/// output scale otherwise (`QuantizeMultiplier` of the double products; a
/// negative alpha negates the rescaled value), plus the output zero point,
/// clamped. Evaluated into a lookup table at prepare.
enum LeakyReluQuantized {
    static func prepare(_ ctx: PrepareContext, _ input: TensorSlot, alpha: Float) throws -> Kernel {
        let qi = try ctx.quantization(input, "input"), qo = try ctx.quantization(ctx.output(0), "output")
        let identityReal = Double(qi.scale) / Double(qo.scale)
        let alphaReal = Double(qi.scale) * Double(alpha) / Double(qo.scale)
        guard identityReal.isFinite, alphaReal.isFinite else {
            throw ctx.error("input/output scales (\(qi.scale), \(qo.scale)) and alpha \(alpha) give no finite LEAKY_RELU multiplier")
        }
        let identity = FixedPoint.quantizeMultiplier(identityReal)
        let negativeAlpha = alphaReal < 0
        let scaledAlpha = FixedPoint.quantizeMultiplier(abs(alphaReal))
        for (name, m) in [("input/output", identity), ("alpha", scaledAlpha)] where m.shift > 31 {
            throw ctx.error("\(name) rescale factor is too large (shift \(m.shift) > 31)")
        }
        let inputZeroPoint = qi.zeroPoint, outputZeroPoint = qo.zeroPoint
        return try QuantizedLookup.kernel(ctx, type: input.type, count: input.elementCount) { x in
            let v = x &- inputZeroPoint
            if v >= 0 {
                return outputZeroPoint &+ FixedPoint.multiplyByQuantizedMultiplier(v, identity.multiplier, identity.shift)
            }
            let scaled = FixedPoint.multiplyByQuantizedMultiplier(v, scaledAlpha.multiplier, scaledAlpha.shift)
            return outputZeroPoint &+ (negativeAlpha ? 0 &- scaled : scaled)
        }
    }
}
