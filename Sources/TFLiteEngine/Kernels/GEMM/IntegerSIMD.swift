/// Integer multiply-accumulate instructions for the int8 kernels (and the
/// GEMMs' one cache hint, `CacheHint`), reached through the compiler's
/// `Builtin` module (see `../shared/docs/int8-integer-simd.md`). Every
/// intrinsic of the engine is a one-line wrapper in this file.
///
/// An intrinsic whose instruction set the build's target CPU lacks crashes
/// the compiler, so the wrappers only exist under a build-flavour condition
/// that is set together with a matching `-Xcc -march=…` (`TFLiteEngineBuild`
/// lists the commands); the default build never sees them. Without the
/// condition, `IntegerSIMD` holds plain-Swift forms of the same operations
/// with the same results: `isNative` is false and the kernels choose the
/// exact float path instead, but the tests can still drive the integer
/// kernels through them.
#if (TFLITEENGINE_AVX2 || TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI) && arch(x86_64)
import Builtin

enum IntegerSIMD {
    /// The wrappers below are the hardware instructions.
    static let isNative = true

    /// `vpmaddwd` (AVX2): lane i = a[2i]·b[2i] + a[2i+1]·b[2i+1], exact in
    /// Int32 except for the one case (−32768)² · 2, which int8 data never reach.
    @inline(__always)
    static func multiplyAddPairs(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD8<Int32> {
        var r = SIMD8<Int32>()
        r._storage._value = Builtin.int_x86_avx2_pmadd_wd(a._storage._value, b._storage._value)
        return r
    }

    /// `vpmovsxbw`: sign-extends 16 bytes.
    @inline(__always)
    static func widen(_ v: SIMD16<Int8>) -> SIMD16<Int16> {
        var r = SIMD16<Int16>()
        r._storage._value = Builtin.sext_Vec16xInt8_Vec16xInt16(v._storage._value)
        return r
    }

    /// `vpmovzxbw`: zero-extends 16 bytes.
    @inline(__always)
    static func widen(_ v: SIMD16<UInt8>) -> SIMD16<Int16> {
        var r = SIMD16<Int16>()
        r._storage._value = Builtin.zext_Vec16xInt8_Vec16xInt16(v._storage._value)
        return r
    }

    /// `vpmovzxdq` (lane conversions the stdlib's SIMD initialisers compile to scalar code).
    @inline(__always)
    static func widen(_ v: SIMD8<UInt32>) -> SIMD8<UInt64> {
        var r = SIMD8<UInt64>()
        r._storage._value = Builtin.zext_Vec8xInt32_Vec8xInt64(v._storage._value)
        return r
    }

    /// `vpmovsxbd`: sign-extends 8 bytes.
    @inline(__always)
    static func widen(_ v: SIMD8<Int8>) -> SIMD8<Int32> {
        var r = SIMD8<Int32>()
        r._storage._value = Builtin.sext_Vec8xInt8_Vec8xInt32(v._storage._value)
        return r
    }

    /// Low 32 bits of each lane.
    @inline(__always)
    static func truncate(_ v: SIMD8<UInt64>) -> SIMD8<UInt32> {
        var r = SIMD8<UInt32>()
        r._storage._value = Builtin.trunc_Vec8xInt64_Vec8xInt32(v._storage._value)
        return r
    }

    /// Low 8 bits of each lane.
    @inline(__always)
    static func truncate(_ v: SIMD8<Int32>) -> SIMD8<UInt8> {
        var r = SIMD8<UInt8>()
        r._storage._value = Builtin.trunc_Vec8xInt32_Vec8xInt8(v._storage._value)
        return r
    }

    /// Low 8 bits of each lane.
    @inline(__always)
    static func truncate(_ v: SIMD16<Int16>) -> SIMD16<UInt8> {
        var r = SIMD16<UInt8>()
        r._storage._value = Builtin.trunc_Vec16xInt16_Vec16xInt8(v._storage._value)
        return r
    }

    /// `vpsllvd`: lane i shifted left by s[i] (s in 0...31).
    @inline(__always)
    static func shiftLeft(_ v: SIMD8<Int32>, _ s: SIMD8<Int32>) -> SIMD8<Int32> {
        var r = SIMD8<Int32>()
        r._storage._value = Builtin.int_x86_avx2_psllv_d_256(v._storage._value, s._storage._value)
        return r
    }

    /// `vpsrlvq`: lane i shifted right (logically) by s[i] (s in 0...63).
    @inline(__always)
    static func shiftRight(_ v: SIMD4<UInt64>, _ s: SIMD4<UInt64>) -> SIMD4<UInt64> {
        var r = SIMD4<UInt64>()
        r._storage._value = Builtin.int_x86_avx2_psrlv_q_256(v._storage._value, s._storage._value)
        return r
    }

    /// `vpsignd`: lane i is −v[i], 0 or v[i] as s[i] is negative, zero or positive.
    @inline(__always)
    static func applySign(_ v: SIMD8<Int32>, of s: SIMD8<Int32>) -> SIMD8<Int32> {
        var r = SIMD8<Int32>()
        r._storage._value = Builtin.int_x86_avx2_psign_d(v._storage._value, s._storage._value)
        return r
    }

    /// `vpsignw`: lane i is −v[i], 0 or v[i] as s[i] is negative, zero or positive.
    @inline(__always)
    static func applySign(_ v: SIMD16<Int16>, of s: SIMD16<Int16>) -> SIMD16<Int16> {
        var r = SIMD16<Int16>()
        r._storage._value = Builtin.int_x86_avx2_psign_w(v._storage._value, s._storage._value)
        return r
    }

    /// `vpmulhuw`: the high halves of sixteen unsigned 16-bit products.
    @inline(__always)
    static func multiplyHigh(_ a: SIMD16<UInt16>, _ b: SIMD16<UInt16>) -> SIMD16<UInt16> {
        var r = SIMD16<UInt16>()
        r._storage._value = Builtin.int_x86_avx2_pmulhu_w(a._storage._value, b._storage._value)
        return r
    }

    /// `vpackssdw` ymm: Int16 lanes `[a0…a3, b0…b3, a4…a7, b4…b7]`, each saturated.
    @inline(__always)
    static func packSaturating(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD16<Int16> {
        var r = SIMD16<Int16>()
        r._storage._value = Builtin.int_x86_avx2_packssdw(a._storage._value, b._storage._value)
        return r
    }

    /// `vpacksswb` ymm: bytes `[a0…a7, b0…b7, a8…a15, b8…b15]`, each saturated to −128…127.
    @inline(__always)
    static func packSaturatingSigned(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD32<UInt8> {
        var r = SIMD32<UInt8>()
        r._storage._value = Builtin.int_x86_avx2_packsswb(a._storage._value, b._storage._value)
        return r
    }

    /// `vpackuswb` ymm: bytes `[a0…a7, b0…b7, a8…a15, b8…b15]`, each saturated to 0…255.
    @inline(__always)
    static func packSaturatingUnsigned(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD32<UInt8> {
        var r = SIMD32<UInt8>()
        r._storage._value = Builtin.int_x86_avx2_packuswb(a._storage._value, b._storage._value)
        return r
    }

    /// `vpermd`: lane i is v[indices[i] & 7].
    @inline(__always)
    static func permute(_ v: SIMD8<Int32>, _ indices: SIMD8<Int32>) -> SIMD8<Int32> {
        var r = SIMD8<Int32>()
        r._storage._value = Builtin.int_x86_avx2_permd(v._storage._value, indices._storage._value)
        return r
    }

    /// `vpmaxsb` then `vpminsb`: each byte, as Int8, clamped to lo…hi.
    @inline(__always)
    static func clampSigned(_ v: SIMD32<UInt8>, _ lo: SIMD32<UInt8>, _ hi: SIMD32<UInt8>) -> SIMD32<UInt8> {
        var r = SIMD32<UInt8>()
        r._storage._value = Builtin.int_smin_Vec32xInt8(Builtin.int_smax_Vec32xInt8(v._storage._value, lo._storage._value), hi._storage._value)
        return r
    }

    /// `vpmaxub` then `vpminub`: each byte, as UInt8, clamped to lo…hi.
    @inline(__always)
    static func clampUnsigned(_ v: SIMD32<UInt8>, _ lo: SIMD32<UInt8>, _ hi: SIMD32<UInt8>) -> SIMD32<UInt8> {
        var r = SIMD32<UInt8>()
        r._storage._value = Builtin.int_umin_Vec32xInt8(Builtin.int_umax_Vec32xInt8(v._storage._value, lo._storage._value), hi._storage._value)
        return r
    }

    /// `vpmaxsb` (`signed`) or `vpmaxub`: the larger of each pair of bytes.
    @inline(__always)
    static func maximum(_ a: SIMD32<UInt8>, _ b: SIMD32<UInt8>, signed: Bool) -> SIMD32<UInt8> {
        var r = SIMD32<UInt8>()
        r._storage._value = signed ? Builtin.int_smax_Vec32xInt8(a._storage._value, b._storage._value)
            : Builtin.int_umax_Vec32xInt8(a._storage._value, b._storage._value)
        return r
    }

    /// `vpmaxsd`: the larger of each pair of Int32 lanes.
    @inline(__always)
    static func maximum(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
        var r = SIMD8<Int32>()
        r._storage._value = Builtin.int_smax_Vec8xInt32(a._storage._value, b._storage._value)
        return r
    }

    /// `vpmovsxbd` + `vcvtdq2ps`: sixteen bytes as floats (exact).
    @inline(__always)
    static func floats(_ v: SIMD16<Int8>) -> SIMD16<Float> {
        var r = SIMD16<Float>()
        r._storage._value = Builtin.sitofp_Vec16xInt32_Vec16xFPIEEE32(Builtin.sext_Vec16xInt8_Vec16xInt32(v._storage._value))
        return r
    }

    /// `vfmadd…ps` on sixteen lanes: a·b + c, rounded once.
    @inline(__always)
    static func fusedMultiplyAdd(_ a: SIMD16<Float>, _ b: SIMD16<Float>, _ c: SIMD16<Float>) -> SIMD16<Float> {
        var r = SIMD16<Float>()
        r._storage._value = Builtin.int_fma_Vec16xFPIEEE32(a._storage._value, b._storage._value, c._storage._value)
        return r
    }

    /// `vpmaxsd` then `vpminsd`: each lane of `v` clamped to `low…high`.
    @inline(__always)
    static func clamp(_ v: SIMD16<Int32>, _ low: SIMD16<Int32>, _ high: SIMD16<Int32>) -> SIMD16<Int32> {
        var r = SIMD16<Int32>()
        r._storage._value = Builtin.int_smin_Vec16xInt32(Builtin.int_smax_Vec16xInt32(v._storage._value, low._storage._value),
                                                         high._storage._value)
        return r
    }

    /// `vpmovdb`: the low 8 bits of each lane.
    @inline(__always)
    static func truncate(_ v: SIMD16<Int32>) -> SIMD16<UInt8> {
        var r = SIMD16<UInt8>()
        r._storage._value = Builtin.trunc_Vec16xInt32_Vec16xInt8(v._storage._value)
        return r
    }

    /// Each lane truncated toward zero (`vcvttps2dq`; lanes inside Int32).
    @inline(__always)
    static func integers(_ v: SIMD8<Float>) -> SIMD8<Int32> {
        var r = SIMD8<Int32>()
        r._storage._value = Builtin.fptosi_Vec8xFPIEEE32_Vec8xInt32(v._storage._value)
        return r
    }

    /// `vcvtps2pd`: eight floats as doubles (exact).
    @inline(__always)
    static func doubles(_ v: SIMD8<Float>) -> SIMD8<Double> {
        var r = SIMD8<Double>()
        r._storage._value = Builtin.fpext_Vec8xFPIEEE32_Vec8xFPIEEE64(v._storage._value)
        return r
    }

    /// `vfmadd…pd` on eight lanes: a·b + c, rounded once.
    @inline(__always)
    static func fusedMultiplyAdd(_ a: SIMD8<Double>, _ b: SIMD8<Double>, _ c: SIMD8<Double>) -> SIMD8<Double> {
        var r = SIMD8<Double>()
        r._storage._value = Builtin.int_fma_Vec8xFPIEEE64(a._storage._value, b._storage._value, c._storage._value)
        return r
    }

    /// `vpmovsxdq`: each lane sign-extended to 64 bits.
    @inline(__always)
    static func signExtended(_ v: SIMD8<Int32>) -> SIMD8<Int64> {
        var r = SIMD8<Int64>()
        r._storage._value = Builtin.sext_Vec8xInt32_Vec8xInt64(v._storage._value)
        return r
    }

    /// Sixteen lanes: `a`'s, then `b`'s (`vinserti64x4`).
    @inline(__always)
    static func joined(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD16<Int32> {
        var r = SIMD16<Int32>()
        r._storage._value = Builtin.shufflevector_Vec8xInt32_Vec16xInt32(
            a._storage._value, b._storage._value, SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)._storage._value)
        return r
    }

    /// Whether a lane is negative (`vmovmskps`).
    @inline(__always)
    static func anyNegative(_ v: SIMD8<Int32>) -> Bool {
        Int8(Builtin.bitcast_Vec8xInt1_Int8(Builtin.cmp_slt_Vec8xInt32(v._storage._value, SIMD8<Int32>()._storage._value))) != 0
    }

    /// Whether every lane is negative (one mask test; in the `avx2` flavour
    /// the two halves and-ed, then one test of the sign bits, `vtestps`:
    /// the sixteen-lane form of `Int8RoundedLine`'s earlier test compared,
    /// packed and moved bytes, three more instructions in a loop of about
    /// forty).
    @inline(__always)
    static func allNegative(_ v: SIMD16<Int32>) -> Bool {
        #if TFLITEENGINE_AVX2
        let (low, high) = halves(v)
        let both = Builtin.and_Vec8xInt32(low._storage._value, high._storage._value)
        return Int8(Builtin.bitcast_Vec8xInt1_Int8(Builtin.cmp_slt_Vec8xInt32(both, SIMD8<Int32>()._storage._value))) == -1
        #else
        return Int16(Builtin.bitcast_Vec16xInt1_Int16(Builtin.cmp_slt_Vec16xInt32(v._storage._value, SIMD16<Int32>()._storage._value))) == -1
        #endif
    }

    /// Each lane saturated to −128…127 and narrowed to a byte (in the
    /// `avx2` flavour `vpackssdw`, `vextracti128`, `vpacksswb`, `vpshufd`),
    /// then clamped to `low…high` (`vpmaxsb`, `vpminsb`): for bounds within
    /// a byte, the lane clamped to them, in half the instructions of a
    /// clamp of the Int32 lanes and a truncation.
    @inline(__always)
    static func narrowClamped(_ v: SIMD16<Int32>, _ low: SIMD16<Int8>, _ high: SIMD16<Int8>) -> SIMD16<Int8> {
        let saturated = Builtin.int_smin_Vec16xInt32(Builtin.int_smax_Vec16xInt32(v._storage._value, SIMD16<Int32>(repeating: -128)._storage._value),
                                                     SIMD16<Int32>(repeating: 127)._storage._value)
        var r = SIMD16<Int8>()
        r._storage._value = Builtin.int_smin_Vec16xInt8(Builtin.int_smax_Vec16xInt8(Builtin.trunc_Vec16xInt32_Vec16xInt8(saturated), low._storage._value),
                                                        high._storage._value)
        return r
    }

    /// `ExactDoubleRequantization.scale16`'s float arithmetic: sixteen
    /// Int32 lanes `acc` as floats (`vcvtdq2ps`), times `scale` plus
    /// `positive` or, where `acc` is negative, `negative`, rounded once
    /// (`vfmadd`), truncated toward zero (`vcvttps2dq`; the caller keeps the
    /// results inside Int32). Returns those shifted right by `fractionBits` (`vpsrad`), and
    /// whether every lane has one of its low `fractionBits` bits set
    /// (`vptestnmd`, one mask test).
    @inline(__always)
    static func fixedPointMultiplyAdd(_ acc: SIMD16<Int32>, _ scale: SIMD16<Float>, _ positive: SIMD16<Float>,
                                      _ negative: SIMD16<Float>, fractionBits: Int32) -> (SIMD16<Int32>, Bool) {
        let x = Builtin.sitofp_Vec16xInt32_Vec16xFPIEEE32(acc._storage._value)
        let below = Builtin.cmp_slt_Vec16xInt32(acc._storage._value, SIMD16<Int32>()._storage._value)
        let addend = Builtin.select_Vec16xInt1_Vec16xFPIEEE32(below, negative._storage._value, positive._storage._value)
        let y = Builtin.int_fma_Vec16xFPIEEE32(x, scale._storage._value, addend)
        let q = Builtin.fptosi_Vec16xFPIEEE32_Vec16xInt32(y)
        let fraction = Builtin.and_Vec16xInt32(q, SIMD16<Int32>(repeating: (1 &<< fractionBits) &- 1)._storage._value)
        let uncertain = Builtin.cmp_eq_Vec16xInt32(fraction, SIMD16<Int32>()._storage._value)
        var r = SIMD16<Int32>()
        r._storage._value = Builtin.ashr_Vec16xInt32(q, SIMD16<Int32>(repeating: fractionBits)._storage._value)
        return (r, Int16(Builtin.bitcast_Vec16xInt1_Int16(uncertain)) == 0)
    }

    /// `fixedPointMultiplyAdd` on accumulators held as floats (exact
    /// integers): no conversion in, the addend picked by each lane's sign
    /// bit (`vblendvps`; the float kernels' sums are never −0). Returns the
    /// results shifted right by `fractionBits`, and all ones in the lanes
    /// with none of their low `fractionBits` bits set, for the caller to OR
    /// over a block and test once.
    @inline(__always)
    static func fixedPointMultiplyAdd(floats x: SIMD8<Float>, _ scale: SIMD8<Float>, _ positive: SIMD8<Float>,
                                      _ negative: SIMD8<Float>, fractionBits: Int32) -> (SIMD8<Int32>, uncertain: SIMD8<Int32>) {
        let below = Builtin.cmp_slt_Vec8xInt32(unsafeBitCast(x, to: SIMD8<Int32>.self)._storage._value, SIMD8<Int32>()._storage._value)
        let addend = Builtin.select_Vec8xInt1_Vec8xFPIEEE32(below, negative._storage._value, positive._storage._value)
        let q = Builtin.fptosi_Vec8xFPIEEE32_Vec8xInt32(Builtin.int_fma_Vec8xFPIEEE32(x._storage._value, scale._storage._value, addend))
        let fraction = Builtin.and_Vec8xInt32(q, SIMD8<Int32>(repeating: (1 &<< fractionBits) &- 1)._storage._value)
        var r = SIMD8<Int32>(), uncertain = SIMD8<Int32>()
        uncertain._storage._value = Builtin.sext_Vec8xInt1_Vec8xInt32(Builtin.cmp_eq_Vec8xInt32(fraction, SIMD8<Int32>()._storage._value))
        r._storage._value = Builtin.ashr_Vec8xInt32(q, SIMD8<Int32>(repeating: fractionBits)._storage._value)
        return (r, uncertain)
    }

    /// `vpunpcklbw` xmm: bytes a0, b0, a1, b1, …, a7, b7.
    @inline(__always)
    static func interleaveLow(_ a: SIMD16<Int8>, _ b: SIMD16<Int8>) -> SIMD16<Int8> {
        var r = SIMD16<Int8>()
        r._storage._value = Builtin.shufflevector_Vec16xInt8_Vec16xInt32(
            a._storage._value, b._storage._value, SIMD16<Int32>(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)._storage._value)
        return r
    }

    /// `vpunpckhbw` xmm: bytes a8, b8, a9, b9, …, a15, b15.
    @inline(__always)
    static func interleaveHigh(_ a: SIMD16<Int8>, _ b: SIMD16<Int8>) -> SIMD16<Int8> {
        var r = SIMD16<Int8>()
        r._storage._value = Builtin.shufflevector_Vec16xInt8_Vec16xInt32(
            a._storage._value, b._storage._value, SIMD16<Int32>(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31)._storage._value)
        return r
    }

    /// `vpunpcklwd` xmm: Int16 lanes a0, b0, a1, b1, a2, b2, a3, b3.
    @inline(__always)
    static func interleaveLow(_ a: SIMD8<Int16>, _ b: SIMD8<Int16>) -> SIMD8<Int16> {
        var r = SIMD8<Int16>()
        r._storage._value = Builtin.shufflevector_Vec8xInt16_Vec8xInt32(
            a._storage._value, b._storage._value, SIMD8<Int32>(0, 8, 1, 9, 2, 10, 3, 11)._storage._value)
        return r
    }

    /// `vpunpckhwd` xmm: Int16 lanes a4, b4, a5, b5, a6, b6, a7, b7.
    @inline(__always)
    static func interleaveHigh(_ a: SIMD8<Int16>, _ b: SIMD8<Int16>) -> SIMD8<Int16> {
        var r = SIMD8<Int16>()
        r._storage._value = Builtin.shufflevector_Vec8xInt16_Vec8xInt32(
            a._storage._value, b._storage._value, SIMD8<Int32>(4, 12, 5, 13, 6, 14, 7, 15)._storage._value)
        return r
    }

    /// `vperm2i128` twice: the low halves of `a` and `b`, then their high
    /// halves (its own inverse: puts sums of `interleaveWordsLow` and
    /// `interleaveWordsHigh` pairs back in channel order).
    @inline(__always)
    static func swapHalves(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> (SIMD8<Int32>, SIMD8<Int32>) {
        var low = SIMD8<Int32>(), high = SIMD8<Int32>()
        low._storage._value = Builtin.shufflevector_Vec8xInt32_Vec8xInt32(
            a._storage._value, b._storage._value, SIMD8<Int32>(0, 1, 2, 3, 8, 9, 10, 11)._storage._value)
        high._storage._value = Builtin.shufflevector_Vec8xInt32_Vec8xInt32(
            a._storage._value, b._storage._value, SIMD8<Int32>(4, 5, 6, 7, 12, 13, 14, 15)._storage._value)
        return (low, high)
    }

    /// `vpshufb` ymm: byte i of each 16-byte half is 0 where `indices[i]`
    /// has its top bit set, else byte `indices[i] & 15` of the same half of `v`.
    @inline(__always)
    static func shuffleBytesInHalves(_ v: SIMD32<UInt8>, _ indices: SIMD32<UInt8>) -> SIMD32<UInt8> {
        var r = SIMD32<UInt8>()
        r._storage._value = Builtin.int_x86_avx2_pshuf_b(v._storage._value, indices._storage._value)
        return r
    }

    /// `vbroadcasti128` (from memory) or `vinserti128`: `v` in both 16-byte halves.
    @inline(__always)
    static func twice(_ v: SIMD16<UInt8>) -> SIMD32<UInt8> {
        var r = SIMD32<UInt8>()
        let both = SIMD32<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        r._storage._value = Builtin.shufflevector_Vec16xInt8_Vec32xInt32(v._storage._value, v._storage._value, both._storage._value)
        return r
    }

    /// `vpsadbw` ymm against zero: lane i is the sum of bytes 8i..<8i+8 of `v`.
    @inline(__always)
    static func sumsOfEightBytes(_ v: SIMD32<UInt8>) -> SIMD4<UInt64> {
        var r = SIMD4<UInt64>()
        r._storage._value = Builtin.int_x86_avx2_psad_bw(v._storage._value, SIMD32<UInt8>()._storage._value)
        return r
    }

    /// `vpaddusb` ymm: lane i is a[i] + b[i], at most 255.
    @inline(__always)
    static func addingSaturating(_ a: SIMD32<UInt8>, _ b: SIMD32<UInt8>) -> SIMD32<UInt8> {
        var r = SIMD32<UInt8>()
        r._storage._value = Builtin.int_uadd_sat_Vec32xInt8(a._storage._value, b._storage._value)
        return r
    }

    /// `vpunpcklbw` xmm of two 8-byte vectors: bytes a0, b0, a1, b1, …, a7, b7.
    @inline(__always)
    static func interleave(_ a: SIMD8<Int8>, _ b: SIMD8<Int8>) -> SIMD16<Int8> {
        var r = SIMD16<Int8>()
        r._storage._value = Builtin.shufflevector_Vec8xInt8_Vec16xInt32(
            a._storage._value, b._storage._value, SIMD16<Int32>(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15)._storage._value)
        return r
    }

    /// `vcvtdq2pd`: four Int32 lanes as doubles (exact).
    @inline(__always)
    static func doubles(_ v: SIMD4<Int32>) -> SIMD4<Double> {
        var r = SIMD4<Double>()
        r._storage._value = Builtin.sitofp_Vec4xInt32_Vec4xFPIEEE64(v._storage._value)
        return r
    }

    /// `vfmadd`: a·b + c rounded once.
    @inline(__always)
    static func fusedMultiplyAdd(_ a: SIMD4<Double>, _ b: SIMD4<Double>, _ c: SIMD4<Double>) -> SIMD4<Double> {
        var r = SIMD4<Double>()
        r._storage._value = Builtin.int_fma_Vec4xFPIEEE64(a._storage._value, b._storage._value, c._storage._value)
        return r
    }

    /// `vblendvpd`: lane i is b[i] where the sign bit of mask[i] is set, else a[i].
    @inline(__always)
    static func select(_ a: SIMD4<Double>, _ b: SIMD4<Double>, whereSignOf mask: SIMD4<Double>) -> SIMD4<Double> {
        var r = SIMD4<Double>()
        r._storage._value = Builtin.int_x86_avx_blendv_pd_256(a._storage._value, b._storage._value, mask._storage._value)
        return r
    }

    /// `vcvttpd2dq`: each lane truncated toward zero (lanes inside Int32's range).
    @inline(__always)
    static func truncatingToInt32(_ v: SIMD4<Double>) -> SIMD4<Int32> {
        var r = SIMD4<Int32>()
        r._storage._value = Builtin.fptosi_Vec4xFPIEEE64_Vec4xInt32(v._storage._value)
        return r
    }

    /// The two eight-lane halves of `v` (the standard library's `lowHalf`
    /// and `highHalf` of SIMD16<Int32> stayed calls in the int8 GEMM's
    /// store, each with a `vzeroupper` and the accumulators spilled around it).
    @inline(__always)
    static func halves(_ v: SIMD16<Int32>) -> (SIMD8<Int32>, SIMD8<Int32>) {
        var low = SIMD8<Int32>(), high = SIMD8<Int32>()
        low._storage._value = Builtin.shufflevector_Vec16xInt32_Vec8xInt32(
            v._storage._value, v._storage._value, SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)._storage._value)
        high._storage._value = Builtin.shufflevector_Vec16xInt32_Vec8xInt32(
            v._storage._value, v._storage._value, SIMD8<Int32>(8, 9, 10, 11, 12, 13, 14, 15)._storage._value)
        return (low, high)
    }
}

#else

enum IntegerSIMD {
    /// Plain-Swift forms (not used by the default kernels; see the file comment).
    static let isNative = false

    @inline(__always)
    static func multiplyAddPairs(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD8<Int32> {
        var r = SIMD8<Int32>()
        for i in 0..<8 {
            r[i] = Int32(a[2 &* i]) &* Int32(b[2 &* i]) &+ Int32(a[2 &* i &+ 1]) &* Int32(b[2 &* i &+ 1])
        }
        return r
    }

    @inline(__always)
    static func widen(_ v: SIMD16<Int8>) -> SIMD16<Int16> { SIMD16<Int16>(truncatingIfNeeded: v) }

    @inline(__always)
    static func widen(_ v: SIMD16<UInt8>) -> SIMD16<Int16> { SIMD16<Int16>(truncatingIfNeeded: v) }

    @inline(__always)
    static func widen(_ v: SIMD8<UInt32>) -> SIMD8<UInt64> { SIMD8<UInt64>(truncatingIfNeeded: v) }

    @inline(__always)
    static func widen(_ v: SIMD8<Int8>) -> SIMD8<Int32> { SIMD8<Int32>(truncatingIfNeeded: v) }

    @inline(__always)
    static func truncate(_ v: SIMD8<UInt64>) -> SIMD8<UInt32> { SIMD8<UInt32>(truncatingIfNeeded: v) }

    @inline(__always)
    static func truncate(_ v: SIMD8<Int32>) -> SIMD8<UInt8> { SIMD8<UInt8>(truncatingIfNeeded: v) }

    @inline(__always)
    static func truncate(_ v: SIMD16<Int16>) -> SIMD16<UInt8> { SIMD16<UInt8>(truncatingIfNeeded: v) }

    @inline(__always)
    static func shiftLeft(_ v: SIMD8<Int32>, _ s: SIMD8<Int32>) -> SIMD8<Int32> { v &<< s }

    @inline(__always)
    static func shiftRight(_ v: SIMD4<UInt64>, _ s: SIMD4<UInt64>) -> SIMD4<UInt64> { v &>> s }

    @inline(__always)
    static func applySign(_ v: SIMD8<Int32>, of s: SIMD8<Int32>) -> SIMD8<Int32> {
        var r = v
        r.replace(with: 0 &- v, where: s .< 0)
        r.replace(with: 0, where: s .== 0)
        return r
    }

    @inline(__always)
    static func applySign(_ v: SIMD16<Int16>, of s: SIMD16<Int16>) -> SIMD16<Int16> {
        var r = v
        r.replace(with: 0 &- v, where: s .< 0)
        r.replace(with: 0, where: s .== 0)
        return r
    }

    @inline(__always)
    static func multiplyHigh(_ a: SIMD16<UInt16>, _ b: SIMD16<UInt16>) -> SIMD16<UInt16> {
        var r = SIMD16<UInt16>()
        for i in 0..<16 { r[i] = UInt16(truncatingIfNeeded: (UInt32(a[i]) &* UInt32(b[i])) &>> 16) }
        return r
    }

    @inline(__always)
    static func packSaturating(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD16<Int16> {
        var r = SIMD16<Int16>()
        for i in 0..<4 {
            r[i] = Int16(clamping: a[i]); r[4 &+ i] = Int16(clamping: b[i])
            r[8 &+ i] = Int16(clamping: a[4 &+ i]); r[12 &+ i] = Int16(clamping: b[4 &+ i])
        }
        return r
    }

    @inline(__always)
    static func packSaturatingSigned(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD32<UInt8> {
        var r = SIMD32<UInt8>()
        for i in 0..<8 {
            r[i] = UInt8(bitPattern: Int8(clamping: a[i])); r[8 &+ i] = UInt8(bitPattern: Int8(clamping: b[i]))
            r[16 &+ i] = UInt8(bitPattern: Int8(clamping: a[8 &+ i])); r[24 &+ i] = UInt8(bitPattern: Int8(clamping: b[8 &+ i]))
        }
        return r
    }

    @inline(__always)
    static func packSaturatingUnsigned(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD32<UInt8> {
        var r = SIMD32<UInt8>()
        for i in 0..<8 {
            r[i] = UInt8(clamping: a[i]); r[8 &+ i] = UInt8(clamping: b[i])
            r[16 &+ i] = UInt8(clamping: a[8 &+ i]); r[24 &+ i] = UInt8(clamping: b[8 &+ i])
        }
        return r
    }

    @inline(__always)
    static func permute(_ v: SIMD8<Int32>, _ indices: SIMD8<Int32>) -> SIMD8<Int32> {
        var r = SIMD8<Int32>()
        for i in 0..<8 { r[i] = v[Int(indices[i] & 7)] }
        return r
    }

    @inline(__always)
    static func maximum(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
        var r = SIMD8<Int32>()
        for i in 0..<8 { r[i] = max(a[i], b[i]) }
        return r
    }

    @inline(__always)
    static func floats(_ v: SIMD16<Int8>) -> SIMD16<Float> {
        var r = SIMD16<Float>()
        for i in 0..<16 { r[i] = Float(v[i]) }
        return r
    }

    @inline(__always)
    static func fusedMultiplyAdd(_ a: SIMD16<Float>, _ b: SIMD16<Float>, _ c: SIMD16<Float>) -> SIMD16<Float> {
        var r = SIMD16<Float>()
        for i in 0..<16 { r[i] = c[i].addingProduct(a[i], b[i]) }
        return r
    }

    @inline(__always)
    static func clamp(_ v: SIMD16<Int32>, _ low: SIMD16<Int32>, _ high: SIMD16<Int32>) -> SIMD16<Int32> {
        var r = SIMD16<Int32>()
        for i in 0..<16 { r[i] = min(max(v[i], low[i]), high[i]) }
        return r
    }

    @inline(__always)
    static func truncate(_ v: SIMD16<Int32>) -> SIMD16<UInt8> { SIMD16<UInt8>(truncatingIfNeeded: v) }

    @inline(__always)
    static func integers(_ v: SIMD8<Float>) -> SIMD8<Int32> {
        var r = SIMD8<Int32>()
        for i in 0..<8 { r[i] = Int32(v[i]) }
        return r
    }

    @inline(__always)
    static func doubles(_ v: SIMD8<Float>) -> SIMD8<Double> {
        var r = SIMD8<Double>()
        for i in 0..<8 { r[i] = Double(v[i]) }
        return r
    }

    @inline(__always)
    static func fusedMultiplyAdd(_ a: SIMD8<Double>, _ b: SIMD8<Double>, _ c: SIMD8<Double>) -> SIMD8<Double> {
        var r = SIMD8<Double>()
        for i in 0..<8 { r[i] = c[i].addingProduct(a[i], b[i]) }
        return r
    }

    @inline(__always)
    static func signExtended(_ v: SIMD8<Int32>) -> SIMD8<Int64> { SIMD8<Int64>(truncatingIfNeeded: v) }

    @inline(__always)
    static func joined(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD16<Int32> { SIMD16(lowHalf: a, highHalf: b) }

    @inline(__always)
    static func anyNegative(_ v: SIMD8<Int32>) -> Bool {
        var any = false
        for i in 0..<8 where v[i] < 0 { any = true }
        return any
    }

    @inline(__always)
    static func allNegative(_ v: SIMD16<Int32>) -> Bool {
        var all = true
        for i in 0..<16 where v[i] >= 0 { all = false }
        return all
    }

    @inline(__always)
    static func narrowClamped(_ v: SIMD16<Int32>, _ low: SIMD16<Int8>, _ high: SIMD16<Int8>) -> SIMD16<Int8> {
        var r = SIMD16<Int8>()
        for i in 0..<16 { r[i] = Int8(min(max(v[i], Int32(low[i])), Int32(high[i]))) }
        return r
    }

    @inline(__always)
    static func fixedPointMultiplyAdd(floats x: SIMD8<Float>, _ scale: SIMD8<Float>, _ positive: SIMD8<Float>,
                                      _ negative: SIMD8<Float>, fractionBits: Int32) -> (SIMD8<Int32>, uncertain: SIMD8<Int32>) {
        var r = SIMD8<Int32>(), uncertain = SIMD8<Int32>()
        for i in 0..<8 {
            let y = (x[i].sign == .minus ? negative[i] : positive[i]).addingProduct(x[i], scale[i])
            let q = Int32(y.rounded(.towardZero))
            r[i] = q &>> fractionBits
            uncertain[i] = q & ((1 &<< fractionBits) &- 1) == 0 ? -1 : 0
        }
        return (r, uncertain)
    }

    @inline(__always)
    static func fixedPointMultiplyAdd(_ acc: SIMD16<Int32>, _ scale: SIMD16<Float>, _ positive: SIMD16<Float>,
                                      _ negative: SIMD16<Float>, fractionBits: Int32) -> (SIMD16<Int32>, Bool) {
        var r = SIMD16<Int32>(), certain = true
        for i in 0..<16 {
            let y = (acc[i] < 0 ? negative[i] : positive[i]).addingProduct(Float(acc[i]), scale[i])
            let q = Int32(y.rounded(.towardZero))
            r[i] = q &>> fractionBits
            certain = certain && q & ((1 &<< fractionBits) &- 1) != 0
        }
        return (r, certain)
    }

    @inline(__always)
    static func clampSigned(_ v: SIMD32<UInt8>, _ lo: SIMD32<UInt8>, _ hi: SIMD32<UInt8>) -> SIMD32<UInt8> {
        var r = SIMD32<UInt8>()
        for i in 0..<32 {
            r[i] = UInt8(bitPattern: min(max(Int8(bitPattern: v[i]), Int8(bitPattern: lo[i])), Int8(bitPattern: hi[i])))
        }
        return r
    }

    @inline(__always)
    static func maximum(_ a: SIMD32<UInt8>, _ b: SIMD32<UInt8>, signed: Bool) -> SIMD32<UInt8> {
        var r = SIMD32<UInt8>()
        for i in 0..<32 {
            r[i] = signed ? UInt8(bitPattern: max(Int8(bitPattern: a[i]), Int8(bitPattern: b[i]))) : max(a[i], b[i])
        }
        return r
    }

    @inline(__always)
    static func clampUnsigned(_ v: SIMD32<UInt8>, _ lo: SIMD32<UInt8>, _ hi: SIMD32<UInt8>) -> SIMD32<UInt8> {
        var r = SIMD32<UInt8>()
        for i in 0..<32 { r[i] = min(max(v[i], lo[i]), hi[i]) }
        return r
    }
    @inline(__always)
    static func interleaveLow(_ a: SIMD16<Int8>, _ b: SIMD16<Int8>) -> SIMD16<Int8> {
        var r = SIMD16<Int8>()
        for i in 0..<8 { r[2 &* i] = a[i]; r[2 &* i &+ 1] = b[i] }
        return r
    }

    @inline(__always)
    static func interleaveHigh(_ a: SIMD16<Int8>, _ b: SIMD16<Int8>) -> SIMD16<Int8> {
        var r = SIMD16<Int8>()
        for i in 0..<8 { r[2 &* i] = a[8 &+ i]; r[2 &* i &+ 1] = b[8 &+ i] }
        return r
    }

    @inline(__always)
    static func interleave(_ a: SIMD8<Int8>, _ b: SIMD8<Int8>) -> SIMD16<Int8> {
        var r = SIMD16<Int8>()
        for i in 0..<8 { r[2 &* i] = a[i]; r[2 &* i &+ 1] = b[i] }
        return r
    }

    @inline(__always)
    static func interleaveLow(_ a: SIMD8<Int16>, _ b: SIMD8<Int16>) -> SIMD8<Int16> {
        var r = SIMD8<Int16>()
        for i in 0..<4 { r[2 &* i] = a[i]; r[2 &* i &+ 1] = b[i] }
        return r
    }

    @inline(__always)
    static func interleaveHigh(_ a: SIMD8<Int16>, _ b: SIMD8<Int16>) -> SIMD8<Int16> {
        var r = SIMD8<Int16>()
        for i in 0..<4 { r[2 &* i] = a[4 &+ i]; r[2 &* i &+ 1] = b[4 &+ i] }
        return r
    }

    @inline(__always)
    static func swapHalves(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> (SIMD8<Int32>, SIMD8<Int32>) {
        (SIMD8(lowHalf: a.lowHalf, highHalf: b.lowHalf), SIMD8(lowHalf: a.highHalf, highHalf: b.highHalf))
    }

    @inline(__always)
    static func shuffleBytesInHalves(_ v: SIMD32<UInt8>, _ indices: SIMD32<UInt8>) -> SIMD32<UInt8> {
        var r = SIMD32<UInt8>()
        for i in 0..<32 { r[i] = indices[i] & 0x80 != 0 ? 0 : v[(i & 16) | Int(indices[i] & 15)] }
        return r
    }

    @inline(__always)
    static func twice(_ v: SIMD16<UInt8>) -> SIMD32<UInt8> { SIMD32(lowHalf: v, highHalf: v) }

    @inline(__always)
    static func sumsOfEightBytes(_ v: SIMD32<UInt8>) -> SIMD4<UInt64> {
        var r = SIMD4<UInt64>()
        for i in 0..<32 { r[i / 8] &+= UInt64(v[i]) }
        return r
    }

    @inline(__always)
    static func addingSaturating(_ a: SIMD32<UInt8>, _ b: SIMD32<UInt8>) -> SIMD32<UInt8> {
        var r = SIMD32<UInt8>()
        for i in 0..<32 {
            let (sum, overflow) = a[i].addingReportingOverflow(b[i])
            r[i] = overflow ? 255 : sum
        }
        return r
    }

    @inline(__always)
    static func doubles(_ v: SIMD4<Int32>) -> SIMD4<Double> { SIMD4(Double(v[0]), Double(v[1]), Double(v[2]), Double(v[3])) }

    @inline(__always)
    static func fusedMultiplyAdd(_ a: SIMD4<Double>, _ b: SIMD4<Double>, _ c: SIMD4<Double>) -> SIMD4<Double> {
        var r = c
        for i in 0..<4 { r[i] = c[i].addingProduct(a[i], b[i]) }
        return r
    }

    @inline(__always)
    static func select(_ a: SIMD4<Double>, _ b: SIMD4<Double>, whereSignOf mask: SIMD4<Double>) -> SIMD4<Double> {
        var r = a
        for i in 0..<4 where mask[i].sign == .minus { r[i] = b[i] }
        return r
    }

    @inline(__always)
    static func truncatingToInt32(_ v: SIMD4<Double>) -> SIMD4<Int32> {
        SIMD4(Int32(v[0].rounded(.towardZero)), Int32(v[1].rounded(.towardZero)), Int32(v[2].rounded(.towardZero)),
              Int32(v[3].rounded(.towardZero)))
    }

    @inline(__always)
    static func halves(_ v: SIMD16<Int32>) -> (SIMD8<Int32>, SIMD8<Int32>) { (v.lowHalf, v.highHalf) }

}

#endif

// `exactMultiplyAdd`, `ExactDoubleRequantization.scale8`'s arithmetic:
// eight Int32 lanes `acc` as doubles, times `scale` plus `positive` or, in
// the lanes where `acc` is negative, `negative`, rounded once, truncated
// toward zero (lanes inside Int32's range).
#if (TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI) && arch(x86_64)
extension IntegerSIMD {
    /// One 512-bit step (`vcvtdq2pd` zmm, `vfmadd`, `vcvttpd2dq`). The
    /// four-lane halves below were joined into 512-bit vectors by LLVM
    /// anyway (`vinsertf64x4`); the output stages of MobileNetV2 int8's
    /// convolutions and depthwise layers took about a tenth longer that way
    /// (Zen 4).
    @inline(__always)
    static func exactMultiplyAdd(_ acc: SIMD8<Int32>, _ scale: SIMD8<Double>, _ positive: SIMD8<Double>,
                                 _ negative: SIMD8<Double>) -> SIMD8<Int32> {
        let x = Builtin.sitofp_Vec8xInt32_Vec8xFPIEEE64(acc._storage._value)
        let below = Builtin.cmp_slt_Vec8xInt32(acc._storage._value, SIMD8<Int32>()._storage._value)
        let addend = Builtin.select_Vec8xInt1_Vec8xFPIEEE64(below, negative._storage._value, positive._storage._value)
        var r = SIMD8<Int32>()
        r._storage._value = Builtin.fptosi_Vec8xFPIEEE64_Vec8xInt32(Builtin.int_fma_Vec8xFPIEEE64(x, scale._storage._value, addend))
        return r
    }
}
#else
extension IntegerSIMD {
    /// Two halves of four lanes on the four-lane wrappers (the AVX2 form,
    /// or their plain-Swift forms).
    @inline(__always)
    static func exactMultiplyAdd(_ acc: SIMD8<Int32>, _ scale: SIMD8<Double>, _ positive: SIMD8<Double>,
                                 _ negative: SIMD8<Double>) -> SIMD8<Int32> {
        @inline(__always) func half(_ v: SIMD4<Int32>, _ m: SIMD4<Double>, _ p: SIMD4<Double>, _ n: SIMD4<Double>) -> SIMD4<Int32> {
            let x = doubles(v)
            return truncatingToInt32(fusedMultiplyAdd(x, m, select(p, n, whereSignOf: x)))
        }
        return SIMD8(lowHalf: half(acc.lowHalf, scale.lowHalf, positive.lowHalf, negative.lowHalf),
                     highHalf: half(acc.highHalf, scale.highHalf, positive.highHalf, negative.highHalf))
    }
}
#endif

#if TFLITEENGINE_AVX512VNNI && arch(x86_64)
extension IntegerSIMD {
    /// `dotBytes` is the hardware instruction.
    static let hasDotBytes = true
    /// `lookup256` is the hardware instruction.
    static let hasByteLookup = true
    /// The 64-byte packs and permutes, and the sixteen-lane rounding and
    /// conversion below, are the hardware instructions.
    static let hasWideBytePacks = true

    /// `vpdpbusd` zmm (AVX-512 VNNI): lane i of `acc` plus the four products
    /// of unsigned bytes of `a` lane i with signed bytes of `b` lane i (wrapping).
    @inline(__always)
    static func dotBytes(_ acc: SIMD16<Int32>, _ a: SIMD16<Int32>, _ b: SIMD16<Int32>) -> SIMD16<Int32> {
        var r = SIMD16<Int32>()
        r._storage._value = Builtin.int_x86_avx512_vpdpbusd_512(acc._storage._value, a._storage._value, b._storage._value)
        return r
    }

    /// `vpermb` on a 256-entry table: 64 bytes, each the entry of `table`
    /// (four 64-byte vectors, entries 0..<256) at that byte's value: two
    /// `vpermi2b` (AVX-512 VBMI, part of this flavour) over the low and high
    /// 128 entries, the high one taken where the byte's top bit is set.
    @inline(__always)
    static func lookup256(_ v: SIMD64<UInt8>, _ t0: SIMD64<UInt8>, _ t1: SIMD64<UInt8>, _ t2: SIMD64<UInt8>,
                          _ t3: SIMD64<UInt8>) -> SIMD64<UInt8> {
        let low = Builtin.int_x86_avx512_vpermi2var_qi_512(t0._storage._value, v._storage._value, t1._storage._value)
        let high = Builtin.int_x86_avx512_vpermi2var_qi_512(t2._storage._value, v._storage._value, t3._storage._value)
        let top = Builtin.cmp_slt_Vec64xInt8(v._storage._value, SIMD64<UInt8>()._storage._value)
        var r = SIMD64<UInt8>()
        r._storage._value = Builtin.select_Vec64xInt1_Vec64xInt8(top, high, low)
        return r
    }

    /// `vpackssdw` zmm: per 128-bit lane k, Int16 lanes `[a4k…a4k+3, b4k…b4k+3]`, each saturated.
    @inline(__always)
    static func packSaturating(_ a: SIMD16<Int32>, _ b: SIMD16<Int32>) -> SIMD32<Int16> {
        var r = SIMD32<Int16>()
        r._storage._value = Builtin.int_x86_avx512_packssdw_512(a._storage._value, b._storage._value)
        return r
    }

    /// `vpacksswb` zmm: per 128-bit lane k, bytes `[a8k…a8k+7, b8k…b8k+7]`, each saturated to −128…127.
    @inline(__always)
    static func packSaturatingSigned(_ a: SIMD32<Int16>, _ b: SIMD32<Int16>) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        r._storage._value = Builtin.int_x86_avx512_packsswb_512(a._storage._value, b._storage._value)
        return r
    }

    /// `vrndscaleps` zmm: each lane rounded to an integer, ties to even.
    @inline(__always)
    static func roundedToEven(_ v: SIMD16<Float>) -> SIMD16<Float> {
        var r = SIMD16<Float>()
        r._storage._value = Builtin.int_roundeven_Vec16xFPIEEE32(v._storage._value)
        return r
    }

    /// `vcvttps2dq` zmm: each lane truncated toward zero (lanes inside Int32).
    @inline(__always)
    static func integers(_ v: SIMD16<Float>) -> SIMD16<Int32> {
        var r = SIMD16<Int32>()
        r._storage._value = Builtin.fptosi_Vec16xFPIEEE32_Vec16xInt32(v._storage._value)
        return r
    }

    /// Whether a lane of `a`, `b`, `c` or `d` is at least `threshold`
    /// (`vpmaxsd` three times, `vpcmpd`, one mask test).
    @inline(__always)
    static func anyAtLeast(_ a: SIMD16<Int32>, _ b: SIMD16<Int32>, _ c: SIMD16<Int32>, _ d: SIMD16<Int32>,
                           _ threshold: SIMD16<Int32>) -> Bool {
        let most = Builtin.int_smax_Vec16xInt32(Builtin.int_smax_Vec16xInt32(a._storage._value, b._storage._value),
                                                Builtin.int_smax_Vec16xInt32(c._storage._value, d._storage._value))
        return Int16(Builtin.bitcast_Vec16xInt1_Int16(Builtin.cmp_sge_Vec16xInt32(most, threshold._storage._value))) != 0
    }

    /// Bit i set where lane i of `v` is at least `threshold` (`vpcmpd`, `kmovw`).
    @inline(__always)
    static func lanesAtLeast(_ v: SIMD16<Int32>, _ threshold: SIMD16<Int32>) -> UInt16 {
        UInt16(bitPattern: Int16(Builtin.bitcast_Vec16xInt1_Int16(Builtin.cmp_sge_Vec16xInt32(v._storage._value, threshold._storage._value))))
    }

    /// Lane-wise maximum of `a` and `b` read as UInt32 (`vpmaxud`).
    @inline(__always)
    static func unsignedMaximum(_ a: SIMD16<Int32>, _ b: SIMD16<Int32>) -> SIMD16<Int32> {
        var r = SIMD16<Int32>()
        r._storage._value = Builtin.int_umax_Vec16xInt32(a._storage._value, b._storage._value)
        return r
    }

    /// Whether a lane of `v` read as UInt32 is above `threshold`'s (`vpcmpud`, one mask test).
    @inline(__always)
    static func anyUnsignedAbove(_ v: SIMD16<Int32>, _ threshold: SIMD16<Int32>) -> Bool {
        Int16(Builtin.bitcast_Vec16xInt1_Int16(Builtin.cmp_ugt_Vec16xInt32(v._storage._value, threshold._storage._value))) != 0
    }

    /// `vpackuswb` zmm: per 128-bit lane k, bytes `[a8k…a8k+7, b8k…b8k+7]`, each saturated to 0…255.
    @inline(__always)
    static func packSaturatingUnsigned(_ a: SIMD32<Int16>, _ b: SIMD32<Int16>) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        r._storage._value = Builtin.int_x86_avx512_packuswb_512(a._storage._value, b._storage._value)
        return r
    }

    /// `vpermb` zmm (AVX-512 VBMI): byte i is v's byte `indices[i] & 63`.
    @inline(__always)
    static func permuteBytes(_ v: SIMD64<UInt8>, _ indices: SIMD64<UInt8>) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        r._storage._value = Builtin.int_x86_avx512_permvar_qi_512(v._storage._value, indices._storage._value)
        return r
    }

    /// `vpermt2b` zmm (AVX-512 VBMI): byte i is byte `indices[i] & 127` of
    /// `a` followed by `b`.
    @inline(__always)
    static func permuteBytes(_ a: SIMD64<UInt8>, _ indices: SIMD64<UInt8>, _ b: SIMD64<UInt8>) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        r._storage._value = Builtin.int_x86_avx512_vpermi2var_qi_512(a._storage._value, indices._storage._value, b._storage._value)
        return r
    }

    /// `vpermd` zmm: four-byte lane i is v's lane `indices[i] & 15`.
    @inline(__always)
    static func permute(_ v: SIMD64<UInt8>, _ indices: SIMD16<Int32>) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        r._storage._value = Builtin.bitcast_Vec16xInt32_Vec64xInt8(
            Builtin.int_x86_avx512_permvar_si_512(Builtin.bitcast_Vec64xInt8_Vec16xInt32(v._storage._value), indices._storage._value))
        return r
    }

    /// `vpmaxsb` then `vpminsb` zmm: each byte, as Int8, clamped to lo…hi.
    @inline(__always)
    static func clampSigned(_ v: SIMD64<UInt8>, _ lo: SIMD64<UInt8>, _ hi: SIMD64<UInt8>) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        r._storage._value = Builtin.int_smin_Vec64xInt8(Builtin.int_smax_Vec64xInt8(v._storage._value, lo._storage._value), hi._storage._value)
        return r
    }

    /// `vpxord` zmm with 0x80 bytes: each byte's sign bit flipped (UInt8 to
    /// Int8 less 128; the standard library's `^` on 64 bytes went lane by lane).
    @inline(__always)
    static func flipSigns(_ v: SIMD64<UInt8>) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        r._storage._value = Builtin.xor_Vec64xInt8(v._storage._value, SIMD64<UInt8>(repeating: 0x80)._storage._value)
        return r
    }

    /// The two 32-byte halves of `v` (the standard library's `lowHalf` and
    /// `highHalf` of 64 bytes went lane by lane).
    @inline(__always)
    static func halves(_ v: SIMD64<UInt8>) -> (SIMD32<UInt8>, SIMD32<UInt8>) {
        var low = SIMD32<UInt8>(), high = SIMD32<UInt8>()
        let first = SIMD32<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
                                  28, 29, 30, 31)
        let second = SIMD32<Int32>(32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57,
                                   58, 59, 60, 61, 62, 63)
        low._storage._value = Builtin.shufflevector_Vec64xInt8_Vec32xInt32(v._storage._value, v._storage._value, first._storage._value)
        high._storage._value = Builtin.shufflevector_Vec64xInt8_Vec32xInt32(v._storage._value, v._storage._value, second._storage._value)
        return (low, high)
    }

    /// `v` twice, as 64 bytes.
    @inline(__always)
    static func twice(_ v: SIMD32<UInt8>) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        let both = SIMD64<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
                                 30, 31, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
                                 27, 28, 29, 30, 31)
        r._storage._value = Builtin.shufflevector_Vec32xInt8_Vec64xInt32(v._storage._value, v._storage._value, both._storage._value)
        return r
    }

