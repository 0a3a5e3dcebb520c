/// RELU6: `min(max(x, 0), 6)`. float32; int8/uint8 when input and output
/// share their quantization.
enum Relu6 {
    static let registration = OperatorRegistration.clamp(maxVersion: 2, Operation(), quantized: .relu6)

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { min(max(x, 0), 6) }
    }
}
