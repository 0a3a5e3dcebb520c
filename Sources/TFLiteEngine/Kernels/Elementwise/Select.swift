/// SELECT and SELECT_V2: `condition ? x : y` element by element. The
/// condition is bool (any nonzero byte true); x, y and the output share one
/// type of any fixed size (values are moved as bytes: float32, int32, int64,
/// bool, int8/uint8 when x, y and the output share one quantization).
///
/// SELECT_V2 broadcasts all three inputs together. SELECT (v1) takes a
/// condition of x's shape, a scalar, or a rank-1 condition over x's first
/// dimension, and x and y of one shape.
enum Select {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx, broadcasting: false) }
    static let v2Registration = OperatorRegistration(maxVersion: 1) { ctx in try prepare(ctx, broadcasting: true) }

    static func prepare(_ ctx: PrepareContext, broadcasting: Bool) throws -> Kernel {
        try ctx.expect(inputs: 3)
        let condition = try ctx.input(0), x = try ctx.input(1), y = try ctx.input(2)
        let output = ctx.output(0)
        if broadcasting { _ = try ctx.options(SelectV2Options.self) } else { _ = try ctx.options(SelectOptions.self) }
        try ctx.require(condition, type: .bool, "condition")
        try ctx.require(y, type: x.type, "y")
        try ctx.require(output, type: x.type, "output")
        guard let size = x.type.byteSize else { throw ctx.error("input type \(x.type) is not supported") }
        if x.type == .int8 || x.type == .uint8 || x.type == .int16 {
            try ctx.requireSameQuantization(x, y, "x and y")
            try ctx.requireSameQuantization(x, output, "x and the output")
        }
        var conditionShape = condition.shape
        if !broadcasting && !(condition.shape == x.shape && x.shape == y.shape) {
            guard x.shape == y.shape else { throw ctx.error("x \(x.shape) and y \(y.shape) must have one shape") }
            if condition.rank == 1 && x.rank >= 1 && condition.shape[0] == x.shape[0] {
                // One condition per slice along x's first dimension.
                conditionShape = condition.shape + [Int](repeating: 1, count: x.rank - 1)
            } else if condition.rank != 0 {
                throw ctx.error("condition \(condition.shape) must have x's shape \(x.shape), be a scalar, or be rank 1 over x's first dimension")
            }
        }
        let shape = try BroadcastShape([conditionShape, x.shape, y.shape], ctx: ctx)
        // Single elements keep the output's own shape (TFLite's rule for scalars of mixed ranks).
        let single = condition.elementCount == 1 && x.elementCount == 1 && y.elementCount == 1 && output.elementCount == 1
        try ctx.setOutputShape(0, single ? output.shape : shape.outputShape)
        switch size {
        case 1: return SelectKernel(UInt8.self, ctx: ctx, shape: shape)
        case 2: return SelectKernel(UInt16.self, ctx: ctx, shape: shape)
        case 4: return SelectKernel(UInt32.self, ctx: ctx, shape: shape)
        case 8: return SelectKernel(UInt64.self, ctx: ctx, shape: shape)
        default: throw ctx.error("input type \(x.type) is not supported")
        }
    }
}

/// Moves `x` or `y` elements of one size by the condition bytes. Tiles are
/// rows of the innermost output dimension (blocks of elements when every
/// input has the output's shape). The element loop is a closure made in
/// `init`, where the element type is concrete, so it is specialized.
final class SelectKernel: Kernel {
    /// `out[i] = c[i·sc] != 0 ? x[i·sx] : y[i·sy]` for `i < n` (elements; strides 0 or 1).
    typealias Loop = (_ c: UnsafePointer<UInt8>, _ sc: Int, _ x: UnsafeRawPointer, _ sx: Int,
                      _ y: UnsafeRawPointer, _ sy: Int, _ out: UnsafeMutableRawPointer, _ n: Int) -> Void
    let shape: BroadcastShape
    let elementSize: Int
    let loop: Loop
    let conditionIndex: Int, xIndex: Int, yIndex: Int, outputIndex: Int
    var condition: UnsafePointer<UInt8>!
    var x: UnsafeRawPointer!
    var y: UnsafeRawPointer!
    var output: UnsafeMutableRawPointer!
    static var blockSize: Int { 16384 }

    init<Element>(_: Element.Type, ctx: PrepareContext, shape: BroadcastShape) {
        self.shape = shape
        elementSize = MemoryLayout<Element>.stride
        conditionIndex = ctx.node.inputs[0]
        xIndex = ctx.node.inputs[1]
        yIndex = ctx.node.inputs[2]
        outputIndex = ctx.node.outputs[0]
        loop = { c, sc, x, sx, y, sy, out, n in
            let a = x.assumingMemoryBound(to: Element.self), b = y.assumingMemoryBound(to: Element.self)
            let o = out.assumingMemoryBound(to: Element.self)
            if sc == 1 && sx == 1 && sy == 1 {
                for i in 0..<n { o[i] = c[i] != 0 ? a[i] : b[i] }
            } else {
                for i in 0..<n { o[i] = c[i &* sc] != 0 ? a[i &* sx] : b[i &* sy] }
            }
        }
    }

    var tileCount: Int { shape.tileCount(blockSize: Self.blockSize) }
    var cost: Int { shape.elementCount }

    func bind(_ memory: TensorMemory) {
        condition = UnsafePointer(memory.pointer(conditionIndex, as: UInt8.self))
        x = UnsafeRawPointer(memory.raw(xIndex))
        y = UnsafeRawPointer(memory.raw(yIndex))
        output = memory.raw(outputIndex)
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let condition, let x, let y, let output else { return }
        let size = elementSize
        if shape.isElementwise {
            let n = shape.elementCount
            for tile in tiles {
                let start = tile &* Self.blockSize, end = min(start &+ Self.blockSize, n)
                loop(condition + start, 1, x + start &* size, 1, y + start &* size, 1, output + start &* size, end &- start)
            }
            return
        }
        let last = BroadcastShape.maxRank - 1, length = shape.rowLength
        let sc = shape.strides[0][last], sx = shape.strides[1][last], sy = shape.strides[2][last]
        let blocks = shape.blocksPerRow(blockSize: Self.blockSize)
        for tile in tiles {
            // Tiles are blocks of rows (`BroadcastShape.tileCount(blockSize:)`).
            let row = tile / blocks, start = (tile &- row &* blocks) &* Self.blockSize
            loop(condition + (shape.rowOffset(row, operand: 0) &+ start &* sc), sc,
                 x + (shape.rowOffset(row, operand: 1) &+ start &* sx) &* size, sx,
                 y + (shape.rowOffset(row, operand: 2) &+ start &* sy) &* size, sy,
                 output + (row &* length &+ start) &* size, min(Self.blockSize, length &- start))
        }
    }
}