    /// `vpdpbusd` ymm (AVX-512 VNNI with VL): `dotBytes` on eight lanes.
    @inline(__always)
    static func dotBytes(_ acc: SIMD8<Int32>, _ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
        var r = SIMD8<Int32>()
        r._storage._value = Builtin.int_x86_avx512_vpdpbusd_256(acc._storage._value, a._storage._value, b._storage._value)
        return r
    }
}
#else
extension IntegerSIMD {
    static let hasDotBytes = false
    static let hasByteLookup = false
    static let hasWideBytePacks = false

    /// Plain-Swift `lookup256` (not used by the kernels outside the VNNI flavour).
    @inline(__always)
    static func lookup256(_ v: SIMD64<UInt8>, _ t0: SIMD64<UInt8>, _ t1: SIMD64<UInt8>, _ t2: SIMD64<UInt8>,
                          _ t3: SIMD64<UInt8>) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        for i in 0..<64 {
            let x = Int(v[i]), j = x & 63
            r[i] = x < 64 ? t0[j] : x < 128 ? t1[j] : x < 192 ? t2[j] : t3[j]
        }
        return r
    }

    /// Plain-Swift forms of the 512-bit packs, permute and clamp (tests of
    /// the four-byte kernels in other flavours).
    @inline(__always)
    static func packSaturating(_ a: SIMD16<Int32>, _ b: SIMD16<Int32>) -> SIMD32<Int16> {
        var r = SIMD32<Int16>()
        for k in 0..<4 {
            for i in 0..<4 {
                r[8 &* k &+ i] = Int16(clamping: a[4 &* k &+ i])
                r[8 &* k &+ 4 &+ i] = Int16(clamping: b[4 &* k &+ i])
            }
        }
        return r
    }

    @inline(__always)
    static func packSaturatingSigned(_ a: SIMD32<Int16>, _ b: SIMD32<Int16>) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        for k in 0..<4 {
            for i in 0..<8 {
                r[16 &* k &+ i] = UInt8(bitPattern: Int8(clamping: a[8 &* k &+ i]))
                r[16 &* k &+ 8 &+ i] = UInt8(bitPattern: Int8(clamping: b[8 &* k &+ i]))
            }
        }
        return r
    }

    @inline(__always)
    static func roundedToEven(_ v: SIMD16<Float>) -> SIMD16<Float> {
        var r = SIMD16<Float>()
        for i in 0..<16 { r[i] = v[i].rounded(.toNearestOrEven) }
        return r
    }

    @inline(__always)
    static func integers(_ v: SIMD16<Float>) -> SIMD16<Int32> {
        var r = SIMD16<Int32>()
        for i in 0..<16 { r[i] = Int32(v[i]) }
        return r
    }

    @inline(__always)
    static func anyAtLeast(_ a: SIMD16<Int32>, _ b: SIMD16<Int32>, _ c: SIMD16<Int32>, _ d: SIMD16<Int32>,
                           _ threshold: SIMD16<Int32>) -> Bool {
        var any = false
        for i in 0..<16 where max(max(a[i], b[i]), max(c[i], d[i])) >= threshold[i] { any = true }
        return any
    }

    @inline(__always)
    static func lanesAtLeast(_ v: SIMD16<Int32>, _ threshold: SIMD16<Int32>) -> UInt16 {
        var bits: UInt16 = 0
        for i in 0..<16 where v[i] >= threshold[i] { bits |= 1 &<< UInt16(i) }
        return bits
    }

    @inline(__always)
    static func unsignedMaximum(_ a: SIMD16<Int32>, _ b: SIMD16<Int32>) -> SIMD16<Int32> {
        var r = SIMD16<Int32>()
        for i in 0..<16 { r[i] = Int32(bitPattern: max(UInt32(bitPattern: a[i]), UInt32(bitPattern: b[i]))) }
        return r
    }

    @inline(__always)
    static func anyUnsignedAbove(_ v: SIMD16<Int32>, _ threshold: SIMD16<Int32>) -> Bool {
        var any = false
        for i in 0..<16 where UInt32(bitPattern: v[i]) > UInt32(bitPattern: threshold[i]) { any = true }
        return any
    }

    @inline(__always)
    static func packSaturatingUnsigned(_ a: SIMD32<Int16>, _ b: SIMD32<Int16>) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        for k in 0..<4 {
            for i in 0..<8 {
                r[16 &* k &+ i] = UInt8(clamping: a[8 &* k &+ i])
                r[16 &* k &+ 8 &+ i] = UInt8(clamping: b[8 &* k &+ i])
            }
        }
        return r
    }

    @inline(__always)
    static func permute(_ v: SIMD64<UInt8>, _ indices: SIMD16<Int32>) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        for i in 0..<16 {
            let from = Int(indices[i] & 15)
            for j in 0..<4 { r[4 &* i &+ j] = v[4 &* from &+ j] }
        }
        return r
    }

    @inline(__always)
    static func clampSigned(_ v: SIMD64<UInt8>, _ lo: SIMD64<UInt8>, _ hi: SIMD64<UInt8>) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        for i in 0..<64 {
            r[i] = UInt8(bitPattern: min(max(Int8(bitPattern: v[i]), Int8(bitPattern: lo[i])), Int8(bitPattern: hi[i])))
        }
        return r
    }

    @inline(__always)
    static func flipSigns(_ v: SIMD64<UInt8>) -> SIMD64<UInt8> { v ^ SIMD64(repeating: 0x80) }

    static func permuteBytes(_ v: SIMD64<UInt8>, _ indices: SIMD64<UInt8>) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        for i in 0..<64 { r[i] = v[Int(indices[i] & 63)] }
        return r
    }

    static func permuteBytes(_ a: SIMD64<UInt8>, _ indices: SIMD64<UInt8>, _ b: SIMD64<UInt8>) -> SIMD64<UInt8> {
        var r = SIMD64<UInt8>()
        for i in 0..<64 {
            let k = Int(indices[i] & 127)
            r[i] = k < 64 ? a[k] : b[k &- 64]
        }
        return r
    }

    @inline(__always)
    static func halves(_ v: SIMD64<UInt8>) -> (SIMD32<UInt8>, SIMD32<UInt8>) { (v.lowHalf, v.highHalf) }

    @inline(__always)
    static func twice(_ v: SIMD32<UInt8>) -> SIMD64<UInt8> { SIMD64(lowHalf: v, highHalf: v) }

    /// Plain-Swift `vpdpbusd` (tests of the four-byte kernels in other flavours).
    @inline(__always)
    static func dotBytes(_ acc: SIMD16<Int32>, _ a: SIMD16<Int32>, _ b: SIMD16<Int32>) -> SIMD16<Int32> {
        var r = acc
        for i in 0..<16 {
            let x = UInt32(bitPattern: a[i]), y = UInt32(bitPattern: b[i])
            var sum: Int32 = 0
            for j in 0..<4 {
                let shift = UInt32(8 &* j)
                sum &+= Int32(UInt8(truncatingIfNeeded: x &>> shift)) &* Int32(Int8(truncatingIfNeeded: y &>> shift))
            }
            r[i] &+= sum
        }
        return r
    }

    /// Plain-Swift `vpdpbusd` ymm.
    @inline(__always)
    static func dotBytes(_ acc: SIMD8<Int32>, _ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
        let wide = dotBytes(SIMD16(lowHalf: acc, highHalf: .zero), SIMD16(lowHalf: a, highHalf: .zero), SIMD16(lowHalf: b, highHalf: .zero))
        return wide.lowHalf
    }
}
#endif

