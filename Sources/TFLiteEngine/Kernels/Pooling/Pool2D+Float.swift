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
        let initial: Float = isMax ? -.greatestFiniteMagnitude : 0
        let input: UnsafePointer<Float> = self.input, output: UnsafeMutablePointer<Float> = self.output
        let rowFloats = g.inputWidth &* c
        // A row's interior columns as one run of contiguous channels (`run`).
        g.forEachWindow(rows: tiles, interior: { b, row, ys, columns in
            let length = columns.count &* c
            guard length >= FloatVector.scalarCount, !ys.isEmpty else { return false }
            let corner = ((b &* g.inputHeight &+ ys.lowerBound) &* g.inputWidth &+ columns.lowerBound &- g.padLeft) &* c
            let target = output + (row &* g.outputWidth &+ columns.lowerBound) &* c
            // 3×3 windows as a type, so their loops unroll (NASNet-Mobile's pools).
            if ys.count == 3 && g.filterWidth == 3 {
                run(FloatVector.self, ThreeByThreeWindow.self, input + corner, rows: 3, rowStep: rowFloats, columns: 3, channels: c,
                    length: length, into: target, isMax: isMax)
            } else {
                run(FloatVector.self, FilterWindow.self, input + corner, rows: ys.count, rowStep: rowFloats, columns: g.filterWidth,
                    channels: c, length: length, into: target, isMax: isMax)
            }
            return true
        }, window)

        /// One output pixel: the window `ys` × `xs` of batch `b`.
        @inline(__always) func window(_ b: Int, _ pixel: Int, _ ys: Range<Int>, _ xs: Range<Int>) {
            let inputBatch = input + b &* g.inputHeight &* rowFloats
            let out = output + pixel &* c
            if c >= w && !ys.isEmpty && !xs.isEmpty {
                // The pixel's channels as a run of outputs over its clipped window.
                run(V.self, FilterWindow.self, inputBatch + (ys.lowerBound &* g.inputWidth &+ xs.lowerBound) &* c, rows: ys.count, rowStep: rowFloats,
                    columns: xs.count, channels: c, length: c, into: out, isMax: isMax)
                return
            }
            let count = ys.count &* xs.count
            for channel in 0..<c {
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

    /// `length` (at least one vector) outputs, each over a window of
    /// `rows` × `columns` taps (at least one; `W`'s where it has constants), all inside the input: output
    /// i takes the inputs at `i + kx·channels + ky·rowStep` from `source`,
    /// in the reference's order (rows, then columns), four vectors per
    /// step, then one, the last overlapping its predecessor. One pixel's
    /// channels, or at stride 1 along x a row's interior pixels' channels
    /// as one run (NASNet-Mobile's 3×3 pools of 11–44 channels paid the
    /// window loops for every pixel's one to three vectors).
    @inline(__always)
    private func run<V: FloatLanes, W: PoolWindowSize>(_: V.Type, _: W.Type, _ source: UnsafePointer<Float>, rows: Int, rowStep: Int, columns: Int,
                                                       channels c: Int, length: Int, into target: UnsafeMutablePointer<Float>, isMax: Bool) {
        let w = V.scalarCount
        let rows = W.rows(rows), columns = W.width(columns)
        let (low, high) = p.activation.floatRange
        let lo = V(repeating: low), hi = V(repeating: high)
        let start = V(repeating: isMax ? -.greatestFiniteMagnitude : 0)
        let divisor = V(repeating: Float(rows &* columns))
        @inline(__always) func finish(_ acc: V) -> V { (isMax ? acc : acc.dividing(by: divisor)).clamped(lo, hi) }
        @inline(__always) func combine(_ acc: V, _ v: V) -> V { isMax ? acc.lanewiseMax(v) : acc.adding(v) }
        var next = 0
        while next &+ 4 &* w <= length {
            var a0 = start, a1 = start, a2 = start, a3 = start
            var row = source + next
            for _ in 0..<rows {
                var x = row
                for _ in 0..<columns {
                    a0 = combine(a0, x.load(V.self)); a1 = combine(a1, x.load(V.self, w))
                    a2 = combine(a2, x.load(V.self, 2 &* w)); a3 = combine(a3, x.load(V.self, 3 &* w))
                    x += c
                }
                row += rowStep
            }
            target.storeLanes(finish(a0), next)
            target.storeLanes(finish(a1), next &+ w)
            target.storeLanes(finish(a2), next &+ 2 &* w)
            target.storeLanes(finish(a3), next &+ 3 &* w)
            next &+= 4 &* w
        }
        while next < length {
            let at = min(next, length &- w)
            var acc = start
            var row = source + at
            for _ in 0..<rows {
                var x = row
                for _ in 0..<columns {
                    acc = combine(acc, x.load(V.self))
                    x += c
                }
                row += rowStep
            }
            target.storeLanes(finish(acc), at)
            next = at &+ w
        }
    }
}
