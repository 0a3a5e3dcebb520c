/// Semantic checks run once at load, before any interpreter exists.
///
/// The FlatBuffers layer guarantees every field was readable; this layer
/// guarantees the model makes sense: indices in range, shapes non-negative
/// and without overflow, constant buffers exactly as long as their shape,
/// no tensor both read and written by one node, and an execution order in
/// which every tensor is written before it is read (which also rules out
/// cycles). Failures throw `InterpreterError.invalidModel` naming the place.
enum ModelValidator {
    /// Largest element count / byte size any single tensor may declare (2^40).
    static let maximumTensorBytes = 1 << 40

    static func validate(_ model: ModelDef, fileSize: Int) throws {
        guard !model.subgraphs.isEmpty else {
            throw InterpreterError.invalidModel(location: "Model.subgraphs", reason: "the model has no subgraphs")
        }
        for (m, entry) in model.metadata.enumerated() where entry.buffer >= model.buffers.count {
            throw InterpreterError.invalidModel(
                location: "Model.metadata[\(m)] (\(entry.name))",
                reason: "buffer index \(entry.buffer) is out of range (\(model.buffers.count) buffers)")
        }
        for (s, sig) in model.signatureDefs.enumerated() {
            let location = "Model.signature_defs[\(s)] (\(sig.key))"
            guard sig.subgraphIndex < model.subgraphs.count else {
                throw InterpreterError.invalidModel(location: location, reason: "subgraph index \(sig.subgraphIndex) is out of range")
            }
            let count = model.subgraphs[sig.subgraphIndex].tensors.count
            for entry in sig.inputs + sig.outputs where entry.tensorIndex < 0 || entry.tensorIndex >= count {
                throw InterpreterError.invalidModel(location: location, reason: "tensor index \(entry.tensorIndex) of '\(entry.name)' is out of range (\(count) tensors)")
            }
        }
        for (s, subgraph) in model.subgraphs.enumerated() {
            try validate(subgraph, index: s, model: model)
        }
    }

