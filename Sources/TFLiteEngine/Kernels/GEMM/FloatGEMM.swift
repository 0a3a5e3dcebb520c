/// Register-blocked float GEMM used by the fast convolution and fully
/// connected kernels: C[M × N] = clamp(A[M × K] · B[K × N] + bias).
///
/// - B (the weights, stored as [N][K] rows: OHWI filters or FC weights) is
///   packed once per model into panels of one or two vectors of columns
///   (`PackedFloatWeights`), zero-padded past N.
/// - A is never copied: each micro-tile of six or seven output rows reads
///   its rows through pointers (one per row and per filter tap). Pointwise
///   convolutions and fully connected layers compute those pointers on the
///   fly; other convolutions use an indirection buffer built at bind, where
///   padding taps point to a row of zeros.
/// - The micro-kernel keeps a rows × panel-width block of accumulators
///   (6 × 16 floats with 8 lanes; 6 or 7 × 32 or 16 with 16 lanes:
///   `tileShape`), starts them at the bias and clamps them (fused
///   activation) when storing.
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

/// Rows of a float micro-tile as a type, so the micro-kernel is
/// specialised for them (the seventh row's accumulators fold away at six).
protocol MicroTileRows {
    static var count: Int { get }
}
/// Six rows: twelve accumulators, two panel vectors and a broadcast fit the
/// sixteen registers of AVX2 (and NEON's 32 with eight-lane vectors). The
/// integer GEMM's tiles are always six rows.
enum SixRows: MicroTileRows { static var count: Int { 6 } }
/// Seven rows: fourteen accumulators, in the AVX-512 flavours' 32 registers
/// (`FloatGEMM.tileShape`).
enum SevenRows: MicroTileRows { static var count: Int { 7 } }

enum FloatGEMM {
    /// The most rows a micro-tile has in this flavour (scratch sizing).
    static var maxRows: Int { FloatVector.scalarCount == 16 ? SevenRows.count : SixRows.count }

    /// Rows per micro-tile and panel width (two vectors, else one) for a
    /// GEMM of M = `m` rows, K = `k` and N = `n` outputs (`pointwise`: a 1×1
    /// convolution or a fully connected layer, ungrouped). Each output's
    /// arithmetic is the same whatever the shape (the bias, then the K
    /// multiply-adds in order), so the choice never changes a result.
    ///
    /// In the sixteen-lane flavours a pointwise GEMM gets seven rows: every
    /// MobileNet-style map (224 = 32 × 7: 112², 56², 28², 14², 7² pixels) is
    /// then whole tiles, where six rows left 7×7 maps a one-row tile; its
    /// fourteen accumulators also spread each tile's fixed cost (bias,
    /// clamps, stores, row pointers) further. Above K = 512 only when M is
    /// whole tiles of seven: seven rows of A then no longer stay in L1 beside
    /// the streaming panel (10×10×1024 → 1536: 2.76 → 2.85 ms; 19×19×728 →
    /// 728: 0.5% slower; 7×7×1024 → 1024 0.901 → 0.880). Below K = 96 its
    /// panels are one vector (16 columns), as XNNPACK's 7×16 kernel: each
    /// broadcast of A feeds one multiply-add as its memory operand instead
    /// of a `vbroadcastss` feeding two. One-op 1×1 convolutions on Zen 4:
    /// 112²×16 → 96 0.403 → 0.369 ms, 112²×32 → 64 0.496 → 0.472, 28²×32 →
    /// 64 0.0310 → 0.0291; MobileNetV2's 14×14 and 7×7 layers 1.5–3.5%
    /// faster with seven rows on two-vector panels, while one-vector panels
    /// were 3% slower there at K = 160 and 11–14% from K = 320.
    /// That is for a CPU that starts one 512-bit multiply-add a cycle
    /// (`twoWideMultiplyAdds` false). One that starts two needs eight sums in
    /// flight (two a cycle, four cycles each), more than seven rows of one
    /// vector give: there panels are two vectors at any K. One-op layers on
    /// an Intel Xeon (family 6 model 207, Emerald Rapids), one vector →
    /// two: 112²×16 → 96 0.406 → 0.314 ms, 112²×32 → 64 0.472 → 0.367,
    /// 56²×24 → 144 0.197 → 0.161, 28²×32 → 192 0.151 → 0.095.
    /// A single panel of at most 16 columns keeps six rows (112²×32 → 16:
    /// 0.120 against 0.137 ms with seven), and so do convolutions with more
    /// than one tap (MobileNetV2's 3×3 stem: 0.248 against 0.260 ms).
    static func tileShape(
        m: Int, k: Int, n: Int, pointwise: Bool,
        twoWideMultiplyAdds: Bool = ProcessorTraits.twoWideMultiplyAddsPerCycle
    ) -> (rows: Int, wide: Bool) {
        let lanes = FloatVector.scalarCount
        guard lanes == 16, pointwise, n > lanes, k <= 512 || m % SevenRows.count == 0 else { return (SixRows.count, true) }
        return (SevenRows.count, k >= 96 || twoWideMultiplyAdds)
    }

