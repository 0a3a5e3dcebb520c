/// SLICE: `size` elements from `begin` in every dimension (int32 or int64
/// inputs; size -1 means "to the end"). Any fixed-size element type. With a
/// begin or size computed at run time, the output's shape is known only at
/// run time (`Slice+RunTimeShape.swift`).
enum Slice {
    static let registration = OperatorRegistration(maxVersion: 6) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 3)
        let input = try ctx.input(0)
        guard input.rank <= 6 else { throw ctx.error("rank \(input.rank) is above 6") }
        if try !ctx.input(1).isConstant || !ctx.input(2).isConstant { return try prepareRunTime(ctx, input: input) }
        let begin = try ctx.constantInts(try ctx.input(1), "begin")
        let sizes = try ctx.constantInts(try ctx.input(2), "size")
        guard begin.count == input.rank, sizes.count == input.rank else {
            throw ctx.error("begin \(begin) and size \(sizes) must have \(input.rank) entries")
        }
        var shape: [Int] = []
        for d in 0..<input.rank {
            let b = begin[d], dim = input.shape[d]
            let s = sizes[d] == -1 ? dim - b : sizes[d]
            guard b >= 0, b <= dim, s >= 0, s <= dim - b else {
                throw ctx.error("slice begin \(b) size \(sizes[d]) is out of bounds for dimension \(d) of size \(dim)")
            }
            shape.append(s)
        }
        let size = try ctx.requireSameTypeMovingBytes()
        try ctx.setOutputShape(0, shape)
        let strides = PrepareContext.elementStrides(input.shape)
        let base = zip(begin, strides).reduce(0) { $0 &+ $1.0 &* $1.1 }
        return StridedCopyKernel(ctx: ctx, view: StridedView(sizes: shape, strides: strides, base: base), elementSize: size)
    }
}
