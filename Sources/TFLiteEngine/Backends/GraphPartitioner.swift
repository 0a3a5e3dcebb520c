/// Splits an execution plan into subsets that are each entirely delegated or
/// entirely not, respecting dependencies: TFLite's epoch-based
/// `PartitionGraphIntoIndependentNodeSubsetsImpl` (greedy mode), followed by
/// `GetNodesOfFirstNLargestPartitions` and a second partitioning with only the
/// chosen nodes marked as delegated (as `ReplaceNodeSubsetsWithDelegateKernels`
/// does).
enum GraphPartitioner {
    /// One node of the plan: tensor indices it reads (-1 = omitted) and writes.
    struct PlanNode {
        let inputs: [Int]
        let outputs: [Int]
    }

    struct Subset: Equatable {
        /// Delegated (TFLite `kTfPartition`) or not.
        var delegated: Bool
        /// Positions in the plan, ascending.
        var nodes: [Int] = []
        /// Tensors read from other subsets, constants or graph inputs (sorted, unique).
        var inputs: [Int] = []
        /// Tensors read by later subsets or returned by the graph (sorted, unique).
        var outputs: [Int] = []
    }

    private static let alwaysReady = -2
    private static let notReady = -1

    /// Partitions `nodes` (in execution order). `supported[i]` says whether
    /// node i may be delegated. `graphOutputs` are added to the outputs of the
    /// subset that produces them. Every node ends up in exactly one subset.
    static func partition(_ nodes: [PlanNode], supported: [Bool], tensorCount: Int, graphOutputs: [Int]) -> [Subset] {
        var tensorEpoch = [Int](repeating: alwaysReady, count: tensorCount)
        for node in nodes { for t in node.outputs where t >= 0 && t < tensorCount { tensorEpoch[t] = notReady } }
        var nodeEpoch = [Int](repeating: notReady, count: nodes.count)
        var subsets: [Subset] = []
        var remaining = nodes.count
        while remaining > 0 {
            let epoch = subsets.count
            var subset: Subset?
            for (n, node) in nodes.enumerated() where nodeEpoch[n] == notReady {
                let ready = node.inputs.allSatisfy { $0 < 0 || $0 >= tensorCount || tensorEpoch[$0] != notReady }
                guard ready else { continue }
                if subset == nil { subset = Subset(delegated: supported[n]) }
                // Greedy mode: skip ready nodes of the other kind and keep sweeping.
                guard subset!.delegated == supported[n] else { continue }
                nodeEpoch[n] = epoch
                subset!.nodes.append(n)
                for t in node.inputs where t >= 0 && t < tensorCount {
                    let producer = tensorEpoch[t]
                    if producer != epoch {
                        subset!.inputs.append(t)
                        if producer >= 0 { subsets[producer].outputs.append(t) }
                    }
                }
                for t in node.outputs where t >= 0 && t < tensorCount { tensorEpoch[t] = epoch }
            }
            guard let built = subset else { break }  // unreachable for a valid (acyclic) plan
            remaining -= built.nodes.count
            subsets.append(built)
        }
        for t in graphOutputs where t >= 0 && t < tensorCount && tensorEpoch[t] >= 0 {
            subsets[tensorEpoch[t]].outputs.append(t)
        }
        for i in subsets.indices {
            // (No `Set` and `sorted()`: see `sortedDistinct`.)
            subsets[i].inputs = sortedDistinct(subsets[i].inputs)
            subsets[i].outputs = sortedDistinct(subsets[i].outputs)
        }
        return subsets
    }

    /// The nodes of the first `maxPartitions` largest delegated subsets
    /// (≤ 0: all), stopping at the first one smaller than `minNodes`
    /// (TFLite `GetNodesOfFirstNLargestPartitions`; ties keep plan order).
    static func nodesOfLargestPartitions(_ subsets: [Subset], maxPartitions: Int, minNodes: Int) -> Set<Int> {
        let delegated = subsets.filter(\.delegated).enumerated()
            .sorted { $0.element.nodes.count != $1.element.nodes.count ? $0.element.nodes.count > $1.element.nodes.count : $0.offset < $1.offset }
            .map(\.element)
        let limit = maxPartitions <= 0 ? delegated.count : min(maxPartitions, delegated.count)
        var chosen = Set<Int>()
        for subset in delegated.prefix(limit) {
            if subset.nodes.count < minNodes { break }
            chosen.formUnion(subset.nodes)
        }
        return chosen
    }

    /// The full procedure: partition by support, choose the largest
    /// partitions, and partition again with only the chosen nodes delegated.
    static func plan(_ nodes: [PlanNode], supported: [Bool], tensorCount: Int, graphOutputs: [Int],
                     maxPartitions: Int, minNodes: Int) -> [Subset] {
        let first = partition(nodes, supported: supported, tensorCount: tensorCount, graphOutputs: graphOutputs)
        let chosen = nodesOfLargestPartitions(first, maxPartitions: maxPartitions, minNodes: minNodes)
        let final = nodes.indices.map { chosen.contains($0) }
        if final == supported { return first }
        return partition(nodes, supported: final, tensorCount: tensorCount, graphOutputs: graphOutputs)
    }
}
