/// How the engine runs one kind of operator.
struct OperatorRegistration: Sendable {
    /// Highest operator version this kernel understands.
    let maxVersion: Int
    /// Output 0 may share input 0's memory (RESHAPE-like ops that do not change bytes).
    var aliasesInput: Bool = false
    /// Whether the op may be evaluated once at prepare when all its inputs are constant.
    var foldable: Bool = true
    /// The outputs depend only on input shapes (SHAPE): fold at prepare even
    /// when the inputs are computed at run time.
    var dependsOnlyOnShapes: Bool = false
    /// The op accepts inputs whose shape is known only at run time (`RunTimeShape`).
    var readsRunTimeShapes: Bool = false
    /// Checks the node and returns its kernel (TFLite's Prepare).
    let prepare: @Sendable (PrepareContext) throws -> Kernel
}

/// The table of operators the engine supports.
///
/// Each op lives in its own file under `Kernels/` and exposes a
/// `registration`; this table maps schema codes to them. Keep one line per
/// op, grouped as below.
enum OperatorRegistry {
    static let builtins: [BuiltinOperator: OperatorRegistration] = {
        var r: [BuiltinOperator: OperatorRegistration] = [:]
        // Convolution and matrix multiplication
        r[.conv2D] = Conv2D.registration
        r[.depthwiseConv2D] = DepthwiseConv2D.registration
        r[.fullyConnected] = FullyConnected.registration
        // Pooling and reductions
        r[.maxPool2D] = Pool2D.maxRegistration
        r[.averagePool2D] = Pool2D.averageRegistration
        r[.mean] = Mean.registration
        r[.sum] = Sum.registration
        r[.reduceMax] = ReduceMax.registration
        r[.argMax] = ArgMax.registration
        r[.reduceMin] = ReduceMin.registration
        r[.reduceProd] = ReduceProd.registration
        r[.argMin] = ArgMin.registration
        r[.topkV2] = TopKV2.registration
        r[.cumsum] = Cumsum.registration
        r[.l2Normalization] = L2Normalization.registration
        // Element-wise
        r[.add] = Add.registration
        r[.mul] = Mul.registration
        r[.sub] = Sub.registration
        r[.div] = Div.registration
        r[.maximum] = Maximum.registration
        r[.minimum] = Minimum.registration
        r[.squaredDifference] = SquaredDifference.registration
        r[.logistic] = Logistic.registration
        r[.tanh] = Tanh.registration
        r[.relu] = Relu.registration
        r[.relu6] = Relu6.registration
        r[.reluN1To1] = ReluN1To1.registration
        r[.leakyRelu] = LeakyRelu.registration
        r[.hardSwish] = HardSwish.registration
        r[.neg] = Neg.registration
        r[.gelu] = Gelu.registration
        r[.elu] = Elu.registration
        r[.exp] = Exp.registration
        r[.sqrt] = Sqrt.registration
        r[.rsqrt] = Rsqrt.registration
        r[.prelu] = Prelu.registration
        r[.softmax] = Softmax.registration
        r[.logSoftmax] = LogSoftmax.registration
        r[.abs] = Abs.registration
        r[.square] = Square.registration
        r[.log] = Log.registration
        r[.floor] = Floor.registration
        r[.ceil] = Ceil.registration
        r[.round] = Round.registration
        r[.sin] = Sin.registration
        r[.cos] = Cos.registration
        r[.pow] = Pow.registration
        r[.floorDiv] = FloorDiv.registration
        r[.floorMod] = FloorMod.registration
        r[.cast] = Cast.registration
        // Comparisons, logic and selection (bool tensors)
        r[.less] = Less.registration
        r[.lessEqual] = LessEqual.registration
        r[.greater] = Greater.registration
        r[.greaterEqual] = GreaterEqual.registration
        r[.equal] = Equal.registration
        r[.notEqual] = NotEqual.registration
        r[.logicalAnd] = LogicalAnd.registration
        r[.logicalOr] = LogicalOr.registration
        r[.logicalNot] = LogicalNot.registration
        r[.select] = Select.registration
        r[.selectV2] = Select.v2Registration
        // Shape and layout
        r[.reshape] = Reshape.registration
        r[.concatenation] = Concatenation.registration
        r[.pack] = Pack.registration
        r[.pad] = Pad.registration
        r[.padv2] = PadV2.registration
        r[.resizeBilinear] = ResizeBilinear.registration
        r[.resizeNearestNeighbor] = ResizeNearestNeighbor.registration
        r[.depthToSpace] = DepthToSpace.registration
        r[.spaceToDepth] = SpaceToDepth.registration
        r[.stridedSlice] = StridedSlice.registration
        r[.slice] = Slice.registration
        r[.gather] = Gather.registration
        r[.gatherNd] = GatherND.registration
        r[.transpose] = Transpose.registration
        r[.reverseV2] = ReverseV2.registration
        r[.squeeze] = Squeeze.registration
        r[.expandDims] = ExpandDims.registration
        r[.shape] = Shape.registration
        r[.split] = Split.registration
        r[.splitV] = SplitV.registration
        r[.unpack] = Unpack.registration
        r[.tile] = Tile.registration
        r[.mirrorPad] = MirrorPad.registration
        r[.spaceToBatchNd] = SpaceToBatchND.registration
        r[.batchToSpaceNd] = BatchToSpaceND.registration
        r[.fill] = Fill.registration
        r[.zerosLike] = ZerosLike.registration
        r[.range] = RangeOperator.registration
        r[.broadcastTo] = BroadcastTo.registration
        r[.batchMatmul] = BatchMatMul.registration
        // Recurrent layers
        r[.unidirectionalSequenceLstm] = UnidirectionalSequenceLSTM.registration
        r[.unidirectionalSequenceRnn] = UnidirectionalSequenceRNN.registration
        // Convolution (transposed)
        r[.transposeConv] = TransposeConv.registration
        // Compressed weights (folded at prepare when constant)
        r[.dequantize] = Dequantize.registration
        r[.densify] = Densify.registration
        // Quantization
        r[.quantize] = Quantize.registration
        // Control flow (call other subgraphs)
        r[.while] = While.registration
        r[.if] = If.registration
        return r
    }()

