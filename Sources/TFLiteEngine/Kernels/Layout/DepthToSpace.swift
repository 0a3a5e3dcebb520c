/// DEPTH_TO_SPACE (NHWC): [N, H, W, b·b·C] → [N, H·b, W·b, C], where
/// output (n, h·b+i, w·b+j, c) is input (n, h, w, (i·b+j)·C + c).
/// Block size must be ≥ 1 (0 was CVE-2021-29595). Any fixed-size type.
enum DepthToSpace {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let input = try ctx.onlyInput(rank: 4...4)
        let b = Int(try ctx.options(DepthToSpaceOptions.self).blockSize)
        guard b >= 1 else { throw ctx.error("block size \(b) must be at least 1") }
        let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (bb, o1) = b.multipliedReportingOverflow(by: b)
        guard !o1, c % bb == 0 else { throw ctx.error("depth \(c) is not divisible by block size² (\(b)×\(b))") }
        let oc = c / bb
        let (oh, o2) = h.multipliedReportingOverflow(by: b)
        let (ow, o3) = w.multipliedReportingOverflow(by: b)
        guard !o2, !o3 else { throw ctx.error("output size overflows") }
        let size = try ctx.requireSameTypeMovingBytes()
        try ctx.setOutputShape(0, [n, oh, ow, oc])
        // Output viewed as [N, H, b(i), W, b(j), C'].
        let view = StridedView(sizes: [n, h, b, w, b, oc],
                               strides: [h &* w &* c, w &* c, b &* oc, c, oc, 1], base: 0)
        return StridedCopyKernel(ctx: ctx, view: view, elementSize: size)
    }
}
