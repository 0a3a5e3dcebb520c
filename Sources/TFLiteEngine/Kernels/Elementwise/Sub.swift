/// SUB: element-wise difference `a - b` with broadcasting and a fused activation (`SubOptions`).
/// float32; int32/int64 (wrapping, then the activation's clamp); int8/uint8
/// in `AddQuantized`.
enum Sub {
    static let registration = OperatorRegistration(maxVersion: 5) { ctx in try prepare(ctx) }

    struct Operation: FloatBinaryOperation, IntegerOperator {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b }
        @inline(__always) static func apply(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a - b }
        @inline(__always) static func apply<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &- b }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (a, b, shape, activation) = try ctx.prepareBroadcastBinary(SubOptions.self, activation: \.fusedActivationFunction)
        switch a.type {
        case .float32:
            return try ctx.floatBinaryKernel(Operation.self, b: b, shape: shape, activation: activation)
        case .int8, .uint8:
            return try AddQuantized.prepare(ctx, shape: shape, activation: activation, subtract: true)
        case .int32, .int64:
            return try ctx.integerBinaryKernel(Operation.self, a: a, b: b, shape: shape, activation: activation)
        default:
            throw ctx.error("input type \(a.type) is not supported")
        }
    }
}
