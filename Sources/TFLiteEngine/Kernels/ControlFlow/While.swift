/// WHILE: runs the body subgraph as long as the condition subgraph returns
/// true (TFLite's `while_kernel` with static shapes; Keras GRU and LSTM
/// layers convert to it).
///
/// The node's inputs are the loop variables' initial values and its outputs
/// their final values. The condition subgraph takes every loop variable and
/// returns one bool; the body takes every loop variable and returns each
/// one's next value, of the same type and shape (loops whose variables
/// change shape per iteration are rejected at prepare).
///
/// Both subgraphs are prepared once, with their own arenas (`SubgraphSet`).
/// Between iterations the loop variables live in the body's input tensors:
/// the node's inputs are copied there once, each iteration copies the body's
/// outputs back onto its inputs (an output that is its own input, such as a
/// sequence the body only reads, is not copied) and the condition's inputs
/// from them (only those the condition reads), and the last values go to the
/// node's outputs. Nothing is allocated per iteration.
///
/// Every iteration counts against the interpreter's `LoopBudget`
/// (`Interpreter.Options.maximumLoopIterations` and
/// `maximumOperationsPerInvoke`): a condition that never becomes false stops
/// with a run-time error instead of hanging.
enum While {
    static let registration = OperatorRegistration(maxVersion: 1, foldable: false) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let options = try ctx.options(WhileOptions.self)
        let count = ctx.inputCount
        guard ctx.outputCount == count else {
            throw ctx.error("has \(ctx.outputCount) outputs for \(count) inputs; a loop returns one value per loop variable")
        }
        let variables = try (0..<count).map { try ctx.input($0) }
        let conditionIndex = Int(options.condSubgraphIndex), bodyIndex = Int(options.bodySubgraphIndex)
        guard conditionIndex != bodyIndex else {
            throw ctx.error("condition and body are the same subgraph \(conditionIndex)")
        }
        let subgraphs = ctx.graph.subgraphs
        let condition = try subgraphs.prepare(conditionIndex, role: "condition", inputs: variables, for: ctx)
        let conditionTitle = "condition subgraph \(conditionIndex) '\(condition.name)'"
        guard condition.graph.outputs.count == 1 else {
            throw ctx.error("\(conditionTitle) has \(condition.graph.outputs.count) outputs, expected 1 (a bool)")
        }
        let flag = condition.outputSlot(0)
        guard flag.type == .bool, flag.rank <= 1, flag.elementCount == 1 else {
            throw ctx.error("\(conditionTitle) returns '\(flag.name)' of \(flag.type) \(flag.shape), expected one bool")
        }
        let body = try subgraphs.prepare(bodyIndex, role: "body", inputs: variables, for: ctx)
        let bodyTitle = "body subgraph \(bodyIndex) '\(body.name)'"
        guard body.graph.outputs.count == count else {
            throw ctx.error("\(bodyTitle) has \(body.graph.outputs.count) outputs for \(count) loop variables")
        }
        for (i, variable) in variables.enumerated() {
            let next = body.outputSlot(i)
            guard next.type == variable.type else {
                throw ctx.error("\(bodyTitle) output \(i) '\(next.name)' is \(next.type), loop variable \(i) is \(variable.type)")
            }
            guard next.shape == variable.shape else {
                throw ctx.error("\(bodyTitle) output \(i) '\(next.name)' has shape \(next.shape), loop variable \(i) has \(variable.shape); loop variables that change shape are not supported")
            }
            let output = ctx.output(i)
            guard output.type == variable.type else {
                throw ctx.error("output \(i) '\(output.name)' is \(output.type), loop variable \(i) is \(variable.type)")
            }
            try ctx.setOutputShape(i, variable.shape)
        }
        // The body's inputs hold the loop variables while the condition runs.
        guard !subgraphs.reaches(conditionIndex, bodyIndex) else {
            throw ctx.error("\(conditionTitle) calls the \(bodyTitle), which holds the loop variables between iterations; not supported")
        }
        return WhileKernel(ctx: ctx, condition: condition, body: body, budget: subgraphs.loopBudget)
    }
}

final class WhileKernel: RunTimeCheckedKernel {
    let condition: PreparedSubgraph
    let body: PreparedSubgraph
    let budget: LoopBudget
    let inputIndices: [Int], outputIndices: [Int]
    let byteCounts: [Int]
    /// Estimated arithmetic of one iteration (condition and body).
    let cost: Int

