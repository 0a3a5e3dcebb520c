/// Register-blocked float GEMM used by the fast convolution and fully
/// connected kernels: C[M × N] = clamp(A[M × K] · B[K × N] + bias).
///
/// - B (the weights, stored as [N][K] rows: OHWI filters or FC weights) is
///   packed once per model into panels of one or two vectors of columns
///   (`PackedFloatWeights`), zero-padded past N.
/// - A is never copied: each micro-tile of `FloatGEMM.mr` output rows reads
///   its rows through pointers (one per row and per filter tap). Pointwise
///   convolutions and fully connected layers compute those pointers on the
///   fly; other convolutions use an indirection buffer built at bind, where
///   padding taps point to a row of zeros.
/// - The micro-kernel keeps `mr × 2` vector accumulators (6 × 32 floats with
///   16-lane vectors, 6 × 16 with 8 lanes), starts them at the bias and
///   clamps them (fused activation) when storing.
/// Panel width as a type, so the micro-kernels are specialised for it (a
/// `Bool` argument was not constant-folded when the kernel was not inlined).
protocol GEMMPanelShape {
    /// Two vectors per panel row (else one).
    static var wide: Bool { get }
    /// Columns per panel.
    static var columns: Int { get }
}
extension GEMMPanelShape {
    static var columns: Int { FloatGEMM.panelWidth(wide: wide) }
}
enum WidePanel: GEMMPanelShape { static var wide: Bool { true } }
enum NarrowPanel: GEMMPanelShape { static var wide: Bool { false } }

enum FloatGEMM {
    /// Rows per micro-tile.
    static let mr = 6
    /// Columns per packed panel: two vectors ("wide"), or one vector when N
    /// fits in one ("narrow", e.g. a 16-channel convolution with 16 lanes).
    static func panelWidth(wide: Bool) -> Int { wide ? 2 &* FloatVector.scalarCount : FloatVector.scalarCount }
    /// The widest panel (scratch sizing).
    static var maxPanelWidth: Int { 2 &* FloatVector.scalarCount }

    /// One micro-tile: `mr` pointers per tap (`a[t * mr + r]`), `channels`
    /// values per tap from `offset` values past each pointer (a grouped
    /// convolution's group), so K = taps × channels. `b` is the panel (K × nr),
    /// `bias` its nr biases. Writes a full mr × nr block to `c` (row stride
    /// `ldc`). `wide` must be a constant at the call site: it selects 2 or 1
    /// vectors per row, and the unused accumulators fold away.
    @_transparent
    static func microKernel<Shape: GEMMPanelShape>(
        _ shape: Shape.Type, taps: Int, channels: Int, offset: Int = 0, a: UnsafePointer<UnsafePointer<Float>>, b: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, lo: FloatVector, hi: FloatVector
    ) {
        typealias V = FloatVector
        let w = V.scalarCount
        let wide = Shape.wide
        let bias0 = bias.loadVector(), bias1 = wide ? bias.loadVector(w) : V()
        var c00 = bias0, c01 = bias1, c10 = bias0, c11 = bias1, c20 = bias0, c21 = bias1
        var c30 = bias0, c31 = bias1, c40 = bias0, c41 = bias1, c50 = bias0, c51 = bias1
        var bp = b
        var ap = a
        let step = panelWidth(wide: wide)
        for _ in 0..<taps {
            let a0 = ap[0] + offset, a1 = ap[1] + offset, a2 = ap[2] + offset
            let a3 = ap[3] + offset, a4 = ap[4] + offset, a5 = ap[5] + offset
            ap += 6
            for k in 0..<channels {
                let b0 = bp.loadVector()
                if wide {
                    let b1 = bp.loadVector(w)
                    var av = V(repeating: a0[k]); c00 = c00.multiplyAdd(av, b0); c01 = c01.multiplyAdd(av, b1)
                    av = V(repeating: a1[k]); c10 = c10.multiplyAdd(av, b0); c11 = c11.multiplyAdd(av, b1)
                    av = V(repeating: a2[k]); c20 = c20.multiplyAdd(av, b0); c21 = c21.multiplyAdd(av, b1)
                    av = V(repeating: a3[k]); c30 = c30.multiplyAdd(av, b0); c31 = c31.multiplyAdd(av, b1)
                    av = V(repeating: a4[k]); c40 = c40.multiplyAdd(av, b0); c41 = c41.multiplyAdd(av, b1)
                    av = V(repeating: a5[k]); c50 = c50.multiplyAdd(av, b0); c51 = c51.multiplyAdd(av, b1)
                } else {
                    c00 = c00.multiplyAdd(V(repeating: a0[k]), b0)
                    c10 = c10.multiplyAdd(V(repeating: a1[k]), b0)
                    c20 = c20.multiplyAdd(V(repeating: a2[k]), b0)
                    c30 = c30.multiplyAdd(V(repeating: a3[k]), b0)
                    c40 = c40.multiplyAdd(V(repeating: a4[k]), b0)
                    c50 = c50.multiplyAdd(V(repeating: a5[k]), b0)
                }
                bp += step
            }
        }
        // (A nested function capturing a `var row` made Swift box it: one
        // heap allocation per micro-tile. Explicit rows avoid that.)
        storeRow(Shape.self, c, c00, c01, lo, hi)
        storeRow(Shape.self, c + ldc, c10, c11, lo, hi)
        storeRow(Shape.self, c + 2 &* ldc, c20, c21, lo, hi)
        storeRow(Shape.self, c + 3 &* ldc, c30, c31, lo, hi)
        storeRow(Shape.self, c + 4 &* ldc, c40, c41, lo, hi)
        storeRow(Shape.self, c + 5 &* ldc, c50, c51, lo, hi)
    }

