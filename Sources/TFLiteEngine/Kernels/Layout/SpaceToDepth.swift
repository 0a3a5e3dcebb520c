/// SPACE_TO_DEPTH (NHWC): [N, H·b, W·b, C] → [N, H, W, b·b·C], where
/// output (n, h, w, (i·b+j)·C + c) is input (n, h·b+i, w·b+j, c).
/// Block size must be ≥ 1 (0 was CVE-2021-29587). Any fixed-size type.
enum SpaceToDepth {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let input = try ctx.onlyInput(rank: 4...4)
        let b = Int(try ctx.options(SpaceToDepthOptions.self).blockSize)
        guard b >= 1 else { throw ctx.error("block size \(b) must be at least 1") }
        let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        guard h % b == 0, w % b == 0 else {
            throw ctx.error("height \(h) and width \(w) must be divisible by block size \(b)")
        }
        let (bb, o1) = b.multipliedReportingOverflow(by: b)
        let (oc, o2) = bb.multipliedReportingOverflow(by: c)
        guard !o1, !o2 else { throw ctx.error("output depth overflows") }
        let size = try ctx.requireSameTypeMovingBytes()
        try ctx.setOutputShape(0, [n, h / b, w / b, oc])
        // Output viewed as [N, H/b, W/b, b(i), b(j), C].
        let view = StridedView(sizes: [n, h / b, w / b, b, b, c],
                               strides: [h &* w &* c, b &* w &* c, b &* c, w &* c, c, 1], base: 0)
        return StridedCopyKernel(ctx: ctx, view: view, elementSize: size)
    }
}