    static func validate(_ subgraph: SubGraphDef, index s: Int, model: ModelDef) throws {
        let prefix = "Model.subgraphs[\(s)]"
        let tensorCount = subgraph.tensors.count

        func checkTensorIndex(_ t: Int, _ location: @autoclosure () -> String, optional: Bool = false) throws {
            if optional && t == -1 { return }
            guard t >= 0 && t < tensorCount else {
                throw InterpreterError.invalidModel(
                    location: location(),
                    reason: t == -1 ? "tensor index -1 (omitted) is not allowed here" : "tensor index \(t) is out of range (\(tensorCount) tensors)")
            }
        }

        // Tensors: buffer indices, shapes, constant sizes.
        for (t, tensor) in subgraph.tensors.enumerated() {
            // Made only for an error message (every tensor's was a tenth of loading a model).
            func location() -> String { "\(prefix).tensors[\(t)] '\(tensor.name)'" }
            guard tensor.buffer < model.buffers.count else {
                throw InterpreterError.invalidModel(location: location(), reason: "buffer index \(tensor.buffer) is out of range (\(model.buffers.count) buffers)")
            }
            let elements = try elementCount(tensor.shape, location: location())
            if let q = tensor.quantization, q.isQuantized {
                if q.zeroPoint.count > 1 || q.scale.count > 1 {
                    guard q.quantizedDimension >= 0, q.quantizedDimension < max(tensor.shape.count, 1) else {
                        throw InterpreterError.invalidModel(location: location() + ".quantization", reason: "quantized_dimension \(q.quantizedDimension) is out of range for rank \(tensor.shape.count)")
                    }
                    let channels = tensor.shape.isEmpty ? 1 : tensor.shape[q.quantizedDimension]
                    guard q.scale.count == channels, q.zeroPoint.isEmpty || q.zeroPoint.count == channels else {
                        throw InterpreterError.invalidModel(location: location() + ".quantization", reason: "\(q.scale.count) scales and \(q.zeroPoint.count) zero points for \(channels) channels")
                    }
                }
                for v in q.scale where !(v.isFinite && v >= 0) {
                    throw InterpreterError.invalidModel(location: location() + ".quantization", reason: "scale \(v) is not a finite non-negative number")
                }
            }
            guard let range = model.buffers[tensor.buffer] else { continue }
            if tensor.sparsity != nil { continue }  // checked when densified
            guard let size = tensor.type.byteSize else { continue }  // strings etc.
            let (bytes, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow, bytes <= maximumTensorBytes else {
                throw InterpreterError.invalidModel(location: location(), reason: "byte size overflows")
            }
            guard range.count == bytes else {
                throw InterpreterError.invalidModel(
                    location: location(),
                    reason: "constant buffer \(tensor.buffer) holds \(range.count) bytes but shape \(tensor.shape) of \(tensor.type) needs \(bytes)")
            }
        }

        for (i, t) in subgraph.inputs.enumerated() { try checkTensorIndex(t, "\(prefix).inputs[\(i)]") }
        for (i, t) in subgraph.outputs.enumerated() { try checkTensorIndex(t, "\(prefix).outputs[\(i)]") }

        // Operators: indices, overlap, and write-before-read order.
        var written = [Bool](repeating: false, count: tensorCount)
        for t in subgraph.inputs { written[t] = true }
        for (t, tensor) in subgraph.tensors.enumerated() {
            if tensor.isVariable || model.buffers[tensor.buffer] != nil { written[t] = true }
        }
        for (n, op) in subgraph.operators.enumerated() {
            guard op.opcodeIndex < model.operatorCodes.count else {
                throw InterpreterError.invalidModel(location: "\(prefix).operators[\(n)]", reason: "opcode index \(op.opcodeIndex) is out of range (\(model.operatorCodes.count) operator codes)")
            }
            func location() -> String { "\(prefix).operators[\(n)] (\(model.operatorCodes[op.opcodeIndex].name))" }
            for (i, t) in op.inputs.enumerated() { try checkTensorIndex(t, "\(location()).inputs[\(i)]", optional: true) }
            for (i, t) in op.outputs.enumerated() { try checkTensorIndex(t, "\(location()).outputs[\(i)]") }
            for (i, t) in op.intermediates.enumerated() { try checkTensorIndex(t, "\(location()).intermediates[\(i)]", optional: true) }
            for t in op.outputs where op.inputs.contains(t) {
                throw InterpreterError.invalidModel(location: location(), reason: "tensor \(t) '\(subgraph.tensors[t].name)' is both an input and an output")
            }
            for (i, t) in op.inputs.enumerated() where t >= 0 && !written[t] {
                throw InterpreterError.invalidModel(
                    location: "\(location()).inputs[\(i)]",
                    reason: "tensor \(t) '\(subgraph.tensors[t].name)' is read before any operator writes it (operators out of order, or a cycle)")
            }
            for (i, t) in op.outputs.enumerated() {
                if written[t] && !subgraph.tensors[t].isVariable {
                    let what = model.buffers[subgraph.tensors[t].buffer] != nil ? "a constant" : "already written"
                    throw InterpreterError.invalidModel(
                        location: "\(location()).outputs[\(i)]",
                        reason: "tensor \(t) '\(subgraph.tensors[t].name)' is \(what); an output must be written exactly once")
                }
                written[t] = true
            }
        }
        for (i, t) in subgraph.outputs.enumerated() where !written[t] {
            throw InterpreterError.invalidModel(location: "\(prefix).outputs[\(i)]", reason: "tensor \(t) '\(subgraph.tensors[t].name)' is never written")
        }
    }

    /// Product of dimensions, rejecting negative dimensions and overflow.
    /// Also bounds the product of the non-zero dimensions, so stride
    /// arithmetic over an empty tensor such as `[0, 2^40, 2^40]` cannot overflow.
    static func elementCount(_ shape: [Int], location: @autoclosure () -> String) throws -> Int {
        guard let n = boundedElementCount(shape) else {
            if let i = shape.firstIndex(where: { $0 < 0 }) {
                throw InterpreterError.invalidModel(location: location() + ".shape[\(i)]", reason: "dimension \(shape[i]) is negative")
            }
            throw InterpreterError.invalidModel(location: location() + ".shape", reason: "shape \(shape) has more than \(maximumTensorBytes) elements")
        }
        return n
    }

    /// The element count, or nil when a dimension is negative or the product
    /// of the non-zero dimensions exceeds `maximumTensorBytes`.
    static func boundedElementCount(_ shape: [Int]) -> Int? {
        var nonZero = 1
        var hasZero = false
        for d in shape {
            guard d >= 0 else { return nil }
            if d == 0 { hasZero = true; continue }
            let (p, overflow) = nonZero.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maximumTensorBytes else { return nil }
            nonZero = p
        }
        return hasZero ? 0 : nonZero
    }
}
