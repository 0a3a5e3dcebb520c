/// SPACE_TO_BATCH_ND (NHWC, or NHC seen as NH1C): the spatial dimensions,
/// padded by the constant [spatial, 2] paddings (input 2), are cut into
/// blocks of the constant block shape (input 1); the position inside the
/// block moves to the batch: output (ob, oh, ow, c) with ob = (i·bw + j)·N + n
/// is padded input (n, oh·bh + i, ow·bw + j, c). Padding is 0, or the zero
/// point of int8/uint8 tensors. Any fixed-size element type. The converter
/// emits it before dilated convolutions (with BATCH_TO_SPACE_ND after).
enum SpaceToBatchND {
    static let registration = OperatorRegistration(maxVersion: 4) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (input, g) = try BlockSpaceGeometry.read(ctx, amounts: "paddings")
        let (n, h, w, c) = (input[0], input[1], input[2], input[3])
        var spatial: [Int] = []
        for (d, size) in [h, w].enumerated() {
            let (b, a) = g.amounts[d]
            let (padded, o) = size.addingReportingOverflow(b + a)
            guard !o else { throw ctx.error("padded size of spatial dimension \(d) overflows") }
            guard padded % g.block[d] == 0 else {
                throw ctx.error("padded size \(padded) of spatial dimension \(d) is not a multiple of block size \(g.block[d])")
            }
            spatial.append(padded / g.block[d])
        }
        let (batch, o) = n.multipliedReportingOverflow(by: g.block[0] * g.block[1])
        guard !o else { throw ctx.error("output batch \(n) × block \(g.block) overflows") }
        let output = [batch, spatial[0], spatial[1], c]
        let size = try ctx.requireSameTypeMovingBytes()
        try ctx.setOutputShape(0, g.rank == 3 ? [batch, spatial[0], c] : output)
        return BlockSpaceKernel(ctx: ctx, toBatch: true, input: input, output: output, g, elementSize: size,
                                fill: .zero(of: ctx.output(0), elementSize: size))
    }
}

/// Block shape and paddings (or crops) of SPACE_TO_BATCH_ND and
/// BATCH_TO_SPACE_ND, for two spatial dimensions (a rank-3 input has a
/// second one of size 1, block 1, no padding).
struct BlockSpaceGeometry {
    let rank: Int
    /// Block size per spatial dimension (≥ 1).
    let block: [Int]
    /// Padding (or crop) before and after, per spatial dimension (≥ 0).
    let amounts: [(before: Int, after: Int)]

    /// Reads inputs 1 and 2; returns the input shape as NHWC.
    static func read(_ ctx: PrepareContext, amounts role: String) throws -> (shape: [Int], geometry: BlockSpaceGeometry) {
        try ctx.expect(inputs: 3)
        let input = try ctx.input(0), blockTensor = try ctx.input(1), amountTensor = try ctx.input(2)
        try ctx.require(input, rankIn: 3...4, "input")
        let spatial = input.rank - 2
        guard blockTensor.shape == [spatial] else {
            throw ctx.error("block_shape has shape \(blockTensor.shape), expected [\(spatial)]")
        }
        guard amountTensor.shape == [spatial, 2] else {
            throw ctx.error("\(role) have shape \(amountTensor.shape), expected [\(spatial), 2]")
        }
        var block = try ctx.constantInts(blockTensor, "block_shape")
        let values = try ctx.constantInts(amountTensor, role)
        // Each bounded so sums and products below cannot overflow.
        for b in block where b < 1 || b > 1 << 24 { throw ctx.error("block size \(b) must be in 1…\(1 << 24)") }
        for v in values where v < 0 || v > 1 << 24 { throw ctx.error("\(role) value \(v) must be in 0…\(1 << 24)") }
        var amounts: [(before: Int, after: Int)] = (0..<spatial).map { (values[2 * $0], values[2 * $0 + 1]) }
        var shape = input.shape
        if spatial == 1 {
            shape.insert(1, at: 2)
            block.append(1)
            amounts.append((0, 0))
        }
        return (shape, BlockSpaceGeometry(rank: input.rank, block: block, amounts: amounts))
    }
}

/// SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND on NHWC by byte copies of
/// C-element pixels. Tiles are output rows (batch, height).
final class BlockSpaceKernel: Kernel {
    /// Space to batch (else batch to space).
    let toBatch: Bool
    let inputShape: [Int], outputShape: [Int]
    let blockHeight: Int, blockWidth: Int
    /// Padding (space to batch) or crop (batch to space) before, per spatial dimension.
    let top: Int, left: Int
    let elementSize: Int
    let fill: ElementFill
    var io: ByteOperands
    var input: UnsafeRawPointer! { io.input }
    var output: UnsafeMutableRawPointer! { io.output }

    init(ctx: PrepareContext, toBatch: Bool, input: [Int], output: [Int], _ g: BlockSpaceGeometry, elementSize: Int, fill: ElementFill) {
        self.toBatch = toBatch
        inputShape = input
        outputShape = output
        blockHeight = g.block[0]
        blockWidth = g.block[1]
        top = g.amounts[0].before
        left = g.amounts[1].before
        self.elementSize = elementSize
        self.fill = fill
        io = ByteOperands(ctx)
    }

    var tileCount: Int { outputShape.contains(0) ? 0 : outputShape[0] * outputShape[1] }
    var cost: Int { outputShape.reduce(1, *) }

    func bind(_ memory: TensorMemory) { io.bind(memory) }

    func run(tiles: Range<Int>, worker: Int) {
        let (inBatch, inHeight, inWidth) = (inputShape[0], inputShape[1], inputShape[2])
        let (outBatch, outHeight, outWidth, depth) = (outputShape[0], outputShape[1], outputShape[2], outputShape[3])
        let pixelBytes = depth &* elementSize
        for row in tiles {
            let b = row / outHeight, oh = row % outHeight
            var destination = output + row &* outWidth &* pixelBytes
            if toBatch {
                // Output batch b = (i·bw + j)·N + n.
                let n = b % inBatch, s = b / inBatch
                let i = s / blockWidth, j = s % blockWidth
                let ih = oh &* blockHeight &+ i &- top
                guard ih >= 0, ih < inHeight else {
                    fill.fill(destination, count: outWidth &* depth)
                    continue
                }
                let source = input + (n &* inHeight &+ ih) &* inWidth &* pixelBytes
                for ow in 0..<outWidth {
                    let iw = ow &* blockWidth &+ j &- left
                    if iw >= 0 && iw < inWidth {
                        destination.copyMemory(from: source + iw &* pixelBytes, byteCount: pixelBytes)
                    } else {
                        fill.fill(destination, count: depth)
                    }
                    destination += pixelBytes
                }
            } else {
                // Input batch (i·bw + j)·N' + b holds output pixel (ih·bh + i − top, iw·bw + j − left).
                let h = oh &+ top
                let i = h % blockHeight, ih = h / blockHeight
                for ow in 0..<outWidth {
                    let w = ow &+ left
                    let j = w % blockWidth, iw = w / blockWidth
                    let ib = (i &* blockWidth &+ j) &* outBatch &+ b
                    destination.copyMemory(from: input + ((ib &* inHeight &+ ih) &* inWidth &+ iw) &* pixelBytes, byteCount: pixelBytes)
                    destination += pixelBytes
                }
            }
        }
    }
}
