/// Quantized ADD (int8 / uint8) with TFLite's recipe: left shift 20,
/// inputs rescaled to twice the larger input scale, output rescaled
/// (`PrepareGeneralSubOp`-style multipliers, `QuantizeMultiplierSmallerThanOneExp`).
/// Same-shape int8 inputs run the vectorised `ElementwiseAddInt8`; broadcasting
/// and uint8 the generic `QuantizedBinaryKernel` (its reference).
enum AddQuantized {
    static func prepare(_ ctx: PrepareContext, shape: BroadcastShape, activation: FusedActivation) throws -> Kernel {
        let a = try ctx.input(0), b = try ctx.input(1), output = ctx.output(0)
        try ctx.require(b, type: a.type, "second input")
        try ctx.require(output, type: a.type, "output")
        let qa = try ctx.quantization(a, "first input"), qb = try ctx.quantization(b, "second input")
        let qo = try ctx.quantization(output, "output")
        let leftShift = 20
        let twiceMax = 2 * Double(max(qa.scale, qb.scale))
        guard let (m1, s1) = FixedPoint.quantizeMultiplierSmallerThanOne(Double(qa.scale) / twiceMax),
              let (m2, s2) = FixedPoint.quantizeMultiplierSmallerThanOne(Double(qb.scale) / twiceMax),
              let (mo, so) = FixedPoint.quantizeMultiplierSmallerThanOne(twiceMax / (Double(1 << leftShift) * Double(qo.scale)))
        else { throw ctx.error("input/output scales (\(qa.scale), \(qb.scale), \(qo.scale)) give a rescale factor outside (0, 1)") }
        let limits = ctx.quantizedLimits(a.type)
        let range = activation.quantizedRange(scale: qo.scale, zeroPoint: qo.zeroPoint, qmin: limits.min, qmax: limits.max)
        if a.type == .int8 && shape.isElementwise {
            return ElementwiseAddInt8(
                ctx: ctx, count: shape.elementCount, leftShift: leftShift, multiplier1: m1, shift1: s1, multiplier2: m2, shift2: s2,
                outputMultiplier: mo, outputShift: so, offset1: -qa.zeroPoint, offset2: -qb.zeroPoint, outputOffset: qo.zeroPoint,
                activation: range)
        }
        return try QuantizedBinaryKernel.make(
            ctx: ctx, type: a.type, shape: shape,
            arithmetic: .add(leftShift: leftShift, multiplier1: m1, shift1: s1, multiplier2: m2, shift2: s2, outputMultiplier: mo, outputShift: so),
            offset1: -qa.zeroPoint, offset2: -qb.zeroPoint, outputOffset: qo.zeroPoint,
            activation: range)
    }
}
