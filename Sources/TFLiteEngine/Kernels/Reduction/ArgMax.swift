/// ARG_MAX along one axis given by a constant one-element int32/int64 input
/// (negative counts from the end). The output drops that axis and holds
/// int32 or int64 indices (`ArgMaxOptions.output_type`, which must match the
/// output tensor). Ties give the first index, as in TFLite. Inputs: float32,
/// int8 and uint8 (stored values compare like real ones), int32.
///
/// The axis is validated here (CVE-2021-29603: an unchecked axis let TFLite
/// write outside the output), and an empty axis with a non-empty output is
/// rejected (there is no index to return).
enum ArgMax {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in
        try ArgExtremum.prepare(ctx, Maximum.self, declaredType: ctx.node.optionsType != 0 ? ctx.options(ArgMaxOptions.self).outputType : nil)
    }
}

/// ARG_MIN: ARG_MAX's counterpart (index of the first minimum), with
/// `ArgMinOptions.output_type`; the same types and checks.
enum ArgMin {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in
        try ArgExtremum.prepare(ctx, Minimum.self, declaredType: ctx.node.optionsType != 0 ? ctx.options(ArgMinOptions.self).outputType : nil)
    }
}

/// The prepare of ARG_MAX and ARG_MIN.
enum ArgExtremum {
    static func prepare<Direction: ExtremumDirection>(_ ctx: PrepareContext, _: Direction.Type, declaredType: Int8?) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let input = try ctx.input(0), axisTensor = try ctx.input(1)
        let axes = try ctx.constantInts(axisTensor, "axis")
        guard axes.count == 1 else { throw ctx.error("axis input '\(axisTensor.name)' has \(axes.count) values; exactly one axis is required") }
        let rank = input.rank
        let axis = axes[0] < 0 ? axes[0] + rank : axes[0]
        guard axis >= 0, axis < rank else { throw ctx.error("axis \(axes[0]) is out of range for input rank \(rank)") }
        var outputShape = input.shape
        outputShape.remove(at: axis)
        try ctx.setOutputShape(0, outputShape)
        let outer = input.shape[..<axis].reduce(1, *), inner = input.shape[(axis + 1)...].reduce(1, *)
        let axisSize = input.shape[axis]
        if axisSize == 0 && outer * inner > 0 {
            throw ctx.error("axis \(axes[0]) of input shape \(input.shape) is empty; there is no index to return")
        }
        let out = ctx.output(0)
        if let declared = declaredType {
            guard Int(declared) == Int(out.type.rawValue) else {
                throw ctx.error("output_type option \(declared) does not match output '\(out.name)' of type \(out.type)")
            }
        }
        let geometry = ArgExtremumGeometry(outer: outer, axisSize: axisSize, inner: inner)
        switch (input.type, out.type) {
        case (.float32, .int32): return ArgExtremumKernel<Direction, Float, Int32>(ctx: ctx, geometry)
        case (.float32, .int64): return ArgExtremumKernel<Direction, Float, Int64>(ctx: ctx, geometry)
        case (.int8, .int32): return ArgExtremumKernel<Direction, Int8, Int32>(ctx: ctx, geometry)
        case (.int8, .int64): return ArgExtremumKernel<Direction, Int8, Int64>(ctx: ctx, geometry)
        case (.uint8, .int32): return ArgExtremumKernel<Direction, UInt8, Int32>(ctx: ctx, geometry)
        case (.uint8, .int64): return ArgExtremumKernel<Direction, UInt8, Int64>(ctx: ctx, geometry)
        case (.int32, .int32): return ArgExtremumKernel<Direction, Int32, Int32>(ctx: ctx, geometry)
        case (.int32, .int64): return ArgExtremumKernel<Direction, Int32, Int64>(ctx: ctx, geometry)
        case (.float32, _), (.int8, _), (.uint8, _), (.int32, _):
            throw ctx.error("output '\(out.name)' is \(out.type), expected int32 or int64")
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

/// The input viewed as [outer, axis, inner].
struct ArgExtremumGeometry {
    let outer: Int, axisSize: Int, inner: Int
}

/// Index of the first maximum (or minimum) along the axis. Tiles are outer
/// indices. The loop is a closure built in `init`, where the types are
/// concrete, so it is specialized.
final class ArgExtremumKernel<Direction: ExtremumDirection, Element: Comparable, Index: FixedWidthInteger>: UnaryOperandKernel {
    let g: ArgExtremumGeometry
    let inputIndex: Int, outputIndex: Int
    let body: (_ x: UnsafePointer<Element>, _ y: UnsafeMutablePointer<Index>, _ tiles: Range<Int>) -> Void
    var input: UnsafePointer<Element>!
    var output: UnsafeMutablePointer<Index>!

    init(ctx: PrepareContext, _ g: ArgExtremumGeometry) {
        self.g = g
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
        let n = g.axisSize, inner = g.inner
        body = { x, y, tiles in
            for o in tiles {
                let base = x + o &* n &* inner, out = y + o &* inner
                if inner == 1 {
                    var best = base[0], bestIndex = 0
                    for k in 1..<n where Direction.prefers(base[k], over: best) { best = base[k]; bestIndex = k }
                    out[0] = Index(truncatingIfNeeded: bestIndex)
                    continue
                }
                for j in 0..<inner {
                    var best = base[j], bestIndex = 0
                    for k in 1..<n {
                        let v = base[k &* inner &+ j]
                        if Direction.prefers(v, over: best) { best = v; bestIndex = k }
                    }
                    out[j] = Index(truncatingIfNeeded: bestIndex)
                }
            }
        }
    }

    /// No tiles when the output is empty (then `axisSize` may be 0 too).
    var tileCount: Int { g.inner == 0 || g.axisSize == 0 ? 0 : g.outer }
    var cost: Int { g.outer * g.axisSize * g.inner }

    func run(tiles: Range<Int>, worker: Int) {
        guard let input, let output else { return }
        body(input, output, tiles)
    }
}
