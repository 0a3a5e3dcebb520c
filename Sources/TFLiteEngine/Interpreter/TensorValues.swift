#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Converting between Float values and a tensor's element bytes:
/// quantizing model inputs and reading (dequantized) outputs.
public enum TensorValues {
    /// The bytes of `values` in `type`: float32 as is; int8 and uint8
    /// quantized as `clamp(round(x / scale) + zeroPoint)`, rounding half away
    /// from zero like TFLite's QUANTIZE.
    public static func encode(_ values: [Float], as type: TensorType, quantization: QuantizationParameters?) throws -> Data {
        switch type {
        case .float32:
            return values.withUnsafeBufferPointer { Data(buffer: $0) }
        case .int8, .uint8:
            guard let q = quantization, q.scale > 0, q.scale.isFinite else {
                throw InterpreterError.invalidTensorDataType(expected: "a quantized \(type) tensor with a positive scale", actual: "\(type) without usable quantization parameters")
            }
            let (lo, hi): (Float, Float) = type == .int8 ? (-128, 127) : (0, 255)
            let zero = Float(q.zeroPoint)
            let bytes = values.map { x -> UInt8 in
                let v = (x / q.scale).rounded(.toNearestOrAwayFromZero) + zero
                let c = v.isNaN ? zero : min(max(v, lo), hi)
                return type == .int8 ? UInt8(bitPattern: Int8(c)) : UInt8(c)
            }
            return Data(bytes)
        default:
            throw InterpreterError.invalidTensorDataType(expected: "float32, int8 or uint8", actual: "\(type)")
        }
    }

    /// The tensor's elements as Float, dequantized (`scale × (q − zeroPoint)`)
    /// when an int8, uint8 or int16 tensor carries per-tensor quantization.
    public static func floats(_ t: Tensor) throws -> [Float] {
        let raw: [Float]
        switch t.dataType {
        case .float32: raw = t.toArray(of: Float.self)
        case .float64: raw = t.toArray(of: Double.self).map { Float($0) }
        case .int8: raw = t.toArray(of: Int8.self).map { Float($0) }
        case .uint8: raw = t.toArray(of: UInt8.self).map { Float($0) }
        case .int16: raw = t.toArray(of: Int16.self).map { Float($0) }
        case .uint16: raw = t.toArray(of: UInt16.self).map { Float($0) }
        case .int32: raw = t.toArray(of: Int32.self).map { Float($0) }
        case .uint32: raw = t.toArray(of: UInt32.self).map { Float($0) }
        case .int64: raw = t.toArray(of: Int64.self).map { Float($0) }
        case .bool: raw = t.toArray(of: UInt8.self).map { $0 != 0 ? 1 : 0 }
        default:
            throw InterpreterError.invalidTensorDataType(expected: "a numeric type", actual: "\(t.dataType)")
        }
        if let q = t.quantizationParameters, !q.isPerChannel, [.int8, .uint8, .int16].contains(t.dataType) {
            let zero = Float(q.zeroPoint)
            return raw.map { q.scale * ($0 - zero) }
        }
        return raw
    }
}
