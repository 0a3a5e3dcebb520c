#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// LOG_SOFTMAX over the last dimension: `x - max - log(Σ exp(x - max))`
/// (TFLite's float kernel). float32; int8/uint8 in `LogSoftmaxQuantized`.
enum LogSoftmax {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in
        let input = try ctx.onlyInput(rank: 1...BroadcastShape.maxRank)
        _ = try ctx.options(LogSoftmaxOptions.self)
        try ctx.setOutputShape(0, input.shape)
        try ctx.require(ctx.output(0), type: input.type, "output")
        if input.type == .int8 || input.type == .uint8 { return try LogSoftmaxQuantized.prepare(ctx, input) }
        try ctx.require(input, type: .float32, "input")
        return FloatRowKernel(ctx: ctx, input: input, operationsPerElement: 8) { x, y, depth in
            var maximum = -Float.greatestFiniteMagnitude
            for i in 0..<depth { maximum = max(maximum, x[i]) }
            var sum: Float = 0
            for i in 0..<depth { sum += expf(x[i] - maximum) }
            let logSum = logf(sum)
            for i in 0..<depth { y[i] = x[i] - maximum - logSum }
        }
    }
}
