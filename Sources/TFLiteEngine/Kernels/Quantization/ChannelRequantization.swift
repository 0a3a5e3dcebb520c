/// The output stage of the fast quantized convolution-like kernels:
/// `clamp(zp_out + MultiplyByQuantizedMultiplier(acc + bias, m[c], shift[c]))`
/// for a run of output channels, bit-identical to
/// `FixedPoint.multiplyByQuantizedMultiplier`.
///
/// Each channel's multiplier and shift become the constants of one
/// multiply-add-shift (`Tables`), and the loops are written without branches
/// over memory, which the optimiser vectorises (64-bit lane products,
/// variable lane shifts); the scalar `FixedPoint` functions stay the reference.
final class ChannelRequantization: @unchecked Sendable {
    let channels: Int
    let outputOffset: Int32
    let activationMin: Int32
    let activationMax: Int32
    /// The per-channel constants of `scale` (see `Tables`).
    let tables: Tables

    /// Constant biases folded in at prepare (`constantBias`), zero past the
    /// channels; nil when the bias is read at run time.
    let biases: UnsafeMutablePointer<Int32>?

    /// `paddedTo`: the tables are zero-padded to a multiple of this many
    /// channels, so whole panels can be processed with fixed-length loops.
    init(_ q: ConvolutionQuantization, paddedTo width: Int = 1, constantBias: UnsafePointer<Int32>? = nil) {
        channels = q.multipliers.count
        outputOffset = q.outputOffset
        activationMin = q.activationMin
        activationMax = q.activationMax
        let w = max(width, 1)
        let n = max((channels + w - 1) / w * w, 1)
        tables = Tables(count: n)
        for c in 0..<n {
            tables.set(c, multiplier: c < channels ? q.multipliers[c] : 0, shift: c < channels ? q.shifts[c] : 0,
                       singleRounding: q.rounding == .single)
        }
        if let constantBias {
            let b = UnsafeMutablePointer<Int32>.allocate(capacity: n)
            for c in 0..<n { b[c] = c < channels ? constantBias[c] : 0 }
            biases = b
        } else {
            biases = nil
        }
    }

    deinit {
        tables.deallocate()
        biases?.deallocate()
    }

    /// Requantizes `count` accumulators of channels `channel..<channel+count`
    /// (plus their biases when `bias` is given) into `output`.
    @inline(__always)
    func apply<E: QuantizedElement>(
        _ acc: UnsafePointer<Int32>, bias: UnsafePointer<Int32>?, channel: Int, count: Int,
        into output: UnsafeMutablePointer<E>
    ) {
        row(acc, bias: bias.map { $0 + channel }, tables.offset(by: channel), count: count, into: output)
    }

    /// Requantizes a block of `rows` × `width` accumulators (row stride
    /// `width`: one GEMM panel, `Shape.columns`)
    /// for channels `channel..<channel+width`, with the folded constant biases
    /// (or none), into `output` (row stride `outputStride`). The width is a
    /// compile-time constant of each specialisation, so the loops run without
    /// remainders; the tables must be padded to it (`paddedTo`).
    @inline(__always)
    func applyBlock<E: QuantizedElement, Shape: GEMMPanelShape>(
        _ acc: UnsafePointer<Int32>, rows: Int, panel: Shape.Type, channel: Int,
        into output: UnsafeMutablePointer<E>, outputStride: Int
    ) {
        let width = Shape.columns
        let t = tables.offset(by: channel), b = biases.map { UnsafePointer($0 + channel) }
        for r in 0..<rows {
            row(acc + r &* width, bias: b, t, count: width, into: output + r &* outputStride)
        }
    }

