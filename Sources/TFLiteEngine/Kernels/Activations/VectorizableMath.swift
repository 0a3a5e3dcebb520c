/// Float32 transcendental functions written with plain arithmetic, selects
/// and bit casts only (no libm calls, no trapping conversions), so loops
/// over them vectorize even on baseline x86-64 (SSE2). Accuracy is a few
/// ulp in the normal range, far inside the 1e-4 agreement with TFLite's own
/// (Eigen) approximations that the fixtures check. The exact libm functions
/// stay in EXP, whose overflow to infinity must be exact.
enum VectorizableMath {
    /// `a · b + c`, rounded twice (not fused) in every flavour, like its
    /// vector twin: `addingProduct` on a SIMD vector is a per-lane generic
    /// that the optimiser re-vectorised only in pieces here (halves, scalar
    /// lanes: the fused swish ran 2.5× slower than with `*` and `+`).
    /// exp and tanh use it. `logistic` and `erf` instead use
    /// `FloatVector.multiplyAdd` (the GEMM's, fused in the fma/avx2/avx512
    /// flavours) with `flavourMultiplyAdd` as its scalar twin: in the avx2
    /// release build its loop is `vfmadd…ps` on ymm with no scalar calls
    /// (checked with objdump).
    @inline(__always)
    static func multiplyAdd(_ a: Float, _ b: Float, _ c: Float) -> Float { a * b + c }

    /// `a · b + c` on every lane, as `multiplyAdd(_:_:_:)` rounds it.
    @inline(__always)
    static func multiplyAdd(_ a: FloatVector, _ b: FloatVector, _ c: FloatVector) -> FloatVector { a * b + c }

