/// MAX_POOL_2D and AVERAGE_POOL_2D over NHWC input. Average pooling divides
/// by the number of in-bounds taps (padding is not counted), as TFLite does.
enum Pool2D {
    enum Kind { case max, average }

    static let maxRegistration = OperatorRegistration(maxVersion: 4) { ctx in try prepare(ctx, .max) }
    static let averageRegistration = OperatorRegistration(maxVersion: 4) { ctx in try prepare(ctx, .average) }

    struct Parameters {
        var geometry: ConvGeometry
        var channels: Int
        var activation: FusedActivation
        var kind: Kind

        /// Taps visited in one run (an upper bound: windows are clipped to the input).
        var cost: Int { geometry.outputRows * geometry.outputWidth * channels * geometry.filterHeight * geometry.filterWidth }
    }

    static func prepare(_ ctx: PrepareContext, _ kind: Kind) throws -> Kernel {
        try ctx.expect(inputs: 1)
        let input = try ctx.input(0)
        try ctx.require(input, rank: 4, "input")
        let options = try ctx.options(Pool2DOptions.self)
        let geometry = try ConvGeometry(
            ctx: ctx, inputShape: input.shape,
            filterHeight: Int(options.filterHeight), filterWidth: Int(options.filterWidth),
            strideHeight: Int(options.strideH), strideWidth: Int(options.strideW),
            padding: try Padding(options.padding, ctx))
        let parameters = Parameters(
            geometry: geometry, channels: input.shape[3],
            activation: try ctx.fusedActivation(options.fusedActivationFunction), kind: kind)
        try ctx.setOutputShape(0, [geometry.batches, geometry.outputHeight, geometry.outputWidth, input.shape[3]])
        switch input.type {
        case .float32:
            try ctx.require(ctx.output(0), type: .float32, "output")
            return Pool2DFloatVectorized(ctx: ctx, parameters)
        case .int8, .uint8:
            return try Pool2DQuantized.prepare(ctx, parameters)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

/// What the float32 pooling kernels share: parameters, operands, tiles
/// (output rows) and cost. Subclasses compute.
class Pool2DFloatKernel: UnaryOperandKernel {
    let p: Pool2D.Parameters
    let inputIndex: Int, outputIndex: Int
    var input: UnsafePointer<Float>!
    var output: UnsafeMutablePointer<Float>!

    init(ctx: PrepareContext, _ p: Pool2D.Parameters) {
        self.p = p
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { p.geometry.outputRows }
    var cost: Int { p.cost }

    func run(tiles: Range<Int>, worker: Int) {}
}

/// Float32 pooling, direct loops. Tiles are output rows.
final class Pool2DFloatReference: Pool2DFloatKernel {

    override func run(tiles: Range<Int>, worker: Int) {
        let g = p.geometry, c = p.channels
        let (lo, hi) = p.activation.floatRange
        let input: UnsafePointer<Float> = self.input, output: UnsafeMutablePointer<Float> = self.output
        let isMax = p.kind == .max
        g.forEachWindow(rows: tiles) { b, pixel, ys, xs in
            let inputBatch = input + b &* g.inputHeight &* g.inputWidth &* c
            let out = output + pixel &* c
            let count = ys.count &* xs.count
            for ch in 0..<c {
                var acc: Float = isMax ? -.greatestFiniteMagnitude : 0
                for iy in ys {
                    for ix in xs {
                        let v = inputBatch[(iy &* g.inputWidth &+ ix) &* c &+ ch]
                        if isMax { acc = max(acc, v) } else { acc += v }
                    }
                }
                if !isMax { acc = count > 0 ? acc / Float(count) : 0 }
                out[ch] = min(max(acc, lo), hi)
            }
        }
    }
}

/// A pool window's size for the row-at-a-time loops (`Pool2DQuantizedKernel`'s
/// `maxRow` and `averageRow`, `Pool2DFloatVectorized`'s runs): constants
/// where the type says so, so the window loops unroll; else the size read
/// at run time. (Passed as integers, the calls for 3 and for the filter's
/// size shared one function with the loops' counters.)
protocol PoolWindowSize {
    static func rows(_ runtime: Int) -> Int
    static func width(_ runtime: Int) -> Int
}

/// 3 × 3 windows (InceptionV3's, NASNet-Mobile's and Xception's pools).
enum ThreeByThreeWindow: PoolWindowSize {
    @inline(__always) static func rows(_ runtime: Int) -> Int { 3 }
    @inline(__always) static func width(_ runtime: Int) -> Int { 3 }
}

/// The size read at run time.
enum FilterWindow: PoolWindowSize {
    @inline(__always) static func rows(_ runtime: Int) -> Int { runtime }
    @inline(__always) static func width(_ runtime: Int) -> Int { runtime }
}
