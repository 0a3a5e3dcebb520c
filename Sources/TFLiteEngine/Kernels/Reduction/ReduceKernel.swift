/// How a reduction combines values (SUM, REDUCE_MAX).
protocol ReduceOperation {
    associatedtype Element
    /// The result of an empty reduction (0 for a sum, the lowest value for a maximum).
    static var initial: Element { get }
    static func combine(_ accumulated: Element, _ value: Element) -> Element
}

/// The input of a reduction seen as `[outer, reduced, inner]` with the kept
/// dimensions outside and inside one contiguous reduced block, after
/// dropping size-1 dimensions and merging neighbours (e.g. NHWC summed over
/// H and W is `[N, H·W, C]`; over C it is `[N·H·W, C, 1]`). Nil when the
/// reduced dimensions are not contiguous (then the general path is used).
struct ContiguousReduction: Equatable {
    let outer: Int, reduced: Int, inner: Int

    init?(_ r: Reduction) {
        var groups: [(size: Int, reduced: Bool)] = []
        for (d, size) in r.inputShape.enumerated() where size != 1 {
            let isReduced = r.axes.contains(d)
            if let last = groups.last, last.reduced == isReduced {
                groups[groups.count - 1].size = last.size * size
            } else {
                groups.append((size, isReduced))
            }
        }
        switch groups.map(\.reduced) {
        case []: (outer, reduced, inner) = (1, 1, 1)
        case [false]: (outer, reduced, inner) = (groups[0].size, 1, 1)
        case [true]: (outer, reduced, inner) = (1, groups[0].size, 1)
        case [false, true]: (outer, reduced, inner) = (groups[0].size, groups[1].size, 1)
        case [true, false]: (outer, reduced, inner) = (1, groups[0].size, groups[1].size)
        case [false, true, false]: (outer, reduced, inner) = (groups[0].size, groups[1].size, groups[2].size)
        default: return nil
        }
    }
}

/// A reduction over constant axes. Each output element combines its inputs
/// in row-major order of the reduced dimensions, starting from
/// `Operation.initial`, whichever path runs, so results do not depend on
/// tiling.
///
/// Contiguous reductions (`ContiguousReduction`) run as
/// `out[o, j] = combine over r of x[o, r, j]`, the inner loop over `j`
/// contiguous; tiles are (outer index, block of inner indices), or blocks of
/// outputs when `inner == 1`. Other reductions walk each output's inputs
/// through `Reduction`'s strides; tiles are output elements. The loops are
/// closures built in `init`, where `Operation` is concrete, so they are
/// specialized.
final class ReduceKernel<Operation: ReduceOperation>: UnaryOperandKernel {
    typealias Element = Operation.Element
    let r: Reduction
    let contiguous: ContiguousReduction?
    let inputIndex: Int, outputIndex: Int
    /// Blocks per outer index (contiguous path).
    let blocks: Int
    let body: (_ x: UnsafePointer<Element>, _ y: UnsafeMutablePointer<Element>, _ tiles: Range<Int>) -> Void
    var input: UnsafePointer<Element>!
    var output: UnsafeMutablePointer<Element>!
    static var blockSize: Int { 256 }

    init(ctx: PrepareContext, _ r: Reduction, _ operation: Operation.Type) {
        self.r = r
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
        let block = Self.blockSize
        if let c = ContiguousReduction(r) {
            contiguous = c
            let count = c.inner == 1 ? c.outer : c.inner
            blocks = (count + block - 1) / block
            let (reduced, inner) = (c.reduced, c.inner)
            if inner == 1 {
                body = { x, y, tiles in
                    for tile in tiles {
                        let start = tile &* block, end = min(start &+ block, count)
                        for o in start..<end {
                            let row = x + o &* reduced
                            var acc = Operation.initial
                            for k in 0..<reduced { acc = Operation.combine(acc, row[k]) }
                            y[o] = acc
                        }
                    }
                }
            } else {
                let blocks = self.blocks
                body = { x, y, tiles in
                    for tile in tiles {
                        let o = tile / blocks, start = (tile % blocks) &* block
                        let end = min(start &+ block, inner)
                        let out = y + o &* inner, base = x + o &* reduced &* inner
                        for j in start..<end { out[j] = Operation.initial }
                        for k in 0..<reduced {
                            let row = base + k &* inner
                            for j in start..<end { out[j] = Operation.combine(out[j], row[j]) }
                        }
                    }
                }
            }
        } else {
            contiguous = nil
            blocks = 0
            let n = r.reducedCount
            body = { x, y, tiles in
                for o in tiles {
                    let base = x + r.keptOffset(o)
                    var acc = Operation.initial
                    for i in 0..<n { acc = Operation.combine(acc, base[r.reducedOffset(i)]) }
                    y[o] = acc
                }
            }
        }
    }

    var tileCount: Int {
        guard let c = contiguous else { return r.outputCount }
        return c.inner == 1 ? blocks : c.outer * blocks
    }
    var cost: Int { r.outputCount * max(r.reducedCount, 1) }

    func run(tiles: Range<Int>, worker: Int) {
        guard let input, let output else { return }
        body(input, output, tiles)
    }
}