    /// `e^x` for x in about [-87.3, 88.3]; inputs outside are clamped to that
    /// range (so results stay finite and normal), NaN gives NaN.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let xc = min(max(x, -87.3), 88.3)
        // n = round(x · log2 e) with the 1.5·2^23 trick (round-to-nearest
        // by float addition); its integer value is read from the bits.
        let magic: Float = 12_582_912
        let shifted = multiplyAdd(xc, 1.442_695_04, magic)
        let n = shifted - magic
        let k = Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: magic.bitPattern)
        // r = x - n·ln 2 in two parts (Cody–Waite), |r| ≤ ln 2 / 2.
        let r = multiplyAdd(n, 2.121_944_4e-4, multiplyAdd(n, -0.693_359_375, xc))
        // e^r by a degree-6 minimax polynomial (Cephes expf coefficients).
        var p: Float = 1.987_569_15e-4
        p = multiplyAdd(p, r, 1.398_199_95e-3)
        p = multiplyAdd(p, r, 8.333_451_9e-3)
        p = multiplyAdd(p, r, 4.166_579_59e-2)
        p = multiplyAdd(p, r, 1.666_666_55e-1)
        p = multiplyAdd(p, r, 5.000_000_12e-1)
        let er = multiplyAdd(p * r, r, r) + 1
        // Scale by 2^n through the exponent field (n in -126…127 after the clamp).
        let scale = Float(bitPattern: UInt32(bitPattern: (k &+ 127) &<< 23))
        return er * scale
    }

    /// `a · b + c`, fused in the flavours whose vector `multiplyAdd` is
    /// fused (see `TFLiteEngineBuild`), so a scalar tail rounds as a vector
    /// lane does (`logistic`).
    @inline(__always)
    static func flavourMultiplyAdd(_ a: Float, _ b: Float, _ c: Float) -> Float {
        #if TFLITEENGINE_FMA || TFLITEENGINE_AVX2 || TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI || arch(arm64)
        return c.addingProduct(a, b)
        #else
        return a * b + c
        #endif
    }

    /// Logistic `1 / (1 + e^-x)` on x clamped to [−88.3, 87.3] (where e^-x
    /// and 2^n below stay finite and normal; the result's relative error
    /// stays small at both ends: 1 + e rounds by half an ulp whether e is
    /// tiny or huge). e^-x: −x = n·ln 2 + t with n = round(−x · log2 e)
    /// (magic-number rounding whose bits, shifted, are 2^n directly: the
    /// magic number carries the exponent bias 127), t = −x − n·ln 2 in one
    /// fused step where the flavour fuses multiply-adds (the product is
    /// exact; ln 2's rounding error times |n| ≤ 127 is below 2.5e-7 of t) and
    /// by Cody–Waite in two parts where it does not, e^t by a degree-5
    /// polynomial fitted to e^t on [−ln 2 / 2, ln 2 / 2] (relative error
    /// 1.2e-7). Relative error against Double at most 4.3e-7 with the fused
    /// reduction (at x ≈ −87, where |n| is largest; the tests bound it by
    /// 1e-6 in every flavour).
    /// The vector form is 13 vector operations and one division per 8 or 16
    /// lanes (the swish of EfficientNet and RegNetY runs on it; the earlier
    /// form on e^−|x| with a final `1 − f` for positive x took 18, and the
    /// fused swish ran about 14% longer on Zen 4); each clamp is one
    /// `vminps`/`vmaxps` (the select forms below, which keep a NaN).
    @inline(__always)
    static func logistic(_ x: Float) -> Float {
        let high: Float = 87.3, low: Float = -88.3
        let upper = x > high ? high : x
        let xc = upper < low ? low : upper
        let magic: Float = 12_583_039  // 1.5 · 2^23 + 127
        let shifted = flavourMultiplyAdd(xc, -1.442_695_04, magic)
        let scale = Float(bitPattern: shifted.bitPattern &<< 23)
        let n = shifted - magic
        // u = −t = x + n·ln 2, and the polynomial's terms with alternating
        // signs (every step the exact negation of the one in t): the same
        // bits without negating x.
        #if TFLITEENGINE_FMA || TFLITEENGINE_AVX2 || TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI || arch(arm64)
        let u = flavourMultiplyAdd(n, 0.693_147_18, xc)
        #else
        let u = flavourMultiplyAdd(n, -2.121_944_4e-4, flavourMultiplyAdd(n, 0.693_359_375, xc))
        #endif
        var p: Float = -8.262_365_1e-3
        p = flavourMultiplyAdd(p, u, 4.189_872_4e-2)
        p = flavourMultiplyAdd(p, u, -1.666_810_1e-1)
        p = flavourMultiplyAdd(p, u, 4.999_914_2e-1)
        p = flavourMultiplyAdd(p, u, -9.999_995_2e-1)
        let e = flavourMultiplyAdd(u * scale, p, scale)
        return 1 / (e + 1)
    }

    /// `tanh(x)`: an odd Taylor polynomial for |x| < 0.1 (no cancellation),
    /// `(1 - e)/(1 + e)` with `e = e^{-2|x|}` above, with x's sign.
    @inline(__always)
    static func tanh(_ x: Float) -> Float {
        let a = abs(x)
        let e = exp(-2 * a)
        let large = (1 - e) / (1 + e)
        let x2 = x * x
        let c3: Float = -1.0 / 3, c5: Float = 2.0 / 15, c7: Float = -17.0 / 315
        let small = x * (1 + x2 * (c3 + x2 * (c5 + x2 * c7)))
        let t = a < 0.1 ? small : (x < 0 ? -large : large)
        return x.isNaN ? x : t
    }

    /// `erf(x)` as `x · P(x²) / Q(x²)` on x clamped to ±3.92 (where erf is 1
    /// to float precision), P and Q of degree 5: a rational fit made for this
    /// engine (least squares on erf(x)/x, reweighted towards the largest
    /// error; `tools/fit_erf.py`), within 3.5e-7 of erf everywhere. Fused
    /// multiply-adds where the build flavour fuses (`flavourMultiplyAdd`), as
    /// the vector form does. One division and ten multiply-adds, where an
    /// erfc through `exp` was a dependent chain of about 60 operations; but
    /// `1 + erf` cancels for large negative arguments, so GELU uses it only
    /// from −3 up (`Gelu.Exact`).
    @inline(__always)
    static func erf(_ x: Float) -> Float {
        // min(max(x, low), high) as Swift's max/min decide, as the vector form writes it.
        let m: Float = -3.92 >= x ? -3.92 : x
        let xc: Float = 3.92 < m ? 3.92 : m
        let u = xc * xc
        var p: Float = 1.956_131_4e-6, q: Float = 3.761_932_4e-5
        p = flavourMultiplyAdd(p, u, 2.945_299_8e-4); q = flavourMultiplyAdd(q, u, 1.273_946_7e-3)
        p = flavourMultiplyAdd(p, u, 4.232_625_0e-3); q = flavourMultiplyAdd(q, u, 1.590_920_6e-2)
        p = flavourMultiplyAdd(p, u, 5.419_785_2e-2); q = flavourMultiplyAdd(q, u, 1.186_454_5e-1)
        p = flavourMultiplyAdd(p, u, 2.013_918_9e-1); q = flavourMultiplyAdd(q, u, 5.118_098_9e-1)
        p = flavourMultiplyAdd(p, u, 1.128_379_1); q = flavourMultiplyAdd(q, u, 1)
        return xc * p / q
    }
}

