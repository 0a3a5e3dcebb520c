/// A subgraph after prepare: tensor shapes computed, every node's kernel
/// created, nodes whose inputs are all constant folded away, and the arena
/// planned. The interpreter prepares the main subgraph (index 0); control-flow
/// nodes (WHILE, IF) prepare the subgraphs they call through `subgraphs`.
final class PreparedGraph {
    let model: Model
    /// Index of this subgraph in the model (0: the main subgraph).
    let subgraphIndex: Int
    /// Its declaration in the model.
    let subgraph: SubGraphDef
    /// The subgraphs called by control-flow nodes, each prepared once per
    /// interpreter; shared by the main graph and every subgraph it reaches.
    let subgraphs: SubgraphSet
    var tensors: [TensorSlot]
    let nodes: [Node]
    let inputs: [Int]
    let outputs: [Int]
    /// Nodes that run at invoke, in order, with their kernels.
    private(set) var steps: [Step] = []
    /// Nodes evaluated once at prepare (all inputs constant).
    private(set) var foldedNodes: [Int] = []
    /// Estimated arithmetic of one invoke so far (sum of kernels' `cost`).
    private(set) var operations = 0
    /// Nodes skipped because every output is empty.
    private(set) var emptyNodes: [Int] = []
    /// Sparse constant tensors already expanded in place for non-DENSIFY readers.
    private(set) var densifiedTensors: Set<Int> = []
    /// `steps` in prepare order, kept when a delegation plan reorders them.
    private var preparedOrder: [Step]?

    /// Runs the steps in a new order (a permutation of positions in the
    /// current `steps`, topologically valid: the graph partitioner's order).
    /// Call before `planMemory`.
    func reorderSteps(_ order: [Int]) {
        guard order.count == steps.count, Set(order).count == order.count,
              order.allSatisfy({ $0 >= 0 && $0 < steps.count }) else { return }
        if preparedOrder == nil { preparedOrder = steps }
        steps = order.map { steps[$0] }
    }

    /// Restores prepare order (after a failed delegation, or before a new
    /// plan groups steps), without groups.
    func restorePreparedOrder() {
        if let preparedOrder { steps = preparedOrder }
        preparedOrder = nil
        for i in steps.indices {
            steps[i].concurrentGroup = nil
            steps[i].reversesTiles = false
        }
    }

    /// For each tensor, the position in `steps` of the step that writes it,
    /// or -1 (inputs, constants, tensors no step writes).
    func producerPositions() -> [Int] {
        var producer = [Int](repeating: -1, count: tensors.count)
        for (position, step) in steps.enumerated() {
            for t in step.node.outputs where t >= 0 && t < producer.count { producer[t] = position }
        }
        return producer
    }

    /// For each tensor, how many reads a plan's fusions must respect: one
    /// per step input (not of steps `isSkipped` says another fusion made do
    /// nothing), one per `Kernel.fusedReads` entry with `countingFusedReads`,
    /// and one for a graph output.
    func readerCounts(countingFusedReads: Bool = false, isSkipped: (any Kernel) -> Bool = { _ in false }) -> [Int] {
        var readers = [Int](repeating: 0, count: tensors.count)
        for step in steps {
            if !isSkipped(step.kernel) {
                for t in step.node.inputs where t >= 0 && t < readers.count { readers[t] &+= 1 }
            }
            if countingFusedReads {
                for t in step.kernel.fusedReads where t >= 0 && t < readers.count { readers[t] &+= 1 }
            }
        }
        for t in outputs where t >= 0 && t < readers.count { readers[t] &+= 1 }
        return readers
    }

    /// Marks the steps (by position) whose tiles `CPUBackend` runs last
    /// part first (`TileOrderAlternation`). Call after the steps are in plan order.
    func reverseTiles(_ reversed: [Bool]) {
        guard reversed.count == steps.count else { return }
        for i in steps.indices { steps[i].reversesTiles = reversed[i] }
    }

