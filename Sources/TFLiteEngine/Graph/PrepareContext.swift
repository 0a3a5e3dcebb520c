/// What an op's prepare function sees: its node, the tensors it reads and
/// writes (with shapes already computed for its inputs), and helpers that
/// turn violated expectations into `InterpreterError.invalidOperator`.
struct PrepareContext {
    let node: Node
    let graph: PreparedGraph

    var inputCount: Int { node.inputs.count }

    /// Whether input 0 or output 0 has no elements: the op computes nothing,
    /// and buffers a fast kernel would size from the other dimensions are not
    /// bounded by any tensor, so such nodes take the reference kernels.
    func hasEmptyInputOrOutput() throws -> Bool {
        try input(0).elementCount == 0 || output(0).elementCount == 0
    }
    var outputCount: Int { node.outputs.count }

    /// An error naming this node.
    func error(_ reason: String) -> InterpreterError {
        .invalidOperator(node: node.index, op: node.name, reason: reason)
    }

    /// Checks the number of inputs and outputs.
    func expect(inputs: ClosedRange<Int>, outputs: ClosedRange<Int> = 1...1) throws {
        guard inputs.contains(inputCount) else {
            throw error("has \(inputCount) inputs, expected \(inputs.lowerBound == inputs.upperBound ? "\(inputs.lowerBound)" : "\(inputs.lowerBound)…\(inputs.upperBound)")")
        }
        guard outputs.contains(outputCount) else {
            throw error("has \(outputCount) outputs, expected \(outputs.lowerBound == outputs.upperBound ? "\(outputs.lowerBound)" : "\(outputs.lowerBound)…\(outputs.upperBound)")")
        }
    }
    func expect(inputs: Int, outputs: Int = 1) throws {
        try expect(inputs: inputs...inputs, outputs: outputs...outputs)
    }

    /// The input of a one-input operator, checked to have a rank in `ranks`.
    func onlyInput(rank ranks: ClosedRange<Int>) throws -> TensorSlot {
        try expect(inputs: 1)
        let input = try self.input(0)
        try require(input, rankIn: ranks, "input")
        return input
    }

    /// Input 0 (rank ≤ 6) and the constant int32/int64 vector of input 1 that
    /// gives one value per input dimension (TRANSPOSE's perm, TILE's multiples).
    func inputWithPerDimensionConstant(_ role: String) throws -> (input: TensorSlot, values: [Int]) {
        try expect(inputs: 2)
        let input = try self.input(0), tensor = try self.input(1)
        guard input.rank <= 6 else { throw error("rank \(input.rank) is above 6") }
        try require(tensor, rankIn: 0...1, role)
        let values = try constantInts(tensor, role)
        guard values.count == input.rank else {
            throw error("\(role) \(values) has \(values.count) entries for an input of rank \(input.rank), one per dimension")
        }
        return (input, values)
    }

    /// Whether input `i` is present (not omitted with -1).
    func hasInput(_ i: Int) -> Bool { i < inputCount && node.inputs[i] >= 0 }

    /// Tensor index of input `i`; throws if it is missing or omitted.
    func inputIndex(_ i: Int) throws -> Int {
        guard hasInput(i) else { throw error("input \(i) is required but missing") }
        return node.inputs[i]
    }

    func input(_ i: Int) throws -> TensorSlot { graph.tensors[try inputIndex(i)] }
    func optionalInput(_ i: Int) -> TensorSlot? { hasInput(i) ? graph.tensors[node.inputs[i]] : nil }
    func output(_ i: Int) -> TensorSlot { graph.tensors[node.outputs[i]] }
    func outputIndex(_ i: Int) -> Int { node.outputs[i] }

