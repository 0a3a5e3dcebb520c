/// RSQRT: `1 / sqrt(x)`. float32.
enum Rsqrt {
    static let registration = OperatorRegistration.floatUnary(maxVersion: 3, Operation())

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { 1 / x.squareRoot() }
    }
}
