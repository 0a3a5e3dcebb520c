/// UNIDIRECTIONAL_SEQUENCE_LSTM: an LSTM layer run over a whole sequence, as
/// Keras 2 (`tf_keras`) LSTM layers convert. Input [batch, time, features]
/// (`time_major`: [time, batch, features]); output the same with the last
/// dimension replaced by the output size. The hidden state (input 18) and
/// cell state (input 19) are variable tensors: they persist across invokes,
/// as in TFLite, until `Interpreter.resetVariableTensors()`.
///
/// The 24 inputs (TFLite's `lstm_shared.h`; `-` marks optional ones):
///
/// | | input gate | forget gate | cell gate | output gate |
/// |---|---|---|---|---|
/// | input weights [cells, features] | 1 - | 2 | 3 | 4 |
/// | recurrent weights [cells, outputs] | 5 - | 6 | 7 | 8 |
/// | peephole weights [cells] | 9 - | 10 - | | 11 - |
/// | bias [cells] | 12 - | 13 | 14 | 15 |
/// | layer norm coefficients [cells] | 20 - | 21 - | 22 - | 23 - |
///
/// plus projection weights [outputs, cells] (16 -) and bias [outputs] (17 -).
/// Missing input-gate weights mean CIFG (the input gate is 1 − forget gate);
/// the layer-norm coefficients exist only in the 24-input form.
///
/// Kernels: float32 and hybrid (int8 weights, float activations, LiteRT's
/// builtin kernels) with every variant (CIFG, peephole, layer norm,
/// projection, clipping, time-major); full-integer int8 (int16 cell state)
/// bit-exact with TFLite Micro, which runs the plain LSTM only. Diagonal
/// recurrent weights and 16-bit activations are rejected.
enum UnidirectionalSequenceLSTM {
    static let registration = OperatorRegistration(maxVersion: 4, foldable: false) { ctx in try prepare(ctx) }

    /// The four gates, in the order of the weight and bias inputs.
    enum Gate: Int, CaseIterable {
        case input = 0, forget, cell, output

        var name: String { ["input", "forget", "cell", "output"][rawValue] }
        /// Input index of the gate's input weights (1…4); recurrent weights
        /// are 4 further, biases 11 further, layer norm 19 further.
        var inputWeights: Int { 1 + rawValue }
        var recurrentWeights: Int { 5 + rawValue }
        var bias: Int { 12 + rawValue }
        var layerNorm: Int { 20 + rawValue }
        /// Input index of the peephole (cell-to-gate) weights; the cell gate has none.
        var peephole: Int? { [9, 10, nil, 11][rawValue] }
    }

    static let projectionWeights = 16, projectionBias = 17
    static let outputState = 18, cellState = 19

    /// Sizes, options and tensor indices of one node, checked.
    struct Parameters {
        var batches: Int, steps: Int, inputSize: Int, cells: Int, outputs: Int
        var timeMajor: Bool
        /// The fused activation of the cell gate and of the cell state.
        var activation: RecurrentActivation
        var cellClip: Float, projectionClip: Float
        var asymmetricQuantizeInputs: Bool
        /// CIFG: no input gate (it is 1 − forget gate).
        var cifg: Bool
        var peephole: Bool
        var layerNorm: Bool
        var projection: Bool
        /// Tensor indices (nil when omitted).
        var input: Int, output: Int, outputState: Int, cellState: Int
        var inputWeights: [Int?], recurrentWeights: [Int?], peepholeWeights: [Int?]
        var biases: [Int?], layerNormWeights: [Int?]
        var projectionWeights: Int?, projectionBias: Int?

        /// Batch rows one time step computes together: all of them when
        /// time-major, else one (each batch row runs its own sequence).
        var rowsPerStep: Int { timeMajor ? batches : 1 }
        /// Independent tiles: batch rows when batch-major, else one (none
        /// without batch rows: the interpreter skips such nodes anyway).
        var tileCount: Int { batches == 0 ? 0 : (timeMajor ? 1 : batches) }

