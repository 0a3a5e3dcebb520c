/// Compile-time choice of SIMD width, multiply-add and int8 arithmetic for
/// the fast kernels ("build flavour").
///
/// Swift's `#if` cannot see the target's CPU features, so the flavour is
/// chosen with one compilation condition passed on the command line together
/// with a target CPU that has the instructions it needs:
///
/// | flavour | command (`swift build -c release` +) | float vector | multiply-add | int8 convolutions |
/// |---|---|---|---|---|
/// | portable (default, x86-64) | nothing | `SIMD8<Float>` | `a * b + c` | exact float |
/// | fma (default on arm64) | x86-64: `-Xcc -march=native -Xswiftc -DTFLITEENGINE_FMA` | `SIMD8<Float>` | fused | exact float |
/// | avx2 | `-Xcc -march=x86-64-v3 -Xswiftc -DTFLITEENGINE_AVX2` | `SIMD8<Float>` | fused | `vpmaddwd` |
/// | avx512 | `-Xcc -march=x86-64-v4 -Xswiftc -DTFLITEENGINE_AVX512` | `SIMD16<Float>` | fused | `vpmaddwd` |
/// | avx512-vnni | `-Xcc -march=icelake-server -Xswiftc -DTFLITEENGINE_AVX512VNNI` | `SIMD16<Float>` | fused | `vpmaddwd` (see `IntegerSIMD`) |
///
/// Each condition implies the ones above it (AVX512VNNI ⇒ AVX512 ⇒ AVX2 ⇒
/// FMA); the older spelling `-DTFLITEENGINE_FMA -DTFLITEENGINE_AVX512` still
/// works. A condition must only be set together with a target CPU that has
/// its instructions: without one, `addingProduct` on a SIMD vector compiles to
/// one scalar `fmaf` library call per lane (about 100× slower), and an integer
/// intrinsic the target lacks crashes the compiler. The default x86-64 build
/// therefore writes multiply-adds as `a * b + c`, which vectorises for any
/// target. On arm64 the Swift compiler always has fused multiply-add, so the
/// fma flavour is the default there (no flag).
///
/// 16-lane vectors: twelve 16-lane accumulators need 32 vector registers, so
/// only AVX-512 flavours use them (on AVX2 the compiler spills and the GEMM
/// runs ~35% slower than with 8 lanes).
public enum TFLiteEngineBuild {
    /// The flavour this library was compiled with: `portable`, `fma`, `avx2`,
    /// `avx512` or `avx512-vnni`.
    public static var flavour: String {
        #if TFLITEENGINE_AVX512VNNI
        return "avx512-vnni"
        #elseif TFLITEENGINE_AVX512
        return "avx512"
        #elseif TFLITEENGINE_AVX2
        return "avx2"
        #elseif TFLITEENGINE_FMA || arch(arm64)
        return "fma"
        #else
        return "portable"
        #endif
    }

    /// Float lanes per SIMD vector in the fast kernels.
    public static var floatLanes: Int { FloatVector.scalarCount }

    /// Rows per micro-tile and columns per packed weight panel of the float
    /// GEMM for M = `m` (output pixels or batch rows), K = `k` and N = `n`
    /// (`pointwise`: an ungrouped 1×1 convolution or a fully connected
    /// layer; else a convolution with more taps, whose offset table holds
    /// one entry per tap for each row of each micro-tile). For memory estimates.
    public static func floatGEMMTile(m: Int, k: Int, n: Int, pointwise: Bool) -> (rows: Int, columns: Int) {
        let shape = FloatGEMM.tileShape(m: m, k: k, n: n, pointwise: pointwise)
        return (shape.rows, PackedFloatWeights.layout(n: n, groups: 1, wide: shape.wide).nr)
    }

    /// Whether the int8 convolutions run on integer multiply-add instructions
    /// (else on the float units, exactly).
    public static var integerMultiplyAdd: Bool { IntegerSIMD.isNative }

    /// The largest input (values of one image batch, padding included) that
    /// an int8 convolution with more than one tap widens once per invoke and
    /// reads in place, keeping its filter as Int16, in the flavours with
    /// integer multiply-add; larger inputs gather each pixel's taps. (The
    /// AVX-512 VNNI flavour keeps its copy as bytes, up to twice as many
    /// values, and keeps no copy of a filter whose rows are whole groups of
    /// four bytes: less than this estimate.) For memory estimates (`CostModel`
    /// in ModelSelection).
    public static var int8DirectConvolutionMaximumInputValues: Int { InputPlaneConvolution.maximumPlaneValues }

    /// The largest filter (values per output channel: taps × input
    /// channels) of such a convolution; larger filters gather (in the
    /// AVX-512 VNNI flavour, only those whose rows are not whole groups of
    /// four bytes).
    public static var int8DirectConvolutionMaximumFilterValues: Int { InputPlaneConvolution.maximumFilterValues }

