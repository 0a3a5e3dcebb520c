/// MEAN over constant axes, with keep_dims (`ReducerOptions`).
enum Mean {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (input, reduction) = try ctx.prepareReduction()
        switch input.type {
        case .float32:
            try ctx.require(ctx.output(0), type: .float32, "output")
            return MeanFloat.make(ctx: ctx, reduction)
        case .int8, .uint8:
            return try MeanQuantized.prepare(ctx, reduction)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}

/// The geometry of a reduction over a set of axes: the input viewed as
/// [outer kept dims…] × [reduced dims…] through strides.
extension PrepareContext {
    /// The common prepare of the reducers (MEAN, SUM, REDUCE_*): input 0
    /// reduced over the constant axes of input 1 with `keep_dims`, the output
    /// shape set. Returns the input and the reduction.
    func prepareReduction() throws -> (input: TensorSlot, reduction: Reduction) {
        try expect(inputs: 2)
        let input = try self.input(0)
        let reduction = try Reduction(ctx: self, input: input, axes: try self.input(1), keepDims: try options(ReducerOptions.self).keepDims)
        try setOutputShape(0, reduction.outputShape)
        return (input, reduction)
    }
}

struct Reduction {
    let inputShape: [Int]
    let outputShape: [Int]
    /// Sorted, unique, non-negative axes.
    let axes: [Int]
    /// Kept dimensions (sizes and input strides), outermost first.
    let keptSizes: [Int], keptStrides: [Int]
    /// Reduced dimensions (sizes and input strides), outermost first.
    let reducedSizes: [Int], reducedStrides: [Int]
    var outputCount: Int { keptSizes.reduce(1, *) }
    var reducedCount: Int { reducedSizes.reduce(1, *) }

    init(ctx: PrepareContext, input: TensorSlot, axes axesTensor: TensorSlot, keepDims: Bool) throws {
        let rank = input.rank
        var axes: [Int] = []
        for a in try ctx.constantInts(axesTensor, "axes") {
            let axis = a < 0 ? a + rank : a
            guard axis >= 0, axis < rank else { throw ctx.error("axis \(a) is out of range for rank \(rank)") }
            axes.append(axis)
        }
        // Sorted, each axis once. (Not `sort()`: the standard library's sort
        // is code no other step touches, resident once run; issue 14, peak RSS.)
        axes = sortedDistinct(axes)
        self.axes = axes
        inputShape = input.shape
        var strides = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * input.shape[d + 1] }
        var out: [Int] = [], ks: [Int] = [], kst: [Int] = [], rs: [Int] = [], rst: [Int] = []
        for d in 0..<rank {
            if axes.contains(d) {
                if keepDims { out.append(1) }
                rs.append(input.shape[d]); rst.append(strides[d])
            } else {
                out.append(input.shape[d])
                ks.append(input.shape[d]); kst.append(strides[d])
            }
        }
        outputShape = out
        keptSizes = ks; keptStrides = kst; reducedSizes = rs; reducedStrides = rst
    }

    /// Input offset of kept index `o` (row-major over kept dims).
    @inline(__always) func keptOffset(_ o: Int) -> Int {
        var r = o, offset = 0
        for d in stride(from: keptSizes.count - 1, through: 0, by: -1) {
            offset &+= (r % keptSizes[d]) &* keptStrides[d]
            r /= keptSizes[d]
        }
        return offset
    }

    /// Input offset of reduced index `i` (row-major over reduced dims).
    @inline(__always) func reducedOffset(_ i: Int) -> Int {
        var r = i, offset = 0
        for d in stride(from: reducedSizes.count - 1, through: 0, by: -1) {
            offset &+= (r % reducedSizes[d]) &* reducedStrides[d]
            r /= reducedSizes[d]
        }
        return offset
    }
}

/// Float32 mean. Each output element sums its inputs in row-major order.
/// Tiles are output elements.
final class MeanFloatReference: UnaryOperandKernel {
    let r: Reduction
    let inputIndex: Int, outputIndex: Int
    var input: UnsafePointer<Float>!
    var output: UnsafeMutablePointer<Float>!

    init(ctx: PrepareContext, _ r: Reduction) {
        self.r = r
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { r.outputCount }
    var cost: Int { r.outputCount * r.reducedCount }

    func run(tiles: Range<Int>, worker: Int) {
        let n = r.reducedCount
        for o in tiles {
            let base = input + r.keptOffset(o)
            var sum: Float = 0
            for i in 0..<n { sum += base[r.reducedOffset(i)] }
            output[o] = n > 0 ? sum / Float(n) : 0
        }
    }
}
