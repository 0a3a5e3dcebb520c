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
            if filter.type == .int8 { return try Conv2DHybrid.make(ctx, parameters) }
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

/// Float32 convolution, direct loops (the reference the fast kernels are tested against). Tiles are output rows (N × OH).
final class Conv2DFloatReference: Kernel {
    let p: Conv2D.Parameters
    let operands: FilteredOperands
    var input: UnsafePointer<Float>!
    var filter: UnsafePointer<Float>!
    var bias: UnsafePointer<Float>?
    var output: UnsafeMutablePointer<Float>!

    init(ctx: PrepareContext, _ p: Conv2D.Parameters) {
        self.p = p
        operands = FilteredOperands(ctx)
    }

    var tileCount: Int { p.geometry.outputRows }
    var cost: Int { p.cost }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(operands.input, as: Float.self))
        filter = UnsafePointer(memory.pointer(operands.filter, as: Float.self))
        bias = operands.bias.map { UnsafePointer(memory.pointer($0, as: Float.self)) }
        output = memory.pointer(operands.output, as: Float.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        let g = p.geometry
        let cin = p.inputChannels, cout = p.outputChannels, fc = p.filterChannels
        let outPerGroup = cout / (cin / fc)
        let (lo, hi) = p.activation.floatRange
        let filterStride = g.filterHeight &* g.filterWidth &* fc
        for tile in tiles {
            let b = tile / g.outputHeight, oy = tile % g.outputHeight
            let inputBatch = input + b &* g.inputHeight &* g.inputWidth &* cin
            var out = output + tile &* g.outputWidth &* cout
            for ox in 0..<g.outputWidth {
                for oc in 0..<cout {
                    let channelBase = (oc / outPerGroup) &* fc
                    var acc: Float = bias?[oc] ?? 0
                    let f = filter + oc &* filterStride
                    for ky in 0..<g.filterHeight {
                        let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                        if iy < 0 || iy >= g.inputHeight { continue }
                        for kx in 0..<g.filterWidth {
                            let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                            if ix < 0 || ix >= g.inputWidth { continue }
                            let x = inputBatch + ((iy &* g.inputWidth &+ ix) &* cin &+ channelBase)
                            let w = f + (ky &* g.filterWidth &+ kx) &* fc
                            for c in 0..<fc { acc += x[c] * w[c] }
                        }
                    }
                    out[oc] = min(max(acc, lo), hi)
                }
                out += cout
            }
        }
    }
}
