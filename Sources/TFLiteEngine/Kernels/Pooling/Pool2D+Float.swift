/// Float32 MAX_POOL_2D / AVERAGE_POOL_2D vectorised over channels
/// (`FloatVector` lanes, scalar tail). Tiles are output rows. Taps are
/// visited in the same order as `Pool2DFloatReference`, so results are
/// bit-identical to it.
final class Pool2DFloatVectorized: Pool2DFloatKernel {

    override func run(tiles: Range<Int>, worker: Int) {
        if p.kind == .max { run(tiles, isMax: true) } else { run(tiles, isMax: false) }
    }

    @inline(__always)
    private func run(_ tiles: Range<Int>, isMax: Bool) {
        typealias V = FloatVector
        let w = V.scalarCount
        let g = p.geometry, c = p.channels
        let (low, high) = p.activation.floatRange
        let lo = V(repeating: low), hi = V(repeating: high)
        let initial: Float = isMax ? -.greatestFiniteMagnitude : 0
        let blocks = c / w
        let input: UnsafePointer<Float> = self.input, output: UnsafeMutablePointer<Float> = self.output
        g.forEachWindow(rows: tiles) { b, pixel, ys, xs in
            let inputBatch = input + b &* g.inputHeight &* g.inputWidth &* c
            let out = output + pixel &* c
            let count = ys.count &* xs.count
            let divisor = Float(count)
            for block in 0..<blocks {
                let ch = block &* w
                var acc = V(repeating: initial)
                for iy in ys {
                    let rowBase = inputBatch + ((iy &* g.inputWidth) &* c &+ ch)
                    for ix in xs {
                        let v = rowBase.loadVector(ix &* c)
                        acc = isMax ? acc.lanewiseMax(v) : acc + v
                    }
                }
                if !isMax { acc = count > 0 ? acc / V(repeating: divisor) : V() }
                out.storeVector(acc.clamped(lo, hi), ch)
            }
            for ch in blocks &* w..<c {
                var acc = initial
                for iy in ys {
                    for ix in xs {
                        let v = inputBatch[(iy &* g.inputWidth &+ ix) &* c &+ ch]
                        acc = isMax ? max(acc, v) : acc + v
                    }
                }
                if !isMax { acc = count > 0 ? acc / divisor : 0 }
                out[ch] = min(max(acc, low), high)
            }
        }
    }
}
