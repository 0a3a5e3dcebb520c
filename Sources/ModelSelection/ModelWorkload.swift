import TFLiteEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The kinds of kernel models are made of, each timed on its own by
/// `KernelCalibration`: the engine runs all the nodes of one class with the
/// same code, so their time follows the same few terms (see `ClassCost`).
public enum KernelClass: String, Codable, CaseIterable, Sendable {
    /// CONV_2D with a 1×1 filter, stride 1 (a plain GEMM over the pixels).
    case convPointwise = "conv 1x1"
    /// Any other CONV_2D (GEMM over an indirection of the filter taps), TRANSPOSE_CONV, CONV_3D.
    case convGeneral = "conv"
    /// DEPTHWISE_CONV_2D with a filter of up to 3×3.
    case depthwise3x3 = "depthwise 3x3"
    /// DEPTHWISE_CONV_2D with a larger filter (5×5 and up).
    case depthwise5x5 = "depthwise 5x5"
    /// FULLY_CONNECTED, BATCH_MATMUL.
    case fullyConnected = "fully connected"
    /// Element-wise arithmetic, activations, copies.
    case elementwise = "element-wise"
    /// MAX_POOL_2D, AVERAGE_POOL_2D, and reductions (MEAN, SUM, …): windows reduced to one value.
    case pooling = "pooling"
    /// ``convPointwise`` on int8 activations.
    case convPointwiseInt8 = "conv 1x1 int8"
    /// ``convGeneral`` on int8 activations.
    case convGeneralInt8 = "conv int8"
    /// ``depthwise3x3`` on int8 activations.
    case depthwise3x3Int8 = "depthwise 3x3 int8"
    /// ``depthwise5x5`` on int8 activations.
    case depthwise5x5Int8 = "depthwise 5x5 int8"
    /// ``fullyConnected`` on int8 activations.
    case fullyConnectedInt8 = "fully connected int8"
    /// ``elementwise`` on int8 activations.
    case elementwiseInt8 = "element-wise int8"
    /// ``pooling`` on int8 activations.
    case poolingInt8 = "pooling int8"

    /// The class of the same kind of kernel for int8 (true) or float (false) activations.
    static func of(_ kind: KernelClass, int8: Bool) -> KernelClass {
        guard int8 else { return kind }
        switch kind {
        case .convPointwise: return .convPointwiseInt8
        case .convGeneral: return .convGeneralInt8
        case .depthwise3x3: return .depthwise3x3Int8
        case .depthwise5x5: return .depthwise5x5Int8
        case .fullyConnected: return .fullyConnectedInt8
        case .elementwise: return .elementwiseInt8
        case .pooling: return .poolingInt8
        default: return kind
        }
    }

    /// Whether the class runs on int8 activations.
    public var isInt8: Bool {
        switch self {
        case .convPointwiseInt8, .convGeneralInt8, .depthwise3x3Int8, .depthwise5x5Int8, .fullyConnectedInt8,
             .elementwiseInt8, .poolingInt8:
            return true
        default:
            return false
        }
    }

    /// Whether the work term counts multiply-accumulates (else element operations).
    public var countsMACs: Bool {
        switch self {
        case .elementwise, .elementwiseInt8, .pooling, .poolingInt8: return false
        default: return true
        }
    }
}

/// Why a model's workload could not be read.
public enum ModelWorkloadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The engine could not prepare the model (the engine's reason).
    case notPrepared(String)
    /// One line with the engine's reason.
    public var description: String {
        switch self {
        case let .notPrepared(reason): return "the model could not be prepared: \(reason)"
        }
    }
}

