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
/// A panel row is one vector of `First`'s lanes, followed by one of
/// `Second`'s when `wide`.
protocol GEMMPanelShape {
    /// Two vectors per panel row (else one).
    static var wide: Bool { get }
    /// Columns per panel.
    static var columns: Int { get }
    /// The lanes of a panel row's first vector.
    associatedtype First: FloatLanes = FloatVector
    /// The lanes of its second vector (`wide` panels).
    associatedtype Second: FloatLanes = FloatVector
}
extension GEMMPanelShape {
    static var columns: Int { wide ? First.scalarCount &+ Second.scalarCount : First.scalarCount }
}
/// Two vectors of `FloatVector` (the usual panel).
enum WidePanel: GEMMPanelShape { static var wide: Bool { true } }
/// One vector of `FloatVector`.
enum NarrowPanel: GEMMPanelShape { static var wide: Bool { false } }
/// Eight columns on eight lanes: in the sixteen-lane flavours, a last panel
/// of at most eight columns, or every panel of a grouped convolution with
/// at most eight outputs per group (RegNet's group width 8), where a
/// sixteen-lane panel would compute as many zero columns as real ones.
/// Zen 4 runs two 8-lane multiply-adds per cycle and one of 16 lanes.
enum QuarterPanel: GEMMPanelShape {
    static var wide: Bool { false }
    typealias First = SIMD8<Float>
}
/// `FloatVector` then eight lanes: a last panel of 17–24 columns in the
/// sixteen-lane flavours (N = 24, 56, 88, 120, 184, …).
enum ThreeQuarterPanel: GEMMPanelShape {
    static var wide: Bool { true }
    typealias Second = SIMD8<Float>
}

