#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TFLiteEngine
import InputFormats

/// `infer MODEL --signature KEY --input-npy NAME=FILE …`: runs one signature
/// of a model with named inputs (resized to the arrays' shapes where the
/// model allows it) and prints, saves or emits as JSON its named outputs;
/// and the signature lines of `infer --inspect`.
enum SignatureCommand {
    /// `--input-npy` values: `NAME=FILE` pairs, or one bare `FILE` when the
    /// signature has exactly one input.
    static func namedInputs(_ values: [String], signature inputs: [String], key: String) throws -> [(name: String, path: String)] {
        var result: [(name: String, path: String)] = []
        for value in values {
            if let eq = value.firstIndex(of: "="), value.startIndex != eq {
                result.append((String(value[..<eq]), String(value[value.index(after: eq)...])))
            } else if values.count == 1, inputs.count == 1 {
                result.append((inputs[0], value))
            } else {
                throw CLIError.usage("with --signature, --input-npy takes NAME=FILE (signature '\(key)' inputs: \(inputs.joined(separator: ", "))), got '\(value)'")
            }
        }
        for (i, entry) in result.enumerated() {
            guard inputs.contains(entry.name) else {
                throw CLIError.usage("signature '\(key)' has no input '\(entry.name)'; its inputs: \(inputs.joined(separator: ", "))")
            }
            if result[..<i].contains(where: { $0.name == entry.name }) {
                throw CLIError.usage("--input-npy gives input '\(entry.name)' twice")
            }
        }
        let missing = inputs.filter { name in !result.contains { $0.name == name } }
        guard missing.isEmpty else {
            throw CLIError.usage("signature '\(key)' needs --input-npy for \(missing.map { "'\($0)'" }.joined(separator: ", "))")
        }
        return result
    }

    static func run(_ request: RunRequest, key: String) throws {
        guard request.image == nil else {
            throw CLIError.usage("--signature runs on --input-npy NAME=FILE tensors, not on an IMAGE")
        }
        let options = Interpreter.Options(threadCount: request.threads, backend: request.backend)
        var timings = Timings()
        let runner: SignatureRunner
        (runner, timings.load) = try timed {
            let interpreter = try Interpreter(model: try Model(path: request.model), options: options)
            return try interpreter.signatureRunner(with: key)
        }
        let inputs = try namedInputs(request.npyInputs, signature: runner.inputs, key: key)
        let arrays = try inputs.map { entry -> NumPyArray in
            do { return try NumPyArray(contentsOfFile: entry.path) } catch let e as NumPyArray.FormatError {
                throw CLIError.runtime(e.reason.hasPrefix("cannot read") ? e.reason : "'\(entry.path)' is not a valid .npy file: \(e.reason)")
            }
        }
        for (entry, array) in zip(inputs, arrays) {
            let declared = try runner.input(named: entry.name)
            guard array.type == declared.dataType else {
                throw CLIError.runtime("'\(entry.path)' is \(array.type), input '\(entry.name)' is \(declared.dataType)")
            }
            if declared.shape.dimensions != array.shape {
                try runner.resizeInput(named: entry.name, to: Tensor.Shape(array.shape))
            }
        }
        ((), timings.allocate) = try timed { try runner.allocateTensors() }
        for (entry, array) in zip(inputs, arrays) { try runner.copy(array.data, toInputNamed: entry.name) }
        ((), timings.invoke) = try timed { try runner.invoke() }
        let outputs = try runner.outputs.map { (name: $0, tensor: try runner.output(named: $0)) }

        if let dir = request.saveOutputs {
            try Runner.saveOutputs(outputs.map { (file: $0.name, what: "output '\($0.name)'", tensor: $0.tensor) }, to: dir)
        }
        if request.json {
            let fields: [(String, JSON)] = [
                ("model", .string(request.model)), ("signature", .string(key)),
                ("inputs", .object(zip(inputs, arrays).map { ($0.name, .object([("file", .string($0.path)), ("shape", .array($1.shape.map { .int($0) }))])) })),
                ("outputs", .object(outputs.map { name, t in
                    (name, .object([("type", .string("\(t.dataType)")), ("shape", .array(t.shape.dimensions.map { .int($0) })),
                                    ("values", .array(values(t).map { .number(Double($0)) }))]))
                })),
                ("backend", .string(runner.interpreter.activeBackendName)), ("threads", .int(runner.interpreter.activeThreadCount)),
                ("load_ms", .number(timings.load)), ("allocate_ms", .number(timings.allocate)), ("invoke_ms", .number(timings.invoke)),
            ] + (request.saveOutputs.map { [("saved_outputs", JSON.string($0))] } ?? [])
            print(JSON.object(fields).rendered)
            return
        }
        print("model:     \(request.model)")
        print("signature: \(key)")
        for (entry, array) in zip(inputs, arrays) {
            print("input:     \(entry.name) = \(entry.path) \(array.type) \(array.shape)")
        }
        for (name, t) in outputs {
            let shown = values(t)
            let text = shown.prefix(8).map { Runner.formatScore($0) }.joined(separator: ", ") + (shown.count > 8 ? ", … (\(shown.count) values)" : "")
            print("output:    \(name) \(t.dataType) \(t.shape): [\(text)]")
        }
        if let dir = request.saveOutputs { print("saved \(outputs.count) output\(outputs.count == 1 ? "" : "s") to \(dir) as NAME.npy") }
        print("backend:   \(runner.interpreter.activeBackendName), \(runner.interpreter.activeThreadCount) thread\(runner.interpreter.activeThreadCount == 1 ? "" : "s")")
        print("time:      load \(Runner.fixed(timings.load)) ms, allocate \(Runner.fixed(timings.allocate)) ms, invoke \(Runner.fixed(timings.invoke)) ms")
    }

