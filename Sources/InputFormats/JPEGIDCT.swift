/// The accurate integer inverse DCT of libjpeg (`jpeg_idct_islow`, the
/// default of libjpeg-turbo and so of Pillow): the Loeffler–Ligtenberg–
/// Moschytz factorisation with 13-bit constants, two passes (columns, then
/// rows), 2 extra bits of precision between them, and the output clamped to
/// 0…255 after adding 128. Reimplemented from the algorithm's description;
/// results are bit-identical with libjpeg-turbo for coefficients of real
/// images (libjpeg wraps out-of-range values through its range-limit table,
/// where this clamps).
enum JPEGIDCT {
    static let constBits: Int32 = 13
    static let pass1Bits: Int32 = 2

    // The cosines, × 2^13, rounded.
    static let fix_0_298631336: Int32 = 2446
    static let fix_0_390180644: Int32 = 3196
    static let fix_0_541196100: Int32 = 4433
    static let fix_0_765366865: Int32 = 6270
    static let fix_0_899976223: Int32 = 7373
    static let fix_1_175875602: Int32 = 9633
    static let fix_1_501321110: Int32 = 12299
    static let fix_1_847759065: Int32 = 15137
    static let fix_1_961570560: Int32 = 16069
    static let fix_2_053119869: Int32 = 16819
    static let fix_2_562915447: Int32 = 20995
    static let fix_3_072711026: Int32 = 25172

    /// The 8×8 block of dequantized coefficients `c` (natural order) to
    /// samples at `out` (rows `stride` apart). `workspace` holds 64 Int32.
    @inline(__always)
    static func transform(_ c: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<UInt8>, _ stride: Int, _ workspace: UnsafeMutablePointer<Int32>) {
        // Pass 1: columns → workspace, scaled up by 2^pass1Bits.
        for col in 0..<8 {
            let i = c + col
            let w = workspace + col
            if i[8] == 0 && i[16] == 0 && i[24] == 0 && i[32] == 0 && i[40] == 0 && i[48] == 0 && i[56] == 0 {
                let dc = i[0] &<< pass1Bits
                for r in 0..<8 { w[r &* 8] = dc }
                continue
            }
            butterfly(i[0], i[8], i[16], i[24], i[32], i[40], i[48], i[56], shift: constBits &- pass1Bits) { k, v in w[k &* 8] = v }
        }
        // Pass 2: rows → samples, removing the pass-1 scale and the DCT's factor 8.
        for row in 0..<8 {
            let w = workspace + row &* 8
            let o = out + row &* stride
            if w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0 {
                let v = clamp(descale(w[0], pass1Bits &+ 3))
                for k in 0..<8 { o[k] = v }
                continue
            }
            butterfly(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], shift: constBits &+ pass1Bits &+ 3) { k, v in o[k] = clamp(v) }
        }
    }

    @inline(__always)
    static func descale(_ x: Int32, _ n: Int32) -> Int32 {
        (x &+ (Int32(1) &<< (n &- 1))) &>> n
    }

    /// `v + 128` clamped to 0…255.
    @inline(__always)
    static func clamp(_ v: Int32) -> UInt8 {
        UInt8(truncatingIfNeeded: min(max(v &+ 128, 0), 255))
    }

    /// One 8-point inverse DCT; `store(k, value)` receives output k descaled by `shift`.
    @inline(__always)
    static func butterfly(_ x0: Int32, _ x1: Int32, _ x2: Int32, _ x3: Int32, _ x4: Int32, _ x5: Int32, _ x6: Int32, _ x7: Int32,
                          shift: Int32, _ store: (Int, Int32) -> Void) {
        // Even part.
        var z2 = x2, z3 = x6
        var z1 = (z2 &+ z3) &* fix_0_541196100
        var tmp2 = z1 &+ z3 &* (0 &- fix_1_847759065)
        var tmp3 = z1 &+ z2 &* fix_0_765366865
        z2 = x0
        z3 = x4
        var tmp0 = (z2 &+ z3) &<< constBits
        var tmp1 = (z2 &- z3) &<< constBits
        let tmp10 = tmp0 &+ tmp3, tmp13 = tmp0 &- tmp3
        let tmp11 = tmp1 &+ tmp2, tmp12 = tmp1 &- tmp2
        // Odd part.
        tmp0 = x7
        tmp1 = x5
        tmp2 = x3
        tmp3 = x1
        z1 = tmp0 &+ tmp3
        z2 = tmp1 &+ tmp2
        z3 = tmp0 &+ tmp2
        var z4 = tmp1 &+ tmp3
        let z5 = (z3 &+ z4) &* fix_1_175875602
        tmp0 = tmp0 &* fix_0_298631336
        tmp1 = tmp1 &* fix_2_053119869
        tmp2 = tmp2 &* fix_3_072711026
        tmp3 = tmp3 &* fix_1_501321110
        z1 = z1 &* (0 &- fix_0_899976223)
        z2 = z2 &* (0 &- fix_2_562915447)
        z3 = z3 &* (0 &- fix_1_961570560)
        z4 = z4 &* (0 &- fix_0_390180644)
        z3 = z3 &+ z5
        z4 = z4 &+ z5
        tmp0 = tmp0 &+ z1 &+ z3
        tmp1 = tmp1 &+ z2 &+ z4
        tmp2 = tmp2 &+ z2 &+ z3
        tmp3 = tmp3 &+ z1 &+ z4
        store(0, descale(tmp10 &+ tmp3, shift))
        store(7, descale(tmp10 &- tmp3, shift))
        store(1, descale(tmp11 &+ tmp2, shift))
        store(6, descale(tmp11 &- tmp2, shift))
        store(2, descale(tmp12 &+ tmp1, shift))
        store(5, descale(tmp12 &- tmp1, shift))
        store(3, descale(tmp13 &+ tmp0, shift))
        store(4, descale(tmp13 &- tmp0, shift))
    }
}

