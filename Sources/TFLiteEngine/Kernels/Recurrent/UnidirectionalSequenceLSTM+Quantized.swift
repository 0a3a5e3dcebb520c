#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Full-integer UNIDIRECTIONAL_SEQUENCE_LSTM: int8 input, weights and hidden
/// state, int32 biases, int16 cell state with a power-of-two scale; bit-exact
/// with TFLite Micro (`lstm_eval.h`, the kernel Micro runs for the plain LSTM
/// the converter emits). One step:
///
///     gate = sat16(FC16(x; W_x, bias) + FC16(h; W_h))     (FC16: int32 sums requantized to Q3.12)
///     f, i, o = σ16(gate), g = tanh16(gate)               (Q0.15, the int16 lookup tables)
///     c = sat16(mul(f, c) + mul(i, g)), clipped           (requantized to the cell scale)
///     h = mul(tanh16(c), o)                               (requantized to the hidden state's scale and zero point)
///
/// Micro has no kernel for the CIFG, peephole, layer-norm or projection
/// variants (nor does it run the model), so they are rejected here.
final class LSTMInt8Kernel: Kernel {
    typealias LSTM = UnidirectionalSequenceLSTM

    /// Requantization of one fully connected part of a gate.
    struct FullyConnectedScale {
        var multiplier: Int32
        var shift: Int
        /// Zero point of the activations it reads.
        var zeroPoint: Int32
    }

    struct MulScale {
        var multiplier: Int32
        var shift: Int
    }

    struct GateOperands {
        var inputWeights: UnsafePointer<Int8>?
        var recurrentWeights: UnsafePointer<Int8>?
        var bias: UnsafePointer<Int32>?
        var input: FullyConnectedScale
        var recurrent: FullyConnectedScale
    }

    let p: LSTM.Parameters
    private var gates: [GateOperands] = []
    let forgetTimesCell: MulScale
    let inputTimesCellGate: MulScale
    let outputTimesCell: MulScale
    let hiddenZeroPoint: Int32
    let cellClip: Int16?
    let cellTanh: Int16Nonlinearity.InputScaling
    let gateScaling = Int16Nonlinearity.InputScaling(multiplier: 0, leftShift: 0)
    let bufferElements: Int

    var input: UnsafePointer<Int8>!
    var output: UnsafeMutablePointer<Int8>!
    var outputState: UnsafeMutablePointer<Int8>!
    var cellState: UnsafeMutablePointer<Int16>!
    var memory: TensorMemory?

