/// Quantized RESIZE_BILINEAR (input and output share their quantization):
///
/// - int8: TFLite's `reference_ops::ResizeBilinearInteger` (LiteRT runs it
///   for int8 in every kernel set, and so does TFLite Micro). Coordinates in
///   Q10: scale₁₀ = (2¹⁰·in + out/2) / out (align_corners: (2¹⁰·(in − 1) +
///   (out − 1)/2) / (out − 1)); source s = o·scale₁₀ (half_pixel_centers:
///   + scale₁₀/2 − 2⁹); lower max(s / 2¹⁰, 0), upper min(⌈s / 2¹⁰⌉, in − 1),
///   all C integer divisions; weights s − 2¹⁰·lower; the Q20 sum is rounded
///   half away from zero and narrowed by truncation, as TFLite.
/// - uint8: TFLite's `reference_ops::ResizeBilinear<uint8_t>`: the float
///   interpolation of the float kernel plus 0.5, truncated.
enum ResizeBilinearQuantized {
    /// Per output position along one axis: lower and upper source indices
    /// and the Q10 distance of the source coordinate past the lower one.
    struct IntegerTable {
        var lower: [Int] = [], upper: [Int] = [], weight: [Int32] = []
    }

    static func prepare(_ ctx: PrepareContext, _ g: ResizeGeometry, type: TensorType) throws -> Kernel {
        if type == .uint8 { return ResizeBilinearQuantizedKernel(ctx: ctx, g, integer: nil) }
        let ys = try integerTable(ctx, input: g.inputHeight, output: g.outputHeight, g: g, axis: "height")
        let xs = try integerTable(ctx, input: g.inputWidth, output: g.outputWidth, g: g, axis: "width")
        return ResizeBilinearQuantizedKernel(ctx: ctx, g, integer: (ys, xs))
    }

    static func integerTable(_ ctx: PrepareContext, input: Int, output: Int, g: ResizeGeometry, axis: String) throws -> IntegerTable {
        let one: Int64 = 1 << 10
        let (numerator, denominator): (Int64, Int64) = g.alignCorners && output > 1
            ? (one * Int64(input - 1) + Int64(output - 1) / 2, Int64(output - 1))
            : (one * Int64(input) + Int64(output) / 2, Int64(output))
        let scale = numerator / denominator
        // TFLite computes these in int32.
        guard numerator <= Int64(Int32.max), scale * Int64(output) + scale <= Int64(Int32.max) else {
            throw ctx.error("\(axis) \(input) → \(output) overflows the Q10 coordinates of the integer bilinear resize")
        }
        var t = IntegerTable()
        for o in 0..<output {
            let s = g.halfPixelCenters ? Int64(o) * scale + scale / 2 - (1 << 9) : Int64(o) * scale
            let lower = max(s / one, 0)
            let upper = min((s + one - 1) / one, Int64(input - 1))
            t.lower.append(Int(lower))
            t.upper.append(Int(upper))
            t.weight.append(Int32(s - one * lower))
        }
        return t
    }
}

/// Tiles are output rows (batch × height).
final class ResizeBilinearQuantizedKernel: Kernel {
    let g: ResizeGeometry
    /// int8 (the integer tables) or uint8 (nil: the float tables).
    let integer: (ys: ResizeBilinearQuantized.IntegerTable, xs: ResizeBilinearQuantized.IntegerTable)?
    let ys: (lower: [Int], upper: [Int], fraction: [Float])
    let xs: (lower: [Int], upper: [Int], fraction: [Float])
    let inputIndex: Int, outputIndex: Int
    var input: UnsafeRawPointer!
    var output: UnsafeMutableRawPointer!

