/// The direct convolution loops that every reference kernel shares: float32,
/// quantized and hybrid, CONV_2D (grouped or not) and DEPTHWISE_CONV_2D.
///
/// For each output pixel, every output channel's accumulator starts at
/// `start(channel)`; each filter tap inside the input adds, in the order
/// (ky, kx, input channel of the group), `multiplyAdd(acc, x, w)`; then
/// `finish(acc, channel)` gives the output value. Taps outside the input are
/// skipped (zero padding). Depthwise is the grouped case with one input
/// channel per group and the depth multiplier as outputs per group; the two
/// filter layouts (OHWI and 1HWO) differ only in their strides.
struct DirectConvolution {
    let geometry: ConvGeometry
    let inputChannels: Int
    let outputChannels: Int
    /// Input channels each output channel reads (Cin / groups; 1 for depthwise).
    let groupChannels: Int
    /// Output channels per group (the depth multiplier for depthwise).
    let outputsPerGroup: Int
    /// Filter element strides per output channel, per tap and per group channel.
    let outputStride: Int, tapStride: Int, channelStride: Int
    /// Multiply-adds of one run.
    let cost: Int

    init(_ p: Conv2D.Parameters) {
        geometry = p.geometry
        inputChannels = p.inputChannels
        outputChannels = p.outputChannels
        groupChannels = p.filterChannels
        outputsPerGroup = p.outputChannels / max(p.inputChannels / max(p.filterChannels, 1), 1)
        outputStride = p.geometry.filterHeight * p.geometry.filterWidth * p.filterChannels
        tapStride = p.filterChannels
        channelStride = 1
        cost = p.cost
    }

    init(_ p: DepthwiseConv2D.Parameters) {
        geometry = p.geometry
        inputChannels = p.inputChannels
        outputChannels = p.outputChannels
        groupChannels = 1
        outputsPerGroup = p.depthMultiplier
        outputStride = 1
        tapStride = p.outputChannels
        channelStride = 0
        cost = p.cost
    }

    /// Scratch bytes for one worker's accumulators.
    func accumulatorBytes<A>(_: A.Type) -> Int { (max(outputChannels, 1) * MemoryLayout<A>.stride + 15) & ~15 }

    /// Computes output rows `rows` of one image: `image` and `output` point
    /// at the image's first input and output element.
    @inline(__always)
    func run<X, W, A, Y>(
        rows: Range<Int>, image: UnsafePointer<X>, filter: UnsafePointer<W>, output: UnsafeMutablePointer<Y>,
        accumulators acc: UnsafeMutablePointer<A>,
        start: (Int) -> A, multiplyAdd: (A, X, W) -> A, finish: (A, Int) -> Y
    ) {
        let g = geometry
        let cin = inputChannels, cout = outputChannels
        let perGroup = outputsPerGroup, groupChannels = self.groupChannels
        let outputStride = self.outputStride, tapStride = self.tapStride, channelStride = self.channelStride
        // Depthwise with multiplier 1: channel oc reads input channel oc and
        // filter column oc, a loop the optimiser vectorises.
        let oneToOne = groupChannels == 1 && perGroup == 1 && outputStride == 1
        for oy in rows {
            var out = output + oy &* g.outputWidth &* cout
            for ox in 0..<g.outputWidth {
                for oc in 0..<cout { acc[oc] = start(oc) }
                for ky in 0..<g.filterHeight {
                    let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                    if iy < 0 || iy >= g.inputHeight { continue }
                    for kx in 0..<g.filterWidth {
                        let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                        if ix < 0 || ix >= g.inputWidth { continue }
                        let x = image + (iy &* g.inputWidth &+ ix) &* cin
                        let w = filter + (ky &* g.filterWidth &+ kx) &* tapStride
                        if oneToOne {
                            for oc in 0..<cout { acc[oc] = multiplyAdd(acc[oc], x[oc], w[oc]) }
                        } else {
                            for oc in 0..<cout {
                                let xc = x + (oc / perGroup) &* groupChannels
                                let wc = w + oc &* outputStride
                                var a = acc[oc]
                                for c in 0..<groupChannels { a = multiplyAdd(a, xc[c], wc[c &* channelStride]) }
                                acc[oc] = a
                            }
                        }
                    }
                }
                for oc in 0..<cout { out[oc] = finish(acc[oc], oc) }
                out += cout
            }
        }
    }

    /// Elements of one input image.
    var inputImageElements: Int { geometry.inputHeight * geometry.inputWidth * inputChannels }
    /// Elements of one output image.
    var outputImageElements: Int { geometry.outputHeight * geometry.outputWidth * outputChannels }
}

/// Float32 convolution, direct loops: the reference the fast kernels are
/// tested against, and the kernel for grouped convolutions and depth
/// multipliers above 1. Tiles are output rows (N × OH).
final class ConvolutionFloatReference: Kernel {
    let loops: DirectConvolution
    let activation: FusedActivation
    let operands: FilteredOperands
    var input: UnsafePointer<Float>?
    var filter: UnsafePointer<Float>?
    var bias: UnsafePointer<Float>?
    var output: UnsafeMutablePointer<Float>?
    var scratch: UnsafeMutableRawPointer?

    init(ctx: PrepareContext, _ loops: DirectConvolution, activation: FusedActivation) {
        self.loops = loops
        self.activation = activation
        operands = FilteredOperands(ctx)
    }
    convenience init(ctx: PrepareContext, _ p: Conv2D.Parameters) {
        self.init(ctx: ctx, DirectConvolution(p), activation: p.activation)
    }
    convenience init(ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters) {
        self.init(ctx: ctx, DirectConvolution(p), activation: p.activation)
    }

