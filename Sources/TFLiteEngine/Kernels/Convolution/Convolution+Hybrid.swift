/// Hybrid (dynamic-range) CONV_2D and DEPTHWISE_CONV_2D: float32 input and
/// output, int8 symmetric filter (per channel or per tensor), float32 bias.
/// The converter emits the depthwise form for filters of at least 1024
/// elements; smaller ones stay float32.
///
/// Each batch image is quantized to int8 on the fly, as LiteRT's builtin
/// kernels do: asymmetrically when the filter scales differ per channel, for
/// grouped convolutions and always for depthwise (EvalHybridPerChannel),
/// symmetrically when there is one scale or all channel scales are equal
/// (EvalHybrid). Then `y = bias + Σ w·(q - zp) × scales`, clamped, with the
/// float products in the order of the builtin kernel that runs the op
/// (`RescaleOrder`): one rounding of the product flipped in an early layer
/// changes a later layer's int8 input, and random-weight models amplify such
/// flips up to the size of LiteRT's own builtin-vs-XNNPACK spread.
/// Taps outside the image contribute nothing (zero padding in float terms).
///
/// Tiles are blocks of output rows; each tile computes the image's range
/// itself (a read-only scan) and quantizes just the input rows it reads, so
/// tiles are independent and results do not depend on how they are grouped.
final class ConvolutionHybrid: Kernel {
    /// How the int32 sum becomes float: the order of LiteRT's float products.
    enum RescaleOrder {
        /// `acc × (weightScale × inputScale)`: CONV_2D's im2col + GEMM paths
        /// (EvalHybrid folds the filter scale into the input's; the
        /// per-channel GEMM multiplies by the channel's scale × input scale).
        case combinedScale
        /// `(acc × weightScale) × inputScale`: grouped CONV_2D, which LiteRT
        /// runs with its reference per-channel kernel.
        case weightScaleFirst
        /// DEPTHWISE_CONV_2D: LiteRT's optimized kernel rescales channels in
        /// blocks of four as `(acc × weightScale) × inputScale` and the last
        /// `channels % 4` one by one as `(acc × inputScale) × weightScale`.
        /// (Measured bit-exact on the zoo's EfficientNetB0 and NASNetMobile,
        /// whose 22-channel depthwise layers have such a tail.)
        case depthwise
    }

    let loops: DirectConvolution
    let activation: FusedActivation
    let asymmetric: Bool
    let order: RescaleOrder
    let scales: [Float]
    let operands: FilteredOperands
    let tiling: HybridRowTiling
    var input: UnsafePointer<Float>?
    var filter: UnsafePointer<Int8>?
    var bias: UnsafePointer<Float>?
    var output: UnsafeMutablePointer<Float>?
    var scratch: UnsafeMutableRawPointer?

    /// The hybrid kernel for a float32 CONV_2D whose filter is int8.
    static func make(_ ctx: PrepareContext, _ p: Conv2D.Parameters) throws -> Kernel {
        let scales = try checkOperands(ctx, channels: p.outputChannels, scaleDimension: 0)
        let perChannel = (try ctx.input(1).quantization?.scale.count ?? 1) > 1 && scales.contains { $0 != scales[0] }
        // LiteRT has no grouped EvalHybrid: grouped convolutions fall back to
        // the per-channel (asymmetric) reference kernel.
        let grouped = p.filterChannels != p.inputChannels
        return ConvolutionHybrid(
            ctx: ctx, DirectConvolution(p), activation: p.activation, scales: scales,
            asymmetric: perChannel || grouped, order: grouped ? .weightScaleFirst : .combinedScale)
    }

    /// The hybrid kernel for a float32 DEPTHWISE_CONV_2D whose filter is int8.
    static func make(_ ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters) throws -> Kernel {
        let scales = try checkOperands(ctx, channels: p.outputChannels, scaleDimension: 3)
        return ConvolutionHybrid(
            ctx: ctx, DirectConvolution(p), activation: p.activation, scales: scales, asymmetric: true, order: .depthwise)
    }

    /// Checks the filter, bias and output types; returns the filter scale of each output channel.
    private static func checkOperands(_ ctx: PrepareContext, channels: Int, scaleDimension: Int) throws -> [Float] {
        let filter = try ctx.input(1)
        try ctx.require(filter, type: .int8, "filter")
        if let bias = ctx.optionalInput(2) { try ctx.require(bias, type: .float32, "bias") }
        try ctx.require(ctx.output(0), type: .float32, "output")
        return try HybridQuantization.filterScales(filter, channels: channels, dimension: scaleDimension, ctx)
    }

