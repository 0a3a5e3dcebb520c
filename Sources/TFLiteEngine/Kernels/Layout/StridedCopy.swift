/// A strided view of an input tensor, written out densely: output element
/// (i0, …, ik) (row-major over `sizes`) is input element
/// `base + Σ i_d · strides[d]` (strides in elements, possibly negative or 0).
///
/// TRANSPOSE, SLICE, STRIDED_SLICE, DEPTH_TO_SPACE and SPACE_TO_DEPTH are all
/// such views; their prepare functions compute `sizes`, `strides` and `base`
/// and check that every addressed element lies inside the input.
struct StridedView {
    var sizes: [Int]
    var strides: [Int]
    var base: Int

    /// Drops size-1 dimensions and merges dimensions that are contiguous in
    /// the input, so inner loops run as long as possible.
    func simplified() -> StridedView {
        var s: [Int] = [], t: [Int] = []
        for (size, stride) in zip(sizes, strides) where size != 1 {
            if let lastSize = s.last, let lastStride = t.last, lastStride == stride &* size {
                s[s.count - 1] = lastSize &* size
                t[t.count - 1] = stride
            } else {
                s.append(size)
                t.append(stride)
            }
        }
        if s.isEmpty { s = [1]; t = [1] }
        return StridedView(sizes: s, strides: t, base: base)
    }

    /// Element count; 0 when any size is 0 (never overflows for shapes
    /// that passed `setOutputShape`).
    var elementCount: Int { sizes.contains(0) ? 0 : sizes.reduce(1, &*) }
}

/// Copies a `StridedView` of input 0 to output 0, for any fixed-size element
/// type. Tiles are output rows (all dimensions but the last); a row whose
/// input stride is 1 is one `memcpy`.
final class StridedCopyKernel: Kernel {
    let sizes: [Int], strides: [Int]
    let base: Int
    let elementSize: Int
    let rows: Int
    var io: ByteOperands

    /// Copies `view` of the node's input `input` to its output `output`.
    init(ctx: PrepareContext, view: StridedView, elementSize: Int, input: Int = 0, output: Int = 0) {
        let v = view.simplified()
        sizes = v.sizes
        strides = v.strides
        base = v.base
        self.elementSize = elementSize
        rows = view.elementCount == 0 ? 0 : v.sizes.dropLast().reduce(1, &*)
        io = ByteOperands(ctx, input: input, output: output)
    }

    var tileCount: Int { max(rows, 1) }
    var cost: Int { rows &* (sizes.last ?? 1) }

    func bind(_ memory: TensorMemory) { io.bind(memory) }

    func run(tiles: Range<Int>, worker: Int) {
        guard let input = io.input, let output = io.output else { return }
        guard rows > 0 else { return }
        let rank = sizes.count
        let width = sizes[rank - 1], step = strides[rank - 1]
        let size = elementSize
        let rowBytes = width &* size
        for row in tiles {
            // Input offset of the row's first element.
            var r = row, offset = base
            var d = rank - 2
            while d >= 0 {
                offset &+= (r % sizes[d]) &* strides[d]
                r /= sizes[d]
                d -= 1
            }
            Self.copyRow(to: output + row &* rowBytes, from: input + offset &* size, count: width, step: step, elementSize: size)
        }
    }

    /// Copies `count` elements of `elementSize` bytes, element `i` from
    /// `source + i·step` elements (`step` may be negative or 0): one
    /// `memcpy` when `step` is 1.
    @inline(__always)
    static func copyRow(to destination: UnsafeMutableRawPointer, from source: UnsafeRawPointer, count: Int, step: Int, elementSize size: Int) {
        if step == 1 {
            destination.copyMemory(from: source, byteCount: count &* size)
            return
        }
        switch size {
        case 4:
            let s = source.assumingMemoryBound(to: UInt32.self)
            let o = destination.assumingMemoryBound(to: UInt32.self)
            for i in 0..<count { o[i] = s[i &* step] }
        case 1:
            let s = source.assumingMemoryBound(to: UInt8.self)
            let o = destination.assumingMemoryBound(to: UInt8.self)
            for i in 0..<count { o[i] = s[i &* step] }
        default:
            for i in 0..<count {
                (destination + i &* size).copyMemory(from: source + i &* step &* size, byteCount: size)
            }
        }
    }
}

