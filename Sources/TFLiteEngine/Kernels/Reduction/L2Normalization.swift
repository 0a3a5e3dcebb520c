/// L2_NORMALIZATION over the last axis: `x / max(sqrt(Σ x²), 1e-6)`
/// (TFLite's epsilon handling: a zero row gives zeros). Rank ≥ 1 (LiteRT
/// 2.x accepts rank 5 too); no fused activation, as in TFLite. float32;
/// int8/uint8 in `L2NormalizationQuantized`.
enum L2Normalization {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx) }
    static let epsilon: Float = 1e-6

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let input = try ctx.prepareUnaryElementwise()
        try ctx.require(input, rankIn: 1...BroadcastShape.maxRank, "input")
        let activation = try ctx.fusedActivation(try ctx.options(L2NormOptions.self).fusedActivationFunction)
        guard activation == .none else { throw ctx.error("fused activation \(activation) is not supported (TFLite requires NONE)") }
        switch input.type {
        case .float32:
            return FloatRowKernel(ctx: ctx, input: input, operationsPerElement: 3) { x, y, d in
                var sum: Float = 0
                for i in 0..<d { sum += x[i] * x[i] }
                let norm = max(sum.squareRoot(), epsilon)
                for i in 0..<d { y[i] = x[i] / norm }
            }
        case .int8, .uint8:
            return try L2NormalizationQuantized.prepare(ctx, input)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