#if (TFLITEENGINE_AVX2 || TFLITEENGINE_AVX512 || TFLITEENGINE_AVX512VNNI) && arch(x86_64)
/// Cache hints (`prefetcht1`), for the GEMMs' weights (float and int8 four-byte).
enum CacheHint {
    /// Asks for the line holding `p` in L2 (`prefetcht1`): no fault, no result.
    @_transparent
    static func prefetchIntoL2(_ p: UnsafeRawPointer) {
        Builtin.int_prefetch_RawPointer(p._rawValue, Int32(0)._value, Int32(2)._value, Int32(1)._value)
    }
}

extension IntegerSIMD {
    /// Bytes of `a` and `b` (32 each, as Int32 lanes) interleaved within each
    /// 16-byte half (`vpunpcklbw` ymm): a0, b0, …, a7, b7, then a16, b16, …, a23, b23.
    /// (One shuffle of the whole vectors: built from the standard library's
    /// half-vector getters, those stayed calls in some callers.)
    @inline(__always)
    static func interleaveBytesLow(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
        let x = unsafeBitCast(a, to: SIMD32<Int8>.self), y = unsafeBitCast(b, to: SIMD32<Int8>.self)
        var r = SIMD32<Int8>()
        r._storage._value = Builtin.shufflevector_Vec32xInt8_Vec32xInt32(
            x._storage._value, y._storage._value,
            SIMD32<Int32>(0, 32, 1, 33, 2, 34, 3, 35, 4, 36, 5, 37, 6, 38, 7, 39, 16, 48, 17, 49, 18, 50, 19, 51, 20, 52, 21, 53, 22, 54, 23, 55)._storage._value)
        return unsafeBitCast(r, to: SIMD8<Int32>.self)
    }

