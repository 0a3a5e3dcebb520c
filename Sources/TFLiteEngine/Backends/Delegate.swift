/// A delegate takes over maximal groups of nodes ("partitions") of a model,
/// like a TFLite `SimpleDelegateInterface`.
///
/// After every operator is prepared, the interpreter asks `supports(_:)` for
/// each node that runs at invoke, groups supported nodes into partitions with
/// TFLite's epoch-based algorithm (greedy mode, dependencies respected),
/// keeps the `options.maxPartitions` largest ones of at least
/// `options.minNodesPerPartition` nodes, and calls `prepare(_:)` once per
/// partition. Every other node runs on the engine's CPU kernels. If any
/// `prepare` throws, the whole model falls back to the plain CPU plan and
/// `Interpreter.delegationReport` says why.
///
/// Tensors read or written by a partition live in the interpreter's arena
/// (delegation does not change where tensors are stored); the partition
/// gives their addresses.
///
/// A delegate may be shared by several interpreters (each calls `prepare`
/// for its own partitions), so it must be `Sendable`.
public protocol Delegate: AnyObject, Sendable {
    /// Short name used in reports and plan descriptions.
    var name: String { get }
    /// Partition limits (TFLite `SimpleDelegateInterface::Options`).
    var options: DelegateOptions { get }
    /// Whether this delegate can run `node`; a declined node gives a reason.
    func supports(_ node: DelegateNode) -> DelegateSupport
    /// Prepares one partition and returns what runs it at invoke.
    func prepare(_ partition: DelegatePartition) throws -> DelegatePartitionRunner
}

/// Partition limits of a delegate.
public struct DelegateOptions: Hashable, Sendable {
    /// Most partitions to delegate (the largest first); ≤ 0 means unlimited.
    public var maxPartitions: Int
    /// Partitions with fewer nodes stay on the CPU.
    public var minNodesPerPartition: Int

    /// Limits with the defaults of TFLite's `SimpleDelegateInterface::Options`: no limit on partitions, any size.
    public init(maxPartitions: Int = 0, minNodesPerPartition: Int = 0) {
        self.maxPartitions = maxPartitions
        self.minNodesPerPartition = minNodesPerPartition
    }
}

/// A delegate's answer for one node.
public enum DelegateSupport: Hashable, Sendable {
    /// The delegate can run the node.
    case supported
    /// Declined, with a reason shown in the plan description.
    case unsupported(reason: String)

    /// True for ``supported``.
    public var isSupported: Bool { self == .supported }
}

/// Runs one delegated partition at invoke. `run()` must not throw; like a
/// kernel it should not allocate. It is called from the interpreter's thread.
public protocol DelegatePartitionRunner: AnyObject {
    /// Computes the partition: reads its input tensors and writes its output tensors at the addresses ``DelegatePartition/address(ofTensor:)`` gave.
    func run()
}

/// A tensor as a delegate sees it (shape after prepare).
public struct DelegateTensor: Hashable, Sendable, CustomStringConvertible {
    /// Index in the model's main subgraph.
    public let index: Int
    /// The tensor's name in the model.
    public let name: String
    /// The element type.
    public let type: TensorType
    /// The dimensions after prepare.
    public let shape: [Int]
    /// Constant data (weights, folded values): not in the arena.
    public let isConstant: Bool
    /// Bytes of the tensor's data.
    public let byteCount: Int

    /// `#<index> <type>[<shape>]`, with ` const` for constant data.
    public var description: String { "#\(index) \(type)\(shape)\(isConstant ? " const" : "")" }

    init(_ slot: TensorSlot) {
        index = slot.index
        name = slot.name
        type = slot.type
        shape = slot.shape
        isConstant = slot.isConstant
        byteCount = slot.byteCount
    }
}

/// Read-only view of a node for `Delegate.supports(_:)`.
public struct DelegateNode: Sendable, CustomStringConvertible {
    /// Position in the model's operator list.
    public let index: Int
    /// Builtin operator (`.custom` for custom ops).
    public let op: BuiltinOperator
    /// Builtin name (e.g. `CONV_2D`) or custom code.
    public let opName: String
    /// The operator version recorded in the model.
    public let version: Int
    /// Inputs in operator order; nil where an optional input is omitted.
    public let inputs: [DelegateTensor?]
    /// Outputs in operator order.
    public let outputs: [DelegateTensor]
    /// The decoded options of the common operators.
    public let options: NodeOptions

