/// One operator of the main subgraph, as the interpreter runs it.
struct Node: @unchecked Sendable {
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

    /// Builtin name (e.g. `CONV_2D`) or custom code.
    var name: String { op == .custom ? (customCode ?? "CUSTOM") : op.name }
}

/// Everything the prepare step knows about a tensor.
struct TensorSlot: @unchecked Sendable {
    let index: Int
    let name: String
    let type: TensorType
    var shape: [Int]
    let quantization: QuantizationDef?
    let sparsity: SparsityDef?
    let isVariable: Bool
    /// Constant data: in the model file, or produced by folding at prepare.
    var constant: UnsafeRawPointer?
    /// Set when the tensor's data is folded or transformed data owned elsewhere.
    var constantOwner: AnyObject?
    /// Set when the shape is known only at run time (`shape` is then its
    /// upper bound, the size planned in the arena).
    var runTimeShape: RunTimeShape? = nil

    var isConstant: Bool { constant != nil }

    var elementCount: Int { shape.reduce(1, *) }  // overflow ruled out at load/prepare

    var byteCount: Int { elementCount * (type.byteSize ?? 1) }

    var rank: Int { shape.count }

    /// Per-tensor scale (first entry), or 0 when not quantized.
    var scale: Float { quantization?.scale.first ?? 0 }
    /// Per-tensor zero point (first entry), or 0.
    var zeroPoint: Int { Int(quantization?.zeroPoint.first ?? 0) }
}
