/// Quantized CONV_2D (int8 per-channel, uint8 per-tensor), TFLite's
/// reference arithmetic (`reference_integer_ops::ConvPerChannel`,
/// `reference_ops::Conv` for uint8): int32 accumulation of
/// (w + filterOffset)·(x + inputOffset), bias, per-channel rescale, output
/// offset, clamp. Taps outside the input are skipped.
enum Conv2DQuantized {
    static func prepare(_ ctx: PrepareContext, _ p: Conv2D.Parameters) throws -> Kernel {
        let input = try ctx.input(0), filter = try ctx.input(1)
        let q = try ConvolutionQuantization(
            ctx: ctx, input: input, filter: filter, bias: ctx.optionalInput(2), output: ctx.output(0),
            channelAxis: 0, channels: p.outputChannels, activation: p.activation)
        if input.type == .int8 || input.type == .uint8, p.filterChannels == p.inputChannels {
            let g = p.geometry
            if let fast = try GEMMConvolutionQuantized.make(
                ctx: ctx, source: g.isPointwise ? .rows(stride: p.inputChannels) : .convolution(g),
                m: g.outputPixels, n: p.outputChannels, taps: g.filterHeight * g.filterWidth, channels: p.inputChannels,
                quantization: q, signed: input.type == .int8) {
                return fast
            }
        }
        switch input.type {
        case .int8: return Conv2DQuantizedReference(Int8.self, ctx: ctx, p, q)
        case .uint8: return Conv2DQuantizedReference(UInt8.self, ctx: ctx, p, q)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

/// Tiles are output rows (N × OH).
final class Conv2DQuantizedReference: Kernel {
    /// Int8 elements (else UInt8).
    let signed: Bool
    let p: Conv2D.Parameters
    let q: ConvolutionQuantization
    let operands: FilteredOperands
    var input: UnsafeRawPointer!
    var filter: UnsafeRawPointer!
    var bias: UnsafePointer<Int32>?
    var output: UnsafeMutableRawPointer!

    init<T: QuantizedElement>(_ type: T.Type, ctx: PrepareContext, _ p: Conv2D.Parameters, _ q: ConvolutionQuantization) {
        signed = T.self == Int8.self
        self.p = p
        self.q = q
        operands = FilteredOperands(ctx)
    }

    var tileCount: Int { p.geometry.outputRows }
    var cost: Int { p.cost }

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(operands.input))
        filter = UnsafeRawPointer(memory.raw(operands.filter))
        bias = operands.bias.map { UnsafePointer(memory.pointer($0, as: Int32.self)) }
        output = memory.raw(operands.output)
    }

    /// Class methods reached through the `Kernel` protocol are not
    /// specialised; dispatching to a generic function with a concrete type
    /// is, so the loops below run on Int8/UInt8 directly.
    func run(tiles: Range<Int>, worker: Int) {
        if signed { compute(tiles: tiles, worker: worker, Int8.self) } else { compute(tiles: tiles, worker: worker, UInt8.self) }
    }

    private func compute<E: QuantizedElement>(tiles: Range<Int>, worker: Int, _: E.Type) {
        let input = UnsafePointer<E>(OpaquePointer(self.input!))
        let filter = UnsafePointer<E>(OpaquePointer(self.filter!))
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output!))
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
                            out[oc] = E(truncatingIfNeeded: min(max(acc, lo), hi))
                        }
                        out += cout
                    }
                }
            }
        }
    }
}
