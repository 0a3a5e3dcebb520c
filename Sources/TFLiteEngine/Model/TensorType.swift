/// Element types of TFLite tensors (`TensorType` in schema.fbs).
public enum TensorType: Int8, Sendable, CaseIterable, CustomStringConvertible {
    case float32 = 0
    case float16 = 1
    case int32 = 2
    case uint8 = 3
    case int64 = 4
    case string = 5
    case bool = 6
    case int16 = 7
    case complex64 = 8
    case int8 = 9
    case float64 = 10
    case complex128 = 11
    case uint64 = 12
    case resource = 13
    case variant = 14
    case uint32 = 15
    case uint16 = 16
    case int4 = 17
    case bfloat16 = 18
    case int2 = 19
    case uint4 = 20
    case float8e4m3fn = 21
    case float8e5m2 = 22

    /// Bytes per element, or nil for types without a fixed whole-byte size
    /// (strings, resources, variants and packed sub-byte types).
    public var byteSize: Int? {
        switch self {
        case .float32, .int32, .uint32: return 4
        case .float16, .int16, .uint16, .bfloat16: return 2
        case .uint8, .int8, .bool, .float8e4m3fn, .float8e5m2: return 1
        case .int64, .uint64, .float64, .complex64: return 8
        case .complex128: return 16
        case .string, .resource, .variant, .int4, .int2, .uint4: return nil
        }
    }

    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float16: return "float16"
        case .int32: return "int32"
        case .uint8: return "uint8"
        case .int64: return "int64"
        case .string: return "string"
        case .bool: return "bool"
        case .int16: return "int16"
        case .complex64: return "complex64"
        case .int8: return "int8"
        case .float64: return "float64"
        case .complex128: return "complex128"
        case .uint64: return "uint64"
        case .resource: return "resource"
        case .variant: return "variant"
        case .uint32: return "uint32"
        case .uint16: return "uint16"
        case .int4: return "int4"
        case .bfloat16: return "bfloat16"
        case .int2: return "int2"
        case .uint4: return "uint4"
        case .float8e4m3fn: return "float8_e4m3fn"
        case .float8e5m2: return "float8_e5m2"
        }
    }
}