/// One node that runs at invoke, as the cost model sees it.
public struct NodeWork: Codable, Hashable, Sendable {
    /// Operator name, e.g. `CONV_2D`.
    public var op: String
    /// Its kernel class; nil for nodes that do no arithmetic (RESHAPE and
    /// the like), which cost the per-node overhead only.
    public var kernelClass: KernelClass?
    /// Multiply-accumulates (convolutions, fully connected), or element
    /// operations (element-wise: elements; pooling: output elements × window).
    public var work: Int
    /// Output elements.
    public var outputs: Int
    /// Convolutions and fully connected: elements of the constant filter or
    /// weights (0 if not constant), output channels, and filter taps (KH × KW;
    /// 1 for fully connected). 0 for other nodes.
    public var weights: Int
    /// Output channels of a convolution or fully connected node (see ``weights``).
    public var outputChannels: Int
    /// Filter taps, KH × KW (1 for fully connected; see ``weights``).
    public var taps: Int
    /// Bytes of the filter or weights when they are a constant of the model
    /// file (not folded at prepare), else 0: the kernels that copy them into
    /// a packed layout drop these pages of the mapped file afterwards.
    public var fileWeightBytes: Int
    /// Whether the engine's plan keeps this int8 convolution's Int32 sums for
    /// the max pool that alone reads them (`ExecutionPlanDescription.Fusion`):
    /// its outputs are not requantized here (the pool requantizes a quarter
    /// as many), so the per-output term of its class does not apply.
    public var sumsKeptForPool: Bool
    /// Whether this int8 element-wise node reads 256-entry byte tables, so
    /// it keeps no table of input pairs (see `CostModel.kernelBytes`): a MUL
    /// computing `x · logistic(x)` itself (the engine's swish fusion), or an
    /// op with a constant scalar or short per-channel operand
    /// (`TFLiteEngineBuild.quantizedConstantOperandTables`).
    public var readsByteTable: Bool
    /// Bytes of the byte tables such a node keeps when the engine fused it
    /// with the node before (`ExecutionPlanDescription.Fusion.chainOfConstantOperands`:
    /// one row of 256 results per channel), else 0.
    public var tableBytes: Int

    /// Rows per micro-tile and columns per packed panel of this GEMM node's
    /// kernel (convolution or fully connected with `outputChannels` > 0):
    /// float32 as the engine lays it out (`TFLiteEngineBuild.floatGEMMTile`);
    /// int8 six rows and 2 × SIMD lanes columns (lanes when N ≤ lanes; the
    /// builds with integer multiply-add pack 16 columns, see
    /// `CostModel.kernelBytes`).
    var gemmTile: (rows: Int, columns: Int) {
        let n = max(outputChannels, 1)
        guard let kernelClass, !kernelClass.isInt8 else {
            let lanes = TFLiteEngineBuild.floatLanes
            return (6, n > lanes ? 2 * lanes : lanes)
        }
        return TFLiteEngineBuild.floatGEMMTile(m: outputs / n, k: gemmDepth, n: n, pointwise: kernelClass != .convGeneral)
    }

    /// K of this GEMM node: the weights per output channel, else the work per output.
    private var gemmDepth: Int { weights > 0 ? weights / max(outputChannels, 1) : work / max(outputs, 1) }

    /// The class's second size term (see `ClassCost`): for the GEMM classes
    /// (convolutions, fully connected) the input elements the micro-kernel
    /// reads, M·K once per panel of output channels (`gemmTile`'s columns),
    /// which is what makes few output channels slow;
    /// for depthwise the output pixels (per-pixel set-up, which is what makes
    /// few channels slow); 0 for the other classes.
    public var secondary: Double {
        guard let kernelClass, outputChannels > 0 else { return 0 }
        switch kernelClass {
        case .convPointwise, .convGeneral, .fullyConnected, .convPointwiseInt8, .convGeneralInt8, .fullyConnectedInt8:
            let n = outputChannels
            let nr = gemmTile.columns
            let k = Double(gemmDepth)
            let m = Double(outputs / n)
            return m * k * Double((n + nr - 1) / nr)
        case .depthwise3x3, .depthwise5x5, .depthwise3x3Int8, .depthwise5x5Int8:
            return Double(outputs / outputChannels)
        default:
            return 0
        }
    }

    /// A node with these sizes.
    public init(op: String, kernelClass: KernelClass?, work: Int, outputs: Int, weights: Int = 0, outputChannels: Int = 0,
                taps: Int = 0, fileWeightBytes: Int = 0, sumsKeptForPool: Bool = false, readsByteTable: Bool = false,
                tableBytes: Int = 0) {
        self.fileWeightBytes = fileWeightBytes
        self.tableBytes = tableBytes
        self.sumsKeptForPool = sumsKeptForPool
        self.readsByteTable = readsByteTable
        self.op = op
        self.kernelClass = kernelClass
        self.work = work
        self.outputs = outputs
        self.weights = weights
        self.outputChannels = outputChannels
        self.taps = taps
    }
}

