/// ROUND: the nearest integer, halves to the even neighbour (TFLite's
/// `RoundToNearest`: 0.5 → 0, 1.5 → 2, -2.5 → -2). float32.
enum Round {
    static let registration = OperatorRegistration.floatUnary(maxVersion: 1, Operation())

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { x.rounded(.toNearestOrEven) }
    }
}