    /// Runs the steps in `groups` order (positions in the current `steps`,
    /// which have no groups, each exactly once, topologically valid); the
    /// steps of a group of several become consecutive and may run at the
    /// same time (`ConcurrentStepGrouping`). Call before `planMemory`, which
    /// gives a group's steps one lifetime step.
    func groupSteps(_ groups: [[Int]]) {
        let order = groups.flatMap { $0 }
        guard order.count == steps.count, Set(order).count == order.count,
              order.allSatisfy({ $0 >= 0 && $0 < steps.count }) else { return }
        if preparedOrder == nil { preparedOrder = steps }
        let old = steps
        steps = order.map { old[$0] }
        var position = 0
        for group in groups {
            if group.count > 1 { steps[position].concurrentGroup = ConcurrentStepGroup(kernels: group.map { old[$0].kernel }) }
            position += group.count
        }
    }

    /// Lifetime step of each step position: its group's first position
    /// renumbered (steps of one group share it), or the position itself.
    private func lifetimeSteps() -> (stages: [Int], end: Int) {
        var stages = [Int](repeating: 0, count: steps.count)
        var stage = -1, remaining = 0
        for i in steps.indices {
            if remaining == 0 {
                stage += 1
                remaining = steps[i].concurrentGroup?.kernels.count ?? 1
            }
            stages[i] = stage
            remaining -= 1
        }
        return (stages, stage + 1)
    }

    struct Step {
        let node: Node
        let kernel: Kernel
        /// Output 0 shares input 0's memory.
        let aliasesInput: Bool
        /// Whether running the step a second time at once leaves every
        /// tensor as one run does (`StepProfiler.repeatsWarm`).
        let repeatsAlike: Bool
        /// On the first step of a group of steps that may run at the same
        /// time (this one and the next `kernels.count - 1`); nil otherwise.
        fileprivate(set) var concurrentGroup: ConcurrentStepGroup? {
            didSet { unretainedGroup = concurrentGroup.map { UnretainedKernel($0) } }
        }
        /// Whether `CPUBackend` runs the tiles last part first (`TileOrderAlternation`).
        fileprivate(set) var reversesTiles = false
        /// `kernel`, held by this step (the `parallel` backend's runs).
        let unretainedKernel: UnretainedKernel
        /// `concurrentGroup`, held by this step.
        private(set) var unretainedGroup: UnretainedKernel?

        init(node: Node, kernel: Kernel, aliasesInput: Bool, tensors: [TensorSlot]) {
            self.node = node
            self.kernel = kernel
            unretainedKernel = UnretainedKernel(kernel)
            self.aliasesInput = aliasesInput
            repeatsAlike = Self.repeatsAlike(node, aliasesInput: aliasesInput, tensors: tensors)
        }

        /// Not when the output shares the input's memory, when the node
        /// reads or writes a variable tensor or a resource, runs subgraphs
        /// or draws random numbers; custom operators are not assumed to.
        ///
        /// (Compared one by one, not with a set literal and a concatenation:
        /// building those for every node was about 5% of a second int8
        /// MobileNetV2 interpreter's start-up.)
        private static func repeatsAlike(_ node: Node, aliasesInput: Bool, tensors: [TensorSlot]) -> Bool {
            let op = node.op
            let stateful = op == .custom || op == .if || op == .while || op == .callOnce || op == .varHandle
                || op == .readVariable || op == .assignVariable || op == .randomStandardNormal || op == .randomUniform
                || op == .multinomial
            guard !aliasesInput, !stateful else { return false }
            func isVariable(_ t: Int) -> Bool { t >= 0 && t < tensors.count && tensors[t].isVariable }
            for t in node.inputs where isVariable(t) { return false }
            for t in node.outputs where isVariable(t) { return false }
            return true
        }
    }

    /// Largest amount of constant data prepare may create (folded outputs,
    /// densified weights), like the arena limit for intermediate tensors.
    let maximumConstantBytes: Int

    /// Largest estimated arithmetic (sum of kernels' `cost`) of one invoke.
    let maximumOperations: Int

