#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// GELU: `0.5·x·(1 + erf(x/√2))`, or with `GeluOptions.approximate`
/// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` (TFLite's
/// `GeluTransform` / `GeluTransformApproximate`, float32 arithmetic).
/// float32; int8/uint8 as TFLite: a lookup table of the float function
/// built at prepare (`QuantizedLookup.floatTable`).
enum Gelu {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in
        let input = try ctx.prepareUnaryElementwise()
        let approximate = try ctx.options(GeluOptions.self).approximate
        switch (input.type, approximate) {
        case (.float32, false): return ElementwiseKernel(ctx: ctx, count: input.elementCount, Exact())
        case (.float32, true): return ElementwiseKernel(ctx: ctx, count: input.elementCount, Approximate())
        case (.int8, _), (.uint8, _):
            return try QuantizedLookup.floatTable(ctx, input, approximate ? Approximate().apply : Exact().apply)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }

    struct Exact: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { 0.5 * x * (1 + erff(x * Float(0.5.squareRoot()))) }
    }

    struct Approximate: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float {
            // M_2_SQRTPI · M_SQRT1_2 in double, then float.
            let c = Float(2 / Double.pi.squareRoot() * 0.5.squareRoot())
            return 0.5 * x * (1 + tanhf(c * (x + 0.044715 * x * x * x)))
        }
    }
}