    /// `vpunpckhbw` ymm: a8, b8, …, a15, b15, then a24, b24, …, a31, b31.
    @inline(__always)
    static func interleaveBytesHigh(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
        let x = unsafeBitCast(a, to: SIMD32<Int8>.self), y = unsafeBitCast(b, to: SIMD32<Int8>.self)
        var r = SIMD32<Int8>()
        r._storage._value = Builtin.shufflevector_Vec32xInt8_Vec32xInt32(
            x._storage._value, y._storage._value,
            SIMD32<Int32>(8, 40, 9, 41, 10, 42, 11, 43, 12, 44, 13, 45, 14, 46, 15, 47, 24, 56, 25, 57, 26, 58, 27, 59, 28, 60, 29, 61, 30, 62, 31, 63)._storage._value)
        return unsafeBitCast(r, to: SIMD8<Int32>.self)
    }

    /// Int16 lanes of `a` and `b` interleaved within each half (`vpunpcklwd`
    /// ymm): a0, b0, …, a3, b3, then a8, b8, …, a11, b11.
    @inline(__always)
    static func interleaveWordsLow(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
        let x = unsafeBitCast(a, to: SIMD16<Int16>.self), y = unsafeBitCast(b, to: SIMD16<Int16>.self)
        var r = SIMD16<Int16>()
        r._storage._value = Builtin.shufflevector_Vec16xInt16_Vec16xInt32(
            x._storage._value, y._storage._value, SIMD16<Int32>(0, 16, 1, 17, 2, 18, 3, 19, 8, 24, 9, 25, 10, 26, 11, 27)._storage._value)
        return unsafeBitCast(r, to: SIMD8<Int32>.self)
    }

