/// UNIDIRECTIONAL_SEQUENCE_LSTM with float32 activations: float32 weights, or
/// int8 weights (hybrid; `RecurrentMath`). One time
/// step, as LiteRT's `LstmStepFloat` / `LstmStepHybrid`:
///
///     gate  = bias + W_x·x + W_h·h (+ p ⊙ c, peephole)       (layer norm: normalise, × coefficients, + bias)
///     i, f, o = σ(gate), g = act(gate)                        (CIFG: i = 1 − f)
///     c = clip(f ⊙ c + i ⊙ g)                                 (the output gate's peephole reads the new c)
///     h = o ⊙ act(c), or clip(bias + W_p·(o ⊙ act(c)))       (projection)
///
/// and `h` is copied to the step's output row. Batch-major sequences are
/// independent, so each batch row is a tile; a time-major step computes all
/// batch rows together (one tile).
final class LSTMFloatActivationKernel: Kernel {
    typealias LSTM = UnidirectionalSequenceLSTM

    enum WeightFormat { case float, hybrid }

    /// The tensors of one gate, bound.
    struct GateOperands {
        var inputWeights: UnsafeRawPointer?
        var recurrentWeights: UnsafeRawPointer?
        var peephole: UnsafeRawPointer?
        var bias: UnsafePointer<Float>?
        var layerNorm: UnsafePointer<Float>?
        /// Per-tensor scales of the int8 weights (hybrid).
        var inputScale: Float = 1, recurrentScale: Float = 1, peepholeScale: Float = 1
    }

    let p: LSTM.Parameters
    let format: WeightFormat
    private var gates: [GateOperands]
    private var projectionScale: Float = 1
    private let layout: ScratchLayout

    var input: UnsafePointer<Float>!
    var output: UnsafeMutablePointer<Float>!
    var outputState: UnsafeMutablePointer<Float>!
    var cellState: UnsafeMutablePointer<Float>!
    var projectionWeights: UnsafeRawPointer?
    var projectionBias: UnsafePointer<Float>?
    var memory: TensorMemory?

    /// Byte offsets of the per-worker scratch areas.
    struct ScratchLayout {
        var gates = 0, hidden = 0
        var quantizedInput = 0, quantizedState = 0, quantizedHidden = 0, rowScales = 0
        var bytes = 0
    }

    init(ctx: PrepareContext, _ p: LSTM.Parameters, weights format: WeightFormat) throws {
        self.p = p
        self.format = format
        for (t, role) in [(p.output, "output"), (p.outputState, "output state"), (p.cellState, "cell state")] {
            try ctx.require(ctx.graph.tensors[t], type: .float32, role)
        }
        for gate in LSTM.Gate.allCases {
            if let b = p.biases[gate.rawValue] { try ctx.require(ctx.graph.tensors[b], type: .float32, "\(gate.name)-gate bias") }
            if let l = p.layerNormWeights[gate.rawValue] {
                try ctx.require(ctx.graph.tensors[l], type: .float32, "\(gate.name)-gate layer norm coefficients")
            }
        }
        if let b = p.projectionBias { try ctx.require(ctx.graph.tensors[b], type: .float32, "projection bias") }

        var gates = [GateOperands](repeating: GateOperands(), count: 4)
        if format == .hybrid {
            func scale(_ t: Int?, _ role: String) throws -> Float {
                guard let t else { return 1 }
                return try RecurrentMath.weightScale(ctx.graph.tensors[t], role, ctx)
            }
            for gate in LSTM.Gate.allCases {
                let g = gate.rawValue
                gates[g].inputScale = try scale(p.inputWeights[g], "\(gate.name)-gate input weights")
                gates[g].recurrentScale = try scale(p.recurrentWeights[g], "\(gate.name)-gate recurrent weights")
                gates[g].peepholeScale = try scale(p.peepholeWeights[g], "\(gate.name)-gate peephole weights")
            }
            projectionScale = try scale(p.projectionWeights, "projection weights")
        }
        self.gates = gates

        let rows = p.rowsPerStep, cells = p.cells
        guard let gateCount = LSTM.checkedProduct(rows, cells) else { throw ctx.error("\(rows) batch rows × \(cells) cells is too large") }
        var sizes: [(count: Int, size: Int)] = [(4 &* gateCount, 4), (gateCount, 4)]
        if format == .hybrid {
            guard let inputCount = LSTM.checkedProduct(rows, p.inputSize), let stateCount = LSTM.checkedProduct(rows, p.outputs) else {
                throw ctx.error("\(rows) batch rows of \(p.inputSize) features is too large")
            }
            sizes += [(inputCount, 2), (stateCount, 2), (gateCount, 2), (3 &* rows, 4)]
        }
        let total = try LSTM.scratchBytes(ctx, sizes)
        var offsets: [Int] = [], at = 0
        for (count, size) in sizes {
            offsets.append(at)
            at += (count * size + 63) & ~63
        }
        var layout = ScratchLayout(gates: offsets[0], hidden: offsets[1], bytes: total)
        if format == .hybrid {
            layout.quantizedInput = offsets[2]
            layout.quantizedState = offsets[3]
            layout.quantizedHidden = offsets[4]
            layout.rowScales = offsets[5]
        }
        self.layout = layout
    }

