/// Quantized DEPTHWISE_CONV_2D (int8 per-channel on dimension 3, uint8
/// per-tensor), TFLite's reference arithmetic
/// (`reference_integer_ops::DepthwiseConvPerChannel`, uint8
/// `reference_ops::DepthwiseConv`). Int8 with depth multiplier 1 and a
/// constant filter runs `DepthwiseConv2DInt8Vectorized`; the loops below are the
/// reference for it and serve every other case.
enum DepthwiseConv2DQuantized {
    static func prepare(_ ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters) throws -> Kernel {
        let input = try ctx.input(0), filter = try ctx.input(1)
        let q = try ConvolutionQuantization(
            ctx: ctx, input: input, filter: filter, bias: ctx.optionalInput(2), output: ctx.output(0),
            channelAxis: 3, channels: p.outputChannels, activation: p.activation)
        switch input.type {
        case .int8:
            if p.depthMultiplier == 1,
               let constants = try DepthwiseInt8Constants.shared(ctx: ctx, p, q) {
                return DepthwiseConv2DInt8Vectorized(ctx: ctx, p, q, constants: constants)
            }
            return DepthwiseConv2DQuantizedReference(Int8.self, ctx: ctx, p, q)
        case .uint8: return DepthwiseConv2DQuantizedReference(UInt8.self, ctx: ctx, p, q)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

/// Tiles are output rows. Accumulators for one output pixel live in the
/// worker's scratch (Cout int32s).
final class DepthwiseConv2DQuantizedReference: Kernel {
    /// Int8 elements (else UInt8).
    let signed: Bool
    let p: DepthwiseConv2D.Parameters
    let q: ConvolutionQuantization
    let operands: FilteredOperands
    var input: UnsafeRawPointer!
    var filter: UnsafeRawPointer!
    var bias: UnsafePointer<Int32>?
    var output: UnsafeMutableRawPointer!
    var scratch: UnsafeMutableRawPointer!

    init<T: QuantizedElement>(_ type: T.Type, ctx: PrepareContext, _ p: DepthwiseConv2D.Parameters, _ q: ConvolutionQuantization) {
        signed = T.self == Int8.self
        self.p = p
        self.q = q
        operands = FilteredOperands(ctx)
    }

    var scratchBytesPerWorker: Int { max(p.outputChannels, 1) * 4 }
    var tileCount: Int { p.geometry.outputRows }
    var cost: Int { p.cost }

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(operands.input))
        filter = UnsafeRawPointer(memory.raw(operands.filter))
        bias = operands.bias.map { UnsafePointer(memory.pointer($0, as: Int32.self)) }
        output = memory.raw(operands.output)
        scratch = memory.scratch
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
        let cin = p.inputChannels, cout = p.outputChannels, m = p.depthMultiplier
        let inOff = q.inputOffset, fOff = q.filterOffset, outOff = q.outputOffset
        let lo = q.activationMin, hi = q.activationMax
        let acc = (scratch + worker &* scratchBytesPerWorker).assumingMemoryBound(to: Int32.self)
        q.multipliers.withUnsafeBufferPointer { multipliers in
            q.shifts.withUnsafeBufferPointer { shifts in
                for tile in tiles {
                    let b = tile / g.outputHeight, oy = tile % g.outputHeight
                    let inputBatch = input + b &* g.inputHeight &* g.inputWidth &* cin
                    var out = output + tile &* g.outputWidth &* cout
                    for ox in 0..<g.outputWidth {
                        for oc in 0..<cout { acc[oc] = 0 }
                        for ky in 0..<g.filterHeight {
                            let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                            if iy < 0 || iy >= g.inputHeight { continue }
                            for kx in 0..<g.filterWidth {
                                let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                                if ix < 0 || ix >= g.inputWidth { continue }
                                let x = inputBatch + (iy &* g.inputWidth &+ ix) &* cin
                                let w = filter + (ky &* g.filterWidth &+ kx) &* cout
                                if m == 1 {
                                    for oc in 0..<cout {
                                        acc[oc] &+= (Int32(truncatingIfNeeded: w[oc]) &+ fOff) &* (Int32(truncatingIfNeeded: x[oc]) &+ inOff)
                                    }
                                } else {
                                    for oc in 0..<cout {
                                        acc[oc] &+= (Int32(truncatingIfNeeded: w[oc]) &+ fOff) &* (Int32(truncatingIfNeeded: x[oc / m]) &+ inOff)
                                    }
                                }
                            }
                        }
                        for oc in 0..<cout {
                            var v = acc[oc]
                            if let bias { v &+= bias[oc] }
                            v = FixedPoint.multiplyByQuantizedMultiplier(v, multipliers[oc], shifts[oc]) &+ outOff
                            out[oc] = E(truncatingIfNeeded: min(max(v, lo), hi))
                        }
                        out += cout
                    }
                }
            }
        }
    }
}
