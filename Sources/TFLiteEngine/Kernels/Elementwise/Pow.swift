#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// POW: `a^b` element-wise with broadcasting. float32 (`powf`, no clamp:
/// overflow gives inf) and int32 (TFLite's `std::pow` on int32 values: the
/// power in double, converted back as C++ does on x86-64, so results beyond
/// the int32 range are INT32_MIN). TFLite fails at invoke on a negative
/// int32 exponent; a constant exponent with one is rejected here at prepare,
/// a computed one gives the truncated real power (`2^-1` is 0).
enum Pow {
    static let registration = OperatorRegistration(maxVersion: 1) { ctx in try prepare(ctx) }

    struct FloatOperation: ElementBinaryOperation {
        @inline(__always) func apply(_ a: Float, _ b: Float) -> Float { powf(a, b) }
    }
    struct IntegerOperation: ElementBinaryOperation {
        @inline(__always) func apply(_ a: Int32, _ b: Int32) -> Int32 { Int32(x86Truncating: pow(Double(a), Double(b))) }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (a, b, shape, _) = try ctx.prepareBroadcastBinary(PowOptions.self, activation: nil)
        try ctx.require(b, type: a.type, "exponent")
        try ctx.require(ctx.output(0), type: a.type, "output")
        switch a.type {
        case .float32:
            return BinaryElementKernel(ctx: ctx, shape: shape, FloatOperation(), operationsPerElement: 20)
        case .int32:
            if b.isConstant, let negative = try ctx.constantInts(b, "exponent").first(where: { $0 < 0 }) {
                throw ctx.error("int32 exponent '\(b.name)' holds \(negative); negative int32 exponents are not supported")
            }
            return BinaryElementKernel(ctx: ctx, shape: shape, IntegerOperation(), operationsPerElement: 20)
        default:
            throw ctx.error("input type \(a.type) is not supported")
        }
    }
}

extension Int32 {
    /// C++'s `static_cast<int32_t>(double)` as compiled for x86-64
    /// (`cvttsd2si`): truncation toward zero, and INT32_MIN for NaN and
    /// values outside the int32 range (undefined behaviour in C++, never a
    /// trap here).
    @inline(__always)
    init(x86Truncating d: Double) {
        self = d > -2_147_483_649 && d < 2_147_483_648 ? Int32(d) : .min
    }
}