    /// The main subgraph of `model` (or the entry subgraph `subgraphIndex`,
    /// such as a signature's), with `inputShapes` replacing its inputs'
    /// declared shapes (after `Interpreter.resizeInput`).
    convenience init(model: Model, subgraphIndex: Int = 0, inputShapes: [[Int]]? = nil, maximumConstantBytes: Int = 4 << 30,
                     maximumOperations: Int = Interpreter.Options.defaultMaximumOperations,
                     maximumLoopIterations: Int = Interpreter.Options.defaultMaximumLoopIterations) throws {
        let subgraphs = SubgraphSet(model: model, entry: subgraphIndex, maximumBytes: maximumConstantBytes, maximumOperations: maximumOperations,
                                    maximumLoopIterations: maximumLoopIterations)
        try self.init(model: model, subgraphIndex: subgraphIndex, inputShapes: inputShapes, subgraphs: subgraphs)
    }

    /// Subgraph `subgraphIndex` (in range). `inputShapes` replaces the
    /// declared shapes of its inputs (a called subgraph takes the shapes of
    /// its caller's tensors, as TFLite's `ResizeInputTensor` does); the
    /// inputs of a called subgraph are written by its caller, so they are
    /// never constant.
    init(model: Model, subgraphIndex: Int, inputShapes: [[Int]]?, subgraphs: SubgraphSet) throws {
        self.model = model
        self.subgraphIndex = subgraphIndex
        self.subgraphs = subgraphs
        self.maximumConstantBytes = subgraphs.maximumBytes
        self.maximumOperations = subgraphs.maximumOperations
        let subgraph = model.def.subgraphs[subgraphIndex]
        self.subgraph = subgraph
        let declared = model.sharedConstants.value(for: SharedConstantKey("subgraph-declarations", [subgraphIndex])) {
            SubgraphDeclarations(model: model, subgraphIndex: subgraphIndex)
        }
        var tensors: [TensorSlot] = []
        tensors.reserveCapacity(subgraph.tensors.count)
        for (t, tensor) in subgraph.tensors.enumerated() {
            var slot = TensorSlot(
                index: t, type: tensor.type, shape: tensor.shape, isVariable: tensor.isVariable,
                declaration: declared.tensors[t], constant: nil, constantOwner: nil)
            if !tensor.isVariable, let bytes = model.bufferBytes(tensor.buffer), let base = bytes.baseAddress {
                let alignment = min(tensor.type.byteSize ?? 1, 16)
                if Int(bitPattern: base) % alignment == 0 {
                    slot.constant = base
                } else {
                    // Misaligned constant data: one aligned copy, shared by all interpreters.
                    let copy = try model.sharedConstants.value(for: SharedConstantKey("aligned-buffer", [tensor.buffer])) { () -> AlignedBuffer in
                        let b = try AlignedBuffer(byteCount: bytes.count)
                        b.pointer.copyMemory(from: base, byteCount: bytes.count)
                        return b
                    }
                    slot.constant = UnsafeRawPointer(copy.pointer)
                    slot.constantOwner = copy
                }
            }
            tensors.append(slot)
        }
        if let inputShapes {
            for (i, t) in subgraph.inputs.enumerated() where i < inputShapes.count {
                if let first = subgraph.inputs.firstIndex(of: t), first < i, inputShapes[first] != inputShapes[i] {
                    throw InterpreterError.invalidModel(
                        location: "Model.subgraphs[\(subgraphIndex)].inputs[\(i)]",
                        reason: "tensor \(t) '\(tensors[t].name)' is also input \(first) and would need shapes \(inputShapes[first]) and \(inputShapes[i])")
                }
                tensors[t].shape = inputShapes[i]
                tensors[t].constant = nil
                tensors[t].constantOwner = nil
            }
        }
        self.tensors = tensors
        self.inputs = subgraph.inputs
        self.outputs = subgraph.outputs
        self.nodes = declared.nodes
    }

    /// Data derived from this subgraph's constants, computed once per model
    /// and shared by all interpreters (keys are tensor and node indices, so
    /// each subgraph has its own scope).
    var sharedConstants: ScopedConstantCache { ScopedConstantCache(cache: model.sharedConstants, subgraph: subgraphIndex) }

