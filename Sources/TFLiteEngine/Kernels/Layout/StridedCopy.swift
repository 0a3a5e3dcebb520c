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
    let inputIndex: Int, outputIndex: Int
    var input: UnsafeRawPointer!
    var output: UnsafeMutableRawPointer!

    init(ctx: PrepareContext, view: StridedView, elementSize: Int) {
        let v = view.simplified()
        sizes = v.sizes
        strides = v.strides
        base = v.base
        self.elementSize = elementSize
        rows = view.elementCount == 0 ? 0 : v.sizes.dropLast().reduce(1, &*)
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { max(rows, 1) }
    var cost: Int { rows &* (sizes.last ?? 1) }

    func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(inputIndex))
        output = memory.raw(outputIndex)
    }

    func run(tiles: Range<Int>, worker: Int) {
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
            let destination = output + row &* rowBytes
            if step == 1 {
                destination.copyMemory(from: input + offset &* size, byteCount: rowBytes)
            } else {
                switch size {
                case 4:
                    let s = input.assumingMemoryBound(to: UInt32.self) + offset
                    let o = destination.assumingMemoryBound(to: UInt32.self)
                    for i in 0..<width { o[i] = s[i &* step] }
                case 1:
                    let s = input.assumingMemoryBound(to: UInt8.self) + offset
                    let o = destination.assumingMemoryBound(to: UInt8.self)
                    for i in 0..<width { o[i] = s[i &* step] }
                default:
                    for i in 0..<width {
                        (destination + i &* size).copyMemory(from: input + (offset &+ i &* step) &* size, byteCount: size)
                    }
                }
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

    /// Checks input 0 and output 0 share a fixed-size type (for ops that only
    /// move bytes) and that quantized tensors share scale and zero point.
    func requireSameTypeMovingBytes(_ role: String = "input") throws -> Int {
        let input = try self.input(0), output = self.output(0)
        guard let size = input.type.byteSize else { throw error("\(role) type \(input.type) is not supported") }
        guard output.type == input.type else { throw error("output is \(output.type), \(role) is \(input.type)") }
        if input.type == .int8 || input.type == .uint8 || input.type == .int16 {
            guard input.scale == output.scale, input.zeroPoint == output.zeroPoint else {
                throw error("input and output quantization differ (scale \(input.scale)/\(output.scale), zero point \(input.zeroPoint)/\(output.zeroPoint)); requantization is not supported")
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