    /// A tensor's values as floats (dequantized when quantized).
    static func values(_ t: Tensor) -> [Float] {
        let q = t.quantizationParameters
        func dq(_ v: Float) -> Float { q.map { $0.scale * (v - Float($0.zeroPoint)) } ?? v }
        switch t.dataType {
        case .float32: return t.toArray(of: Float.self)
        case .int8: return t.toArray(of: Int8.self).map { dq(Float($0)) }
        case .uint8: return t.toArray(of: UInt8.self).map { dq(Float($0)) }
        case .int16: return t.toArray(of: Int16.self).map { dq(Float($0)) }
        case .int32: return t.toArray(of: Int32.self).map { Float($0) }
        case .int64: return t.toArray(of: Int64.self).map { Float($0) }
        case .bool: return t.toArray(of: UInt8.self).map { $0 != 0 ? 1 : 0 }
        default: return []
        }
    }

    // MARK: --inspect

    /// One line per signature and one per named tensor.
    static func inspectLines(_ model: Model) -> [String] {
        let signatures = model.signatureDescriptions
        guard !signatures.isEmpty else { return ["signatures: none"] }
        var lines = ["signatures: \(signatures.count)"]
        func describe(_ e: SignatureDescription.TensorEntry) -> String {
            let shape = "[" + e.shape.map(String.init).joined(separator: ",") + "]"
            let signature = e.shapeSignature.flatMap { $0 == e.shape ? nil : " (signature [" + $0.map(String.init).joined(separator: ",") + "])" } ?? ""
            return "\(e.name): [\(e.tensorIndex)] \(Inspect.shorten(e.tensorName, 48))  \(e.type) \(shape)\(signature)"
        }
        for s in signatures {
            lines.append("  '\(s.key)' (subgraph \(s.subgraphIndex)): \(s.inputs.count) input\(s.inputs.count == 1 ? "" : "s"), \(s.outputs.count) output\(s.outputs.count == 1 ? "" : "s")")
            for e in s.inputs { lines.append("    in:  " + describe(e)) }
            for e in s.outputs { lines.append("    out: " + describe(e)) }
        }
        return lines
    }

    /// The signatures for `infer --inspect --json`.
    static func inspectJSON(_ model: Model) -> JSON {
        func entry(_ e: SignatureDescription.TensorEntry) -> JSON {
            .object([("name", .string(e.name)), ("tensor", .int(e.tensorIndex)), ("tensor_name", .string(e.tensorName)),
                     ("type", .string("\(e.type)")), ("shape", .array(e.shape.map { .int($0) })),
                     ("shape_signature", e.shapeSignature.map { .array($0.map { .int($0) }) } ?? .null)])
        }
        return .array(model.signatureDescriptions.map { s in
            .object([("key", .string(s.key)), ("subgraph", .int(s.subgraphIndex)),
                     ("inputs", .array(s.inputs.map(entry))), ("outputs", .array(s.outputs.map(entry)))])
        })
    }
}
