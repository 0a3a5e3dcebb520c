/// TRANSPOSE: output dimension i is input dimension perm[i]; perm is a
/// constant permutation of 0..<rank (rank ≤ 6). Any fixed-size element type.
enum Transpose {
    static let registration = OperatorRegistration(maxVersion: 6) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (input, perm) = try ctx.inputWithPerDimensionConstant("perm")
        var seen = [Bool](repeating: false, count: input.rank)
        for p in perm {
            guard p >= 0, p < input.rank, !seen[p] else {
                throw ctx.error("perm \(perm) is not a permutation of 0..<\(input.rank)")
            }
            seen[p] = true
        }
        let size = try ctx.requireSameTypeMovingBytes()
        let inputStrides = PrepareContext.elementStrides(input.shape)
        try ctx.setOutputShape(0, perm.map { input.shape[$0] })
        let view = StridedView(sizes: perm.map { input.shape[$0] }, strides: perm.map { inputStrides[$0] }, base: 0)
        return StridedCopyKernel(ctx: ctx, view: view, elementSize: size)
    }
}
