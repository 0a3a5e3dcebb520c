/// Spatial geometry shared by convolution and pooling: strides, dilations,
/// padding, and the output size, with TFLite's rules and every divisor
/// checked non-zero.
struct ConvGeometry {
    let batches: Int
    let inputHeight: Int
    let inputWidth: Int
    let filterHeight: Int
    let filterWidth: Int
    let strideHeight: Int
    let strideWidth: Int
    let dilationHeight: Int
    let dilationWidth: Int
    let outputHeight: Int
    let outputWidth: Int
    /// Padding before the first row / column.
    let padTop: Int
    let padLeft: Int

    /// Output rows over all images (N × OH): the tiles of row-split kernels.
    var outputRows: Int { batches * outputHeight }
    /// Output pixels over all images (N × OH × OW): the rows of a GEMM.
    var outputPixels: Int { batches * outputHeight * outputWidth }
    /// A 1×1 filter, stride 1, no padding: output pixel i reads input pixel i.
    var isPointwise: Bool {
        filterHeight == 1 && filterWidth == 1 && strideHeight == 1 && strideWidth == 1
            && padTop == 0 && padLeft == 0 && outputHeight == inputHeight && outputWidth == inputWidth
    }

    /// For output pixel `pixel` (index over N × OH × OW), calls `body` with
    /// each filter tap's index (ky · KW + kx) and the input pixel index it
    /// reads (over N × H × W), or nil when the tap falls in the padding.
    /// Prepare/bind-time helper for building indirection tables.
    func forEachTap(ofPixel pixel: Int, _ body: (_ tap: Int, _ inputPixel: Int?) -> Void) {
        let ox = pixel % outputWidth, rest = pixel / outputWidth
        let oy = rest % outputHeight, b = rest / outputHeight
        for ky in 0..<filterHeight {
            let iy = oy * strideHeight - padTop + ky * dilationHeight
            for kx in 0..<filterWidth {
                let ix = ox * strideWidth - padLeft + kx * dilationWidth
                let inside = iy >= 0 && iy < inputHeight && ix >= 0 && ix < inputWidth
                body(ky * filterWidth + kx, inside ? (b * inputHeight + iy) * inputWidth + ix : nil)
            }
        }
    }

    init(ctx: PrepareContext, inputShape: [Int], filterHeight: Int, filterWidth: Int,
         strideHeight: Int, strideWidth: Int, dilationHeight: Int = 1, dilationWidth: Int = 1, padding: Padding) throws {
        guard strideHeight >= 1, strideWidth >= 1 else {
            throw ctx.error("strides (\(strideHeight), \(strideWidth)) must be at least 1")
        }
        guard dilationHeight >= 1, dilationWidth >= 1 else {
            throw ctx.error("dilations (\(dilationHeight), \(dilationWidth)) must be at least 1")
        }
        guard filterHeight >= 1, filterWidth >= 1 else {
            throw ctx.error("filter size \(filterHeight)×\(filterWidth) must be at least 1×1")
        }
        let limit = 1 << 24
        guard [strideHeight, strideWidth, dilationHeight, dilationWidth, filterHeight, filterWidth].allSatisfy({ $0 <= limit }) else {
            throw ctx.error("strides, dilations and filter sizes must be at most \(limit)")
        }
        batches = inputShape[0]
        inputHeight = inputShape[1]
        inputWidth = inputShape[2]
        self.filterHeight = filterHeight
        self.filterWidth = filterWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.dilationHeight = dilationHeight
        self.dilationWidth = dilationWidth
        outputHeight = padding.outputSize(input: inputHeight, filter: filterHeight, stride: strideHeight, dilation: dilationHeight)
        outputWidth = padding.outputSize(input: inputWidth, filter: filterWidth, stride: strideWidth, dilation: dilationWidth)
        padTop = padding.before(input: inputHeight, filter: filterHeight, stride: strideHeight, dilation: dilationHeight, output: outputHeight)
        padLeft = padding.before(input: inputWidth, filter: filterWidth, stride: strideWidth, dilation: dilationWidth, output: outputWidth)
    }
}

