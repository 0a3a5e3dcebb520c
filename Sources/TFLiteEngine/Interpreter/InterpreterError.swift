/// Errors thrown while loading, validating, preparing or running a model.
///
/// Every case names what is wrong and where: a location such as
/// `Model.subgraphs[0].tensors[12].shape` or `node 7 (CONV_2D)`, and a reason.
public enum InterpreterError: Error, Equatable, Hashable, Sendable {
    /// The model file could not be opened, mapped or read.
    case failedToLoadModel(path: String, reason: String)
    /// The bytes are not a well-formed TFLite FlatBuffer (bad identifier,
    /// an offset, vtable, vector or string outside the file, …).
    case malformedModel(location: String, reason: String)
    /// The FlatBuffer is well formed but describes an invalid model (an index
    /// out of range, a buffer of the wrong length, a cycle, …).
    case invalidModel(location: String, reason: String)
    /// One or more operators have no kernel here. All of them are listed.
    case unsupportedOperators([UnsupportedOperator])
    /// An operator's inputs, outputs, types, shapes or options are invalid for it.
    case invalidOperator(node: Int, op: String, reason: String)
    /// A planned size exceeds what the interpreter is allowed to allocate.
    case allocationTooLarge(what: String, bytes: Int, limit: Int)
    /// The system could not provide memory the interpreter needed (a size
    /// within the interpreter's limits, on a device short of memory).
    case outOfMemory(bytes: Int)
    /// One invoke would need more arithmetic than the interpreter allows
    /// (a small file can describe an enormous computation, e.g. a pooling
    /// window of millions of rows).
    case workTooLarge(node: Int, op: String, operations: Int, limit: Int)
    /// The index is not a valid input or output index.
    case invalidTensorIndex(index: Int, maxIndex: Int)
    /// The data given for a tensor has the wrong byte count.
    case invalidTensorDataCount(provided: Int, required: Int)
    /// The tensor's element type is not the one the call needs.
    case invalidTensorDataType(expected: String, actual: String)
    /// The interpreter was asked to resize to an invalid shape.
    case failedToResizeInputTensor(index: Int, reason: String)
    /// `allocateTensors()` must be called before this operation.
    case allocateTensorsRequired
    /// The model has no signature with this key; `available` lists its keys.
    case unknownSignature(key: String, available: [String])
    /// The signature has no input (or output) of this name; `available` lists them.
    case unknownTensorName(name: String, signature: String, available: [String])
    /// A backend refused or failed; the message says which and why.
    case backendError(backend: String, reason: String)
    /// The same interpreter was used from two threads at once.
    case concurrentUse
}

/// An operator the engine cannot run, as found in the model.
public struct UnsupportedOperator: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Builtin operator name (e.g. `"LSTM"`) or custom code (e.g. `"TFLite_Detection_PostProcess"`).
    public let name: String
    /// The operator version recorded in the model.
    public let version: Int
    /// Index of the node in the main subgraph's execution order.
    public let nodeIndex: Int
    /// Why it is unsupported (unknown op, version too new, custom op…).
    public let reason: String

    /// `node <index>: <name> v<version> (<reason>)`.
    public var description: String { "node \(nodeIndex): \(name) v\(version) (\(reason))" }
}

extension InterpreterError: CustomStringConvertible {
    /// One line saying what is wrong and where, e.g.
    /// `invalid model at Model.subgraphs[0].tensors[3] 'conv/filter': …`.
    public var description: String {
        switch self {
        case let .failedToLoadModel(path, reason):
            return "cannot load model '\(path)': \(reason)"
        case let .malformedModel(location, reason):
            return "malformed model at \(location): \(reason)"
        case let .invalidModel(location, reason):
            return "invalid model at \(location): \(reason)"
        case let .unsupportedOperators(ops):
            let list = ops.map(\.description).joined(separator: "; ")
            return "\(ops.count) unsupported operator\(ops.count == 1 ? "" : "s"): \(list)"
        case let .invalidOperator(node, op, reason):
            return "node \(node) (\(op)): \(reason)"
        case let .allocationTooLarge(what, bytes, limit):
            return "\(what) needs \(bytes) bytes, more than the limit of \(limit) bytes"
        case let .outOfMemory(bytes):
            return "the system could not provide \(bytes) bytes of memory"
        case let .workTooLarge(node, op, operations, limit):
            return "node \(node) (\(op)) brings one invoke to \(operations) operations, more than the limit of \(limit)"
        case let .invalidTensorIndex(index, maxIndex):
            return "tensor index \(index) is out of range 0...\(maxIndex)"
        case let .invalidTensorDataCount(provided, required):
            return "tensor data has \(provided) bytes, \(required) required"
        case let .invalidTensorDataType(expected, actual):
            return "tensor data type is \(actual), expected \(expected)"
        case let .failedToResizeInputTensor(index, reason):
            return "cannot resize input \(index): \(reason)"
        case .allocateTensorsRequired:
            return "allocateTensors() must be called first"
        case let .unknownSignature(key, available):
            return "the model has no signature '\(key)'; its signatures: \(available.isEmpty ? "none" : available.joined(separator: ", "))"
        case let .unknownTensorName(name, signature, available):
            return "signature '\(signature)' has no tensor '\(name)'; expected one of \(available.joined(separator: ", "))"
        case let .backendError(backend, reason):
            return "backend '\(backend)': \(reason)"
        case .concurrentUse:
            return "the interpreter was used from two threads at once; use one interpreter per thread"
        }
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension InterpreterError: LocalizedError {
    /// The same text as ``description``.
    public var errorDescription: String? { description }
}
