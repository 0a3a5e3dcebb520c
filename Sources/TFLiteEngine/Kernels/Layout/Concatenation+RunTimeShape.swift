extension Concatenation {
    /// CONCATENATION with inputs shaped at run time (`RunTimeShape`): the
    /// output keeps its declared shape, which must be static; each run checks
    /// that the inputs' current shapes fill it exactly (else a run-time
    /// failure and a zero output). Plain copies only: no fused activation, no
    /// requantization.
    static func prepareWithRunTimeShapes(_ ctx: PrepareContext) throws -> Kernel {
        let options = try ctx.options(ConcatenationOptions.self)
        guard options.fusedActivationFunction == 0 else {
            throw ctx.error("fused activation with inputs shaped at run time is not supported")
        }
        let output = ctx.output(0)
        if let signature = ctx.graph.subgraph.tensors[ctx.outputIndex(0)].shapeSignature, signature.contains(where: { $0 < 0 }) {
            throw ctx.error("output '\(output.name)' has no static shape (signature \(signature)); with inputs shaped at run time it must have one")
        }
        let shape = output.shape
        guard shape.count >= 1 else { throw ctx.error("output '\(output.name)' has rank 0") }
        let axis = try ctx.axis(Int(options.axis), rank: shape.count)
        guard let elementSize = output.type.byteSize else { throw ctx.error("type \(output.type) is not supported") }
        for i in 0..<ctx.inputCount {
            let t = try ctx.input(i)
            guard t.type == output.type else { throw ctx.error("input \(i) is \(t.type), the output is \(output.type)") }
            guard t.rank == shape.count else { throw ctx.error("input \(i) has rank \(t.rank), the output \(shape.count)") }
            if t.quantization?.isQuantized == true || output.quantization?.isQuantized == true {
                guard t.scale == output.scale, t.zeroPoint == output.zeroPoint else {
                    throw ctx.error("input \(i) is quantized differently from the output; not supported with inputs shaped at run time")
                }
            }
            if t.runTimeShape == nil {
                for d in 0..<shape.count where d != axis && t.shape[d] != shape[d] {
                    throw ctx.error("input \(i) has shape \(t.shape), incompatible with the output's \(shape) along dimension \(d)")
                }
            }
        }
        try ctx.setOutputShape(0, shape)
        let outer = try ctx.product(shape[..<axis], "dimensions before the axis")
        let inner = try ctx.product(shape[(axis + 1)...], "dimensions after the axis")
        return RunTimeConcatenationKernel(ctx: ctx, outputShape: shape, axis: axis, outer: outer, bytesPerUnit: inner &* elementSize)
    }
}

/// Byte-copying concatenation of inputs some of whose shapes are known only
/// at run time (one tile).
final class RunTimeConcatenationKernel: RunTimeCheckedKernel {
    let outputShape: [Int]
    let axis: Int
    let outer: Int
    /// Bytes of one step along the axis.
    let bytesPerUnit: Int
    let inputIndices: [Int], outputIndex: Int
    /// Per input: its run-time shape, or nil with its static width along the axis.
    let runTimeShapes: [RunTimeShape?]
    let staticWidths: [Int]
    private let count: Int
    private let inputs: UnsafeMutablePointer<UnsafeRawPointer?>
    private let widths: UnsafeMutablePointer<Int>
    private var output: UnsafeMutableRawPointer?
    /// The input whose shape did not fit in the last run (`count`: the widths' sum), or -1.
    private var failedInput = -1

    init(ctx: PrepareContext, outputShape: [Int], axis: Int, outer: Int, bytesPerUnit: Int) {
        self.outputShape = outputShape
        self.axis = axis
        self.outer = outer
        self.bytesPerUnit = bytesPerUnit
        inputIndices = ctx.node.inputs
        outputIndex = ctx.node.outputs[0]
        runTimeShapes = ctx.node.inputs.map { ctx.graph.tensors[$0].runTimeShape }
        staticWidths = ctx.node.inputs.map { ctx.graph.tensors[$0].shape[axis] }
        count = ctx.node.inputs.count
        inputs = .allocate(capacity: max(count, 1))
        inputs.initialize(repeating: nil, count: max(count, 1))
        widths = .allocate(capacity: max(count, 1))
        widths.initialize(repeating: 0, count: max(count, 1))
    }

    deinit {
        inputs.deallocate()
        widths.deallocate()
    }

    var cost: Int { outer &* outputShape[axis] &* bytesPerUnit / 4 }

    func bind(_ memory: TensorMemory) {
        for (i, t) in inputIndices.enumerated() { inputs[i] = UnsafeRawPointer(memory.raw(t)) }
        output = memory.raw(outputIndex)
    }

    var runFailure: String? {
        guard failedInput >= 0 else { return nil }
        let current = (0..<count).map { i in runTimeShapes[i]?.current ?? [] }
        if failedInput < count {
            return "input \(failedInput) has shape \(current[failedInput]) at run time, incompatible with the output's \(outputShape); the output was zero-filled"
        }
        return "inputs of widths \((0..<count).map { widths[$0] }) along axis \(axis) do not fill the output's \(outputShape[axis]); the output was zero-filled"
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let output else { return }
        failedInput = -1
        var total = 0
        for i in 0..<count {
            if let shape = runTimeShapes[i] {
                for d in 0..<outputShape.count where d != axis && shape[d] != outputShape[d] { failedInput = i }
                widths[i] = shape[axis]
            } else {
                widths[i] = staticWidths[i]
            }
            total &+= widths[i]
        }
        if failedInput < 0 && total != outputShape[axis] { failedInput = count }
        let rowBytes = outputShape[axis] &* bytesPerUnit
        guard failedInput < 0 else {
            output.initializeMemory(as: UInt8.self, repeating: 0, count: outer &* rowBytes)
            return
        }
        for o in 0..<outer {
            var destination = output + o &* rowBytes
            for i in 0..<count {
                let bytes = widths[i] &* bytesPerUnit
                if bytes > 0, let source = inputs[i] { destination.copyMemory(from: source + o &* bytes, byteCount: bytes) }
                destination += bytes
            }
        }
    }
}