/// What one invoke of a model does: its executed nodes (from the prepared
/// graph: constant-folded nodes excluded) by kernel class and size, and
/// what loading it costs. Read with `ModelWorkload.inspect(modelPath:)`.
public struct ModelWorkload: Codable, Hashable, Sendable {
    /// The executed nodes in execution order.
    public var nodes: [NodeWork]
    /// Elements of the constant tensors (weights the kernels pack at load).
    public var parameters: Int
    /// Bytes of the tensor arena after `allocateTensors()`.
    public var arenaBytes: Int
    /// Bytes of the outputs of the nodes folded at prepare (e.g. float16
    /// weights dequantized once), which the model keeps besides its file.
    public var foldedBytes: Int
    /// Bytes of the Int32 sums kept by int8 convolutions fused with the max
    /// pool that alone reads them (`ConvolutionPoolFusion` in the engine),
    /// outside the arena.
    public var keptSumBytes: Int

    /// A workload with these values.
    public init(nodes: [NodeWork], parameters: Int, arenaBytes: Int, foldedBytes: Int = 0, keptSumBytes: Int = 0) {
        self.nodes = nodes
        self.parameters = parameters
        self.arenaBytes = arenaBytes
        self.foldedBytes = foldedBytes
        self.keptSumBytes = keptSumBytes
    }

    /// Loads and prepares the model (one thread, `cpu` backend) and
    /// describes the nodes its plan runs.
    public static func inspect(modelPath: String) throws -> ModelWorkload {
        try inspect(Model(path: modelPath))
    }

    /// Prepares `model` and describes the nodes its plan runs.
    public static func inspect(_ model: Model) throws -> ModelWorkload {
        let summary = ModelSummary.inspect(model)
        guard let plan = summary.executionPlan else {
            throw ModelWorkloadError.notPrepared(summary.prepareError ?? "no execution plan")
        }
        let planned = plan.segments.flatMap(\.nodes)
        let executed = planned.map(\.index)
        // Tensors that change from invoke to invoke: model inputs and what executed nodes write.
        var runtime = Set(summary.inputs.map(\.index))
        for index in executed where summary.nodes.indices.contains(index) {
            for t in summary.nodes[index].outputs { runtime.insert(t.index) }
        }
        // The constant elements of each node a chain fusion skipped, by its output tensor.
        var skippedConstants: [Int: Int] = [:]
        for p in planned where p.fusion == .skippedIntoChain && summary.nodes.indices.contains(p.index) {
            let node = summary.nodes[p.index]
            if let output = node.outputs.first { skippedConstants[output.index] = constantElements(node) }
        }
        let nodes = planned.compactMap { p -> NodeWork? in
            guard summary.nodes.indices.contains(p.index) else { return nil }
            var n = work(of: summary.nodes[p.index], runtimeTensors: runtime)
            if n.kernelClass?.isInt8 == true, readsConstantOperandTables(summary.nodes[p.index], outputs: n.outputs) {
                n.readsByteTable = true
            }
            switch p.fusion {
            case .sumsKeptForMaxPool?: n.sumsKeptForPool = true
            // The MUL does the LOGISTIC's work too: one node of both nodes' work.
            case .skippedIntoSwish?: n = NodeWork(op: n.op, kernelClass: nil, work: 0, outputs: n.outputs)
            // (An int8 MUL reads one table of x instead: its own work, at most.)
            case .swish?:
                if n.kernelClass?.isInt8 == true { n.readsByteTable = true } else { n.work = saturatingMultiply(n.work, 2) }
            // The second node does both nodes' work (int8: from per-channel byte tables).
            case .skippedIntoChain?: n = NodeWork(op: n.op, kernelClass: nil, work: 0, outputs: n.outputs)
            // The convolution looks its outputs up in the activation's table
            // as it stores them (its own work counts the convolution only).
            case .storedByProducer?: n = NodeWork(op: n.op, kernelClass: nil, work: 0, outputs: n.outputs)
            case .chainOfConstantOperands?:
                if n.kernelClass?.isInt8 == true {
                    let node = summary.nodes[p.index]
                    let before = node.inputs.compactMap { $0.flatMap { skippedConstants[$0.index] } }.max() ?? 1
                    n.readsByteTable = true
                    n.tableBytes = TFLiteEngineBuild.quantizedChainTableBytes(period: max(constantElements(node), before))
                } else {
                    n.work = saturatingMultiply(n.work, 2)
                }
            // The depthwise node computes the 1×1 convolution's rows: the same
            // work, done in the other node (each node's own work counts it once).
            case .computedByConsumer?, .expansionRows?: break
            case .maxPoolOfKeptSums?, .activationInStore?, nil: break
            }
            return n
        }
        // Nodes neither executed nor empty were folded: their outputs are kept as constants.
        let executedSet = Set(executed)
        var folded = 0
        for node in summary.nodes where !executedSet.contains(node.index) {
            for t in node.outputs { folded = saturatingAdd(folded, saturatingMultiply(elements(t.shape), byteSize(t.type))) }
        }
        return ModelWorkload(nodes: nodes, parameters: summary.parameterCount, arenaBytes: summary.arenaBytes ?? 0,
                             foldedBytes: folded, keptSumBytes: keptSums(summary, executed: executed))
    }