    /// Runs every node's prepare in order, folding constant subgraphs.
    func prepare() throws {
        let unsupported = OperatorRegistry.unsupportedOperators(in: model.def, subgraph: subgraphIndex)
        guard unsupported.isEmpty else { throw InterpreterError.unsupportedOperators(unsupported) }
        for node in nodes {
            let code = model.def.operatorCodes[subgraph.operators[node.index].opcodeIndex]
            guard case let .success(registration) = OperatorRegistry.lookup(code) else {
                throw InterpreterError.invalidOperator(node: node.index, op: node.name, reason: "no kernel")
            }
            for t in node.outputs where tensors[t].type.byteSize == nil {
                throw InterpreterError.invalidOperator(node: node.index, op: node.name, reason: "output '\(tensors[t].name)' has type \(tensors[t].type), which the engine cannot store")
            }
            // Sparse constants read directly by an op other than DENSIFY (the
            // converter does this for block-sparse FULLY_CONNECTED weights) are
            // expanded once per model, so kernels only ever see dense data.
            if node.op != .densify {
                for t in node.inputs where t >= 0 && tensors[t].sparsity != nil && !densifiedTensors.contains(t) {
                    try checkConstantSize(tensors[t].byteCount, "densifying '\(tensors[t].name)' for node \(node.index) (\(node.name))")
                    let dense = try Densify.expandConstant(tensors[t], graph: self, node: node)
                    tensors[t].constant = UnsafeRawPointer(dense.pointer)
                    tensors[t].constantOwner = dense
                    densifiedTensors.insert(t)
                }
            }
            for t in node.inputs where t >= 0 && tensors[t].runTimeShape != nil && !registration.readsRunTimeShapes {
                throw InterpreterError.invalidOperator(node: node.index, op: node.name, reason: "input '\(tensors[t].name)' has a shape known only at run time, which \(node.name) cannot read")
            }
            // Every tensor a kernel reads must fit in the arena anyway; checking
            // before prepare bounds the buffers kernels size from their inputs
            // (zero rows, indirection tables) by the same limit.
            for t in node.inputs where t >= 0 && !tensors[t].isConstant {
                try checkConstantSize(tensors[t].byteCount, "tensor '\(tensors[t].name)' read by node \(node.index) (\(node.name))")
            }
            let kernel = try registration.prepare(PrepareContext(node: node, graph: self))
            let (total, overflow) = operations.addingReportingOverflow(kernel.cost)
            operations = overflow ? Int.max : total
            guard operations <= maximumOperations else {
                throw InterpreterError.workTooLarge(node: node.index, op: node.name, operations: operations, limit: maximumOperations)
            }
            for t in node.outputs {
                try checkConstantSize(tensors[t].byteCount, "tensor '\(tensors[t].name)' written by node \(node.index) (\(node.name))")
            }
            let presentInputs = node.inputs.filter { $0 >= 0 }
            let allConstant = registration.dependsOnlyOnShapes
                || (!presentInputs.isEmpty && presentInputs.allSatisfy { tensors[$0].isConstant })
            if registration.foldable && allConstant && node.outputs.allSatisfy({ !tensors[$0].isVariable }) {
                try fold(node, kernel)
                foldedNodes.append(node.index)
            } else if !node.outputs.isEmpty && node.outputs.allSatisfy({ tensors[$0].elementCount == 0 }) {
                // Only empty outputs: nothing to compute. (Looping over the
                // non-zero dimensions of an empty tensor could take forever.)
                emptyNodes.append(node.index)
            } else {
                steps.append(Step(node: node, kernel: kernel, aliasesInput: registration.aliasesInput, tensors: tensors))
            }
        }
        for (i, t) in outputs.enumerated() where tensors[t].runTimeShape != nil {
            throw InterpreterError.invalidModel(
                location: "Model.subgraphs[\(subgraphIndex)].outputs[\(i)]",
                reason: "tensor \(t) '\(tensors[t].name)' has a shape known only at run time; outputs must have static shapes")
        }
    }

