/// MUL: element-wise product with broadcasting and a fused activation
/// (`MulOptions`). float32, int8/uint8, and int32/int64 (wrapping, then the
/// activation's clamp).
enum Mul {
    static let registration = OperatorRegistration(maxVersion: 7) { ctx in try prepare(ctx) }

    struct Operation: FloatBinaryOperation, IntegerOperator {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b }
        @inline(__always) static func apply(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a * b }
        @inline(__always) static func apply<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &* b }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (a, b, shape, activation) = try ctx.prepareBroadcastBinary(MulOptions.self, activation: \.fusedActivationFunction)
        switch a.type {
        case .float32:
            return try ctx.floatBinaryKernel(Operation.self, b: b, shape: shape, activation: activation)
        case .int32, .int64:
            return try ctx.integerBinaryKernel(Operation.self, a: a, b: b, shape: shape, activation: activation)
        case .int8, .uint8:
            return try MulQuantized.prepareInt8(ctx)
        default:
            throw ctx.error("input type \(a.type) is not supported")
        }
    }
}
