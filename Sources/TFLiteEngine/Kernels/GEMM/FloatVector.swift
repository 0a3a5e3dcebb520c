/// Compile-time choice of SIMD width and multiply-add for the fast float
/// kernels ("build flavour").
///
/// Swift's `#if` cannot see the target's CPU features, so the flavour is
/// chosen with compilation conditions passed on the command line:
///
/// | flavour | command | vector | multiply-add |
/// |---|---|---|---|
/// | portable (default) | `swift build -c release` | `SIMD8<Float>` | `a * b + c` |
/// | fma (AVX2 + FMA) | `swift build -c release -Xcc -march=native -Xswiftc -DTFLITEENGINE_FMA` | `SIMD8<Float>` | fused |
/// | avx512 | `swift build -c release -Xcc -march=native -Xswiftc -DTFLITEENGINE_FMA -Xswiftc -DTFLITEENGINE_AVX512` | `SIMD16<Float>` | fused |
///
/// `TFLITEENGINE_FMA` must only be set together with a target CPU that has
/// FMA (`-Xcc -march=native`, `-Xcc -march=x86-64-v3`, an arm64 target…):
/// without one, `addingProduct` on a SIMD vector compiles to one scalar
/// `fmaf` library call per lane (about 100× slower). The default build
/// therefore writes multiply-adds as `a * b + c`, which vectorises for any
/// target. On arm64 the Swift compiler always has fused multiply-add, so
/// `-Xswiftc -DTFLITEENGINE_FMA` alone is enough there.
///
/// `TFLITEENGINE_AVX512` selects 16-lane vectors: twelve 16-lane accumulators
/// need 32 vector registers, so use it only on AVX-512 machines (on AVX2 the
/// compiler spills and the GEMM runs ~35% slower than with 8 lanes).
public enum TFLiteEngineBuild {
    /// The flavour this library was compiled with: `portable`, `fma` or `avx512`.
    public static var flavour: String {
        #if TFLITEENGINE_AVX512 && TFLITEENGINE_FMA
        return "avx512"
        #elseif TFLITEENGINE_AVX512
        return "avx512-nofma"
        #elseif TFLITEENGINE_FMA
        return "fma"
        #else
        return "portable"
        #endif
    }

    /// Float lanes per SIMD vector in the fast kernels.
    public static var floatLanes: Int { FloatVector.scalarCount }
}

#if TFLITEENGINE_AVX512
/// The SIMD vector type of the fast float kernels.
typealias FloatVector = SIMD16<Float>
#else
/// The SIMD vector type of the fast float kernels.
typealias FloatVector = SIMD8<Float>
#endif

// The helpers extend the concrete vector type, not `SIMD where Scalar == Float`:
// inside a generic extension, operators such as `.<` resolve to the generic
// lane-by-lane implementations, which the optimiser does not vectorise.
extension FloatVector {
    /// `a * b + self`, fused when the flavour allows it (see `TFLiteEngineBuild`).
    @inline(__always)
    func multiplyAdd(_ a: Self, _ b: Self) -> Self {
        #if TFLITEENGINE_FMA
        return addingProduct(a, b)
        #else
        return a * b + self
        #endif
    }

    /// Clamps every lane to `lo...hi` (fused activation). Written with
    /// masks because the stdlib's `pointwiseMin`/`pointwiseMax` are not
    /// inlined (a call per vector); this form compiles to `vmaxps`/`vminps`.
    @inline(__always)
    func clamped(_ lo: Self, _ hi: Self) -> Self {
        let r = replacing(with: lo, where: self .< lo)
        return r.replacing(with: hi, where: r .> hi)
    }

    /// Lane-wise maximum (see `clamped` for why not `pointwiseMax`).
    @inline(__always)
    func lanewiseMax(_ other: Self) -> Self {
        replacing(with: other, where: self .< other)
    }
}

extension UnsafePointer where Pointee == Float {
    @inline(__always)
    func loadVector(_ offset: Int = 0) -> FloatVector {
        UnsafeRawPointer(self + offset).loadUnaligned(as: FloatVector.self)
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    @inline(__always)
    func loadVector(_ offset: Int = 0) -> FloatVector {
        UnsafeRawPointer(self + offset).loadUnaligned(as: FloatVector.self)
    }
    @inline(__always)
    func storeVector(_ v: FloatVector, _ offset: Int = 0) {
        UnsafeMutableRawPointer(self + offset).storeBytes(of: v, as: FloatVector.self)
    }
}
