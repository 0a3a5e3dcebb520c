/// TRANSPOSE_CONV (float32; int8 per-channel and uint8 per-tensor in
/// `TransposeConv+Quantized.swift`): inputs output_shape (constant int32 [4]),
/// weights [Cout, KH, KW, Cin], input [N, H, W, Cin], optional bias [Cout];
/// options padding, strides (≥ 1; 0 was CVE-2021-29588) and, in newer
/// versions, a fused activation. Padding follows TFLite: the forward-conv
/// padding of an input of the output's size, and (as LiteRT checks) that
/// convolution must give back the input's height and width.
///
/// Also MediaPipe's custom `Convolution2DTransposeBias` (inputs input,
/// weights, bias), whose custom options are the raw bytes of
/// `TfLiteTransposeConvParams`: int32 padding (1 SAME, 2 VALID), int32
/// stride_width, int32 stride_height (little endian); its output size is
/// stride·(in − 1) + filter − total padding, total SAME padding
/// max(0, filter − (in − 1) mod stride − 1), leading padding half of it.
enum TransposeConv {
    static let registration = OperatorRegistration(maxVersion: 5) { ctx in try prepare(ctx) }
    static let mediaPipeRegistration = OperatorRegistration(maxVersion: 1) { ctx in try prepareMediaPipe(ctx) }

    struct Parameters {
        var batches = 0, inputHeight = 0, inputWidth = 0, inputDepth = 0
        var outputHeight = 0, outputWidth = 0, outputDepth = 0
        var filterHeight = 0, filterWidth = 0
        var strideHeight = 1, strideWidth = 1
        var padTop = 0, padLeft = 0
        var activation: FusedActivation = .none

        /// Visits the output pixels of output rows `rows` (N × OH):
        /// `body(batch, oy, ox, pixel)`, `pixel` the flat output pixel index.
        @inline(__always)
        func forEachOutputPixel(rows: Range<Int>, _ body: (_ batch: Int, _ oy: Int, _ ox: Int, _ pixel: Int) -> Void) {
            for row in rows where row < batches &* outputHeight {
                let b = row / outputHeight, oy = row % outputHeight
                for ox in 0..<outputWidth { body(b, oy, ox, row &* outputWidth &+ ox) }
            }
        }

        /// Visits the filter taps that contribute to output pixel (oy, ox):
        /// `body(ky, kx, iy, ix)` with the input pixel (iy, ix) each reads.
        @inline(__always)
        func forEachTap(oy: Int, ox: Int, _ body: (_ ky: Int, _ kx: Int, _ iy: Int, _ ix: Int) -> Void) {
            for ky in 0..<filterHeight {
                let ty = oy &+ padTop &- ky
                if ty < 0 || ty % strideHeight != 0 { continue }
                let iy = ty / strideHeight
                if iy >= inputHeight { continue }
                for kx in 0..<filterWidth {
                    let tx = ox &+ padLeft &- kx
                    if tx < 0 || tx % strideWidth != 0 { continue }
                    let ix = tx / strideWidth
                    if ix >= inputWidth { continue }
                    body(ky, kx, iy, ix)
                }
            }
        }
    }

