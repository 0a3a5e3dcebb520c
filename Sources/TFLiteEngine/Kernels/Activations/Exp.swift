#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// EXP: `e^x`. float32.
enum Exp {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx) }

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { expf(x) }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let input = try ctx.prepareUnaryElementwise()
        switch input.type {
        case .float32: return UnaryFloatKernel(ctx: ctx, count: input.elementCount, Operation())
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