    // Planned at bind.
    private var enter: [TensorCopy] = [], toCondition: [TensorCopy] = []
    private var next: [TensorCopy] = [], exit: [TensorCopy] = []
    /// Holds the body's outputs while they move onto its inputs, when they overlap.
    private var staging: AlignedBuffer?
    /// Bytes of staging the system could not provide at bind.
    private var stagingFailure: Int?
    private var flag: UnsafeRawPointer?

    private enum Stop { case finished, conditionFailed, bodyFailed, limit, noStagingMemory(Int) }
    private var stop = Stop.finished
    private var iterations = 0

    init(ctx: PrepareContext, condition: PreparedSubgraph, body: PreparedSubgraph, budget: LoopBudget) {
        self.condition = condition
        self.body = body
        self.budget = budget
        inputIndices = ctx.node.inputs
        outputIndices = ctx.node.outputs
        byteCounts = ctx.node.inputs.map { ctx.graph.tensors[$0].byteCount }
        let (sum, o) = condition.operations.addingReportingOverflow(body.operations)
        cost = o ? Int.max : max(sum, 1)
    }

    func bind(_ memory: TensorMemory) {
        stagingFailure = nil
        let variables = inputIndices.indices
        enter = TensorCopy.plan(variables.map { (UnsafeRawPointer(memory.raw(inputIndices[$0])), body.inputAddress($0), byteCounts[$0]) })
        toCondition = TensorCopy.plan(variables.filter { condition.readsInput($0) }.map {
            (UnsafeRawPointer(body.inputAddress($0)), condition.inputAddress($0), byteCounts[$0])
        })
        let back = TensorCopy.plan(variables.map { (UnsafeRawPointer(body.outputAddress($0)), body.inputAddress($0), byteCounts[$0]) })
        if TensorCopy.interfere(back) {
            // An output is (part of) another variable's input: copy every output
            // aside first, then onto the inputs.
            // (bind cannot throw: without the memory, every invoke reports it as its failure.)
            let bytes = back.reduce(0) { $0 + $1.byteCount }
            guard let buffer = try? AlignedBuffer(byteCount: bytes) else {
                stagingFailure = bytes
                staging = nil
                next = []
                exit = []
                return
            }
            var offset = 0
            var stageIn: [TensorCopy] = [], stageOut: [TensorCopy] = []
            for copy in back {
                stageIn.append(TensorCopy(source: copy.source, destination: buffer.pointer + offset, byteCount: copy.byteCount))
                stageOut.append(TensorCopy(source: UnsafeRawPointer(buffer.pointer + offset), destination: copy.destination, byteCount: copy.byteCount))
                offset += copy.byteCount
            }
            staging = buffer
            next = stageIn + stageOut
        } else {
            staging = nil
            next = back
        }
        exit = TensorCopy.plan(variables.map { (UnsafeRawPointer(body.inputAddress($0)), memory.raw(outputIndices[$0]), byteCounts[$0]) })
        flag = UnsafeRawPointer(condition.outputAddress(0))
    }

    func run(tiles: Range<Int>, worker: Int) {
        stop = .finished
        iterations = 0
        if let bytes = stagingFailure {
            stop = .noStagingMemory(bytes)
            return
        }
        guard let flag else { return }
        enter.perform()
        while true {
            toCondition.perform()
            guard condition.run() else { stop = .conditionFailed; break }
            guard flag.load(as: UInt8.self) != 0 else { break }
            guard budget.take(cost: cost) else { stop = .limit; break }
            guard body.run() else { stop = .bodyFailed; break }
            iterations &+= 1
            next.perform()
        }
        exit.perform()
    }

    var runFailure: String? {
        switch stop {
        case .finished: return nil
        case .conditionFailed: return condition.failure(role: "condition")
        case .bodyFailed: return body.failure(role: "body")
        case let .noStagingMemory(bytes): return "the system could not provide \(bytes) bytes to stage the loop variables"
        case .limit:
            if budget.iterations > budget.maximumIterations {
                return "stopped after \(iterations) iterations: one invoke may run \(budget.maximumIterations) loop iterations (Interpreter.Options.maximumLoopIterations); does the condition ever become false?"
            }
            return "stopped after \(iterations) iterations: the loops of one invoke reached \(budget.operations) estimated operations, more than the limit of \(budget.maximumOperations) (Interpreter.Options.maximumOperationsPerInvoke)"
        }
    }
}
