/// Chooses the float32 MEAN kernel: when the reduced axes are consecutive
/// and at least one dimension follows them (e.g. axes [1, 2] of NHWC, the
/// global average pool), `MeanFloatContiguous`; when they are the trailing
/// axes (a layer norm's mean over channels), `MeanFloatTrailing`; otherwise
/// `MeanFloatReference`.
enum MeanFloat {
    static func make(ctx: PrepareContext, _ r: Reduction) -> Kernel {
        let shape = r.inputShape
        guard let first = r.axes.first, let last = r.axes.last, last - first + 1 == r.axes.count
        else { return MeanFloatReference(ctx: ctx, r) }
        let outer = shape[..<first].reduce(1, *)
        let reduced = shape[first...last].reduce(1, *)
        guard last + 1 < shape.count else { return MeanFloatTrailing(ctx: ctx, rows: outer, length: reduced) }
        let inner = shape[(last + 1)...].reduce(1, *)
        return MeanFloatContiguous(ctx: ctx, outer: outer, reduced: reduced, inner: inner)
    }
}

/// Float32 mean of each contiguous row of `length` elements (the reduced
/// axes are the trailing ones). Each row is summed one element after the
/// other, as `MeanFloatReference` does (bit-identical); eight rows are summed
/// side by side so their additions overlap instead of waiting on one chain.
/// Tiles are blocks of `rowsPerTile` rows.
final class MeanFloatTrailing: UnaryOperandKernel {
    static let rowsPerTile = 64
    let rows: Int, length: Int
    let inputIndex: Int, outputIndex: Int
    var input: UnsafePointer<Float>!
    var output: UnsafeMutablePointer<Float>!

    init(ctx: PrepareContext, rows: Int, length: Int) {
        self.rows = rows
        self.length = length
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { (rows + Self.rowsPerTile - 1) / Self.rowsPerTile }
    var cost: Int { rows * length }

    func run(tiles: Range<Int>, worker: Int) {
        guard let input, let output, !tiles.isEmpty else { return }
        let n = length
        let divisor = Float(n)
        var r = tiles.lowerBound &* Self.rowsPerTile
        let end = min(tiles.upperBound &* Self.rowsPerTile, rows)
        while r &+ 8 <= end {
            let x = input + r &* n
            var s = SIMD8<Float>()
            for i in 0..<n {
                s += SIMD8(x[i], x[n &+ i], x[2 &* n &+ i], x[3 &* n &+ i],
                           x[4 &* n &+ i], x[5 &* n &+ i], x[6 &* n &+ i], x[7 &* n &+ i])
            }
            let mean = n > 0 ? s / SIMD8(repeating: divisor) : SIMD8()
            for k in 0..<8 { output[r &+ k] = mean[k] }
            r &+= 8
        }
        while r < end {
            let x = input + r &* n
            var s: Float = 0
            for i in 0..<n { s += x[i] }
            output[r] = n > 0 ? s / divisor : 0
            r &+= 1
        }
    }
}

/// Float32 mean of an input viewed as [outer, reduced, inner] over the
/// middle dimension (the global average pool of NHWC: [1, H·W, C]).
/// Each tile is one outer index and a chunk of up to `chunkVectors` vectors
/// of channels: the chunk's sums stay in registers while the rows stream
/// by, reading only the chunk's contiguous bytes of each row (the earlier
/// form walked the whole tensor once per vector of channels, with a stride
/// of a row). Each output sums its inputs in the same order as
/// `MeanFloatReference` (bit-identical). Tiles split the channels, so a
/// parallel backend can share a single global pool between threads.
final class MeanFloatContiguous: UnaryOperandKernel {
    static let chunkVectors = 4
    static var chunkWidth: Int { chunkVectors &* FloatVector.scalarCount }
    let outer: Int, reduced: Int, inner: Int
    let chunks: Int
    let inputIndex: Int, outputIndex: Int
    var input: UnsafePointer<Float>!
    var output: UnsafeMutablePointer<Float>!

    init(ctx: PrepareContext, outer: Int, reduced: Int, inner: Int) {
        self.outer = outer
        self.reduced = reduced
        self.inner = inner
        chunks = (inner + Self.chunkWidth - 1) / Self.chunkWidth
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { outer &* chunks }
    var cost: Int { outer * reduced * inner }

    func run(tiles: Range<Int>, worker: Int) {
        typealias V = FloatVector
        guard let input, let output else { return }
        let w = V.scalarCount
        let n = reduced, stride = inner
        let divisor = V(repeating: Float(n))
        for tile in tiles {
            let o = tile / chunks
            let first = (tile &- o &* chunks) &* Self.chunkWidth
            let end = min(first &+ Self.chunkWidth, inner)
            let x = input + o &* n &* stride
            let y = output + o &* stride
            var c = first
            if c &+ 4 &* w <= end {
                var s0 = V(), s1 = V(), s2 = V(), s3 = V()
                var row = x + c
                for _ in 0..<n {
                    s0 += row.loadVector(0); s1 += row.loadVector(w)
                    s2 += row.loadVector(2 &* w); s3 += row.loadVector(3 &* w)
                    row += stride
                }
                if n > 0 { s0 /= divisor; s1 /= divisor; s2 /= divisor; s3 /= divisor }
                y.storeVector(s0, c); y.storeVector(s1, c &+ w); y.storeVector(s2, c &+ 2 &* w); y.storeVector(s3, c &+ 3 &* w)
                c &+= 4 &* w
            }
            while c &+ w <= end {
                var s = V()
                var row = x + c
                for _ in 0..<n { s += row.loadVector(); row += stride }
                y.storeVector(n > 0 ? s / divisor : V(), c)
                c &+= w
            }
            while c < end {
                var s: Float = 0
                var row = x + c
                for _ in 0..<n { s += row[0]; row += stride }
                y[c] = n > 0 ? s / Float(n) : 0
                c &+= 1
            }
        }
    }
}
