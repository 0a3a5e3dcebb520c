/// Register-blocked int8/uint8 GEMM on integer multiply-add of int16 pairs
/// (`IntegerSIMD.multiplyAddPairs`: `vpmaddwd` in the AVX2 flavours):
/// C[mr × 16] (Int32) = A[mr × K] · B[K × 16], exact.
///
/// - A rows are int16 values `x + inputOffset` (in [−255, 255]), K padded to
///   an even count with zeros; each step broadcasts one pair (k, k+1) of a
///   row as one Int32.
/// - B is one packed panel of bytes `[K/2][16][2]` (`PackedQuantizedWeights`,
///   pair-interleaved): 32 bytes per step, widened on load (sign-extended for
///   int8, zero-extended for uint8: raw weights, the filter offset is applied
///   by the caller through row sums).
/// - Every pair sum is at most 2·255·255 < 2^31 and the accumulators add in
///   wrapping Int32, as the reference's int32 accumulator does, so the result
///   is bit-identical for any K.
enum IntegerGEMM {
    /// Rows per micro-tile (the same as the float GEMM's, so both share `GEMMTiling`).
    static var mr: Int { FloatGEMM.mr }
    /// Columns per packed panel: two vectors of 8 Int32 accumulators.
    static let nr = 16

    /// Six rows: `a` holds the six A rows at stride `lda` Int16 values,
    /// `pairs` = K/2 (rounded up); writes the 6 × 16 Int32 block to `c` (row
    /// stride 16).
    @_transparent
    static func microKernel<E: PackedWeightElement>(
        _: E.Type, pairs: Int, a: UnsafePointer<Int16>, lda: Int, b: UnsafeRawPointer, c: UnsafeMutablePointer<Int32>
    ) {
        typealias V = SIMD8<Int32>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        let a0 = UnsafeRawPointer(a), a1 = UnsafeRawPointer(a + lda), a2 = UnsafeRawPointer(a + 2 &* lda)
        let a3 = UnsafeRawPointer(a + 3 &* lda), a4 = UnsafeRawPointer(a + 4 &* lda), a5 = UnsafeRawPointer(a + 5 &* lda)
        var bp = b
        var offset = 0
        for _ in 0..<pairs {
            let b0 = E.widen16(bp), b1 = E.widen16(bp + 16)
            var av = broadcastPair(a0, offset)
            c00 &+= IntegerSIMD.multiplyAddPairs(av, b0); c01 &+= IntegerSIMD.multiplyAddPairs(av, b1)
            av = broadcastPair(a1, offset)
            c10 &+= IntegerSIMD.multiplyAddPairs(av, b0); c11 &+= IntegerSIMD.multiplyAddPairs(av, b1)
            av = broadcastPair(a2, offset)
            c20 &+= IntegerSIMD.multiplyAddPairs(av, b0); c21 &+= IntegerSIMD.multiplyAddPairs(av, b1)
            av = broadcastPair(a3, offset)
            c30 &+= IntegerSIMD.multiplyAddPairs(av, b0); c31 &+= IntegerSIMD.multiplyAddPairs(av, b1)
            av = broadcastPair(a4, offset)
            c40 &+= IntegerSIMD.multiplyAddPairs(av, b0); c41 &+= IntegerSIMD.multiplyAddPairs(av, b1)
            av = broadcastPair(a5, offset)
            c50 &+= IntegerSIMD.multiplyAddPairs(av, b0); c51 &+= IntegerSIMD.multiplyAddPairs(av, b1)
            bp += 32
            offset &+= 4
        }
        let out = UnsafeMutableRawPointer(c)
        out.storeBytes(of: c00, as: V.self); out.storeBytes(of: c01, toByteOffset: 32, as: V.self)
        out.storeBytes(of: c10, toByteOffset: 64, as: V.self); out.storeBytes(of: c11, toByteOffset: 96, as: V.self)
        out.storeBytes(of: c20, toByteOffset: 128, as: V.self); out.storeBytes(of: c21, toByteOffset: 160, as: V.self)
        out.storeBytes(of: c30, toByteOffset: 192, as: V.self); out.storeBytes(of: c31, toByteOffset: 224, as: V.self)
        out.storeBytes(of: c40, toByteOffset: 256, as: V.self); out.storeBytes(of: c41, toByteOffset: 288, as: V.self)
        out.storeBytes(of: c50, toByteOffset: 320, as: V.self); out.storeBytes(of: c51, toByteOffset: 352, as: V.self)
    }

    /// One row (fully connected with batch 1, the last row of an M edge):
    /// even and odd steps go to separate accumulators so four chains are in
    /// flight; writes 16 Int32 to `c`.
    @_transparent
    static func microKernel1<E: PackedWeightElement>(
        _: E.Type, pairs: Int, a: UnsafePointer<Int16>, b: UnsafeRawPointer, c: UnsafeMutablePointer<Int32>
    ) {
        typealias V = SIMD8<Int32>
        var c0 = V(), c1 = V(), d0 = V(), d1 = V()
        let a0 = UnsafeRawPointer(a)
        var bp = b
        var offset = 0
        for _ in 0..<(pairs / 2) {
            let x = broadcastPair(a0, offset), y = broadcastPair(a0, offset &+ 4)
            c0 &+= IntegerSIMD.multiplyAddPairs(x, E.widen16(bp))
            c1 &+= IntegerSIMD.multiplyAddPairs(x, E.widen16(bp + 16))
            d0 &+= IntegerSIMD.multiplyAddPairs(y, E.widen16(bp + 32))
            d1 &+= IntegerSIMD.multiplyAddPairs(y, E.widen16(bp + 48))
            bp += 64
            offset &+= 8
        }
        if pairs & 1 != 0 {
            let x = broadcastPair(a0, offset)
            c0 &+= IntegerSIMD.multiplyAddPairs(x, E.widen16(bp))
            c1 &+= IntegerSIMD.multiplyAddPairs(x, E.widen16(bp + 16))
        }
        let out = UnsafeMutableRawPointer(c)
        out.storeBytes(of: c0 &+ d0, as: V.self)
        out.storeBytes(of: c1 &+ d1, toByteOffset: 32, as: V.self)
    }

    /// The Int16 pair at byte `offset` of `row`, in every Int32 lane.
    @_transparent
    static func broadcastPair(_ row: UnsafeRawPointer, _ offset: Int) -> SIMD16<Int16> {
        unsafeBitCast(SIMD8<Int32>(repeating: row.loadUnaligned(fromByteOffset: offset, as: Int32.self)), to: SIMD16<Int16>.self)
    }
}

/// Packed weight bytes widened to Int16 lanes (sign- or zero-extended).
protocol PackedWeightElement: QuantizedElement {
    /// 16 bytes at `p` widened to Int16.
    static func widen16(_ p: UnsafeRawPointer) -> SIMD16<Int16>
}

extension Int8: PackedWeightElement {
    @_transparent
    static func widen16(_ p: UnsafeRawPointer) -> SIMD16<Int16> { IntegerSIMD.widen(p.loadUnaligned(as: SIMD16<Int8>.self)) }
}

extension UInt8: PackedWeightElement {
    @_transparent
    static func widen16(_ p: UnsafeRawPointer) -> SIMD16<Int16> { IntegerSIMD.widen(p.loadUnaligned(as: SIMD16<UInt8>.self)) }
}
