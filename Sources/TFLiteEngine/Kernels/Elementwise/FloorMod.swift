/// FLOOR_MOD: the remainder of floored division, `a - floor(a / b)·b`, with
/// the divisor's sign, element-wise with broadcasting, as TFLite computes
/// it: C's truncated remainder (`fmodf` for float32), moved by `b` when its
/// sign differs from `b`'s. float32, int32, int64. TFLite fails at invoke on
/// a zero divisor: a constant divisor holding 0 is rejected at prepare; a
/// computed one gives NaN (float32) or 0 (integers), and INT_MIN mod -1,
/// which traps in C, is 0.
enum FloorMod {
    static let registration = OperatorRegistration(maxVersion: 1) { ctx in try prepare(ctx) }

    struct FloatOperation: ElementBinaryOperation {
        @inline(__always) func apply(_ a: Float, _ b: Float) -> Float {
            let r = a.truncatingRemainder(dividingBy: b)
            return r != 0 && (b < 0) != (r < 0) ? r + b : r
        }
    }
    struct IntegerOperation<T: FixedWidthInteger & SignedInteger & Sendable>: ElementBinaryOperation {
        @inline(__always) func apply(_ a: T, _ b: T) -> T {
            let r = b == 0 || b == -1 ? 0 : a % b
            return r != 0 && (b < 0) != (r < 0) ? r &+ b : r
        }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (a, b, shape, _) = try ctx.prepareBroadcastBinary(FloorModOptions.self, activation: nil)
        try ctx.prepareDivisor(a, b)
        switch a.type {
        case .float32: return BinaryElementKernel(ctx: ctx, shape: shape, FloatOperation(), operationsPerElement: 8)
        case .int32: return BinaryElementKernel(ctx: ctx, shape: shape, IntegerOperation<Int32>(), operationsPerElement: 4)
        case .int64: return BinaryElementKernel(ctx: ctx, shape: shape, IntegerOperation<Int64>(), operationsPerElement: 4)
        default: throw ctx.error("input type \(a.type) is not supported")
        }
    }
}
