#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// LOG_SOFTMAX over the last dimension: `x - max - log(Σ exp(x - max))`
/// (TFLite's float kernel). float32.
enum LogSoftmax {
    static let registration = OperatorRegistration(maxVersion: 1) { ctx in
        let input = try ctx.onlyInput(rank: 1...BroadcastShape.maxRank)
        _ = try ctx.options(LogSoftmaxOptions.self)
        try ctx.setOutputShape(0, input.shape)
        try ctx.require(input, type: .float32, "input")
        try ctx.require(ctx.output(0), type: .float32, "output")
        let depth = input.shape.last ?? 1
        return LogSoftmaxFloat(ctx: ctx, depth: depth, rows: depth == 0 ? 0 : input.elementCount / depth)
    }
}

/// Float32 log-softmax. Tiles are rows.
final class LogSoftmaxFloat: UnaryOperandKernel {
    let depth: Int, rows: Int
    let inputIndex: Int, outputIndex: Int
    var input: UnsafePointer<Float>!
    var output: UnsafeMutablePointer<Float>!

    init(ctx: PrepareContext, depth: Int, rows: Int) {
        self.depth = depth
        self.rows = rows
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { rows }
    var cost: Int { rows &* depth &* 8 }

    func run(tiles: Range<Int>, worker: Int) {
        for r in tiles {
            let x = input + r &* depth, y = output + r &* depth
            var maximum = -Float.greatestFiniteMagnitude
            for i in 0..<depth { maximum = max(maximum, x[i]) }
            var sum: Float = 0
            for i in 0..<depth { sum += expf(x[i] - maximum) }
            let logSum = logf(sum)
            for i in 0..<depth { y[i] = x[i] - maximum - logSum }
        }
    }
}
