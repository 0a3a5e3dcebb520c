/// L2_NORMALIZATION over the last axis: `x / max(sqrt(Σ x²), 1e-6)`
/// (TFLite's epsilon handling: a zero row gives zeros). Rank ≥ 1 (LiteRT
/// 2.x accepts rank 5 too); no fused activation, as in TFLite. float32.
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
            let depth = input.shape.last ?? 1
            return L2NormalizationFloat(ctx: ctx, depth: depth, rows: depth == 0 ? 0 : input.elementCount / depth)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

/// Float32 L2 normalization of rows of `depth` elements. Tiles are rows.
final class L2NormalizationFloat: UnaryOperandKernel {
    let depth: Int, rows: Int
    let inputIndex: Int, outputIndex: Int
    var input: UnsafePointer<Float>!
    var output: UnsafeMutablePointer<Float>!

    init(ctx: PrepareContext, depth: Int, rows: Int) {
        self.depth = depth
        self.rows = rows
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { rows }
    var cost: Int { rows * depth * 3 }

    func run(tiles: Range<Int>, worker: Int) {
        guard let input, let output else { return }
        let d = depth
        for r in tiles {
            let x = input + r &* d, y = output + r &* d
            var sum: Float = 0
            for i in 0..<d { sum += x[i] * x[i] }
            let norm = max(sum.squareRoot(), L2Normalization.epsilon)
            for i in 0..<d { y[i] = x[i] / norm }
        }
    }
}
