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
    /// The registration of a builtin operator, or nil when the engine has no
    /// kernel for it. A `switch`, not a dictionary: creating a dictionary's
    /// storage makes the Swift runtime look up the key's `Hashable`
    /// conformance, and the first conformance lookup of a process walks every
    /// conformance record of the binary (~0.5 MiB of pages kept resident;
    /// issue 14, peak RSS). Only the operators a model uses are initialised.
    static func builtin(_ op: BuiltinOperator) -> OperatorRegistration? {
        switch op {
        // Convolution and matrix multiplication
        case .conv2D: return Conv2D.registration
        case .depthwiseConv2D: return DepthwiseConv2D.registration
        case .fullyConnected: return FullyConnected.registration
        // Pooling and reductions
        case .maxPool2D: return Pool2D.maxRegistration
        case .averagePool2D: return Pool2D.averageRegistration
        case .mean: return Mean.registration
        case .sum: return Sum.registration
        case .reduceMax: return ReduceMax.registration
        case .argMax: return ArgMax.registration
        case .reduceMin: return ReduceMin.registration
        case .reduceProd: return ReduceProd.registration
        case .argMin: return ArgMin.registration
        case .topkV2: return TopKV2.registration
        case .cumsum: return Cumsum.registration
        case .l2Normalization: return L2Normalization.registration
        // Element-wise
        case .add: return Add.registration
        case .mul: return Mul.registration
        case .sub: return Sub.registration
        case .div: return Div.registration
        case .maximum: return Maximum.registration
        case .minimum: return Minimum.registration
        case .squaredDifference: return SquaredDifference.registration
        case .logistic: return Logistic.registration
        case .tanh: return Tanh.registration
        case .relu: return Relu.registration
        case .relu6: return Relu6.registration
        case .reluN1To1: return ReluN1To1.registration
        case .leakyRelu: return LeakyRelu.registration
        case .hardSwish: return HardSwish.registration
        case .neg: return Neg.registration
        case .gelu: return Gelu.registration
        case .elu: return Elu.registration
        case .exp: return Exp.registration
        case .sqrt: return Sqrt.registration
        case .rsqrt: return Rsqrt.registration
        case .prelu: return Prelu.registration
        case .softmax: return Softmax.registration
        case .logSoftmax: return LogSoftmax.registration
        case .abs: return Abs.registration
        case .square: return Square.registration
        case .log: return Log.registration
        case .floor: return Floor.registration
        case .ceil: return Ceil.registration
        case .round: return Round.registration
        case .sin: return Sin.registration
        case .cos: return Cos.registration
        case .pow: return Pow.registration
        case .floorDiv: return FloorDiv.registration
        case .floorMod: return FloorMod.registration
        case .cast: return Cast.registration
        // Comparisons, logic and selection (bool tensors)
        case .less: return Less.registration
        case .lessEqual: return LessEqual.registration
        case .greater: return Greater.registration
        case .greaterEqual: return GreaterEqual.registration
        case .equal: return Equal.registration
        case .notEqual: return NotEqual.registration
        case .logicalAnd: return LogicalAnd.registration
        case .logicalOr: return LogicalOr.registration
        case .logicalNot: return LogicalNot.registration
        case .select: return Select.registration
        case .selectV2: return Select.v2Registration
        // Shape and layout
        case .reshape: return Reshape.registration
        case .concatenation: return Concatenation.registration
        case .pack: return Pack.registration
        case .pad: return Pad.registration
        case .padv2: return PadV2.registration
        case .resizeBilinear: return ResizeBilinear.registration
        case .resizeNearestNeighbor: return ResizeNearestNeighbor.registration
        case .depthToSpace: return DepthToSpace.registration
        case .spaceToDepth: return SpaceToDepth.registration
        case .stridedSlice: return StridedSlice.registration
        case .slice: return Slice.registration
        case .gather: return Gather.registration
        case .gatherNd: return GatherND.registration
        case .transpose: return Transpose.registration
        case .reverseV2: return ReverseV2.registration
        case .squeeze: return Squeeze.registration
        case .expandDims: return ExpandDims.registration
        case .shape: return Shape.registration
        case .split: return Split.registration
        case .splitV: return SplitV.registration
        case .unpack: return Unpack.registration
        case .tile: return Tile.registration
        case .mirrorPad: return MirrorPad.registration
        case .spaceToBatchNd: return SpaceToBatchND.registration
        case .batchToSpaceNd: return BatchToSpaceND.registration
        case .fill: return Fill.registration
        case .zerosLike: return ZerosLike.registration
        case .range: return RangeOperator.registration
        case .broadcastTo: return BroadcastTo.registration
        case .batchMatmul: return BatchMatMul.registration
        // Recurrent layers
        case .unidirectionalSequenceLstm: return UnidirectionalSequenceLSTM.registration
        case .unidirectionalSequenceRnn: return UnidirectionalSequenceRNN.registration
        // Convolution (transposed)
        case .transposeConv: return TransposeConv.registration
        // Compressed weights (folded at prepare when constant)
        case .dequantize: return Dequantize.registration
        case .densify: return Densify.registration
        // Quantization
        case .quantize: return Quantize.registration
        // Control flow (call other subgraphs)
        case .while: return While.registration
        case .if: return If.registration
        default: return nil
        }
    }

    /// Custom operators, by custom code (a `switch` for the reason given at `builtin`).
    static func custom(_ code: String) -> OperatorRegistration? {
        switch code {
        case "Convolution2DTransposeBias": return TransposeConv.mediaPipeRegistration
        default: return nil
        }
    }

    /// The registration for an operator code, or why there is none.
    static func lookup(_ code: OperatorCodeDef) -> Lookup {
        let registration: OperatorRegistration?
        if code.builtinCode == .custom {
            registration = custom(code.customCode ?? "")
            guard let registration else { return .failure(.init(text: "custom operator without a kernel")) }
            return check(registration, code)
        }
        registration = builtin(code.builtinCode)
        guard let registration else {
            let known = code.builtinCode.rawValue >= 0 && Int(code.builtinCode.rawValue) < BuiltinOperator.names.count
            return .failure(.init(text: known ? "no kernel for this builtin operator" : "unknown builtin code \(code.builtinCode.rawValue)"))
        }
        return check(registration, code)
    }

    private static func check(_ r: OperatorRegistration, _ code: OperatorCodeDef) -> Lookup {
        guard code.version >= 1, code.version <= r.maxVersion else {
            return .failure(.init(text: "version \(code.version) is not supported (up to \(r.maxVersion))"))
        }
        return .success(r)
    }

    struct UnsupportedReason { let text: String }

    /// A registration or why there is none. Not `Result<_, UnsupportedReason>`:
    /// `Result`'s `Failure: Error` requirement is checked by a conformance
    /// lookup when its metadata is made (see `Support/RuntimeLookupFree.swift`).
    enum Lookup {
        case success(OperatorRegistration)
        case failure(UnsupportedReason)
    }

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
