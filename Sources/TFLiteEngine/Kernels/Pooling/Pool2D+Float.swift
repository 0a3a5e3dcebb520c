/// Float32 MAX_POOL_2D / AVERAGE_POOL_2D vectorised over channels
/// (`FloatVector` lanes). Tiles are output rows. Each pixel runs four
/// channel vectors at a time (four independent chains), then one; a channel
/// count that is not a multiple of the lanes runs its last vector at
/// channel C − lanes, overlapping the previous one (the overlapping channels
/// are computed twice the same way), so no channel goes through a scalar
/// loop unless there are fewer channels than lanes (`FloatLanes`: eight in
/// the sixteen-lane flavours for fewer than sixteen channels). Taps are visited in the
/// same order as `Pool2DFloatReference`, so results are bit-identical to it.
final class Pool2DFloatVectorized: Pool2DFloatKernel {

    override func run(tiles: Range<Int>, worker: Int) {
        #if TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI
        // Fewer channels than sixteen lanes: eight, rather than the scalar
        // loop (NASNet-Mobile float32's 11-channel pools ran at 1.7 GFLOP/s).
        if p.channels < FloatVector.scalarCount {
            if p.kind == .max { run(SIMD8<Float>.self, tiles, isMax: true) } else { run(SIMD8<Float>.self, tiles, isMax: false) }
            return
        }
        #endif
        if p.kind == .max { run(FloatVector.self, tiles, isMax: true) } else { run(FloatVector.self, tiles, isMax: false) }
    }

    @inline(__always)
    private func run<V: FloatLanes>(_: V.Type, _ tiles: Range<Int>, isMax: Bool) {
        let w = V.scalarCount
        let g = p.geometry, c = p.channels
        let (low, high) = p.activation.floatRange
        let lo = V(repeating: low), hi = V(repeating: high)
        let initial: Float = isMax ? -.greatestFiniteMagnitude : 0
        let start = V(repeating: initial)
        let input: UnsafePointer<Float> = self.input, output: UnsafeMutablePointer<Float> = self.output
        let rowFloats = g.inputWidth &* c
        g.forEachWindow(rows: tiles) { b, pixel, ys, xs in
            let inputBatch = input + b &* g.inputHeight &* rowFloats
            let out = output + pixel &* c
            let count = ys.count &* xs.count
            let divisor = V(repeating: Float(count))
            @inline(__always) func finish(_ acc: V) -> V {
                (isMax ? acc : (count > 0 ? acc.dividing(by: divisor) : V())).clamped(lo, hi)
            }
            // Window's first input row, channel 0.
            let windowStart = inputBatch + (ys.lowerBound &* g.inputWidth &+ xs.lowerBound) &* c
            var ch = 0
            while ch &+ 4 &* w <= c {
                var a0 = start, a1 = start, a2 = start, a3 = start
                var row = windowStart + ch
                for _ in ys {
                    var x = row
                    for _ in xs {
                        let v0 = x.load(V.self), v1 = x.load(V.self, w)
                        let v2 = x.load(V.self, 2 &* w), v3 = x.load(V.self, 3 &* w)
                        if isMax {
                            a0 = a0.lanewiseMax(v0); a1 = a1.lanewiseMax(v1)
                            a2 = a2.lanewiseMax(v2); a3 = a3.lanewiseMax(v3)
                        } else {
                            a0 = a0.adding(v0); a1 = a1.adding(v1); a2 = a2.adding(v2); a3 = a3.adding(v3)
                        }
                        x += c
                    }
                    row += rowFloats
                }
                out.storeLanes(finish(a0), ch)
                out.storeLanes(finish(a1), ch &+ w)
                out.storeLanes(finish(a2), ch &+ 2 &* w)
                out.storeLanes(finish(a3), ch &+ 3 &* w)
                ch &+= 4 &* w
            }
            if c >= w {
                while ch < c {
                    if ch > c &- w { ch = c &- w }
                    var acc = start
                    var row = windowStart + ch
                    for _ in ys {
                        var x = row
                        for _ in xs {
                            let v = x.load(V.self)
                            acc = isMax ? acc.lanewiseMax(v) : acc.adding(v)
                            x += c
                        }
                        row += rowFloats
                    }
                    out.storeLanes(finish(acc), ch)
                    ch &+= w
                }
            }
            for channel in ch..<c {
                var acc = initial
                for iy in ys {
                    for ix in xs {
                        let v = inputBatch[(iy &* g.inputWidth &+ ix) &* c &+ channel]
                        acc = isMax ? max(acc, v) : acc + v
                    }
                }
                if !isMax { acc = count > 0 ? acc / Float(count) : 0 }
                out[channel] = min(max(acc, low), high)
            }
        }
    }
}
