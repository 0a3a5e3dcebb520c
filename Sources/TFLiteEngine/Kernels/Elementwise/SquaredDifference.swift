/// SQUARED_DIFFERENCE: element-wise `(a - b)²` with broadcasting. float32.
enum SquaredDifference {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx) }

    struct Operation: FloatBinaryOperation {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { let d = a - b; return d * d }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (a, b, shape, activation) = try ctx.prepareBroadcastBinary(SquaredDifferenceOptions.self, activation: nil)
        switch a.type {
        case .float32:
            return try ctx.floatBinaryKernel(Operation.self, b: b, shape: shape, activation: activation)
        default:
            throw ctx.error("input type \(a.type) is not supported")
        }
    }
}