    /// The smallest int8 ADD, SUB, MUL or SQUARED_DIFFERENCE (output
    /// elements) that keeps a table of its result for every pair of input
    /// bytes (`int8PairTableBytes`) in the flavours with integer multiply-add.
    /// For memory estimates.
    public static var int8PairTableMinimumElements: Int { Int8PairTable.minimumElements }
    /// The bytes of one such table.
    public static var int8PairTableBytes: Int { Int8PairTable.bytes }

    /// Whether a quantized binary op with output shape `output` and a
    /// constant operand of shape `constant` (a scalar, or one element per
    /// channel: […, 1, C]) against a runtime operand of the output's size
    /// keeps a 256-entry table per constant element (any flavour) instead of
    /// a pair table. For memory estimates.
    public static func quantizedConstantOperandTables(constant: [Int], output: [Int]) -> Bool {
        guard let period = ConstantOperandTables.period(constant: constant, output: output) else { return false }
        return ConstantOperandTables.applies(elementCount: output.reduce(1) { $0 &* $1 }, period: period)
    }

    /// The bytes of the tables of a fused chain of two quantized
    /// element-wise ops with constant operands (the plan's fusion
    /// `ExecutionPlanDescription.Fusion.chainOfConstantOperands`), the larger
    /// constant having `period` elements (1 for two scalars). For memory estimates.
    public static func quantizedChainTableBytes(period: Int) -> Int {
        ConstantOperandTables.bytes(period: max(period, 1))
    }
}

#if TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI
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
        #if TFLITEENGINE_FMA || TFLITEENGINE_AVX2 || TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI || arch(arm64)
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

/// The lanes a channel-vectorised kernel runs on: `FloatVector`, and in
/// the sixteen-lane flavours also eight lanes, for 8–15 channels (depthwise
/// convolution, pooling). A protocol whose requirements are the concrete
/// types' own helpers: inside generic code the SIMD operators would be the
/// lane-by-lane generic ones.
protocol FloatLanes: SIMD where Scalar == Float {
    func multiplyAdd(_ a: Self, _ b: Self) -> Self
    func clamped(_ lo: Self, _ hi: Self) -> Self
    func lanewiseMax(_ other: Self) -> Self
    func adding(_ other: Self) -> Self
    func dividing(by other: Self) -> Self
    /// Splats `value` (the generic `init(repeating:)` is a lane loop).
    static func splat(_ value: Float) -> Self
    /// The lanes at `pointer`. (Requirements, so each type's witness holds
    /// `loadUnaligned` for its concrete type and inlines: the kernels
    /// calling the generic `loadUnaligned` directly kept a call per vector
    /// in the GEMM, three times slower.)
    static func load(_ pointer: UnsafeRawPointer) -> Self
    /// Stores the lanes at `pointer`.
    func store(_ pointer: UnsafeMutableRawPointer)
}

extension FloatLanes {
    @inline(__always)
    static func splat(_ value: Float) -> Self { Self(repeating: value) }
    @inline(__always)
    static func load(_ pointer: UnsafeRawPointer) -> Self { pointer.loadUnaligned(as: Self.self) }
    @inline(__always)
    func store(_ pointer: UnsafeMutableRawPointer) { pointer.storeBytes(of: self, as: Self.self) }
}

extension FloatVector: FloatLanes {
    @inline(__always)
    func adding(_ other: Self) -> Self { self + other }
    @inline(__always)
    func dividing(by other: Self) -> Self { self / other }
}

#if TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI
extension SIMD8: FloatLanes where Scalar == Float {
    /// `a * b + self`, fused.
    @inline(__always)
    func multiplyAdd(_ a: Self, _ b: Self) -> Self { addingProduct(a, b) }

    /// Every lane clamped to `lo...hi` (see `FloatVector.clamped`).
    @inline(__always)
    func clamped(_ lo: Self, _ hi: Self) -> Self {
        let r = replacing(with: lo, where: self .< lo)
        return r.replacing(with: hi, where: r .> hi)
    }

    @inline(__always)
    func lanewiseMax(_ other: Self) -> Self { replacing(with: other, where: self .< other) }
    @inline(__always)
    func adding(_ other: Self) -> Self { self + other }
    @inline(__always)
    func dividing(by other: Self) -> Self { self / other }
}
#endif

extension UnsafePointer where Pointee == Float {
    /// `V`'s lanes from `self + offset`.
    @inline(__always)
    func load<V: FloatLanes>(_: V.Type, _ offset: Int = 0) -> V {
        V.load(UnsafeRawPointer(self + offset))
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    /// `v`'s lanes to `self + offset`.
    @inline(__always)
    func storeLanes<V: FloatLanes>(_ v: V, _ offset: Int = 0) {
        v.store(UnsafeMutableRawPointer(self + offset))
    }
}
