/// Quantized HARD_SWISH (int8 / uint8): TFLite's reference integer kernel
/// (`reference_ops::HardSwish` with `HardSwishParams`), in 16-bit fixed
/// point: the input on a "hi-res" scale (×128), its product with the output
/// multiplier, a "relu-ish" factor in [0, 1] (the input rescaled so that 3.0
/// is 2^15, saturated, mapped from [−1, 1] to [0, 1]), their truncating
/// doubling high product, the output shift and zero point. Evaluated into a
/// lookup table at prepare (`QuantizedLookup`).
struct HardSwishQuantized {
    let inputZeroPoint: Int32, outputZeroPoint: Int32
    /// Q0.15 multiplier and exponent (≤ 0) from the hi-res input scale to the output scale.
    let outputMultiplier: Int16, outputExponent: Int
    /// Q0.15 multiplier and exponent from the hi-res input scale to 3/2^15.
    let reluishMultiplier: Int16, reluishExponent: Int

    static func prepare(_ ctx: PrepareContext, _ input: TensorSlot) throws -> Kernel {
        let qi = try ctx.quantization(input, "input"), qo = try ctx.quantization(ctx.output(0), "output")
        let op = try HardSwishQuantized(input: qi, output: qo, ctx: ctx)
        return try QuantizedLookup.kernel(ctx, type: input.type, count: input.elementCount, op.apply)
    }

    /// The multipliers as TFLite's prepare computes them (float32 scale
    /// arithmetic, `QuantizeMultiplier`, `DownScaleInt32ToInt16Multiplier`).
    init(input: TensorQuantization, output: TensorQuantization, ctx: PrepareContext) throws {
        inputZeroPoint = input.zeroPoint
        outputZeroPoint = output.zeroPoint
        let hiresInputScale: Float = (1.0 / 128.0) * input.scale
        let outputReal = Double(hiresInputScale / output.scale)
        let reluishReal = Double(hiresInputScale / (3.0 / 32768.0))
        guard outputReal.isFinite, outputReal > 0, reluishReal.isFinite, reluishReal > 0 else {
            throw ctx.error("input/output scales (\(input.scale), \(output.scale)) give no finite positive HARD_SWISH multiplier")
        }
        let (om, oe) = FixedPoint.quantizeMultiplier(outputReal)
        guard oe <= 0 else {
            throw ctx.error("input scale \(input.scale) is too large for output scale \(output.scale) (HARD_SWISH output multiplier exponent \(oe) > 0)")
        }
        let (rm, re) = FixedPoint.quantizeMultiplier(reluishReal)
        guard re <= 31 else { throw ctx.error("input scale \(input.scale) is too large for the fixed-point HARD_SWISH") }
        outputMultiplier = FixedPoint.downScaleToInt16(om)
        outputExponent = oe
        reluishMultiplier = FixedPoint.downScaleToInt16(rm)
        reluishExponent = re
    }

    /// The output for a stored input value (int16 wrap-around as in C++).
    func apply(_ x: Int32) -> Int32 {
        let inputValue = Int16(truncatingIfNeeded: x &- inputZeroPoint)
        let hires = Int16(truncatingIfNeeded: Int32(inputValue) &* 128)
        let preshiftOutputScale = FixedPoint.saturatingRoundingDoublingHighMul16(hires, outputMultiplier)
        var reluish = hires
        if reluishExponent > 0 { reluish = FixedPoint.saturatingLeftShift16(reluish, reluishExponent - 1) }
        reluish = FixedPoint.saturatingRoundingDoublingHighMul16(reluish, reluishMultiplier)
        if reluishExponent > 0 { reluish = FixedPoint.saturatingLeftShift16(reluish, 1) }
        if reluishExponent < 0 { reluish = FixedPoint.roundingDivideByPOT16(reluish, -reluishExponent) }
        reluish = Int16(truncatingIfNeeded: (Int32(reluish) &+ (1 << 15)) >> 1)
        let preshift = FixedPoint.saturatingDoublingHighMul16(reluish, preshiftOutputScale)
        let scaled = FixedPoint.roundingDivideByPOT16(preshift, -outputExponent)
        return Int32(Int16(truncatingIfNeeded: Int32(scaled) &+ outputZeroPoint))
    }
}
