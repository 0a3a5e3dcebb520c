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
            return SoftmaxFloat(ctx: ctx, beta: beta, depth: input.shape.last ?? 1, rows: input.elementCount / max(input.shape.last ?? 1, 1))
        case .int8, .uint8:
            return try SoftmaxQuantized.prepare(ctx, beta: beta)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

/// Float32 softmax. Tiles are rows.
final class SoftmaxFloat: UnaryOperandKernel {
    let beta: Float, depth: Int, rows: Int
    let inputIndex: Int, outputIndex: Int
    var input: UnsafePointer<Float>!
    var output: UnsafeMutablePointer<Float>!

    init(ctx: PrepareContext, beta: Float, depth: Int, rows: Int) {
        self.beta = beta
        self.depth = depth
        self.rows = depth == 0 ? 0 : rows
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { rows }
    var cost: Int { rows * depth * 8 }

    func run(tiles: Range<Int>, worker: Int) {
        for r in tiles {
            let x = input + r &* depth, y = output + r &* depth
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
    }
}
