/// DIV: element-wise quotient `a / b` with broadcasting and a fused activation (`DivOptions`). Division by zero gives ±inf or NaN as in IEEE arithmetic.
/// float32; int8/uint8 in `DivQuantized`.
enum Div {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx) }

    struct Operation: FloatBinaryOperation {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b }
        @inline(__always) static func apply(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a / b }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (a, b, shape, activation) = try ctx.prepareBroadcastBinary(DivOptions.self, activation: \.fusedActivationFunction)
        switch a.type {
        case .float32:
            return try ctx.floatBinaryKernel(Operation.self, b: b, shape: shape, activation: activation)
        case .int8, .uint8:
            return try DivQuantized.prepare(ctx, a: a, b: b, shape: shape, activation: activation)
        default:
            throw ctx.error("input type \(a.type) is not supported")
        }
    }
}
