/// RELU: `max(x, 0)`. float32; int8/uint8 when input and output share
/// their quantization (a clamp of stored values).
enum Relu {
    static let registration = OperatorRegistration.clamp(maxVersion: 3, Operation(), quantized: .relu)

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { max(x, 0) }
    }
}
