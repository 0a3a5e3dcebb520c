import Foundation
import XCTest
@testable import TFLiteEngine
import InputFormats

/// Fixtures made by `tools/` scripts with TensorFlow + LiteRT (or TFLite Micro)
/// and committed under `Tests/TFLiteEngineTests/Fixtures/<group>/`: a model,
/// its inputs and the reference outputs as `.npy`, listed in `manifest.json`.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Entry: Decodable {
        let name: String
        let op: String?
        let inputs: [String]
        let outputs: [String]
        /// Where the expected outputs come from (`litert-builtin`, `tflite-micro`, …).
        let reference: String?
        /// Relative tolerance (of the largest expected magnitude); 0 means bit-exact.
        let tolerance: Double?
    }

    private struct Manifest: Decodable { let fixtures: [Entry] }

    static func directory(_ group: String) -> URL { root.appendingPathComponent(group) }

    /// The entries of a fixture group; empty when the group does not exist.
    static func entries(_ group: String) throws -> [Entry] {
        let url = directory(group).appendingPathComponent("manifest.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try entries(manifest: url)
    }

    /// The entries of one `manifest.json`; throws when it is missing or malformed.
    static func entries(manifest url: URL) throws -> [Entry] {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url)).fixtures
    }

    /// Every `.tflite` file under the fixture tree except the converter zoo
    /// (`zoo/`: whole real architectures, checked by `ZooModelTests`).
    static func allModels() throws -> [URL] {
        guard let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return e.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "tflite" && !$0.path.contains("/Fixtures/zoo/") }
            .sorted { $0.path < $1.path }
    }

    static func modelURL(_ group: String, _ entry: Entry) -> URL {
        directory(group).appendingPathComponent(entry.name + ".tflite")
    }

    /// Runs a fixture and returns our outputs next to the expected ones.
    static func run(_ group: String, _ entry: Entry, options: Interpreter.Options = .init()) throws -> [(actual: NumPyArray, expected: NumPyArray)] {
        let dir = directory(group)
        let interpreter = try Interpreter(modelPath: modelURL(group, entry).path, options: options)
        try interpreter.allocateTensors()
        for (i, file) in entry.inputs.enumerated() {
            let array = try NumPyArray(contentsOfFile: dir.appendingPathComponent(file).path)
            try interpreter.copy(array.data, toInputAt: i)
        }
        try interpreter.invoke()
        return try entry.outputs.enumerated().map { i, file in
            let expected = try NumPyArray(contentsOfFile: dir.appendingPathComponent(file).path)
            let t = try interpreter.output(at: i)
            return (NumPyArray(type: t.dataType, shape: t.shape.dimensions, data: t.data), expected)
        }
    }

    /// Nil when `actual` matches `expected`; otherwise what differs.
    /// Float types: max |a - e| ≤ tolerance × max |e|. Other types: equal, or
    /// within `integerTolerance` units.
    static func mismatch(_ actual: NumPyArray, _ expected: NumPyArray, tolerance: Double, integerTolerance: Int = 0) -> String? {
        guard actual.type == expected.type else { return "type \(actual.type) != expected \(expected.type)" }
        guard actual.shape == expected.shape || actual.elementCount == expected.elementCount && expected.shape.isEmpty else {
            return "shape \(actual.shape) != expected \(expected.shape)"
        }
        func values(_ a: NumPyArray) -> [Double] {
            a.data.withUnsafeBytes { raw -> [Double] in
                let n = a.elementCount
                switch a.type {
                case .float32: return (0..<n).map { Double(raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self)) }
                case .int8: return (0..<n).map { Double(raw.loadUnaligned(fromByteOffset: $0, as: Int8.self)) }
                case .uint8: return (0..<n).map { Double(raw.loadUnaligned(fromByteOffset: $0, as: UInt8.self)) }
                case .int16: return (0..<n).map { Double(raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
                case .int32: return (0..<n).map { Double(raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
                case .int64: return (0..<n).map { Double(raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
                case .bool: return (0..<n).map { Double(raw.loadUnaligned(fromByteOffset: $0, as: UInt8.self)) }
                default: return []
                }
            }
        }
        let a = values(actual), e = values(expected)
        guard a.count == e.count else { return "element count \(a.count) != \(e.count)" }
        if actual.type == .float32 {
            let scale = max(e.map(abs).max() ?? 0, 1e-30)
            var worst = 0.0, at = 0
            for i in a.indices where !(abs(a[i] - e[i]) <= worst) {
                worst = a[i].isNaN != e[i].isNaN ? .infinity : abs(a[i] - e[i])
                if a[i].isNaN && e[i].isNaN { worst = 0 }
                at = i
            }
            if worst / scale > tolerance {
                return "max |diff| \(worst) at element \(at) (got \(a[at]), expected \(e[at])) is \(worst / scale) of max |expected| \(scale), above \(tolerance)"
            }
            return nil
        }
        var bad = 0, worst = 0.0, at = 0
        for i in a.indices where abs(a[i] - e[i]) > Double(integerTolerance) {
            bad += 1
            if abs(a[i] - e[i]) > worst { worst = abs(a[i] - e[i]); at = i }
        }
        return bad == 0 ? nil : "\(bad) of \(a.count) elements differ; worst by \(worst) at \(at) (got \(a[at]), expected \(e[at]))"
    }

    /// Runs one fixture and compares every output with the expected one, at
    /// the entry's own `tolerance` if the manifest gives one, else at
    /// `defaultTolerance`. Returns what went wrong, one line per problem
    /// (`output 1: …`, or the error thrown); empty when the fixture passes.
    /// Independent of the test framework: XCTest and Swift Testing both use it.
    static func problems(_ group: String, _ entry: Entry, defaultTolerance: Double,
                         options: Interpreter.Options = .init()) -> [String] {
        do {
            return try run(group, entry, options: options).enumerated().compactMap { i, pair in
                mismatch(pair.actual, pair.expected, tolerance: entry.tolerance ?? defaultTolerance).map { "output \(i): \($0)" }
            }
        } catch {
            return ["\(error)"]
        }
    }

    /// Runs every fixture of a group and asserts agreement (XCTest; whole
    /// models). Operator groups run per operator in `OperatorFixtureTests`.
    static func check(_ group: String, defaultTolerance: Double, options: Interpreter.Options = .init(),
                      file: StaticString = #filePath, line: UInt = #line) throws {
        let entries = try entries(group)
        XCTAssertFalse(entries.isEmpty, "no fixtures in \(group)", file: file, line: line)
        for entry in entries {
            for problem in problems(group, entry, defaultTolerance: defaultTolerance, options: options) {
                XCTFail("\(group)/\(entry.name): \(problem)", file: file, line: line)
            }
        }
    }
}

extension Fixtures {
    private struct RejectedEntry: Decodable {
        let name: String
        /// Text the error's description must contain.
        let error_contains: String
    }
    private struct RejectedManifest: Decodable { let fixtures: [RejectedEntry] }

    /// Every model of a group of invalid models (`{"fixtures":[{"name","error_contains"}]}`)
    /// must be rejected, at load (`invalidModel`) or at `allocateTensors()`
    /// (`invalidOperator`), with a typed error whose text contains `error_contains`.
    static func checkRejected(_ group: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = directory(group)
        let manifest = try JSONDecoder().decode(RejectedManifest.self, from: Data(contentsOf: dir.appendingPathComponent("manifest.json")))
        XCTAssertFalse(manifest.fixtures.isEmpty, "no fixtures in \(group)", file: file, line: line)
        for entry in manifest.fixtures {
            let path = dir.appendingPathComponent(entry.name + ".tflite").path
            do {
                let interpreter = try Interpreter(modelPath: path)
                try interpreter.allocateTensors()
                XCTFail("\(group)/\(entry.name): accepted, expected an error containing '\(entry.error_contains)'", file: file, line: line)
            } catch let error as InterpreterError {
                switch error {
                case .invalidOperator, .invalidModel: break
                default:
                    XCTFail("\(group)/\(entry.name): expected invalidOperator or invalidModel, got \(error)", file: file, line: line)
                    continue
                }
                XCTAssertTrue(error.description.contains(entry.error_contains),
                              "\(group)/\(entry.name): '\(error)' does not contain '\(entry.error_contains)'", file: file, line: line)
            } catch {
                XCTFail("\(group)/\(entry.name): untyped error \(error)", file: file, line: line)
            }
        }
    }
}
