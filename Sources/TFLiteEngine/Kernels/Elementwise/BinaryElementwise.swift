/// NumPy-style broadcasting of two (or, for SELECT_V2, three) shapes, padded
/// to `BroadcastShape.maxRank` dimensions, with the element strides of each
/// operand (0 along broadcast dimensions).
struct BroadcastShape {
    static let maxRank = 6
    let outputShape: [Int]
    /// Output dimensions after coalescing (size-1 dimensions dropped,
    /// neighbours with the same broadcast pattern merged), padded with
    /// leading 1s to length `maxRank`.
    let dims: [Int]
    /// Element strides of each operand over `dims`, in operand order.
    let strides: [[Int]]
    let stridesA: [Int]
    let stridesB: [Int]
    /// Every operand has the output's shape: a flat loop suffices.
    let isElementwise: Bool
    /// A and B's strides from one row to the next when the rows form a
    /// single dimension (every coalesced dimension but the last two is 1:
    /// a per-channel vector over the pixels, a scalar), so a row's offsets
    /// are one multiply each; nil otherwise.
    let rowStrides: (a: Int, b: Int)?

    init(_ a: [Int], _ b: [Int], ctx: PrepareContext) throws {
        try self.init([a, b], ctx: ctx)
    }

    init(_ shapes: [[Int]], ctx: PrepareContext) throws {
        // A loop, not `shapes.map(\.count).max()`: the key path and `max`
        // are run-time and standard-library code no other step touches
        // (resident pages; issue 14, peak RSS).
        var rank = 0
        for shape in shapes where shape.count > rank { rank = shape.count }
        func listed() -> String {
            let texts = shapes.map { "\($0)" }
            return texts.count == 2 ? "\(texts[0]) and \(texts[1])" : texts.dropLast().joined(separator: ", ") + " and " + (texts.last ?? "")
        }
        guard rank <= BroadcastShape.maxRank else {
            throw ctx.error("broadcasting supports up to rank \(BroadcastShape.maxRank); inputs have shapes \(listed())")
        }
        let padded = shapes.map { [Int](repeating: 1, count: rank - $0.count) + $0 }
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            for p in padded where p[i] != 1 {
                guard out[i] == 1 || out[i] == p[i] else { throw ctx.error("shapes \(listed()) cannot be broadcast together") }
                out[i] = p[i]
            }
        }
        outputShape = out
        isElementwise = padded.allSatisfy { $0 == out }
        // Coalesce: drop dimensions of size 1 and merge neighbours along which
        // every operand is either broadcast in both or present in both. A
        // scalar or per-channel operand then walks one long row (or rows of the
        // channel count) instead of rows of the innermost dimension, which is
        // 3 long for an image: the Rescaling layer's scalar MUL/ADD over a
        // 224×224×3 input was 50,176 rows of 3 elements.
        var merged: [Int] = []
        var mergedShapes: [[Int]] = Array(repeating: [], count: padded.count)
        var previous: [Bool]? = nil
        for i in 0..<rank where out[i] != 1 {
            let broadcast = padded.map { $0[i] == 1 }
            if let last = merged.indices.last, previous == broadcast {
                merged[last] &*= out[i]
                for k in padded.indices where !broadcast[k] { mergedShapes[k][last] &*= out[i] }
            } else {
                merged.append(out[i])
                for k in padded.indices { mergedShapes[k].append(broadcast[k] ? 1 : out[i]) }
            }
            previous = broadcast
        }
        let pad = BroadcastShape.maxRank - merged.count
        dims = [Int](repeating: 1, count: pad) + merged
        func strides(_ s: [Int]) -> [Int] {
            let full = [Int](repeating: 1, count: pad) + s
            var result = [Int](repeating: 0, count: BroadcastShape.maxRank)
            var step = 1
            for i in stride(from: BroadcastShape.maxRank - 1, through: 0, by: -1) {
                result[i] = full[i] == 1 ? 0 : step
                step *= full[i]
            }
            return result
        }
        self.strides = mergedShapes.map(strides)
        stridesA = self.strides[0]
        stridesB = self.strides.count > 1 ? self.strides[1] : self.strides[0]
        let r = BroadcastShape.maxRank
        rowStrides = dims[..<(r - 2)].allSatisfy { $0 == 1 } ? (stridesA[r - 2], stridesB[r - 2]) : nil
    }

    var elementCount: Int { dims.reduce(1, *) }
    /// Rows of the innermost dimension: the unit of tiling.
    var rowCount: Int { dims.dropLast().reduce(1, *) }
    var rowLength: Int { dims[BroadcastShape.maxRank - 1] }

    /// Tiles of a kernel over this shape: blocks of `blockSize` elements when
    /// both inputs have the output's shape, else rows of the innermost
    /// dimension, each cut into `blocksPerRow(blockSize:)` blocks (a scalar
    /// or per-channel operand coalesces to one long row: the int8 Rescaling
    /// MUL over a 224×224×3 input was one tile, 1.1–1.7 ms that no second
    /// thread could share).
    func tileCount(blockSize: Int) -> Int {
        isElementwise ? (elementCount + blockSize - 1) / blockSize : rowCount &* blocksPerRow(blockSize: blockSize)
    }

    /// The output elements `tiles` cover (consecutive tiles cover
    /// consecutive spans; see `tileCount(blockSize:)`).
    func outputRange(_ tiles: Range<Int>, blockSize: Int) -> Range<Int> {
        guard !tiles.isEmpty else { return 0..<0 }
        if isElementwise { return tiles.lowerBound &* blockSize..<min(tiles.upperBound &* blockSize, elementCount) }
        let length = rowLength, blocks = blocksPerRow(blockSize: blockSize)
        func start(_ tile: Int) -> (row: Int, inRow: Int) {
            let row = tile / blocks
            return (row, (tile &- row &* blocks) &* blockSize)
        }
        let first = start(tiles.lowerBound), last = start(tiles.upperBound &- 1)
        return first.row &* length &+ first.inRow..<last.row &* length &+ min(last.inRow &+ blockSize, length)
    }

    /// Blocks of at most `blockSize` elements per row (1 for rows up to `blockSize`).
    @inline(__always)
    func blocksPerRow(blockSize: Int) -> Int {
        max(1, (rowLength &+ blockSize &- 1) / max(blockSize, 1))
    }

    /// Calls `body(offsetA, strideA, offsetB, strideB, outputOffset, count)`
    /// for each contiguous output span of `tiles` (see `tileCount(blockSize:)`).
    @inline(__always)
    func forEachSpan(_ tiles: Range<Int>, blockSize: Int, _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        if isElementwise {
            let n = elementCount
            for tile in tiles {
                let start = tile &* blockSize, end = min(start &+ blockSize, n)
                body(start, 1, start, 1, start, end &- start)
            }
            return
        }
        let length = rowLength, blocks = blocksPerRow(blockSize: blockSize)
        let sa = stridesA[BroadcastShape.maxRank - 1], sb = stridesB[BroadcastShape.maxRank - 1]
        if let (ra, rb) = rowStrides {
            // Rows of one dimension: no `rowOffsets` (ten divisions a row,
            // which for EfficientNet-B0 int8's squeeze-and-excitation MULs
            // over rows of 32–96 channels cost more than the arithmetic).
            for tile in tiles {
                let row = blocks == 1 ? tile : tile / blocks, start = (tile &- row &* blocks) &* blockSize
                body(row &* ra &+ start &* sa, sa, row &* rb &+ start &* sb, sb, row &* length &+ start, min(blockSize, length &- start))
            }
            return
        }
        for tile in tiles {
            let row = tile / blocks, start = (tile &- row &* blocks) &* blockSize
            let (oa, ob) = rowOffsets(row)
            body(oa &+ start &* sa, sa, ob &+ start &* sb, sb, row &* length &+ start, min(blockSize, length &- start))
        }
    }

    /// Element offsets of row `row` in A and B.
    @inline(__always)
    func rowOffsets(_ row: Int) -> (Int, Int) {
        var r = row, oa = 0, ob = 0
        for d in stride(from: BroadcastShape.maxRank - 2, through: 0, by: -1) {
            let i = r % dims[d]
            r /= dims[d]
            oa &+= i &* stridesA[d]
            ob &+= i &* stridesB[d]
        }
        return (oa, ob)
    }

    /// Element offset of row `row` in operand `operand`.
    @inline(__always)
    func rowOffset(_ row: Int, operand: Int) -> Int {
        let s = strides[operand]
        var r = row, o = 0
        for d in stride(from: BroadcastShape.maxRank - 2, through: 0, by: -1) {
            o &+= (r % dims[d]) &* s[d]
            r /= dims[d]
        }
        return o
    }
}