    /// Columns per packed panel: two vectors ("wide"), or one vector when N
    /// fits in one ("narrow", e.g. a 16-channel convolution with 16 lanes).
    static func panelWidth(wide: Bool) -> Int { wide ? 2 &* FloatVector.scalarCount : FloatVector.scalarCount }
    /// The widest panel (scratch sizing).
    static var maxPanelWidth: Int { 2 &* FloatVector.scalarCount }

    /// One micro-tile of `Rows` rows: `Rows.count` pointers per tap
    /// (`a[t * rows + r]`), `channels` values per tap from `offset` values
    /// past each pointer (a grouped convolution's group), so K = taps ×
    /// channels. `b` is the panel (K × nr), `bias` its nr biases. Writes a
    /// full rows × nr block to `c` (row stride `ldc`). `Shape` selects 2 or
    /// 1 vectors per row and `Rows` six or seven rows; the unused
    /// accumulators fold away. With `ahead`, each k step also asks L2 for
    /// the line at `ahead`, then `aheadStride` bytes further
    /// (`CacheHint.prefetchIntoL2`: weights the caller reads next), one
    /// prefetch beside the step's loads.
    @_transparent
    static func microKernel<Rows: MicroTileRows, Shape: GEMMPanelShape>(
        _ rows: Rows.Type, _ shape: Shape.Type, taps: Int, channels: Int, offset: Int = 0, a: UnsafePointer<UnsafePointer<Float>>,
        b: UnsafePointer<Float>, bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, bounds: PanelBounds<Shape>,
        ahead: UnsafeRawPointer? = nil, aheadStride: Int = 0
    ) {
        typealias V0 = Shape.First
        typealias V1 = Shape.Second
        let w = V0.scalarCount
        let wide = Shape.wide
        let seven = Rows.count == 7
        let bias0 = bias.load(V0.self), bias1 = wide ? bias.load(V1.self, w) : V1()
        var c00 = bias0, c01 = bias1, c10 = bias0, c11 = bias1, c20 = bias0, c21 = bias1
        var c30 = bias0, c31 = bias1, c40 = bias0, c41 = bias1, c50 = bias0, c51 = bias1
        var c60 = bias0, c61 = bias1
        var bp = b
        var ap = a
        let step = Shape.columns
        let prefetching = ahead != nil
        var pf = ahead ?? UnsafeRawPointer(b)
        for _ in 0..<taps {
            let a0 = ap[0] + offset, a1 = ap[1] + offset, a2 = ap[2] + offset
            let a3 = ap[3] + offset, a4 = ap[4] + offset, a5 = ap[5] + offset
            let a6 = seven ? ap[6] + offset : a0
            ap += Rows.count
            for k in 0..<channels {
                if prefetching {
                    CacheHint.prefetchIntoL2(pf)
                    pf += aheadStride
                }
                let b0 = bp.load(V0.self)
                if wide {
                    let b1 = bp.load(V1.self, w)
                    var x = a0[k]; c00 = c00.multiplyAdd(V0.splat(x), b0); c01 = c01.multiplyAdd(V1.splat(x), b1)
                    x = a1[k]; c10 = c10.multiplyAdd(V0.splat(x), b0); c11 = c11.multiplyAdd(V1.splat(x), b1)
                    x = a2[k]; c20 = c20.multiplyAdd(V0.splat(x), b0); c21 = c21.multiplyAdd(V1.splat(x), b1)
                    x = a3[k]; c30 = c30.multiplyAdd(V0.splat(x), b0); c31 = c31.multiplyAdd(V1.splat(x), b1)
                    x = a4[k]; c40 = c40.multiplyAdd(V0.splat(x), b0); c41 = c41.multiplyAdd(V1.splat(x), b1)
                    x = a5[k]; c50 = c50.multiplyAdd(V0.splat(x), b0); c51 = c51.multiplyAdd(V1.splat(x), b1)
                    if seven { x = a6[k]; c60 = c60.multiplyAdd(V0.splat(x), b0); c61 = c61.multiplyAdd(V1.splat(x), b1) }
                } else {
                    c00 = c00.multiplyAdd(V0.splat(a0[k]), b0)
                    c10 = c10.multiplyAdd(V0.splat(a1[k]), b0)
                    c20 = c20.multiplyAdd(V0.splat(a2[k]), b0)
                    c30 = c30.multiplyAdd(V0.splat(a3[k]), b0)
                    c40 = c40.multiplyAdd(V0.splat(a4[k]), b0)
                    c50 = c50.multiplyAdd(V0.splat(a5[k]), b0)
                    if seven { c60 = c60.multiplyAdd(V0.splat(a6[k]), b0) }
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
        if seven { storeRow(Shape.self, c + 6 &* ldc, c60, c61, bounds) }
    }

    /// Twelve rows (two six-row micro-tiles) on a one-vector panel of a
    /// pointwise GEMM, row r of A at `a + r · rowStride`: `microKernel`'s
    /// sums (the bias, then the K multiply-adds in order), twelve
    /// accumulators, so a tile's fixed cost (row pointers, bias, the panel
    /// and group arithmetic, clamps) is spread over twice the rows. Writes
    /// a full 12 × `FloatVector` block to `c` (row stride `ldc`).
    @_transparent
    static func microKernel12(a: UnsafePointer<Float>, rowStride: Int, channels: Int, b: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                              c: UnsafeMutablePointer<Float>, ldc: Int, bounds: PanelBounds<NarrowPanel>) {
        let start = bias.load(FloatVector.self)
        var c0 = start, c1 = start, c2 = start, c3 = start, c4 = start, c5 = start
        var c6 = start, c7 = start, c8 = start, c9 = start, c10 = start, c11 = start
        let a0 = a, a1 = a + rowStride, a2 = a + 2 &* rowStride, a3 = a + 3 &* rowStride
        let a4 = a + 4 &* rowStride, a5 = a + 5 &* rowStride, a6 = a + 6 &* rowStride, a7 = a + 7 &* rowStride
        let a8 = a + 8 &* rowStride, a9 = a + 9 &* rowStride, a10 = a + 10 &* rowStride, a11 = a + 11 &* rowStride
        var bp = b
        for k in 0..<channels {
            let w = bp.load(FloatVector.self)
            c0 = c0.multiplyAdd(.splat(a0[k]), w)
            c1 = c1.multiplyAdd(.splat(a1[k]), w)
            c2 = c2.multiplyAdd(.splat(a2[k]), w)
            c3 = c3.multiplyAdd(.splat(a3[k]), w)
            c4 = c4.multiplyAdd(.splat(a4[k]), w)
            c5 = c5.multiplyAdd(.splat(a5[k]), w)
            c6 = c6.multiplyAdd(.splat(a6[k]), w)
            c7 = c7.multiplyAdd(.splat(a7[k]), w)
            c8 = c8.multiplyAdd(.splat(a8[k]), w)
            c9 = c9.multiplyAdd(.splat(a9[k]), w)
            c10 = c10.multiplyAdd(.splat(a10[k]), w)
            c11 = c11.multiplyAdd(.splat(a11[k]), w)
            bp += FloatVector.scalarCount
        }
        let unused = FloatVector()
        storeRow(NarrowPanel.self, c, c0, unused, bounds)
        storeRow(NarrowPanel.self, c + ldc, c1, unused, bounds)
        storeRow(NarrowPanel.self, c + 2 &* ldc, c2, unused, bounds)
        storeRow(NarrowPanel.self, c + 3 &* ldc, c3, unused, bounds)
        storeRow(NarrowPanel.self, c + 4 &* ldc, c4, unused, bounds)
        storeRow(NarrowPanel.self, c + 5 &* ldc, c5, unused, bounds)
        storeRow(NarrowPanel.self, c + 6 &* ldc, c6, unused, bounds)
        storeRow(NarrowPanel.self, c + 7 &* ldc, c7, unused, bounds)
        storeRow(NarrowPanel.self, c + 8 &* ldc, c8, unused, bounds)
        storeRow(NarrowPanel.self, c + 9 &* ldc, c9, unused, bounds)
        storeRow(NarrowPanel.self, c + 10 &* ldc, c10, unused, bounds)
        storeRow(NarrowPanel.self, c + 11 &* ldc, c11, unused, bounds)
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
    /// (even and odd k) so four multiply-add chains are in flight (so its
    /// sums round differently from `microKernel`'s). `a` holds `Rows.count`
    /// pointers per tap, of which it reads the first.
    @_transparent
    static func microKernel1<Rows: MicroTileRows, Shape: GEMMPanelShape>(
        _ rows: Rows.Type, _ shape: Shape.Type, taps: Int, channels: Int, offset: Int = 0, a: UnsafePointer<UnsafePointer<Float>>,
        b: UnsafePointer<Float>, bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, bounds: PanelBounds<Shape>
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
            ap += Rows.count
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
