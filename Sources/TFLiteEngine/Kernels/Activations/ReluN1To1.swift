/// RELU_N1_TO_1: `min(max(x, -1), 1)`. float32; int8/uint8 when input and
/// output share their quantization.
enum ReluN1To1 {
    static let registration = OperatorRegistration.clamp(maxVersion: 2, Operation(), quantized: .reluN1To1)

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { min(max(x, -1), 1) }
    }
}
