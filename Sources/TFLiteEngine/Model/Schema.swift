/// The parts of the TFLite schema the engine reads, decoded from the
/// FlatBuffer once at load. Constant data is not copied: buffers are byte
/// ranges into the model file.
///
/// Field slots (vtable offsets) are from schema.fbs; `tools/dump_schema.py`
/// prints them from the schema shipped with LiteRT.

/// Per-tensor or per-axis quantization (`QuantizationParameters`).
public struct QuantizationDef: Sendable, Equatable {
    /// Scales: one per tensor, or one per channel along ``quantizedDimension``.
    public var scale: [Float]
    /// Zero points, one per scale.
    public var zeroPoint: [Int64]
    /// The axis per-channel scales run along.
    public var quantizedDimension: Int
    /// Recorded minimum values (informational; the engine does not use them).
    public var min: [Float]
    /// Recorded maximum values (informational; the engine does not use them).
    public var max: [Float]
    /// True when the details union holds something other than NONE (custom or blockwise quantization).
    public var hasUnsupportedDetails: Bool

    /// True when scale/zero-point are present (a quantized tensor).
    public var isQuantized: Bool { !scale.isEmpty }
}

/// One dimension of a sparse tensor's storage (`DimensionMetadata`).
struct DimensionMetadataDef: Sendable, Equatable {
    enum Format: Int8 { case dense = 0, sparseCSR = 1 }
    var format: Format
    var denseSize: Int
    var arraySegments: [Int32]
    var arrayIndices: [Int32]
}

/// Sparse storage description (`SparsityParameters`).
struct SparsityDef: Sendable, Equatable {
    var traversalOrder: [Int32]
    var blockMap: [Int32]
    var dimensionMetadata: [DimensionMetadataDef]
}

/// A tensor declaration (`Tensor`).
struct TensorDef: Sendable {
    var name: String
    var shape: [Int]
    var shapeSignature: [Int]?
    var type: TensorType
    var buffer: Int
    var quantization: QuantizationDef?
    var isVariable: Bool
    var sparsity: SparsityDef?
}

/// An operator instance (`Operator`).
struct OperatorDef: @unchecked Sendable {
    var opcodeIndex: Int
    /// Tensor indices; -1 marks an omitted optional input.
    var inputs: [Int]
    var outputs: [Int]
    var intermediates: [Int]
    var builtinOptionsType: UInt8
    /// The options table; nil when the union is NONE.
    var builtinOptions: FlatBufferTable?
    var builtinOptions2Type: UInt8
    var builtinOptions2: FlatBufferTable?
    /// Byte range of custom options in the model bytes.
    var customOptions: Range<Int>?
}

/// An entry of the operator-code table (`OperatorCode`).
struct OperatorCodeDef: Sendable {
    /// Effective code: `max(builtin_code, deprecated_builtin_code)`.
    var builtinCode: BuiltinOperator
    var customCode: String?
    var version: Int

    var name: String { builtinCode == .custom ? (customCode ?? "CUSTOM") : builtinCode.name }
}

/// A subgraph (`SubGraph`); operators are in execution order.
struct SubGraphDef: Sendable {
    var name: String
    var tensors: [TensorDef]
    var inputs: [Int]
    var outputs: [Int]
    var operators: [OperatorDef]
}

/// A signature (`SignatureDef`): named inputs and outputs of a subgraph.
public struct SignatureDef: Sendable, Equatable {
    /// The signature's key (its name, e.g. `serving_default`).
    public var key: String
    /// Input names with the index of the tensor each names in the signature's subgraph.
    public var inputs: [(name: String, tensorIndex: Int)]
    /// Output names with the index of the tensor each names in the signature's subgraph.
    public var outputs: [(name: String, tensorIndex: Int)]
    /// The subgraph the signature runs.
    public var subgraphIndex: Int

    /// Equal when key, subgraph, and every input and output name and index are equal.
    public static func == (a: SignatureDef, b: SignatureDef) -> Bool {
        a.key == b.key && a.subgraphIndex == b.subgraphIndex
            && a.inputs.map(\.name) == b.inputs.map(\.name) && a.inputs.map(\.tensorIndex) == b.inputs.map(\.tensorIndex)
            && a.outputs.map(\.name) == b.outputs.map(\.name) && a.outputs.map(\.tensorIndex) == b.outputs.map(\.tensorIndex)
    }
}

/// A whole model (`Model`).
struct ModelDef: Sendable {
    var version: UInt32
    var operatorCodes: [OperatorCodeDef]
    var subgraphs: [SubGraphDef]
    var description: String?
    /// For each buffer, the byte range of its data in the model bytes (nil when empty).
    var buffers: [BufferSpan?]
    var metadata: [(name: String, buffer: Int)]
    var signatureDefs: [SignatureDef]
}

/// The bytes of one buffer's data in the model file: `lowerBound ..< lowerBound + count`.
///
/// A concrete struct rather than `Range<Int>`: allocating an array of
/// `Range<Int>?` instantiates its metadata through the Swift runtime, which
/// checks `Range`'s `Comparable` requirement with a protocol-conformance
/// lookup, and the first such lookup of a process walks every conformance
/// record of the binary (~0.5 MiB of pages faulted in and kept resident;
/// issue 14, peak RSS). Loading a model makes no such lookup.
struct BufferSpan: Sendable {
    let lowerBound: Int
    let count: Int
}
