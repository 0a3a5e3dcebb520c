/// Quantized MUL (int8 / uint8): (x1 − zp1)(x2 − zp2) rescaled by
/// s1·s2/s_out (double, `QuantizeMultiplier`) plus the output zero point.
enum MulQuantized {
    static func prepareInt8(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let a = try ctx.input(0), b = try ctx.input(1), output = ctx.output(0)
        let activation = try ctx.fusedActivation(try ctx.options(MulOptions.self).fusedActivationFunction)
        let shape = try BroadcastShape(a.shape, b.shape, ctx: ctx)
        try ctx.setOutputShape(0, shape.outputShape)
        guard a.type == .int8 || a.type == .uint8 else { throw ctx.error("input type \(a.type) is not supported by the quantized MUL kernel") }
        try ctx.require(b, type: a.type, "second input")
        try ctx.require(output, type: a.type, "output")
        let qa = try ctx.quantization(a, "first input"), qb = try ctx.quantization(b, "second input")
        let qo = try ctx.quantization(output, "output")
        let real = Double(qa.scale) * Double(qb.scale) / Double(qo.scale)
        let (m, s) = FixedPoint.quantizeMultiplier(real)
        guard real.isFinite, s <= 31 else { throw ctx.error("rescale factor \(real) is out of range") }
        let limits = ctx.quantizedLimits(a.type)
        return try QuantizedBinaryKernel.make(
            ctx: ctx, type: a.type, shape: shape, arithmetic: .mul(outputMultiplier: m, outputShift: s),
            offset1: -qa.zeroPoint, offset2: -qb.zeroPoint, outputOffset: qo.zeroPoint,
            activation: activation.quantizedRange(scale: qo.scale, zeroPoint: qo.zeroPoint, qmin: limits.min, qmax: limits.max))
    }
}