    /// One run of `count` channels starting at the tables' first entry.
    @inline(__always)
    private func row<E: QuantizedElement>(
        _ acc: UnsafePointer<Int32>, bias: UnsafePointer<Int32>?, _ t: Tables, count: Int,
        into output: UnsafeMutablePointer<E>
    ) {
        let zp = outputOffset, lo = activationMin, hi = activationMax
        if IntegerSIMD.isNative && t.vectorAligned {
            // Eight channels per step (`Tables.scale8`), then the remainder one by one.
            let zpv = SIMD8<Int32>(repeating: zp), lov = SIMD8<Int32>(repeating: lo), hiv = SIMD8<Int32>(repeating: hi)
            let accRaw = UnsafeRawPointer(acc), out = UnsafeMutableRawPointer(output)
            var c = 0
            while c &+ 8 <= count {
                var x = accRaw.loadUnaligned(fromByteOffset: c &* 4, as: SIMD8<Int32>.self)
                if let bias { x &+= UnsafeRawPointer(bias).loadUnaligned(fromByteOffset: c &* 4, as: SIMD8<Int32>.self) }
                var v = t.scale8(x, c) &+ zpv
                v.replace(with: lov, where: v .< lov)
                v.replace(with: hiv, where: v .> hiv)
                out.storeBytes(of: IntegerSIMD.truncate(v), toByteOffset: c, as: SIMD8<UInt8>.self)
                c &+= 8
            }
            while c < count {
                let v = t.scale(acc[c] &+ (bias?[c] ?? 0), c) &+ zp
                output[c] = E(truncatingIfNeeded: min(max(v, lo), hi))
                c &+= 1
            }
            return
        }
        if let bias {
            for c in 0..<count {
                let v = t.scale(acc[c] &+ bias[c], c) &+ zp
                output[c] = E(truncatingIfNeeded: min(max(v, lo), hi))
            }
        } else {
            for c in 0..<count {
                let v = t.scale(acc[c], c) &+ zp
                output[c] = E(truncatingIfNeeded: min(max(v, lo), hi))
            }
        }
    }

    /// The output offset and activation bounds in the forms of the vector
    /// output stage (`Tables.requantize16x2`) for elements of type `E`.
    @inline(__always)
    func vectorStage<E: QuantizedElement>(_: E.Type) -> VectorStage {
        VectorStage(signed: E.self == Int8.self, zeroPoint: SIMD8(repeating: outputOffset),
                    low: SIMD32(repeating: UInt8(truncatingIfNeeded: activationMin)),
                    high: SIMD32(repeating: UInt8(truncatingIfNeeded: activationMax)))
    }

    /// Output offset and activation bounds as vectors: the bounds as the
    /// element's bytes (Int8 bit patterns when `signed`), compared as Int8 or UInt8.
    struct VectorStage {
        let signed: Bool
        let zeroPoint: SIMD8<Int32>
        let low: SIMD32<UInt8>, high: SIMD32<UInt8>
        /// Whether `low`…`high` (the same in every lane) is narrower than
        /// the element's range; where not, saturating to the element is the
        /// whole clamp.
        let narrowerThanElement: Bool

        init(signed: Bool, zeroPoint: SIMD8<Int32>, low: SIMD32<UInt8>, high: SIMD32<UInt8>) {
            self.signed = signed
            self.zeroPoint = zeroPoint
            self.low = low
            self.high = high
            narrowerThanElement = low[0] != (signed ? 0x80 : 0) || high[0] != (signed ? 0x7F : 0xFF)
        }

        /// `offsetBytes`' order where `a` and `b` each pack two 16-lane
        /// vectors (`IntegerSIMD.packSaturating`): four-byte run 4k + j of
        /// the packed bytes is lanes 4k…4k+3 of vector j (a's two, then
        /// b's), so this puts each vector's 16 bytes together, in order.
        @inline(__always)
        static var vectorOrder: SIMD16<Int32> { SIMD16(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15) }

