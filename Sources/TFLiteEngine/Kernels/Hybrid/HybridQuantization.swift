/// On-the-fly int8 quantization of float activations for the hybrid
/// (dynamic-range) kernels: float32 activations × int8 constant weights.
///
/// Semantics follow LiteRT's builtin kernels: `symmetric` maps the largest
/// magnitude to ±127 (zero point 0); `asymmetric` spans [min(x, 0), max(x, 0)]
/// over [-128, 127] with a nudged zero point computed in double precision,
/// and quantizes as `zp + round(x / scale)`. Both round half away from zero. Non-finite inputs never trap (the
/// result is then meaningless, as in LiteRT).
enum HybridQuantization {
    /// Scale and zero point of one quantized activation block.
    struct Parameters {
        var scale: Float
        var offset: Int32
    }

    /// NaN-safe clamp-and-convert of an already rounded value.
    @inline(__always)
    static func clamp(_ r: Float, _ lo: Int32, _ hi: Int32) -> Int32 {
        if r >= Float(hi) { return hi }
        if r >= Float(lo) { return Int32(r) }
        return lo  // below the range, or NaN
    }

    @inline(__always)
    static func minMax(_ x: UnsafePointer<Float>, _ count: Int) -> (Float, Float) {
        guard count > 0 else { return (0, 0) }
        var lo = x[0], hi = x[0]
        for i in 1..<count {
            let v = x[i]
            if v < lo { lo = v }
            if v > hi { hi = v }
        }
        return (lo, hi)
    }

    /// Symmetric quantization of `count` values. Writes `q - offset`
    /// (offset 0 here) as Int16 so kernels need no subtraction.
    static func symmetric(_ x: UnsafePointer<Float>, count: Int, into q: UnsafeMutablePointer<Int16>) -> Parameters {
        let (lo, hi) = minMax(x, count)
        let range = max(abs(lo), abs(hi))
        if range == 0 || range.isNaN {
            q.update(repeating: 0, count: count)
            return Parameters(scale: 1, offset: 0)
        }
        let inverse: Float = 127 / range
        for i in 0..<count {
            q[i] = Int16(truncatingIfNeeded: clamp((x[i] * inverse).rounded(), -127, 127))
        }
        return Parameters(scale: range / 127, offset: 0)
    }

    /// Asymmetric quantization of `count` values. Writes `q - offset` as Int16.
    static func asymmetric(_ x: UnsafePointer<Float>, count: Int, into q: UnsafeMutablePointer<Int16>) -> Parameters {
        let (lo, hi) = minMax(x, count)
        let rmin = Double(min(lo, 0)), rmax = Double(max(hi, 0))
        let qmin = -128.0, qmax = 127.0
        if rmin == rmax || !(rmax - rmin).isFinite {
            // All zero (or unusable range): everything maps to zero.
            q.update(repeating: 0, count: count)
            return Parameters(scale: 1, offset: 0)
        }
        let scale = (rmax - rmin) / (qmax - qmin)
        let fromMin = qmin - rmin / scale, fromMax = qmax - rmax / scale
        let errorMin = abs(qmin) + abs(rmin / scale), errorMax = abs(qmax) + abs(rmax / scale)
        let zero = errorMin < errorMax ? fromMin : fromMax
        let offset: Int32
        if zero <= qmin {
            offset = -128
        } else if zero >= qmax {
            offset = 127
        } else if zero.isFinite {
            offset = Int32(zero.rounded())
        } else {
            offset = 0
        }
        let floatScale = Float(scale)
        let inverse: Float = 1 / floatScale
        let floatOffset = Float(offset)
        // offset + round(x / scale), rounding before adding the offset: this is
        // what LiteRT 2.3's x86 builtin kernels compute (measured; its portable
        // source rounds after adding, which differs only at exact .5 ties, and
        // one flipped activation moves a conv output by a whole weight step).
        for i in 0..<count {
            let v = clamp(floatOffset + (x[i] * inverse).rounded(), -128, 127)
            q[i] = Int16(truncatingIfNeeded: v &- offset)
        }
        return Parameters(scale: floatScale, offset: offset)
    }

    /// Weight scales of an int8 hybrid filter, one per output channel:
    /// per-tensor (one scale, repeated) or per-channel along `dimension`.
    /// Zero points must be 0 (symmetric weights).
    static func filterScales(_ filter: TensorSlot, channels: Int, dimension: Int, _ ctx: PrepareContext) throws -> [Float] {
        guard let q = filter.quantization, q.isQuantized else {
            throw ctx.error("int8 filter '\(filter.name)' has no quantization parameters")
        }
        guard !q.hasUnsupportedDetails else { throw ctx.error("filter '\(filter.name)' uses an unsupported quantization scheme") }
        for s in q.scale where !(s.isFinite && s > 0) {
            throw ctx.error("filter '\(filter.name)' has scale \(s); scales must be finite and positive")
        }
        for z in q.zeroPoint where z != 0 {
            throw ctx.error("filter '\(filter.name)' has zero point \(z); hybrid kernels need symmetric (zero point 0) weights")
        }
        if q.scale.count == 1 { return [Float](repeating: q.scale[0], count: channels) }
        guard q.scale.count == channels, q.quantizedDimension == dimension else {
            throw ctx.error("filter '\(filter.name)' has \(q.scale.count) scales along dimension \(q.quantizedDimension), expected 1 or \(channels) along dimension \(dimension)")
        }
        return q.scale
    }
}
