#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// RESIZE_NEAREST_NEIGHBOR (NHWC, any fixed-size type: it only moves bytes).
/// Source index, as TFLite: c = (x + offset)·scale with offset 0.5 under
/// `half_pixel_centers`; rounded half away from zero under `align_corners`,
/// floored otherwise; clamped to size − 1 (and to 0 with half-pixel centers).
enum ResizeNearestNeighbor {
    static let registration = OperatorRegistration(maxVersion: 4) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let options = try ctx.options(ResizeNearestNeighborOptions.self)
        let g = try ResizeGeometry(ctx, alignCorners: options.alignCorners, halfPixelCenters: options.halfPixelCenters)
        let size = try ctx.requireSameTypeMovingBytes()
        return ResizeNearestKernel(ctx: ctx, g, elementSize: size)
    }

    static func sourceIndices(input: Int, output: Int, g: ResizeGeometry) -> [Int] {
        let scale = g.scale(input: input, output: output)
        let offset: Float = g.halfPixelCenters ? 0.5 : 0
        return (0..<output).map { o in
            let c = (Float(o) + offset) * scale
            var i = min(Int(g.alignCorners ? c.rounded(.toNearestOrAwayFromZero) : c.rounded(.down)), input - 1)
            if g.halfPixelCenters { i = max(i, 0) }
            return max(i, 0)
        }
    }
}

/// Tiles are output rows (batch × height); each pixel is a channel-run copy.
final class ResizeNearestKernel: Kernel {
    let g: ResizeGeometry
    let elementSize: Int
    let ys: [Int], xs: [Int]
    var io: ByteOperands
    var input: UnsafeRawPointer! { io.input }
    var output: UnsafeMutableRawPointer! { io.output }

    init(ctx: PrepareContext, _ g: ResizeGeometry, elementSize: Int) {
        self.g = g
        self.elementSize = elementSize
        ys = ResizeNearestNeighbor.sourceIndices(input: g.inputHeight, output: g.outputHeight, g: g)
        xs = ResizeNearestNeighbor.sourceIndices(input: g.inputWidth, output: g.outputWidth, g: g)
        io = ByteOperands(ctx)
    }

    var tileCount: Int { max(g.batches &* g.outputHeight, 1) }
    var cost: Int { g.batches &* g.outputHeight &* g.outputWidth &* g.channels }

    func bind(_ memory: TensorMemory) { io.bind(memory) }

    func run(tiles: Range<Int>, worker: Int) {
        let pixelBytes = g.channels &* elementSize
        ys.withUnsafeBufferPointer { ys in xs.withUnsafeBufferPointer { xs in
            for row in tiles where row < g.batches &* g.outputHeight {
                let b = row / g.outputHeight, y = row % g.outputHeight
                let source = input + (b &* g.inputHeight &+ ys[y]) &* g.inputWidth &* pixelBytes
                var o = output + row &* g.outputWidth &* pixelBytes
                for x in 0..<g.outputWidth {
                    o.copyMemory(from: source + xs[x] &* pixelBytes, byteCount: pixelBytes)
                    o += pixelBytes
                }
            }
        }}
    }
}
