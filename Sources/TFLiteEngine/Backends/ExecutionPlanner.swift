/// Turns a prepared graph into what runs at invoke: partitions it for the
/// requested backend's delegate (if any), asks the delegate to prepare each
/// partition, falls back to the CPU when a `prepare` throws, allocates and
/// binds the tensor memory, and describes the result.
struct ExecutionPlanner {
    let graph: PreparedGraph
    /// Runs the non-delegated steps (its `workerCount` sizes the scratch areas).
    let backend: ExecutionBackend
    /// Largest arena the plan may allocate.
    let maximumArenaBytes: Int

    /// Plans `graph` for `requested`. With a delegate backend the graph's
    /// steps are reordered into partition order (restored on fallback).
    func plan(for requested: Interpreter.Backend) throws -> ExecutionPlan {
        graph.restorePreparedOrder()
        let planNodes = graph.steps.map { GraphPartitioner.PlanNode(inputs: $0.node.inputs, outputs: $0.node.outputs) }
        // (Cleared first: the fusions before it count the reads it adds.)
        ExpansionDepthwiseFusion.apply(to: graph, enabled: false, workers: backend.workerCount)
        guard case let .delegate(delegate) = requested else {
            SwishFusion.apply(to: graph, enabled: true)
            ConvolutionPoolFusion.apply(to: graph, enabled: true)
            ConstantOperandChainFusion.apply(to: graph, enabled: true)
            StoredActivationFusion.apply(to: graph, enabled: true)
            let workers = backend is ParallelBackend ? backend.workerCount : 1
            ExpansionDepthwiseFusion.apply(to: graph, enabled: true, workers: workers)
            ConcurrentStepGrouping.apply(to: graph, workers: workers)
            TileOrderAlternation.apply(to: graph, workers: workers)
            return try assemble(cpuSubsets(planNodes), runners: [], declined: [:], delegateName: "", report: nil,
                                memory: allocate(), requested: requested)
        }
        SwishFusion.apply(to: graph, enabled: false)
        ConvolutionPoolFusion.apply(to: graph, enabled: false)
        ConstantOperandChainFusion.apply(to: graph, enabled: false)
        StoredActivationFusion.apply(to: graph, enabled: false)
        let (subsets, declined) = delegatedSubsets(planNodes, delegate)
        let memory = try allocate()
        var runners: [DelegatePartitionRunner] = []
        do {
            for subset in subsets where subset.delegated {
                runners.append(try delegate.prepare(partition(subset, index: runners.count, memory: memory)))
            }
        } catch {
            let report = "delegate '\(delegate.name)' failed to prepare partition \(runners.count): \(error); running every node on the CPU"
            graph.restorePreparedOrder()
            return try assemble(cpuSubsets(planNodes), runners: [], declined: declined, delegateName: delegate.name,
                                report: report, memory: allocate(), requested: requested)
        }
        return assemble(subsets, runners: runners, declined: declined, delegateName: delegate.name, report: nil,
                            memory: memory, requested: requested)
    }

    /// One CPU segment (the partitioner lists its inputs and outputs).
    private func cpuSubsets(_ planNodes: [GraphPartitioner.PlanNode]) -> [GraphPartitioner.Subset] {
        GraphPartitioner.partition(
            planNodes, supported: planNodes.map { _ in false }, tensorCount: graph.tensors.count, graphOutputs: graph.outputs)
    }

