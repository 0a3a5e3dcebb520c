#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// FLOOR_DIV: `floor(a / b)` element-wise with broadcasting, computed as
/// TFLite does: the quotient of the values as doubles, floored, converted
/// back (float32; int32 as C++ converts on x86-64, so INT32_MIN / -1 gives
/// INT32_MIN). TFLite fails at invoke when a divisor is 0: a constant divisor
/// holding 0 is rejected at prepare; a computed one gives ±inf or NaN
/// (float32) and INT32_MIN (int32).
enum FloorDiv {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx) }

    struct FloatOperation: ElementBinaryOperation {
        @inline(__always) func apply(_ a: Float, _ b: Float) -> Float { Float(floor(Double(a) / Double(b))) }
    }
    struct IntegerOperation: ElementBinaryOperation {
        @inline(__always) func apply(_ a: Int32, _ b: Int32) -> Int32 { Int32(x86Truncating: floor(Double(a) / Double(b))) }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (a, b, shape, _) = try ctx.prepareBroadcastBinary(FloorDivOptions.self, activation: nil)
        try ctx.prepareDivisor(a, b)
        switch a.type {
        case .float32: return BinaryElementKernel(ctx: ctx, shape: shape, FloatOperation(), operationsPerElement: 4)
        case .int32: return BinaryElementKernel(ctx: ctx, shape: shape, IntegerOperation(), operationsPerElement: 4)
        default: throw ctx.error("input type \(a.type) is not supported")
        }
    }
}

extension PrepareContext {
    /// FLOOR_DIV and FLOOR_MOD: the divisor and output have the dividend's
    /// type, and a constant divisor holds no zero (TFLite's "Division by 0").
    func prepareDivisor(_ a: TensorSlot, _ b: TensorSlot) throws {
        try require(b, type: a.type, "divisor")
        try require(output(0), type: a.type, "output")
        guard let p = b.constant else { return }
        let n = b.elementCount
        let hasZero: Bool
        switch b.type {
        case .float32: hasZero = (0..<n).contains { p.loadUnaligned(fromByteOffset: $0 &* 4, as: Float.self) == 0 }
        case .int32, .int64: hasZero = try constantInts(b, "divisor").contains(0)
        default: return
        }
        if hasZero { throw error("divisor '\(b.name)' holds 0: division by zero") }
    }
}