    /// `node <index> (<op name> v<version>)`.
    public var description: String { "node \(index) (\(opName) v\(version))" }

    init(_ node: Node, tensors: [TensorSlot]) {
        index = node.index
        op = node.op
        opName = node.name
        version = node.version
        inputs = node.inputs.map { $0 >= 0 && $0 < tensors.count ? DelegateTensor(tensors[$0]) : nil }
        outputs = node.outputs.map { DelegateTensor(tensors[$0]) }
        options = NodeOptions(node)
    }
}

/// Options of the operators delegates most often inspect, already decoded.
/// Fields that do not apply to the node's operator are nil.
public struct NodeOptions: Hashable, Sendable {
    /// Schema `BuiltinOptions` union type (0 = none).
    public let unionType: Int
    /// Fused activation name: NONE, RELU, RELU_N1_TO_1, RELU6, TANH, SIGN_BIT.
    public var fusedActivation: String?
    /// SAME or VALID.
    public var padding: String?
    /// Stride along the height (CONV_2D, DEPTHWISE_CONV_2D, pooling).
    public var strideHeight: Int?
    /// Stride along the width (CONV_2D, DEPTHWISE_CONV_2D, pooling).
    public var strideWidth: Int?
    /// Dilation factor along the height (CONV_2D, DEPTHWISE_CONV_2D).
    public var dilationHeight: Int?
    /// Dilation factor along the width (CONV_2D, DEPTHWISE_CONV_2D).
    public var dilationWidth: Int?
    /// Output channels per input channel (DEPTHWISE_CONV_2D).
    public var depthMultiplier: Int?
    /// Pooling window height (AVERAGE_POOL_2D, MAX_POOL_2D, L2_POOL_2D).
    public var filterHeight: Int?
    /// Pooling window width (AVERAGE_POOL_2D, MAX_POOL_2D, L2_POOL_2D).
    public var filterWidth: Int?
    /// CONCATENATION axis (as written; may be negative).
    public var axis: Int?

    init(_ node: Node) {
        unionType = Int(node.optionsType)
        guard let t = node.options else { return }
        func decode<T: BuiltinOptionsTable>(_ type: T.Type) -> T? { try? T(t) }
        func activation(_ raw: Int8) -> String {
            let names = ["NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"]
            return raw >= 0 && Int(raw) < names.count ? names[Int(raw)] : "UNKNOWN(\(raw))"
        }
        func paddingName(_ raw: Int8) -> String { raw == 0 ? "SAME" : raw == 1 ? "VALID" : "UNKNOWN(\(raw))" }
        typealias U = BuiltinOptionsType
        switch (node.op, node.optionsType) {
        case (.conv2D, U.conv2DOptions):
            guard let o = decode(Conv2DOptions.self) else { return }
            padding = paddingName(o.padding)
            strideWidth = Int(o.strideW); strideHeight = Int(o.strideH)
            fusedActivation = activation(o.fusedActivationFunction)
            dilationWidth = Int(o.dilationWFactor); dilationHeight = Int(o.dilationHFactor)
        case (.depthwiseConv2D, U.depthwiseConv2DOptions):
            guard let o = decode(DepthwiseConv2DOptions.self) else { return }
            padding = paddingName(o.padding)
            strideWidth = Int(o.strideW); strideHeight = Int(o.strideH)
            depthMultiplier = Int(o.depthMultiplier)
            fusedActivation = activation(o.fusedActivationFunction)
            dilationWidth = Int(o.dilationWFactor); dilationHeight = Int(o.dilationHFactor)
        case (.averagePool2D, U.pool2DOptions), (.maxPool2D, U.pool2DOptions), (.l2Pool2D, U.pool2DOptions):
            guard let o = decode(Pool2DOptions.self) else { return }
            padding = paddingName(o.padding)
            strideWidth = Int(o.strideW); strideHeight = Int(o.strideH)
            filterWidth = Int(o.filterWidth); filterHeight = Int(o.filterHeight)
            fusedActivation = activation(o.fusedActivationFunction)
        case (.concatenation, U.concatenationOptions):
            guard let o = decode(ConcatenationOptions.self) else { return }
            axis = Int(o.axis)
            fusedActivation = activation(o.fusedActivationFunction)
        case (.add, U.addOptions):
            fusedActivation = decode(AddOptions.self).map { activation($0.fusedActivationFunction) }
        case (.fullyConnected, U.fullyConnectedOptions):
            fusedActivation = decode(FullyConnectedOptions.self).map { activation($0.fusedActivationFunction) }
        default:
            break
        }
    }
}