    /// Asks `delegate` about every node, partitions the plan and reorders the
    /// graph's steps into partition order; subsets hold the new positions.
    /// Also returns the reasons of declined nodes, by node index.
    private func delegatedSubsets(_ planNodes: [GraphPartitioner.PlanNode], _ delegate: any Delegate)
        -> (subsets: [GraphPartitioner.Subset], declined: [Int: String]) {
        var declined: [Int: String] = [:]
        let nodeViews = graph.steps.map { DelegateNode($0.node, tensors: graph.tensors) }
        let support = nodeViews.map { delegate.supports($0) }
        for (i, answer) in support.enumerated() {
            if case let .unsupported(reason) = answer { declined[nodeViews[i].index] = reason }
        }
        var subsets = GraphPartitioner.plan(
            planNodes, supported: support.map(\.isSupported), tensorCount: graph.tensors.count,
            graphOutputs: graph.outputs, maxPartitions: delegate.options.maxPartitions,
            minNodes: delegate.options.minNodesPerPartition)
        // Run in partition order: positions are renumbered accordingly.
        let order = subsets.flatMap(\.nodes)
        graph.reorderSteps(order)
        var position = [Int](repeating: 0, count: order.count)
        for (newPosition, old) in order.enumerated() { position[old] = newPosition }
        for i in subsets.indices { subsets[i].nodes = subsets[i].nodes.map { position[$0] } }
        return (subsets, declined)
    }

    /// The delegated `subset` as its delegate sees it.
    private func partition(_ subset: GraphPartitioner.Subset, index: Int, memory: PlanMemory) -> DelegatePartition {
        let nodes = subset.nodes.map { DelegateNode(graph.steps[$0].node, tensors: graph.tensors) }
        return DelegatePartition(
            index: index, nodes: nodes,
            inputs: subset.inputs.map { DelegateTensor(graph.tensors[$0]) },
            outputs: subset.outputs.map { DelegateTensor(graph.tensors[$0]) },
            engineKernels: subset.nodes.map {
                EngineKernel(kernel: graph.steps[$0].kernel, nodeIndex: graph.steps[$0].node.index, workerCount: backend.workerCount)
            },
            workerCount: backend.workerCount, addresses: memory.addresses, tensorCount: graph.tensors.count)
    }

    /// Plans the arena for the steps in their current order, allocates it
    /// and binds every kernel.
    private func allocate() throws -> PlanMemory {
        try PlanMemory(graph, workers: backend.workerCount, maximumBytes: maximumArenaBytes)
    }

    /// The fusion `SwishFusion`, `ConvolutionPoolFusion`,
    /// `ConstantOperandChainFusion`, `StoredActivationFusion` or
    /// `ExpansionDepthwiseFusion` decided for a
    /// step's kernel, if any (read after all were applied).
    static func fusion(of kernel: any Kernel) -> ExecutionPlanDescription.Fusion? {
        if let conv = kernel as? GEMMConvolutionQuantized {
            return conv.pooledAccumulators != nil ? .sumsKeptForMaxPool : conv.outputTable != nil ? .activationInStore : nil
        }
        if let conv = kernel as? GEMMConvolutionFloat {
            return conv.computedByConsumer ? .computedByConsumer : conv.outputActivation != nil ? .activationInStore : nil
        }
        if let depthwise = kernel as? DepthwiseConv2DFloatVectorized {
            return depthwise.expansion != nil ? .expansionRows : depthwise.outputActivation != nil ? .activationInStore : nil
        }
        if (kernel as? DepthwiseConv2DInt8Vectorized)?.outputTable != nil { return .activationInStore }
        if kernel.inPlaceInput != nil { return .storedByProducer }
        if let pool = kernel as? Pool2DQuantizedKernel, pool.fusedConvolution != nil { return .maxPoolOfKeptSums }
        if let logistic = kernel as? ElementwiseKernel<Float, Float>, logistic.isSkipped { return .skippedIntoSwish }
        if let binary = kernel as? FloatBinaryVectorKernel {
            if binary.swishOperand != nil { return .swish }
            if binary.isSkipped { return .skippedIntoChain }
            if binary.chain != nil { return .chainOfConstantOperands }
        }
        if let logistic = kernel as? ElementwiseKernel<Int8, Int8>, logistic.isSkipped { return .skippedIntoSwish }
        if let binary = kernel as? QuantizedBinaryKernel {
            if binary.swishOperand != nil { return .swish }
            if binary.isSkipped { return .skippedIntoChain }
            if binary.chain != nil { return .chainOfConstantOperands }
        }
        return nil
    }

