/// QUANTIZE: float32 → int8/uint8, or requantization between int8 and
/// uint8 tensors of different scale / zero point.
enum Quantize {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 1)
        let input = try ctx.input(0), output = ctx.output(0)
        try ctx.setOutputShape(0, input.shape)
        let qo = try ctx.quantization(output, "output")
        if let q = output.quantization, q.scale.count > 1 {
            throw ctx.error("per-channel quantized output is not supported")
        }
        let n = input.elementCount
        switch (input.type, output.type) {
        case (.float32, .int8): return quantizeFloat(Int8.self, ctx: ctx, output: qo, count: n)
        case (.float32, .uint8): return quantizeFloat(UInt8.self, ctx: ctx, output: qo, count: n)
        case (.int8, .int8), (.int8, .uint8), (.uint8, .int8), (.uint8, .uint8):
            let r = Requantization(input: try ctx.quantization(input, "input"), output: qo)
            guard r.shift <= 31 else { throw ctx.error("requantization factor is out of range") }
            switch (input.type, output.type) {
            case (.int8, .int8): return requantize(Int8.self, Int8.self, ctx: ctx, r, count: n)
            case (.int8, .uint8): return requantize(Int8.self, UInt8.self, ctx: ctx, r, count: n)
            case (.uint8, .int8): return requantize(UInt8.self, Int8.self, ctx: ctx, r, count: n)
            default: return requantize(UInt8.self, UInt8.self, ctx: ctx, r, count: n)
            }
        default:
            throw ctx.error("quantizing \(input.type) to \(output.type) is not supported")
        }
    }
}

/// QUANTIZE kernels: float32 → int8/uint8 (`AffineQuantize`: round half
/// away from zero of x / scale, plus zero point, clamped) and int8/uint8 →
/// int8/uint8 requantization (`Requantize`: MultiplyByQuantizedMultiplier of
/// the offset input by s_in/s_out).
extension Quantize {
    /// float32 → int8/uint8.
    static func quantizeFloat<E: QuantizedElement>(_: E.Type, ctx: PrepareContext, output q: TensorQuantization, count: Int) -> Kernel {
        let scale = q.scale, zeroPoint = Int64(q.zeroPoint)
        let lo = Int64(E.min), hi = Int64(E.max)
        return ElementwiseKernel<Float, E>(ctx: ctx, count: count) { x, y, n in
            for i in 0..<n {
                let v = Int64(FixedPoint.roundToInt32(x[i] / scale)) &+ zeroPoint
                y[i] = E(truncatingIfNeeded: min(max(v, lo), hi))
            }
        }
    }

    /// int8/uint8 → int8/uint8 with another scale and zero point.
    static func requantize<I: QuantizedElement, O: QuantizedElement>(_: I.Type, _: O.Type, ctx: PrepareContext, _ r: Requantization, count: Int) -> Kernel {
        let lo = Int32(O.min), hi = Int32(O.max)
        return ElementwiseKernel<I, O>(ctx: ctx, count: count, operationsPerElement: 2) { x, y, n in
            for i in 0..<n {
                let v = FixedPoint.multiplyByQuantizedMultiplier(Int32(truncatingIfNeeded: x[i]) &- r.inputZeroPoint, r.multiplier, r.shift) &+ r.outputZeroPoint
                y[i] = O(truncatingIfNeeded: min(max(v, lo), hi))
            }
        }
    }
}
