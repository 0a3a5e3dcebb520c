/// Hybrid (dynamic-range) CONV_2D: float32 input and output, int8 symmetric
/// filter, float32 bias.
///
/// Each batch image is quantized to int8 on the fly, as LiteRT's builtin
/// kernel does: asymmetrically when the filter scales differ per channel
/// (EvalHybridPerChannel), symmetrically when there is one scale or all
/// channel scales are equal (EvalHybrid). Then
/// `y = bias + (Σ w·(q - zp)) × (weightScale[oc] × inputScale)`, clamped.
/// Taps outside the image contribute nothing (zero padding in float terms).
///
/// Tiles are blocks of output rows; each tile computes the image's range
/// itself (a read-only scan) and quantizes just the input rows it reads, so
/// tiles are independent and results do not depend on how they are grouped.
final class Conv2DHybrid: Kernel {
    let p: Conv2D.Parameters
    let asymmetric: Bool
    let scales: [Float]
    let operands: FilteredOperands
    var input: UnsafePointer<Float>!
    var filter: UnsafePointer<Int8>!
    var bias: UnsafePointer<Float>?
    var output: UnsafeMutablePointer<Float>!
    var memory: TensorMemory?

    /// Returns the hybrid kernel for a float32 CONV_2D whose filter is int8.
    static func make(_ ctx: PrepareContext, _ p: Conv2D.Parameters) throws -> Kernel {
        let filter = try ctx.input(1)
        try ctx.require(filter, type: .int8, "filter")
        if let bias = ctx.optionalInput(2) { try ctx.require(bias, type: .float32, "bias") }
        try ctx.require(ctx.output(0), type: .float32, "output")
        let scales = try HybridQuantization.filterScales(filter, channels: p.outputChannels, dimension: 0, ctx)
        let perChannel = (filter.quantization?.scale.count ?? 1) > 1 && scales.contains { $0 != scales[0] }
        return Conv2DHybrid(ctx: ctx, p, scales: scales, asymmetric: perChannel)
    }

    init(ctx: PrepareContext, _ p: Conv2D.Parameters, scales: [Float], asymmetric: Bool) {
        self.p = p
        self.scales = scales
        self.asymmetric = asymmetric
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
        let cin = p.inputChannels, cout = p.outputChannels, fc = p.filterChannels
        let outPerGroup = cout / (cin / fc)
        let (lo, hi) = p.activation.floatRange
        let filterStride = g.filterHeight &* g.filterWidth &* fc
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
                let qp = asymmetric ? HybridQuantization.asymmetricParameters(smallest, largest) : HybridQuantization.symmetricParameters(smallest, largest)
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
                            let channelBase = (oc / outPerGroup) &* fc
                            var acc: Int32 = 0
                            let f = filter + oc &* filterStride
                            for ky in 0..<g.filterHeight {
                                let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                                if iy < 0 || iy >= g.inputHeight { continue }
                                for kx in 0..<g.filterWidth {
                                    let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                                    if ix < 0 || ix >= g.inputWidth { continue }
                                    let xq = q + ((iy &* g.inputWidth &+ ix) &* cin &+ channelBase)
                                    let w = f + (ky &* g.filterWidth &+ kx) &* fc
                                    for c in 0..<fc { acc = acc &+ Int32(w[c]) &* Int32(xq[c]) }
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