    var scratchBytesPerWorker: Int { loops.accumulatorBytes(Float.self) }
    var tileCount: Int { loops.geometry.outputRows }
    var cost: Int { loops.cost }

    func bind(_ memory: TensorMemory) {
        (input, filter, bias, output) = operands.pointers(memory, Float.self, Float.self, Float.self, Float.self)
        scratch = memory.scratch
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let input, let filter, let output, let scratch else { return }
        let bias = self.bias
        let (lo, hi) = activation.floatRange
        let acc = (scratch + worker &* scratchStride).assumingMemoryBound(to: Float.self)
        let oh = loops.geometry.outputHeight
        for tile in tiles {
            let b = tile / oh, oy = tile % oh
            loops.run(
                rows: oy..<(oy + 1), image: input + b &* loops.inputImageElements, filter: filter,
                output: output + b &* loops.outputImageElements, accumulators: acc,
                start: { oc in bias?[oc] ?? 0 }, multiplyAdd: { a, x, w in a + x * w },
                finish: { a, _ in min(max(a, lo), hi) })
        }
    }
}

/// Quantized convolution (int8 per-channel, uint8 per-tensor), TFLite's
/// reference arithmetic (`reference_integer_ops::ConvPerChannel` /
/// `DepthwiseConvPerChannel`, uint8 `reference_ops::Conv` / `DepthwiseConv`):
/// int32 accumulation of (w + filterOffset)·(x + inputOffset), bias,
/// per-channel rescale, output offset, clamp. Tiles are output rows.
final class ConvolutionQuantizedReference: Kernel {
    /// Int8 elements (else UInt8).
    let signed: Bool
    let loops: DirectConvolution
    let q: ConvolutionQuantization
    let operands: FilteredOperands
    var input: UnsafeRawPointer?
    var filter: UnsafeRawPointer?
    var bias: UnsafePointer<Int32>?
    var output: UnsafeMutableRawPointer?
    var scratch: UnsafeMutableRawPointer?

    init<T: QuantizedElement>(_ type: T.Type, ctx: PrepareContext, _ loops: DirectConvolution, _ q: ConvolutionQuantization) {
        signed = T.self == Int8.self
        self.loops = loops
        self.q = q
        operands = FilteredOperands(ctx)
    }
    convenience init<T: QuantizedElement>(_ type: T.Type, ctx: PrepareContext, _ p: Conv2D.Parameters, _ q: ConvolutionQuantization) {
        self.init(type, ctx: ctx, DirectConvolution(p), q)
    }
    convenience init<T: QuantizedElement>(_ type: T.Type, ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters, _ q: ConvolutionQuantization) {
        self.init(type, ctx: ctx, DirectConvolution(p), q)
    }

    var scratchBytesPerWorker: Int { loops.accumulatorBytes(Int32.self) }
    var tileCount: Int { loops.geometry.outputRows }
    var cost: Int { loops.cost }

    func bind(_ memory: TensorMemory) {
        let (i, f, b, o) = operands.pointers(memory, UInt8.self, UInt8.self, Int32.self, UInt8.self)
        (input, filter, bias, output) = (UnsafeRawPointer(i), UnsafeRawPointer(f), b, UnsafeMutableRawPointer(o))
        scratch = memory.scratch
    }

    /// Class methods reached through the `Kernel` protocol are not
    /// specialised; dispatching to a generic function with a concrete type
    /// is, so the loops run on Int8/UInt8 directly.
    func run(tiles: Range<Int>, worker: Int) {
        if signed { compute(tiles: tiles, worker: worker, Int8.self) } else { compute(tiles: tiles, worker: worker, UInt8.self) }
    }

    private func compute<E: QuantizedElement>(tiles: Range<Int>, worker: Int, _: E.Type) {
        guard let rawInput = self.input, let rawFilter = self.filter, let rawOutput = self.output, let scratch else { return }
        let input = rawInput.assumingMemoryBound(to: E.self)
        let filter = rawFilter.assumingMemoryBound(to: E.self)
        let output = rawOutput.assumingMemoryBound(to: E.self)
        let bias = self.bias
        let inOff = q.inputOffset, fOff = q.filterOffset, outOff = q.outputOffset
        let lo = q.activationMin, hi = q.activationMax
        let acc = (scratch + worker &* scratchStride).assumingMemoryBound(to: Int32.self)
        let oh = loops.geometry.outputHeight
        q.multipliers.withUnsafeBufferPointer { multipliers in
            q.shifts.withUnsafeBufferPointer { shifts in
                for tile in tiles {
                    let b = tile / oh, oy = tile % oh
                    loops.run(
                        rows: oy..<(oy + 1), image: input + b &* loops.inputImageElements, filter: filter,
                        output: output + b &* loops.outputImageElements, accumulators: acc,
                        start: { _ in 0 },
                        multiplyAdd: { a, x, w in
                            a &+ (Int32(truncatingIfNeeded: w) &+ fOff) &* (Int32(truncatingIfNeeded: x) &+ inOff)
                        },
                        finish: { a, oc in
                            var v = a
                            if let bias { v &+= bias[oc] }
                            v = FixedPoint.multiplyByQuantizedMultiplier(v, multipliers[oc], shifts[oc]) &+ outOff
                            return E(truncatingIfNeeded: min(max(v, lo), hi))
                        })
                }
            }
        }
    }
}