/// A partition handed to `Delegate.prepare(_:)`: its nodes in execution
/// order, the tensors it reads from outside (including constants) and the
/// tensors it produces for later nodes or as model outputs.
public final class DelegatePartition {
    /// Position of this partition among the delegated ones.
    public let index: Int
    /// The partition's nodes in execution order.
    public let nodes: [DelegateNode]
    /// Tensors read from outside the partition (sorted by index).
    public let inputs: [DelegateTensor]
    /// Tensors used after the partition or returned by the model (sorted).
    public let outputs: [DelegateTensor]
    /// The engine's own prepared kernels for `nodes`, in the same order.
    /// A delegate may run them (all bound to the arena) instead of its own code.
    public let engineKernels: [EngineKernel]
    /// Scratch areas reserved per kernel: `EngineKernel.run(tiles:worker:)`
    /// accepts `worker` in `0..<workerCount`.
    public let workerCount: Int
    private let addresses: UnsafeMutablePointer<UnsafeMutableRawPointer>
    private let tensorCount: Int

    init(index: Int, nodes: [DelegateNode], inputs: [DelegateTensor], outputs: [DelegateTensor],
         engineKernels: [EngineKernel], workerCount: Int,
         addresses: UnsafeMutablePointer<UnsafeMutableRawPointer>, tensorCount: Int) {
        self.workerCount = workerCount
        self.index = index
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.engineKernels = engineKernels
        self.addresses = addresses
        self.tensorCount = tensorCount
    }

    /// Address of a tensor's data (arena or constant memory), valid until the
    /// interpreter is released or `allocateTensors()` is called again. Nil for
    /// an index outside the model.
    public func address(ofTensor index: Int) -> UnsafeMutableRawPointer? {
        guard index >= 0, index < tensorCount else { return nil }
        return addresses[index]
    }
}

/// One of the engine's prepared kernels, exposed to delegates. Tiles are
/// independent pieces of output; `run(tiles:worker:)` may be called for
/// disjoint tile ranges from several threads at once as long as each thread
/// uses its own `worker` index below the interpreter's worker count.
public final class EngineKernel {
    let kernel: Kernel
    /// The node this kernel computes.
    public let nodeIndex: Int
    /// Valid `worker` indices are `0..<workerCount`.
    public let workerCount: Int

    init(kernel: Kernel, nodeIndex: Int, workerCount: Int) {
        self.kernel = kernel
        self.nodeIndex = nodeIndex
        self.workerCount = workerCount
    }

    /// Number of independent output tiles.
    public var tileCount: Int { kernel.tileCount }
    /// Approximate arithmetic work of the whole op.
    public var cost: Int { kernel.cost }
    /// Computes tiles `tiles` (within `0..<tileCount`) with scratch area
    /// `worker` (within `0..<workerCount`). Out-of-range arguments are a
    /// programming error and stop the program.
    public func run(tiles: Range<Int>, worker: Int) {
        precondition(worker >= 0 && worker < workerCount, "worker \(worker) outside 0..<\(workerCount)")
        precondition(tiles.lowerBound >= 0 && tiles.upperBound <= kernel.tileCount, "tiles \(tiles) outside 0..<\(kernel.tileCount)")
        kernel.run(tiles: tiles, worker: worker)
    }
    /// Computes the whole op on the calling thread (worker 0).
    public func run() { kernel.run(tiles: 0..<kernel.tileCount, worker: 0) }
}
