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
