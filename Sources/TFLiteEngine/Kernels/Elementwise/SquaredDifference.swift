/// SQUARED_DIFFERENCE: element-wise `(a - b)²` with broadcasting. float32;
/// int8 with TFLite's integer recipe (left shift 7, inputs rescaled to twice
/// the larger input scale, the squared difference rescaled to the output).
enum SquaredDifference {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx) }

    struct Operation: FloatBinaryOperation {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { let d = a - b; return d * d }
        @inline(__always) static func apply(_ a: FloatVector, _ b: FloatVector) -> FloatVector { let d = a - b; return d * d }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (a, b, shape, _) = try ctx.prepareBroadcastBinary(SquaredDifferenceOptions.self, activation: nil)
        switch a.type {
        case .float32:
            // No fused activation: (±inf)² stays infinite, as in LiteRT.
            return try ctx.floatBinaryKernel(Operation.self, b: b, shape: shape, activation: nil)
        case .int8:
            return try prepareInt8(ctx, a: a, b: b, shape: shape)
        default:
            throw ctx.error("input type \(a.type) is not supported")
        }
    }

    /// TFLite Micro's `PrepareQuantized` with left shift 7 (255² · 2^14 fits in int32).
    static func prepareInt8(_ ctx: PrepareContext, a: TensorSlot, b: TensorSlot, shape: BroadcastShape) throws -> Kernel {
        try ctx.require(b, type: .int8, "second input")
        try ctx.require(ctx.output(0), type: .int8, "output")
        let qa = try ctx.quantization(a, "first input"), qb = try ctx.quantization(b, "second input")
        let qo = try ctx.quantization(ctx.output(0), "output")
        let leftShift = 7
        let twiceMax = 2 * Double(max(qa.scale, qb.scale))
        let realOutput = twiceMax * twiceMax / Double(Float(1 << (2 * leftShift)) * qo.scale)
        guard let (m1, s1) = FixedPoint.quantizeMultiplierSmallerThanOne(Double(qa.scale) / twiceMax),
              let (m2, s2) = FixedPoint.quantizeMultiplierSmallerThanOne(Double(qb.scale) / twiceMax),
              realOutput.isFinite, realOutput > 0
        else { throw ctx.error("input/output scales (\(qa.scale), \(qb.scale), \(qo.scale)) give no usable rescale factors") }
        let (mo, so) = FixedPoint.quantizeMultiplier(realOutput)
        guard so <= 31 else { throw ctx.error("output rescale factor \(realOutput) is too large") }
        return try QuantizedBinaryKernel.make(
            ctx: ctx, type: .int8, shape: shape,
            arithmetic: .squaredDifference(leftShift: leftShift, multiplier1: m1, shift1: s1, multiplier2: m2, shift2: s2,
                                           outputMultiplier: mo, outputShift: so),
            offset1: -qa.zeroPoint, offset2: -qb.zeroPoint, outputOffset: qo.zeroPoint, activation: (-128, 127))
    }
}
