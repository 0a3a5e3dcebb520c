/// CUMSUM along the constant axis of input 1 (one int32/int64 value;
/// negative counts from the end), with `exclusive` (each output sums the
/// values before it) and `reverse` (sums run from the end). float32 (summed
/// in order from 0, like LiteRT), int32 and int64 (wrapping).
enum Cumsum {
    static let registration = OperatorRegistration(maxVersion: 1) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let input = try ctx.input(0)
        let options = try ctx.options(CumsumOptions.self)
        let axis = try ctx.axis(try ctx.constantScalarInt(try ctx.input(1), "axis"), rank: input.rank)
        try ctx.require(ctx.output(0), type: input.type, "output")
        try ctx.setOutputShape(0, input.shape)
        let g = CumsumGeometry(outer: input.shape[..<axis].reduce(1, *), length: input.shape[axis],
                               inner: input.shape[(axis + 1)...].reduce(1, *), exclusive: options.exclusive, reverse: options.reverse)
        switch input.type {
        case .float32: return CumsumKernel<Float>(ctx: ctx, g)
        case .int32: return CumsumKernel<Int32>(ctx: ctx, g)
        case .int64: return CumsumKernel<Int64>(ctx: ctx, g)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

/// Element types CUMSUM adds.
protocol CumulativeElement {
    static var zero: Self { get }
    static func add(_ a: Self, _ b: Self) -> Self
}

extension Float: CumulativeElement {
    @inline(__always) static func add(_ a: Float, _ b: Float) -> Float { a + b }
}

extension CumulativeElement where Self: FixedWidthInteger {
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a &+ b }
}

extension Int32: CumulativeElement {}
extension Int64: CumulativeElement {}

/// The input viewed as [outer, length, inner], summed along `length`.
struct CumsumGeometry {
    let outer: Int, length: Int, inner: Int
    let exclusive: Bool, reverse: Bool
}

/// Each output is the previous output of its line plus one input (the sums
/// are the same additions, in the same order, as a running accumulator).
/// Tiles are (outer index, block of inner indices); the inner loop runs over
/// contiguous inner indices.
final class CumsumKernel<Element: CumulativeElement>: UnaryOperandKernel {
    let g: CumsumGeometry
    let blocks: Int
    let inputIndex: Int, outputIndex: Int
    var input: UnsafePointer<Element>!
    var output: UnsafeMutablePointer<Element>!
    static var blockSize: Int { 256 }

    init(ctx: PrepareContext, _ g: CumsumGeometry) {
        self.g = g
        blocks = (g.inner + Self.blockSize - 1) / Self.blockSize
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { g.length == 0 ? 0 : g.outer * blocks }
    var cost: Int { g.outer * g.length * g.inner }

    func run(tiles: Range<Int>, worker: Int) {
        guard let input, let output else { return }
        let (n, inner) = (g.length, g.inner)
        for tile in tiles {
            let o = tile / blocks, start = (tile % blocks) &* Self.blockSize
            let end = min(start &+ Self.blockSize, inner)
            let x = input + o &* n &* inner, y = output + o &* n &* inner
            // Positions along the axis in summation order.
            let first = g.reverse ? n &- 1 : 0, step = g.reverse ? -1 : 1
            let row0 = first &* inner
            if g.exclusive {
                for j in start..<end { y[row0 &+ j] = .zero }
            } else {
                for j in start..<end { y[row0 &+ j] = Element.add(.zero, x[row0 &+ j]) }
            }
            var previous = row0
            for i in 1..<max(n, 1) {
                let row = (first &+ i &* step) &* inner
                let added = g.exclusive ? previous : row
                for j in start..<end { y[row &+ j] = Element.add(y[previous &+ j], x[added &+ j]) }
                previous = row
            }
        }
    }
}