        /// Int8 output bytes of results plus 128 in Int16 words (`a`, then
        /// `b`): saturated to 0…255 (`vpackuswb` zmm: per 128-bit lane k,
        /// the eight words of `a`'s lane k, then `b`'s), the four-byte runs
        /// put in `order` (`vpermd`), less 128 (the sign bits flipped),
        /// clamped where the activation is narrower than a byte. (The
        /// depthwise quad groups' store, the narrow int8 rows' stage.)
        @inline(__always)
        func offsetBytes(_ a: SIMD32<Int16>, _ b: SIMD32<Int16>, order: SIMD16<Int32>) -> SIMD64<UInt8> {
            let bytes = IntegerSIMD.flipSigns(IntegerSIMD.permute(IntegerSIMD.packSaturatingUnsigned(a, b), order))
            if !narrowerThanElement { return bytes }
            return IntegerSIMD.clampSigned(bytes, IntegerSIMD.twice(low), IntegerSIMD.twice(high))
        }
    }

    /// Per-channel constants of `MultiplyByQuantizedMultiplier(x, M, shift)`
    /// in a form with no data-dependent branches, which the optimiser
    /// vectorises (unsigned 32×32→64-bit lane products, variable 64-bit shifts).
    ///
    /// With x′ = x << left (wrapping, as TFLite), a = |x′|, t = 1 if x′ < 0:
    /// gemmlowp's rounding doubling high multiply is
    /// ⌊(a·M + 2^30 − t) / 2^31⌋ in magnitude (ties away from zero for
    /// positive products, toward zero for negative ones), and the rounding
    /// right shift by r ≥ 1 is ⌊(|y| + 2^(r−1)) / 2^r⌋ in magnitude (ties away
    /// from zero). Nested floors of non-negative values merge, so the result is
    /// ±⌊(a·M + 2^30 − t + [r ≥ 1]·2^(30+r)) / 2^(31+r)⌋: one product, one add,
    /// one shift. (M ∈ [2^30, 2^31) or 0, so gemmlowp's saturating case
    /// x′ = M = INT32_MIN cannot occur and the sum stays below 2^63.)
    ///
    /// The single rounding (`FixedPoint.multiplyByQuantizedMultiplierSingleRounding`)
    /// is ±⌊(a·M + 2^(30+r)) / 2^(31+r)⌋ for both signs. With the multiplier
    /// doubled it takes the same form: ⌊(a·2M + 2^(31+r) + 1 − t) / 2^(32+r)⌋
    /// is ⌊(a·M + 2^(30+r) + (1 − t)/2) / 2^(31+r)⌋, and the half never
    /// reaches the next multiple (2M < 2^32, so the lane products still fit).
    struct Tables {
        /// The left shifts, by channel.
        let leftShifts: UnsafeMutablePointer<Int32>
        /// The multipliers (doubled for the single rounding) as UInt32, by channel.
        let multipliers32: UnsafeMutablePointer<UInt32>
        /// The addends and right shifts of each group of eight channels in
        /// the order of `scale8`'s even and odd lanes
        /// `[c, c+2, c+4, c+6, c+1, c+3, c+5, c+7]` (`lane(_:)`); the scalar
        /// `scale` reads them there too, so each constant is kept once
        /// (24 bytes a channel; issue 14, peak RSS).
        let laneAddends: UnsafeMutablePointer<UInt64>
        let laneShifts: UnsafeMutablePointer<UInt64>
        /// The channel of the tables' storage that this view's entry 0 is
        /// (`offset(by:)`); the pointers above are the storage's.
        let start: Int
        /// Whether this view starts at a multiple of eight channels, where
        /// `scale8` can read the even/odd-lane tables.
        var vectorAligned: Bool { start & 7 == 0 }

        init(count: Int) {
            let padded = max((count + 7) / 8 * 8, 8)
            leftShifts = .allocate(capacity: padded)
            leftShifts.initialize(repeating: 0, count: padded)
            multipliers32 = .allocate(capacity: padded)
            multipliers32.initialize(repeating: 0, count: padded)
            laneAddends = .allocate(capacity: padded)
            // Entries never `set` act as multiplier 0 (result 0).
            laneAddends.initialize(repeating: 1 << 30, count: padded)
            laneShifts = .allocate(capacity: padded)
            laneShifts.initialize(repeating: 31, count: padded)
            start = 0
        }

