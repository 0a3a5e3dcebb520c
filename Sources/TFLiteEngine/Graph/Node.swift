/// One operator of the main subgraph, as the interpreter runs it.
///
/// A class, all of it constant: prepare and the plan's passes copy each
/// step and context many times, and a copy then retains one object, not
/// the index arrays, the custom code and the options' reader state (with
/// the tensors' copies, those retains and releases were about a quarter of
/// a second int8 MobileNetV2 interpreter's start-up; issue 15, measured
/// with `perf`).
final class Node: @unchecked Sendable {
    /// Position in the subgraph's execution order.
    let index: Int
    let op: BuiltinOperator
    /// Custom code when `op == .custom`.
    let customCode: String?
    let version: Int
    /// Tensor indices; -1 marks an omitted optional input.
    let inputs: [Int]
    let outputs: [Int]
    let optionsType: UInt8
    let options: FlatBufferTable?
    let customOptions: UnsafeRawBufferPointer?

    init(index: Int, op: BuiltinOperator, customCode: String?, version: Int, inputs: [Int], outputs: [Int],
         optionsType: UInt8, options: FlatBufferTable?, customOptions: UnsafeRawBufferPointer?) {
        self.index = index
        self.op = op
        self.customCode = customCode
        self.version = version
        self.inputs = inputs
        self.outputs = outputs
        self.optionsType = optionsType
        self.options = options
        self.customOptions = customOptions
    }

    /// Builtin name (e.g. `CONV_2D`) or custom code.
    var name: String { op == .custom ? (customCode ?? "CUSTOM") : op.name }
}

/// Everything the prepare step knows about a tensor.
struct TensorSlot: @unchecked Sendable {
    let index: Int
    let type: TensorType
    var shape: [Int]
    let isVariable: Bool
    /// The name, quantization and sparsity, which prepare never changes.
    let declaration: TensorDeclaration
    /// Constant data: in the model file, or produced by folding at prepare.
    var constant: UnsafeRawPointer?
    /// Set when the tensor's data is folded or transformed data owned elsewhere.
    var constantOwner: AnyObject?
    /// Set when the shape is known only at run time (`shape` is then its
    /// upper bound, the size planned in the arena).
    var runTimeShape: RunTimeShape? = nil

    var name: String { declaration.name }
    var quantization: QuantizationDef? { declaration.quantization }
    var sparsity: SparsityDef? { declaration.sparsity }

    var isConstant: Bool { constant != nil }

    var elementCount: Int { shape.reduce(1, *) }  // overflow ruled out at load/prepare

    var byteCount: Int { elementCount * (type.byteSize ?? 1) }

    var rank: Int { shape.count }

    /// Per-tensor scale (first entry), or 0 when not quantized.
    var scale: Float { quantization?.scale.first ?? 0 }
    /// Per-tensor zero point (first entry), or 0.
    var zeroPoint: Int { Int(quantization?.zeroPoint.first ?? 0) }
}

/// The parts of a tensor's declaration that prepare reads but never changes,
/// in one object made once per model: copying a `TensorSlot` (prepare
/// copies each several times) retains it once, not the name and each of the
/// quantization's four arrays.
final class TensorDeclaration: @unchecked Sendable {
    let name: String
    let quantization: QuantizationDef?
    let sparsity: SparsityDef?

    init(name: String, quantization: QuantizationDef?, sparsity: SparsityDef?) {
        self.name = name
        self.quantization = quantization
        self.sparsity = sparsity
    }
}
