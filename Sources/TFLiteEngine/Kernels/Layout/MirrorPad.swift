/// MIRROR_PAD: padding by reflection, with the constant [rank, 2] paddings
/// of input 1 (int32/int64). REFLECT mirrors around the edge element
/// (`[a b c]` padded by 2 → `c b [a b c] b a`; at most size − 1 per side),
/// SYMMETRIC includes it (`b a [a b c] c b`; at most size per side); larger
/// or negative paddings are rejected, as TensorFlow's MirrorPad requires.
/// Any fixed-size element type.
enum MirrorPad {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let input = try ctx.input(0), paddings = try ctx.input(1)
        let mode = try ctx.options(MirrorPadOptions.self).mode
        guard mode == 0 || mode == 1 else { throw ctx.error("mode \(mode) is not REFLECT (0) or SYMMETRIC (1)") }
        let offset = mode == 0 ? 1 : 0
        guard input.rank <= 6 else { throw ctx.error("rank \(input.rank) is above 6") }
        guard paddings.shape == [input.rank, 2] else {
            throw ctx.error("paddings have shape \(paddings.shape), expected [\(input.rank), 2]")
        }
        let values = try ctx.constantInts(paddings, "paddings")
        var shape: [Int] = [], before: [Int] = []
        for d in 0..<input.rank {
            let b = values[2 * d], a = values[2 * d + 1], size = input.shape[d]
            let limit = size - offset
            guard b >= 0, a >= 0, b <= limit, a <= limit else {
                throw ctx.error("paddings (\(b), \(a)) of dimension \(d) must be in 0…\(max(limit, 0)) for size \(size) in \(mode == 0 ? "REFLECT" : "SYMMETRIC") mode")
            }
            shape.append(size + b + a)
            before.append(b)
        }
        let size = try ctx.requireSameTypeMovingBytes()
        try ctx.setOutputShape(0, shape)
        return MirrorPadKernel(ctx: ctx, inputShape: input.shape, outputShape: shape, before: before, offset: offset, elementSize: size)
    }

    /// The input index of padded index `p` along a dimension of `size`
    /// elements with `before` leading elements of padding.
    @inline(__always)
    static func sourceIndex(_ p: Int, before: Int, size: Int, offset: Int) -> Int {
        if p < before { return before &+ offset &- 1 &- p }
        let i = p &- before
        return i < size ? i : 2 &* size &- 1 &- offset &- i
    }
}

/// Mirror padding by byte copies. Tiles are output rows (all dimensions but
/// the last); each row is its left mirror, the input row and its right
/// mirror.
final class MirrorPadKernel: Kernel {
    let inputShape: [Int], outputShape: [Int], inputStrides: [Int], before: [Int]
    let offset: Int
    let elementSize: Int
    let rows: Int
    var io: ByteOperands

    init(ctx: PrepareContext, inputShape: [Int], outputShape: [Int], before: [Int], offset: Int, elementSize: Int) {
        (self.inputShape, self.outputShape, self.before) = PadKernel.rowView(inputShape, outputShape, before)
        inputStrides = PrepareContext.elementStrides(self.inputShape)
        self.offset = offset
        self.elementSize = elementSize
        rows = self.outputShape.contains(0) ? 0 : self.outputShape.dropLast().reduce(1, *)
        io = ByteOperands(ctx, input: 0, output: 0)
    }

    var tileCount: Int { rows }
    var cost: Int { rows * outputShape[outputShape.count - 1] }

    func bind(_ memory: TensorMemory) { io.bind(memory) }

    func run(tiles: Range<Int>, worker: Int) {
        guard let input = io.input, let output = io.output else { return }
        let size = elementSize, last = outputShape.count - 1
        let width = outputShape[last], inputWidth = inputShape[last]
        let left = before[last], right = width &- inputWidth &- left
        for row in tiles {
            var r = row, inputOffset = 0
            var d = last - 1
            while d >= 0 {
                let p = r % outputShape[d]
                r /= outputShape[d]
                inputOffset &+= MirrorPad.sourceIndex(p, before: before[d], size: inputShape[d], offset: offset) &* inputStrides[d]
                d -= 1
            }
            let source = input + inputOffset &* size
            var destination = output + row &* width &* size
            // Left mirror (backwards from index left + offset − 1), the row, right mirror.
            StridedCopyKernel.copyRow(to: destination, from: source + (left &+ offset &- 1) &* size, count: left, step: -1, elementSize: size)
            destination += left &* size
            StridedCopyKernel.copyRow(to: destination, from: source, count: inputWidth, step: 1, elementSize: size)
            destination += inputWidth &* size
            StridedCopyKernel.copyRow(to: destination, from: source + (inputWidth &- 1 &- offset) &* size, count: right, step: -1, elementSize: size)
        }
    }
}