    /// `vpunpckhwd` ymm: a4, b4, …, a7, b7, then a12, b12, …, a15, b15.
    @inline(__always)
    static func interleaveWordsHigh(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
        let x = unsafeBitCast(a, to: SIMD16<Int16>.self), y = unsafeBitCast(b, to: SIMD16<Int16>.self)
        var r = SIMD16<Int16>()
        r._storage._value = Builtin.shufflevector_Vec16xInt16_Vec16xInt32(
            x._storage._value, y._storage._value, SIMD16<Int32>(4, 20, 5, 21, 6, 22, 7, 23, 12, 28, 13, 29, 14, 30, 15, 31)._storage._value)
        return unsafeBitCast(r, to: SIMD8<Int32>.self)
    }
}
#else
/// Cache hints: none without the `Builtin` module.
enum CacheHint {
    @_transparent
    static func prefetchIntoL2(_ p: UnsafeRawPointer) {}
}

extension IntegerSIMD {
    /// Bytes of `a` and `b` (32 each, as Int32 lanes) interleaved within each
    /// 16-byte half (`vpunpcklbw` ymm): a0, b0, …, a7, b7, then a16, b16, …, a23, b23.
    @inline(__always)
    static func interleaveBytesLow(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
        let x = unsafeBitCast(a, to: SIMD32<Int8>.self), y = unsafeBitCast(b, to: SIMD32<Int8>.self)
        return unsafeBitCast(SIMD32(lowHalf: interleaveLow(x.lowHalf, y.lowHalf), highHalf: interleaveLow(x.highHalf, y.highHalf)),
                             to: SIMD8<Int32>.self)
    }