    /// Whether the engine runs `node` (a binary op) from tables of its
    /// constant operand against a runtime operand of the output's size
    /// (`TFLiteEngineBuild.quantizedConstantOperandTables`).
    static func readsConstantOperandTables(_ node: ModelSummary.NodeInfo, outputs: Int) -> Bool {
        guard node.inputs.count == 2, let a = node.inputs[0], let b = node.inputs[1], let output = node.outputs.first?.shape
        else { return false }
        for (variable, constant) in [(a, b), (b, a)] where constant.isConstant && !variable.isConstant {
            return elements(variable.shape) == outputs
                && TFLiteEngineBuild.quantizedConstantOperandTables(constant: constant.shape, output: output)
        }
        return false
    }

    /// The elements of `node`'s constant inputs (the largest; 1 if none).
    static func constantElements(_ node: ModelSummary.NodeInfo) -> Int {
        node.inputs.compactMap { $0 }.filter(\.isConstant).map { elements($0.shape) }.max() ?? 1
    }

    /// The Int32 sums the engine keeps for each int8 CONV_2D whose output only
    /// an executed MAX_POOL_2D reads (and is not a model output): 4 bytes per
    /// output element, up to the engine's 4 MiB limit per convolution. (The
    /// engine also declines convolutions whose requantization shifts left;
    /// those are counted here all the same.)
    static func keptSums(_ summary: ModelSummary, executed: [Int]) -> Int {
        var readers: [Int: Int] = [:]
        for index in executed where summary.nodes.indices.contains(index) {
            for case let t? in summary.nodes[index].inputs { readers[t.index, default: 0] += 1 }
        }
        for t in summary.outputs { readers[t.index, default: 0] += 1 }
        var kept = 0
        for index in executed where summary.nodes.indices.contains(index) {
            let node = summary.nodes[index]
            guard node.opName == "MAX_POOL_2D", node.inputs.count == 1, let input = node.inputs[0],
                  input.type == .int8 || input.type == .uint8, readers[input.index] == 1,
                  let producer = executed.first(where: { summary.nodes.indices.contains($0)
                      && summary.nodes[$0].outputs.contains { $0.index == input.index } }),
                  summary.nodes[producer].opName == "CONV_2D", summary.nodes[producer].outputs.count == 1
            else { continue }
            let bytes = saturatingMultiply(elements(input.shape), 4)
            if bytes <= 4 << 20 { kept = saturatingAdd(kept, bytes) }
        }
        return kept
    }

    /// Operators that only re-describe their input (no arithmetic, often no copy).
    static let shapeOnly: Set<String> = ["RESHAPE", "SQUEEZE", "EXPAND_DIMS", "SHAPE", "IDENTITY"]
    /// Reductions: work is the input's elements.
    static let reductions: Set<String> = ["MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD", "ARG_MAX", "ARG_MIN"]