/// A float binary operation applied element by element, on one element or
/// on a vector of them (the same arithmetic in every lane, so a vector lane
/// and the scalar form give the same bits).
protocol FloatBinaryOperation {
    static func apply(_ a: Float, _ b: Float) -> Float
    static func apply(_ a: FloatVector, _ b: FloatVector) -> FloatVector
}

/// Float32 binary element-wise kernel with broadcasting and a fused clamp:
/// the simple reference that `FloatBinaryVectorKernel` is tested against
/// (`FastKernelTests`). Tiles are rows of the innermost output dimension
/// (blocks of rows when elementwise).
///
/// The element loop is a closure made in `init`, where `Operation` is a
/// concrete type, so it is specialized and vectorized: `run` itself is
/// reached through the `Kernel` existential, where a generic class's methods
/// would run unspecialized (one witness call per element).
final class BinaryFloatKernel<Operation: FloatBinaryOperation>: Kernel {
    /// `out[i] = clamp(op(a[i·sa], b[i·sb]))` for `i < n`; strides are 0 or 1.
    typealias Loop = (_ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                      _ out: UnsafeMutablePointer<Float>, _ n: Int) -> Void
    let shape: BroadcastShape
    let low: Float, high: Float
    let aIndex: Int, bIndex: Int, outputIndex: Int
    let loop: Loop
    var a: UnsafePointer<Float>!
    var b: UnsafePointer<Float>!
    var output: UnsafeMutablePointer<Float>!
    static var blockSize: Int { 4096 }

