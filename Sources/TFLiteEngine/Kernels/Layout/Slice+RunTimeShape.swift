extension Slice {
    /// SLICE whose begin or size is computed at run time (in loop bodies: the
    /// converter's TensorListSetItem). The output is planned at the input's
    /// size; each run checks the bounds, records the shape (`RunTimeShape`)
    /// and copies the slice densely.
    static func prepareRunTime(_ ctx: PrepareContext, input: TensorSlot) throws -> Kernel {
        let begin = try ctx.input(1), size = try ctx.input(2)
        for (t, role) in [(begin, "begin"), (size, "size")] {
            guard t.type == .int32 || t.type == .int64 else { throw ctx.error("\(role) '\(t.name)' is \(t.type), expected int32 or int64") }
            guard t.rank == 1, t.elementCount == input.rank else {
                throw ctx.error("\(role) '\(t.name)' has shape \(t.shape), expected [\(input.rank)]")
            }
        }
        let elementSize = try ctx.requireSameTypeMovingBytes()
        let shape = try ctx.setOutputRunTimeShape(0, bound: input.shape)
        return RunTimeSliceKernel(ctx: ctx, inputShape: input.shape, elementSize: elementSize, shape: shape,
                                  beginIs64Bit: begin.type == .int64, sizeIs64Bit: size.type == .int64)
    }
}

/// SLICE with run-time begin and size (one tile). Out-of-bounds values
/// record a run-time failure and an empty shape.
final class RunTimeSliceKernel: RunTimeCheckedKernel {
    let inputShape: [Int]
    let elementSize: Int
    let shape: RunTimeShape
    let beginIs64Bit: Bool, sizeIs64Bit: Bool
    let beginIndex: Int, sizeIndex: Int
    let cost: Int
    var io: ByteOperands
    private var begin: UnsafeRawPointer?, size: UnsafeRawPointer?
    /// Input element strides and the run's begin, per dimension.
    private let strides: UnsafeMutablePointer<Int>, offsets: UnsafeMutablePointer<Int>
    private var failedDimension = -1, failedBegin = 0, failedSize = 0

    init(ctx: PrepareContext, inputShape: [Int], elementSize: Int, shape: RunTimeShape, beginIs64Bit: Bool, sizeIs64Bit: Bool) {
        self.inputShape = inputShape
        self.elementSize = elementSize
        self.shape = shape
        self.beginIs64Bit = beginIs64Bit
        self.sizeIs64Bit = sizeIs64Bit
        beginIndex = ctx.node.inputs[1]
        sizeIndex = ctx.node.inputs[2]
        io = ByteOperands(ctx)
        cost = inputShape.contains(0) ? 0 : inputShape.reduce(1, &*)
        let rank = max(inputShape.count, 1)
        strides = .allocate(capacity: rank)
        strides.initialize(repeating: 1, count: rank)
        for (d, s) in PrepareContext.elementStrides(inputShape).enumerated() { strides[d] = s }
        offsets = .allocate(capacity: rank)
        offsets.initialize(repeating: 0, count: rank)
    }

    deinit {
        strides.deallocate()
        offsets.deallocate()
    }

    func bind(_ memory: TensorMemory) {
        io.bind(memory)
        begin = UnsafeRawPointer(memory.raw(beginIndex))
        size = UnsafeRawPointer(memory.raw(sizeIndex))
    }

    var runFailure: String? {
        guard failedDimension >= 0 else { return nil }
        return "slice begin \(failedBegin) size \(failedSize) (computed at run time) is out of bounds for dimension \(failedDimension) of size \(inputShape[failedDimension])"
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let begin, let size, let input = io.input, let output = io.output else { return }
        failedDimension = -1
        let rank = inputShape.count
        for d in 0..<rank {
            let dim = inputShape[d]
            let b = PrepareContext.loadInt(begin, d, is64Bit: beginIs64Bit)
            let requested = PrepareContext.loadInt(size, d, is64Bit: sizeIs64Bit)
            let s = requested == -1 ? dim &- b : requested
            guard b >= 0, b <= dim, s >= 0, s <= dim &- b else {
                failedDimension = d
                failedBegin = b
                failedSize = requested
                for e in 0..<rank { shape[e] = 0 }
                return
            }
            offsets[d] = b
            shape[d] = s
        }
        guard rank > 0 else {
            output.copyMemory(from: input, byteCount: elementSize)
            return
        }
        var rows = 1
        for d in 0..<(rank - 1) { rows &*= shape[d] }
        let width = shape[rank - 1]
        guard rows > 0, width > 0 else { return }
        let rowBytes = width &* elementSize
        for row in 0..<rows {
            var r = row, offset = offsets[rank - 1]
            var d = rank - 2
            while d >= 0 {
                offset &+= (r % shape[d] &+ offsets[d]) &* strides[d]
                r /= shape[d]
                d -= 1
            }
            (output + row &* rowBytes).copyMemory(from: input + offset &* elementSize, byteCount: rowBytes)
        }
    }
}
