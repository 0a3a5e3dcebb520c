/// Arithmetic shared by the recurrent kernels (UNIDIRECTIONAL_SEQUENCE_LSTM,
/// UNIDIRECTIONAL_SEQUENCE_RNN), as LiteRT's `tensor_utils` computes it.
///
/// Hybrid (dynamic-range) weights are int8 with one scale each; the float
/// activations they multiply are quantized per batch row at every step
/// (`BatchQuantizeFloats`; asymmetric when the options set
/// `asymmetric_quantize_inputs`) and the int32 dot products rescaled as
/// LiteRT's builtin kernels do: `out += Float(Σ w·(q − zp)) · (rowScale · weightScale)`.
enum RecurrentMath {
    /// `out[r, o] += Σ_k w[o, k] · v[r, k]` for float weights [outputs, columns]
    /// (`MatrixBatchVectorMultiplyAccumulate`).
    @inline(__always)
    static func accumulate(_ w: UnsafePointer<Float>, _ v: UnsafePointer<Float>, rows: Int, outputs: Int, columns: Int,
                           into out: UnsafeMutablePointer<Float>) {
        let lanes = FloatVector.scalarCount
        for r in 0..<rows {
            let vr = v + r &* columns, o = out + r &* outputs
            for j in 0..<outputs {
                let wr = w + j &* columns
                var acc = FloatVector()
                var k = 0
                while k &+ lanes <= columns {
                    acc = acc.multiplyAdd(wr.loadVector(k), vr.loadVector(k))
                    k &+= lanes
                }
                var sum = acc.sum()
                while k < columns {
                    sum += wr[k] * vr[k]
                    k &+= 1
                }
                o[j] += sum
            }
        }
    }

    /// `CwiseClipping`: every value into [−limit, limit].
    @inline(__always)
    static func clip(_ v: UnsafeMutablePointer<Float>, _ count: Int, _ limit: Float) {
        for k in 0..<count {
            if v[k] > limit { v[k] = limit }
            if v[k] < -limit { v[k] = -limit }
        }
    }

    /// `MeanStddevNormalization` of one row: (v − mean) / sqrt(variance + 1e-8).
    @inline(__always)
    static func normalize(_ v: UnsafeMutablePointer<Float>, _ count: Int) {
        guard count > 0 else { return }
        var sum: Float = 0
        for k in 0..<count { sum += v[k] }
        let mean = sum / Float(count)
        var squares: Float = 0
        for k in 0..<count {
            let d = v[k] - mean
            squares += d * d
        }
        let variance = squares / Float(count)
        let inverse = 1 / (variance + 1e-8).squareRoot()
        for k in 0..<count { v[k] = (v[k] - mean) * inverse }
    }

    // MARK: Hybrid

    /// The single scale of a symmetric int8 weight tensor.
    static func weightScale(_ t: TensorSlot, _ role: String, _ ctx: PrepareContext) throws -> Float {
        guard let q = t.quantization, q.isQuantized else { throw ctx.error("\(role) '\(t.name)' (int8) have no quantization parameters") }
        guard !q.hasUnsupportedDetails else { throw ctx.error("\(role) '\(t.name)' use an unsupported quantization scheme") }
        guard q.scale.count == 1 else {
            throw ctx.error("\(role) '\(t.name)' have \(q.scale.count) scales; hybrid recurrent weights need one (per-tensor quantization)")
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

/// A recurrent op's fused activation (`ApplyActivationToVector`); SIGN_BIT is
/// not one (TFLite asserts).
enum RecurrentActivation: Int8 {
    case none = 0, relu = 1, reluN1To1 = 2, relu6 = 3, tanh = 4

    @inline(__always)
    func apply(_ x: Float) -> Float {
        switch self {
        case .none: return x
        case .relu: return max(x, 0)
        case .reluN1To1: return min(max(x, -1), 1)
        case .relu6: return min(max(x, 0), 6)
        case .tanh: return VectorizableMath.tanh(x)
        }
    }
}
