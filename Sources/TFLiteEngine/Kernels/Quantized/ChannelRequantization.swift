/// The output stage of the fast quantized convolution-like kernels:
/// `clamp(zp_out + MultiplyByQuantizedMultiplier(acc + bias, m[c], shift[c]))`
/// for a run of output channels, bit-identical to
/// `FixedPoint.multiplyByQuantizedMultiplier`.
///
/// The per-channel shift is split at prepare into a left and a right shift,
/// and the arithmetic is written without branches as plain loops over
/// memory, which the optimiser vectorises (64-bit lane products, variable
/// lane shifts); the scalar `FixedPoint` functions stay the reference.
final class ChannelRequantization: @unchecked Sendable {
    let channels: Int
    let outputOffset: Int32
    let activationMin: Int32
    let activationMax: Int32
    /// [channels] multipliers, left shifts (≥ 0) and right shifts (≥ 0).
    let multipliers: UnsafeMutablePointer<Int32>
    let leftShifts: UnsafeMutablePointer<Int32>
    let rightShifts: UnsafeMutablePointer<Int32>

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
        multipliers = .allocate(capacity: n)
        leftShifts = .allocate(capacity: n)
        rightShifts = .allocate(capacity: n)
        for c in 0..<n {
            let m = c < channels ? q.multipliers[c] : 0
            let s = c < channels ? q.shifts[c] : 0
            multipliers[c] = m
            leftShifts[c] = Int32(max(s, 0))
            rightShifts[c] = Int32(max(-s, 0))
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
        multipliers.deallocate()
        leftShifts.deallocate()
        rightShifts.deallocate()
        biases?.deallocate()
    }

    /// Requantizes `count` accumulators of channels `channel..<channel+count`
    /// (plus their biases when `bias` is given) into `output`.
    @inline(__always)
    func apply<E: QuantizedElement>(
        _ acc: UnsafePointer<Int32>, bias: UnsafePointer<Int32>?, channel: Int, count: Int,
        into output: UnsafeMutablePointer<E>
    ) {
        let m = UnsafePointer(multipliers + channel), ls = UnsafePointer(leftShifts + channel)
        let rs = UnsafePointer(rightShifts + channel)
        let zp = outputOffset, lo = activationMin, hi = activationMax
        if let bias {
            let b = bias + channel
            for c in 0..<count {
                let v = Self.scale(acc[c] &+ b[c], m[c], ls[c], rs[c]) &+ zp
                output[c] = E(truncatingIfNeeded: min(max(v, lo), hi))
            }
        } else {
            for c in 0..<count {
                let v = Self.scale(acc[c], m[c], ls[c], rs[c]) &+ zp
                output[c] = E(truncatingIfNeeded: min(max(v, lo), hi))
            }
        }
    }

    /// Requantizes a block of `rows` × `width` accumulators (row stride
    /// `width`: one GEMM panel, `FloatGEMM.panelWidth(wide: Shape.wide)`)
    /// for channels `channel..<channel+width`, with the folded constant biases
    /// (or none), into `output` (row stride `outputStride`). The width is a
    /// compile-time constant of each specialisation, so the loops run without
    /// remainders; the tables must be padded to it (`paddedTo`).
    @inline(__always)
    func applyBlock<E: QuantizedElement, Shape: GEMMPanelShape>(
        _ acc: UnsafePointer<Int32>, rows: Int, panel: Shape.Type, channel: Int,
        into output: UnsafeMutablePointer<E>, outputStride: Int
    ) {
        let width = FloatGEMM.panelWidth(wide: Shape.wide)
        let m = UnsafePointer(multipliers + channel), ls = UnsafePointer(leftShifts + channel)
        let rs = UnsafePointer(rightShifts + channel)
        let zp = outputOffset, lo = activationMin, hi = activationMax
        if let biases {
            let b = UnsafePointer(biases + channel)
            for r in 0..<rows {
                let a = acc + r &* width, o = output + r &* outputStride
                for c in 0..<width {
                    let v = Self.scale(a[c] &+ b[c], m[c], ls[c], rs[c]) &+ zp
                    o[c] = E(truncatingIfNeeded: min(max(v, lo), hi))
                }
            }
        } else {
            for r in 0..<rows {
                let a = acc + r &* width, o = output + r &* outputStride
                for c in 0..<width {
                    let v = Self.scale(a[c], m[c], ls[c], rs[c]) &+ zp
                    o[c] = E(truncatingIfNeeded: min(max(v, lo), hi))
                }
            }
        }
    }

    /// `MultiplyByQuantizedMultiplier` without branches: the left shift
    /// (wrapping, as in TFLite), gemmlowp's saturating rounding doubling
    /// high multiply, then a rounding right shift (half away from zero).
    @inline(__always)
    static func scale(_ x: Int32, _ multiplier: Int32, _ left: Int32, _ right: Int32) -> Int32 {
        let a = x &<< left
        let ab = Int64(a) &* Int64(multiplier)
        // gemmlowp adds a nudge of 2^30 (1 − 2^30 when ab < 0) and divides by
        // 2^31 truncating toward zero; for ab < 0 that is
        // (ab + 1 − 2^30 + 2^31 − 1) >> 31, so both signs are (ab + 2^30) >> 31.
        let high = Int32(truncatingIfNeeded: (ab &+ (1 << 30)) &>> 31)
        let doubled = (a == multiplier && a == .min) ? Int32.max : high
        let mask = (1 &<< right) &- 1
        let remainder = doubled & mask
        let threshold = (mask &>> 1) &+ (doubled < 0 ? 1 : 0)
        return (doubled &>> right) &+ (remainder > threshold ? 1 : 0)
    }
}