    var scratchBytesPerWorker: Int { layout.bytes }
    var tileCount: Int { p.tileCount }
    var cost: Int { p.cost }

    func bind(_ memory: TensorMemory) {
        self.memory = memory
        input = UnsafePointer(memory.pointer(p.input, as: Float.self))
        output = memory.pointer(p.output, as: Float.self)
        outputState = memory.pointer(p.outputState, as: Float.self)
        cellState = memory.pointer(p.cellState, as: Float.self)
        for g in 0..<4 {
            gates[g].inputWeights = p.inputWeights[g].map { UnsafeRawPointer(memory.raw($0)) }
            gates[g].recurrentWeights = p.recurrentWeights[g].map { UnsafeRawPointer(memory.raw($0)) }
            gates[g].peephole = p.peepholeWeights[g].map { UnsafeRawPointer(memory.raw($0)) }
            gates[g].bias = p.biases[g].map { UnsafePointer(memory.pointer($0, as: Float.self)) }
            gates[g].layerNorm = p.layerNormWeights[g].map { UnsafePointer(memory.pointer($0, as: Float.self)) }
        }
        projectionWeights = p.projectionWeights.map { UnsafeRawPointer(memory.raw($0)) }
        projectionBias = p.projectionBias.map { UnsafePointer(memory.pointer($0, as: Float.self)) }
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let memory else { return }
        let scratch = memory.scratch(worker: worker, stride: scratchStride, as: UInt8.self)
        let raw = UnsafeMutableRawPointer(scratch)
        let work = StepScratch(
            gates: (raw + layout.gates).assumingMemoryBound(to: Float.self),
            hidden: (raw + layout.hidden).assumingMemoryBound(to: Float.self),
            quantizedInput: (raw + layout.quantizedInput).assumingMemoryBound(to: Int16.self),
            quantizedState: (raw + layout.quantizedState).assumingMemoryBound(to: Int16.self),
            quantizedHidden: (raw + layout.quantizedHidden).assumingMemoryBound(to: Int16.self),
            rowScales: (raw + layout.rowScales).assumingMemoryBound(to: Float.self))
        for tile in tiles {
            let row = p.stateRow(tile: tile)
            let h = outputState + row &* p.outputs
            let c = cellState + row &* p.cells
            for t in 0..<p.steps {
                step(x: input + p.inputOffset(step: t, tile: tile), h: h, c: c, work)
                (output + p.outputOffset(step: t, tile: tile)).update(from: h, count: p.rowsPerStep &* p.outputs)
            }
        }
    }

    struct StepScratch {
        let gates: UnsafeMutablePointer<Float>
        let hidden: UnsafeMutablePointer<Float>
        let quantizedInput: UnsafeMutablePointer<Int16>
        let quantizedState: UnsafeMutablePointer<Int16>
        let quantizedHidden: UnsafeMutablePointer<Int16>
        /// Per-row scales of the quantized input, state and hidden rows.
        let rowScales: UnsafeMutablePointer<Float>
    }

