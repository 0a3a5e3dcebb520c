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
        try ctx.expect(inputs: 2...3)
        let input = try ctx.input(0), filter = try ctx.input(1)
        try ctx.require(input, rank: 4, "input")
        try ctx.require(filter, rank: 4, "filter")
        let options = try ctx.options(DepthwiseConv2DOptions.self)
        let padding = try Padding(options.padding, ctx)
        let geometry = try ConvGeometry(
            ctx: ctx, inputShape: input.shape,
            filterHeight: filter.shape[1], filterWidth: filter.shape[2],
            strideHeight: Int(options.strideH), strideWidth: Int(options.strideW),
            dilationHeight: Int(options.dilationHFactor), dilationWidth: Int(options.dilationWFactor),
            padding: padding)
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
        if let bias = ctx.optionalInput(2) {
            guard bias.elementCount == cout else { throw ctx.error("bias has \(bias.elementCount) elements for \(cout) output channels") }
        }
        let parameters = Parameters(
            geometry: geometry, inputChannels: cin, outputChannels: cout, depthMultiplier: multiplier,
            activation: try ctx.fusedActivation(options.fusedActivationFunction))
        try ctx.setOutputShape(0, [geometry.batches, geometry.outputHeight, geometry.outputWidth, cout])

        switch input.type {
        case .float32:
            if filter.type == .int8 { return try ConvolutionHybrid.make(ctx, parameters) }
            try ctx.require(filter, type: .float32, "filter")
            if let bias = ctx.optionalInput(2) { try ctx.require(bias, type: .float32, "bias") }
            try ctx.require(ctx.output(0), type: .float32, "output")
            return try DepthwiseConv2DFloat.make(ctx: ctx, parameters)
        case .int8, .uint8:
            return try DepthwiseConv2DQuantized.prepare(ctx, parameters)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
