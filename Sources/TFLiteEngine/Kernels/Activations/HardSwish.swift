/// HARD_SWISH: `x · relu6(x + 3) / 6`. float32.
enum HardSwish {
    static let registration = OperatorRegistration.floatUnary(maxVersion: 1, Operation())

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { x * min(max(x + 3, 0), 6) * (1 / 6) }
    }
}
