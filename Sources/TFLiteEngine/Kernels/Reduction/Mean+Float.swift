/// Chooses the float32 MEAN kernel: when the reduced axes are consecutive
/// and at least one dimension follows them (e.g. axes [1, 2] of NHWC, the
/// global average pool), `MeanFloatContiguous`; otherwise `MeanFloatReference`.
enum MeanFloat {
    static func make(ctx: PrepareContext, _ r: Reduction) -> Kernel {
        let shape = r.inputShape
        guard let first = r.axes.first, let last = r.axes.last, last - first + 1 == r.axes.count,
              last + 1 < shape.count
        else { return MeanFloatReference(ctx: ctx, r) }
        let outer = shape[..<first].reduce(1, *)
        let reduced = shape[first...last].reduce(1, *)
        let inner = shape[(last + 1)...].reduce(1, *)
        return MeanFloatContiguous(ctx: ctx, outer: outer, reduced: reduced, inner: inner)
    }
}

/// Float32 mean of an input viewed as [outer, reduced, inner] over the
/// middle dimension, vectorised along `inner`. Each output sums its inputs
/// in the same order as `MeanFloatReference` (bit-identical). Tiles are outer indices.
final class MeanFloatContiguous: UnaryOperandKernel {
    let outer: Int, reduced: Int, inner: Int
    let inputIndex: Int, outputIndex: Int
    var input: UnsafePointer<Float>!
    var output: UnsafeMutablePointer<Float>!

    init(ctx: PrepareContext, outer: Int, reduced: Int, inner: Int) {
        self.outer = outer
        self.reduced = reduced
        self.inner = inner
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { inner == 0 ? 0 : outer }
    var cost: Int { outer * reduced * inner }

    func run(tiles: Range<Int>, worker: Int) {
        typealias V = FloatVector
        let w = V.scalarCount
        let blocks = inner / w
        let divisor = Float(reduced)
        for o in tiles {
            let x = input + o &* reduced &* inner
            let y = output + o &* inner
            for block in 0..<blocks {
                let ch = block &* w
                var sum = V()
                for i in 0..<reduced { sum += x.loadVector(i &* inner &+ ch) }
                y.storeVector(reduced > 0 ? sum / V(repeating: divisor) : V(), ch)
            }
            for ch in blocks &* w..<inner {
                var sum: Float = 0
                for i in 0..<reduced { sum += x[i &* inner &+ ch] }
                y[ch] = reduced > 0 ? sum / divisor : 0
            }
        }
    }
}
