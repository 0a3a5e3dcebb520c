#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// EXP: `e^x`. float32.
enum Exp {
    static let registration = OperatorRegistration.floatUnary(maxVersion: 2, Operation())

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { expf(x) }
    }
}