/// The same functions on a whole `FloatVector`, lane by lane in the same
/// arithmetic as the scalar forms above (same operations, same order, the
/// scalar `min`/`max`/`?:` written as the same comparisons with
/// `replacing(with:where:)`), so a vector lane and the scalar form give the
/// same bits: a kernel's scalar tail computes what a lane would.
/// Written out because the element loops over the scalar forms were not
/// vectorised by the compiler once they hold selects and bit casts.
extension VectorizableMath {
    /// Integer lanes as wide as `FloatVector`, for the exponent bit tricks.
    #if TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI
    typealias IntVector = SIMD16<Int32>
    #else
    typealias IntVector = SIMD8<Int32>
    #endif

    /// `exp(_:)` on every lane.
    @inline(__always)
    static func exp(_ x: FloatVector) -> FloatVector {
        typealias V = FloatVector
        let low = V(repeating: -87.3), high = V(repeating: 88.3)
        // min(max(x, low), high) as Swift's max/min decide: `low >= x ? low : x`, `high < m ? high : m`.
        let m = x.replacing(with: low, where: low .>= x)
        let xc = m.replacing(with: high, where: high .< m)
        let magic: Float = 12_582_912
        let shifted = multiplyAdd(xc, V(repeating: 1.442_695_04), V(repeating: magic))
        let n = shifted - magic
        let k = unsafeBitCast(shifted, to: IntVector.self) &- Int32(bitPattern: magic.bitPattern)
        let r = multiplyAdd(n, V(repeating: 2.121_944_4e-4), multiplyAdd(n, V(repeating: -0.693_359_375), xc))
        var p = V(repeating: 1.987_569_15e-4)
        p = multiplyAdd(p, r, V(repeating: 1.398_199_95e-3))
        p = multiplyAdd(p, r, V(repeating: 8.333_451_9e-3))
        p = multiplyAdd(p, r, V(repeating: 4.166_579_59e-2))
        p = multiplyAdd(p, r, V(repeating: 1.666_666_55e-1))
        p = multiplyAdd(p, r, V(repeating: 5.000_000_12e-1))
        let er = multiplyAdd(p * r, r, r) + 1
        let scale = unsafeBitCast((k &+ 127) &<< 23, to: V.self)
        return er * scale
    }

