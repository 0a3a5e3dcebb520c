/// Element types of TFLite tensors (`TensorType` in schema.fbs).
public enum TensorType: Int8, Sendable, CaseIterable, CustomStringConvertible {
    /// `FLOAT32` in the schema.
    case float32 = 0
    /// `FLOAT16` in the schema.
    case float16 = 1
    /// `INT32` in the schema.
    case int32 = 2
    /// `UINT8` in the schema.
    case uint8 = 3
    /// `INT64` in the schema.
    case int64 = 4
    /// `STRING` in the schema.
    case string = 5
    /// `BOOL` in the schema.
    case bool = 6
    /// `INT16` in the schema.
    case int16 = 7
    /// `COMPLEX64` in the schema.
    case complex64 = 8
    /// `INT8` in the schema.
    case int8 = 9
    /// `FLOAT64` in the schema.
    case float64 = 10
    /// `COMPLEX128` in the schema.
    case complex128 = 11
    /// `UINT64` in the schema.
    case uint64 = 12
    /// `RESOURCE` in the schema.
    case resource = 13
    /// `VARIANT` in the schema.
    case variant = 14
    /// `UINT32` in the schema.
    case uint32 = 15
    /// `UINT16` in the schema.
    case uint16 = 16
    /// `INT4` in the schema.
    case int4 = 17
    /// `BFLOAT16` in the schema.
    case bfloat16 = 18
    /// `INT2` in the schema.
    case int2 = 19
    /// `UINT4` in the schema.
    case uint4 = 20
    /// `FLOAT8_E4M3FN` in the schema (8-bit float, 4 exponent bits).
    case float8e4m3fn = 21
    /// `FLOAT8_E5M2` in the schema (8-bit float, 5 exponent bits).
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

    /// The lower-case name, as in `float32` or `int8`.
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
