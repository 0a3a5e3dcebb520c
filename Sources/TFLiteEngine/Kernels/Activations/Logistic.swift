/// LOGISTIC (sigmoid): `1 / (1 + exp(-x))`. float32 here; int8/uint8 come
/// from `LogisticQuantized` (`Logistic+Quantized.swift`).
enum Logistic {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { VectorizableMath.logistic(x) }
        @inline(__always) func apply(_ x: FloatVector) -> FloatVector { VectorizableMath.logistic(x) }
        static var isVectorized: Bool { true }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let input = try ctx.prepareUnaryElementwise()
        switch input.type {
        case .float32:
            return ElementwiseKernel(ctx: ctx, count: input.elementCount, Operation())
        case .int8, .uint8:
            return try LogisticQuantized.prepareInt8(ctx)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
