/// UNIDIRECTIONAL_SEQUENCE_RNN: a fully connected recurrent layer over a
/// sequence, `h = act(W_x·x + W_h·h + bias)`, written to every step's output
/// row. Inputs: the sequence [batch, time, features] (`time_major`: [time,
/// batch, features]), input weights [units, features], recurrent weights
/// [units, units], bias [units] and the hidden state [batch, units], a
/// variable tensor that persists across invokes. float32 weights, or int8
/// (hybrid) with LiteRT's builtin arithmetic (`kernel_utils::RnnBatchStep`).
enum UnidirectionalSequenceRNN {
    static let registration = OperatorRegistration(maxVersion: 3, foldable: false) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 5)
        let options = try ctx.options(SequenceRNNOptions.self)
        guard let activation = RecurrentActivation(rawValue: options.fusedActivationFunction) else {
            throw ctx.error("fused activation \(options.fusedActivationFunction) is not supported (none, relu, relu_n1_to_1, relu6 or tanh)")
        }
        let input = try ctx.input(0), weights = try ctx.input(1), recurrent = try ctx.input(2), bias = try ctx.input(3)
        let state = try ctx.input(4)
        try ctx.require(input, rank: 3, "input")
        try ctx.require(input, type: .float32, "input")
        let timeMajor = options.timeMajor
        let batches = timeMajor ? input.shape[1] : input.shape[0]
        let steps = timeMajor ? input.shape[0] : input.shape[1]
        let features = input.shape[2]
        try ctx.require(bias, rank: 1, "bias")
        try ctx.require(bias, type: .float32, "bias")
        let units = bias.shape[0]
        guard weights.shape == [units, features] else {
            throw ctx.error("input weights '\(weights.name)' have shape \(weights.shape), expected [\(units), \(features)]")
        }
        guard recurrent.shape == [units, units] else {
            throw ctx.error("recurrent weights '\(recurrent.name)' have shape \(recurrent.shape), expected [\(units), \(units)]")
        }
        guard recurrent.type == weights.type else {
            throw ctx.error("recurrent weights '\(recurrent.name)' are \(recurrent.type), the input weights \(weights.type)")
        }
        guard state.isVariable else { throw ctx.error("hidden state '\(state.name)' is not a variable tensor") }
        guard state.shape == [batches, units] else {
            throw ctx.error("hidden state '\(state.name)' has shape \(state.shape), expected [\(batches), \(units)]")
        }
        try ctx.require(state, type: .float32, "hidden state")
        let stateIndex = ctx.node.inputs[4]
        for i in 0..<4 where ctx.node.inputs[i] == stateIndex {
            throw ctx.error("input \(i) is also the hidden state, which the kernel overwrites")
        }
        try ctx.require(ctx.output(0), type: .float32, "output")
        var outputShape = input.shape
        outputShape[2] = units
        try ctx.setOutputShape(0, outputShape)

        let hybrid: (input: Float, recurrent: Float)?
        switch weights.type {
        case .float32: hybrid = nil
        case .int8:
            hybrid = (try RecurrentMath.weightScale(weights, "input weights", ctx), try RecurrentMath.weightScale(recurrent, "recurrent weights", ctx))
        default: throw ctx.error("weights '\(weights.name)' are \(weights.type); float32 or int8 (hybrid) are supported")
        }
        return try SequenceRNNKernel(
            ctx: ctx, batches: batches, steps: steps, features: features, units: units, timeMajor: timeMajor,
            activation: activation, hybridScales: hybrid, asymmetric: options.asymmetricQuantizeInputs)
    }
}

/// The RNN's time loop. Batch-major sequences are tiles; a time-major step
/// computes every batch row (one tile).
final class SequenceRNNKernel: Kernel {
    let batches: Int, steps: Int, features: Int, units: Int
    let timeMajor: Bool
    let activation: RecurrentActivation
    let hybridScales: (input: Float, recurrent: Float)?
    let asymmetric: Bool
    let operands: (input: Int, weights: Int, recurrent: Int, bias: Int, state: Int, output: Int)
    /// Scratch: quantized input and state rows (Int16), their row scales.
    private let quantizedStateOffset: Int, scalesOffset: Int, scratchBytes: Int

    var input: UnsafePointer<Float>!
    var weights: UnsafeRawPointer!
    var recurrent: UnsafeRawPointer!
    var bias: UnsafePointer<Float>!
    var state: UnsafeMutablePointer<Float>!
    var output: UnsafeMutablePointer<Float>!
    var scratch: TensorMemory?