    /// `activation` nil: no clamp at all, for operators without a fused
    /// activation (MAXIMUM, MINIMUM, SQUARED_DIFFERENCE, PRELU), whose
    /// infinities LiteRT passes through; `.none` clamps to ±Float.greatestFiniteMagnitude
    /// as LiteRT's ADD/SUB/MUL/DIV do.
    init(ctx: PrepareContext, shape: BroadcastShape, activation: FusedActivation?) {
        self.shape = shape
        let (lo, hi) = activation?.floatRange ?? (-.infinity, .infinity)
        (low, high) = (lo, hi)
        aIndex = ctx.node.inputs[0]
        bIndex = ctx.node.inputs[1]
        outputIndex = ctx.node.outputs[0]
        loop = { a, sa, b, sb, out, n in
            if sa == 1 && sb == 1 {
                for i in 0..<n { out[i] = min(max(Operation.apply(a[i], b[i]), lo), hi) }
            } else if sa == 1 {
                let y = b[0]
                for i in 0..<n { out[i] = min(max(Operation.apply(a[i], y), lo), hi) }
            } else if sb == 1 {
                let x = a[0]
                for i in 0..<n { out[i] = min(max(Operation.apply(x, b[i]), lo), hi) }
            } else {
                let v = min(max(Operation.apply(a[0], b[0]), lo), hi)
                for i in 0..<n { out[i] = v }
            }
        }
    }

    var tileCount: Int { shape.tileCount(blockSize: Self.blockSize) }
    var cost: Int { shape.elementCount }

    func bind(_ memory: TensorMemory) {
        a = UnsafePointer(memory.pointer(aIndex, as: Float.self))
        b = UnsafePointer(memory.pointer(bIndex, as: Float.self))
        output = memory.pointer(outputIndex, as: Float.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let a, let b, let output else { return }
        shape.forEachSpan(tiles, blockSize: Self.blockSize) { oa, sa, ob, sb, oo, n in
            loop(a + oa, sa, b + ob, sb, output + oo, n)
        }
    }
}

extension PrepareContext {
    /// The common prepare of a broadcasting binary operator: two inputs, the
    /// broadcast output shape set, and the fused activation read from the
    /// `activation` field of the options (nil when they have none).
    func prepareBroadcastBinary<Options: BuiltinOptionsTable>(_ type: Options.Type, activation field: KeyPath<Options, Int8>?) throws
        -> (a: TensorSlot, b: TensorSlot, shape: BroadcastShape, activation: FusedActivation) {
        try expect(inputs: 2)
        let a = try input(0), b = try input(1)
        let table = try options(type)
        let activation = try field.map { try fusedActivation(table[keyPath: $0]) } ?? .none
        let shape = try BroadcastShape(a.shape, b.shape, ctx: self)
        try setOutputShape(0, shape.outputShape)
        return (a, b, shape, activation)
    }

    /// The float32 kernel of a broadcasting binary operator, after checking
    /// that the second input and the output are float32 too.
    func floatBinaryKernel<Operation: FloatBinaryOperation>(
        _ operation: Operation.Type, b: TensorSlot, shape: BroadcastShape, activation: FusedActivation?) throws -> Kernel {
        try require(b, type: .float32, "second input")
        try require(output(0), type: .float32, "output")
        return FloatBinaryVectorKernel(ctx: self, shape: shape, Operation.self, activation: activation)
    }
}
