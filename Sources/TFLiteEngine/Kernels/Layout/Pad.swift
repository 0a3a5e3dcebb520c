/// PAD: constant padding given by a constant [rank, 2] paddings tensor
/// (before, after per dimension). The pad value is 0, or the zero point for
/// quantized tensors.
enum Pad {
    static let registration = OperatorRegistration(maxVersion: 4) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let input = try ctx.input(0)
        let (shape, before) = try geometry(ctx)
        try ctx.setOutputShape(0, shape)
        guard ctx.output(0).type == input.type, let size = input.type.byteSize else {
            throw ctx.error("input type \(input.type) / output type \(ctx.output(0).type) is not supported")
        }
        return PadKernel(ctx: ctx, inputShape: input.shape, outputShape: shape, before: before, elementSize: size,
                         fill: .zero(of: ctx.output(0), elementSize: size))
    }

    /// Output shape and leading padding from the constant [rank, 2] paddings (input 1).
    static func geometry(_ ctx: PrepareContext) throws -> (shape: [Int], before: [Int]) {
        let input = try ctx.input(0), paddings = try ctx.input(1)
        guard input.rank <= 6 else { throw ctx.error("rank \(input.rank) is above 6") }
        guard paddings.shape == [input.rank, 2] else {
            throw ctx.error("paddings have shape \(paddings.shape), expected [\(input.rank), 2]")
        }
        let values = try ctx.constantInts(paddings, "paddings")
        var shape: [Int] = []
        var before: [Int] = []
        for d in 0..<input.rank {
            let b = values[2 * d], a = values[2 * d + 1]
            guard b >= 0, a >= 0, b <= 1 << 24, a <= 1 << 24 else { throw ctx.error("padding (\(b), \(a)) of dimension \(d) must be in 0…\(1 << 24)") }
            shape.append(input.shape[d] + b + a)
            before.append(b)
        }
        return (shape, before)
    }
}

/// Padding by byte copies, for any fixed-size element type. Tiles are output
/// rows (all dimensions but the last, after trailing dimensions without
/// padding are merged into the row: an image padded in height and width
/// copies rows of W × C elements, not C-element pixels, which made
/// ResNet-50V2's first PAD over a 224×224×3 input 1.2 ms).
final class PadKernel: Kernel {
    let inputShape: [Int], outputShape: [Int], before: [Int]
    let elementSize: Int
    let fill: ElementFill
    var io: ByteOperands

    init(ctx: PrepareContext, inputShape: [Int], outputShape: [Int], before: [Int], elementSize: Int, fill: ElementFill) {
        (self.inputShape, self.outputShape, self.before) = PadKernel.mergingUnpaddedRows(
            PadKernel.rowView(inputShape, outputShape, before))
        self.elementSize = elementSize
        self.fill = fill
        io = ByteOperands(ctx, input: 0, output: 0)
    }

    /// Shapes and leading paddings as the row loops see them: a scalar as [1].
    static func rowView(_ input: [Int], _ output: [Int], _ before: [Int]) -> ([Int], [Int], [Int]) {
        (input.isEmpty ? [1] : input, output.isEmpty ? [1] : output, before.isEmpty ? [0] : before)
    }

    /// The last dimension merged into the one before it while it has no
    /// padding (the same elements, in the same order, as longer rows).
    static func mergingUnpaddedRows(_ view: ([Int], [Int], [Int])) -> ([Int], [Int], [Int]) {
        var (input, output, before) = view
        while input.count >= 2, let last = input.last, output.last == last, before.last == 0 {
            let n = input.count
            input[n - 2] &*= last
            output[n - 2] &*= last
            before[n - 2] &*= last
            input.removeLast(); output.removeLast(); before.removeLast()
        }
        return (input, output, before)
    }

    var rows: Int { outputShape.dropLast().reduce(1, *) }
    var tileCount: Int { rows }
    var cost: Int { outputShape.reduce(1, *) }

    func bind(_ memory: TensorMemory) { io.bind(memory) }

    func run(tiles: Range<Int>, worker: Int) {
        guard let input = io.input, let output = io.output else { return }
        let rank = outputShape.count
        let rowElements = outputShape[rank - 1]
        let rowBytes = rowElements &* elementSize
        let inputRowElements = inputShape[rank - 1]
        for row in tiles {
            let destination = output + row &* rowBytes
            // Map the output row to an input row, or mark it as padding.
            var r = row, inputRow = 0, scale = 1, inside = true
            for d in stride(from: rank - 2, through: 0, by: -1) {
                let i = r % outputShape[d] - before[d]
                r /= outputShape[d]
                if i < 0 || i >= inputShape[d] { inside = false; break }
                inputRow &+= i &* scale
                scale &*= inputShape[d]
            }
            if inside && inputRowElements > 0 {
                // The padding on either side, then the input row between.
                let lead = before[rank - 1]
                fill.fill(destination, count: lead)
                fill.fill(destination + (lead &+ inputRowElements) &* elementSize, count: rowElements &- lead &- inputRowElements)
                let source = input + inputRow &* inputRowElements &* elementSize
                (destination + lead &* elementSize).copyMemory(from: source, byteCount: inputRowElements &* elementSize)
            } else {
                fill.fill(destination, count: rowElements)
            }
        }
    }
}

/// One element's bytes written repeatedly: the pad value of PAD-like ops.
struct ElementFill {
    let pattern: [UInt8]
    let isZero: Bool

    init(_ pattern: [UInt8]) {
        self.pattern = pattern
        isZero = pattern.allSatisfy { $0 == 0 }
    }

    /// The element whose value is 0: the zero point of an int8/uint8 tensor, else all zero bytes.
    static func zero(of t: TensorSlot, elementSize: Int) -> ElementFill {
        if t.type == .int8 || t.type == .uint8 { return ElementFill([UInt8(truncatingIfNeeded: t.zeroPoint)]) }
        return ElementFill([UInt8](repeating: 0, count: elementSize))
    }

    /// Writes `count` elements at `destination`.
    @inline(__always)
    func fill(_ destination: UnsafeMutableRawPointer, count: Int) {
        let size = pattern.count
        if isZero {
            destination.initializeMemory(as: UInt8.self, repeating: 0, count: count &* size)
        } else if size == 1 {
            destination.initializeMemory(as: UInt8.self, repeating: pattern[0], count: count)
        } else {
            pattern.withUnsafeBytes { p in
                guard let base = p.baseAddress else { return }
                for i in 0..<count { (destination + i &* size).copyMemory(from: base, byteCount: size) }
            }
        }
    }
}
