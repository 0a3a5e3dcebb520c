/// FLOOR: the largest integer not above `x`. float32.
enum Floor {
    static let registration = OperatorRegistration.floatUnary(maxVersion: 1, Operation())

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { x.rounded(.down) }
    }
}