    init(ctx: PrepareContext, _ p: LSTM.Parameters) throws {
        self.p = p
        if p.cifg { throw ctx.error("int8 LSTM without an input gate (CIFG) is not supported (TFLite Micro has no such kernel)") }
        if p.peephole { throw ctx.error("int8 LSTM with peephole weights is not supported (TFLite Micro has no such kernel)") }
        if p.layerNorm { throw ctx.error("int8 LSTM with layer norm is not supported (TFLite Micro has no such kernel)") }
        if p.projection { throw ctx.error("int8 LSTM with projection is not supported (TFLite Micro has no such kernel)") }
        guard p.activation == .tanh else {
            throw ctx.error("int8 LSTM with fused activation \(p.activation) is not supported (TFLite Micro runs tanh only)")
        }
        let tensors = ctx.graph.tensors
        let input = tensors[p.input], hidden = tensors[p.outputState], cell = tensors[p.cellState]
        try ctx.require(hidden, type: .int8, "output state")
        try ctx.require(cell, type: .int16, "cell state")
        try ctx.require(tensors[p.output], type: .int8, "output")
        let inputQ = try ctx.quantization(input, "input")
        let hiddenQ = try ctx.quantization(hidden, "output state")
        let cellQ = try ctx.quantization(cell, "cell state")
        guard cellQ.zeroPoint == 0 else { throw ctx.error("cell state '\(cell.name)' has zero point \(cellQ.zeroPoint), expected 0") }

        // The cell scale must be a power of two (TFLite's CheckedLog2).
        let log2 = logf(cellQ.scale) * (1 / logf(2))
        let rounded = log2.rounded(.toNearestOrAwayFromZero)
        guard abs(log2 - rounded) < 1e-3, rounded >= -30, rounded <= 0 else {
            throw ctx.error("cell state '\(cell.name)' has scale \(cellQ.scale); int8 LSTM needs a power of two from 2^-30 to 1")
        }
        let cellPower = Int32(rounded)
        let tanhShift = 15 &+ cellPower &- 3
        cellTanh = tanhShift < 0 ? .init(multiplier: 3, leftShift: -tanhShift) : .init(multiplier: 0, leftShift: tanhShift)

        // Gate pre-activations are Q3.12 (scale 2^-12), gate outputs Q0.15.
        let gateInputScale = 1.0 / 4096.0, gateOutputScale = 1.0 / 32768.0
        func fullyConnected(_ weights: Int, _ activations: TensorQuantization, _ role: String) throws -> FullyConnectedScale {
            let w = tensors[weights]
            let wq = try ctx.quantization(w, role)
            guard w.quantization?.scale.count == 1 else { throw ctx.error("\(role) '\(w.name)' must be quantized per tensor") }
            guard wq.zeroPoint == 0 else { throw ctx.error("\(role) '\(w.name)' has zero point \(wq.zeroPoint); int8 weights must be symmetric") }
            let (m, s) = FixedPoint.quantizeMultiplier(Double(activations.scale) * Double(wq.scale) / gateInputScale)
            return FullyConnectedScale(multiplier: m, shift: s, zeroPoint: activations.zeroPoint)
        }
        var gates: [GateOperands] = []
        for gate in LSTM.Gate.allCases {
            let g = gate.rawValue
            guard let w = p.inputWeights[g], let r = p.recurrentWeights[g], let b = p.biases[g] else {
                throw ctx.error("\(gate.name)-gate weights or bias are missing")
            }
            try ctx.require(tensors[b], type: .int32, "\(gate.name)-gate bias")
            gates.append(GateOperands(
                input: try fullyConnected(w, inputQ, "\(gate.name)-gate input weights"),
                recurrent: try fullyConnected(r, hiddenQ, "\(gate.name)-gate recurrent weights")))
        }
        self.gates = gates

        func mul(_ a: Double, _ b: Double, _ out: Double) -> MulScale {
            let (m, s) = FixedPoint.quantizeMultiplier(a * b / out)
            return MulScale(multiplier: m, shift: s)
        }
        let cellScale = Double(cellQ.scale)
        forgetTimesCell = mul(gateOutputScale, cellScale, cellScale)
        inputTimesCellGate = mul(gateOutputScale, gateOutputScale, cellScale)
        outputTimesCell = mul(gateOutputScale, gateOutputScale, Double(hiddenQ.scale))
        hiddenZeroPoint = hiddenQ.zeroPoint
        if p.cellClip > 0 {
            let q = min(max(Double(p.cellClip) / cellScale, -32768), 32767)
            cellClip = Int16(q)
        } else {
            cellClip = nil
        }

        guard let n = LSTM.checkedProduct(p.rowsPerStep, p.cells) else { throw ctx.error("\(p.rowsPerStep) batch rows × \(p.cells) cells is too large") }
        bufferElements = n
        _ = try LSTM.scratchBytes(ctx, [(5 &* n, 2)])
    }

    /// Four gates and one temporary, int16, rows × cells each.
    var scratchBytesPerWorker: Int { (5 &* bufferElements &* 2 + 63) & ~63 }
    var tileCount: Int { p.tileCount }
    var cost: Int { p.cost }

    func bind(_ memory: TensorMemory) {
        self.memory = memory
        input = UnsafePointer(memory.pointer(p.input, as: Int8.self))
        output = memory.pointer(p.output, as: Int8.self)
        outputState = memory.pointer(p.outputState, as: Int8.self)
        cellState = memory.pointer(p.cellState, as: Int16.self)
        for g in 0..<4 {
            gates[g].inputWeights = p.inputWeights[g].map { UnsafePointer(memory.pointer($0, as: Int8.self)) }
            gates[g].recurrentWeights = p.recurrentWeights[g].map { UnsafePointer(memory.pointer($0, as: Int8.self)) }
            gates[g].bias = p.biases[g].map { UnsafePointer(memory.pointer($0, as: Int32.self)) }
        }
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let memory else { return }
        let buffers = memory.scratch(worker: worker, stride: scratchStride, as: Int16.self)
        Int16Nonlinearity.sigmoidTable.withUnsafeBufferPointer { table in
            guard let table = table.baseAddress else { return }
            for tile in tiles {
                let row = p.stateRow(tile: tile)
                let h = outputState + row &* p.outputs
                let c = cellState + row &* p.cells
                for t in 0..<p.steps {
                    step(x: input + p.inputOffset(step: t, tile: tile), h: h, c: c, buffers, table)
                    (output + p.outputOffset(step: t, tile: tile)).update(from: h, count: p.rowsPerStep &* p.outputs)
                }
            }
        }
    }

