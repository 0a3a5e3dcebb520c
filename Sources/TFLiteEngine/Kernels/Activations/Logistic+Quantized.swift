#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Quantized LOGISTIC (int8 / uint8), TFLite Micro's reference kernel
/// (`reference_integer_ops::Logistic`): the input difference to its zero
/// point scaled to Q4.27, gemmlowp `logistic`, rescaled to 8 bits with output
/// zero point −128 (int8) / 0 (uint8) and scale 1/256; inputs beyond the
/// input radius saturate.
enum LogisticQuantized {
    static func prepareInt8(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 1)
        let input = try ctx.input(0), output = ctx.output(0)
        try ctx.setOutputShape(0, input.shape)
        guard input.type == .int8 || input.type == .uint8 else {
            throw ctx.error("input type \(input.type) is not supported by the quantized LOGISTIC kernel")
        }
        try ctx.require(output, type: input.type, "output")
        let qi = try ctx.quantization(input, "input"), qo = try ctx.quantization(output, "output")
        let expectedZeroPoint: Int32 = input.type == .int8 ? -128 : 0
        guard qo.zeroPoint == expectedZeroPoint, abs(qo.scale - 1.0 / 256) <= 0.001 / 256 else {
            throw ctx.error("output quantization (\(qo.scale), \(qo.zeroPoint)) must be (1/256, \(expectedZeroPoint))")
        }
        let integerBits = 4
        let real = Double(qi.scale) * Double(1 << (31 - integerBits))
        // TFLite Micro: frexp and round, without renormalisation.
        var exponent: Int32 = 0
        let fraction = frexp(real, &exponent)
        let q = (fraction * 2147483648.0).rounded(.toNearestOrAwayFromZero)
        let multiplier = q >= 2147483648.0 ? Int32.min : Int32(q)
        let leftShift = Int(exponent)
        guard leftShift >= 0, leftShift <= 30 else {
            throw ctx.error("input scale \(qi.scale) is outside the range the fixed-point logistic supports")
        }
        let radius = FixedPoint.inputRadius(integerBits: integerBits, leftShift: leftShift)
        let zeroPoint = qi.zeroPoint, outMin: Int32 = input.type == .int8 ? -128 : 0, outMax = outMin &+ 255
        // The output depends on the stored input value alone: the reference
        // arithmetic (gemmlowp's fixed-point logistic, ~100 ns an element)
        // runs once per value at prepare and `run` is a table lookup
        // (EfficientNet-B0 int8: 65 LOGISTIC nodes took 433 of its 540 ms).
        return try QuantizedLookup.kernel(ctx, type: input.type, count: input.elementCount) { stored in
            let x = stored &- zeroPoint
            if x <= -radius { return outMin }
            if x >= radius { return outMax }
            let q4 = FixedPoint.multiplyByQuantizedMultiplier(x, multiplier, leftShift)
            let q0 = FixedPoint.logistic(q4, integerBits: 4)
            return FixedPoint.roundingDivideByPOT(q0, 31 - 8) &+ outMin
        }
    }
}
