// Signatures (`Interpreter.signatureKeys`, `SignatureRunner`) against
// LiteRT's signature runner (`tools/make_signature_fixtures.py`,
// `Fixtures/signatures/`), threads that mean threads, delegates in
// `Options`, and the README's "Resizing, signatures, threads" snippet.

import Foundation
import Testing
@testable import TFLiteEngine
import InputFormats

private let signatureDirectory = Fixtures.directory("signatures")
private let signatureModel = signatureDirectory.appendingPathComponent("two_signatures.tflite").path

private struct SignatureManifest: Decodable {
    struct Signature: Decodable {
        let key: String
        let inputs: [String: String]
        let outputs: [String: String]
    }
    let model: String
    let signatures: [Signature]
}

private func npy(_ file: String) throws -> NumPyArray {
    try NumPyArray(contentsOfFile: signatureDirectory.appendingPathComponent(file).path)
}

@Suite("Signatures")
struct SignatureTests {
    @Test("a two-signature model is called by key with named tensors and matches LiteRT's signature runner")
    func matchesLiteRT() throws {
        let manifest = try JSONDecoder().decode(SignatureManifest.self, from: Data(contentsOf: signatureDirectory.appendingPathComponent("manifest.json")))
        let interpreter = try Interpreter(modelPath: signatureModel)
        #expect(interpreter.signatureKeys == manifest.signatures.map(\.key))
        #expect(interpreter.signatureKeys == ["add", "dense_head"])
        for signature in manifest.signatures {
            let runner = try interpreter.signatureRunner(with: signature.key)
            #expect(runner.signatureKey == signature.key)
            #expect(Set(runner.inputs) == Set(signature.inputs.keys))
            #expect(Set(runner.outputs) == Set(signature.outputs.keys))
            for (name, file) in signature.inputs {
                let array = try npy(file)
                if try runner.input(named: name).shape.dimensions != array.shape {
                    try runner.resizeInput(named: name, to: Tensor.Shape(array.shape))
                }
            }
            try runner.allocateTensors()
            for (name, file) in signature.inputs { try runner.copy(try npy(file).data, toInputNamed: name) }
            try runner.invoke()
            for (name, file) in signature.outputs.sorted(by: { $0.key < $1.key }) {
                let expected = try npy(file)
                let t = try runner.output(named: name)
                let actual = NumPyArray(type: t.dataType, shape: t.shape.dimensions, data: t.data)
                let maxAbs = zip(t.toArray(of: Float.self), Comparison.values(expected) ?? []).map { abs(Double($0) - $1) }.max() ?? .infinity
                print("signature \(signature.key) output \(name) \(t.shape): max abs error \(maxAbs) vs LiteRT's signature runner")
                if let problem = Fixtures.mismatch(actual, expected, tolerance: Tolerance(absolute: 1e-6, relative: 1e-6)) {
                    Issue.record("signature \(signature.key) output \(name): \(problem)")
                }
            }
        }
    }

    @Test("runners of one model have their own allocations; invoke(with:) takes named data")
    func separateRunners() throws {
        let interpreter = try Interpreter(modelPath: signatureModel)
        let a = try interpreter.signatureRunner(with: "add")
        let b = try interpreter.signatureRunner(with: "add")
        let x: [Float] = [1, 2, 3], y: [Float] = [10, 20, 30]
        func data(_ v: [Float]) -> Data { v.withUnsafeBufferPointer { Data(buffer: $0) } }
        try a.invoke(with: ["x": data(x), "y": data(y)])
        try b.resizeInput(named: "x", to: [2, 3])
        try b.resizeInput(named: "y", to: [2, 3])
        try b.invoke(with: ["x": data(x + x), "y": data(y + y)])
        #expect(try a.output(named: "sum").toArray(of: Float.self) == [11, 22, 33])
        #expect(try a.output(named: "scaled").toArray(of: Float.self) == [-8, -16, -24])
        #expect(try b.output(named: "sum").shape == [2, 3])
        #expect(try b.output(named: "sum").toArray(of: Float.self) == [11, 22, 33, 11, 22, 33])
    }

