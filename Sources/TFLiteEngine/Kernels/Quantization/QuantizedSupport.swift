/// Element types of quantized activations: int8 (TFLite's full-integer
/// spec) and uint8 (legacy asymmetric models). Kernels are generic over
/// these and widen every value to Int32 before arithmetic.
protocol QuantizedElement: FixedWidthInteger {
    static var tensorType: TensorType { get }
}

extension Int8: QuantizedElement { static var tensorType: TensorType { .int8 } }
extension UInt8: QuantizedElement { static var tensorType: TensorType { .uint8 } }

extension QuantizedElement {
    /// The 16 elements at `byteOffset` of `source`, widened to Int16
    /// (`IntegerSIMD.widen`: one `vpmovsxbw` / `vpmovzxbw` in the integer
    /// flavours).
    @inline(__always)
    static func widened16(_ source: UnsafeRawPointer, at byteOffset: Int) -> SIMD16<Int16> {
        Self.self == Int8.self
            ? IntegerSIMD.widen(source.loadUnaligned(fromByteOffset: byteOffset, as: SIMD16<Int8>.self))
            : IntegerSIMD.widen(source.loadUnaligned(fromByteOffset: byteOffset, as: SIMD16<UInt8>.self))
    }

    /// The 8 elements at `byteOffset` of `source` widened to Int16 in
    /// lanes 0..<8, lanes 8..<16 zero (one 8-byte load: nothing past the
    /// eighth element is read).
    @inline(__always)
    static func widened8(_ source: UnsafeRawPointer, at byteOffset: Int) -> SIMD16<Int16> {
        let words = SIMD2<UInt64>(source.loadUnaligned(fromByteOffset: byteOffset, as: UInt64.self), 0)
        return Self.self == Int8.self
            ? IntegerSIMD.widen(unsafeBitCast(words, to: SIMD16<Int8>.self))
            : IntegerSIMD.widen(unsafeBitCast(words, to: SIMD16<UInt8>.self))
    }
}

/// Per-tensor quantization of one tensor, checked at prepare.
struct TensorQuantization {
    let scale: Float
    let zeroPoint: Int32
}

extension PrepareContext {
    /// The per-tensor scale and zero point of a quantized tensor; the scale
    /// must be finite and positive and the zero point inside the type's range.
    func quantization(_ t: TensorSlot, _ role: String) throws -> TensorQuantization {
        guard let q = t.quantization, let scale = q.scale.first else {
            throw error("\(role) '\(t.name)' (\(t.type)) has no quantization parameters")
        }
        let zp = q.zeroPoint.first ?? 0
        guard scale.isFinite, scale > 0 else { throw error("\(role) '\(t.name)' has scale \(scale), expected a finite positive value") }
        let range: ClosedRange<Int64>
        switch t.type {
        case .int8: range = -128...127
        case .uint8: range = 0...255
        case .int16: range = -32768...32767
        default: range = Int64(Int32.min)...Int64(Int32.max)
        }
        guard range.contains(zp) else { throw error("\(role) '\(t.name)' has zero point \(zp) outside \(t.type)'s range") }
        return TensorQuantization(scale: scale, zeroPoint: Int32(zp))
    }

    /// The integer range of a quantized element type.
    func quantizedLimits(_ type: TensorType) -> (min: Int32, max: Int32) {
        switch type {
        case .uint8: return (0, 255)
        case .int16: return (-32768, 32767)
        default: return (-128, 127)
        }
    }

    /// Checks a quantized op's input and output types are `type` and equal.
    func requireSameQuantizedType(_ tensors: [(TensorSlot, String)], _ type: TensorType) throws {
        for (t, role) in tensors { try require(t, type: type, role) }
    }
}

/// A requantization `q_out = zp_out + round(m · (q_in − zp_in))` in TFLite's
/// integer form (`Requantize`), also used for CONCATENATION inputs.
struct Requantization {
    let inputZeroPoint: Int32
    let outputZeroPoint: Int32
    let multiplier: Int32
    let shift: Int
    /// Same scale and zero point: values are copied.
    let isIdentity: Bool

    init(input: TensorQuantization, output: TensorQuantization) {
        inputZeroPoint = input.zeroPoint
        outputZeroPoint = output.zeroPoint
        (multiplier, shift) = FixedPoint.quantizeMultiplier(Double(input.scale) / Double(output.scale))
        isIdentity = input.scale == output.scale && input.zeroPoint == output.zeroPoint
    }
}
