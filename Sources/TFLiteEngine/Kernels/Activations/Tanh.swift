/// TANH: hyperbolic tangent. float32.
enum Tanh {
    static let registration = OperatorRegistration.floatUnary(maxVersion: 3, Operation())

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { VectorizableMath.tanh(x) }
    }
}