extension JPEGIDCT {
    typealias Lanes = SIMD8<Int32>

    /// The same transform with 8 lanes: pass 1 on the 8 columns at once (a
    /// vector per row of coefficients), a transpose, pass 2 on the 8 rows at
    /// once. Integer arithmetic lane by lane, so the result is bit-identical
    /// to ``transform(_:_:_:_:)`` (libjpeg's zero-column and zero-row
    /// shortcuts give exactly what the full computation gives).
    @inline(never)
    static func transformSIMD(_ c: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<UInt8>, _ stride: Int) {
        let raw = UnsafeRawPointer(c)
        @inline(__always) func row(_ r: Int) -> Lanes { raw.loadUnaligned(fromByteOffset: r &* 32, as: Lanes.self) }
        var (w0, w1, w2, w3, w4, w5, w6, w7) = butterflySIMD(row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7),
                                                             shift: constBits &- pass1Bits)
        transpose(&w0, &w1, &w2, &w3, &w4, &w5, &w6, &w7)
        var (o0, o1, o2, o3, o4, o5, o6, o7) = butterflySIMD(w0, w1, w2, w3, w4, w5, w6, w7, shift: constBits &+ pass1Bits &+ 3)
        // o_k holds column k of the output, lane j = row j: transpose back to rows.
        transpose(&o0, &o1, &o2, &o3, &o4, &o5, &o6, &o7)
        let center = Lanes(repeating: 128)
        @inline(__always) func store(_ v: Lanes, _ r: Int) {
            UnsafeMutableRawPointer(out + r &* stride).storeBytes(of: narrow(clampToByte(v &+ center)), as: SIMD8<UInt8>.self)
        }
        store(o0, 0); store(o1, 1); store(o2, 2); store(o3, 3)
        store(o4, 4); store(o5, 5); store(o6, 6); store(o7, 7)
    }

    /// A block whose only nonzero coefficient is the (dequantized) DC: a flat 8×8 square.
    @inline(__always)
    static func transformDC(_ dc: Int32, _ out: UnsafeMutablePointer<UInt8>, _ stride: Int) {
        let v = clamp(descale(dc &<< pass1Bits, pass1Bits &+ 3))
        let bytes = SIMD8<UInt8>(repeating: v)
        for r in 0..<8 { UnsafeMutableRawPointer(out + r &* stride).storeBytes(of: bytes, as: SIMD8<UInt8>.self) }
    }

    /// Eight bytes as Int32 lanes (spelled out: the stdlib's generic
    /// `SIMD8<Int32>(truncatingIfNeeded:)` is an out-of-line call).
    @inline(__always)
    static func widen(_ p: UnsafePointer<UInt8>) -> Lanes {
        Lanes(Int32(p[0]), Int32(p[1]), Int32(p[2]), Int32(p[3]), Int32(p[4]), Int32(p[5]), Int32(p[6]), Int32(p[7]))
    }

    /// The low byte of each lane.
    @inline(__always)
    static func narrow(_ v: Lanes) -> SIMD8<UInt8> {
        SIMD8<UInt8>(UInt8(truncatingIfNeeded: v[0]), UInt8(truncatingIfNeeded: v[1]), UInt8(truncatingIfNeeded: v[2]), UInt8(truncatingIfNeeded: v[3]),
                     UInt8(truncatingIfNeeded: v[4]), UInt8(truncatingIfNeeded: v[5]), UInt8(truncatingIfNeeded: v[6]), UInt8(truncatingIfNeeded: v[7]))
    }

    /// Lanes clamped to 0…255, with shifts and masks only (the stdlib's `clamped`,
    /// `pointwiseMin` and `replacing(with:where:)` become calls or per-lane branches
    /// on SSE2): `v & ~(v >> 31)` zeroes negatives, then `| ((255 − v) >> 31)`
    /// saturates values above 255 to all ones, and `& 255` keeps the byte.
    @inline(__always)
    static func clampToByte(_ v: Lanes) -> Lanes {
        let nonNegative = v & ~(v &>> 31)
        return (nonNegative | ((Lanes(repeating: 255) &- nonNegative) &>> 31)) & Lanes(repeating: 255)
    }

    @inline(__always)
    static func transpose(_ a: inout Lanes, _ b: inout Lanes, _ c: inout Lanes, _ d: inout Lanes,
                          _ e: inout Lanes, _ f: inout Lanes, _ g: inout Lanes, _ h: inout Lanes) {
        let t0 = Lanes(a[0], b[0], c[0], d[0], e[0], f[0], g[0], h[0])
        let t1 = Lanes(a[1], b[1], c[1], d[1], e[1], f[1], g[1], h[1])
        let t2 = Lanes(a[2], b[2], c[2], d[2], e[2], f[2], g[2], h[2])
        let t3 = Lanes(a[3], b[3], c[3], d[3], e[3], f[3], g[3], h[3])
        let t4 = Lanes(a[4], b[4], c[4], d[4], e[4], f[4], g[4], h[4])
        let t5 = Lanes(a[5], b[5], c[5], d[5], e[5], f[5], g[5], h[5])
        let t6 = Lanes(a[6], b[6], c[6], d[6], e[6], f[6], g[6], h[6])
        let t7 = Lanes(a[7], b[7], c[7], d[7], e[7], f[7], g[7], h[7])
        (a, b, c, d, e, f, g, h) = (t0, t1, t2, t3, t4, t5, t6, t7)
    }

    @inline(__always)
    static func descale(_ x: Lanes, _ n: Int32) -> Lanes {
        (x &+ Lanes(repeating: Int32(1) &<< (n &- 1))) &>> Lanes(repeating: n)
    }

    /// ``butterfly(_:_:_:_:_:_:_:_:shift:_:)`` on vectors.
    @inline(__always)
    static func butterflySIMD(_ x0: Lanes, _ x1: Lanes, _ x2: Lanes, _ x3: Lanes, _ x4: Lanes, _ x5: Lanes, _ x6: Lanes, _ x7: Lanes,
                              shift: Int32) -> (Lanes, Lanes, Lanes, Lanes, Lanes, Lanes, Lanes, Lanes) {
        let z1e = (x2 &+ x6) &* fix_0_541196100
        let tmp2e = z1e &+ x6 &* (0 &- fix_1_847759065)
        let tmp3e = z1e &+ x2 &* fix_0_765366865
        let tmp0e = (x0 &+ x4) &<< constBits
        let tmp1e = (x0 &- x4) &<< constBits
        let tmp10 = tmp0e &+ tmp3e, tmp13 = tmp0e &- tmp3e
        let tmp11 = tmp1e &+ tmp2e, tmp12 = tmp1e &- tmp2e
        let z1 = x7 &+ x1, z2 = x5 &+ x3, z3 = x7 &+ x3, z4 = x5 &+ x1
        let z5 = (z3 &+ z4) &* fix_1_175875602
        let m1 = z1 &* (0 &- fix_0_899976223)
        let m2 = z2 &* (0 &- fix_2_562915447)
        let m3 = z3 &* (0 &- fix_1_961570560) &+ z5
        let m4 = z4 &* (0 &- fix_0_390180644) &+ z5
        let tmp0 = x7 &* fix_0_298631336 &+ m1 &+ m3
        let tmp1 = x5 &* fix_2_053119869 &+ m2 &+ m4
        let tmp2 = x3 &* fix_3_072711026 &+ m2 &+ m3
        let tmp3 = x1 &* fix_1_501321110 &+ m1 &+ m4
        return (descale(tmp10 &+ tmp3, shift), descale(tmp11 &+ tmp2, shift), descale(tmp12 &+ tmp1, shift), descale(tmp13 &+ tmp0, shift),
                descale(tmp13 &- tmp0, shift), descale(tmp12 &- tmp1, shift), descale(tmp11 &- tmp2, shift), descale(tmp10 &- tmp3, shift))
    }
}
