/// The hybrid (dynamic-range) parts of UNIDIRECTIONAL_SEQUENCE_LSTM: int8
/// weights with one scale each, float activations quantized per batch row at
/// every step (`BatchQuantizeFloats`; asymmetric when the options set
/// `asymmetric_quantize_inputs`), int32 dot products rescaled as LiteRT's
/// builtin kernels do: `out += Float(Σ w·(q − zp)) · (rowScale · weightScale)`.
enum LSTMHybrid {
    /// The single scale of a symmetric int8 weight tensor.
    static func weightScale(_ t: TensorSlot, _ role: String, _ ctx: PrepareContext) throws -> Float {
        guard let q = t.quantization, q.isQuantized else { throw ctx.error("\(role) '\(t.name)' (int8) have no quantization parameters") }
        guard !q.hasUnsupportedDetails else { throw ctx.error("\(role) '\(t.name)' use an unsupported quantization scheme") }
        guard q.scale.count == 1 else {
            throw ctx.error("\(role) '\(t.name)' have \(q.scale.count) scales; hybrid LSTM weights need one (per-tensor quantization)")
        }
        let scale = q.scale[0]
        guard scale.isFinite, scale > 0 else { throw ctx.error("\(role) '\(t.name)' have scale \(scale), expected a finite positive value") }
        guard (q.zeroPoint.first ?? 0) == 0 else { throw ctx.error("\(role) '\(t.name)' have zero point \(q.zeroPoint[0]); hybrid weights must be symmetric") }
        return scale
    }

    /// Quantizes `rows` rows of `columns` floats, each with its own
    /// parameters, as `q − zeroPoint` (Int16); the row scales go to `scales`.
    @inline(__always)
    static func quantizeRows(_ x: UnsafePointer<Float>, rows: Int, columns: Int, asymmetric: Bool,
                             into q: UnsafeMutablePointer<Int16>, scales: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let parameters = HybridQuantization.quantizeBlock(x + r &* columns, count: columns, asymmetric: asymmetric, into: q + r &* columns)
            scales[r] = parameters.scale
        }
    }

    /// `out[r, o] += Float(Σ_k w[o, k] · q[r, k]) · (rowScales[r] · weightScale)`
    /// for int8 weights [outputs, columns] (`MatrixBatchVectorMultiplyAccumulate`).
    @inline(__always)
    static func accumulate(_ w: UnsafePointer<Int8>, _ q: UnsafePointer<Int16>, rowScales: UnsafePointer<Float>, weightScale: Float,
                           rows: Int, outputs: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let qr = q + r &* columns, o = out + r &* outputs
            let scale = rowScales[r] * weightScale
            for j in 0..<outputs {
                let wr = w + j &* columns
                var dot: Int32 = 0
                for k in 0..<columns { dot = dot &+ Int32(wr[k]) &* Int32(qr[k]) }
                o[j] += Float(dot) * scale
            }
        }
    }
}
