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
        for tile in tiles {
            let b = tile / g.outputHeight, oy = tile % g.outputHeight
            let inputBatch = input + b &* g.inputHeight &* g.inputWidth &* c
            var out = output + tile &* g.outputWidth &* c
            let y0 = oy &* g.strideHeight &- g.padTop
            let yStart = max(y0, 0), yEnd = max(min(y0 &+ g.filterHeight, g.inputHeight), yStart)
            for ox in 0..<g.outputWidth {
                let x0 = ox &* g.strideWidth &- g.padLeft
                let xStart = max(x0, 0), xEnd = max(min(x0 &+ g.filterWidth, g.inputWidth), xStart)
                let count = (yEnd &- yStart) &* (xEnd &- xStart)
                let divisor = Float(count)
                for block in 0..<blocks {
                    let ch = block &* w
                    var acc = V(repeating: initial)
                    for iy in yStart..<yEnd {
                        let rowBase = inputBatch + ((iy &* g.inputWidth) &* c &+ ch)
                        for ix in xStart..<xEnd {
                            let v = rowBase.loadVector(ix &* c)
                            acc = isMax ? acc.lanewiseMax(v) : acc + v
                        }
                    }
                    if !isMax { acc = count > 0 ? acc / V(repeating: divisor) : V() }
                    out.storeVector(acc.clamped(lo, hi), ch)
                }
                for ch in blocks &* w..<c {
                    var acc = initial
                    for iy in yStart..<yEnd {
                        for ix in xStart..<xEnd {
                            let v = inputBatch[(iy &* g.inputWidth &+ ix) &* c &+ ch]
                            acc = isMax ? max(acc, v) : acc + v
                        }
                    }
                    if !isMax { acc = count > 0 ? acc / divisor : 0 }
                    out[ch] = min(max(acc, low), high)
                }
                out += c
            }
        }
    }
}