    @Test("unknown keys and names, and shapes a signature cannot take, give typed errors")
    func errors() throws {
        let interpreter = try Interpreter(modelPath: signatureModel)
        #expect(throws: InterpreterError.unknownSignature(key: "mul", available: ["add", "dense_head"])) {
            try interpreter.signatureRunner(with: "mul")
        }
        let head = try interpreter.signatureRunner(with: "dense_head")
        #expect(throws: InterpreterError.unknownTensorName(name: "x", signature: "dense_head", available: ["features"])) {
            try head.input(named: "x")
        }
        #expect(throws: InterpreterError.self) { try head.output(named: "features") }
        // dense_head's input [1, 8] is static, so the converter wrote no shape
        // signature: any shape of rank 2 is accepted (as LiteRT's non-strict
        // resize), another rank is not.
        #expect(try Model(path: signatureModel).signatureDescriptions[1].inputs[0].shapeSignature == nil)
        do {
            try head.resizeInput(named: "features", to: [8])
            Issue.record("resizing to another rank succeeded")
        } catch let InterpreterError.failedToResizeInputTensor(_, reason) {
            #expect(reason.contains("rank"), "\(reason)")
        }
        try head.resizeInput(named: "features", to: [2, 8])
        try head.allocateTensors()
        #expect(try head.output(named: "logits").shape == [2, 4])
        // add's inputs have the signature [-1, 3]: only the batch may change.
        let add = try interpreter.signatureRunner(with: "add")
        #expect(throws: InterpreterError.self) { try add.resizeInput(named: "x", to: [2, 4]) }
        #expect(throws: InterpreterError.allocateTensorsRequired) { try add.invoke() }
        // A model converted from Keras has one signature; a model without any has none.
        #expect(try Interpreter(modelPath: Fixtures.root.appendingPathComponent("zoo/mobilenetv2_int8.tflite").path).signatureKeys == ["serving_default"])
        let plain = try Interpreter(modelPath: Fixtures.root.appendingPathComponent("models/mobilenet_v2_035_96.tflite").path)
        #expect(plain.signatureKeys.isEmpty)
        #expect(throws: InterpreterError.unknownSignature(key: "serving_default", available: [])) { try plain.signatureRunner(with: "serving_default") }
    }

    @Test("crafted signatures no runner can honour load, and give a typed error naming the signature")
    func craftedSignatures() throws {
        for (file, words) in [("crafted_signature_input_not_subgraph_input", "not an input of subgraph"),
                              ("crafted_signature_duplicate_input_name", "appears twice")] {
            let interpreter = try Interpreter(modelPath: signatureDirectory.appendingPathComponent(file + ".tflite").path)
            do {
                _ = try interpreter.signatureRunner(with: "add")
                Issue.record("\(file): the runner was created")
            } catch let InterpreterError.invalidModel(location, reason) {
                #expect(location.contains("add") && reason.contains(words), "\(file): \(location): \(reason)")
            }
            // The other signature is intact.
            let head = try interpreter.signatureRunner(with: "dense_head")
            try head.allocateTensors()
        }
    }

    @Test("signature descriptions list named tensors with their shape signatures")
    func descriptions() throws {
        let model = try Model(path: signatureModel)
        let descriptions = model.signatureDescriptions
        #expect(descriptions.map(\.key) == ["add", "dense_head"])
        let add = try #require(descriptions.first)
        #expect(Set(add.inputs.map(\.name)) == ["x", "y"])
        #expect(add.inputs.allSatisfy { $0.shapeSignature == [-1, 3] && $0.type == .float32 })
        #expect(Set(descriptions[1].outputs.map(\.name)) == ["logits", "probabilities"])
    }
}

@Suite("Threads and delegates in Options")
struct ThreadsAndDelegatesTests {
    static let models = ["zoo/mobilenetv2_float32.tflite", "zoo/mobilenetv2_int8.tflite", "models/mobilenet_v2_035_96.tflite"]

    @Test("threadCount: 2 alone runs the parallel backend with the same bits as cpu", arguments: models)
    func threadCountMeansThreads(_ model: String) throws {
        let url = Fixtures.root.appendingPathComponent(model)
        let parallel = try Interpreter(modelPath: url.path, options: .init(threadCount: 2))
        #expect(parallel.options.backend == .parallel)
        #expect(parallel.options.explicitBackend == nil)
        #expect(parallel.activeBackendName == "parallel")
        #expect(parallel.activeThreadCount == 2)
        try parallel.allocateTensors()
        #expect(parallel.executionPlanDescription?.threadCount == 2)
        #expect(parallel.executionPlanDescription?.requestedBackend == "parallel")
        let cpu = try Interpreter(modelPath: url.path)
        #expect(cpu.activeBackendName == "cpu" && cpu.activeThreadCount == 1)
        try cpu.allocateTensors()
        for interpreter in [parallel, cpu] {
            try DelegateTests.fillInputs(interpreter, seed: 3)
            try interpreter.invoke()
        }
        #expect(try parallel.output(at: 0).data == cpu.output(at: 0).data)
    }

