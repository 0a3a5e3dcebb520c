/// A 256-entry byte table looked up 32 bytes at a time with `vpshufb`, for
/// the integer flavours without the 256-entry byte permute of AVX-512 VBMI
/// (`IntegerSIMD.hasByteLookup`): AVX2's byte shuffle picks from one
/// 16-byte segment, so a lookup takes sixteen shuffles, one per segment,
/// each `vpshufb`, `vpaddusb` and `vpxor` on the whole vector.
///
/// The table is kept as segment differences (`differences`): in each half
/// (entries 0..<128 and 128..<256) segment k holds entries k ⊕ entries k+1,
/// the half's last segment its own entries. Step h of a half shuffles
/// segment h by the byte plus 0x70 − 16h, saturated: that index keeps the
/// byte's low nibble and has its top bit clear, so the shuffle reads the
/// segment rather than giving 0, exactly where the byte is at most
/// 16h + 15; the eight steps' results xored together then telescope to the
/// byte's own segment. The upper half runs the same steps on the byte with
/// its top bit flipped, which puts the lower half's bytes at 128 and above,
/// beyond every step. (One masked shuffle per segment instead, an xor or a
/// compare to select it: four instructions a segment, not three.)
///
/// Against the loop that inserts one entry per byte (`QuantizedLookup.lookup`'s
/// sixteen-byte step), ConvNeXt-Tiny int8's 18 GELUs (8.6 M elements) took
/// 1.23 ms where they took 1.66 (5.2 → 7.0 G elements/s), its 23
/// SQUARED_DIFFERENCEs by a value per pixel (`PixelRows`) 0.73 ms where
/// they took 1.30 (node minima, AMD Zen 3).
enum SegmentedByteLookup {
    /// Whether the kernels use it: the integer flavours without the VBMI lookup.
    static var applies: Bool { IntegerSIMD.isNative && !IntegerSIMD.hasByteLookup }

    /// The segment differences of the 256-entry table `entry` (by index) into `output` (256 bytes).
    @inline(__always)
    static func differences(_ entry: (Int) -> UInt8, into output: UnsafeMutablePointer<UInt8>) {
        for i in 0..<256 { output[i] = i & 0x70 != 0x70 ? entry(i) ^ entry(i &+ 16) : entry(i) }
    }

    /// The segment differences of the 256 entries at `table`, newly allocated
    /// (the caller deallocates them), where the kernels use them; else nil.
    static func differencesIfApplied(_ table: UnsafePointer<UInt8>) -> UnsafeMutablePointer<UInt8>? {
        guard applies else { return nil }
        let segments = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        differences({ table[$0] }, into: segments)
        return segments
    }

    /// The segment differences of a 256-entry table (missing entries 0).
    static func differences(of table: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 256) { buffer, count in
            differences({ $0 < table.count ? table[$0] : 0 }, into: buffer.baseAddress.unsafelyUnwrapped)
            count = 256
        }
    }

    /// The entries of the 32 bytes `x` in the table whose segment
    /// differences are at `segments` (256 bytes).
    @inline(__always)
    static func lookup(_ x: SIMD32<UInt8>, _ segments: UnsafeRawPointer) -> SIMD32<UInt8> {
        // (Xors on 64-bit lanes: SIMD32<UInt8>'s operators are lane loops.)
        typealias Words = SIMD4<UInt64>
        let flipped = unsafeBitCast(unsafeBitCast(x, to: Words.self) ^ Words(repeating: 0x8080_8080_8080_8080), to: SIMD32<UInt8>.self)
        var r = Words()
        @inline(__always) func step(_ h: Int) {
            let index = SIMD32<UInt8>(repeating: 0x70 &- UInt8(truncatingIfNeeded: h &<< 4))
            let low = segments.loadUnaligned(fromByteOffset: h &<< 4, as: SIMD16<UInt8>.self)
            let high = segments.loadUnaligned(fromByteOffset: 128 &+ h &<< 4, as: SIMD16<UInt8>.self)
            r ^= unsafeBitCast(IntegerSIMD.shuffleBytesInHalves(IntegerSIMD.twice(low), IntegerSIMD.addingSaturating(x, index)), to: Words.self)
            r ^= unsafeBitCast(IntegerSIMD.shuffleBytesInHalves(IntegerSIMD.twice(high), IntegerSIMD.addingSaturating(flipped, index)),
                               to: Words.self)
        }
        step(0); step(1); step(2); step(3); step(4); step(5); step(6); step(7)
        return unsafeBitCast(r, to: SIMD32<UInt8>.self)
    }
}
