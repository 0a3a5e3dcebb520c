// The converter zoo (`tools/make_zoo.py --small`, `tools/make_layer_zoo.py`):
// every tf.keras.applications architecture, cut small, converted the three ways
// users convert (float32 with the default dynamic batch, dynamic-range
// `Optimize.DEFAULT`, full-integer int8), and small models of common layers,
// with outputs of LiteRT's builtin, XNNPACK and reference kernels and of
// TFLite Micro. One test case per model:
//
//     swift test --filter ZooModelTests
//     TFLITE_ZOO=mobilenetv2_int8 swift test --filter ZooModelTests
//
// Each model must agree with the reference its manifest entry names
// (`expected`):
// - float32: within max(1e-4, 3 × LiteRT's own XNNPACK-vs-builtin and
//   reference-vs-builtin spread) of max |expected|;
// - dynamic-range: within max(1e-4, that spread) (LiteRT's builtin and
//   XNNPACK hybrid kernels quantize activations differently);
// - int8: bit-exact with TFLite Micro; where Micro cannot run the model,
//   against LiteRT's reference kernels within LiteRT's own spread between its
//   optimized and reference kernels (ConvNeXtTiny int8: 1 LSB); where neither
//   runs it (layer_tf_math_int8: no CEIL v1 in LiteRT's reference resolver),
//   against `builtin_reference_quantize` — LiteRT builtin with each output
//   made by a float QUANTIZE recomputed by LiteRT's reference QUANTIZE (=
//   Micro's) — within the measured builtin-vs-that spread.
// Models the engine cannot run yet are listed in `ZooCatalog.notYetSupported`
// with the reason; they are recorded as known issues, and one that starts
// passing fails the test until it is taken off the list.

import Foundation
import Testing
@testable import TFLiteEngine
import InputFormats

struct ZooEntry: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let variant: String
    let inputs: [String]
    let expected: String
    let references: [String: [String]]
    let spreads: [String: [String: Double]]?

    var testDescription: String { name }

    /// Relative tolerance (float outputs) of this entry.
    var tolerance: Double {
        let spread = (spreads ?? [:]).filter { $0.key.hasSuffix("_vs_builtin") }.compactMap { $0.value["max_rel"] }.max() ?? 0
        switch variant {
        case "float32": return max(1e-4, 3 * spread)
        case "dynamic": return max(1e-4, spread)
        default: return 0
        }
    }

    /// LSB tolerance (quantized outputs): 0 against TFLite Micro; where Micro
    /// cannot run the model, LiteRT's own spread between its optimized kernels
    /// and the reference the entry names.
    var integerTolerance: Int {
        guard expected != "micro" else { return 0 }
        let spread = (spreads ?? [:]).filter { $0.key.hasSuffix("_vs_\(expected)") || $0.key.hasPrefix("\(expected)_vs_") }
        return Int(spread.compactMap { $0.value["max_lsb"] }.max() ?? 0)
    }
}

enum ZooCatalog {
    static let directory = Fixtures.directory("zoo")

    private struct Manifest: Decodable { let fixtures: [ZooEntry] }

    /// Every zoo model (filtered by `TFLITE_ZOO`, comma-separated names).
    static let entries: [ZooEntry] = {
        let url = directory.appendingPathComponent("manifest.json")
        guard let data = try? Data(contentsOf: url), let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else {
            return []
        }
        let selected = ProcessInfo.processInfo.environment["TFLITE_ZOO"].map { Set($0.split(separator: ",").map(String.init)) }
        return manifest.fixtures.filter { selected?.contains($0.name) ?? true }
    }()

    /// Models the engine does not run yet, with the reason (the coverage issue's open work).
    static let notYetSupported: [String: String] = [:]
}

@Suite("Converter zoo")
struct ZooModelTests {
    @Test("the zoo manifest lists models, and TFLITE_ZOO names only models it lists")
    func manifestIsNotEmpty() throws {
        let data = try Data(contentsOf: ZooCatalog.directory.appendingPathComponent("manifest.json"))
        struct Manifest: Decodable { let fixtures: [ZooEntry] }
        let all = try JSONDecoder().decode(Manifest.self, from: data).fixtures
        #expect(all.count >= 80, "\(all.count) entries in \(ZooCatalog.directory.path)/manifest.json")
        if let selected = ProcessInfo.processInfo.environment["TFLITE_ZOO"] {
            let unknown = Set(selected.split(separator: ",").map(String.init)).subtracting(all.map(\.name))
            #expect(unknown.isEmpty, "TFLITE_ZOO names models the zoo does not have: \(unknown.sorted())")
        } else {
            #expect(ZooCatalog.entries.count == all.count)
        }
        // Every known issue names a model of the zoo.
        #expect(Set(ZooCatalog.notYetSupported.keys).subtracting(all.map(\.name)).isEmpty)
    }

    @Test("agrees with its reference", arguments: ZooCatalog.entries)
    func agreesWithReference(_ entry: ZooEntry) throws {
        if let reason = ZooCatalog.notYetSupported[entry.name] {
            withKnownIssue("\(entry.name): \(reason)") { try check(entry) }
        } else {
            try check(entry)
        }
    }

    private func check(_ entry: ZooEntry) throws {
        let dir = ZooCatalog.directory
        let interpreter = try Interpreter(modelPath: dir.appendingPathComponent(entry.name + ".tflite").path)
        try interpreter.allocateTensors()
        for (i, file) in entry.inputs.enumerated() {
            try interpreter.copy(try NumPyArray(contentsOfFile: dir.appendingPathComponent(file).path).data, toInputAt: i)
        }
        try interpreter.invoke()
        let outputs = try #require(entry.references[entry.expected], "\(entry.name): no '\(entry.expected)' outputs")
        for (i, file) in outputs.enumerated() {
            let expected = try NumPyArray(contentsOfFile: dir.appendingPathComponent(file).path)
            let t = try interpreter.output(at: i)
            let actual = NumPyArray(type: t.dataType, shape: t.shape.dimensions, data: t.data)
            let tolerance = Tolerance(absolute: entry.tolerance * (Comparison.values(expected)?.lazy.filter(\.isFinite).map(abs).max() ?? 0), relative: 0)
            if let problem = Fixtures.mismatch(actual, expected, tolerance: tolerance, integerTolerance: entry.integerTolerance) {
                Issue.record("\(entry.name) (\(entry.variant), against \(entry.expected)) output \(i): \(problem)")
            }
        }
    }
}