    @Test("a backend named explicitly wins over threadCount")
    func explicitBackend() throws {
        let options = Interpreter.Options(threadCount: 2, backend: .cpu)
        #expect(options.backend == .cpu)
        let interpreter = try Interpreter(modelPath: Fixtures.root.appendingPathComponent(Self.models[0]).path, options: options)
        #expect(interpreter.activeBackendName == "cpu" && interpreter.activeThreadCount == 1)
        var changed = Interpreter.Options(threadCount: 4)
        #expect(changed.backend == .parallel)
        changed.backend = .cpu
        #expect(changed.explicitBackend == .cpu && changed != Interpreter.Options(threadCount: 4))
    }

    @Test("delegates: in Options and in TensorFlowLiteSwift's init shape; compared by identity")
    func delegates() throws {
        let url = Fixtures.root.appendingPathComponent("models/mobilenet_v2_035_96.tflite")
        let delegate = ConvConcatDelegate()
        let delegated = try Interpreter(modelPath: url.path, delegates: [delegate])
        #expect(delegated.options.backend == .delegate(delegate))
        try delegated.allocateTensors()
        #expect((delegated.executionPlanDescription?.delegatedPartitionCount ?? 0) > 0)
        let viaOptions = try Interpreter(modelPath: url.path, options: .init(delegates: [delegate]))
        try viaOptions.allocateTensors()
        #expect(viaOptions.executionPlanDescription?.delegatedNodeCount == delegated.executionPlanDescription?.delegatedNodeCount)
        let cpu = try Interpreter(modelPath: url.path, options: .init(backend: .cpu))
        try cpu.allocateTensors()
        for interpreter in [delegated, cpu] {
            try DelegateTests.fillInputs(interpreter, seed: 5)
            try interpreter.invoke()
        }
        #expect(try delegated.output(at: 0).data == cpu.output(at: 0).data)

        #expect(Interpreter.Options(delegates: [delegate]) == Interpreter.Options(delegates: [delegate]))
        #expect(Interpreter.Options(delegates: [delegate]) != Interpreter.Options(delegates: [ConvConcatDelegate()]))
        #expect(Set([Interpreter.Options(delegates: [delegate]), Interpreter.Options(delegates: [delegate])]).count == 1)

        #expect(throws: InterpreterError.self) { try Interpreter(modelPath: url.path, delegates: [delegate, ConvConcatDelegate()]) }
        #expect(throws: InterpreterError.self) { try Interpreter(modelPath: url.path, options: .init(backend: .parallel), delegates: [delegate]) }
    }
}

// MARK: README snippet ("Resizing, signatures, threads"); keep in sync with README.md.

/// The README's snippet, verbatim inside a function that receives its files and data.
private func readmeResizingSignaturesThreads(mobilenetPath: String, batch: Data,
                                             signaturesPath: String, x: Data, y: Data) throws -> (scores: [Float], sum: [Float]) {
    // A batch of 4 through a model converted with a dynamic batch
    // (input shape signature [-1, 32, 32, 3]), on 2 threads.
    let interpreter = try Interpreter(modelPath: mobilenetPath, options: .init(threadCount: 2))
    try interpreter.resizeInput(at: 0, to: [4, 32, 32, 3])
    try interpreter.allocateTensors()
    try interpreter.copy(batch, toInputAt: 0)
    try interpreter.invoke()
    let scores = try interpreter.output(at: 0).toArray(of: Float.self)   // 4 × 10 values
    print(interpreter.activeBackendName, interpreter.activeThreadCount)  // parallel 2

    // A model with several signatures, called by key with named tensors.
    let model = try Interpreter(modelPath: signaturesPath)
    print(model.signatureKeys)                                            // ["add", "dense_head"]
    let add = try model.signatureRunner(with: "add")
    try add.resizeInput(named: "x", to: [2, 3])
    try add.resizeInput(named: "y", to: [2, 3])
    try add.allocateTensors()
    try add.copy(x, toInputNamed: "x")
    try add.copy(y, toInputNamed: "y")
    try add.invoke()
    let sum = try add.output(named: "sum").toArray(of: Float.self)
    return (scores, sum)
}

@Test("the README's resizing/signatures/threads snippet runs")
func readmeResizingSnippet() throws {
    let batch = try NumPyArray(contentsOfFile: Fixtures.directory("batch").appendingPathComponent("mobilenetv2_float32.input0.npy").path)
    let (scores, sum) = try readmeResizingSignaturesThreads(
        mobilenetPath: Fixtures.root.appendingPathComponent("zoo/mobilenetv2_float32.tflite").path, batch: batch.data,
        signaturesPath: signatureModel, x: try npy("add.x.npy").data, y: try npy("add.y.npy").data)
    #expect(scores.count == 40)
    let expected = try npy("add.sum.expected.npy")
    #expect(sum.map(Double.init) == Comparison.values(expected))
}