        /// Element offsets of time step `t` of tile `tile` in the input and
        /// output, and of the tile's rows in the state tensors.
        @inline(__always)
        func inputOffset(step t: Int, tile: Int) -> Int {
            timeMajor ? t &* batches &* inputSize : (tile &* steps &+ t) &* inputSize
        }
        @inline(__always)
        func outputOffset(step t: Int, tile: Int) -> Int {
            timeMajor ? t &* batches &* outputs : (tile &* steps &+ t) &* outputs
        }
        @inline(__always)
        func stateRow(tile: Int) -> Int { timeMajor ? 0 : tile }

        /// Multiply-adds of the whole sequence (saturating).
        var cost: Int {
            let perRow = (4 &* cells).multipliedReportingOverflow(by: inputSize &+ outputs)
            let projection = outputs.multipliedReportingOverflow(by: cells)
            let rows = batches.multipliedReportingOverflow(by: steps)
            guard !perRow.overflow, !projection.overflow, !rows.overflow else { return Int.max }
            let (total, o) = rows.partialValue.multipliedReportingOverflow(by: perRow.partialValue &+ projection.partialValue)
            return o ? Int.max : total
        }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let p = try parameters(ctx)
        let input = try ctx.input(0)
        let weightType = try ctx.input(Gate.output.inputWeights).type
        switch (input.type, weightType) {
        case (.float32, .float32):
            return try LSTMFloatActivationKernel(ctx: ctx, p, weights: .float)
        case (.float32, .int8):
            return try LSTMFloatActivationKernel(ctx: ctx, p, weights: .hybrid)
        case (.int8, .int8):
            return try LSTMInt8Kernel(ctx: ctx, p)
        case (.int16, _):
            throw ctx.error("16-bit activations (the 16x8 quantization) are not supported")
        default:
            throw ctx.error("input '\(input.name)' is \(input.type) with \(weightType) weights; supported: float32 with float32 weights, float32 with int8 weights (hybrid), int8 with int8 weights")
        }
    }

