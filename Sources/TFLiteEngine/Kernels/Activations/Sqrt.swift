/// SQRT: square root (NaN for negative inputs, as `std::sqrt`). float32.
enum Sqrt {
    static let registration = OperatorRegistration.floatUnary(maxVersion: 1, Operation())

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { x.squareRoot() }
    }
}
