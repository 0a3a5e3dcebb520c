/// The subgraphs that control-flow nodes (WHILE, IF) call, prepared once
/// per interpreter, and the limits they share with the main graph.
///
/// Like TFLite, each called subgraph is one prepared graph with its own
/// static arena, whichever nodes call it: a second caller must pass the
/// same input types and shapes. Preparation walks the calls depth first;
/// a subgraph that is called while it is itself being prepared calls itself
/// (directly or through other subgraphs), which is rejected, so no subgraph
/// ever runs inside itself and its arena is never in use twice.
final class SubgraphSet {
    let model: Model
    /// Largest arena of all graphs together, and largest constant data prepare may create.
    let maximumBytes: Int
    /// Largest estimated arithmetic of one graph (and of one invoke's loop iterations).
    let maximumOperations: Int
    /// Run-time limits of the loops, shared by every WHILE of the interpreter.
    let loopBudget: LoopBudget
    /// Bytes of the arenas of the prepared subgraphs.
    private(set) var arenaBytes = 0
    /// Prepared subgraphs by index.
    private var prepared: [Int: PreparedSubgraph] = [:]
    /// Subgraphs being prepared, outermost first (the entry subgraph, usually
    /// the main one, is always first).
    private var active: [Int]
    /// Subgraphs each subgraph calls directly.
    private var callees: [Int: Set<Int>] = [:]

    init(model: Model, entry: Int = 0, maximumBytes: Int, maximumOperations: Int, maximumLoopIterations: Int) {
        self.model = model
        self.active = [entry]
        self.maximumBytes = maximumBytes
        self.maximumOperations = maximumOperations
        self.loopBudget = LoopBudget(maximumIterations: maximumLoopIterations, maximumOperations: maximumOperations)
    }

    /// Prepares (once) the subgraph at `index` that `ctx`'s node calls with
    /// `inputs` as its role (`"body"`, `"then"`, …), checking the index, the
    /// recursion, and the input count and types. Errors name the node and the subgraph.
    func prepare(_ index: Int, role: String, inputs: [TensorSlot], for ctx: PrepareContext) throws -> PreparedSubgraph {
        let count = model.def.subgraphs.count
        guard index >= 0 && index < count else {
            throw ctx.error("\(role) subgraph index \(index) is out of range (\(count) subgraphs)")
        }
        let def = model.def.subgraphs[index]
        let title = "\(role) subgraph \(index) '\(def.name)'"
        if let caller = active.last { callees[caller, default: []].insert(index) }
        guard !active.contains(index) else {
            let path = (active + [index]).map(String.init).joined(separator: " → ")
            throw ctx.error("\(title) calls itself (subgraphs \(path)); recursion is not allowed")
        }
        guard def.inputs.count == inputs.count else {
            throw ctx.error("\(title) has \(def.inputs.count) inputs, the node passes \(inputs.count)")
        }
        for (i, t) in def.inputs.enumerated() where def.tensors[t].type != inputs[i].type {
            throw ctx.error("\(title) input \(i) '\(def.tensors[t].name)' is \(def.tensors[t].type), the node passes \(inputs[i].type) ('\(inputs[i].name)')")
        }
        let shapes = inputs.map(\.shape)
        if let existing = prepared[index] {
            guard existing.inputShapes == shapes else {
                throw ctx.error("\(title) is already prepared for input shapes \(existing.inputShapes), this node passes \(shapes)")
            }
            return existing
        }
        active.append(index)
        defer { active.removeLast() }
        do {
            let graph = try PreparedGraph(model: model, subgraphIndex: index, inputShapes: shapes, subgraphs: self)
            try graph.prepare()
            let (remaining, o) = maximumBytes.subtractingReportingOverflow(arenaBytes)
            let memory = try PlanMemory(graph, workers: 1, maximumBytes: o ? 0 : max(remaining, 0))
            arenaBytes = arenaBytes.addingReportingOverflow(memory.plan.totalBytes).partialValue
            let subgraph = PreparedSubgraph(index: index, graph: graph, memory: memory, inputShapes: shapes)
            prepared[index] = subgraph
            return subgraph
        } catch let error as InterpreterError {
            throw error.inSubgraph(title, node: ctx.node)
        }
    }

    /// Whether `target` runs when subgraph `index` runs (it is `index`, or
    /// one of the subgraphs it calls, directly or not).
    func reaches(_ index: Int, _ target: Int) -> Bool {
        var seen: Set<Int> = [], pending = [index]
        while let s = pending.popLast() {
            if s == target { return true }
            if seen.insert(s).inserted { pending.append(contentsOf: callees[s] ?? []) }
        }
        return false
    }
}

/// Loop iterations and their estimated arithmetic in one invoke, over every
/// WHILE of the interpreter (nested loops included). A loop stops with a
/// run-time error when either passes its limit: a condition that never
/// becomes false cannot hang the interpreter.
final class LoopBudget {
    let maximumIterations: Int
    let maximumOperations: Int
    private(set) var iterations = 0
    private(set) var operations = 0

    init(maximumIterations: Int, maximumOperations: Int) {
        self.maximumIterations = maximumIterations
        self.maximumOperations = maximumOperations
    }

    /// Called at the start of every invoke.
    func reset() {
        iterations = 0
        operations = 0
    }

