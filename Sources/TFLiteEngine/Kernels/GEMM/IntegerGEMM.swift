/// Register-blocked int8/uint8 GEMM on integer multiply-add, exact:
/// C[mr × nr] (Int32) = A[mr × K] · B[K × nr]. Two forms:
///
/// **Pairs** (`IntegerSIMD.multiplyAddPairs`: `vpmaddwd` in the AVX2
/// flavours), 16 columns:
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
///
/// **Quads** (`IntegerSIMD.dotBytes`: `vpdpbusd` in the AVX-512 VNNI
/// flavour; int8 only), 32 columns: A rows are unsigned bytes `x + 128`
/// (padding taps `zeroPoint + 128`), B int8 weights `[K/4][32][4]`; the
/// caller adds `(inputOffset − 128) · Σ_k w` per column, which turns
/// Σ (x + 128)·w into the reference's Σ (x + inputOffset)·w (a ring identity
/// in wrapping Int32, so exact for any K).
enum IntegerGEMM {
    /// Rows per micro-tile (six in every flavour: `Accumulators` holds six
    /// rows of Int32 vectors; the exact-float path's micro-kernel runs on
    /// `SixRows`).
    static let mr = SixRows.count
    /// Columns per packed panel: two vectors of 8 Int32 accumulators.
    static let nr = 16

    /// Six rows: `a` holds the six A rows at stride `lda` Int16 values,
    /// `pairs` = K/2 (rounded up); returns the 6 × 16 Int32 block in registers.
    @_transparent
    static func microKernel<E: PackedWeightElement>(
        _: E.Type, pairs: Int, a: UnsafePointer<Int16>, lda: Int, b: UnsafeRawPointer
    ) -> Accumulators {
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
        return Accumulators(c00: c00, c01: c01, c10: c10, c11: c11, c20: c20, c21: c21,
                            c30: c30, c31: c31, c40: c40, c41: c41, c50: c50, c51: c51)
    }

    /// A 6 × 16 block of Int32 sums: row r is `cr0` (columns 0..<8), `cr1` (8..<16).
    struct Accumulators {
        var c00: SIMD8<Int32>, c01: SIMD8<Int32>, c10: SIMD8<Int32>, c11: SIMD8<Int32>, c20: SIMD8<Int32>, c21: SIMD8<Int32>
        var c30: SIMD8<Int32>, c31: SIMD8<Int32>, c40: SIMD8<Int32>, c41: SIMD8<Int32>, c50: SIMD8<Int32>, c51: SIMD8<Int32>

        /// Row-major into `c` (row stride 16).
        @_transparent
        func store(to c: UnsafeMutablePointer<Int32>) {
            typealias V = SIMD8<Int32>
            let out = UnsafeMutableRawPointer(c)
            out.storeBytes(of: c00, as: V.self); out.storeBytes(of: c01, toByteOffset: 32, as: V.self)
            out.storeBytes(of: c10, toByteOffset: 64, as: V.self); out.storeBytes(of: c11, toByteOffset: 96, as: V.self)
            out.storeBytes(of: c20, toByteOffset: 128, as: V.self); out.storeBytes(of: c21, toByteOffset: 160, as: V.self)
            out.storeBytes(of: c30, toByteOffset: 192, as: V.self); out.storeBytes(of: c31, toByteOffset: 224, as: V.self)
            out.storeBytes(of: c40, toByteOffset: 256, as: V.self); out.storeBytes(of: c41, toByteOffset: 288, as: V.self)
            out.storeBytes(of: c50, toByteOffset: 320, as: V.self); out.storeBytes(of: c51, toByteOffset: 352, as: V.self)
        }
    }

    /// One row (fully connected with batch 1, the last row of an M edge):
    /// even and odd steps go to separate accumulators so four chains are in
    /// flight; returns the 16 Int32 sums (columns 0..<8, 8..<16).
    @_transparent
    static func microKernel1<E: PackedWeightElement>(
        _: E.Type, pairs: Int, a: UnsafePointer<Int16>, b: UnsafeRawPointer
    ) -> (SIMD8<Int32>, SIMD8<Int32>) {
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
        return (c0 &+ d0, c1 &+ d1)
    }