    /// For each step position in a concurrent group, the node indices of
    /// the group's other steps.
    private func concurrentPartners() -> [Int: [Int]] {
        var partners: [Int: [Int]] = [:]
        for (position, step) in graph.steps.enumerated() {
            guard let count = step.concurrentGroup?.kernels.count, position + count <= graph.steps.count else { continue }
            let members = position..<(position + count)
            for p in members { partners[p] = members.filter { $0 != p }.map { graph.steps[$0].node.index } }
        }
        return partners
    }

    /// Segments (subsets matched with their prepared runners, in order) and their description.
    private func assemble(_ subsets: [GraphPartitioner.Subset], runners: [DelegatePartitionRunner], declined: [Int: String],
                          delegateName: String, report: String?, memory: PlanMemory,
                          requested: Interpreter.Backend) -> ExecutionPlan {
        var segments: [ExecutionPlan.Segment] = []
        var described: [ExecutionPlanDescription.Segment] = []
        var nextRunner = 0
        let beside = concurrentPartners()
        for subset in subsets {
            let isDelegated = subset.delegated && nextRunner < runners.count
            if isDelegated {
                segments.append(.delegated(runners[nextRunner]))
            } else if let first = subset.nodes.first, let last = subset.nodes.last {
                segments.append(.steps(first..<(last + 1)))
            }
            described.append(ExecutionPlanDescription.Segment(
                backend: isDelegated ? delegateName : backend.name, isDelegated: isDelegated,
                partitionIndex: isDelegated ? nextRunner : nil,
                nodes: subset.nodes.map { p in
                    let step = graph.steps[p]
                    return .init(index: step.node.index, op: step.node.name, declinedReason: declined[step.node.index],
                                 fusion: isDelegated ? nil : Self.fusion(of: step.kernel), runsBeside: beside[p] ?? [])
                },
                inputTensors: subset.inputs, outputTensors: subset.outputs))
            if isDelegated { nextRunner += 1 }
        }
        let description = ExecutionPlanDescription(
            requestedBackend: requested.description, threadCount: backend.workerCount,
            segments: described, foldedNodes: graph.foldedNodes, delegationReport: report,
            arenaBytes: memory.plan.totalBytes)
        return ExecutionPlan(segments: segments, memory: memory, description: description)
    }
}

/// The tensor memory of one plan: the arena, each tensor's address (arena,
/// constant data, or a zero-filled block for unused and empty tensors) and
/// the arena plan. Freed when the plan is released.
final class PlanMemory {
    let arena: AlignedBuffer
    let addresses: UnsafeMutablePointer<UnsafeMutableRawPointer>
    let plan: PreparedGraph.MemoryPlan
    /// A zero-filled block every zero-sized or unused tensor points to.
    private let dummy: AlignedBuffer

    /// Plans the arena for `graph.steps` in their current order with
    /// `workers` scratch areas per step, allocates it and binds every kernel.
    init(_ graph: PreparedGraph, workers: Int, maximumBytes: Int) throws {
        let plan = try graph.planMemory(workers: workers)
        guard plan.totalBytes <= maximumBytes else {
            throw InterpreterError.allocationTooLarge(what: "the tensor arena", bytes: plan.totalBytes, limit: maximumBytes)
        }
        let arena = try AlignedBuffer(byteCount: plan.totalBytes, zeroed: false)
        let dummy = try AlignedBuffer(byteCount: 64)
        let addresses = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: max(graph.tensors.count, 1))
        for t in graph.tensors.indices {
            if let offset = plan.tensorOffsets[t] {
                addresses[t] = arena.pointer + offset
            } else if let constant = graph.tensors[t].constant {
                addresses[t] = UnsafeMutableRawPointer(mutating: constant)
            } else {
                addresses[t] = dummy.pointer
            }
        }
        for (s, step) in graph.steps.enumerated() {
            let scratch = plan.scratchOffsets[s].map { arena.pointer + $0 } ?? dummy.pointer
            step.kernel.bind(TensorMemory(addresses: addresses, tensorCount: graph.tensors.count, scratch: scratch))
        }
        self.arena = arena
        self.addresses = addresses
        self.plan = plan
        self.dummy = dummy
    }

    deinit { addresses.deallocate() }
}
