/// On-the-fly int8 quantization of float activations for the hybrid
/// (dynamic-range) kernels: float32 activations × int8 constant weights.
///
/// Semantics follow LiteRT's builtin kernels: symmetric quantization maps the
/// largest magnitude to ±127 (zero point 0); asymmetric spans
/// [min(x, 0), max(x, 0)] over [-128, 127] with a nudged zero point computed
/// in double precision, and quantizes as `zp + round(x / scale)`. Both round
/// half away from zero. Non-finite inputs never trap (the result is then
/// meaningless, as in LiteRT).
enum HybridQuantization {
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

    /// Scale and zero point of one quantized activation block.
    struct Parameters {
        var scale: Float
        var offset: Int32
        /// 1 / scale as the quantizer multiplies by it (0: everything maps to zero).
        var inverse: Float
        var symmetric: Bool
    }

    /// Symmetric parameters for values in [lo, hi]: the largest magnitude
    /// maps to ±127 (LiteRT's SymmetricQuantizeFloats).
    static func symmetricParameters(_ lo: Float, _ hi: Float) -> Parameters {
        let range = max(abs(lo), abs(hi))
        if range == 0 || range.isNaN { return Parameters(scale: 1, offset: 0, inverse: 0, symmetric: true) }
        return Parameters(scale: range / 127, offset: 0, inverse: 127 / range, symmetric: true)
    }

    /// Asymmetric parameters for values in [lo, hi] (LiteRT's
    /// AsymmetricQuantizeFloats): range [min(lo, 0), max(hi, 0)] over
    /// [-128, 127], zero point nudged in double precision.
    ///
    /// The width of the range is a float32 subtraction and only the division
    /// by 255 is in double, as in LiteRT's builtin kernels (measured on the
    /// zoo's ConvNeXt: with the width in double the scale comes out one ulp
    /// smaller in most layers, which moves every output by an ulp and flips
    /// int8 roundings downstream).
    static func asymmetricParameters(_ lo: Float, _ hi: Float) -> Parameters {
        let low = min(lo, 0), high = max(hi, 0)
        let width = high - low
        let qmin = -128.0, qmax = 127.0
        if low == high || !width.isFinite {
            // All zero (or unusable range): everything maps to zero.
            return Parameters(scale: 1, offset: 0, inverse: 0, symmetric: false)
        }
        let rmin = Double(low), rmax = Double(high)
        let scale = Double(width) / (qmax - qmin)
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
        return Parameters(scale: floatScale, offset: offset, inverse: 1 / floatScale, symmetric: false)
    }

    /// Quantizes `count` values with `p`, writing `q - offset` as Int16 (so
    /// kernels need no subtraction).
    ///
    /// Asymmetric values are `offset + round(x / scale)`, rounding before
    /// adding the offset: this is what LiteRT 2.3's x86 builtin kernels
    /// compute (measured; its portable source rounds after adding, which
    /// differs only at exact .5 ties — and one flipped activation moves a
    /// conv output by a whole weight step).
    static func quantize(_ x: UnsafePointer<Float>, count: Int, _ p: Parameters, into q: UnsafeMutablePointer<Int16>) {
        if p.inverse == 0 {
            q.update(repeating: 0, count: count)
        } else if p.symmetric {
            for i in 0..<count {
                q[i] = Int16(truncatingIfNeeded: clamp((x[i] * p.inverse).rounded(), -127, 127))
            }
        } else {
            let floatOffset = Float(p.offset)
            for i in 0..<count {
                let v = clamp(floatOffset + (x[i] * p.inverse).rounded(), -128, 127)
                q[i] = Int16(truncatingIfNeeded: v &- p.offset)
            }
        }
    }

    /// Parameters from the block's range, then the whole block quantized.
    static func quantizeBlock(_ x: UnsafePointer<Float>, count: Int, asymmetric: Bool, into q: UnsafeMutablePointer<Int16>) -> Parameters {
        let (lo, hi) = minMax(x, count)
        let p = asymmetric ? asymmetricParameters(lo, hi) : symmetricParameters(lo, hi)
        quantize(x, count: count, p, into: q)
        return p
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

/// How the hybrid convolutions split work: a tile is a block of output rows
/// of one image, and each tile re-quantizes the whole input image into its
/// worker's scratch (Int16 values `q - zeroPoint`), so tiles stay independent
/// and results do not depend on how tiles are grouped.
struct HybridRowTiling {
    let imageElements: Int
    /// Output rows per tile: enough work that re-scanning the image for its
    /// range stays cheap.
    let rowsPerTile: Int
    let blocksPerImage: Int

    init(geometry g: ConvGeometry, inputChannels: Int, cost: Int) {
        imageElements = g.inputHeight * g.inputWidth * inputChannels
        let perRow = max(cost / max(g.outputRows, 1), 1)
        rowsPerTile = min(max((8 * imageElements + perRow - 1) / perRow, 1), max(g.outputHeight, 1))
        blocksPerImage = (g.outputHeight + rowsPerTile - 1) / rowsPerTile
    }

    /// One quantized input image, rounded up to 16 bytes.
    var scratchBytesPerWorker: Int { (imageElements * 2 + 15) & ~15 }
}
