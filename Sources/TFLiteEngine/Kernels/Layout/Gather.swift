/// GATHER: slices of `params` along `axis` picked by `indices` (int32 or
/// int64), with `batch_dims` leading dimensions shared by both.
/// Output shape: params[..<axis] + indices[batch_dims...] + params[(axis+1)...].
///
/// Index validation: constant indices are checked at prepare (a negative or
/// out-of-range index is an `InterpreterError.invalidOperator`). Indices
/// computed at run time are checked as they are read: an invalid index
/// writes zeros to its slice and records a `runFailure`, which
/// `Interpreter.invoke()` turns into the same typed error after the run.
/// Any fixed-size element type for params.
enum Gather {
    static let registration = OperatorRegistration(maxVersion: 7) { ctx in try prepare(ctx) }

    struct Geometry {
        /// Product of the batch dimensions, the dimensions between batch and axis,
        /// the axis size, the indices per batch, and the elements after the axis.
        var batches: Int, outer: Int, axisSize: Int, indicesPerBatch: Int, inner: Int
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let params = try ctx.input(0), indices = try ctx.input(1)
        try ctx.require(indices, typeIn: [.int32, .int64], "indices")
        let options = try ctx.options(GatherOptions.self)
        let rawAxis = Int(options.axis)
        let rawBatchDims = Int(options.batchDims)
        let rank = params.rank
        let axis = rawAxis < 0 ? rawAxis + rank : rawAxis
        guard rank >= 1, axis >= 0, axis < rank else { throw ctx.error("axis \(rawAxis) is out of range for params of rank \(rank)") }
        let batchDims = rawBatchDims < 0 ? rawBatchDims + indices.rank : rawBatchDims
        guard batchDims >= 0, batchDims <= indices.rank, batchDims <= axis else {
            throw ctx.error("batch_dims \(rawBatchDims) must be in 0…min(axis \(axis), indices rank \(indices.rank))")
        }
        for d in 0..<batchDims where params.shape[d] != indices.shape[d] {
            throw ctx.error("batch dimension \(d) differs: params \(params.shape), indices \(indices.shape)")
        }
        let shape = Array(params.shape[..<axis]) + Array(indices.shape[batchDims...]) + Array(params.shape[(axis + 1)...])
        let size = try ctx.requireSameTypeMovingBytes("params")
        try ctx.setOutputShape(0, shape)
        let g = Geometry(
            batches: try ctx.product(params.shape[..<batchDims], "params batch dimensions"),
            outer: try ctx.product(params.shape[batchDims..<axis], "params dimensions before the axis"),
            axisSize: params.shape[axis],
            indicesPerBatch: try ctx.product(indices.shape[batchDims...], "indices"),
            inner: try ctx.product(params.shape[(axis + 1)...], "params dimensions after the axis"))
        if indices.isConstant {
            for (i, index) in try ctx.constantInts(indices, "indices").enumerated() where index < 0 || index >= g.axisSize {
                throw ctx.error("index \(index) at position \(i) is out of range 0..<\(g.axisSize) for axis \(axis)")
            }
        }
        return GatherKernel(ctx: ctx, g, elementSize: size, indexIs64Bit: indices.type == .int64, constantIndices: indices.isConstant)
    }
}

/// Implemented by kernels that validate data only available at run time
/// (indices from a tensor). `run` sets `runFailure` when the data was
/// invalid (and writes a defined result, e.g. zeros); the interpreter
/// checks it after every invoke and throws.
protocol RunTimeCheckedKernel: Kernel {
    /// Why the last run's data was invalid, or nil.
    var runFailure: String? { get }
}

extension RunTimeCheckedKernel {
    var runTimeChecked: RunTimeCheckedKernel? { self }
}

/// What the gathers share: params, indices (int32 or int64) and output as
/// bytes, and the first invalid run-time index. Tiles are independent output
/// slices when the indices are constant (already validated); with run-time
/// indices the op is one tile, so the failure record has a single writer.
class IndexedGatherKernel<Geometry>: RunTimeCheckedKernel {
    let g: Geometry
    let elementSize: Int
    let indexIs64Bit: Bool
    let constantIndices: Bool
    let paramsIndex: Int, indicesIndex: Int, outputIndex: Int
    var params: UnsafeRawPointer!
    var indices: UnsafeRawPointer!
    var output: UnsafeMutableRawPointer!
    /// The first invalid run-time index and where it was (no allocation in `run`).
    var failedIndex = 0, failedPosition = -1

    init(ctx: PrepareContext, _ g: Geometry, elementSize: Int, indexIs64Bit: Bool, constantIndices: Bool) {
        self.g = g
        self.elementSize = elementSize
        self.indexIs64Bit = indexIs64Bit
        self.constantIndices = constantIndices
        paramsIndex = ctx.node.inputs[0]
        indicesIndex = ctx.node.inputs[1]
        outputIndex = ctx.node.outputs[0]
    }

    var runFailure: String? { nil }
    // Declared here so subclasses override them (a protocol extension's
    // default would be what the `Kernel` existential calls).
    var tileCount: Int { 1 }
    var cost: Int { 0 }

    func bind(_ memory: TensorMemory) {
        params = UnsafeRawPointer(memory.raw(paramsIndex))
        indices = UnsafeRawPointer(memory.raw(indicesIndex))
        output = memory.raw(outputIndex)
    }

    /// The index at element `position` of the indices tensor.
    @inline(__always) func index(at position: Int) -> Int {
        indexIs64Bit
            ? Int(truncatingIfNeeded: indices.loadUnaligned(fromByteOffset: position &* 8, as: Int64.self))
            : Int(indices.loadUnaligned(fromByteOffset: position &* 4, as: Int32.self))
    }

    func run(tiles: Range<Int>, worker: Int) {}
}

/// Byte-copying GATHER. Tiles are (batch, outer) slices.
final class GatherKernel: IndexedGatherKernel<Gather.Geometry> {
    override var runFailure: String? {
        failedPosition < 0 ? nil : "index \(failedIndex) at position \(failedPosition) is out of range 0..<\(g.axisSize); its output slice was zero-filled"
    }

    override var tileCount: Int { constantIndices ? max(g.batches &* g.outer, 1) : 1 }
    override var cost: Int { g.batches &* g.outer &* g.indicesPerBatch &* g.inner }

    override func run(tiles: Range<Int>, worker: Int) {
        let sliceBytes = g.inner &* elementSize
        let total = g.batches &* g.outer
        let slices = constantIndices ? tiles.clamped(to: 0..<total) : 0..<total
        if !constantIndices { failedPosition = -1 }
        for t in slices {
            let b = t / max(g.outer, 1)
            let source = params + t &* g.axisSize &* sliceBytes
            var destination = output + t &* g.indicesPerBatch &* sliceBytes
            let indexBase = b &* g.indicesPerBatch
            for k in 0..<g.indicesPerBatch {
                let index = index(at: indexBase &+ k)
                if index >= 0 && index < g.axisSize {
                    destination.copyMemory(from: source + index &* sliceBytes, byteCount: sliceBytes)
                } else {
                    destination.initializeMemory(as: UInt8.self, repeating: 0, count: sliceBytes)
                    if failedPosition < 0 { failedIndex = index; failedPosition = indexBase &+ k }
                }
                destination += sliceBytes
            }
        }
    }
}