        private init(_ base: Tables, start: Int) {
            leftShifts = base.leftShifts
            multipliers32 = base.multipliers32
            laneAddends = base.laneAddends
            laneShifts = base.laneShifts
            self.start = start
        }

        /// Where channel `c` of the storage sits in the lane-ordered tables.
        @inline(__always)
        static func lane(_ c: Int) -> Int {
            (c & ~7) | ((c & 1) &<< 2) | ((c & 7) &>> 1)
        }

        /// Entry `c` for a (multiplier, shift) from `FixedPoint.quantizeMultiplier`
        /// (multiplier in [2^30, 2^31) or 0, shift ≤ 31), with gemmlowp's two
        /// roundings or (`singleRounding`) LiteRT's reference FULLY_CONNECTED's one.
        func set(_ c: Int, multiplier: Int32, shift: Int, singleRounding: Bool = false) {
            let right = UInt64(max(-shift, 0))
            let at = start + c, lane = Self.lane(at)
            leftShifts[at] = Int32(max(shift, 0))
            let m = UInt32(bitPattern: max(multiplier, 0))
            if singleRounding {
                multipliers32[at] = m << 1
                laneAddends[lane] = (1 << (31 + right)) + 1
                laneShifts[lane] = 32 + right
            } else {
                multipliers32[at] = m
                laneAddends[lane] = (1 << 30) + (right >= 1 ? 1 << (30 + right) : 0)
                laneShifts[lane] = 31 + right
            }
        }

        /// The tables from channel `channel` on.
        func offset(by channel: Int) -> Tables {
            Tables(self, start: start &+ channel)
        }

        func deallocate() {
            leftShifts.deallocate()
            multipliers32.deallocate()
            laneAddends.deallocate()
            laneShifts.deallocate()
        }

        /// `scale` for channels c..<c+8, c a multiple of 8 in a `vectorAligned`
        /// view. The eight Int32 lanes are used as four 64-bit lanes: the
        /// even channels' 32×32→64-bit products from the low halves and the
        /// odd channels' from the high halves (one `vpmuludq` each on AVX2,
        /// no widening or narrowing shuffles); each result is below 2^32, so
        /// the odd results shifted up by 32 bits and or-ed with the even ones
        /// are the eight Int32 magnitudes.
        @inline(__always)
        func scale8(_ x: SIMD8<Int32>, _ channel: Int) -> SIMD8<Int32> {
            let c = start &+ channel
            let left = UnsafeRawPointer(leftShifts + c).loadUnaligned(as: SIMD8<Int32>.self)
            let shifted = IntegerSIMD.shiftLeft(x, left)
            let sign = shifted &>> 31  // 0 or −1
            let magnitude = unsafeBitCast((shifted ^ sign) &- sign, to: SIMD4<UInt64>.self)  // `vpabsd`
            let m = unsafeBitCast(UnsafeRawPointer(multipliers32 + c).loadUnaligned(as: SIMD8<UInt32>.self), to: SIMD4<UInt64>.self)
            let low32 = SIMD4<UInt64>(repeating: 0xFFFF_FFFF)
            let even = (magnitude & low32) &* (m & low32)
            let odd = (magnitude &>> 32) &* (m &>> 32)
            // t = 1 for a negative shifted value: bit 31 (even) and 63 (odd) of each 64-bit lane.
            let bits = unsafeBitCast(shifted, to: SIMD4<UInt64>.self)
            let tEven = (bits &>> 31) & 1, tOdd = bits &>> 63
            let lanes = UnsafeRawPointer(laneAddends + c), shiftLanes = UnsafeRawPointer(laneShifts + c)
            let evenSum = even &+ lanes.loadUnaligned(as: SIMD4<UInt64>.self) &- tEven
            let oddSum = odd &+ lanes.loadUnaligned(fromByteOffset: 32, as: SIMD4<UInt64>.self) &- tOdd
            let z = IntegerSIMD.shiftRight(evenSum, shiftLanes.loadUnaligned(as: SIMD4<UInt64>.self))
                | (IntegerSIMD.shiftRight(oddSum, shiftLanes.loadUnaligned(fromByteOffset: 32, as: SIMD4<UInt64>.self)) &<< 32)
            // The magnitude is 0 when `shifted` is, so its sign applies as is.
            return IntegerSIMD.applySign(unsafeBitCast(z, to: SIMD8<Int32>.self), of: shifted)
        }