    // MARK: Four-byte dot products (`IntegerSIMD.dotBytes`: `vpdpbusd`, AVX-512 VNNI)

    /// Columns per packed panel of the four-byte kernels: two vectors of 16 Int32.
    static let quadColumns = 32

    /// Six rows of unsigned bytes (`x + 128` of int8 inputs) at stride `lda`
    /// bytes, `quads` = K/4 (rounded up); B one panel `[K/4][32][4]` of int8
    /// weights (`[K/4][16][4]` for a `NarrowPanel`: the last panel of at most
    /// 16 columns, whose second half stays 0). Returns the 6 × 32 Int32 block
    /// Σ (x + 128)·w in registers. Each lane adds four products of at most
    /// 255·128 to a wrapping Int32, like the reference's accumulator. With
    /// `ahead`, each step also asks L2 for the line at `ahead`, then
    /// `aheadStride` bytes further (as `FloatGEMM.microKernel`).
    @_transparent
    static func quadMicroKernel<Shape: GEMMPanelShape>(
        _ shape: Shape.Type, quads: Int, a: UnsafePointer<UInt8>, lda: Int, b: UnsafeRawPointer,
        ahead: UnsafeRawPointer? = nil, aheadStride: Int = 0
    ) -> QuadAccumulators {
        quadMicroKernel(shape, rows: (UnsafeRawPointer(a), UnsafeRawPointer(a + lda), UnsafeRawPointer(a + 2 &* lda),
                                      UnsafeRawPointer(a + 3 &* lda), UnsafeRawPointer(a + 4 &* lda), UnsafeRawPointer(a + 5 &* lda)),
                        filterRows: 1, quadsPerRow: quads, rowBytes: 0, b: b, ahead: ahead, aheadStride: aheadStride)
    }

    /// The direct form's four-byte kernel (`InputPlaneConvolution` with
    /// quads): six pixels whose first taps are at plane bytes `offsets[0..<6]`,
    /// `filterRows` filter rows `rowBytes` apart of `quadsPerRow` quads each;
    /// `b` one panel `[filterRows][quadsPerRow][32][4]` (`[…][16][4]` narrow);
    /// `ahead` as in `quadMicroKernel`.
    @_transparent
    static func directQuadMicroKernel<Shape: GEMMPanelShape>(
        _ shape: Shape.Type, plane: UnsafeRawPointer, offsets: UnsafePointer<Int>, filterRows: Int, quadsPerRow: Int,
        rowBytes: Int, b: UnsafeRawPointer, ahead: UnsafeRawPointer?, aheadStride: Int
    ) -> QuadAccumulators {
        quadMicroKernel(shape, rows: (plane + offsets[0], plane + offsets[1], plane + offsets[2],
                                      plane + offsets[3], plane + offsets[4], plane + offsets[5]),
                        filterRows: filterRows, quadsPerRow: quadsPerRow, rowBytes: rowBytes, b: b,
                        ahead: ahead, aheadStride: aheadStride)
    }