    /// TFLite's Prepare and `CheckInputTensorDimensions`: the optional inputs
    /// present all-or-none per feature, every shape against the sizes taken
    /// from the input and the output-gate weights, the state tensors variable.
    static func parameters(_ ctx: PrepareContext) throws -> Parameters {
        guard ctx.inputCount == 20 || ctx.inputCount == 24 else {
            throw ctx.error("has \(ctx.inputCount) inputs, expected 20 or 24")
        }
        try ctx.expect(inputs: ctx.inputCount...ctx.inputCount, outputs: 1...1)
        let options = try ctx.options(UnidirectionalSequenceLSTMOptions.self)
        // NONE is rejected too: LiteRT's `ApplyActivationToVector` then leaves
        // its output buffer unwritten, so its kernel multiplies the output gate
        // by the cell gate instead of the cell state.
        guard let activation = RecurrentActivation(rawValue: options.fusedActivationFunction), activation != .none else {
            throw ctx.error("fused activation \(options.fusedActivationFunction) is not supported (relu, relu_n1_to_1, relu6 or tanh)")
        }
        guard options.cellClip >= 0 else { throw ctx.error("cell_clip \(options.cellClip) must be ≥ 0 (0: no clipping)") }
        guard options.projClip >= 0 else { throw ctx.error("proj_clip \(options.projClip) must be ≥ 0 (0: no clipping)") }
        guard !options.diagonalRecurrentTensors else { throw ctx.error("diagonal recurrent weights are not supported") }

        let input = try ctx.input(0)
        try ctx.require(input, rank: 3, "input")
        let timeMajor = options.timeMajor
        let batches = timeMajor ? input.shape[1] : input.shape[0]
        let steps = timeMajor ? input.shape[0] : input.shape[1]
        let inputSize = input.shape[2]

        let outputWeights = try ctx.input(Gate.output.inputWeights)
        try ctx.require(outputWeights, rank: 2, "input-to-output weights")
        let cells = outputWeights.shape[0]
        guard outputWeights.shape[1] == inputSize else {
            throw ctx.error("input-to-output weights '\(outputWeights.name)' have shape \(outputWeights.shape), expected [cells, \(inputSize)] for input \(input.shape)")
        }
        let recurrentOutput = try ctx.input(Gate.output.recurrentWeights)
        guard recurrentOutput.rank == 2 else {
            throw ctx.error("recurrent-to-output weights '\(recurrentOutput.name)' have rank \(recurrentOutput.rank) (shape \(recurrentOutput.shape)), expected 2 (diagonal recurrent weights are not supported)")
        }
        guard recurrentOutput.shape[0] == cells else {
            throw ctx.error("recurrent-to-output weights '\(recurrentOutput.name)' have shape \(recurrentOutput.shape), expected [\(cells), outputs]")
        }
        let outputs = recurrentOutput.shape[1]
        let weightType = outputWeights.type

        func matrix(_ i: Int, _ role: String, rows: Int, columns: Int) throws -> Int? {
            guard let t = ctx.optionalInput(i) else { return nil }
            guard t.shape == [rows, columns] else {
                throw ctx.error("\(role) '\(t.name)' has shape \(t.shape), expected [\(rows), \(columns)]")
            }
            guard t.type == weightType else { throw ctx.error("\(role) '\(t.name)' is \(t.type), the other weights \(weightType)") }
            return ctx.node.inputs[i]
        }
        func vector(_ i: Int, _ role: String, count: Int) throws -> Int? {
            guard let t = ctx.optionalInput(i) else { return nil }
            guard t.shape == [count] else { throw ctx.error("\(role) '\(t.name)' has shape \(t.shape), expected [\(count)]") }
            return ctx.node.inputs[i]
        }
        func required(_ i: Int, _ role: String) throws {
            guard ctx.hasInput(i) else { throw ctx.error("\(role) (input \(i)) is required but missing") }
        }

        var inputWeights: [Int?] = [], recurrentWeights: [Int?] = [], biases: [Int?] = []
        for gate in Gate.allCases {
            if gate != .input {
                try required(gate.inputWeights, "\(gate.name)-gate input weights")
                try required(gate.recurrentWeights, "\(gate.name)-gate recurrent weights")
                try required(gate.bias, "\(gate.name)-gate bias")
            }
            inputWeights.append(try matrix(gate.inputWeights, "\(gate.name)-gate input weights", rows: cells, columns: inputSize))
            recurrentWeights.append(try matrix(gate.recurrentWeights, "\(gate.name)-gate recurrent weights", rows: cells, columns: outputs))
            biases.append(try vector(gate.bias, "\(gate.name)-gate bias", count: cells))
        }
        guard (inputWeights[0] == nil) == (recurrentWeights[0] == nil) else {
            throw ctx.error("input-gate input and recurrent weights must both be present (LSTM) or both omitted (CIFG)")
        }
        let cifg = inputWeights[0] == nil
        if cifg, biases[0] != nil { throw ctx.error("input-gate bias is present but the input-gate weights are omitted (CIFG)") }
        if !cifg, biases[0] == nil { throw ctx.error("input-gate bias (input 12) is required but missing") }

        var peepholeWeights: [Int?] = []
        for gate in Gate.allCases {
            guard let i = gate.peephole else { peepholeWeights.append(nil); continue }
            let index = try vector(i, "\(gate.name)-gate peephole weights", count: cells)
            if let index, ctx.graph.tensors[index].type != weightType {
                throw ctx.error("\(gate.name)-gate peephole weights '\(ctx.graph.tensors[index].name)' are \(ctx.graph.tensors[index].type), the other weights \(weightType)")
            }
            peepholeWeights.append(index)
        }
        let peephole = peepholeWeights[Gate.forget.rawValue] != nil
        let peepholeComplete = (peepholeWeights[0] != nil || cifg) && peepholeWeights[1] != nil && peepholeWeights[3] != nil
        let peepholeAbsent = peepholeWeights.allSatisfy { $0 == nil }
        guard peepholeComplete || peepholeAbsent else {
            throw ctx.error("peephole weights must be present for every gate (the input gate's omitted with CIFG) or for none")
        }

        let projectionWeights = try matrix(Self.projectionWeights, "projection weights", rows: outputs, columns: cells)
        let projectionBias = try vector(Self.projectionBias, "projection bias", count: outputs)
        if projectionWeights == nil, projectionBias != nil { throw ctx.error("projection bias is present without projection weights") }
        if projectionWeights == nil, outputs != cells {
            throw ctx.error("without projection the output size (\(outputs), from the recurrent weights) must equal the number of cells (\(cells))")
        }

        var layerNormWeights: [Int?] = [nil, nil, nil, nil]
        let layerNorm = ctx.inputCount == 24 && ctx.hasInput(Gate.forget.layerNorm)
        if ctx.inputCount == 24 {
            for gate in Gate.allCases {
                layerNormWeights[gate.rawValue] = try vector(gate.layerNorm, "\(gate.name)-gate layer norm coefficients", count: cells)
            }
            if layerNorm {
                if cifg, layerNormWeights[0] != nil { throw ctx.error("input-gate layer norm coefficients are present with CIFG (no input gate)") }
                if !cifg, layerNormWeights[0] == nil { throw ctx.error("input-gate layer norm coefficients (input 20) are required with layer norm") }
                for gate in [Gate.cell, .output] where layerNormWeights[gate.rawValue] == nil {
                    throw ctx.error("\(gate.name)-gate layer norm coefficients (input \(gate.layerNorm)) are required with layer norm")
                }
            } else if layerNormWeights.contains(where: { $0 != nil }) {
                throw ctx.error("layer norm coefficients are present without the forget gate's (input 21), which turns layer norm on")
            }
        }

        // State tensors: variables holding batches × outputs and batches × cells values.
        let outputState = try ctx.input(Self.outputState), cellState = try ctx.input(Self.cellState)
        for (t, role) in [(outputState, "output state"), (cellState, "cell state")] where !t.isVariable {
            throw ctx.error("\(role) '\(t.name)' is not a variable tensor")
        }
        guard let stateRows = checkedProduct(batches, outputs), outputState.elementCount == stateRows else {
            throw ctx.error("output state '\(outputState.name)' has shape \(outputState.shape), expected \(batches) × \(outputs) elements")
        }
        guard let cellRows = checkedProduct(batches, cells), cellState.elementCount == cellRows else {
            throw ctx.error("cell state '\(cellState.name)' has shape \(cellState.shape), expected \(batches) × \(cells) elements")
        }
        let stateIndices = [ctx.node.inputs[Self.outputState], ctx.node.inputs[Self.cellState]]
        guard stateIndices[0] != stateIndices[1] else { throw ctx.error("output state and cell state are the same tensor") }
        for (i, t) in ctx.node.inputs.enumerated() where i != Self.outputState && i != Self.cellState && stateIndices.contains(t) {
            throw ctx.error("input \(i) is also a state tensor, which the kernel overwrites")
        }

        var outputShape = input.shape
        outputShape[2] = outputs
        try ctx.setOutputShape(0, outputShape)

        return Parameters(
            batches: batches, steps: steps, inputSize: inputSize, cells: cells, outputs: outputs, timeMajor: timeMajor,
            activation: activation, cellClip: options.cellClip, projectionClip: options.projClip,
            asymmetricQuantizeInputs: options.asymmetricQuantizeInputs,
            cifg: cifg, peephole: peephole, layerNorm: layerNorm, projection: projectionWeights != nil,
            input: ctx.node.inputs[0], output: ctx.outputIndex(0),
            outputState: stateIndices[0], cellState: stateIndices[1],
            inputWeights: inputWeights, recurrentWeights: recurrentWeights, peepholeWeights: peepholeWeights,
            biases: biases, layerNormWeights: layerNormWeights,
            projectionWeights: projectionWeights, projectionBias: projectionBias)
    }

    /// a × b, or nil when it overflows.
    static func checkedProduct(_ a: Int, _ b: Int) -> Int? {
        let (p, o) = a.multipliedReportingOverflow(by: b)
        return o ? nil : p
    }

    /// Scratch bytes of `count` elements of `size` bytes, rounded up to 64,
    /// or an error when absurdly large (sizes from a hostile model).
    static func scratchBytes(_ ctx: PrepareContext, _ counts: [(count: Int, size: Int)]) throws -> Int {
        var total = 0
        for (count, size) in counts {
            guard let bytes = checkedProduct(count, size), bytes <= ModelValidator.maximumTensorBytes else {
                throw ctx.error("needs a scratch buffer of \(count) elements, which is too large")
            }
            total += (bytes + 63) & ~63
        }
        guard total <= ModelValidator.maximumTensorBytes else { throw ctx.error("needs \(total) scratch bytes, which is too large") }
        return total
    }
}
