/// TILE: the input repeated `multiples[d]` times along each dimension d
/// (constant int32/int64 input 1, one non-negative entry per dimension).
/// Output element (…, m·n_d + i, …) is input element (…, i, …): a strided
/// view with stride 0 over the repeats. Any fixed-size element type.
enum Tile {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (input, multiples) = try ctx.inputWithPerDimensionConstant("multiples")
        var shape: [Int] = [], sizes: [Int] = [], strides: [Int] = []
        let inputStrides = PrepareContext.elementStrides(input.shape)
        for (d, m) in multiples.enumerated() {
            guard m >= 0 else { throw ctx.error("multiple \(m) of dimension \(d) is negative") }
            let (n, overflow) = input.shape[d].multipliedReportingOverflow(by: m)
            guard !overflow else { throw ctx.error("dimension \(d) of size \(input.shape[d]) times \(m) overflows") }
            shape.append(n)
            sizes += [m, input.shape[d]]
            strides += [0, inputStrides[d]]
        }
        let size = try ctx.requireSameTypeMovingBytes()
        try ctx.setOutputShape(0, shape)
        return StridedCopyKernel(ctx: ctx, view: StridedView(sizes: sizes, strides: strides, base: 0), elementSize: size)
    }
}