    /// `logistic(_:)` on every lane (fused multiply-adds where the scalar
    /// form's are). Each step is one instruction (checked with objdump): the
    /// clamps `x > high ? high : x` and `u < low ? low : u` are `vminps` and
    /// `vmaxps` with the bound first (a NaN passes through both).
    @inline(__always)
    static func logistic(_ x: FloatVector) -> FloatVector {
        typealias V = FloatVector
        let high = V(repeating: 87.3), low = V(repeating: -88.3)
        let upper = x.replacing(with: high, where: x .> high)
        let xc = upper.replacing(with: low, where: upper .< low)
        let magic = V(repeating: 12_583_039)
        let shifted = magic.multiplyAdd(xc, V(repeating: -1.442_695_04))
        let scale = unsafeBitCast(unsafeBitCast(shifted, to: IntVector.self) &<< 23, to: V.self)
        let n = shifted - magic
        #if TFLITEENGINE_FMA || TFLITEENGINE_AVX2 || TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI || arch(arm64)
        let u = xc.multiplyAdd(n, V(repeating: 0.693_147_18))
        #else
        let u = xc.multiplyAdd(n, V(repeating: 0.693_359_375)).multiplyAdd(n, V(repeating: -2.121_944_4e-4))
        #endif
        var p = V(repeating: -8.262_365_1e-3)
        p = V(repeating: 4.189_872_4e-2).multiplyAdd(p, u)
        p = V(repeating: -1.666_810_1e-1).multiplyAdd(p, u)
        p = V(repeating: 4.999_914_2e-1).multiplyAdd(p, u)
        p = V(repeating: -9.999_995_2e-1).multiplyAdd(p, u)
        let e = scale.multiplyAdd(u * scale, p)
        return V(repeating: 1) / (e + 1)
    }

    /// |x| lane by lane (the sign bit cleared, as `abs` on a Float does).
    @inline(__always)
    static func magnitude(_ x: FloatVector) -> FloatVector {
        unsafeBitCast(unsafeBitCast(x, to: IntVector.self) & Int32.max, to: FloatVector.self)
    }

    /// `tanh(_:)` on every lane.
    @inline(__always)
    static func tanh(_ x: FloatVector) -> FloatVector {
        let a = magnitude(x)
        let e = exp(-2 * a)
        let large = (1 - e) / (1 + e)
        let x2 = x * x
        let c3: Float = -1.0 / 3, c5: Float = 2.0 / 15, c7: Float = -17.0 / 315
        let small = x * (1 + x2 * (c3 + x2 * (c5 + x2 * c7)))
        let signed = large.replacing(with: -large, where: x .< 0)
        let t = signed.replacing(with: small, where: a .< 0.1)
        return t.replacing(with: x, where: x .!= x)
    }

    /// `erf(_:)` on every lane.
    @inline(__always)
    static func erf(_ x: FloatVector) -> FloatVector {
        typealias V = FloatVector
        let low = V(repeating: -3.92), high = V(repeating: 3.92)
        let m = x.replacing(with: low, where: low .>= x)
        let xc = m.replacing(with: high, where: high .< m)
        let u = xc * xc
        var p = V(repeating: 1.956_131_4e-6), q = V(repeating: 3.761_932_4e-5)
        p = V(repeating: 2.945_299_8e-4).multiplyAdd(p, u); q = V(repeating: 1.273_946_7e-3).multiplyAdd(q, u)
        p = V(repeating: 4.232_625_0e-3).multiplyAdd(p, u); q = V(repeating: 1.590_920_6e-2).multiplyAdd(q, u)
        p = V(repeating: 5.419_785_2e-2).multiplyAdd(p, u); q = V(repeating: 1.186_454_5e-1).multiplyAdd(q, u)
        p = V(repeating: 2.013_918_9e-1).multiplyAdd(p, u); q = V(repeating: 5.118_098_9e-1).multiplyAdd(q, u)
        p = V(repeating: 1.128_379_1).multiplyAdd(p, u); q = V(repeating: 1).multiplyAdd(q, u)
        return xc * p / q
    }
}