    /// Checks a tensor's element type.
    func require(_ t: TensorSlot, type: TensorType, _ role: String) throws {
        guard t.type == type else { throw error("\(role) '\(t.name)' is \(t.type), expected \(type)") }
    }
    func require(_ t: TensorSlot, typeIn types: [TensorType], _ role: String) throws {
        guard types.contains(t.type) else {
            throw error("\(role) '\(t.name)' is \(t.type), expected one of \(types.map(\.description).joined(separator: ", "))")
        }
    }
    func require(_ t: TensorSlot, rank: Int, _ role: String) throws {
        guard t.rank == rank else { throw error("\(role) '\(t.name)' has rank \(t.rank) (shape \(t.shape)), expected \(rank)") }
    }
    func require(_ t: TensorSlot, rankIn ranks: ClosedRange<Int>, _ role: String) throws {
        guard ranks.contains(t.rank) else {
            let expected = ranks.count == 1 ? "\(ranks.lowerBound)" : "\(ranks.lowerBound)…\(ranks.upperBound)"
            throw error("\(role) '\(t.name)' has rank \(t.rank) (shape \(t.shape)), expected \(expected)")
        }
    }
    func requireConstant(_ t: TensorSlot, _ role: String) throws -> UnsafeRawPointer {
        guard let p = t.constant else { throw error("\(role) '\(t.name)' must be a constant tensor") }
        return p
    }

    /// The node's builtin options as the typed table `type` (schema defaults
    /// when the model omits them), after checking the union type.
    func options<Options: BuiltinOptionsTable>(_ type: Options.Type) throws -> Options {
        guard node.optionsType != 0 else { return try Options(nil) }
        guard node.optionsType == Options.unionType else {
            throw error("builtin options have union type \(node.optionsType), expected \(Options.unionType)")
        }
        return try Options(node.options)
    }

    /// Sets the shape of output `i` (TFLite's ResizeTensor in Prepare),
    /// rejecting negative dimensions and sizes beyond the tensor limit.
    func setOutputShape(_ i: Int, _ shape: [Int]) throws {
        let t = node.outputs[i]
        guard shape.allSatisfy({ $0 >= 0 }) else { throw error("computed output shape \(shape) has a negative dimension") }
        guard let n = ModelValidator.boundedElementCount(shape) else { throw error("computed output shape \(shape) is too large") }
        let (bytes, o) = n.multipliedReportingOverflow(by: graph.tensors[t].type.byteSize ?? 1)
        guard !o, bytes <= ModelValidator.maximumTensorBytes else { throw error("computed output shape \(shape) is too large") }
        graph.tensors[t].shape = shape
    }

    /// Reads a constant int32 or int64 tensor as `[Int]` (shape, axis, paddings inputs).
    func constantInts(_ t: TensorSlot, _ role: String) throws -> [Int] {
        let p = try requireConstant(t, role)
        let n = t.elementCount
        switch t.type {
        case .int32: return (0..<n).map { Int(p.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
        case .int64: return (0..<n).map { Int(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
        default: throw error("\(role) '\(t.name)' is \(t.type), expected int32 or int64")
        }
    }
}

/// Fused activation (`ActivationFunctionType`) as a clamp range.
enum FusedActivation: Int8 {
    case none = 0, relu = 1, reluN1To1 = 2, relu6 = 3, tanh = 4, signBit = 5

    init(_ raw: Int8, _ ctx: PrepareContext) throws {
        guard let a = FusedActivation(rawValue: raw), a != .tanh, a != .signBit else {
            throw ctx.error("fused activation \(raw) is not supported")
        }
        self = a
    }

    /// Float clamp bounds.
    var floatRange: (min: Float, max: Float) {
        switch self {
        case .relu: return (0, .greatestFiniteMagnitude)
        case .relu6: return (0, 6)
        case .reluN1To1: return (-1, 1)
        default: return (-.greatestFiniteMagnitude, .greatestFiniteMagnitude)
        }
    }
}

/// SAME / VALID padding (`Padding`), and the output-size and offset rules.
enum Padding: Int8 {
    case same = 0, valid = 1

    init(_ raw: Int8, _ ctx: PrepareContext) throws {
        guard let p = Padding(rawValue: raw) else { throw ctx.error("padding \(raw) is not SAME or VALID") }
        self = p
    }

    /// Output size along one axis (TFLite `ComputeOutSize`); strides ≥ 1.
    func outputSize(input: Int, filter: Int, stride: Int, dilation: Int) -> Int {
        let effective = (filter - 1) * dilation + 1
        switch self {
        case .same: return (input + stride - 1) / stride
        case .valid: return input >= effective ? (input - effective + stride) / stride : 0
        }
    }

    /// Padding before the first element (TFLite `ComputePaddingWithOffset`).
    func before(input: Int, filter: Int, stride: Int, dilation: Int, output: Int) -> Int {
        let effective = (filter - 1) * dilation + 1
        let total = max((output - 1) * stride + effective - input, 0)
        return total / 2
    }
}
