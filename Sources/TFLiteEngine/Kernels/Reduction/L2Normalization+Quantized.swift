/// Quantized L2_NORMALIZATION (int8 / uint8) over the last axis. The output
/// is quantized with scale 1/128 and zero point 0 (int8) or 128 (uint8), as
/// TFLite requires. Per row: the sum of squared offsets from the input zero
/// point, its inverse square root as a quantized multiplier
/// (`GetInvSqrtQuantizedMultiplierExp`), then each offset rescaled:
/// - int8, TFLite Micro (`reference_integer_ops::L2Normalization`):
///   `MultiplyByQuantizedMultiplier(d, m, shift + 7)`, clamped;
/// - uint8, LiteRT's reference (`reference_ops::L2Normalization`):
///   `128 + MultiplyByQuantizedMultiplierSmallerThanOneExp(128·d, m, shift)`, clamped.
/// A zero row gives the output zero point. Rows longer than 33,025 elements
/// can wrap the int32 sum of squares, as in TFLite; a wrapped (negative) sum
/// is treated like TFLite's `input <= 1` case.
enum L2NormalizationQuantized {
    static func prepare(_ ctx: PrepareContext, _ input: TensorSlot) throws -> Kernel {
        let qi = try ctx.quantization(input, "input"), qo = try ctx.quantization(ctx.output(0), "output")
        let expectedZeroPoint: Int32 = input.type == .uint8 ? 128 : 0
        guard qo.scale == 1.0 / 128, qo.zeroPoint == expectedZeroPoint else {
            throw ctx.error("output quantization (\(qo.scale), \(qo.zeroPoint)) must be (1/128, \(expectedZeroPoint))")
        }
        let zeroPoint = qi.zeroPoint
        switch input.type {
        case .int8:
            return RowKernel<Int8>(ctx: ctx, input: input, operationsPerElement: 4) { x, y, depth in
                let (m, shift) = inverseNorm(x, depth, zeroPoint)
                for i in 0..<depth {
                    let d = Int32(x[i]) &- zeroPoint
                    y[i] = Int8(min(max(FixedPoint.multiplyByQuantizedMultiplier(d, m, shift + 7), -128), 127))
                }
            }
        case .uint8:
            return RowKernel<UInt8>(ctx: ctx, input: input, operationsPerElement: 4) { x, y, depth in
                let (m, shift) = inverseNorm(x, depth, zeroPoint)
                for i in 0..<depth {
                    let d = Int32(x[i]) &- zeroPoint
                    let v = 128 &+ FixedPoint.multiplyByQuantizedMultiplierSmallerThanOne(128 &* d, m, shift)
                    y[i] = UInt8(min(max(v, 0), 255))
                }
            }
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }

    /// The inverse square root of a row's sum of squared offsets.
    @inline(__always)
    private static func inverseNorm<E: QuantizedElement>(_ x: UnsafePointer<E>, _ depth: Int, _ zeroPoint: Int32) -> (Int32, Int) {
        var sum: Int32 = 0
        for i in 0..<depth {
            let d = Int32(truncatingIfNeeded: x[i]) &- zeroPoint
            sum &+= d &* d
        }
        return FixedPoint.inverseSqrt(sum)
    }
}