        /// The whole output stage of two rows of 16 channels `c..<c+16` (c a
        /// multiple of 8 in a `vectorAligned` view): row 0 is `a0` (channels
        /// c..<c+8) and `a1` (c+8..<c+16), row 1 `b0`, `b1`. Returns row 0's
        /// 16 output bytes then row 1's: `scale8`, plus the output offset,
        /// saturated to the element type by the packs (`vpackssdw`, then
        /// `vpacksswb` / `vpackuswb`; a value saturated to Int16 is far outside
        /// the byte range either way), put in channel order (`vpermd`) and
        /// clamped to the activation bounds on bytes.
        @inline(__always)
        func requantize16x2(_ a0: SIMD8<Int32>, _ a1: SIMD8<Int32>, _ b0: SIMD8<Int32>, _ b1: SIMD8<Int32>,
                            _ c: Int, _ stage: VectorStage) -> SIMD32<UInt8> {
            let zp = stage.zeroPoint
            return Self.bytes(scale8(a0, c) &+ zp, scale8(a1, c &+ 8) &+ zp, scale8(b0, c) &+ zp, scale8(b1, c &+ 8) &+ zp, stage)
        }

        /// `bytes` of two rows: row 0's 16 bytes (`a0`, `a1`) then row 1's (`b0`, `b1`).
        @inline(__always)
        static func bytes(_ a0: SIMD8<Int32>, _ a1: SIMD8<Int32>, _ b0: SIMD8<Int32>, _ b1: SIMD8<Int32>,
                          _ stage: VectorStage) -> SIMD32<UInt8> {
            order(IntegerSIMD.packSaturating(a0, a1), IntegerSIMD.packSaturating(b0, b1), stage)
        }

        /// `requantize16x2` of one row: its 16 output bytes.
        @inline(__always)
        func requantize16(_ a0: SIMD8<Int32>, _ a1: SIMD8<Int32>, _ c: Int, _ stage: VectorStage) -> SIMD16<UInt8> {
            let zp = stage.zeroPoint
            return Self.bytes(scale8(a0, c) &+ zp, scale8(a1, c &+ 8) &+ zp, stage)
        }

        /// 16 results (channels c..<c+8 in `a`, c+8..<c+16 in `b`, the output
        /// offset added) as bytes in channel order, clamped.
        @inline(__always)
        static func bytes(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>, _ stage: VectorStage) -> SIMD16<UInt8> {
            let p = IntegerSIMD.packSaturating(a, b)
            return halves(order(p, p, stage)).0
        }

        /// The two 16-byte halves (the stdlib's `lowHalf` / `highHalf` on
        /// `SIMD32<UInt8>` stayed out-of-line calls in the kernels).
        @inline(__always)
        static func halves(_ v: SIMD32<UInt8>) -> (SIMD16<UInt8>, SIMD16<UInt8>) {
            unsafeBitCast(v, to: (SIMD16<UInt8>, SIMD16<UInt8>).self)
        }

        /// Bytes of two `vpackssdw` results (`[a0…3, b0…3, a4…7, b4…7]` each)
        /// in channel order, clamped.
        @inline(__always)
        private static func order(_ p0: SIMD16<Int16>, _ p1: SIMD16<Int16>, _ stage: VectorStage) -> SIMD32<UInt8> {
            // Bytes as Int32 groups of four channels: [r0 c0…3, r0 c8…11, r1 c0…3, r1 c8…11, r0 c4…7, r0 c12…15, r1 c4…7, r1 c12…15].
            let packed = stage.signed ? IntegerSIMD.packSaturatingSigned(p0, p1) : IntegerSIMD.packSaturatingUnsigned(p0, p1)
            let groups = IntegerSIMD.permute(unsafeBitCast(packed, to: SIMD8<Int32>.self), SIMD8(0, 4, 1, 5, 2, 6, 3, 7))
            let bytes = unsafeBitCast(groups, to: SIMD32<UInt8>.self)
            return stage.signed
                ? IntegerSIMD.clampSigned(bytes, stage.low, stage.high) : IntegerSIMD.clampUnsigned(bytes, stage.low, stage.high)
        }

