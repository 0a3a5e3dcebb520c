/// SUB: element-wise difference `a - b` with broadcasting and a fused activation (`SubOptions`).
/// float32; int8/uint8 in `AddQuantized`.
enum Sub {
    static let registration = OperatorRegistration(maxVersion: 5) { ctx in try prepare(ctx) }

    struct Operation: FloatBinaryOperation {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (a, b, shape, activation) = try ctx.prepareBroadcastBinary(SubOptions.self, activation: \.fusedActivationFunction)
        switch a.type {
        case .float32:
            return try ctx.floatBinaryKernel(Operation.self, b: b, shape: shape, activation: activation)
        case .int8, .uint8:
            return try AddQuantized.prepare(ctx, shape: shape, activation: activation, subtract: true)
        default:
            throw ctx.error("input type \(a.type) is not supported")
        }
    }
}
