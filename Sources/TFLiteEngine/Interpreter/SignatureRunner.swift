#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Interpreter {
    /// The keys of the model's signatures (`SignatureDef`s), in model order:
    /// `["serving_default"]` for a converted Keras model, one per exported
    /// `tf.function` for a `tf.Module`; empty when the model has none.
    public var signatureKeys: [String] { model.signatures.map(\.key) }

    /// A runner for the signature `key`, with its own tensors and
    /// allocation (an interpreter over the signature's subgraph, with this
    /// interpreter's options), as TensorFlowLiteSwift's
    /// `signatureRunner(with:)` and LiteRT's `get_signature_runner(key)`.
    ///
    /// Throws `InterpreterError.unknownSignature` when the model has no such
    /// key, and `InterpreterError.invalidModel` when the signature names a
    /// tensor that is not an input (or output) of its subgraph.
    public func signatureRunner(with key: String) throws -> SignatureRunner {
        guard let signature = model.signatures.first(where: { $0.key == key }) else {
            throw InterpreterError.unknownSignature(key: key, available: signatureKeys)
        }
        return try SignatureRunner(model: model, signature: signature, options: options)
    }
}

/// Runs one signature of a model: inputs and outputs by name, as
/// TensorFlowLiteSwift's `SignatureRunner` and LiteRT's signature runner.
///
/// ```swift
/// let runner = try interpreter.signatureRunner(with: "add")
/// try runner.resizeInput(named: "x", to: [2, 3])     // optional
/// try runner.allocateTensors()
/// try runner.copy(xData, toInputNamed: "x")
/// try runner.invoke()
/// let sum = try runner.output(named: "output_0").toArray(of: Float.self)
/// ```
///
/// Each runner owns an interpreter of the signature's subgraph, so runners
/// of one model have separate arenas and can be used from different
/// threads (one thread per runner at a time, like `Interpreter`).
public final class SignatureRunner {
    /// The signature's key.
    public let signatureKey: String
    /// Input names, in the signature's order.
    public let inputs: [String]
    /// Output names, in the signature's order.
    public let outputs: [String]
    /// The interpreter of the signature's subgraph (its inputs and outputs
    /// are the subgraph's, in the subgraph's order).
    public let interpreter: Interpreter
    /// Position in the subgraph's inputs of each named input.
    private let inputPositions: [String: Int]
    /// Position in the subgraph's outputs of each named output.
    private let outputPositions: [String: Int]

    init(model: Model, signature: SignatureDef, options: Interpreter.Options) throws {
        let location = "Model.signature_defs (\(signature.key))"
        let subgraph = model.def.subgraphs[signature.subgraphIndex]
        func positions(_ entries: [(name: String, tensorIndex: Int)], in list: [Int], _ role: String) throws -> [String: Int] {
            var result: [String: Int] = [:]
            for entry in entries {
                guard let p = list.firstIndex(of: entry.tensorIndex) else {
                    throw InterpreterError.invalidModel(
                        location: location,
                        reason: "\(role) '\(entry.name)' is tensor \(entry.tensorIndex), which is not an \(role) of subgraph \(signature.subgraphIndex)")
                }
                guard result.updateValue(p, forKey: entry.name) == nil else {
                    throw InterpreterError.invalidModel(location: location, reason: "\(role) name '\(entry.name)' appears twice")
                }
            }
            return result
        }
        inputPositions = try positions(signature.inputs, in: subgraph.inputs, "input")
        outputPositions = try positions(signature.outputs, in: subgraph.outputs, "output")
        signatureKey = signature.key
        inputs = signature.inputs.map(\.name)
        outputs = signature.outputs.map(\.name)
        interpreter = try Interpreter(model: model, options: options, subgraphIndex: signature.subgraphIndex)
    }

    private func inputPosition(_ name: String) throws -> Int {
        guard let p = inputPositions[name] else {
            throw InterpreterError.unknownTensorName(name: name, signature: signatureKey, available: inputs)
        }
        return p
    }

    private func outputPosition(_ name: String) throws -> Int {
        guard let p = outputPositions[name] else {
            throw InterpreterError.unknownTensorName(name: name, signature: signatureKey, available: outputs)
        }
        return p
    }

    /// Changes the shape of the input `name`, under the same rules as
    /// `Interpreter.resizeInput(at:to:)`; call `allocateTensors()` afterwards.
    public func resizeInput(named name: String, to shape: Tensor.Shape) throws {
        try interpreter.resizeInput(at: try inputPosition(name), to: shape)
    }

    /// TensorFlowLiteSwift's spelling of `resizeInput(named:to:)`.
    public func resizeInput(named name: String, toShape shape: Tensor.Shape) throws {
        try resizeInput(named: name, to: shape)
    }

    /// Prepares the signature's subgraph and allocates its arena.
    public func allocateTensors() throws { try interpreter.allocateTensors() }

    /// Runs the signature on the current inputs.
    public func invoke() throws { try interpreter.invoke() }

    /// Copies each `(name, bytes)` of `inputs` into the input of that name
    /// (allocating tensors first if needed), then runs the signature, as
    /// TensorFlowLiteSwift's `invoke(with:)`.
    public func invoke(with inputs: [String: Data]) throws {
        if interpreter.plan == nil { try allocateTensors() }
        for (name, data) in inputs { try copy(data, toInputNamed: name) }
        try invoke()
    }

    /// The input `name` (a copy of its current bytes).
    public func input(named name: String) throws -> Tensor {
        try interpreter.input(at: try inputPosition(name))
    }

    /// The output `name` (a copy of its current bytes).
    public func output(named name: String) throws -> Tensor {
        try interpreter.output(at: try outputPosition(name))
    }

    /// Copies `data` into the input `name`; its size must match exactly.
    @discardableResult
    public func copy(_ data: Data, toInputNamed name: String) throws -> Tensor {
        try interpreter.copy(data, toInputAt: try inputPosition(name))
    }
}
