/// PRELU: `x` for x ≥ 0, `alpha · x` otherwise, with `alpha` (input 1)
/// broadcast against the input; the output has the broadcast shape (TFLite
/// semantics). float32; int8/uint8 in `PreluQuantized`.
enum Prelu {
    static let registration = OperatorRegistration(maxVersion: 1) { ctx in try prepare(ctx) }

    struct Operation: FloatBinaryOperation {
        @inline(__always) static func apply(_ x: Float, _ alpha: Float) -> Float { x >= 0 ? x : x * alpha }
        @inline(__always) static func apply(_ x: FloatVector, _ alpha: FloatVector) -> FloatVector {
            (x * alpha).replacing(with: x, where: x .>= 0)
        }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let input = try ctx.input(0), alpha = try ctx.input(1)
        let shape = try BroadcastShape(input.shape, alpha.shape, ctx: ctx)
        try ctx.setOutputShape(0, shape.outputShape)
        switch input.type {
        case .float32:
            try ctx.require(alpha, type: .float32, "alpha")
            try ctx.require(ctx.output(0), type: .float32, "output")
            return FloatBinaryVectorKernel(ctx: ctx, shape: shape, Operation.self, activation: nil)
        case .int8, .uint8:
            return try PreluQuantized.prepare(ctx, input: input, alpha: alpha, shape: shape)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