/// A fused activation's bounds splatted for a panel shape's two vectors
/// (once per run of micro-tiles, outside their loops).
struct PanelBounds<Shape: GEMMPanelShape> {
    let lo0: Shape.First, hi0: Shape.First, lo1: Shape.Second, hi1: Shape.Second
    /// Not inlined on purpose: where the optimiser sees that the bounds are
    /// splats of one value, it lowers each side of `clamped` to a compare
    /// and a masked move (two instructions) instead of one `vmaxps` /
    /// `vminps` (checked with objdump, avx512 flavour): 48 instead of 24
    /// vector instructions per 6 × 32 micro-tile, against 192 multiply-adds
    /// at 16 input channels (MobileNetV2's expansions; their time moved
    /// within this host's noise, Zen 4).
    @inline(never)
    init(_ lo: Float, _ hi: Float) {
        lo0 = .splat(lo)
        hi0 = .splat(hi)
        lo1 = .splat(lo)
        hi1 = .splat(hi)
    }
}

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
        bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, bounds: PanelBounds<Shape>
    ) {
        typealias V0 = Shape.First
        typealias V1 = Shape.Second
        let w = V0.scalarCount
        let wide = Shape.wide
        let bias0 = bias.load(V0.self), bias1 = wide ? bias.load(V1.self, w) : V1()
        var c00 = bias0, c01 = bias1, c10 = bias0, c11 = bias1, c20 = bias0, c21 = bias1
        var c30 = bias0, c31 = bias1, c40 = bias0, c41 = bias1, c50 = bias0, c51 = bias1
        var bp = b
        var ap = a
        let step = Shape.columns
        for _ in 0..<taps {
            let a0 = ap[0] + offset, a1 = ap[1] + offset, a2 = ap[2] + offset
            let a3 = ap[3] + offset, a4 = ap[4] + offset, a5 = ap[5] + offset
            ap += 6
            for k in 0..<channels {
                let b0 = bp.load(V0.self)
                if wide {
                    let b1 = bp.load(V1.self, w)
                    var x = a0[k]; c00 = c00.multiplyAdd(V0.splat(x), b0); c01 = c01.multiplyAdd(V1.splat(x), b1)
                    x = a1[k]; c10 = c10.multiplyAdd(V0.splat(x), b0); c11 = c11.multiplyAdd(V1.splat(x), b1)
                    x = a2[k]; c20 = c20.multiplyAdd(V0.splat(x), b0); c21 = c21.multiplyAdd(V1.splat(x), b1)
                    x = a3[k]; c30 = c30.multiplyAdd(V0.splat(x), b0); c31 = c31.multiplyAdd(V1.splat(x), b1)
                    x = a4[k]; c40 = c40.multiplyAdd(V0.splat(x), b0); c41 = c41.multiplyAdd(V1.splat(x), b1)
                    x = a5[k]; c50 = c50.multiplyAdd(V0.splat(x), b0); c51 = c51.multiplyAdd(V1.splat(x), b1)
                } else {
                    c00 = c00.multiplyAdd(V0.splat(a0[k]), b0)
                    c10 = c10.multiplyAdd(V0.splat(a1[k]), b0)
                    c20 = c20.multiplyAdd(V0.splat(a2[k]), b0)
                    c30 = c30.multiplyAdd(V0.splat(a3[k]), b0)
                    c40 = c40.multiplyAdd(V0.splat(a4[k]), b0)
                    c50 = c50.multiplyAdd(V0.splat(a5[k]), b0)
                }
                bp += step
            }
        }
        // (A nested function capturing a `var row` made Swift box it: one
        // heap allocation per micro-tile. Explicit rows avoid that.)
        storeRow(Shape.self, c, c00, c01, bounds)
        storeRow(Shape.self, c + ldc, c10, c11, bounds)
        storeRow(Shape.self, c + 2 &* ldc, c20, c21, bounds)
        storeRow(Shape.self, c + 3 &* ldc, c30, c31, bounds)
        storeRow(Shape.self, c + 4 &* ldc, c40, c41, bounds)
        storeRow(Shape.self, c + 5 &* ldc, c50, c51, bounds)
    }

    @_transparent
    static func storeRow<Shape: GEMMPanelShape>(
        _ shape: Shape.Type, _ row: UnsafeMutablePointer<Float>, _ v0: Shape.First, _ v1: Shape.Second, _ bounds: PanelBounds<Shape>
    ) {
        row.storeLanes(v0.clamped(bounds.lo0, bounds.hi0))
        if Shape.wide { row.storeLanes(v1.clamped(bounds.lo1, bounds.hi1), Shape.First.scalarCount) }
    }

    /// A micro-tile with a single row (fully connected with batch 1, the
    /// last row of an M edge): each output vector gets two accumulators
    /// (even and odd k) so four multiply-add chains are in flight.
    @_transparent
    static func microKernel1<Shape: GEMMPanelShape>(
        _ shape: Shape.Type, taps: Int, channels: Int, offset: Int = 0, a: UnsafePointer<UnsafePointer<Float>>, b: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, bounds: PanelBounds<Shape>
    ) {
        typealias V0 = Shape.First
        typealias V1 = Shape.Second
        let w = V0.scalarCount
        let wide = Shape.wide
        var c0 = bias.load(V0.self), c1 = wide ? bias.load(V1.self, w) : V1()
        var d0 = V0(), d1 = V1()
        var bp = b
        var ap = a
        let step = Shape.columns
        let pairs = channels / 2
        for _ in 0..<taps {
            let a0 = ap[0] + offset
            ap += 6
            var x = a0
            for _ in 0..<pairs {
                let xe = x[0], xo = x[1]
                c0 = c0.multiplyAdd(V0.splat(xe), bp.load(V0.self))
                d0 = d0.multiplyAdd(V0.splat(xo), bp.load(V0.self, step))
                if wide {
                    c1 = c1.multiplyAdd(V1.splat(xe), bp.load(V1.self, w))
                    d1 = d1.multiplyAdd(V1.splat(xo), bp.load(V1.self, step &+ w))
                }
                x += 2
                bp += 2 &* step
            }
            if channels & 1 != 0 {
                let xe = x[0]
                c0 = c0.multiplyAdd(V0.splat(xe), bp.load(V0.self))
                if wide { c1 = c1.multiplyAdd(V1.splat(xe), bp.load(V1.self, w)) }
                bp += step
            }
        }
        c.storeLanes(c0.adding(d0).clamped(bounds.lo0, bounds.hi0))
        if wide { c.storeLanes(c1.adding(d1).clamped(bounds.lo1, bounds.hi1), w) }
    }
}