    init(ctx: PrepareContext, _ g: ResizeGeometry, integer: (ys: ResizeBilinearQuantized.IntegerTable, xs: ResizeBilinearQuantized.IntegerTable)?) {
        self.g = g
        self.integer = integer
        if integer == nil {
            ys = ResizeBilinear.table(input: g.inputHeight, output: g.outputHeight, scale: g.scale(input: g.inputHeight, output: g.outputHeight), halfPixel: g.halfPixelCenters)
            xs = ResizeBilinear.table(input: g.inputWidth, output: g.outputWidth, scale: g.scale(input: g.inputWidth, output: g.outputWidth), halfPixel: g.halfPixelCenters)
        } else {
            ys = ([], [], [])
            xs = ([], [], [])
        }
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { max(g.batches &* g.outputHeight, 1) }
    var cost: Int { g.batches &* g.outputHeight &* g.outputWidth &* g.channels &* 4 }

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(inputIndex))
        output = memory.raw(outputIndex)
    }

    func run(tiles: Range<Int>, worker: Int) {
        if let integer { runInteger(tiles, integer.ys, integer.xs) } else { runFloat(tiles) }
    }

    private func runInteger(_ tiles: Range<Int>, _ ty: ResizeBilinearQuantized.IntegerTable, _ tx: ResizeBilinearQuantized.IntegerTable) {
        let input = self.input.assumingMemoryBound(to: Int8.self)
        let output = self.output.assumingMemoryBound(to: Int8.self)
        let c = g.channels
        let one: Int64 = 1 << 10, half: Int64 = 1 << 19
        ty.lower.withUnsafeBufferPointer { yl in ty.upper.withUnsafeBufferPointer { yu in ty.weight.withUnsafeBufferPointer { yw in
        tx.lower.withUnsafeBufferPointer { xl in tx.upper.withUnsafeBufferPointer { xu in tx.weight.withUnsafeBufferPointer { xw in
            g.forEachBilinearPixel(rows: tiles, input: UnsafePointer(input), output: output, y: (yl, yu), x: (xl, xu)) { top, bottom, l, r, y, x, o in
                let dy = Int64(yw[y]), dx = Int64(xw[x])
                let w00 = (one &- dy) &* (one &- dx), w10 = dy &* (one &- dx)
                let w01 = (one &- dy) &* dx, w11 = dy &* dx
                for ch in 0..<c {
                    let sum = Int64(top[l &+ ch]) &* w00 &+ Int64(bottom[l &+ ch]) &* w10
                        &+ Int64(top[r &+ ch]) &* w01 &+ Int64(bottom[r &+ ch]) &* w11
                    let rounded = (sum &+ (sum > 0 ? half : -half)) / (1 << 20)
                    o[ch] = Int8(truncatingIfNeeded: rounded)
                }
            }
        }}}}}}
    }

    private func runFloat(_ tiles: Range<Int>) {
        let input = self.input.assumingMemoryBound(to: UInt8.self)
        let output = self.output.assumingMemoryBound(to: UInt8.self)
        let c = g.channels
        ys.lower.withUnsafeBufferPointer { yl in ys.upper.withUnsafeBufferPointer { yu in ys.fraction.withUnsafeBufferPointer { yf in
        xs.lower.withUnsafeBufferPointer { xl in xs.upper.withUnsafeBufferPointer { xu in xs.fraction.withUnsafeBufferPointer { xf in
            g.forEachBilinearPixel(rows: tiles, input: UnsafePointer(input), output: output, y: (yl, yu), x: (xl, xu)) { top, bottom, l, r, y, x, o in
                let dy = yf[y], dx = xf[x]
                for ch in 0..<c {
                    let v = Float(top[l &+ ch]) * (1 - dy) * (1 - dx) + Float(bottom[l &+ ch]) * dy * (1 - dx)
                        + Float(top[r &+ ch]) * (1 - dy) * dx + Float(bottom[r &+ ch]) * dy * dx + 0.5
                    // static_cast<uint8_t> of a value in [0.5, 255.5].
                    o[ch] = UInt8(min(max(v, 0), 255))
                }
            }
        }}}}}}
    }
}