    /// `vpunpckhbw` ymm: a8, b8, …, a15, b15, then a24, b24, …, a31, b31.
    @inline(__always)
    static func interleaveBytesHigh(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
        let x = unsafeBitCast(a, to: SIMD32<Int8>.self), y = unsafeBitCast(b, to: SIMD32<Int8>.self)
        return unsafeBitCast(SIMD32(lowHalf: interleaveHigh(x.lowHalf, y.lowHalf), highHalf: interleaveHigh(x.highHalf, y.highHalf)),
                             to: SIMD8<Int32>.self)
    }

    /// Int16 lanes of `a` and `b` interleaved within each half (`vpunpcklwd`
    /// ymm): a0, b0, …, a3, b3, then a8, b8, …, a11, b11.
    @inline(__always)
    static func interleaveWordsLow(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
        let x = unsafeBitCast(a, to: SIMD16<Int16>.self), y = unsafeBitCast(b, to: SIMD16<Int16>.self)
        return unsafeBitCast(SIMD16(lowHalf: interleaveLow(x.lowHalf, y.lowHalf), highHalf: interleaveLow(x.highHalf, y.highHalf)),
                             to: SIMD8<Int32>.self)
    }

    /// `vpunpckhwd` ymm: a4, b4, …, a7, b7, then a12, b12, …, a15, b15.
    @inline(__always)
    static func interleaveWordsHigh(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
        let x = unsafeBitCast(a, to: SIMD16<Int16>.self), y = unsafeBitCast(b, to: SIMD16<Int16>.self)
        return unsafeBitCast(SIMD16(lowHalf: interleaveHigh(x.lowHalf, y.lowHalf), highHalf: interleaveHigh(x.highHalf, y.highHalf)),
                             to: SIMD8<Int32>.self)
    }
}