    /// Evaluates a node whose inputs are all constant, once per model (the
    /// result is shared by every interpreter of the model).
    private func fold(_ node: Node, _ kernel: Kernel) throws {
        var bytes = kernel.scratchBytesPerWorker
        for t in node.outputs {
            let (sum, o) = bytes.addingReportingOverflow(tensors[t].byteCount)
            bytes = o ? Int.max : sum
        }
        try checkConstantSize(bytes, "folding node \(node.index) (\(node.name)) at prepare")
        // The node and its inputs' shapes: each input's rank (−1 when
        // omitted) and dimensions.
        var numbers = [node.index]
        for t in node.inputs {
            numbers.append(t >= 0 ? tensors[t].shape.count : -1)
            if t >= 0 { numbers += tensors[t].shape }
        }
        let key = SharedConstantKey("fold", numbers)
        let folded = try sharedConstants.value(for: key) { () -> FoldedOutputs in
            let buffers = try node.outputs.map { try AlignedBuffer(byteCount: tensors[$0].byteCount) }
            let addresses = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: max(tensors.count, 1))
            defer { addresses.deallocate() }
            let scratch = try AlignedBuffer(byteCount: kernel.scratchBytesPerWorker)
            for t in tensors.indices { addresses[t] = scratch.pointer }
            for t in node.inputs where t >= 0 {
                if let c = tensors[t].constant { addresses[t] = UnsafeMutableRawPointer(mutating: c) }
            }
            for (i, t) in node.outputs.enumerated() { addresses[t] = buffers[i].pointer }
            kernel.bind(TensorMemory(addresses: addresses, tensorCount: tensors.count, scratch: scratch.pointer))
            kernel.runAll()
            return FoldedOutputs(buffers: buffers)
        }
        for (i, t) in node.outputs.enumerated() {
            tensors[t].constant = UnsafeRawPointer(folded.buffers[i].pointer)
            tensors[t].constantOwner = folded
        }
    }

    private func checkConstantSize(_ bytes: Int, _ what: @autoclosure () -> String) throws {
        guard bytes <= maximumConstantBytes else {
            throw InterpreterError.allocationTooLarge(what: what(), bytes: bytes, limit: maximumConstantBytes)
        }
    }

    // MARK: Memory planning

    /// The arena layout for the steps that run at invoke.
    struct MemoryPlan {
        /// Arena offset per tensor index (nil: constant, unused or zero-sized).
        var tensorOffsets: [Int?]
        /// Arena offset of each step's scratch area (nil: none).
        var scratchOffsets: [Int?]
        var totalBytes: Int
        /// The requests given to the planner (kept for overlap tests).
        var requests: [ArenaPlanner.Request]
        var plan: ArenaPlanner.Plan
    }

    /// Plans tensor lifetimes by step index (the steps of a concurrent
    /// group count as one); graph inputs, outputs and
    /// variables live for the whole run. Aliasing outputs (a registration's
    /// `aliasesInput`, a fusion's `Kernel.inPlaceInput`) share their
    /// input's allocation, whose lifetime is extended to cover them.
    func planMemory(workers: Int) throws -> MemoryPlan {
        let (stages, end) = lifetimeSteps()
        var first = [Int](repeating: Int.max, count: tensors.count)
        var last = [Int](repeating: -1, count: tensors.count)
        var root = Array(tensors.indices)
        func find(_ t: Int) -> Int { var t = t; while root[t] != t { t = root[t] }; return t }
        func touch(_ t: Int, _ step: Int) {
            let r = find(t)
            first[r] = min(first[r], step)
            last[r] = max(last[r], step)
        }
        for t in inputs + outputs where !tensors[t].isConstant {
            touch(t, 0)
            touch(t, end)
        }
        for t in tensors.indices where tensors[t].isVariable {
            touch(t, 0)
            touch(t, end)
        }
        for (position, step) in steps.enumerated() {
            let s = stages[position]
            for t in step.node.inputs where t >= 0 && !tensors[t].isConstant { touch(t, s) }
            for t in step.kernel.fusedReads where t >= 0 && t < tensors.count && !tensors[t].isConstant { touch(t, s) }
            for (i, t) in step.node.outputs.enumerated() {
                if i == 0, let x = step.aliasesInput ? step.node.inputs.first : step.kernel.inPlaceInput, x >= 0, x < tensors.count,
                   !tensors[x].isConstant, !tensors[x].isVariable, tensors[x].byteCount == tensors[t].byteCount {
                    let rt = find(t), rx = find(x)
                    if rt != rx {
                        root[rt] = rx
                        if first[rt] != Int.max {
                            first[rx] = min(first[rx], first[rt])
                            last[rx] = max(last[rx], last[rt])
                        }
                    }
                }
                touch(t, s)
            }
        }
        var requests: [ArenaPlanner.Request] = []
        for t in tensors.indices where find(t) == t && last[t] >= 0 && !tensors[t].isConstant {
            let bytes = tensors[t].byteCount
            if bytes > 0 { requests.append(.init(id: t, bytes: bytes, first: first[t], last: last[t])) }
        }
        var scratchOffsets = [Int?](repeating: nil, count: steps.count)
        for (s, step) in steps.enumerated() where step.kernel.scratchBytesPerWorker > 0 {
            // Workers 0…n−2 at the padded stride, then the last one's bytes.
            let (strides, o1) = step.kernel.scratchStride.multipliedReportingOverflow(by: max(workers, 1) &- 1)
            let (bytes, o2) = strides.addingReportingOverflow(step.kernel.scratchBytesPerWorker)
            guard !o1 && !o2 else { throw InterpreterError.allocationTooLarge(what: "scratch of node \(step.node.index)", bytes: Int.max, limit: Int.max) }
            requests.append(.init(id: -1 - s, bytes: bytes, first: stages[s], last: stages[s]))
        }
        let plan = try ArenaPlanner.plan(requests, wholeRun: (0, end))
        var tensorOffsets = [Int?](repeating: nil, count: tensors.count)
        for (i, r) in requests.enumerated() {
            if r.id >= 0 { tensorOffsets[r.id] = plan.offsets[i] } else { scratchOffsets[-1 - r.id] = plan.offsets[i] }
        }
        for t in tensors.indices where find(t) != t {
            tensorOffsets[t] = tensorOffsets[find(t)]
        }
        return MemoryPlan(tensorOffsets: tensorOffsets, scratchOffsets: scratchOffsets, totalBytes: plan.totalBytes, requests: requests, plan: plan)
    }
}

