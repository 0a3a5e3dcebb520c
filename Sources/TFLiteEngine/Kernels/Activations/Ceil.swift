/// CEIL: the smallest integer not below `x`. float32.
enum Ceil {
    static let registration = OperatorRegistration.floatUnary(maxVersion: 1, Operation())

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { x.rounded(.up) }
    }
}