    /// Checks input, weights and bias (ranks, matching depths; float32
    /// types unless `quantized`, whose types `ConvolutionQuantization` checks).
    static func checkTensors(_ ctx: PrepareContext, input: TensorSlot, weights: TensorSlot, bias: TensorSlot?, quantized: Bool = false) throws -> Parameters {
        try ctx.require(input, rank: 4, "input")
        try ctx.require(weights, rank: 4, "weights")
        if !quantized {
            try ctx.require(input, type: .float32, "input")
            try ctx.require(weights, type: .float32, "weights")
            try ctx.require(ctx.output(0), type: .float32, "output")
        }
        guard input.shape[3] == weights.shape[3] else {
            throw ctx.error("input depth \(input.shape[3]) differs from the weights' \(weights.shape[3]) (weights are [Cout, KH, KW, Cin])")
        }
        if let bias {
            if !quantized { try ctx.require(bias, type: .float32, "bias") }
            guard bias.elementCount == weights.shape[0] else { throw ctx.error("bias has \(bias.elementCount) elements for \(weights.shape[0]) output channels") }
        }
        var p = Parameters()
        p.batches = input.shape[0]; p.inputHeight = input.shape[1]; p.inputWidth = input.shape[2]; p.inputDepth = input.shape[3]
        p.outputDepth = weights.shape[0]; p.filterHeight = weights.shape[1]; p.filterWidth = weights.shape[2]
        guard p.filterHeight >= 1, p.filterWidth >= 1 else { throw ctx.error("weights \(weights.shape) are empty") }
        return p
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 3...4)
        let options = try ctx.options(TransposeConvOptions.self)
        let padding = try Padding(options.padding, ctx)
        let strideW = Int(options.strideW), strideH = Int(options.strideH)
        guard strideW >= 1, strideH >= 1 else { throw ctx.error("stride \(strideH)×\(strideW) must be at least 1") }
        let input = try ctx.input(2), weights = try ctx.input(1)
        let quantized = input.type == .int8 || input.type == .uint8
        var p = try checkTensors(ctx, input: input, weights: weights, bias: ctx.optionalInput(3), quantized: quantized)
        let outputShape = try ctx.constantInts(try ctx.input(0), "output_shape")
        guard outputShape.count == 4, outputShape[0] == p.batches, outputShape[3] == p.outputDepth,
              outputShape[1] >= 1, outputShape[2] >= 1, outputShape[1] <= 1 << 24, outputShape[2] <= 1 << 24 else {
            throw ctx.error("output_shape \(outputShape) does not fit input \(input.shape) and weights \(weights.shape)")
        }
        p.outputHeight = outputShape[1]; p.outputWidth = outputShape[2]
        p.strideHeight = strideH; p.strideWidth = strideW
        let convH = padding.outputSize(input: p.outputHeight, filter: p.filterHeight, stride: strideH, dilation: 1)
        let convW = padding.outputSize(input: p.outputWidth, filter: p.filterWidth, stride: strideW, dilation: 1)
        guard convH == p.inputHeight, convW == p.inputWidth else {
            throw ctx.error("output_shape \(outputShape) does not match input \(input.shape): its \(padding) convolution would give \(convH)×\(convW)")
        }
        p.padTop = padding.before(input: p.outputHeight, filter: p.filterHeight, stride: strideH, dilation: 1, output: convH)
        p.padLeft = padding.before(input: p.outputWidth, filter: p.filterWidth, stride: strideW, dilation: 1, output: convW)
        p.activation = try ctx.fusedActivation(options.fusedActivationFunction)
        try ctx.setOutputShape(0, outputShape)
        if quantized { return try TransposeConvQuantized.prepare(ctx, p, input: input, weights: weights) }
        return try TransposeConvFloat(ctx: ctx, p, inputSlot: 2, weightsSlot: 1, biasSlot: ctx.hasInput(3) ? 3 : nil)
    }

    static func prepareMediaPipe(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 3)
        guard let raw = ctx.node.customOptions, raw.count >= 12 else {
            throw ctx.error("custom options have \(ctx.node.customOptions?.count ?? 0) bytes, expected at least 12 (padding, stride_width, stride_height)")
        }
        let paddingCode = Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: Int32.self)))
        let strideW = Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: Int32.self)))
        let strideH = Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: Int32.self)))
        guard paddingCode == 1 || paddingCode == 2 else { throw ctx.error("padding \(paddingCode) in custom options is not SAME (1) or VALID (2)") }
        guard strideW >= 1, strideH >= 1, strideW <= 1 << 16, strideH <= 1 << 16 else {
            throw ctx.error("stride \(strideH)×\(strideW) must be in 1…65536")
        }
        let input = try ctx.input(0), weights = try ctx.input(1), bias = try ctx.input(2)
        var p = try checkTensors(ctx, input: input, weights: weights, bias: bias)
        guard p.inputHeight >= 1, p.inputWidth >= 1, p.inputHeight <= 1 << 24, p.inputWidth <= 1 << 24 else {
            throw ctx.error("input \(input.shape) is empty or too large")
        }
        func size(_ inSize: Int, _ filter: Int, _ stride: Int) -> (size: Int, total: Int) {
            let total = paddingCode == 1 ? max(0, filter - (inSize - 1) % stride - 1) : 0
            return (stride * (inSize - 1) + filter - total, total)
        }
        let h = size(p.inputHeight, p.filterHeight, strideH), w = size(p.inputWidth, p.filterWidth, strideW)
        p.outputHeight = h.size; p.outputWidth = w.size
        p.strideHeight = strideH; p.strideWidth = strideW
        p.padTop = h.total / 2; p.padLeft = w.total / 2
        try ctx.setOutputShape(0, [p.batches, p.outputHeight, p.outputWidth, p.outputDepth])
        return try TransposeConvFloat(ctx: ctx, p, inputSlot: 0, weightsSlot: 1, biasSlot: 2)
    }
}

/// Float32 transposed convolution, computed per output pixel (gather form):
/// output (oy, ox) sums input (iy, ix) · weights (ky, kx) over
/// iy·stride − padTop + ky = oy. Tiles are output rows (batch × height).
/// Constant weights are repacked once at prepare to [KH, KW, Cin, Cout] so
/// the innermost loop runs contiguously over output channels.
final class TransposeConvFloat: Kernel {
    let p: TransposeConv.Parameters
    /// Weights as [KH, KW, Cin, Cout] when they are constant.
    let packed: AlignedBuffer?
    let inputIndex: Int, weightsIndex: Int, biasIndex: Int?, outputIndex: Int
    var input: UnsafePointer<Float>!
    var weights: UnsafePointer<Float>!
    var bias: UnsafePointer<Float>?
    var output: UnsafeMutablePointer<Float>!

