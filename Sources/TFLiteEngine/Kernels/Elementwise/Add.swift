/// ADD: element-wise sum with broadcasting and a fused activation. float32,
/// int8/uint8, and int32/int64 (wrapping, then the activation's clamp).
enum Add {
    static let registration = OperatorRegistration(maxVersion: 5) { ctx in try prepare(ctx) }

    struct Operation: FloatBinaryOperation, IntegerOperator {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b }
        @inline(__always) static func apply(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a + b }
        @inline(__always) static func apply<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &+ b }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let a = try ctx.input(0), b = try ctx.input(1)
        let activation = try ctx.fusedActivation(try ctx.options(AddOptions.self).fusedActivationFunction)
        let shape = try BroadcastShape(a.shape, b.shape, ctx: ctx)
        try ctx.setOutputShape(0, shape.outputShape)
        switch a.type {
        case .float32:
            return try ctx.floatBinaryKernel(Operation.self, b: b, shape: shape, activation: activation)
        case .int8, .uint8:
            return try AddQuantized.prepare(ctx, shape: shape, activation: activation)
        case .int32, .int64:
            return try ctx.integerBinaryKernel(Operation.self, a: a, b: b, shape: shape, activation: activation)
        default:
            throw ctx.error("input type \(a.type) is not supported")
        }
    }
}
