/// Hybrid (dynamic-range) DEPTHWISE_CONV_2D: float32 input and output, int8
/// symmetric filter (per channel along dimension 3, or per tensor), float32
/// bias. The converter emits it for depthwise filters of at least 1024
/// elements; smaller ones stay float32.
///
/// As LiteRT's builtin kernel (EvalHybridPerChannel), each batch image is
/// quantized asymmetrically on the fly, then
/// `y = bias + (Σ w·(q - zp)) × (weightScale[c] × inputScale)`, clamped.
/// Tiles are blocks of output rows; each computes the image's range itself
/// and quantizes only the input rows it reads (tiles stay independent).
final class DepthwiseConv2DHybrid: Kernel {
    let p: DepthwiseConv2D.Parameters
    let scales: [Float]
    let operands: FilteredOperands
    var input: UnsafePointer<Float>!
    var filter: UnsafePointer<Int8>!
    var bias: UnsafePointer<Float>?
    var output: UnsafeMutablePointer<Float>!
    var memory: TensorMemory?

    /// Returns the hybrid kernel for a float32 DEPTHWISE_CONV_2D whose filter is int8.
    static func make(_ ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters) throws -> Kernel {
        let filter = try ctx.input(1)
        try ctx.require(filter, type: .int8, "filter")
        if let bias = ctx.optionalInput(2) { try ctx.require(bias, type: .float32, "bias") }
        try ctx.require(ctx.output(0), type: .float32, "output")
        let scales = try HybridQuantization.filterScales(filter, channels: p.outputChannels, dimension: 3, ctx)
        return DepthwiseConv2DHybrid(ctx: ctx, p, scales: scales)
    }

    init(ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters, scales: [Float]) {
        self.p = p
        self.scales = scales
        operands = FilteredOperands(ctx)
    }

    var tiling: HybridRowTiling { HybridRowTiling(geometry: p.geometry, inputChannels: p.inputChannels, cost: cost) }
    var imageElements: Int { tiling.imageElements }
    var scratchBytesPerWorker: Int { tiling.scratchBytesPerWorker }
    var rowsPerTile: Int { tiling.rowsPerTile }
    var blocksPerImage: Int { tiling.blocksPerImage }
    var tileCount: Int { p.geometry.batches * blocksPerImage }
    var cost: Int { p.cost }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(operands.input, as: Float.self))
        filter = UnsafePointer(memory.pointer(operands.filter, as: Int8.self))
        bias = operands.bias.map { UnsafePointer(memory.pointer($0, as: Float.self)) }
        output = memory.pointer(operands.output, as: Float.self)
        self.memory = memory
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let memory else { return }
        let g = p.geometry
        let cin = p.inputChannels, cout = p.outputChannels, m = p.depthMultiplier
        let (lo, hi) = p.activation.floatRange
        let image = imageElements
        let rows = rowsPerTile, blocks = blocksPerImage
        let q = memory.scratch(worker: worker, bytesPerWorker: scratchBytesPerWorker, as: Int16.self)
        scales.withUnsafeBufferPointer { scale in
            for tile in tiles {
                let b = tile / blocks, oy0 = (tile % blocks) &* rows
                let oy1 = min(oy0 &+ rows, g.outputHeight)
                // The whole image's range sets the parameters; only the input
                // rows these output rows read are quantized.
                let x = input + b &* image
                let (smallest, largest) = HybridQuantization.minMax(x, image)
                let qp = HybridQuantization.asymmetricParameters(smallest, largest)
                let rowElements = g.inputWidth &* cin
                let iy0 = max(oy0 &* g.strideHeight &- g.padTop, 0)
                let iy1 = min((oy1 &- 1) &* g.strideHeight &- g.padTop &+ (g.filterHeight &- 1) &* g.dilationHeight &+ 1, g.inputHeight)
                if iy1 > iy0 {
                    HybridQuantization.quantize(x + iy0 &* rowElements, count: (iy1 &- iy0) &* rowElements, qp, into: q + iy0 &* rowElements)
                }
                var out = output + (b &* g.outputHeight &+ oy0) &* g.outputWidth &* cout
                for oy in oy0..<oy1 {
                    for ox in 0..<g.outputWidth {
                        for oc in 0..<cout {
                            let ic = oc / m
                            var acc: Int32 = 0
                            for ky in 0..<g.filterHeight {
                                let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                                if iy < 0 || iy >= g.inputHeight { continue }
                                for kx in 0..<g.filterWidth {
                                    let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                                    if ix < 0 || ix >= g.inputWidth { continue }
                                    let xv = q[(iy &* g.inputWidth &+ ix) &* cin &+ ic]
                                    let wv = filter[(ky &* g.filterWidth &+ kx) &* cout &+ oc]
                                    acc = acc &+ Int32(wv) &* Int32(xv)
                                }
                            }
                            let value = Float(acc) * (scale[oc] * qp.scale) + (bias?[oc] ?? 0)
                            out[oc] = min(max(value, lo), hi)
                        }
                        out += cout
                    }
                }
            }
        }
    }
}
