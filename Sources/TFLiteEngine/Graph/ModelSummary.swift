/// A structured description of a model's main subgraph: every node in
/// execution order with its tensors and key options, and totals (operators
/// by type, parameters, multiply-accumulates, constant bytes, arena size,
/// unsupported operators).
///
/// Built from the model file alone, so it works whether or not the engine
/// supports the model's operators; ``inspect(_:options:)`` additionally tries
/// to prepare the model to report the arena size (and uses the shapes
/// computed by prepare, which are exact even when the file's declared shapes
/// are not).
public struct ModelSummary: Sendable {
    /// A tensor as a node sees it.
    public struct TensorInfo: Sendable, Equatable {
        public let index: Int
        public let name: String
        public let shape: [Int]
        public let type: TensorType
        /// Whether the tensor holds constant data in the model (weights, biases, shapes…).
        public let isConstant: Bool
        public let quantization: QuantizationParameters?
    }

    /// A named option value, e.g. `("stride", "2x2")`.
    public struct Option: Sendable, Equatable {
        public let name: String
        public let value: String
    }

    /// One operator of the main subgraph.
    public struct NodeInfo: Sendable {
        /// Position in execution order.
        public let index: Int
        /// Builtin name (`CONV_2D`) or custom code.
        public let opName: String
        public let isCustom: Bool
        public let version: Int
        /// Inputs in order; nil for an omitted optional input.
        public let inputs: [TensorInfo?]
        public let outputs: [TensorInfo]
        /// Key builtin options (strides, padding, dilation, activation, axis, …).
        public let options: [Option]
        /// Multiply-accumulates of one invocation (conv, depthwise, fully
        /// connected, transpose conv, batch matmul, conv 3D; 0 for other ops).
        public let macs: Int
    }

    /// Model inputs and outputs.
    public let inputs: [TensorInfo]
    public let outputs: [TensorInfo]
    public let nodes: [NodeInfo]
    /// Operator names with how often each occurs, most frequent first.
    public let operatorCounts: [(name: String, count: Int)]
    /// Elements of all constant tensors of the main subgraph.
    public let parameterCount: Int
    /// Total multiply-accumulates per invocation.
    public let macs: Int
    /// Bytes of constant data referenced by the main subgraph.
    public let constantBytes: Int
    /// Operators the engine has no kernel for (empty when all are supported).
    public let unsupportedOperators: [UnsupportedOperator]
    /// Arena bytes after `allocateTensors()`; nil when it was not run or failed.
    public internal(set) var arenaBytes: Int?
    /// Why preparing the model failed, if ``inspect(_:options:)`` tried and it did.
    public internal(set) var prepareError: String?
    /// Nodes evaluated once at prepare (all inputs constant); known after a successful prepare.
    public internal(set) var foldedNodeCount: Int?
    /// Which backend runs which nodes (partitions), after a successful prepare.
    public internal(set) var executionPlan: ExecutionPlanDescription?

    /// Describes `model` from its file contents alone (declared shapes).
    public init(model: Model) {
        self.init(model: model, shapes: nil)
    }

    /// Describes `model`, then tries to create an interpreter and allocate
    /// its tensors to report the arena size and exact shapes. Never throws:
    /// a failure is recorded in ``prepareError``.
    public static func inspect(_ model: Model, options: Interpreter.Options = .init()) -> ModelSummary {
        do {
            let interpreter = try Interpreter(model: model, options: options)
            try interpreter.allocateTensors()
            guard let graph = interpreter.preparedGraph else { return ModelSummary(model: model) }
            var summary = ModelSummary(model: model, shapes: graph.tensors.map(\.shape))
            summary.arenaBytes = interpreter.arenaByteCount
            summary.foldedNodeCount = graph.foldedNodes.count
            summary.executionPlan = interpreter.executionPlanDescription
            return summary
        } catch {
            var summary = ModelSummary(model: model)
            summary.prepareError = "\(error)"
            return summary
        }
    }