    /// Custom operators, by custom code.
    static let customs: [String: OperatorRegistration] = [
        "Convolution2DTransposeBias": TransposeConv.mediaPipeRegistration,
    ]

    /// The registration for an operator code, or why there is none.
    static func lookup(_ code: OperatorCodeDef) -> Result<OperatorRegistration, UnsupportedReason> {
        let registration: OperatorRegistration?
        if code.builtinCode == .custom {
            registration = customs[code.customCode ?? ""]
            guard let registration else { return .failure(.init(text: "custom operator without a kernel")) }
            return check(registration, code)
        }
        registration = builtins[code.builtinCode]
        guard let registration else {
            let known = code.builtinCode.rawValue >= 0 && Int(code.builtinCode.rawValue) < BuiltinOperator.names.count
            return .failure(.init(text: known ? "no kernel for this builtin operator" : "unknown builtin code \(code.builtinCode.rawValue)"))
        }
        return check(registration, code)
    }

    private static func check(_ r: OperatorRegistration, _ code: OperatorCodeDef) -> Result<OperatorRegistration, UnsupportedReason> {
        guard code.version >= 1, code.version <= r.maxVersion else {
            return .failure(.init(text: "version \(code.version) is not supported (up to \(r.maxVersion))"))
        }
        return .success(r)
    }

    struct UnsupportedReason: Error { let text: String }

    /// Every operator of a subgraph (default: the main one) without a kernel, in node order.
    static func unsupportedOperators(in model: ModelDef, subgraph: Int = 0) -> [UnsupportedOperator] {
        var result: [UnsupportedOperator] = []
        for (n, op) in model.subgraphs[subgraph].operators.enumerated() {
            let code = model.operatorCodes[op.opcodeIndex]
            if case let .failure(reason) = lookup(code) {
                result.append(UnsupportedOperator(name: code.name, version: code.version, nodeIndex: n, reason: reason.text))
            }
        }
        return result
    }
}
