/// BROADCAST_TO: input 0 repeated along dimensions of size 1 (and new
/// leading dimensions) to the shape given by input 1 (a constant 1-D
/// int32/int64 tensor of rank ≤ 8). Moves bytes: any fixed-size type;
/// quantized tensors share one quantization.
enum BroadcastTo {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }
    static let maxRank = 8

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let input = try ctx.input(0)
        _ = try ctx.options(BroadcastToOptions.self)
        let shape = try ctx.constantShape(try ctx.input(1), "shape")
        guard shape.count <= maxRank else { throw ctx.error("output rank \(shape.count) is above \(maxRank)") }
        guard input.rank <= shape.count else {
            throw ctx.error("input '\(input.name)' has rank \(input.rank), above the rank \(shape.count) of shape \(shape)")
        }
        let pad = shape.count - input.rank
        for (i, d) in input.shape.enumerated() where d != 1 && d != shape[pad + i] {
            throw ctx.error("input shape \(input.shape) cannot be broadcast to \(shape): dimension \(i) is \(d)")
        }
        try ctx.setOutputShape(0, shape)
        let size = try ctx.requireSameTypeMovingBytes()
        let inputStrides = PrepareContext.elementStrides(input.shape)
        var strides = [Int](repeating: 0, count: shape.count)
        for (i, d) in input.shape.enumerated() where d != 1 { strides[pad + i] = inputStrides[i] }
        return StridedCopyKernel(ctx: ctx, view: StridedView(sizes: shape, strides: strides, base: 0), elementSize: size)
    }
}