    @_transparent
    static func storeRow<Shape: GEMMPanelShape>(
        _ shape: Shape.Type, _ row: UnsafeMutablePointer<Float>, _ v0: FloatVector, _ v1: FloatVector,
        _ lo: FloatVector, _ hi: FloatVector
    ) {
        row.storeVector(v0.clamped(lo, hi))
        if Shape.wide { row.storeVector(v1.clamped(lo, hi), FloatVector.scalarCount) }
    }

    /// A micro-tile with a single row (fully connected with batch 1, the
    /// last row of an M edge): each output vector gets two accumulators
    /// (even and odd k) so four multiply-add chains are in flight.
    @_transparent
    static func microKernel1<Shape: GEMMPanelShape>(
        _ shape: Shape.Type, taps: Int, channels: Int, offset: Int = 0, a: UnsafePointer<UnsafePointer<Float>>, b: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, lo: FloatVector, hi: FloatVector
    ) {
        typealias V = FloatVector
        let w = V.scalarCount
        let wide = Shape.wide
        var c0 = bias.loadVector(), c1 = wide ? bias.loadVector(w) : V()
        var d0 = V(), d1 = V()
        var bp = b
        var ap = a
        let step = panelWidth(wide: wide)
        let pairs = channels / 2
        for _ in 0..<taps {
            let a0 = ap[0] + offset
            ap += 6
            var x = a0
            for _ in 0..<pairs {
                let xe = V(repeating: x[0]), xo = V(repeating: x[1])
                c0 = c0.multiplyAdd(xe, bp.loadVector())
                d0 = d0.multiplyAdd(xo, bp.loadVector(step))
                if wide {
                    c1 = c1.multiplyAdd(xe, bp.loadVector(w))
                    d1 = d1.multiplyAdd(xo, bp.loadVector(step &+ w))
                }
                x += 2
                bp += 2 &* step
            }
            if channels & 1 != 0 {
                let xe = V(repeating: x[0])
                c0 = c0.multiplyAdd(xe, bp.loadVector())
                if wide { c1 = c1.multiplyAdd(xe, bp.loadVector(w)) }
                bp += step
            }
        }
        c.storeVector((c0 + d0).clamped(lo, hi))
        if wide { c.storeVector((c1 + d1).clamped(lo, hi), w) }
    }
}
