#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Element-wise float32 operators computed with the C library's functions,
// as LiteRT's builtin kernels compute them (LOG, which also has an int8
// table, is in Log.swift).

/// EXP: `e^x`. float32.
enum Exp {
    static let registration = OperatorRegistration.floatUnary(maxVersion: 2, Operation())

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { expf(x) }
    }
}

/// SIN: sine of `x` in radians (`sinf`). float32.
enum Sin {
    static let registration = OperatorRegistration.floatUnary(maxVersion: 1, Operation())

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { sinf(x) }
    }
}

/// COS: cosine of `x` in radians (`cosf`). float32.
enum Cos {
    static let registration = OperatorRegistration.floatUnary(maxVersion: 1, Operation())

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { cosf(x) }
    }
}
