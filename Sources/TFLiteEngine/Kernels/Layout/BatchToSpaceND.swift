/// BATCH_TO_SPACE_ND (NHWC, or NHC seen as NH1C): the inverse of
/// SPACE_TO_BATCH_ND. The batch, a multiple of the block's element count,
/// is folded back into the spatial dimensions, then the constant crops
/// (input 2, [spatial, 2], each at most the uncropped size) are cut off:
/// output (n, oh, ow, c) is input ((i·bw + j)·N' + n, ih, iw, c) with
/// oh + crop_top = ih·bh + i, ow + crop_left = iw·bw + j. Any fixed-size
/// element type.
enum BatchToSpaceND {
    static let registration = OperatorRegistration(maxVersion: 4) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (input, g) = try BlockSpaceGeometry.read(ctx, amounts: "crops")
        let (n, h, w, c) = (input[0], input[1], input[2], input[3])
        let blocks = g.block[0] * g.block[1]
        guard n % blocks == 0 else { throw ctx.error("input batch \(n) is not a multiple of the block's \(blocks) elements (block shape \(g.block))") }
        var spatial: [Int] = []
        for (d, size) in [h, w].enumerated() {
            let (full, o) = size.multipliedReportingOverflow(by: g.block[d])
            let (b, a) = g.amounts[d]
            guard !o, b + a <= full else {
                throw ctx.error("crops (\(b), \(a)) of spatial dimension \(d) exceed its size \(size) × block \(g.block[d])")
            }
            spatial.append(full - b - a)
        }
        let output = [n / blocks, spatial[0], spatial[1], c]
        let size = try ctx.requireSameTypeMovingBytes()
        try ctx.setOutputShape(0, g.rank == 3 ? [output[0], spatial[0], c] : output)
        return BlockSpaceKernel(ctx: ctx, toBatch: false, input: input, output: output, g, elementSize: size,
                                fill: .zero(of: ctx.output(0), elementSize: size))
    }
}
