/// Quantized TRANSPOSE_CONV (int8 per-channel, uint8 per-tensor), TFLite's
/// reference arithmetic (`reference_integer_ops::TransposeConv`, uint8
/// `reference_ops::TransposeConv`): every output element is the int32 sum
/// (wrapping, as TFLite's scratch buffer) of (x + inputOffset)·(w + filterOffset)
/// over the input pixels and taps that reach it, plus the bias, rescaled per
/// output channel, offset and clamped. TFLite scatters each input pixel into
/// the scratch buffer; the sums here are gathered per output pixel, which
/// gives the same integers (wrapping addition is order-independent).
enum TransposeConvQuantized {
    static func prepare(_ ctx: PrepareContext, _ p: TransposeConv.Parameters, input: TensorSlot, weights: TensorSlot) throws -> Kernel {
        let q = try ConvolutionQuantization(
            ctx: ctx, input: input, filter: weights, bias: ctx.optionalInput(3), output: ctx.output(0),
            channelAxis: 0, channels: p.outputDepth, activation: p.activation)
        switch input.type {
        case .int8: return TransposeConvQuantizedKernel(Int8.self, ctx: ctx, p, q)
        default: return TransposeConvQuantizedKernel(UInt8.self, ctx: ctx, p, q)
        }
    }
}

/// Tiles are output rows (batch × height); each worker's scratch holds the
/// int32 accumulators of one output pixel.
final class TransposeConvQuantizedKernel: Kernel {
    /// Int8 elements (else UInt8).
    let signed: Bool
    let p: TransposeConv.Parameters
    let q: ConvolutionQuantization
    let requantization: ChannelRequantization
    let inputIndex: Int, weightsIndex: Int, biasIndex: Int?, outputIndex: Int
    var input: UnsafeRawPointer?
    var weights: UnsafeRawPointer?
    var bias: UnsafePointer<Int32>?
    var output: UnsafeMutableRawPointer?
    var scratch: UnsafeMutableRawPointer?

    init<E: QuantizedElement>(_: E.Type, ctx: PrepareContext, _ p: TransposeConv.Parameters, _ q: ConvolutionQuantization) {
        signed = E.self == Int8.self
        self.p = p
        self.q = q
        requantization = ChannelRequantization(q)
        inputIndex = ctx.node.inputs[2]
        weightsIndex = ctx.node.inputs[1]
        biasIndex = ctx.hasInput(3) ? ctx.node.inputs[3] : nil
        outputIndex = ctx.node.outputs[0]
    }

    var scratchBytesPerWorker: Int { max(p.outputDepth, 1) &* 4 }
    var tileCount: Int { max(p.batches &* p.outputHeight, 1) }
    var cost: Int { p.batches &* p.inputHeight &* p.inputWidth &* p.inputDepth &* p.filterHeight &* p.filterWidth &* p.outputDepth }

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(inputIndex))
        weights = UnsafeRawPointer(memory.raw(weightsIndex))
        bias = biasIndex.map { UnsafePointer(memory.pointer($0, as: Int32.self)) }
        output = memory.raw(outputIndex)
        scratch = memory.scratch
    }

    /// Class methods reached through the `Kernel` protocol are not
    /// specialised; dispatching to a generic function with a concrete type is.
    func run(tiles: Range<Int>, worker: Int) {
        if signed { compute(tiles: tiles, worker: worker, Int8.self) } else { compute(tiles: tiles, worker: worker, UInt8.self) }
    }

    private func compute<E: QuantizedElement>(tiles: Range<Int>, worker: Int, _: E.Type) {
        guard let rawInput = input, let rawWeights = weights, let rawOutput = output, let scratch else { return }
        let input = rawInput.assumingMemoryBound(to: E.self)
        let weights = rawWeights.assumingMemoryBound(to: E.self)
        let output = rawOutput.assumingMemoryBound(to: E.self)
        let acc = (scratch + worker &* scratchStride).assumingMemoryBound(to: Int32.self)
        let cin = p.inputDepth, cout = p.outputDepth
        let inOff = q.inputOffset, fOff = q.filterOffset
        let weightsPerOutput = p.filterHeight &* p.filterWidth &* cin
        p.forEachOutputPixel(rows: tiles) { b, oy, ox, outPixel in
            let image = input + b &* p.inputHeight &* p.inputWidth &* cin
            for co in 0..<cout { acc[co] = 0 }
            p.forEachTap(oy: oy, ox: ox) { ky, kx, iy, ix in
                let pixel = image + (iy &* p.inputWidth &+ ix) &* cin
                let tap = weights + (ky &* p.filterWidth &+ kx) &* cin
                for co in 0..<cout {
                    let w = tap + co &* weightsPerOutput
                    var sum: Int32 = 0
                    for ci in 0..<cin {
                        sum &+= (Int32(truncatingIfNeeded: pixel[ci]) &+ inOff) &* (Int32(truncatingIfNeeded: w[ci]) &+ fOff)
                    }
                    acc[co] &+= sum
                }
            }
            requantization.apply(UnsafePointer(acc), bias: bias, channel: 0, count: cout, into: output + outPixel &* cout)
        }
    }
}