    private func step(x: UnsafePointer<Int8>, h: UnsafeMutablePointer<Int8>, c: UnsafeMutablePointer<Int16>,
                      _ buffers: UnsafeMutablePointer<Int16>, _ table: UnsafePointer<UInt16>) {
        let n = bufferElements
        let forget = buffers, inputGate = buffers + n, cellGate = buffers + 2 &* n, outputGate = buffers + 3 &* n
        let temporary = buffers + 4 &* n
        gate(.forget, x: x, h: UnsafePointer(h), into: forget, temporary, table)
        gate(.input, x: x, h: UnsafePointer(h), into: inputGate, temporary, table)
        gate(.cell, x: x, h: UnsafePointer(h), into: cellGate, temporary, table)

        // c = f·c + i·g, each product requantized to the cell scale, summed saturating.
        for k in 0..<n {
            let kept = Self.multiply(forget[k], c[k], forgetTimesCell, offset: 0, min: -32768, max: 32767)
            let added = Self.multiply(inputGate[k], cellGate[k], inputTimesCellGate, offset: 0, min: -32768, max: 32767)
            var v = min(max(kept &+ added, -32768), 32767)
            if let clip = cellClip { v = max(min(v, Int32(clip)), -Int32(clip)) }
            c[k] = Int16(truncatingIfNeeded: v)
        }

        gate(.output, x: x, h: UnsafePointer(h), into: outputGate, temporary, table)

        // h = tanh(c) · o, requantized to the hidden state.
        for k in 0..<n {
            let t = Int16Nonlinearity.tanh(c[k], cellTanh, table)
            let v = Self.multiply(t, outputGate[k], outputTimesCell, offset: hiddenZeroPoint, min: -128, max: 127)
            h[k] = Int8(truncatingIfNeeded: v)
        }
    }

    /// One gate for every row of the step: two int16 fully connected
    /// results added with saturation, then the gate's activation.
    private func gate(_ gate: LSTM.Gate, x: UnsafePointer<Int8>, h: UnsafePointer<Int8>, into out: UnsafeMutablePointer<Int16>,
                      _ temporary: UnsafeMutablePointer<Int16>, _ table: UnsafePointer<UInt16>) {
        let g = gates[gate.rawValue]
        guard let w = g.inputWeights, let r = g.recurrentWeights else { return }
        Self.fullyConnected(w, x, bias: g.bias, g.input, rows: p.rowsPerStep, outputs: p.cells, columns: p.inputSize, into: out)
        Self.fullyConnected(r, h, bias: nil, g.recurrent, rows: p.rowsPerStep, outputs: p.cells, columns: p.outputs, into: temporary)
        let n = bufferElements
        if gate == .cell {
            for k in 0..<n {
                let sum = Int16(clamping: Int32(out[k]) &+ Int32(temporary[k]))
                out[k] = Int16Nonlinearity.tanh(sum, gateScaling, table)
            }
        } else {
            for k in 0..<n {
                let sum = Int16(clamping: Int32(out[k]) &+ Int32(temporary[k]))
                out[k] = Int16Nonlinearity.logistic(sum, gateScaling, table)
            }
        }
    }

    /// `reference_integer_ops::FullyConnected` to int16: Σ w·(x − zp) + bias,
    /// requantized, clamped to int16.
    @inline(__always)
    static func fullyConnected(_ w: UnsafePointer<Int8>, _ x: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?, _ q: FullyConnectedScale,
                               rows: Int, outputs: Int, columns: Int, into out: UnsafeMutablePointer<Int16>) {
        for r in 0..<rows {
            let xr = x + r &* columns, o = out + r &* outputs
            for j in 0..<outputs {
                let wr = w + j &* columns
                var acc: Int32 = 0
                for k in 0..<columns { acc = acc &+ Int32(wr[k]) &* (Int32(xr[k]) &- q.zeroPoint) }
                if let bias { acc = acc &+ bias[j] }
                let v = FixedPoint.multiplyByQuantizedMultiplier(acc, q.multiplier, q.shift)
                o[j] = Int16(clamping: v)
            }
        }
    }

    /// `MulElementwise` of two symmetric int16 values: the product
    /// requantized, plus `offset`, clamped to [min, max].
    @inline(__always)
    static func multiply(_ a: Int16, _ b: Int16, _ q: MulScale, offset: Int32, min lo: Int32, max hi: Int32) -> Int32 {
        let v = FixedPoint.multiplyByQuantizedMultiplier(Int32(a) &* Int32(b), q.multiplier, q.shift) &+ offset
        return min(max(v, lo), hi)
    }
}
