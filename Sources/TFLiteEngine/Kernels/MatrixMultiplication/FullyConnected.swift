/// FULLY_CONNECTED: input [..., K] (flattened to [B, K]), weights [N, K],
/// optional bias [N] → output [B, N], or [..., N] with keep_num_dims.
enum FullyConnected {
    static let registration = OperatorRegistration(maxVersion: 12) { ctx in try prepare(ctx) }

    struct Parameters {
        var batches: Int
        var inputDepth: Int
        var outputDepth: Int
        var activation: FusedActivation
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2...3)
        let input = try ctx.input(0), weights = try ctx.input(1)
        try ctx.require(weights, rank: 2, "weights")
        let options = try ctx.options(FullyConnectedOptions.self)
        let weightsFormat = options.weightsFormat
        guard weightsFormat == 0 else { throw ctx.error("weights_format \(weightsFormat) (shuffled) is not supported") }
        let keepNumDims = options.keepNumDims
        let outputDepth = weights.shape[0], inputDepth = weights.shape[1]
        guard inputDepth >= 1 else { throw ctx.error("weights have \(inputDepth) input features") }
        let total = input.elementCount
        guard total % inputDepth == 0 else {
            throw ctx.error("input shape \(input.shape) does not flatten to rows of \(inputDepth) features")
        }
        let batches = total / inputDepth
        if let bias = ctx.optionalInput(2) {
            guard bias.elementCount == outputDepth else { throw ctx.error("bias has \(bias.elementCount) elements for \(outputDepth) outputs") }
        }
        if keepNumDims {
            guard let last = input.shape.last, last == inputDepth else {
                throw ctx.error("keep_num_dims needs the input's last dimension (\(input.shape)) to equal \(inputDepth)")
            }
            try ctx.setOutputShape(0, Array(input.shape.dropLast()) + [outputDepth])
        } else {
            try ctx.setOutputShape(0, [batches, outputDepth])
        }
        let parameters = Parameters(
            batches: batches, inputDepth: inputDepth, outputDepth: outputDepth,
            activation: try ctx.fusedActivation(options.fusedActivationFunction))

        return try ctx.filteredKernel(
            filterRole: "weights",
            hybrid: { try FullyConnectedHybrid.make(ctx, parameters) },
            float: { try FullyConnectedFloat.make(ctx: ctx, parameters) },
            quantized: { try FullyConnectedQuantized.prepare(ctx, parameters) })
    }
}

/// Float32 fully connected. Tiles are batch rows.
final class FullyConnectedFloatReference: Kernel {
    let p: FullyConnected.Parameters
    let operands: FilteredOperands
    var input: UnsafePointer<Float>!
    var weights: UnsafePointer<Float>!
    var bias: UnsafePointer<Float>?
    var output: UnsafeMutablePointer<Float>!

    init(ctx: PrepareContext, _ p: FullyConnected.Parameters) {
        self.p = p
        operands = FilteredOperands(ctx)
    }

    var tileCount: Int { p.batches }
    var cost: Int { p.batches * p.inputDepth * p.outputDepth }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(operands.input, as: Float.self))
        weights = UnsafePointer(memory.pointer(operands.filter, as: Float.self))
        bias = operands.bias.map { UnsafePointer(memory.pointer($0, as: Float.self)) }
        output = memory.pointer(operands.output, as: Float.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        let k = p.inputDepth, n = p.outputDepth
        let (lo, hi) = p.activation.floatRange
        for b in tiles {
            let x = input + b &* k
            let y = output + b &* n
            for o in 0..<n {
                let w = weights + o &* k
                var acc: Float = 0
                for i in 0..<k { acc += x[i] * w[i] }
                acc += bias?[o] ?? 0
                y[o] = min(max(acc, lo), hi)
            }
        }
    }
}
