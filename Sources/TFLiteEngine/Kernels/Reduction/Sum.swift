/// SUM over constant axes, with keep_dims (`ReducerOptions`); negative and
/// repeated axes allowed, out-of-range axes rejected. float32; int8/uint8
/// with TFLite Micro's integer `QuantizedMeanOrSum` (`MeanQuantized`).
enum Sum {
    /// Float32 sum; an empty reduction gives 0.
    enum FloatSum: ReduceOperation {
        static var initial: Float { 0 }
        @inline(__always) static func combine(_ a: Float, _ x: Float) -> Float { a + x }
    }

    static let registration = OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (input, reduction) = try ctx.prepareReduction()
        switch input.type {
        case .float32:
            try ctx.require(ctx.output(0), type: .float32, "output")
            return ReduceKernel(ctx: ctx, reduction, FloatSum.self)
        case .int8, .uint8:
            return try MeanQuantized.prepare(ctx, reduction, sum: true)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
