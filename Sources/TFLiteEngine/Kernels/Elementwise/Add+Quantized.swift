/// Quantized ADD and SUB (int8 / uint8) with TFLite's recipe: left shift 20,
/// inputs rescaled to twice the larger input scale, output rescaled
/// (`QuantizeMultiplierSmallerThanOneExp` multipliers).
/// Same-shape int8 inputs run the vectorised `ElementwiseAddInt8`; broadcasting
/// and uint8 the generic `QuantizedBinaryKernel` (its reference).
///
/// SUB follows the reference that defines each type: int8 TFLite Micro
/// (`CalculateOpDataSub`: multipliers from float32 scale ratios, the rescaled
/// second input subtracted, `reference_ops::Sub`); uint8 LiteRT
/// (`PrepareGeneralSubOp`: double ratios, ADD's kernel with the second
/// multiplier negated). The two differ only where a rescaled product is an
/// exact rounding tie or the ratios round differently.
enum AddQuantized {
    static func prepare(_ ctx: PrepareContext, shape: BroadcastShape, activation: FusedActivation, subtract: Bool = false) throws -> Kernel {
        let a = try ctx.input(0), b = try ctx.input(1), output = ctx.output(0)
        try ctx.require(b, type: a.type, "second input")
        try ctx.require(output, type: a.type, "output")
        let qa = try ctx.quantization(a, "first input"), qb = try ctx.quantization(b, "second input")
        let qo = try ctx.quantization(output, "output")
        let leftShift = 20
        let ratios: (Double, Double, Double)
        if subtract && a.type == .int8 {
            let twiceMax = 2 * max(qa.scale, qb.scale)
            ratios = (Double(qa.scale / twiceMax), Double(qb.scale / twiceMax), Double(twiceMax / (Float(1 << leftShift) * qo.scale)))
        } else {
            let twiceMax = 2 * Double(max(qa.scale, qb.scale))
            ratios = (Double(qa.scale) / twiceMax, Double(qb.scale) / twiceMax, twiceMax / (Double(1 << leftShift) * Double(qo.scale)))
        }
        guard let (m1, s1) = FixedPoint.quantizeMultiplierSmallerThanOne(ratios.0),
              let (m2, s2) = FixedPoint.quantizeMultiplierSmallerThanOne(ratios.1),
              let (mo, so) = FixedPoint.quantizeMultiplierSmallerThanOne(ratios.2)
        else { throw ctx.error("input/output scales (\(qa.scale), \(qb.scale), \(qo.scale)) give a rescale factor outside (0, 1)") }
        let limits = ctx.quantizedLimits(a.type)
        let range = activation.quantizedRange(scale: qo.scale, zeroPoint: qo.zeroPoint, qmin: limits.min, qmax: limits.max)
        // int8 SUB subtracts the rescaled second input; uint8 SUB negates its multiplier.
        let subtractScaled = subtract && a.type == .int8
        let multiplier2 = subtract && !subtractScaled ? -m2 : m2
        if a.type == .int8 && shape.isElementwise {
            return ElementwiseAddInt8(
                ctx: ctx, count: shape.elementCount, leftShift: leftShift, multiplier1: m1, shift1: s1, multiplier2: m2, shift2: s2,
                outputMultiplier: mo, outputShift: so, offset1: -qa.zeroPoint, offset2: -qb.zeroPoint, outputOffset: qo.zeroPoint,
                activation: range, subtract: subtractScaled)
        }
        return try QuantizedBinaryKernel.make(
            ctx: ctx, type: a.type, shape: shape,
            arithmetic: .add(leftShift: leftShift, multiplier1: m1, shift1: s1, multiplier2: multiplier2, shift2: s2,
                             outputMultiplier: mo, outputShift: so, subtract: subtractScaled),
            offset1: -qa.zeroPoint, offset2: -qb.zeroPoint, outputOffset: qo.zeroPoint,
            activation: range)
    }
}
