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
        /// Index of the tensor in its subgraph.
        public let index: Int
        /// The tensor's name in the model.
        public let name: String
        /// The dimensions as declared in the model.
        public let shape: [Int]
        /// The element type.
        public let type: TensorType
        /// Whether the tensor holds constant data in the model (weights, biases, shapes…).
        public let isConstant: Bool
        /// Quantization parameters, or nil for a tensor that is not quantized.
        public let quantization: QuantizationParameters?
    }

    /// A named option value, e.g. `("stride", "2x2")`.
    public struct Option: Sendable, Equatable {
        /// The option's name, e.g. `stride`.
        public let name: String
        /// The option's value as text, e.g. `2x2`.
        public let value: String
    }

    /// One operator of the main subgraph.
    public struct NodeInfo: Sendable, Equatable {
        /// Position in execution order.
        public let index: Int
        /// Builtin name (`CONV_2D`) or custom code.
        public let opName: String
        /// True for a custom operator (``opName`` is then its custom code).
        public let isCustom: Bool
        /// The operator version recorded in the model.
        public let version: Int
        /// Inputs in order; nil for an omitted optional input.
        public let inputs: [TensorInfo?]
        /// Outputs in order.
        public let outputs: [TensorInfo]
        /// Key builtin options (strides, padding, dilation, activation, axis, …).
        public let options: [Option]
        /// Multiply-accumulates of one invocation (conv, depthwise, fully
        /// connected, transpose conv, batch matmul, conv 3D; 0 for other ops).
        public let macs: Int
    }

    /// A subgraph of the model (subgraph 0 is the main one, which `nodes`
    /// describes; the others are called by control-flow nodes such as WHILE and IF).
    public struct SubgraphInfo: Sendable, Equatable {
        /// Index of the subgraph in the model.
        public let index: Int
        /// The subgraph's name in the model (may be empty).
        public let name: String
        /// Number of operators in the subgraph.
        public let nodeCount: Int
        /// The subgraph's nodes in execution order (for subgraph 0 the same as
        /// ``ModelSummary/nodes``; the called subgraphs with their declared shapes).
        public let nodes: [NodeInfo]
    }

    /// Every subgraph of the model, in file order.
    public let subgraphs: [SubgraphInfo]
    /// Model inputs, in order.
    public let inputs: [TensorInfo]
    /// Model outputs, in order.
    public let outputs: [TensorInfo]
    /// Every node of the main subgraph, in execution order.
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
        func info(_ t: Int) -> TensorInfo? { ModelSummary.tensorInfo(t, in: subgraph, model: model, shapes: shapes) }
        inputs = subgraph.inputs.compactMap(info)
        outputs = subgraph.outputs.compactMap(info)
        let nodes = ModelSummary.nodes(of: subgraph, model: model, shapes: shapes)
        subgraphs = def.subgraphs.enumerated().map { index, graph in
            SubgraphInfo(index: index, name: graph.name, nodeCount: graph.operators.count,
                         nodes: index == 0 ? nodes : ModelSummary.nodes(of: graph, model: model, shapes: nil))
        }
        var counts: [String: Int] = [:]
        var order: [String] = []
        var totalMACs = 0
        for node in nodes {
            if counts[node.opName] == nil { order.append(node.opName) }
            counts[node.opName, default: 0] += 1
            totalMACs = ModelSummary.saturatingAdd(totalMACs, node.macs)
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

    /// Tensor `t` of `subgraph` (nil when out of range), with its prepared shape when `shapes` has one.
    static func tensorInfo(_ t: Int, in subgraph: SubGraphDef, model: Model, shapes: [[Int]]?) -> TensorInfo? {
        guard t >= 0, t < subgraph.tensors.count else { return nil }
        let tensor = subgraph.tensors[t]
        let shape = shapes.flatMap { t < $0.count ? $0[t] : nil } ?? tensor.shape
        return TensorInfo(
            index: t, name: tensor.name, shape: shape, type: tensor.type,
            isConstant: !tensor.isVariable && model.bufferBytes(tensor.buffer) != nil,
            quantization: QuantizationParameters(tensor.quantization))
    }

    /// The nodes of `subgraph` in execution order.
    static func nodes(of subgraph: SubGraphDef, model: Model, shapes: [[Int]]?) -> [NodeInfo] {
        let def = model.def
        return subgraph.operators.enumerated().map { n, op in
            let code = def.operatorCodes[op.opcodeIndex]
            let ins = op.inputs.map { tensorInfo($0, in: subgraph, model: model, shapes: shapes) }
            let outs = op.outputs.compactMap { tensorInfo($0, in: subgraph, model: model, shapes: shapes) }
            return NodeInfo(
                index: n, opName: code.name, isCustom: code.builtinCode == .custom, version: code.version,
                inputs: ins, outputs: outs, options: ModelSummary.options(op), macs: ModelSummary.macs(code.builtinCode, ins, outs, op))
        }
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
            let adjX = (try? BatchMatMulOptions(def.builtinOptions))?.adjX ?? false
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

    /// Key builtin options, by options union type. An unreadable table is skipped.
    static func options(_ op: OperatorDef) -> [Option] {
        guard let t = op.builtinOptions else { return [] }
        var result: [Option] = []
        func add(_ name: String, _ value: String?) { if let value { result.append(Option(name: name, value: value)) } }
        func decode<T: BuiltinOptionsTable>(_ type: T.Type) -> T? { try? T(t) }
        func pair(_ h: Int32, _ w: Int32) -> String { "\(h)x\(w)" }
        func padding(_ raw: Int8) -> String { raw == 0 ? "SAME" : raw == 1 ? "VALID" : "\(raw)" }
        func activation(_ raw: Int8) -> String { raw >= 0 && Int(raw) < activationNames.count ? activationNames[Int(raw)] : "\(raw)" }
        func list<V>(_ values: [V]?) -> String? { values.map { "[" + $0.map { "\($0)" }.joined(separator: ",") + "]" } }
        typealias U = BuiltinOptionsType
        switch op.builtinOptionsType {
        case U.conv2DOptions:
            guard let o = decode(Conv2DOptions.self) else { break }
            add("stride", pair(o.strideH, o.strideW))
            add("padding", padding(o.padding))
            add("dilation", pair(o.dilationHFactor, o.dilationWFactor))
            add("activation", activation(o.fusedActivationFunction))
        case U.depthwiseConv2DOptions:
            guard let o = decode(DepthwiseConv2DOptions.self) else { break }
            add("stride", pair(o.strideH, o.strideW))
            add("padding", padding(o.padding))
            add("dilation", pair(o.dilationHFactor, o.dilationWFactor))
            add("depth_multiplier", "\(o.depthMultiplier)")
            add("activation", activation(o.fusedActivationFunction))
        case U.pool2DOptions:
            guard let o = decode(Pool2DOptions.self) else { break }
            add("filter", pair(o.filterHeight, o.filterWidth))
            add("stride", pair(o.strideH, o.strideW))
            add("padding", padding(o.padding))
            add("activation", activation(o.fusedActivationFunction))
        case U.fullyConnectedOptions:
            guard let o = decode(FullyConnectedOptions.self) else { break }
            add("activation", activation(o.fusedActivationFunction))
            if o.keepNumDims { add("keep_num_dims", "true") }
            if o.weightsFormat != 0 { add("weights_format", "\(o.weightsFormat)") }
        case U.softmaxOptions:
            add("beta", decode(SoftmaxOptions.self).map { "\($0.beta)" })
        case U.concatenationOptions:
            guard let o = decode(ConcatenationOptions.self) else { break }
            add("axis", "\(o.axis)")
            add("activation", activation(o.fusedActivationFunction))
        case U.addOptions:
            add("activation", decode(AddOptions.self).map { activation($0.fusedActivationFunction) })
        case U.mulOptions:
            add("activation", decode(MulOptions.self).map { activation($0.fusedActivationFunction) })
        case U.subOptions:
            add("activation", decode(SubOptions.self).map { activation($0.fusedActivationFunction) })
        case U.divOptions:
            add("activation", decode(DivOptions.self).map { activation($0.fusedActivationFunction) })
        case U.l2NormOptions:
            add("activation", decode(L2NormOptions.self).map { activation($0.fusedActivationFunction) })
        case U.localResponseNormalizationOptions:
            guard let o = decode(LocalResponseNormalizationOptions.self) else { break }
            add("radius", "\(o.radius)")
            add("bias", "\(o.bias)")
            add("alpha", "\(o.alpha)")
            add("beta", "\(o.beta)")
        case U.resizeBilinearOptions:
            guard let o = decode(ResizeBilinearOptions.self) else { break }
            add("align_corners", "\(o.alignCorners)")
            add("half_pixel_centers", "\(o.halfPixelCenters)")
        case U.resizeNearestNeighborOptions:
            guard let o = decode(ResizeNearestNeighborOptions.self) else { break }
            add("align_corners", "\(o.alignCorners)")
            add("half_pixel_centers", "\(o.halfPixelCenters)")
        case U.reshapeOptions:
            add("new_shape", list(decode(ReshapeOptions.self)?.newShape))
        case U.spaceToDepthOptions:
            add("block_size", decode(SpaceToDepthOptions.self).map { "\($0.blockSize)" })
        case U.depthToSpaceOptions:
            add("block_size", decode(DepthToSpaceOptions.self).map { "\($0.blockSize)" })
        case U.gatherOptions:
            guard let o = decode(GatherOptions.self) else { break }
            add("axis", "\(o.axis)")
            if o.batchDims != 0 { add("batch_dims", "\(o.batchDims)") }
        case U.reducerOptions:
            add("keep_dims", decode(ReducerOptions.self).map { "\($0.keepDims)" })
        case U.squeezeOptions:
            add("squeeze_dims", list(decode(SqueezeOptions.self)?.squeezeDims))
        case U.stridedSliceOptions:
            guard let o = decode(StridedSliceOptions.self) else { break }
            for (name, v) in [("begin_mask", o.beginMask), ("end_mask", o.endMask), ("ellipsis_mask", o.ellipsisMask),
                              ("new_axis_mask", o.newAxisMask), ("shrink_axis_mask", o.shrinkAxisMask)] where v != 0 {
                add(name, "\(v)")
            }
        case U.splitOptions:
            add("num_splits", decode(SplitOptions.self).map { "\($0.numSplits)" })
        case U.splitVOptions:
            add("num_splits", decode(SplitVOptions.self).map { "\($0.numSplits)" })
        case U.transposeConvOptions:
            guard let o = decode(TransposeConvOptions.self) else { break }
            add("stride", pair(o.strideH, o.strideW))
            add("padding", padding(o.padding))
            add("activation", activation(o.fusedActivationFunction))
        case U.packOptions:
            guard let o = decode(PackOptions.self) else { break }
            add("values_count", "\(o.valuesCount)")
            add("axis", "\(o.axis)")
        case U.unpackOptions:
            guard let o = decode(UnpackOptions.self) else { break }
            add("num", "\(o.num)")
            add("axis", "\(o.axis)")
        case U.leakyReluOptions:
            add("alpha", decode(LeakyReluOptions.self).map { "\($0.alpha)" })
        case U.mirrorPadOptions:
            add("mode", decode(MirrorPadOptions.self).map { $0.mode == 0 ? "REFLECT" : $0.mode == 1 ? "SYMMETRIC" : "\($0.mode)" })
        case U.batchMatMulOptions:
            guard let o = decode(BatchMatMulOptions.self) else { break }
            add("adj_x", "\(o.adjX)")
            add("adj_y", "\(o.adjY)")
        case U.bucketizeOptions:
            add("boundaries", list(decode(BucketizeOptions.self)?.boundaries))
        case U.cumsumOptions:
            guard let o = decode(CumsumOptions.self) else { break }
            add("exclusive", "\(o.exclusive)")
            add("reverse", "\(o.reverse)")
        case U.argMaxOptions:
            add("output_type", decode(ArgMaxOptions.self).map { o in TensorType(rawValue: o.outputType).map { "\($0)" } ?? "\(o.outputType)" })
        case U.argMinOptions:
            add("output_type", decode(ArgMinOptions.self).map { o in TensorType(rawValue: o.outputType).map { "\($0)" } ?? "\(o.outputType)" })
        case U.whileOptions:
            guard let o = decode(WhileOptions.self) else { break }
            add("cond_subgraph", "\(o.condSubgraphIndex)")
            add("body_subgraph", "\(o.bodySubgraphIndex)")
        case U.ifOptions:
            guard let o = decode(IfOptions.self) else { break }
            add("then_subgraph", "\(o.thenSubgraphIndex)")
            add("else_subgraph", "\(o.elseSubgraphIndex)")
        case U.conv3DOptions:
            guard let o = decode(Conv3DOptions.self) else { break }
            add("padding", padding(o.padding))
            add("stride", "\(o.strideD)x\(o.strideH)x\(o.strideW)")
            add("activation", activation(o.fusedActivationFunction))
        default:
            break
        }
        return result
    }
}
