#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// COS: cosine of `x` in radians (`cosf`). float32.
enum Cos {
    static let registration = OperatorRegistration.floatUnary(maxVersion: 1, Operation())

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { cosf(x) }
    }
}
