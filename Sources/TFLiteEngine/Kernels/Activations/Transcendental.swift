#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Element-wise operators computed with the C library's functions, as
// LiteRT's builtin kernels compute them (LOG also in int8, as a table).

/// EXP: `e^x`. float32.
enum Exp {
    static let registration = OperatorRegistration.floatUnary(maxVersion: 2, Operation())

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { expf(x) }
    }
}

/// LOG: natural logarithm (`logf`: -inf at 0, NaN below). float32, and
/// int8 as LiteRT's `LogLUTPrepare`: a `LUTPopulate` table of `log` over the
/// dequantized inputs, where inputs ≤ 0 give the output's lowest
/// representable value ((−128 − output zero point)·output scale).
enum Log {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in
        let input = try ctx.prepareUnaryElementwise()
        switch input.type {
        case .float32:
            return ElementwiseKernel(ctx: ctx, count: input.elementCount, Operation())
        case .int8:
            let qo = try ctx.quantization(ctx.output(0), "output")
            let outputMin = Float(-128 - qo.zeroPoint) * qo.scale
            return try QuantizedLookup.floatTable(ctx, input) { x in x <= 0 ? outputMin : logf(x) }
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { logf(x) }
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