        /// `FixedPoint.multiplyByQuantizedMultiplier(x, multiplier[c], shift[c])`.
        @inline(__always)
        func scale(_ x: Int32, _ channel: Int) -> Int32 {
            let c = start &+ channel, lane = Self.lane(c)
            let shifted = x &<< leftShifts[c]
            let sign = shifted &>> 31  // 0 or −1
            let magnitude = UInt64(UInt32(bitPattern: (shifted ^ sign) &- sign))
            let sum = magnitude &* UInt64(multipliers32[c]) &+ laneAddends[lane] &- UInt64(UInt32(bitPattern: sign & 1))
            let z = Int32(truncatingIfNeeded: sum &>> laneShifts[lane])
            return (z ^ sign) &- sign
        }
    }
}

/// `FixedPoint.multiplyByQuantizedMultiplier(x, multiplier, shift)` on eight
/// lanes with one multiplier and shift for all of them: `Tables.scale8`'s
/// arithmetic (even and odd lanes as 32×32→64-bit products, one add, one
/// shift, the sign applied last) with its constants held in registers, for
/// element-wise kernels whose lanes share one output stage (int8 ADD / SUB).
/// Meant for the integer-multiply-add flavours (`IntegerSIMD.isNative`); the
/// plain-Swift `IntegerSIMD` forms give the same bits, slowly.
struct UniformRequantization {
    let left: SIMD8<Int32>
    /// The multiplier in every 64-bit lane (below 2^31).
    let multiplier: SIMD4<UInt64>
    let addend: SIMD4<UInt64>
    let shift: SIMD4<UInt64>

    /// A (multiplier, shift) from `FixedPoint.quantizeMultiplier` (multiplier
    /// in [2^30, 2^31) or 0, shift ≤ 31).
    init(multiplier: Int32, shift: Int) {
        let right = UInt64(max(-shift, 0))
        left = SIMD8(repeating: Int32(max(shift, 0)))
        self.multiplier = SIMD4(repeating: UInt64(UInt32(bitPattern: max(multiplier, 0))))
        addend = SIMD4(repeating: (1 << 30) + (right >= 1 ? 1 << (30 + right) : 0))
        self.shift = SIMD4(repeating: 31 + right)
    }

    /// The eight lanes of `x` scaled (see `ChannelRequantization.Tables.scale`).
    @inline(__always)
    func callAsFunction(_ x: SIMD8<Int32>) -> SIMD8<Int32> {
        let shifted = IntegerSIMD.shiftLeft(x, left)
        let sign = shifted &>> 31  // 0 or −1
        let magnitude = unsafeBitCast((shifted ^ sign) &- sign, to: SIMD4<UInt64>.self)
        let low32 = SIMD4<UInt64>(repeating: 0xFFFF_FFFF)
        let m = multiplier & low32
        let even = (magnitude & low32) &* m
        let odd = (magnitude &>> 32) &* m
        // t = 1 for a negative shifted value: bit 31 (even) and 63 (odd) of each 64-bit lane.
        let bits = unsafeBitCast(shifted, to: SIMD4<UInt64>.self)
        let tEven = (bits &>> 31) & 1, tOdd = bits &>> 63
        let z = IntegerSIMD.shiftRight(even &+ addend &- tEven, shift)
            | (IntegerSIMD.shiftRight(odd &+ addend &- tOdd, shift) &<< 32)
        return IntegerSIMD.applySign(unsafeBitCast(z, to: SIMD8<Int32>.self), of: shifted)
    }
}
