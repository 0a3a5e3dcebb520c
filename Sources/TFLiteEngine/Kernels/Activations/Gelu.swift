/// GELU: `x · Φ(x)`, Φ the standard normal distribution function. float32,
/// as LiteRT's kernel computes it: exactly, `0.5 · x · erfc(-x / √2)` (erfc
/// rather than `1 + erf` keeps large negative inputs accurate), or with
/// `approximate` the tanh form `0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 x³)))`.
/// Both use `VectorizableMath`, so the loops vectorize.
enum Gelu {
    static let registration = OperatorRegistration(maxVersion: 1) { ctx in
        let input = try ctx.prepareUnaryElementwise()
        let approximate = try ctx.options(GeluOptions.self).approximate
        guard input.type == .float32 else { throw ctx.error("input type \(input.type) is not supported") }
        return approximate
            ? ElementwiseKernel(ctx: ctx, count: input.elementCount, Approximate())
            : ElementwiseKernel(ctx: ctx, count: input.elementCount, Exact())
    }

    struct Exact: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { 0.5 * x * VectorizableMath.erfc(x * -0.707_106_78) }
    }

    struct Approximate: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float {
            0.5 * x * (1 + VectorizableMath.tanh(0.797_884_56 * (x + 0.044_715 * x * x * x)))
        }
    }
}
