/// REDUCE_MAX over constant axes, with keep_dims (`ReducerOptions`);
/// negative and repeated axes allowed, out-of-range axes rejected. float32;
/// int8/uint8 when input and output share their quantization (stored values
/// compare like real ones). An empty reduction gives the type's lowest value,
/// as in TFLite.
enum ReduceMax {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let input = try ctx.input(0)
        let keepDims = try ctx.options(27)?.bool(4, "keep_dims") ?? false  // ReducerOptions
        let reduction = try Reduction(ctx: ctx, input: input, axes: try ctx.input(1), keepDims: keepDims)
        try ctx.setOutputShape(0, reduction.outputShape)
        let out = ctx.output(0)
        guard out.type == input.type else { throw ctx.error("output '\(out.name)' is \(out.type), the input is \(input.type)") }
        switch input.type {
        case .float32:
            return ReduceMaxKernel<Float>(ctx: ctx, reduction, lowest: -.greatestFiniteMagnitude)
        case .int8:
            try ctx.requireSameQuantization(input, out, "input and output")
            return ReduceMaxKernel<Int8>(ctx: ctx, reduction, lowest: .min)
        case .uint8:
            try ctx.requireSameQuantization(input, out, "input and output")
            return ReduceMaxKernel<UInt8>(ctx: ctx, reduction, lowest: .min)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

/// Maximum over the reduced axes of stored values. Tiles are output elements.
final class ReduceMaxKernel<Element: Comparable>: Kernel {
    let r: Reduction
    let lowest: Element
    let inputIndex: Int, outputIndex: Int
    var input: UnsafePointer<Element>!
    var output: UnsafeMutablePointer<Element>!

    init(ctx: PrepareContext, _ r: Reduction, lowest: Element) {
        self.r = r
        self.lowest = lowest
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { r.outputCount }
    var cost: Int { r.outputCount * r.reducedCount }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(inputIndex, as: Element.self))
        output = memory.pointer(outputIndex, as: Element.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        let n = r.reducedCount
        for o in tiles {
            let base = input + r.keptOffset(o)
            var best = lowest
            for i in 0..<n {
                let v = base[r.reducedOffset(i)]
                if best < v { best = v }
            }
            output[o] = best
        }
    }
}
