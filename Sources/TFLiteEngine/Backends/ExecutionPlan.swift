/// What runs at invoke, built by `ExecutionPlanner`: segments in order, the
/// tensor memory they are bound to, and the plan's public description.
struct ExecutionPlan {
    /// One run of the plan.
    enum Segment {
        /// `graph.steps[range]` on the interpreter's backend.
        case steps(Range<Int>)
        /// A delegated partition.
        case delegated(DelegatePartitionRunner)
    }

    let segments: [Segment]
    let memory: PlanMemory
    let description: ExecutionPlanDescription
    /// Why delegation was abandoned, or nil.
    var delegationReport: String? { description.delegationReport }
}

/// How an interpreter runs its model after `allocateTensors()`: which
/// backend runs which nodes, in what order, and where the delegated
/// partitions begin and end. `text` is a human-readable form (for
/// `infer --inspect`).
public struct ExecutionPlanDescription: Sendable, CustomStringConvertible {
    /// One node as planned.
    public struct PlannedNode: Sendable, Hashable {
        /// Position in the model's operator list.
        public let index: Int
        /// Builtin name or custom code.
        public let op: String
        /// Why the delegate declined this node (nil when accepted or no delegate).
        public let declinedReason: String?
        /// How the plan fused this node with another (nil: it runs as itself).
        public let fusion: Fusion?
        /// Nodes that may run at the same time as this one, on other threads
        /// (`parallel` plans group small independent convolutions); empty
        /// when none.
        public let runsBeside: [Int]
    }

    /// A fusion the plan decided for a node (`ConvolutionPoolFusion`, `SwishFusion`,
    /// `ConstantOperandChainFusion`, `StoredActivationFusion`, `ExpansionDepthwiseFusion`).
    public enum Fusion: String, Sendable, Hashable {
        /// A quantized CONV_2D that keeps its Int32 sums for the MAX_POOL_2D
        /// that alone reads its output, instead of requantizing every output.
        case sumsKeptForMaxPool = "keeps its Int32 sums for the max pool"
        /// That MAX_POOL_2D: it takes each window's maximum of the sums and
        /// requantizes only those.
        case maxPoolOfKeptSums = "max pool of the convolution's Int32 sums, then requantized"
        /// A LOGISTIC whose only reader, a MUL, computes the swish itself: skipped.
        case skippedIntoSwish = "skipped: the MUL computes x * logistic(x)"
        /// That MUL.
        case swish = "computes x * logistic(x) from x"
        /// An element-wise node with a constant operand whose only reader,
        /// another such node, computes both: skipped.
        case skippedIntoChain = "skipped: the next node computes both"
        /// That node: it reads the skipped node's input and computes both in
        /// one pass (int8/uint8: through one table per channel of both
        /// nodes' results; float32: a MUL then an ADD in one loop).
        case chainOfConstantOperands = "computes the previous node's operation too, in the same pass"
        /// A convolution whose output only an element-wise activation reads:
        /// it applies that activation (int8/uint8: its table of the byte) to
        /// its outputs as it stores them (`StoredActivationFusion`).
        case activationInStore = "applies the next node's activation as it stores"
        /// That activation: skipped, its output in the convolution's output memory.
        case storedByProducer = "skipped: the convolution stores its result"
        /// A float32 convolution (a 1×1 expansion) whose output only a
        /// depthwise convolution reads: skipped, that node computes its rows
        /// (`ExpansionDepthwiseFusion`).
        case computedByConsumer = "skipped: the depthwise convolution after it computes its rows as it reads them"
        /// That depthwise convolution: it computes the convolution's output
        /// a few rows at a time, as its own output rows need them, into a
        /// window that stays in the cache.
        case expansionRows = "computes the convolution before it, a few rows at a time, as it reads them"
    }

    /// A run of consecutive nodes executed by one backend.
    public struct Segment: Sendable, Hashable {
        /// `"cpu"`, `"parallel"`, or the delegate's name.
        public let backend: String
        /// Whether a delegate runs this segment as one unit.
        public let isDelegated: Bool
        /// Index among delegated partitions (nil for CPU segments).
        public let partitionIndex: Int?
        /// Nodes in execution order.
        public let nodes: [PlannedNode]
        /// Tensors the segment reads from outside it (includes constants), sorted.
        public let inputTensors: [Int]
        /// Tensors the segment produces for later segments or as model outputs, sorted.
        public let outputTensors: [Int]
    }

    /// Backend chosen in the options: `"cpu"`, `"parallel"` or `"delegate(<name>)"`.
    public let requestedBackend: String
    /// Workers (threads) running tiles of the non-delegated nodes.
    public let threadCount: Int
    /// Segments in execution order; their nodes form a valid topological order.
    public let segments: [Segment]
    /// Nodes evaluated once at prepare (all inputs constant); they do not run at invoke.
    public let foldedNodes: [Int]
    /// Why delegation fell back to the CPU plan, or nil.
    public let delegationReport: String?
    /// Bytes of the tensor arena.
    public let arenaBytes: Int

    /// Number of delegated partitions.
    public var delegatedPartitionCount: Int { segments.filter(\.isDelegated).count }
    /// Number of nodes a delegate runs.
    public var delegatedNodeCount: Int { segments.filter(\.isDelegated).reduce(0) { $0 + $1.nodes.count } }

    /// Multi-line text form.
    public var text: String {
        var lines: [String] = []
        let executed = segments.reduce(0) { $0 + $1.nodes.count }
        lines.append("backend: \(requestedBackend), threads: \(threadCount), arena: \(arenaBytes) bytes")
        lines.append("nodes: \(executed) executed, \(foldedNodes.count) folded at prepare\(foldedNodes.isEmpty ? "" : " \(foldedNodes)")")
        if delegatedPartitionCount > 0 {
            lines.append("delegated: \(delegatedNodeCount) nodes in \(delegatedPartitionCount) partition\(delegatedPartitionCount == 1 ? "" : "s")")
        }
        if let delegationReport { lines.append("delegation: \(delegationReport)") }
        for (s, segment) in segments.enumerated() {
            let title = segment.isDelegated ? "\(segment.backend) partition \(segment.partitionIndex ?? 0)" : segment.backend
            lines.append("segment \(s): \(title), \(segment.nodes.count) node\(segment.nodes.count == 1 ? "" : "s"); inputs \(segment.inputTensors), outputs \(segment.outputTensors)")
            for node in segment.nodes {
                let note = node.declinedReason.map { "  (declined: \($0))" } ?? ""
                let fusion = node.fusion.map { "  (fused: \($0.rawValue))" } ?? ""
                let beside = node.runsBeside.isEmpty ? "" : "  (runs beside node \(node.runsBeside.map(String.init).joined(separator: ", ")))"
                lines.append("  node \(node.index) \(node.op)\(note)\(fusion)\(beside)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The plan as text: a line per segment, then a line per node (with the reason a delegate declined it).
    public var description: String { text }
}