    /// Counts one more iteration of `cost` operations; false when a limit is passed.
    @inline(__always) func take(cost: Int) -> Bool {
        iterations &+= 1
        let (sum, o) = operations.addingReportingOverflow(cost)
        operations = o ? Int.max : sum
        return iterations <= maximumIterations && operations <= maximumOperations
    }
}

/// A called subgraph, prepared and bound to its own arena: its steps run
/// in order on the calling thread.
final class PreparedSubgraph {
    let index: Int
    let graph: PreparedGraph
    let memory: PlanMemory
    /// The input shapes it was prepared for.
    let inputShapes: [[Int]]
    /// Kernels of the steps, in order.
    private let kernels: [Kernel]
    /// Steps whose kernels validate run-time data.
    private let checkedSteps: [(node: Node, kernel: RunTimeCheckedKernel)]
    /// Position in `checkedSteps` of the step that failed in the last run, or -1.
    private var failedStep = -1

    init(index: Int, graph: PreparedGraph, memory: PlanMemory, inputShapes: [[Int]]) {
        self.index = index
        self.graph = graph
        self.memory = memory
        self.inputShapes = inputShapes
        kernels = graph.steps.map(\.kernel)
        checkedSteps = graph.steps.compactMap { step in step.kernel.runTimeChecked.map { (step.node, $0) } }
    }

    var name: String { graph.subgraph.name }
    /// Estimated arithmetic of one run.
    var operations: Int { graph.operations }

    func inputAddress(_ i: Int) -> UnsafeMutableRawPointer { memory.addresses[graph.inputs[i]] }
    func outputAddress(_ i: Int) -> UnsafeMutableRawPointer { memory.addresses[graph.outputs[i]] }
    func inputByteCount(_ i: Int) -> Int { graph.tensors[graph.inputs[i]].byteCount }
    func outputSlot(_ i: Int) -> TensorSlot { graph.tensors[graph.outputs[i]] }
    func inputSlot(_ i: Int) -> TensorSlot { graph.tensors[graph.inputs[i]] }

    /// Whether input `i` is read by a step or is an output (otherwise the
    /// caller need not copy it in).
    func readsInput(_ i: Int) -> Bool {
        let t = graph.inputs[i]
        return graph.outputs.contains(t) || graph.steps.contains { $0.node.inputs.contains(t) }
    }

    /// Runs every step; false when a kernel found invalid run-time data.
    func run() -> Bool {
        for kernel in kernels { kernel.run(tiles: 0..<kernel.tileCount, worker: 0) }
        for (i, step) in checkedSteps.enumerated() where step.kernel.runFailure != nil {
            failedStep = i
            return false
        }
        failedStep = -1
        return true
    }

    /// What failed in the last run, naming the subgraph and node.
    func failure(role: String) -> String? {
        guard failedStep >= 0, failedStep < checkedSteps.count else { return nil }
        let step = checkedSteps[failedStep]
        return "\(role) subgraph \(index) '\(name)': node \(step.node.index) (\(step.node.name)): \(step.kernel.runFailure ?? "failed")"
    }
}

/// One byte copy between tensors, planned when a control-flow kernel is bound.
struct TensorCopy {
    let source: UnsafeRawPointer
    let destination: UnsafeMutableRawPointer
    let byteCount: Int

    /// The copies of `pairs` that move bytes (not zero-sized, not onto themselves).
    static func plan(_ pairs: [(source: UnsafeRawPointer, destination: UnsafeMutableRawPointer, byteCount: Int)]) -> [TensorCopy] {
        pairs.filter { $0.byteCount > 0 && $0.source != UnsafeRawPointer($0.destination) }
            .map { TensorCopy(source: $0.source, destination: $0.destination, byteCount: $0.byteCount) }
    }

    /// Whether performing `copies` in order could read bytes an earlier copy
    /// of the list already overwrote (a destination overlaps another copy's source).
    static func interfere(_ copies: [TensorCopy]) -> Bool {
        for (i, a) in copies.enumerated() {
            for (j, b) in copies.enumerated() where i != j {
                let start = UnsafeRawPointer(a.destination), end = start + a.byteCount
                if start < b.source + b.byteCount && b.source < end { return true }
            }
        }
        return false
    }
}

extension Array where Element == TensorCopy {
    @inline(__always) func perform() {
        for copy in self { copy.destination.copyMemory(from: copy.source, byteCount: copy.byteCount) }
    }
}

extension InterpreterError {
    /// This error, raised while preparing `title` (e.g. `body subgraph 2 'x'`)
    /// for `node`, as an error of that node.
    func inSubgraph(_ title: String, node: Node) -> InterpreterError {
        switch self {
        case let .invalidOperator(inner, op, reason):
            return .invalidOperator(node: node.index, op: node.name, reason: "\(title): node \(inner) (\(op)): \(reason)")
        case .unsupportedOperators:
            return .invalidOperator(node: node.index, op: node.name, reason: "\(title): \(self)")
        case let .invalidModel(location, reason):
            return .invalidOperator(node: node.index, op: node.name, reason: "\(title): \(location): \(reason)")
        case let .allocationTooLarge(what, bytes, limit):
            return .allocationTooLarge(what: "\(what) in \(title) of node \(node.index) (\(node.name))", bytes: bytes, limit: limit)
        case let .workTooLarge(inner, op, operations, limit):
            return .invalidOperator(node: node.index, op: node.name,
                                    reason: "\(title): node \(inner) (\(op)) brings one run to \(operations) operations, more than the limit of \(limit)")
        default:
            return self
        }
    }
}
