/// GATHER_ND: slices of `params` addressed by the last dimension of
/// `indices` (int32 or int64): an index tuple of length d ≤ rank(params)
/// picks params[i₀, …, i_{d−1}, …]. Output shape:
/// indices.shape[..<last] + params.shape[d...]. Any fixed-size element type.
///
/// Index validation as GATHER: constant indices are checked at prepare;
/// indices computed at run time are checked as they are read (an invalid
/// tuple zero-fills its slice and is reported by `Interpreter.invoke()`).
enum GatherND {
    static let registration = OperatorRegistration(maxVersion: 5) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let params = try ctx.input(0), indices = try ctx.input(1)
        try ctx.require(indices, typeIn: [.int32, .int64], "indices")
        guard indices.rank >= 1 else { throw ctx.error("indices '\(indices.name)' is a scalar; its last dimension holds the index tuples") }
        let depth = indices.shape[indices.rank - 1]
        guard depth <= params.rank else {
            throw ctx.error("index tuples of length \(depth) exceed params rank \(params.rank)")
        }
        let size = try ctx.requireSameTypeMovingBytes("params")
        try ctx.setOutputShape(0, Array(indices.shape.dropLast()) + Array(params.shape[depth...]))
        let g = Geometry(
            tuples: try ctx.product(indices.shape.dropLast(), "indices"),
            depth: depth,
            sliceElements: try ctx.product(params.shape[depth...], "params dimensions after the index"),
            dimensions: Array(params.shape[..<depth]),
            strides: Array(PrepareContext.elementStrides(params.shape)[..<depth]))
        if indices.isConstant {
            let values = try ctx.constantInts(indices, "indices")
            for t in 0..<g.tuples {
                for d in 0..<depth where values[t * depth + d] < 0 || values[t * depth + d] >= g.dimensions[d] {
                    throw ctx.error("index \(values[t * depth + d]) of tuple \(t) is out of range 0..<\(g.dimensions[d]) for params dimension \(d)")
                }
            }
        }
        return GatherNDKernel(ctx: ctx, g, elementSize: size, indexIs64Bit: indices.type == .int64, constantIndices: indices.isConstant)
    }

    struct Geometry {
        /// Index tuples, their length, and the elements of each slice.
        let tuples: Int, depth: Int, sliceElements: Int
        /// Sizes and element strides of the params dimensions the tuples address.
        let dimensions: [Int], strides: [Int]
    }
}

/// Byte-copying GATHER_ND. Tiles are index tuples.
final class GatherNDKernel: IndexedGatherKernel<GatherND.Geometry> {
    override var runFailure: String? {
        failedPosition < 0 ? nil : "index \(failedIndex) of tuple \(failedPosition) is out of range; its output slice was zero-filled"
    }

    override var tileCount: Int { constantIndices ? g.tuples : min(g.tuples, 1) }
    override var cost: Int { g.tuples &* max(g.sliceElements, 1) }

    override func run(tiles: Range<Int>, worker: Int) {
        let sliceBytes = g.sliceElements &* elementSize
        let tuples = constantIndices ? tiles : 0..<g.tuples
        if !constantIndices { failedPosition = -1 }
        for t in tuples {
            var offset = 0, valid = true
            for d in 0..<g.depth {
                let position = t &* g.depth &+ d
                let index = index(at: position)
                if index < 0 || index >= g.dimensions[d] {
                    if valid && failedPosition < 0 { failedIndex = index; failedPosition = t }
                    valid = false
                }
                offset &+= index &* g.strides[d]
            }
            let destination = output + t &* sliceBytes
            if valid {
                destination.copyMemory(from: params + offset &* elementSize, byteCount: sliceBytes)
            } else {
                destination.initializeMemory(as: UInt8.self, repeating: 0, count: sliceBytes)
            }
        }
    }
}
