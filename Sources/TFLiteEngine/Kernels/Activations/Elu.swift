/// ELU: `x` for x ≥ 0, `exp(x) - 1` below (alpha 1, as TFLite). float32.
enum Elu {
    static let registration = OperatorRegistration.floatUnary(maxVersion: 1, Operation())

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { x < 0 ? VectorizableMath.exp(x) - 1 : x }
        @inline(__always) func apply(_ x: FloatVector) -> FloatVector { x.replacing(with: VectorizableMath.exp(x) - 1, where: x .< 0) }
        static var isVectorized: Bool { true }
    }
}