    /// The class and size of one node; `runtimeTensors` are those not constant
    /// at invoke (a filter that is not one is constant, in the file or folded at prepare).
    static func work(of node: ModelSummary.NodeInfo, runtimeTensors: Set<Int> = []) -> NodeWork {
        func elements(_ t: ModelSummary.TensorInfo?) -> Int {
            guard let t else { return 0 }
            return ModelWorkload.elements(t.shape)
        }
        let outputs = node.outputs.reduce(0) { saturatingAdd($0, elements($1)) }
        // The activations' type decides the kernel family (hybrid models: float activations, int8 weights).
        let activationType = node.inputs.first.flatMap { $0?.type } ?? node.outputs.first?.type
        let int8 = activationType == .int8 || activationType == .uint8
        let filterTensor = node.inputs.count > 1 ? node.inputs[1] : nil
        let filter = filterTensor?.shape
        func classified(_ kind: KernelClass, _ work: Int) -> NodeWork {
            var n = NodeWork(op: node.opName, kernelClass: .of(kind, int8: int8), work: max(0, work), outputs: outputs)
            guard kind.countsMACs, let f = filter, !f.isEmpty else { return n }
            // Filter layouts: CONV_2D [N, KH, KW, Cin], DEPTHWISE_CONV_2D [1, KH, KW, N], FULLY_CONNECTED [N, K].
            let constant = filterTensor.map { $0.isConstant || !runtimeTensors.contains($0.index) } ?? false
            n.weights = constant ? ModelWorkload.elements(f) : 0
            if let t = filterTensor, t.isConstant { n.fileWeightBytes = saturatingMultiply(n.weights, ModelWorkload.byteSize(t.type)) }
            switch kind {
            case .depthwise3x3, .depthwise5x5:
                n.outputChannels = f.count == 4 ? max(f[3], 0) : 0
                n.taps = f.count == 4 ? saturatingMultiply(max(f[1], 0), max(f[2], 0)) : 0
            case .fullyConnected:
                n.outputChannels = max(f.first ?? 0, 0)
                n.taps = 1
            default:
                n.outputChannels = max(f.first ?? 0, 0)
                n.taps = f.count == 4 ? saturatingMultiply(max(f[1], 0), max(f[2], 0)) : 1
            }
            return n
        }
        let stride = node.options.first { $0.name == "stride" }?.value
        switch node.opName {
        case "CONV_2D":
            let pointwise = filter.map { $0.count == 4 && $0[1] == 1 && $0[2] == 1 } ?? false
            return classified(pointwise && (stride == nil || stride == "1x1") ? KernelClass.convPointwise : .convGeneral, node.macs)
        case "TRANSPOSE_CONV", "CONV_3D":
            return classified(.convGeneral, node.macs)
        case "DEPTHWISE_CONV_2D":
            let taps = filter.map { $0.count == 4 ? $0[1] * $0[2] : 9 } ?? 9
            return classified(taps <= 9 ? KernelClass.depthwise3x3 : .depthwise5x5, node.macs)
        case "FULLY_CONNECTED", "BATCH_MATMUL":
            return classified(.fullyConnected, node.macs)
        case "MAX_POOL_2D", "AVERAGE_POOL_2D", "L2_POOL_2D":
            var window = 1
            if let f = node.options.first(where: { $0.name == "filter" })?.value {
                window = f.split(separator: "x").compactMap { Int($0) }.reduce(1) { saturatingMultiply($0, max($1, 1)) }
            }
            return classified(.pooling, saturatingMultiply(outputs, window))
        default:
            if shapeOnly.contains(node.opName) {
                return NodeWork(op: node.opName, kernelClass: nil, work: 0, outputs: outputs)
            }
            if reductions.contains(node.opName) {
                return classified(.pooling, elements(node.inputs.first ?? nil))
            }
            return classified(.elementwise, max(outputs, elements(node.inputs.first ?? nil)))
        }
    }

    /// Bytes per element of `type` (1 for types the engine does not store).
    static func byteSize(_ type: TensorType) -> Int {
        switch type {
        case .float64, .int64, .uint64, .complex64: return 8
        case .float32, .int32, .uint32: return 4
        case .float16, .int16, .uint16, .bfloat16: return 2
        case .complex128: return 16
        default: return 1
        }
    }

    static func elements(_ shape: [Int]) -> Int {
        shape.reduce(1) { saturatingMultiply($0, max($1, 0)) }
    }

    static func saturatingMultiply(_ a: Int, _ b: Int) -> Int {
        let (p, o) = a.multipliedReportingOverflow(by: b)
        return o ? Int.max : p
    }

    static func saturatingAdd(_ a: Int, _ b: Int) -> Int {
        let (s, o) = a.addingReportingOverflow(b)
        return o ? Int.max : s
    }
}
