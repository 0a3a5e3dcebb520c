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
/// - float32: vectorisable forms (`VectorizableMath`), within LiteRT's float
///   error. The exact form takes `1 + erf(x/√2)` from a rational erf for
///   x ≥ −3; below, where `1 + erf` cancels, a polynomial fit of the whole
///   function on [−5.6, −3) and 0 further down (`Exact`). A vector of inputs
///   evaluates the polynomial only when one of its lanes is below −3.
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

    /// The exact GELU, `0.5·x·erfc(−x/√2)`, in three pieces (`tools/fit_erf.py`
    /// fits them): from x = −3 up, `0.5·x·(1 + erf(x/√2))` with the rational
    /// `VectorizableMath.erf` (error at most 0.5·|x|·3.5e-7 there: about half
    /// of the fixtures' 5e-7 + 1e-5·|y| at x = −3, in the fused and unfused
    /// flavours); on [−5.6, −3), where `1 + erf` cancels (it gave −1.4e-6
    /// where LiteRT gives −2e-32), a degree-10 polynomial of the function
    /// itself (within 1e-8); below, `x · 0` (|GELU| < 6e-8 there; NaN for
    /// −∞, as erfc's form gives). The erfc through `exp` this replaces was
    /// a dependent chain of about 60 operations per vector, 41 ms of
    /// ConvNeXt-Tiny float32's 18 GELUs (Zen 1).
    struct Exact: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float {
            if x >= -3 { return 0.5 * x * (1 + VectorizableMath.erf(x * 0.707_106_78)) }
            return x < -5.6 ? x * 0 : Self.tail(x)
        }
        @inline(__always) func apply(_ x: FloatVector) -> FloatVector {
            let y = 0.5 * x * (1 + VectorizableMath.erf(x * 0.707_106_78))
            // (A NaN lane is not below −3 here but is in the scalar form: NaN either way.)
            let below = x .< FloatVector(repeating: -3)
            guard any(below) else { return y }
            let tail = Self.tail(x).replacing(with: x * 0, where: x .< FloatVector(repeating: -5.6))
            return y.replacing(with: tail, where: below)
        }
        static var isVectorized: Bool { true }

        /// GELU on [−5.6, −3]: Horner in t = (x + 4.3) / 1.3, multiply-adds
        /// fused where the flavour fuses (as `VectorizableMath.erf`).
        @inline(__always) static func tail(_ x: Float) -> Float {
            let t = (x + 4.3) * 0.769_230_77
            var p: Float = 1.493_236_7e-5
            p = VectorizableMath.flavourMultiplyAdd(p, t, 3.284_622_7e-5)
            p = VectorizableMath.flavourMultiplyAdd(p, t, -1.390_428_1e-5)
            p = VectorizableMath.flavourMultiplyAdd(p, t, -1.745_708_1e-4)
            p = VectorizableMath.flavourMultiplyAdd(p, t, -4.598_274_8e-4)
            p = VectorizableMath.flavourMultiplyAdd(p, t, -7.991_296_6e-4)
            p = VectorizableMath.flavourMultiplyAdd(p, t, -9.923_853e-4)
            p = VectorizableMath.flavourMultiplyAdd(p, t, -8.796_834e-4)
            p = VectorizableMath.flavourMultiplyAdd(p, t, -5.369_697_5e-4)
            p = VectorizableMath.flavourMultiplyAdd(p, t, -2.042_868e-4)
            return VectorizableMath.flavourMultiplyAdd(p, t, -3.672_135e-5)
        }

        @inline(__always) static func tail(_ x: FloatVector) -> FloatVector {
            typealias V = FloatVector
            let t = (x + 4.3) * 0.769_230_77
            var p = V(repeating: 1.493_236_7e-5)
            p = V(repeating: 3.284_622_7e-5).multiplyAdd(p, t)
            p = V(repeating: -1.390_428_1e-5).multiplyAdd(p, t)
            p = V(repeating: -1.745_708_1e-4).multiplyAdd(p, t)
            p = V(repeating: -4.598_274_8e-4).multiplyAdd(p, t)
            p = V(repeating: -7.991_296_6e-4).multiplyAdd(p, t)
            p = V(repeating: -9.923_853e-4).multiplyAdd(p, t)
            p = V(repeating: -8.796_834e-4).multiplyAdd(p, t)
            p = V(repeating: -5.369_697_5e-4).multiplyAdd(p, t)
            p = V(repeating: -2.042_868e-4).multiplyAdd(p, t)
            return V(repeating: -3.672_135e-5).multiplyAdd(p, t)
        }
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
