/// Quantized FULLY_CONNECTED: int8 with per-tensor or per-channel (axis 0)
/// weights, uint8 per-tensor; `reference_integer_ops::FullyConnected`.
/// Per-tensor multipliers use float(in·w)/out like TFLite's
/// `GetQuantizedConvolutionMultipler`.
enum FullyConnectedInt8 {
    static func prepare(_ ctx: PrepareContext, _ p: FullyConnected.Parameters) throws -> Kernel {
        let input = try ctx.input(0), weights = try ctx.input(1)
        let q = try ConvolutionQuantization(
            ctx: ctx, input: input, filter: weights, bias: ctx.optionalInput(2), output: ctx.output(0),
            channelAxis: 0, channels: p.outputDepth, activation: p.activation, perTensorUsesFloatProduct: true)
        switch input.type {
        case .int8: return FullyConnectedQuantizedKernel<Int8>(ctx: ctx, p, q)
        case .uint8: return FullyConnectedQuantizedKernel<UInt8>(ctx: ctx, p, q)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

/// Tiles are batch rows.
final class FullyConnectedQuantizedKernel<T: QuantizedElement>: Kernel {
    let p: FullyConnected.Parameters
    let q: ConvolutionQuantization
    let inputIndex: Int, weightsIndex: Int, biasIndex: Int?, outputIndex: Int
    var input: UnsafePointer<T>!
    var weights: UnsafePointer<T>!
    var bias: UnsafePointer<Int32>?
    var output: UnsafeMutablePointer<T>!

    init(ctx: PrepareContext, _ p: FullyConnected.Parameters, _ q: ConvolutionQuantization) {
        self.p = p
        self.q = q
        inputIndex = ctx.node.inputs[0]
        weightsIndex = ctx.node.inputs[1]
        biasIndex = ctx.hasInput(2) ? ctx.node.inputs[2] : nil
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { p.batches }
    var cost: Int { p.batches * p.inputDepth * p.outputDepth }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(inputIndex, as: T.self))
        weights = UnsafePointer(memory.pointer(weightsIndex, as: T.self))
        bias = biasIndex.map { UnsafePointer(memory.pointer($0, as: Int32.self)) }
        output = memory.pointer(outputIndex, as: T.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        let k = p.inputDepth, n = p.outputDepth
        let inOff = q.inputOffset, fOff = q.filterOffset, outOff = q.outputOffset
        let lo = q.activationMin, hi = q.activationMax
        q.multipliers.withUnsafeBufferPointer { multipliers in
            q.shifts.withUnsafeBufferPointer { shifts in
                for b in tiles {
                    let x = input + b &* k
                    let y = output + b &* n
                    for o in 0..<n {
                        let w = weights + o &* k
                        var acc: Int32 = 0
                        for i in 0..<k {
                            acc &+= (Int32(truncatingIfNeeded: w[i]) &+ fOff) &* (Int32(truncatingIfNeeded: x[i]) &+ inOff)
                        }
                        if let bias { acc &+= bias[o] }
                        acc = FixedPoint.multiplyByQuantizedMultiplier(acc, multipliers[o], shifts[o]) &+ outOff
                        y[o] = T(truncatingIfNeeded: min(max(acc, lo), hi))
                    }
                }
            }
        }
    }
}
