/// SQUEEZE: removes size-1 dimensions — those listed in `squeeze_dims`
/// (negative counts from the end; each must have size 1), or all of them.
/// Same bytes: the output shares the input's memory when possible.
enum Squeeze {
    static let registration = OperatorRegistration(maxVersion: 2, aliasesInput: true) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 1)
        let input = try ctx.input(0)
        let dims = try ctx.options(SqueezeOptions.self).squeezeDims ?? []
        guard dims.count <= 8 else { throw ctx.error("\(dims.count) squeeze dims are more than 8") }
        var remove = [Bool](repeating: false, count: input.rank)
        if dims.isEmpty {
            for d in 0..<input.rank where input.shape[d] == 1 { remove[d] = true }
        } else {
            for raw in dims {
                let d = raw < 0 ? Int(raw) + input.rank : Int(raw)
                guard d >= 0, d < input.rank else { throw ctx.error("squeeze axis \(raw) is out of range for rank \(input.rank)") }
                guard input.shape[d] == 1 else { throw ctx.error("dimension \(d) of shape \(input.shape) is not 1") }
                remove[d] = true
            }
        }
        _ = try ctx.requireSameTypeMovingBytes()
        try ctx.setOutputShape(0, (0..<input.rank).filter { !remove[$0] }.map { input.shape[$0] })
        return CopyKernel(ctx: ctx, byteCount: input.byteCount)
    }
}