    /// One time step of `rowsPerStep` batch rows.
    private func step(x: UnsafePointer<Float>, h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, _ s: StepScratch) {
        let rows = p.rowsPerStep, cells = p.cells, n = rows &* cells
        if format == .hybrid {
            RecurrentMath.quantizeRows(x, rows: rows, columns: p.inputSize, asymmetric: p.asymmetricQuantizeInputs,
                                    into: s.quantizedInput, scales: s.rowScales)
            RecurrentMath.quantizeRows(UnsafePointer(h), rows: rows, columns: p.outputs, asymmetric: p.asymmetricQuantizeInputs,
                                    into: s.quantizedState, scales: s.rowScales + rows)
        }
        let inputGate = s.gates, forgetGate = s.gates + n, cellGate = s.gates + 2 &* n, outputGate = s.gates + 3 &* n
        if !p.cifg { gate(.input, x: x, h: UnsafePointer(h), c: UnsafePointer(c), into: inputGate, s) }
        gate(.forget, x: x, h: UnsafePointer(h), c: UnsafePointer(c), into: forgetGate, s)
        gate(.cell, x: x, h: UnsafePointer(h), c: UnsafePointer(c), into: cellGate, s)

        // c = f ⊙ c + i ⊙ g (CIFG: i = 1 − f), then clipped.
        for k in 0..<n { c[k] = forgetGate[k] * c[k] }
        if p.cifg {
            for k in 0..<n { c[k] += cellGate[k] * (1 - forgetGate[k]) }
        } else {
            for k in 0..<n { c[k] += cellGate[k] * inputGate[k] }
        }
        if p.cellClip > 0 { RecurrentMath.clip(c, n, p.cellClip) }

        gate(.output, x: x, h: UnsafePointer(h), c: UnsafePointer(c), into: outputGate, s)

        // h = o ⊙ act(c), projected when there are projection weights.
        let activation = p.activation
        for k in 0..<n { s.hidden[k] = outputGate[k] * activation.apply(c[k]) }
        guard let projectionWeights else {
            h.update(from: s.hidden, count: n)  // outputs == cells without projection
            return
        }
        let outputs = p.outputs
        for r in 0..<rows {
            let row = h + r &* outputs
            if let projectionBias { row.update(from: projectionBias, count: outputs) } else { row.update(repeating: 0, count: outputs) }
        }
        switch format {
        case .float:
            RecurrentMath.accumulate(projectionWeights.assumingMemoryBound(to: Float.self), UnsafePointer(s.hidden),
                            rows: rows, outputs: outputs, columns: cells, into: h)
        case .hybrid:
            RecurrentMath.quantizeRows(UnsafePointer(s.hidden), rows: rows, columns: cells, asymmetric: p.asymmetricQuantizeInputs,
                                    into: s.quantizedHidden, scales: s.rowScales + 2 &* rows)
            RecurrentMath.accumulate(projectionWeights.assumingMemoryBound(to: Int8.self), UnsafePointer(s.quantizedHidden),
                                  rowScales: UnsafePointer(s.rowScales + 2 &* rows), weightScale: projectionScale,
                                  rows: rows, outputs: outputs, columns: cells, into: h)
        }
        if p.projectionClip > 0 { RecurrentMath.clip(h, rows &* outputs, p.projectionClip) }
    }

    /// One gate's activations for every row of the step (`CalculateLstmGateFloat` / `…Hybrid`).
    private func gate(_ gate: LSTM.Gate, x: UnsafePointer<Float>, h: UnsafePointer<Float>, c: UnsafePointer<Float>,
                      into out: UnsafeMutablePointer<Float>, _ s: StepScratch) {
        let g = gates[gate.rawValue]
        let rows = p.rowsPerStep, cells = p.cells, n = rows &* cells
        if g.layerNorm != nil || g.bias == nil {
            out.update(repeating: 0, count: n)
        } else if let bias = g.bias {
            for r in 0..<rows { (out + r &* cells).update(from: bias, count: cells) }
        }
        if let w = g.inputWeights, let r = g.recurrentWeights {
            switch format {
            case .float:
                RecurrentMath.accumulate(w.assumingMemoryBound(to: Float.self), x, rows: rows, outputs: cells, columns: p.inputSize, into: out)
                RecurrentMath.accumulate(r.assumingMemoryBound(to: Float.self), h, rows: rows, outputs: cells, columns: p.outputs, into: out)
            case .hybrid:
                RecurrentMath.accumulate(w.assumingMemoryBound(to: Int8.self), UnsafePointer(s.quantizedInput),
                                      rowScales: UnsafePointer(s.rowScales), weightScale: g.inputScale,
                                      rows: rows, outputs: cells, columns: p.inputSize, into: out)
                RecurrentMath.accumulate(r.assumingMemoryBound(to: Int8.self), UnsafePointer(s.quantizedState),
                                      rowScales: UnsafePointer(s.rowScales + rows), weightScale: g.recurrentScale,
                                      rows: rows, outputs: cells, columns: p.outputs, into: out)
            }
        }
        if let peephole = g.peephole {
            switch format {
            case .float:
                let w = peephole.assumingMemoryBound(to: Float.self)
                for r in 0..<rows {
                    let o = out + r &* cells, cr = c + r &* cells
                    for k in 0..<cells { o[k] += w[k] * cr[k] }
                }
            case .hybrid:
                // LiteRT recovers the weights as scale · w, then accumulates.
                let w = peephole.assumingMemoryBound(to: Int8.self), scale = g.peepholeScale
                for r in 0..<rows {
                    let o = out + r &* cells, cr = c + r &* cells
                    for k in 0..<cells { o[k] += (scale * Float(w[k])) * cr[k] }
                }
            }
        }
        if let coefficients = g.layerNorm {
            for r in 0..<rows {
                let o = out + r &* cells
                RecurrentMath.normalize(o, cells)
                for k in 0..<cells { o[k] *= coefficients[k] }
                if let bias = g.bias { for k in 0..<cells { o[k] += bias[k] } }
            }
        }
        if gate == .cell {
            let activation = p.activation
            for k in 0..<n { out[k] = activation.apply(out[k]) }
        } else {
            for k in 0..<n { out[k] = VectorizableMath.logistic(out[k]) }
        }
    }
}
