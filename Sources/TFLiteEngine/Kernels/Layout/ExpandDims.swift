/// EXPAND_DIMS: inserts a dimension of size 1 at `axis` (a constant int32 or
/// int64 scalar / one-element tensor in -(rank+1)…rank; a huge negative axis
/// was CVE-2021-37685). Same bytes: the output shares the input's memory.
enum ExpandDims {
    static let registration = OperatorRegistration(maxVersion: 3, aliasesInput: true) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let input = try ctx.input(0)
        let raw = try ctx.constantScalarInt(try ctx.input(1), "axis")
        let rank = input.rank
        guard raw >= -(rank + 1), raw <= rank else {
            throw ctx.error("axis \(raw) is out of range \(-(rank + 1))…\(rank) for an input of rank \(rank)")
        }
        let axis = raw < 0 ? raw + rank + 1 : raw
        guard rank < 8 else { throw ctx.error("rank \(rank + 1) is above 8") }
        _ = try ctx.requireSameTypeMovingBytes()
        var shape = input.shape
        shape.insert(1, at: axis)
        try ctx.setOutputShape(0, shape)
        return CopyKernel(ctx: ctx, byteCount: input.byteCount)
    }
}