    init(ctx: PrepareContext, _ loops: DirectConvolution, activation: FusedActivation, scales: [Float], asymmetric: Bool, order: RescaleOrder) {
        self.loops = loops
        self.activation = activation
        self.scales = scales
        self.asymmetric = asymmetric
        self.order = order
        operands = FilteredOperands(ctx)
        tiling = HybridRowTiling(geometry: loops.geometry, inputChannels: loops.inputChannels, cost: loops.cost)
    }

    /// One quantized input image, then the accumulators.
    var scratchBytesPerWorker: Int { tiling.scratchBytesPerWorker + loops.accumulatorBytes(Int32.self) }
    var tileCount: Int { loops.geometry.batches * tiling.blocksPerImage }
    var cost: Int { loops.cost }

    func bind(_ memory: TensorMemory) {
        (input, filter, bias, output) = operands.pointers(memory, Float.self, Int8.self, Float.self, Float.self)
        scratch = memory.scratch
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let input, let filter, let output, let scratch else { return }
        let bias = self.bias
        let g = loops.geometry
        let (lo, hi) = activation.floatRange
        let image = tiling.imageElements
        let rows = tiling.rowsPerTile, blocks = tiling.blocksPerImage
        let workerScratch = scratch + worker &* scratchStride
        let q = workerScratch.assumingMemoryBound(to: Int16.self)
        let acc = (workerScratch + tiling.scratchBytesPerWorker).assumingMemoryBound(to: Int32.self)
        scales.withUnsafeBufferPointer { scale in
            for tile in tiles {
                let b = tile / blocks, oy0 = (tile % blocks) &* rows
                let oy1 = min(oy0 &+ rows, g.outputHeight)
                // The whole image's range sets the parameters; only the input
                // rows these output rows read are quantized.
                let x = input + b &* image
                let (smallest, largest) = HybridQuantization.minMax(x, image)
                let qp = asymmetric ? HybridQuantization.asymmetricParameters(smallest, largest) : HybridQuantization.symmetricParameters(smallest, largest)
                let rowElements = g.inputWidth &* loops.inputChannels
                let iy0 = max(oy0 &* g.strideHeight &- g.padTop, 0)
                let iy1 = min((oy1 &- 1) &* g.strideHeight &- g.padTop &+ (g.filterHeight &- 1) &* g.dilationHeight &+ 1, g.inputHeight)
                if iy1 > iy0 {
                    HybridQuantization.quantize(x + iy0 &* rowElements, count: (iy1 &- iy0) &* rowElements, qp, into: q + iy0 &* rowElements)
                }
                let inputScale = qp.scale
                let y = output + b &* loops.outputImageElements
                switch order {
                case .combinedScale:
                    loops.run(
                        rows: oy0..<oy1, image: UnsafePointer(q), filter: filter, output: y, accumulators: acc,
                        start: { _ in 0 }, multiplyAdd: { a, x, w in a &+ Int32(w) &* Int32(x) },
                        finish: { a, oc in min(max(Float(a) * (scale[oc] * inputScale) + (bias?[oc] ?? 0), lo), hi) })
                case .weightScaleFirst:
                    loops.run(
                        rows: oy0..<oy1, image: UnsafePointer(q), filter: filter, output: y, accumulators: acc,
                        start: { _ in 0 }, multiplyAdd: { a, x, w in a &+ Int32(w) &* Int32(x) },
                        finish: { a, oc in min(max(Float(a) * scale[oc] * inputScale + (bias?[oc] ?? 0), lo), hi) })
                case .depthwise:
                    let blocked = loops.outputChannels & ~3
                    loops.run(
                        rows: oy0..<oy1, image: UnsafePointer(q), filter: filter, output: y, accumulators: acc,
                        start: { _ in 0 }, multiplyAdd: { a, x, w in a &+ Int32(w) &* Int32(x) },
                        finish: { a, oc in
                            let value = oc < blocked ? Float(a) * scale[oc] * inputScale : Float(a) * inputScale * scale[oc]
                            return min(max(value + (bias?[oc] ?? 0), lo), hi)
                        })
                }
            }
        }
    }
}
