/// SUM over constant axes, with keep_dims (`ReducerOptions`); negative and
/// repeated axes allowed, out-of-range axes rejected. float32.
enum Sum {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let input = try ctx.input(0)
        let keepDims = try ctx.options(27)?.bool(4, "keep_dims") ?? false  // ReducerOptions
        let reduction = try Reduction(ctx: ctx, input: input, axes: try ctx.input(1), keepDims: keepDims)
        try ctx.setOutputShape(0, reduction.outputShape)
        switch input.type {
        case .float32:
            try ctx.require(ctx.output(0), type: .float32, "output")
            return SumFloat(ctx: ctx, reduction)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

/// Float32 sum. Each output element adds its inputs in row-major order (an
/// empty reduction gives 0). Tiles are output elements.
final class SumFloat: Kernel {
    let r: Reduction
    let inputIndex: Int, outputIndex: Int
    var input: UnsafePointer<Float>!
    var output: UnsafeMutablePointer<Float>!

    init(ctx: PrepareContext, _ r: Reduction) {
        self.r = r
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { r.outputCount }
    var cost: Int { r.outputCount * r.reducedCount }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(inputIndex, as: Float.self))
        output = memory.pointer(outputIndex, as: Float.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        let n = r.reducedCount
        for o in tiles {
            let base = input + r.keptOffset(o)
            var sum: Float = 0
            for i in 0..<n { sum += base[r.reducedOffset(i)] }
            output[o] = sum
        }
    }
}
