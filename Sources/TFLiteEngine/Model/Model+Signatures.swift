/// One signature of a model as declared: its key, subgraph, and named
/// input and output tensors (for listing, e.g. `infer --inspect`).
public struct SignatureDescription: Sendable, Equatable {
    /// A named tensor of a signature.
    public struct TensorEntry: Sendable, Equatable {
        /// The signature's name for the tensor (`x`, `output_0`).
        public let name: String
        /// The tensor's index in the signature's subgraph.
        public let tensorIndex: Int
        /// The tensor's own name in the model.
        public let tensorName: String
        /// Element type.
        public let type: TensorType
        /// Declared shape.
        public let shape: [Int]
        /// The converter's shape signature (−1 marks a dimension that
        /// `resizeInput` may change), or nil when the model has none.
        public let shapeSignature: [Int]?
    }

    /// The signature key (`serving_default`, or the name given at export).
    public let key: String
    /// Index of the subgraph the signature runs.
    public let subgraphIndex: Int
    /// Named inputs, in the signature's order.
    public let inputs: [TensorEntry]
    /// Named outputs, in the signature's order.
    public let outputs: [TensorEntry]
}

extension Model {
    /// Every signature with its named tensors' types and shapes, in model order.
    public var signatureDescriptions: [SignatureDescription] {
        signatures.map { signature in
            let tensors = def.subgraphs[signature.subgraphIndex].tensors
            func entries(_ list: [(name: String, tensorIndex: Int)]) -> [SignatureDescription.TensorEntry] {
                list.map { entry in
                    let t = tensors[entry.tensorIndex]
                    return .init(name: entry.name, tensorIndex: entry.tensorIndex, tensorName: t.name, type: t.type,
                                 shape: t.shape, shapeSignature: t.shapeSignature)
                }
            }
            return SignatureDescription(key: signature.key, subgraphIndex: signature.subgraphIndex,
                                        inputs: entries(signature.inputs), outputs: entries(signature.outputs))
        }
    }
}
