/// CONV_2D: input [N, H, W, Cin], filter [Cout, KH, KW, Cin / groups] (OHWI),
/// optional bias [Cout] → output [N, OH, OW, Cout].
enum Conv2D {
    static let registration = OperatorRegistration(maxVersion: 8) { ctx in try prepare(ctx) }

    struct Parameters {
        var geometry: ConvGeometry
        var inputChannels: Int
        var outputChannels: Int
        /// Input channels read by each output channel (Cin / groups).
        var filterChannels: Int
        var activation: FusedActivation

        /// Multiply-adds of one run.
        var cost: Int {
            geometry.outputRows * geometry.outputWidth * outputChannels * geometry.filterHeight * geometry.filterWidth * filterChannels
        }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let options = try ctx.options(Conv2DOptions.self)
        let geometry = try ctx.convolutionGeometry(
            padding: options.padding, strideH: options.strideH, strideW: options.strideW,
            dilationH: options.dilationHFactor, dilationW: options.dilationWFactor)
        let input = try ctx.input(0), filter = try ctx.input(1)
        let cin = input.shape[3], cout = filter.shape[0], fc = filter.shape[3]
        guard fc >= 1 else { throw ctx.error("filter has \(fc) input channels") }
        guard cin % fc == 0 else { throw ctx.error("input channels \(cin) are not a multiple of the filter's \(fc)") }
        let groups = cin / fc
        guard groups >= 1, cout % groups == 0 else { throw ctx.error("output channels \(cout) are not a multiple of \(groups) groups") }
        try ctx.requireBias(channels: cout)
        let parameters = Parameters(
            geometry: geometry, inputChannels: cin, outputChannels: cout, filterChannels: fc,
            activation: try ctx.fusedActivation(options.fusedActivationFunction))
        try ctx.setOutputShape(0, [geometry.batches, geometry.outputHeight, geometry.outputWidth, cout])

        return try ctx.filteredKernel(
            hybrid: { try ConvolutionHybrid.make(ctx, parameters) },
            float: { try Conv2DFloat.make(ctx: ctx, parameters) },
            quantized: { try Conv2DQuantized.prepare(ctx, parameters) })
    }
}