#endif

extension IntegerSIMD {
    /// Σ |v| over `count` int8 values, sixteen a step (`vpmovsxbw`, the
    /// magnitudes, `vpmaddwd` by ones; the lanes emptied into the total every
    /// 2^16 values, far below their Int32 limit): the prepare-time
    /// accumulator bounds of `ExactDoubleRequantization`, over every weight
    /// of a model.
    static func sumOfMagnitudes(_ v: UnsafePointer<Int8>, count: Int) -> Int64 {
        sum(v, count: count, magnitudes: true)
    }

    /// Σ v over `count` int8 values, as `sumOfMagnitudes` runs: the quads
    /// kernels' per-column input-offset corrections at prepare (a scalar
    /// loop over every weight was a third of MobileNetV2 int8's prepare).
    static func sum(_ v: UnsafePointer<Int8>, count: Int) -> Int64 {
        sum(v, count: count, magnitudes: false)
    }

    @inline(__always)
    private static func sum(_ v: UnsafePointer<Int8>, count: Int, magnitudes: Bool) -> Int64 {
        let ones = SIMD16<Int16>(repeating: 1)
        var total: Int64 = 0
        var i = 0
        while i &+ 16 <= count {
            var sums = SIMD8<Int32>()
            let end = min(count, i &+ 65_536)
            while i &+ 16 <= end {
                var x = widen(UnsafeRawPointer(v + i).loadUnaligned(as: SIMD16<Int8>.self))
                if magnitudes {
                    let sign = x &>> 15
                    x = (x ^ sign) &- sign
                }
                sums &+= multiplyAddPairs(x, ones)
                i &+= 16
            }
            total &+= Int64(sums.wrappedSum())
        }
        while i < count {
            total &+= magnitudes ? Int64(v[i].magnitude) : Int64(v[i])
            i &+= 1
        }
        return total
    }
}
