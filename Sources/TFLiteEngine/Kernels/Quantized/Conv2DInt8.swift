/// Quantized CONV_2D (int8 per-channel, uint8 per-tensor), TFLite's
/// reference arithmetic (`reference_integer_ops::ConvPerChannel`,
/// `reference_ops::Conv` for uint8): int32 accumulation of
/// (w + filterOffset)·(x + inputOffset), bias, per-channel rescale, output
/// offset, clamp. Taps outside the input are skipped.
enum Conv2DInt8 {
    static func prepare(_ ctx: PrepareContext, _ p: Conv2D.Parameters) throws -> Kernel {
        let input = try ctx.input(0), filter = try ctx.input(1)
        let q = try ConvolutionQuantization(
            ctx: ctx, input: input, filter: filter, bias: ctx.optionalInput(2), output: ctx.output(0),
            channelAxis: 0, channels: p.outputChannels, activation: p.activation)
        switch input.type {
        case .int8: return Conv2DQuantizedKernel<Int8>(ctx: ctx, p, q)
        case .uint8: return Conv2DQuantizedKernel<UInt8>(ctx: ctx, p, q)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

/// Tiles are output rows (N × OH).
final class Conv2DQuantizedKernel<T: QuantizedElement>: Kernel {
    let p: Conv2D.Parameters
    let q: ConvolutionQuantization
    let inputIndex: Int, filterIndex: Int, biasIndex: Int?, outputIndex: Int
    var input: UnsafePointer<T>!
    var filter: UnsafePointer<T>!
    var bias: UnsafePointer<Int32>?
    var output: UnsafeMutablePointer<T>!

    init(ctx: PrepareContext, _ p: Conv2D.Parameters, _ q: ConvolutionQuantization) {
        self.p = p
        self.q = q
        inputIndex = ctx.node.inputs[0]
        filterIndex = ctx.node.inputs[1]
        biasIndex = ctx.hasInput(2) ? ctx.node.inputs[2] : nil
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { p.geometry.batches * p.geometry.outputHeight }
    var cost: Int {
        p.geometry.batches * p.geometry.outputHeight * p.geometry.outputWidth * p.outputChannels
            * p.geometry.filterHeight * p.geometry.filterWidth * p.filterChannels
    }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(inputIndex, as: T.self))
        filter = UnsafePointer(memory.pointer(filterIndex, as: T.self))
        bias = biasIndex.map { UnsafePointer(memory.pointer($0, as: Int32.self)) }
        output = memory.pointer(outputIndex, as: T.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        let g = p.geometry
        let cin = p.inputChannels, cout = p.outputChannels, fc = p.filterChannels
        let outPerGroup = cout / (cin / fc)
        let filterStride = g.filterHeight &* g.filterWidth &* fc
        let inOff = q.inputOffset, fOff = q.filterOffset, outOff = q.outputOffset
        let lo = q.activationMin, hi = q.activationMax
        q.multipliers.withUnsafeBufferPointer { multipliers in
            q.shifts.withUnsafeBufferPointer { shifts in
                for tile in tiles {
                    let b = tile / g.outputHeight, oy = tile % g.outputHeight
                    let inputBatch = input + b &* g.inputHeight &* g.inputWidth &* cin
                    var out = output + tile &* g.outputWidth &* cout
                    for ox in 0..<g.outputWidth {
                        for oc in 0..<cout {
                            let channelBase = (oc / outPerGroup) &* fc
                            var acc: Int32 = 0
                            let f = filter + oc &* filterStride
                            for ky in 0..<g.filterHeight {
                                let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                                if iy < 0 || iy >= g.inputHeight { continue }
                                for kx in 0..<g.filterWidth {
                                    let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                                    if ix < 0 || ix >= g.inputWidth { continue }
                                    let x = inputBatch + ((iy &* g.inputWidth &+ ix) &* cin &+ channelBase)
                                    let w = f + (ky &* g.filterWidth &+ kx) &* fc
                                    for c in 0..<fc {
                                        acc &+= (Int32(truncatingIfNeeded: w[c]) &+ fOff) &* (Int32(truncatingIfNeeded: x[c]) &+ inOff)
                                    }
                                }
                            }
                            if let bias { acc &+= bias[oc] }
                            acc = FixedPoint.multiplyByQuantizedMultiplier(acc, multipliers[oc], shifts[oc]) &+ outOff
                            out[oc] = T(truncatingIfNeeded: min(max(acc, lo), hi))
                        }
                        out += cout
                    }
                }
            }
        }
    }
}