    /// Both forms' loop: six rows of A from `rows`, quad q of filter row fy
    /// at byte `fy · rowBytes + 4q` of each (the GEMM: one filter row).
    @_transparent
    static func quadMicroKernel<Shape: GEMMPanelShape>(
        _: Shape.Type, rows: (UnsafeRawPointer, UnsafeRawPointer, UnsafeRawPointer, UnsafeRawPointer, UnsafeRawPointer, UnsafeRawPointer),
        filterRows: Int, quadsPerRow: Int, rowBytes: Int, b: UnsafeRawPointer,
        ahead: UnsafeRawPointer? = nil, aheadStride: Int = 0
    ) -> QuadAccumulators {
        typealias V = SIMD16<Int32>
        let wide = Shape.wide, step = wide ? 128 : 64
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        let (a0, a1, a2, a3, a4, a5) = rows
        var bp = b
        let prefetching = ahead != nil
        var pf = ahead ?? b
        var rowOffset = 0
        for _ in 0..<filterRows {
            var offset = rowOffset
            for _ in 0..<quadsPerRow {
                if prefetching {
                    CacheHint.prefetchIntoL2(pf)
                    pf += aheadStride
                }
                let b0 = bp.loadUnaligned(as: V.self)
                if wide {
                    let b1 = bp.loadUnaligned(fromByteOffset: 64, as: V.self)
                    var av = broadcastQuad(a0, offset)
                    c00 = IntegerSIMD.dotBytes(c00, av, b0); c01 = IntegerSIMD.dotBytes(c01, av, b1)
                    av = broadcastQuad(a1, offset)
                    c10 = IntegerSIMD.dotBytes(c10, av, b0); c11 = IntegerSIMD.dotBytes(c11, av, b1)
                    av = broadcastQuad(a2, offset)
                    c20 = IntegerSIMD.dotBytes(c20, av, b0); c21 = IntegerSIMD.dotBytes(c21, av, b1)
                    av = broadcastQuad(a3, offset)
                    c30 = IntegerSIMD.dotBytes(c30, av, b0); c31 = IntegerSIMD.dotBytes(c31, av, b1)
                    av = broadcastQuad(a4, offset)
                    c40 = IntegerSIMD.dotBytes(c40, av, b0); c41 = IntegerSIMD.dotBytes(c41, av, b1)
                    av = broadcastQuad(a5, offset)
                    c50 = IntegerSIMD.dotBytes(c50, av, b0); c51 = IntegerSIMD.dotBytes(c51, av, b1)
                } else {
                    c00 = IntegerSIMD.dotBytes(c00, broadcastQuad(a0, offset), b0)
                    c10 = IntegerSIMD.dotBytes(c10, broadcastQuad(a1, offset), b0)
                    c20 = IntegerSIMD.dotBytes(c20, broadcastQuad(a2, offset), b0)
                    c30 = IntegerSIMD.dotBytes(c30, broadcastQuad(a3, offset), b0)
                    c40 = IntegerSIMD.dotBytes(c40, broadcastQuad(a4, offset), b0)
                    c50 = IntegerSIMD.dotBytes(c50, broadcastQuad(a5, offset), b0)
                }
                bp += step
                offset &+= 4
            }
            rowOffset &+= rowBytes
        }
        return QuadAccumulators(c00: c00, c01: c01, c10: c10, c11: c11, c20: c20, c21: c21,
                                c30: c30, c31: c31, c40: c40, c41: c41, c50: c50, c51: c51)
    }

    /// A 6 × 32 block of Int32 sums: row r is `cr0` (columns 0..<16), `cr1` (16..<32).
    struct QuadAccumulators {
        var c00: SIMD16<Int32>, c01: SIMD16<Int32>, c10: SIMD16<Int32>, c11: SIMD16<Int32>, c20: SIMD16<Int32>, c21: SIMD16<Int32>
        var c30: SIMD16<Int32>, c31: SIMD16<Int32>, c40: SIMD16<Int32>, c41: SIMD16<Int32>, c50: SIMD16<Int32>, c51: SIMD16<Int32>

        /// Columns 0..<16 as the pairs kernel's 6 × 16 block, plus `add` in every row.
        @_transparent
        func firstHalf(adding add: SIMD16<Int32>) -> Accumulators {
            Self.split(c00 &+ add, c10 &+ add, c20 &+ add, c30 &+ add, c40 &+ add, c50 &+ add)
        }

        /// Columns 16..<32 as the pairs kernel's 6 × 16 block, plus `add` in every row.
        @_transparent
        func secondHalf(adding add: SIMD16<Int32>) -> Accumulators {
            Self.split(c01 &+ add, c11 &+ add, c21 &+ add, c31 &+ add, c41 &+ add, c51 &+ add)
        }