    init(ctx: PrepareContext, _ p: TransposeConv.Parameters, inputSlot: Int, weightsSlot: Int, biasSlot: Int?) throws {
        self.p = p
        inputIndex = ctx.node.inputs[inputSlot]
        weightsIndex = ctx.node.inputs[weightsSlot]
        biasIndex = biasSlot.map { ctx.node.inputs[$0] }
        outputIndex = ctx.node.outputs[0]
        if let w = ctx.graph.tensors[weightsIndex].constant?.assumingMemoryBound(to: Float.self) {
            let (kh, kw, cin, cout) = (p.filterHeight, p.filterWidth, p.inputDepth, p.outputDepth)
            // Shared by every interpreter of the model.
            let key = SharedConstantKey("transpose-conv-packed", [weightsIndex] + ctx.graph.tensors[weightsIndex].shape)
            packed = try ctx.graph.sharedConstants.value(for: key) { () -> AlignedBuffer in
                let buffer = try AlignedBuffer(byteCount: kh * kw * cin * cout * 4)
                let packed = buffer.pointer.assumingMemoryBound(to: Float.self)
                for co in 0..<cout {
                    for k in 0..<(kh * kw) {
                        for ci in 0..<cin { packed[(k * cin + ci) * cout + co] = w[(co * kh * kw + k) * cin + ci] }
                    }
                }
                return buffer
            }
        } else {
            packed = nil
        }
    }

    var tileCount: Int { max(p.batches * p.outputHeight, 1) }
    var cost: Int { p.batches &* p.inputHeight &* p.inputWidth &* p.inputDepth &* p.filterHeight &* p.filterWidth &* p.outputDepth }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(inputIndex, as: Float.self))
        weights = UnsafePointer(memory.pointer(weightsIndex, as: Float.self))
        bias = biasIndex.map { UnsafePointer(memory.pointer($0, as: Float.self)) }
        output = memory.pointer(outputIndex, as: Float.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        if let packed {
            runPacked(tiles, UnsafePointer(packed.pointer.assumingMemoryBound(to: Float.self)))
        } else {
            runUnpacked(tiles)
        }
    }

    /// Contributions as rank-1 updates over contiguous output channels.
    private func runPacked(_ tiles: Range<Int>, _ packed: UnsafePointer<Float>) {
        let cin = p.inputDepth, cout = p.outputDepth
        let (lo, hi) = p.activation.floatRange
        p.forEachOutputPixel(rows: tiles) { b, oy, ox, outPixel in
            let image = input + b &* p.inputHeight &* p.inputWidth &* cin
            let o = output + outPixel &* cout
            // Contributing filter taps of this output pixel.
            var co = 0
            while co < cout {
                let lanes = min(8, cout &- co)
                var acc = SIMD8<Float>(repeating: 0)
                p.forEachTap(oy: oy, ox: ox) { ky, kx, iy, ix in
                    let pixel = image + (iy &* p.inputWidth &+ ix) &* cin
                    let tap = (ky &* p.filterWidth &+ kx) &* cin
                    var w = packed + (tap &* cout &+ co)
                    if lanes == 8 {
                        for ci in 0..<cin {
                            let weights8 = UnsafeRawPointer(w).loadUnaligned(as: SIMD8<Float>.self)
                            acc += SIMD8<Float>(repeating: pixel[ci]) * weights8
                            w += cout
                        }
                    } else {
                        for ci in 0..<cin {
                            let x = pixel[ci]
                            for l in 0..<lanes { acc[l] += x * w[l] }
                            w += cout
                        }
                    }
                }
                for l in 0..<lanes {
                    o[co &+ l] = min(max(acc[l] + (bias?[co &+ l] ?? 0), lo), hi)
                }
                co &+= 8
            }
        }
    }

    /// Weights computed at run time: dot products over input channels.
    private func runUnpacked(_ tiles: Range<Int>) {
        let cin = p.inputDepth, cout = p.outputDepth
        let (lo, hi) = p.activation.floatRange
        let weightsPerOutput = p.filterHeight &* p.filterWidth &* cin
        p.forEachOutputPixel(rows: tiles) { b, oy, ox, outPixel in
            let image = input + b &* p.inputHeight &* p.inputWidth &* cin
            let o = output + outPixel &* cout
            for co in 0..<cout { o[co] = 0 }
            p.forEachTap(oy: oy, ox: ox) { ky, kx, iy, ix in
                let pixel = image + (iy &* p.inputWidth &+ ix) &* cin
                let w = weights + (ky &* p.filterWidth &+ kx) &* cin
                for co in 0..<cout {
                    let wc = w + co &* weightsPerOutput
                    var sum: Float = 0
                    for ci in 0..<cin { sum += pixel[ci] * wc[ci] }
                    o[co] += sum
                }
            }
            for co in 0..<cout {
                let v = o[co] + (bias?[co] ?? 0)
                o[co] = min(max(v, lo), hi)
            }
        }
    }
}
