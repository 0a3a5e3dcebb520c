/// LOGISTIC (sigmoid): `1 / (1 + exp(-x))`. float32 here; int8/uint8 come
/// from `LogisticInt8` (Kernels/Quantized).
enum Logistic {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { VectorizableMath.logistic(x) }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let input = try ctx.prepareUnaryElementwise()
        switch input.type {
        case .float32:
            return UnaryFloatKernel(ctx: ctx, count: input.elementCount, Operation())
        // TODO(lead): wire to LogisticInt8.prepareInt8(ctx) once Kernels/Quantized/LogisticInt8.swift is merged.
        case .int8, .uint8:
            throw ctx.error("\(input.type) LOGISTIC is not supported yet")
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