extension PrepareContext {
    /// Row-major element strides of a shape.
    static func elementStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d] = s
            s &*= shape[d]
        }
        return strides
    }

    /// Checks input `i` and output `o` share a fixed-size type (for ops that
    /// only move bytes) and that quantized tensors share scale and zero point.
    /// Returns the element size.
    func requireSameTypeMovingBytes(_ role: String = "input", input i: Int = 0, output o: Int = 0) throws -> Int {
        let input = try self.input(i), output = self.output(o)
        let outputRole = outputCount > 1 ? "output \(o)" : "output"
        guard let size = input.type.byteSize else { throw error("\(role) type \(input.type) is not supported") }
        guard output.type == input.type else { throw error("\(outputRole) is \(output.type), \(role) is \(input.type)") }
        if input.type == .int8 || input.type == .uint8 || input.type == .int16 {
            guard input.scale == output.scale, input.zeroPoint == output.zeroPoint else {
                throw error("\(role) and \(outputRole) quantization differ (scale \(input.scale)/\(output.scale), zero point \(input.zeroPoint)/\(output.zeroPoint)); requantization is not supported")
            }
        }
        return size
    }

    /// Product of dimensions, 0 when any is 0, else checked for overflow
    /// (a shape may hold huge dimensions after a 0, which the model
    /// validator's left-to-right element count accepts).
    func product(_ dims: ArraySlice<Int>, _ role: String) throws -> Int {
        if dims.contains(0) { return 0 }
        var n = 1
        for d in dims {
            let (p, o) = n.multipliedReportingOverflow(by: d)
            guard !o, p <= ModelValidator.maximumTensorBytes else { throw error("\(role) \(Array(dims)) have too many elements") }
            n = p
        }
        return n
    }

    /// Reads a constant 0-D or 1-D int tensor's single value.
    func constantScalarInt(_ t: TensorSlot, _ role: String) throws -> Int {
        let values = try constantInts(t, role)
        guard values.count == 1 else { throw error("\(role) '\(t.name)' has \(values.count) elements, expected 1") }
        return values[0]
    }
}

/// Several kernels run as one (an op with several outputs, each written by
/// its own part, e.g. one `StridedCopyKernel` per output of SPLIT). The
/// tiles are the parts' tiles one after another.
final class CompositeKernel: Kernel {
    let parts: [Kernel]
    /// First tile of each part, and the total as a last entry.
    let firstTiles: [Int]

    init(_ parts: [Kernel]) {
        self.parts = parts
        var first = [0]
        for p in parts { first.append(first[first.count - 1] + p.tileCount) }
        firstTiles = first
    }

    var tileCount: Int { firstTiles[firstTiles.count - 1] }
    var cost: Int { parts.reduce(0) { $0 &+ $1.cost } }
    var scratchBytesPerWorker: Int { parts.map(\.scratchBytesPerWorker).max() ?? 0 }

    func bind(_ memory: TensorMemory) {
        for p in parts { p.bind(memory) }
    }

    func run(tiles: Range<Int>, worker: Int) {
        for (i, part) in parts.enumerated() {
            let lower = max(tiles.lowerBound, firstTiles[i]), upper = min(tiles.upperBound, firstTiles[i + 1])
            if lower < upper { part.run(tiles: (lower &- firstTiles[i])..<(upper &- firstTiles[i]), worker: worker) }
        }
    }
}

extension PrepareContext {
    /// A normalised axis of a tensor of rank `rank` (negative counts from the end).
    func axis(_ value: Int, rank: Int, _ role: String = "axis") throws -> Int {
        let axis = value < 0 ? value &+ rank : value
        guard axis >= 0, axis < rank else { throw error("\(role) \(value) is out of range for rank \(rank)") }
        return axis
    }

    /// The kernel of an op that cuts input `dataInput` along `axis` into
    /// consecutive pieces of `sizes` elements, piece `k` going to output `k`
    /// (SPLIT, SPLIT_V, UNPACK). `dropAxis` removes the axis from the output
    /// shapes (UNPACK: every piece has size 1). Sizes must sum to the axis size.
    func splitAlongAxis(dataInput: Int, axis: Int, sizes: [Int], dropAxis: Bool = false) throws -> Kernel {
        let input = try self.input(dataInput)
        guard sizes.count == outputCount else { throw error("has \(outputCount) outputs for \(sizes.count) pieces") }
        let shape = input.shape
        let strides = PrepareContext.elementStrides(shape)
        var parts: [Kernel] = []
        var start = 0
        for (k, size) in sizes.enumerated() {
            let elementSize = try requireSameTypeMovingBytes(input: dataInput, output: k)
            var outShape = shape
            if dropAxis { outShape.remove(at: axis) } else { outShape[axis] = size }
            try setOutputShape(k, outShape)
            var viewSizes = shape
            viewSizes[axis] = size
            let view = StridedView(sizes: viewSizes, strides: strides, base: start &* strides[axis])
            parts.append(StridedCopyKernel(ctx: self, view: view, elementSize: elementSize, input: dataInput, output: k))
            start += size
        }
        guard start == shape[axis] else { throw error("pieces of sizes \(sizes) do not add up to dimension \(axis) of size \(shape[axis])") }
        return parts.count == 1 ? parts[0] : CompositeKernel(parts)
    }
}
