/// DEPTHWISE_CONV_2D: input [N, H, W, Cin], filter [1, KH, KW, Cin × M],
/// optional bias [Cin × M] → output [N, OH, OW, Cin × M]. Output channel
/// `c` reads input channel `c / M` (M = depth multiplier).
enum DepthwiseConv2D {
    static let registration = OperatorRegistration(maxVersion: 7) { ctx in try prepare(ctx) }

    struct Parameters {
        var geometry: ConvGeometry
        var inputChannels: Int
        var outputChannels: Int
        var depthMultiplier: Int
        var activation: FusedActivation

        /// Multiply-adds of one run.
        var cost: Int { geometry.outputRows * geometry.outputWidth * outputChannels * geometry.filterHeight * geometry.filterWidth }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let options = try ctx.options(DepthwiseConv2DOptions.self)
        let geometry = try ctx.convolutionGeometry(
            padding: options.padding, strideH: options.strideH, strideW: options.strideW,
            dilationH: options.dilationHFactor, dilationW: options.dilationWFactor)
        let input = try ctx.input(0), filter = try ctx.input(1)
        let cin = input.shape[3], cout = filter.shape[3]
        guard filter.shape[0] == 1 else { throw ctx.error("filter's first dimension is \(filter.shape[0]), expected 1") }
        guard cin >= 1 else { throw ctx.error("input has \(cin) channels") }
        guard cout % cin == 0 else { throw ctx.error("filter channels \(cout) are not a multiple of input channels \(cin)") }
        // TFLite derives the multiplier from the shapes; the option must agree when set.
        let multiplier = cout / cin
        let declared = Int(options.depthMultiplier)
        if declared != 0, declared != multiplier, cin != 1 {
            throw ctx.error("depth_multiplier \(declared) does not match filter channels \(cout) / input channels \(cin)")
        }
        try ctx.requireBias(channels: cout)
        let parameters = Parameters(
            geometry: geometry, inputChannels: cin, outputChannels: cout, depthMultiplier: multiplier,
            activation: try ctx.fusedActivation(options.fusedActivationFunction))
        try ctx.setOutputShape(0, [geometry.batches, geometry.outputHeight, geometry.outputWidth, cout])

        return try ctx.filteredKernel(
            hybrid: { try ConvolutionHybrid.make(ctx, parameters) },
            float: { try DepthwiseConv2DFloat.make(ctx: ctx, parameters) },
            quantized: { try DepthwiseConv2DQuantized.prepare(ctx, parameters) })
    }
}
