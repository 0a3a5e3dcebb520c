#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Output size and source coordinates shared by the resize ops (NHWC input,
/// constant int32 `size` = [new_height, new_width]).
struct ResizeGeometry {
    let batches: Int, inputHeight: Int, inputWidth: Int, channels: Int
    let outputHeight: Int, outputWidth: Int
    let alignCorners: Bool, halfPixelCenters: Bool

    init(_ ctx: PrepareContext, alignCorners: Bool, halfPixelCenters: Bool) throws {
        try ctx.expect(inputs: 2)
        let input = try ctx.input(0), sizeTensor = try ctx.input(1)
        try ctx.require(input, rank: 4, "input")
        try ctx.require(sizeTensor, type: .int32, "size")
        let size = try ctx.constantInts(sizeTensor, "size")
        guard size.count == 2, size[0] >= 1, size[1] >= 1, size[0] <= 1 << 24, size[1] <= 1 << 24 else {
            throw ctx.error("size \(size) must be two values in 1…\(1 << 24)")
        }
        batches = input.shape[0]; inputHeight = input.shape[1]; inputWidth = input.shape[2]; channels = input.shape[3]
        outputHeight = size[0]; outputWidth = size[1]
        self.alignCorners = alignCorners
        self.halfPixelCenters = halfPixelCenters
        guard inputHeight >= 1, inputWidth >= 1 else { throw ctx.error("input \(input.shape) is empty") }
        try ctx.setOutputShape(0, [batches, outputHeight, outputWidth, channels])
    }

    /// Visits the output pixels of output rows `rows` (N × OH) of a bilinear
    /// resize: `body(top, bottom, left, right, y, x, out)`, where `top` and
    /// `bottom` are the two input rows output row y reads, `left` and `right`
    /// the element offsets of the two input columns output column x reads,
    /// and `out` the output pixel's first channel.
    @inline(__always)
    func forEachBilinearPixel<E, O>(
        rows: Range<Int>, input: UnsafePointer<E>, output: UnsafeMutablePointer<O>,
        y: (lower: UnsafeBufferPointer<Int>, upper: UnsafeBufferPointer<Int>),
        x: (lower: UnsafeBufferPointer<Int>, upper: UnsafeBufferPointer<Int>),
        _ body: (_ top: UnsafePointer<E>, _ bottom: UnsafePointer<E>, _ left: Int, _ right: Int, _ y: Int, _ x: Int, _ out: UnsafeMutablePointer<O>) -> Void
    ) {
        let c = channels, iw = inputWidth, ow = outputWidth
        for row in rows where row < batches &* outputHeight {
            let b = row / outputHeight, oy = row % outputHeight
            let image = input + b &* inputHeight &* iw &* c
            let top = image + y.lower[oy] &* iw &* c, bottom = image + y.upper[oy] &* iw &* c
            var o = output + row &* ow &* c
            for ox in 0..<ow {
                body(top, bottom, x.lower[ox] &* c, x.upper[ox] &* c, oy, ox, o)
                o += c
            }
        }
    }

    /// Input-over-output scale along one axis (TFLite's rule).
    func scale(input: Int, output: Int) -> Float {
        alignCorners && output > 1 ? Float(input - 1) / Float(output - 1) : Float(input) / Float(output)
    }
}

/// RESIZE_BILINEAR (float32; int8 and uint8 in
/// `ResizeBilinear+Quantized.swift`): TFLite's coordinate rules (align_corners and
/// half_pixel_centers are exclusive, as in TFLite) — scale from
/// `align_corners`; with `half_pixel_centers` the source coordinate is
/// (x + 0.5)·scale − 0.5; the lower neighbour is max(floor(c), 0), the upper
/// min(ceil(c), size − 1), weights from the unclamped coordinate.
enum ResizeBilinear {
    static let registration = OperatorRegistration(maxVersion: 4) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let options = try ctx.options(ResizeBilinearOptions.self)
        let g = try ResizeGeometry(ctx, alignCorners: options.alignCorners, halfPixelCenters: options.halfPixelCenters)
        guard !(g.alignCorners && g.halfPixelCenters) else {
            throw ctx.error("half_pixel_centers and align_corners cannot both be set")
        }
        let input = try ctx.input(0)
        switch input.type {
        case .float32:
            try ctx.require(ctx.output(0), type: .float32, "output")
            return ResizeBilinearFloat(ctx: ctx, g)
        case .int8, .uint8:
            _ = try ctx.requireSameTypeMovingBytes()
            return try ResizeBilinearQuantized.prepare(ctx, g, type: input.type)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }

    /// Lower index, upper index and fraction for each output position.
    static func table(input: Int, output: Int, scale: Float, halfPixel: Bool) -> (lower: [Int], upper: [Int], fraction: [Float]) {
        var lower: [Int] = [], upper: [Int] = [], fraction: [Float] = []
        for o in 0..<output {
            let c = halfPixel ? (Float(o) + 0.5) * scale - 0.5 : Float(o) * scale
            let l = max(Int(c.rounded(.down)), 0)
            let u = min(Int(c.rounded(.up)), input - 1)
            lower.append(min(l, input - 1))
            upper.append(max(u, 0))
            fraction.append(c - Float(l))
        }
        return (lower, upper, fraction)
    }
}

/// Tiles are output rows (batch × height).
final class ResizeBilinearFloat: UnaryOperandKernel {
    let g: ResizeGeometry
    let ys: (lower: [Int], upper: [Int], fraction: [Float])
    let xs: (lower: [Int], upper: [Int], fraction: [Float])
    let inputIndex: Int, outputIndex: Int
    var input: UnsafePointer<Float>!
    var output: UnsafeMutablePointer<Float>!

    init(ctx: PrepareContext, _ g: ResizeGeometry) {
        self.g = g
        ys = ResizeBilinear.table(input: g.inputHeight, output: g.outputHeight, scale: g.scale(input: g.inputHeight, output: g.outputHeight), halfPixel: g.halfPixelCenters)
        xs = ResizeBilinear.table(input: g.inputWidth, output: g.outputWidth, scale: g.scale(input: g.inputWidth, output: g.outputWidth), halfPixel: g.halfPixelCenters)
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { max(g.batches &* g.outputHeight, 1) }
    var cost: Int { g.batches &* g.outputHeight &* g.outputWidth &* g.channels &* 4 }

    func run(tiles: Range<Int>, worker: Int) {
        let c = g.channels
        ys.lower.withUnsafeBufferPointer { yl in ys.upper.withUnsafeBufferPointer { yu in ys.fraction.withUnsafeBufferPointer { yf in
        xs.lower.withUnsafeBufferPointer { xl in xs.upper.withUnsafeBufferPointer { xu in xs.fraction.withUnsafeBufferPointer { xf in
            g.forEachBilinearPixel(rows: tiles, input: UnsafePointer<Float>(input), output: output, y: (yl, yu), x: (xl, xu)) { top, bottom, l, r, y, x, o in
                let dy = yf[y], dx = xf[x]
                for ch in 0..<c {
                    o[ch] = top[l &+ ch] * (1 - dy) * (1 - dx) + bottom[l &+ ch] * dy * (1 - dx)
                        + top[r &+ ch] * (1 - dy) * dx + bottom[r &+ ch] * dy * dx
                }
            }
        }}}}}}
    }
}