extension ConvGeometry {
    /// Visits the output pixels of output rows `rows` (N × OH) with each
    /// pixel's window clipped to the input (pooling): `body(batch, pixel,
    /// windowRows, windowColumns)`, where `pixel` is the flat output pixel.
    @inline(__always)
    func forEachWindow(rows: Range<Int>, _ body: (_ batch: Int, _ pixel: Int, _ ys: Range<Int>, _ xs: Range<Int>) -> Void) {
        for row in rows {
            let b = row / outputHeight, oy = row % outputHeight
            let y0 = oy &* strideHeight &- padTop
            let yStart = max(y0, 0), yEnd = max(min(y0 &+ filterHeight, inputHeight), yStart)
            for ox in 0..<outputWidth {
                let x0 = ox &* strideWidth &- padLeft
                let xStart = max(x0, 0), xEnd = max(min(x0 &+ filterWidth, inputWidth), xStart)
                body(b, row &* outputWidth &+ ox, yStart..<yEnd, xStart..<xEnd)
            }
        }
    }

    /// `forEachWindow`, each row's interior columns (at stride 1 along x:
    /// every window inside the input along x, so all of one size) first
    /// offered whole to `interior(batch, row, windowRows, columns)`; where
    /// it returns true, `body` does not visit those columns' pixels (pools
    /// that run a row's interior as one run of outputs).
    @inline(__always)
    func forEachWindow(rows: Range<Int>, interior: (_ batch: Int, _ row: Int, _ ys: Range<Int>, _ columns: Range<Int>) -> Bool,
                       _ body: (_ batch: Int, _ pixel: Int, _ ys: Range<Int>, _ xs: Range<Int>) -> Void) {
        let first = min(max(padLeft, 0), outputWidth)
        let end = strideWidth == 1 ? max(first, min(inputWidth &- filterWidth &+ padLeft &+ 1, outputWidth)) : first
        for row in rows {
            let b = row / outputHeight, oy = row % outputHeight
            let y0 = oy &* strideHeight &- padTop
            let yStart = max(y0, 0), yEnd = max(min(y0 &+ filterHeight, inputHeight), yStart)
            let skipped = first < end && interior(b, row, yStart..<yEnd, first..<end)
            for ox in 0..<outputWidth where !skipped || ox < first || ox >= end {
                let x0 = ox &* strideWidth &- padLeft
                let xStart = max(x0, 0), xEnd = max(min(x0 &+ filterWidth, inputWidth), xStart)
                body(b, row &* outputWidth &+ ox, yStart..<yEnd, xStart..<xEnd)
            }
        }
    }
}

extension PrepareContext {
    /// The geometry of a 2-D convolution (CONV_2D, DEPTHWISE_CONV_2D): 2 or
    /// 3 inputs, a rank-4 input and a rank-4 filter [*, KH, KW, *], and the
    /// padding, strides and dilations of its options.
    func convolutionGeometry(padding: Int8, strideH: Int32, strideW: Int32, dilationH: Int32, dilationW: Int32) throws -> ConvGeometry {
        try expect(inputs: 2...3)
        let input = try self.input(0), filter = try self.input(1)
        try require(input, rank: 4, "input")
        try require(filter, rank: 4, "filter")
        return try ConvGeometry(
            ctx: self, inputShape: input.shape, filterHeight: filter.shape[1], filterWidth: filter.shape[2],
            strideHeight: Int(strideH), strideWidth: Int(strideW),
            dilationHeight: Int(dilationH), dilationWidth: Int(dilationW), padding: try Padding(padding, self))
    }

    /// Checks that the optional bias (input 2) has one element per output channel.
    func requireBias(channels: Int) throws {
        if let bias = optionalInput(2), bias.elementCount != channels {
            throw error("bias has \(bias.elementCount) elements for \(channels) output channels")
        }
    }

    /// The kernel of an operator with an input, a filter or weights, an
    /// optional bias and one output (convolutions, fully connected), chosen
    /// by element types: `hybrid` for float32 input with int8 weights,
    /// `float` once the other operands are checked to be float32,
    /// `quantized` for int8/uint8 input.
    func filteredKernel(filterRole: String = "filter", hybrid: () throws -> Kernel, float: () throws -> Kernel,
                        quantized: () throws -> Kernel) throws -> Kernel {
        let input = try self.input(0), filter = try self.input(1)
        switch input.type {
        case .float32:
            if filter.type == .int8 { return try hybrid() }
            try require(filter, type: .float32, filterRole)
            if let bias = optionalInput(2) { try require(bias, type: .float32, "bias") }
            try require(output(0), type: .float32, "output")
            return try float()
        case .int8, .uint8:
            return try quantized()
        default:
            throw error("input type \(input.type) is not supported")
        }
    }

    /// The fused activation of a schema `fused_activation_function` value.
    func fusedActivation(_ raw: Int8) throws -> FusedActivation {
        try FusedActivation(raw, self)
    }
}
