#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// LOG: natural logarithm (`logf`: -inf at 0, NaN below). float32.
enum Log {
    static let registration = OperatorRegistration.floatUnary(maxVersion: 1, Operation())

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { logf(x) }
    }
}
