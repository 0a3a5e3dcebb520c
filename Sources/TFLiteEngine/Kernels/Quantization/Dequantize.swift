/// DEQUANTIZE: float16 → float32 (the converter's float16-weights form), or
/// int8 / uint8 / int16 → float32 as `(q - zeroPoint) × scale`, per tensor
/// or per channel along the quantized dimension.
///
/// Its input is usually a constant, so the node is folded at prepare and the
/// float32 copy is shared by every interpreter of the model.
enum Dequantize {
    static let registration = OperatorRegistration(maxVersion: 6) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 1)
        let input = try ctx.input(0)
        try ctx.require(ctx.output(0), type: .float32, "output")
        try ctx.setOutputShape(0, input.shape)
        let count = input.elementCount
        switch input.type {
        case .float16:
            // Tiles are blocks of 16 K elements.
            return ElementwiseKernel<UInt16, Float>(ctx: ctx, count: count, blockSize: 1 << 14) { x, y, n in
                for i in 0..<n { y[i] = float32FromFloat16Bits(x[i]) }
            }
        case .int8, .uint8, .int16:
            guard let q = input.quantization, q.isQuantized else {
                throw ctx.error("input '\(input.name)' is \(input.type) without quantization parameters")
            }
            guard q.zeroPoint.isEmpty || q.zeroPoint.count == q.scale.count else {
                throw ctx.error("input '\(input.name)' has \(q.scale.count) scales but \(q.zeroPoint.count) zero points")
            }
            for s in q.scale where !(s.isFinite && s > 0) {
                throw ctx.error("input '\(input.name)' has scale \(s); scales must be finite and positive")
            }
            var zeroPoints: [Int32] = []
            for z in q.zeroPoint {
                guard z >= -32768, z <= 65535 else { throw ctx.error("input '\(input.name)' has zero point \(z) outside the type's range") }
                zeroPoints.append(Int32(z))
            }
            if zeroPoints.isEmpty { zeroPoints = [Int32](repeating: 0, count: q.scale.count) }
            // Per-channel: scale index = (element / inner) % channels.
            var channels = 1, inner = count
            if q.scale.count > 1 {
                guard q.quantizedDimension >= 0, q.quantizedDimension < input.rank else {
                    throw ctx.error("quantized dimension \(q.quantizedDimension) is out of range for rank \(input.rank)")
                }
                channels = input.shape[q.quantizedDimension]
                guard channels == q.scale.count else {
                    throw ctx.error("input '\(input.name)' has \(q.scale.count) scales for \(channels) channels along dimension \(q.quantizedDimension)")
                }
                inner = input.shape[(q.quantizedDimension + 1)...].reduce(1, *)
            }
            return DequantizeInteger(ctx: ctx, type: input.type, count: count, channels: channels, inner: max(inner, 1),
                                     scales: q.scale, zeroPoints: zeroPoints)
        default:
            throw ctx.error("input type \(input.type) is not supported (float16, int8, uint8 or int16)")
        }
    }
}

/// IEEE 754 binary16 → binary32 without relying on the `Float16` type
/// (unavailable on some platforms, e.g. macOS on x86_64). Exact for every
/// input: normals, subnormals, signed zeros, infinities and NaNs (the NaN
/// payload is kept in the top mantissa bits, as NumPy does).
@inline(__always)
func float32FromFloat16Bits(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x03FF)
    let bits: UInt32
    if exponent == 0x1F {
        // Infinity (mantissa 0) or NaN (payload kept in the top mantissa bits).
        bits = sign | 0x7F80_0000 | (mantissa << 13)
    } else if exponent != 0 {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13)  // rebias 15 → 127
    } else if mantissa == 0 {
        bits = sign  // ±0
    } else {
        // Subnormal: value = mantissa × 2^-24; normalise into a float32 normal.
        var m = mantissa
        var e: UInt32 = 113  // exponent of 2^-14 in float32 (127 - 14)
        while m & 0x0400 == 0 {
            m <<= 1
            e -= 1
        }
        bits = sign | (e << 23) | ((m & 0x03FF) << 13)
    }
    return Float(bitPattern: bits)
}

/// int8 / uint8 / int16 → float32 with per-tensor or per-channel scale and
/// zero point. One tile per channel block of the outermost dimensions.
final class DequantizeInteger: Kernel {
    let type: TensorType
    let count: Int, channels: Int, inner: Int
    let scales: [Float]
    let zeroPoints: [Int32]
    let inputIndex: Int, outputIndex: Int
    var input: UnsafeRawPointer!
    var output: UnsafeMutablePointer<Float>!

    init(ctx: PrepareContext, type: TensorType, count: Int, channels: Int, inner: Int, scales: [Float], zeroPoints: [Int32]) {
        self.type = type
        self.count = count
        self.channels = channels
        self.inner = inner
        self.scales = scales
        self.zeroPoints = zeroPoints
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var cost: Int { count }

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(inputIndex))
        output = memory.pointer(outputIndex, as: Float.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        scales.withUnsafeBufferPointer { scale in
            zeroPoints.withUnsafeBufferPointer { zero in
                var i = 0
                while i < count {
                    let c = (i / inner) % channels
                    let s = scale[c], z = zero[c]
                    let end = min(i &+ inner, count)
                    switch type {
                    case .int8:
                        let q = input.assumingMemoryBound(to: Int8.self)
                        for j in i..<end { output[j] = Float(Int32(q[j]) &- z) * s }
                    case .uint8:
                        let q = input.assumingMemoryBound(to: UInt8.self)
                        for j in i..<end { output[j] = Float(Int32(q[j]) &- z) * s }
                    default:
                        let q = input.assumingMemoryBound(to: Int16.self)
                        for j in i..<end { output[j] = Float(Int32(q[j]) &- z) * s }
                    }
                    i = end
                }
            }
        }
    }
}