        @_transparent
        static func split(_ r0: SIMD16<Int32>, _ r1: SIMD16<Int32>, _ r2: SIMD16<Int32>, _ r3: SIMD16<Int32>,
                          _ r4: SIMD16<Int32>, _ r5: SIMD16<Int32>) -> Accumulators {
            // (`IntegerSIMD.halves`: `lowHalf` and `highHalf` stayed calls.)
            let (c00, c01) = IntegerSIMD.halves(r0), (c10, c11) = IntegerSIMD.halves(r1), (c20, c21) = IntegerSIMD.halves(r2)
            let (c30, c31) = IntegerSIMD.halves(r3), (c40, c41) = IntegerSIMD.halves(r4), (c50, c51) = IntegerSIMD.halves(r5)
            return Accumulators(c00: c00, c01: c01, c10: c10, c11: c11, c20: c20, c21: c21, c30: c30, c31: c31, c40: c40, c41: c41,
                                c50: c50, c51: c51)
        }
    }

}

extension IntegerGEMM.QuadAccumulators {
    /// One row in every row (a micro-tile of one row: only row 0 is stored).
    /// (In an extension, so the struct keeps its memberwise initializer.)
    @_transparent
    init(row c0: SIMD16<Int32>, _ c1: SIMD16<Int32>) {
        self.init(c00: c0, c01: c1, c10: c0, c11: c1, c20: c0, c21: c1, c30: c0, c31: c1, c40: c0, c41: c1, c50: c0, c51: c1)
    }
}

extension IntegerGEMM {
    /// One row of the four-byte kernel (`Shape` as in `quadMicroKernel`);
    /// even and odd steps in separate accumulators. Returns its 32 Int32
    /// sums (columns 0..<16, 16..<32).
    @_transparent
    static func quadMicroKernel1<Shape: GEMMPanelShape>(
        _: Shape.Type, quads: Int, a: UnsafePointer<UInt8>, b: UnsafeRawPointer
    ) -> (SIMD16<Int32>, SIMD16<Int32>) {
        typealias V = SIMD16<Int32>
        let wide = Shape.wide, step = wide ? 128 : 64
        var c0 = V(), c1 = V(), d0 = V(), d1 = V()
        let a0 = UnsafeRawPointer(a)
        var bp = b
        var offset = 0
        for _ in 0..<(quads / 2) {
            let x = broadcastQuad(a0, offset), y = broadcastQuad(a0, offset &+ 4)
            c0 = IntegerSIMD.dotBytes(c0, x, bp.loadUnaligned(as: V.self))
            d0 = IntegerSIMD.dotBytes(d0, y, bp.loadUnaligned(fromByteOffset: step, as: V.self))
            if wide {
                c1 = IntegerSIMD.dotBytes(c1, x, bp.loadUnaligned(fromByteOffset: 64, as: V.self))
                d1 = IntegerSIMD.dotBytes(d1, y, bp.loadUnaligned(fromByteOffset: step &+ 64, as: V.self))
            }
            bp += 2 &* step
            offset &+= 8
        }
        if quads & 1 != 0 {
            let x = broadcastQuad(a0, offset)
            c0 = IntegerSIMD.dotBytes(c0, x, bp.loadUnaligned(as: V.self))
            if wide { c1 = IntegerSIMD.dotBytes(c1, x, bp.loadUnaligned(fromByteOffset: 64, as: V.self)) }
        }
        return (c0 &+ d0, c1 &+ d1)
    }

    /// The four bytes at `offset` of `row`, in every Int32 lane.
    @_transparent
    static func broadcastQuad(_ row: UnsafeRawPointer, _ offset: Int) -> SIMD16<Int32> {
        SIMD16<Int32>(repeating: row.loadUnaligned(fromByteOffset: offset, as: Int32.self))
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
