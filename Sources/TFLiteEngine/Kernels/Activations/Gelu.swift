#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// GELU: `x · Φ(x)`, Φ the standard normal distribution function, exactly
/// (`0.5·x·(1 + erf(x/√2))`) or with `GeluOptions.approximate` the tanh form
/// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
/// - float32: vectorisable forms (`VectorizableMath`; erfc(−x/√2) rather than
///   1 + erf keeps large negative inputs accurate), within LiteRT's float error.
/// - int8/uint8: as TFLite, a lookup table of its scalar `GeluTransform` /
///   `GeluTransformApproximate` built at prepare (`QuantizedLookup.floatTable`),
///   so every table entry is bit-exact.
enum Gelu {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in
        let input = try ctx.prepareUnaryElementwise()
        let approximate = try ctx.options(GeluOptions.self).approximate
        switch (input.type, approximate) {
        case (.float32, false): return ElementwiseKernel(ctx: ctx, count: input.elementCount, Exact())
        case (.float32, true): return ElementwiseKernel(ctx: ctx, count: input.elementCount, Approximate())
        case (.int8, _), (.uint8, _):
            return try QuantizedLookup.floatTable(ctx, input, approximate ? Transform.approximate : Transform.exact)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }

    struct Exact: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { 0.5 * x * VectorizableMath.erfc(x * -0.707_106_78) }
        @inline(__always) func apply(_ x: FloatVector) -> FloatVector { 0.5 * x * VectorizableMath.erfc(x * -0.707_106_78) }
        static var isVectorized: Bool { true }
    }

    struct Approximate: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float {
            0.5 * x * (1 + VectorizableMath.tanh(0.797_884_56 * (x + 0.044_715 * x * x * x)))
        }
        @inline(__always) func apply(_ x: FloatVector) -> FloatVector {
            0.5 * x * (1 + VectorizableMath.tanh(0.797_884_56 * (x + 0.044_715 * x * x * x)))
        }
        static var isVectorized: Bool { true }
    }

    /// TFLite's scalar transforms, in its float arithmetic (the int8 tables).
    enum Transform {
        @Sendable static func exact(_ x: Float) -> Float { 0.5 * x * (1 + erff(x * Float(0.5.squareRoot()))) }

        @Sendable static func approximate(_ x: Float) -> Float {
            // M_2_SQRTPI · M_SQRT1_2 in double, then float.
            let c = Float(2 / Double.pi.squareRoot() * 0.5.squareRoot())
            return 0.5 * x * (1 + tanhf(c * (x + 0.044715 * x * x * x)))
        }
    }
}
