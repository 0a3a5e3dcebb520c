#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SOFTMAX over the last dimension: `exp(beta·(x - max)) / Σ`.
enum Softmax {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let input = try ctx.onlyInput(rank: 1...4)
        let beta = try ctx.options(SoftmaxOptions.self).beta
        guard beta.isFinite else { throw ctx.error("beta \(beta) is not finite") }
        try ctx.setOutputShape(0, input.shape)
        switch input.type {
        case .float32:
            try ctx.require(ctx.output(0), type: .float32, "output")
            return FloatRowKernel(ctx: ctx, input: input, operationsPerElement: 8) { x, y, depth in
                var maximum = -Float.greatestFiniteMagnitude
                for i in 0..<depth { maximum = max(maximum, x[i]) }
                var sum: Float = 0
                for i in 0..<depth {
                    let e = expf((x[i] - maximum) * beta)
                    y[i] = e
                    sum += e
                }
                let scale = 1 / sum
                for i in 0..<depth { y[i] *= scale }
            }
        case .int8, .uint8:
            return try SoftmaxQuantized.prepare(ctx, beta: beta)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
