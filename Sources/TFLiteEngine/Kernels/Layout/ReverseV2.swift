/// REVERSE_V2: the input with the order of elements reversed along the
/// constant, non-empty int32 `axis` list (rank ≤ 8; the axes, after negative ones are
/// counted from the end, must be distinct and contiguous, as TFLite
/// requires). Any fixed-size element type; a strided view with negative
/// strides. Keras Bidirectional and `go_backwards` layers convert to it.
enum ReverseV2 {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let input = try ctx.input(0), axisTensor = try ctx.input(1)
        try ctx.require(axisTensor, rank: 1, "axis")
        try ctx.require(axisTensor, type: .int32, "axis")
        guard input.rank <= 8 else { throw ctx.error("input '\(input.name)' has rank \(input.rank), above 8") }
        let values = try ctx.constantInts(axisTensor, "axis")
        // LiteRT's kernel reads axes[-1] for an empty list (undefined behaviour).
        guard !values.isEmpty else { throw ctx.error("axis is empty") }
        guard values.count <= input.rank else {
            throw ctx.error("axis \(values) has \(values.count) entries for an input of rank \(input.rank)")
        }
        let axes = try values.map { try ctx.axis($0, rank: input.rank) }.sorted()
        for (a, b) in zip(axes, axes.dropFirst()) where b != a + 1 {
            throw ctx.error("axis \(values) must name distinct, contiguous dimensions")
        }
        let size = try ctx.requireSameTypeMovingBytes()
        try ctx.setOutputShape(0, input.shape)
        var strides = PrepareContext.elementStrides(input.shape)
        var base = 0
        if input.elementCount > 0 {
            for a in axes {
                base += (input.shape[a] - 1) * strides[a]
                strides[a] = -strides[a]
            }
        }
        return StridedCopyKernel(ctx: ctx, view: StridedView(sizes: input.shape, strides: strides, base: base), elementSize: size)
    }
}
