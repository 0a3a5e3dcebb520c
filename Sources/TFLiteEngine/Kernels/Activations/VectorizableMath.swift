/// Float32 transcendental functions written with plain arithmetic, selects
/// and bit casts only (no libm calls, no trapping conversions), so loops
/// over them vectorize even on baseline x86-64 (SSE2). Accuracy is a few
/// ulp in the normal range, far inside the 1e-4 agreement with TFLite's own
/// (Eigen) approximations that the fixtures check. The exact libm functions
/// stay in EXP, whose overflow to infinity must be exact.
enum VectorizableMath {
    /// `e^x` for x in about [-87.3, 88.3]; inputs outside are clamped to that
    /// range (so results stay finite and normal), NaN gives NaN.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let xc = min(max(x, -87.3), 88.3)
        // n = round(x · log2 e) with the 1.5·2^23 trick (round-to-nearest
        // by float addition); its integer value is read from the bits.
        let magic: Float = 12_582_912
        let shifted = xc * 1.442_695_04 + magic
        let n = shifted - magic
        let k = Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: magic.bitPattern)
        // r = x - n·ln 2 in two parts (Cody–Waite), |r| ≤ ln 2 / 2.
        let r = (xc - n * 0.693_359_375) - n * -2.121_944_4e-4
        // e^r by a degree-6 minimax polynomial (Cephes expf coefficients).
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let er = p * r * r + r + 1
        // Scale by 2^n through the exponent field (n in -126…127 after the clamp).
        let scale = Float(bitPattern: UInt32(bitPattern: (k &+ 127) &<< 23))
        return er * scale
    }

    /// Logistic `1 / (1 + e^-x)`.
    @inline(__always)
    static func logistic(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// `tanh(x)`: an odd Taylor polynomial for |x| < 0.1 (no cancellation),
    /// `(1 - e)/(1 + e)` with `e = e^{-2|x|}` above, with x's sign.
    @inline(__always)
    static func tanh(_ x: Float) -> Float {
        let a = abs(x)
        let e = exp(-2 * a)
        let large = (1 - e) / (1 + e)
        let x2 = x * x
        let small = x * (1 + x2 * (-1.0 / 3 + x2 * (2.0 / 15 + x2 * (-17.0 / 315))))
        let t = a < 0.1 ? small : (x < 0 ? -large : large)
        return x.isNaN ? x : t
    }

    /// `erfc(x)`: `t · e^(-x² + P(t))` with `t = 1 / (1 + |x|/2)` and the
    /// degree-9 Chebyshev-fitted polynomial of Numerical Recipes' `erfcc`
    /// (fractional error below 1.2e-7), for x ≥ 0; `2 - erfc(-x)` below.
    /// Tiny results (x above about 9.3) stay at about 1e-39 rather than 0.
    @inline(__always)
    static func erfc(_ x: Float) -> Float {
        let z = abs(x)
        let t = 1 / (1 + 0.5 * z)
        var p: Float = 0.170_872_77
        p = p * t - 0.822_152_23
        p = p * t + 1.488_515_87
        p = p * t - 1.135_203_98
        p = p * t + 0.278_868_07
        p = p * t - 0.186_288_06
        p = p * t + 0.096_784_18
        p = p * t + 0.374_091_96
        p = p * t + 1.000_023_68
        p = p * t - 1.265_512_23
        let r = t * exp(p - z * z)
        return x < 0 ? 2 - r : r
    }
}
