/// SHAPE: the input's shape as a 1-D int32 or int64 tensor (`out_type`).
/// It depends only on the input's shape, never its values, so it is
/// registered with `dependsOnlyOnShapes` and folded at prepare even when its
/// input is computed at run time.
enum Shape {
    static let registration = OperatorRegistration(maxVersion: 1, dependsOnlyOnShapes: true) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 1)
        let input = try ctx.input(0)
        let outType = ctx.node.optionsType == 0 ? TensorType.int32.rawValue : try ctx.options(ShapeOptions.self).outType
        let output = ctx.output(0)
        let expected: TensorType
        switch outType {
        case 2: expected = .int32
        case 4: expected = .int64
        default: throw ctx.error("out_type \(outType) is not int32 or int64")
        }
        try ctx.require(output, type: expected, "output")
        if expected == .int32 {
            for d in input.shape where d > Int(Int32.max) { throw ctx.error("dimension \(d) does not fit in int32") }
        }
        try ctx.setOutputShape(0, [input.rank])
        return ShapeKernel(ctx: ctx, shape: input.shape, is64Bit: expected == .int64)
    }
}

/// Writes a shape known at prepare.
final class ShapeKernel: Kernel {
    let shape: [Int]
    let is64Bit: Bool
    let outputIndex: Int
    var output: UnsafeMutableRawPointer!

    init(ctx: PrepareContext, shape: [Int], is64Bit: Bool) {
        self.shape = shape
        self.is64Bit = is64Bit
        outputIndex = ctx.node.outputs[0]
    }

    func bind(_ memory: TensorMemory) { output = memory.raw(outputIndex) }

    func run(tiles: Range<Int>, worker: Int) {
        for (i, d) in shape.enumerated() {
            if is64Bit {
                output.storeBytes(of: Int64(d), toByteOffset: i &* 8, as: Int64.self)
            } else {
                output.storeBytes(of: Int32(truncatingIfNeeded: d), toByteOffset: i &* 4, as: Int32.self)
            }
        }
    }
}