    init(model: Model, shapes: [[Int]]?) {
        let def = model.def
        let subgraph = model.mainSubgraph
        func info(_ t: Int) -> TensorInfo? {
            guard t >= 0, t < subgraph.tensors.count else { return nil }
            let tensor = subgraph.tensors[t]
            let shape = shapes.flatMap { t < $0.count ? $0[t] : nil } ?? tensor.shape
            return TensorInfo(
                index: t, name: tensor.name, shape: shape, type: tensor.type,
                isConstant: !tensor.isVariable && model.bufferBytes(tensor.buffer) != nil,
                quantization: QuantizationParameters(tensor.quantization))
        }
        inputs = subgraph.inputs.compactMap(info)
        outputs = subgraph.outputs.compactMap(info)
        var nodes: [NodeInfo] = []
        var counts: [String: Int] = [:]
        var order: [String] = []
        var totalMACs = 0
        for (n, op) in subgraph.operators.enumerated() {
            let code = def.operatorCodes[op.opcodeIndex]
            let name = code.name
            if counts[name] == nil { order.append(name) }
            counts[name, default: 0] += 1
            let ins = op.inputs.map { info($0) }
            let outs = op.outputs.compactMap(info)
            let options = ModelSummary.options(op)
            let macs = ModelSummary.macs(code.builtinCode, ins, outs, op)
            totalMACs = ModelSummary.saturatingAdd(totalMACs, macs)
            nodes.append(NodeInfo(
                index: n, opName: name, isCustom: code.builtinCode == .custom, version: code.version,
                inputs: ins, outputs: outs, options: options, macs: macs))
        }
        self.nodes = nodes
        operatorCounts = order.map { ($0, counts[$0] ?? 0) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
        macs = totalMACs

        var parameters = 0, bytes = 0
        var seenBuffers = Set<Int>()
        for tensor in subgraph.tensors where !tensor.isVariable {
            guard let data = model.bufferBytes(tensor.buffer) else { continue }
            parameters = ModelSummary.saturatingAdd(parameters, ModelSummary.product(tensor.shape))
            if seenBuffers.insert(tensor.buffer).inserted { bytes = ModelSummary.saturatingAdd(bytes, data.count) }
        }
        parameterCount = parameters
        constantBytes = bytes
        unsupportedOperators = OperatorRegistry.unsupportedOperators(in: def)
    }

    // MARK: Arithmetic that cannot trap on hostile shapes

    static func product(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape {
            guard d >= 0 else { return 0 }
            n = saturatingMultiply(n, d)
        }
        return n
    }

    static func saturatingMultiply(_ a: Int, _ b: Int) -> Int {
        let (p, o) = a.multipliedReportingOverflow(by: b)
        return o ? Int.max : p
    }

    static func saturatingAdd(_ a: Int, _ b: Int) -> Int {
        let (s, o) = a.addingReportingOverflow(b)
        return o ? Int.max : s
    }

    // MARK: MACs

    /// Multiply-accumulates from the node's shapes; 0 when shapes are unknown.
    static func macs(_ op: BuiltinOperator, _ inputs: [TensorInfo?], _ outputs: [TensorInfo], _ def: OperatorDef) -> Int {
        func input(_ i: Int) -> TensorInfo? { i < inputs.count ? inputs[i] : nil }
        guard let output = outputs.first else { return 0 }
        let outputElements = product(output.shape)
        switch op {
        case .conv2D:
            // filter [Cout, KH, KW, Cin / groups]: each output reads KH × KW × Cin/groups inputs.
            guard let f = input(1)?.shape, f.count == 4 else { return 0 }
            return saturatingMultiply(outputElements, product(Array(f[1...3])))
        case .depthwiseConv2D:
            // filter [1, KH, KW, Cout]: each output reads KH × KW inputs.
            guard let f = input(1)?.shape, f.count == 4 else { return 0 }
            return saturatingMultiply(outputElements, product(Array(f[1...2])))
        case .fullyConnected:
            // weights [N, K]: each output is a dot product of length K.
            guard let w = input(1)?.shape, w.count == 2 else { return 0 }
            return saturatingMultiply(outputElements, max(w[1], 0))
        case .transposeConv:
            // inputs: output_shape, weights [Cout, KH, KW, Cin], input: each input element scatters into KH × KW × Cout outputs.
            guard let w = input(1)?.shape, w.count == 4, let x = input(2) else { return 0 }
            return saturatingMultiply(product(x.shape), product(Array(w[0...2])))
        case .batchMatmul:
            guard let lhs = input(0)?.shape, lhs.count >= 2 else { return 0 }
            let adjX = (try? def.builtinOptions?.bool(4, "adj_x")) ?? false
            return saturatingMultiply(outputElements, max(adjX ? lhs[lhs.count - 2] : lhs[lhs.count - 1], 0))
        case .conv3D:
            // filter [KD, KH, KW, Cin, Cout].
            guard let f = input(1)?.shape, f.count == 5 else { return 0 }
            return saturatingMultiply(outputElements, product(Array(f[0...3])))
        default:
            return 0
        }
    }

    // MARK: Options

    static let activationNames = ["NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"]

    /// Key builtin options, by options union type. Unreadable fields are skipped.
    static func options(_ op: OperatorDef) -> [Option] {
        guard let t = op.builtinOptions else { return [] }
        var result: [Option] = []
        func add(_ name: String, _ value: String?) { if let value { result.append(Option(name: name, value: value)) } }
        func int(_ slot: Int, _ name: String, default d: Int32 = 0) -> Int32? { try? t.int32(slot, name, default: d) }
        func bool(_ slot: Int, _ name: String) -> String? { (try? t.bool(slot, name)).map { $0 ? "true" : "false" } }
        func float(_ slot: Int, _ name: String, default d: Float = 0) -> String? { (try? t.float32(slot, name, default: d)).map { "\($0)" } }
        func pair(_ hSlot: Int, _ wSlot: Int, _ name: String, default d: Int32 = 0) -> String? {
            guard let h = int(hSlot, name, default: d), let w = int(wSlot, name, default: d) else { return nil }
            return "\(h)x\(w)"
        }
        func padding(_ slot: Int) -> String? {
            (try? t.int8(slot, "padding")).map { $0 == 0 ? "SAME" : $0 == 1 ? "VALID" : "\($0)" }
        }
        func activation(_ slot: Int) -> String? {
            (try? t.int8(slot, "fused_activation_function")).map { $0 >= 0 && Int($0) < activationNames.count ? activationNames[Int($0)] : "\($0)" }
        }
        func ints(_ slot: Int, _ name: String) -> String? {
            (try? t.int32s(slot, name)).flatMap { $0 }.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }
        }
        switch op.builtinOptionsType {
        case 1:  // Conv2DOptions
            add("stride", pair(8, 6, "stride"))
            add("padding", padding(4))
            add("dilation", pair(14, 12, "dilation", default: 1))
            add("activation", activation(10))
        case 2:  // DepthwiseConv2DOptions
            add("stride", pair(8, 6, "stride"))
            add("padding", padding(4))
            add("dilation", pair(16, 14, "dilation", default: 1))
            add("depth_multiplier", int(10, "depth_multiplier").map { "\($0)" })
            add("activation", activation(12))
        case 5:  // Pool2DOptions
            add("filter", pair(12, 10, "filter"))
            add("stride", pair(8, 6, "stride"))
            add("padding", padding(4))
            add("activation", activation(14))
        case 8:  // FullyConnectedOptions
            add("activation", activation(4))
            if let keep = try? t.bool(8, "keep_num_dims"), keep { add("keep_num_dims", "true") }
            if let format = try? t.int8(6, "weights_format"), format != 0 { add("weights_format", "\(format)") }
        case 9:  // SoftmaxOptions
            add("beta", float(4, "beta"))
        case 10:  // ConcatenationOptions
            add("axis", int(4, "axis").map { "\($0)" })
            add("activation", activation(6))
        case 11, 21, 28, 29, 12:  // Add, Mul, Sub, Div, L2Norm options
            add("activation", activation(4))
        case 13:  // LocalResponseNormalizationOptions
            add("radius", int(4, "radius").map { "\($0)" })
            add("bias", float(6, "bias"))
            add("alpha", float(8, "alpha"))
            add("beta", float(10, "beta"))
        case 15:  // ResizeBilinearOptions
            add("align_corners", bool(8, "align_corners"))
            add("half_pixel_centers", bool(10, "half_pixel_centers"))
        case 74:  // ResizeNearestNeighborOptions
            add("align_corners", bool(4, "align_corners"))
            add("half_pixel_centers", bool(6, "half_pixel_centers"))
        case 17:  // ReshapeOptions
            add("new_shape", ints(4, "new_shape"))
        case 19, 94:  // SpaceToDepth, DepthToSpace
            add("block_size", int(4, "block_size").map { "\($0)" })
        case 23:  // GatherOptions
            add("axis", int(4, "axis").map { "\($0)" })
            if let b = int(6, "batch_dims"), b != 0 { add("batch_dims", "\(b)") }
        case 27:  // ReducerOptions
            add("keep_dims", bool(4, "keep_dims"))
        case 30:  // SqueezeOptions
            add("squeeze_dims", ints(4, "squeeze_dims"))
        case 32:  // StridedSliceOptions
            for (slot, name) in [(4, "begin_mask"), (6, "end_mask"), (8, "ellipsis_mask"), (10, "new_axis_mask"), (12, "shrink_axis_mask")] {
                if let v = int(slot, name), v != 0 { add(name, "\(v)") }
            }
        case 35, 79:  // SplitOptions, SplitVOptions
            add("num_splits", int(4, "num_splits").map { "\($0)" })
        case 49:  // TransposeConvOptions
            add("stride", pair(8, 6, "stride"))
            add("padding", padding(4))
            add("activation", activation(10))
        case 59, 64:  // PackOptions, UnpackOptions
            add(op.builtinOptionsType == 59 ? "values_count" : "num", int(4, "count").map { "\($0)" })
            add("axis", int(6, "axis").map { "\($0)" })
        case 75:  // LeakyReluOptions
            add("alpha", float(4, "alpha"))
        case 77:  // MirrorPadOptions
            add("mode", (try? t.int8(4, "mode")).map { $0 == 0 ? "REFLECT" : $0 == 1 ? "SYMMETRIC" : "\($0)" })
        case 101:  // BatchMatMulOptions
            add("adj_x", bool(4, "adj_x"))
            add("adj_y", bool(6, "adj_y"))
        case 115:  // BucketizeOptions
            add("boundaries", (try? t.float32s(4, "boundaries")).flatMap { $0 }.map { "[" + $0.map { "\($0)" }.joined(separator: ",") + "]" })
        case 102:  // CumsumOptions
            add("exclusive", bool(4, "exclusive"))
            add("reverse", bool(6, "reverse"))
        case 40, 57:  // ArgMaxOptions, ArgMinOptions
            add("output_type", (try? t.int8(4, "output_type")).map { TensorType(rawValue: $0).map { "\($0)" } ?? "\($0)" })
        case 106:  // Conv3DOptions
            add("padding", padding(4))
            if let d = int(6, "stride_d"), let h = int(10, "stride_h"), let w = int(8, "stride_w") { add("stride", "\(d)x\(h)x\(w)") }
            add("activation", activation(12))
        default:
            break
        }
        return result
    }
}
