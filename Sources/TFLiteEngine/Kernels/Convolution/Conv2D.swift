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
        try ctx.expect(inputs: 2...3)
        let input = try ctx.input(0), filter = try ctx.input(1)
        try ctx.require(input, rank: 4, "input")
        try ctx.require(filter, rank: 4, "filter")
        let options = try ctx.options(Conv2DOptions.self)
        let padding = try Padding(options.padding, ctx)
        let geometry = try ConvGeometry(
            ctx: ctx, inputShape: input.shape,
            filterHeight: filter.shape[1], filterWidth: filter.shape[2],
            strideHeight: Int(options.strideH), strideWidth: Int(options.strideW),
            dilationHeight: Int(options.dilationHFactor), dilationWidth: Int(options.dilationWFactor),
            padding: padding)
        let cin = input.shape[3], cout = filter.shape[0], fc = filter.shape[3]
        guard fc >= 1 else { throw ctx.error("filter has \(fc) input channels") }
        guard cin % fc == 0 else { throw ctx.error("input channels \(cin) are not a multiple of the filter's \(fc)") }
        let groups = cin / fc
        guard groups >= 1, cout % groups == 0 else { throw ctx.error("output channels \(cout) are not a multiple of \(groups) groups") }
        if let bias = ctx.optionalInput(2) {
            guard bias.elementCount == cout else { throw ctx.error("bias has \(bias.elementCount) elements for \(cout) output channels") }
        }
        let parameters = Parameters(
            geometry: geometry, inputChannels: cin, outputChannels: cout, filterChannels: fc,
            activation: try ctx.fusedActivation(options.fusedActivationFunction))
        try ctx.setOutputShape(0, [geometry.batches, geometry.outputHeight, geometry.outputWidth, cout])

        switch input.type {
        case .float32:
            if filter.type == .int8 { return try ConvolutionHybrid.make(ctx, parameters) }
            try ctx.require(filter, type: .float32, "filter")
            if let bias = ctx.optionalInput(2) { try ctx.require(bias, type: .float32, "bias") }
            try ctx.require(ctx.output(0), type: .float32, "output")
            return try Conv2DFloat.make(ctx: ctx, parameters)
        case .int8, .uint8:
            return try Conv2DQuantized.prepare(ctx, parameters)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