/// Outputs of a node folded at prepare; kept alive by the model's cache.
final class FoldedOutputs: @unchecked Sendable {
    let buffers: [AlignedBuffer]
    init(buffers: [AlignedBuffer]) { self.buffers = buffers }
}

/// A subgraph's nodes and its tensors' declarations: they depend on the
/// model file alone, so they are made once per model and every interpreter
/// shares them (both are immutable).
private final class SubgraphDeclarations: @unchecked Sendable {
    let nodes: [Node]
    let tensors: [TensorDeclaration]

    init(model: Model, subgraphIndex: Int) {
        let def = model.def
        let subgraph = def.subgraphs[subgraphIndex]
        tensors = subgraph.tensors.map {
            TensorDeclaration(name: $0.name, quantization: $0.quantization, sparsity: $0.sparsity)
        }
        nodes = subgraph.operators.enumerated().map { n, op in
            let code = def.operatorCodes[op.opcodeIndex]
            let custom = op.customOptions.map { UnsafeRawBufferPointer(start: model.bytes.base + $0.lowerBound, count: $0.count) }
            return Node(
                index: n, op: code.builtinCode, customCode: code.customCode, version: code.version,
                inputs: op.inputs, outputs: op.outputs, optionsType: op.builtinOptionsType,
                options: op.builtinOptions, customOptions: custom)
        }
    }
}