    init(ctx: PrepareContext, batches: Int, steps: Int, features: Int, units: Int, timeMajor: Bool,
         activation: RecurrentActivation, hybridScales: (input: Float, recurrent: Float)?, asymmetric: Bool) throws {
        self.batches = batches
        self.steps = steps
        self.features = features
        self.units = units
        self.timeMajor = timeMajor
        self.activation = activation
        self.hybridScales = hybridScales
        self.asymmetric = asymmetric
        let n = ctx.node
        operands = (n.inputs[0], n.inputs[1], n.inputs[2], n.inputs[3], n.inputs[4], n.outputs[0])
        let rows = timeMajor ? batches : 1
        if hybridScales != nil {
            guard let inputCount = UnidirectionalSequenceLSTM.checkedProduct(rows, features),
                  let stateCount = UnidirectionalSequenceLSTM.checkedProduct(rows, units) else {
                throw ctx.error("\(rows) batch rows of \(features) features and \(units) units is too large")
            }
            quantizedStateOffset = (inputCount * 2 + 63) & ~63
            scalesOffset = quantizedStateOffset + (stateCount * 2 + 63) & ~63
            scratchBytes = try UnidirectionalSequenceLSTM.scratchBytes(ctx, [(inputCount, 2), (stateCount, 2), (rows, 4)])
        } else {
            quantizedStateOffset = 0
            scalesOffset = 0
            scratchBytes = 0
        }
    }

    var rowsPerStep: Int { timeMajor ? batches : 1 }
    var scratchBytesPerWorker: Int { scratchBytes }
    var tileCount: Int { batches == 0 ? 0 : (timeMajor ? 1 : batches) }
    var cost: Int {
        let perRow = units.multipliedReportingOverflow(by: features &+ units)
        let rows = batches.multipliedReportingOverflow(by: steps)
        guard !perRow.overflow, !rows.overflow else { return Int.max }
        let (total, o) = rows.partialValue.multipliedReportingOverflow(by: perRow.partialValue)
        return o ? Int.max : total
    }

    func bind(_ memory: TensorMemory) {
        scratch = memory
        input = UnsafePointer(memory.pointer(operands.input, as: Float.self))
        weights = UnsafeRawPointer(memory.raw(operands.weights))
        recurrent = UnsafeRawPointer(memory.raw(operands.recurrent))
        bias = UnsafePointer(memory.pointer(operands.bias, as: Float.self))
        state = memory.pointer(operands.state, as: Float.self)
        output = memory.pointer(operands.output, as: Float.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let memory = scratch else { return }
        let rows = rowsPerStep
        let raw = UnsafeMutableRawPointer(memory.scratch(worker: worker, stride: scratchStride, as: UInt8.self))
        let quantizedInput = raw.assumingMemoryBound(to: Int16.self)
        let quantizedState = (raw + quantizedStateOffset).assumingMemoryBound(to: Int16.self)
        let scales = (raw + scalesOffset).assumingMemoryBound(to: Float.self)
        for tile in tiles {
            let h = state + (timeMajor ? 0 : tile &* units)
            for t in 0..<steps {
                let x = input + (timeMajor ? t &* batches &* features : (tile &* steps &+ t) &* features)
                let y = output + (timeMajor ? t &* batches &* units : (tile &* steps &+ t) &* units)
                for r in 0..<rows { (y + r &* units).update(from: bias, count: units) }
                if let hybridScales {
                    RecurrentMath.quantizeRows(x, rows: rows, columns: features, asymmetric: asymmetric, into: quantizedInput, scales: scales)
                    RecurrentMath.accumulate(weights.assumingMemoryBound(to: Int8.self), UnsafePointer(quantizedInput),
                                             rowScales: UnsafePointer(scales), weightScale: hybridScales.input,
                                             rows: rows, outputs: units, columns: features, into: y)
                    RecurrentMath.quantizeRows(UnsafePointer(h), rows: rows, columns: units, asymmetric: asymmetric, into: quantizedState, scales: scales)
                    RecurrentMath.accumulate(recurrent.assumingMemoryBound(to: Int8.self), UnsafePointer(quantizedState),
                                             rowScales: UnsafePointer(scales), weightScale: hybridScales.recurrent,
                                             rows: rows, outputs: units, columns: units, into: y)
                } else {
                    RecurrentMath.accumulate(weights.assumingMemoryBound(to: Float.self), x, rows: rows, outputs: units, columns: features, into: y)
                    RecurrentMath.accumulate(recurrent.assumingMemoryBound(to: Float.self), UnsafePointer(h), rows: rows, outputs: units, columns: units, into: y)
                }
                let n = rows &* units
                for k in 0..<n { y[k] = activation.apply(y[k]) }
                h.update(from: y, count: n)
            }
        }
    }
}
