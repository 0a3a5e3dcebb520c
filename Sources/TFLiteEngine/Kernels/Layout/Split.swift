/// SPLIT: input 1 cut into `num_splits` equal pieces along the constant axis
/// of input 0 (a one-element int32/int64 tensor; negative counts from the
/// end). Any fixed-size element type; quantized outputs share the input's
/// quantization.
enum Split {
    static let registration = OperatorRegistration(maxVersion: 4) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let count = Int(try ctx.options(SplitOptions.self).numSplits)
        guard count >= 1 else { throw ctx.error("num_splits \(count) must be at least 1") }
        try ctx.expect(inputs: 2...2, outputs: count...count)
        let input = try ctx.input(1)
        let axis = try ctx.axis(try ctx.constantScalarInt(try ctx.input(0), "axis"), rank: input.rank)
        let size = input.shape[axis]
        guard size % count == 0 else { throw ctx.error("dimension \(axis) of size \(size) does not split into \(count) equal pieces") }
        return try ctx.splitAlongAxis(dataInput: 1, axis: axis, sizes: Array(repeating: size / count, count: count))
    }
}

/// SPLIT_V: input 0 cut along the constant axis of input 2 into pieces of
/// the constant sizes of input 1 (int32/int64; one size may be -1: the rest
/// of the dimension). Any fixed-size element type.
enum SplitV {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let count = Int(try ctx.options(SplitVOptions.self).numSplits)
        guard count >= 1 else { throw ctx.error("num_splits \(count) must be at least 1") }
        try ctx.expect(inputs: 3...3, outputs: count...count)
        let input = try ctx.input(0), sizesTensor = try ctx.input(1)
        try ctx.require(sizesTensor, rank: 1, "size_splits")
        var sizes = try ctx.constantInts(sizesTensor, "size_splits")
        guard sizes.count == count else { throw ctx.error("size_splits has \(sizes.count) entries for num_splits \(count)") }
        let axis = try ctx.axis(try ctx.constantScalarInt(try ctx.input(2), "axis"), rank: input.rank)
        let dimension = input.shape[axis]
        var known = 0, unknown: Int? = nil
        for (k, s) in sizes.enumerated() {
            if s == -1 {
                guard unknown == nil else { throw ctx.error("size_splits \(sizes) has more than one -1") }
                unknown = k
            } else {
                guard s >= 0, s <= dimension else { throw ctx.error("size_splits entry \(s) is out of range 0…\(dimension) (or -1)") }
                known += s
            }
        }
        if let unknown {
            guard known <= dimension else { throw ctx.error("size_splits \(sizes) add up to more than dimension \(axis) of size \(dimension)") }
            sizes[unknown] = dimension - known
        } else {
            guard known == dimension else { throw ctx.error("size_splits \(sizes) do not add up to dimension \(axis) of size \(dimension)") }
        }
        return try ctx.splitAlongAxis(dataInput: 0, axis: axis, sizes: sizes)
    }
}
