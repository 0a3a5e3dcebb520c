import Foundation
import XCTest
@_spi(Benchmarking) @testable import TFLiteEngine
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
        /// The entry's own tolerance, overriding its group's: `0` means
        /// bit-exact (the only value the manifests use; integer fixtures).
        let tolerance: Double?

        /// This entry's tolerance: its own, else `groupDefault`.
        func tolerance(default groupDefault: Tolerance) -> Tolerance {
            tolerance.map { Tolerance(absolute: $0, relative: $0) } ?? groupDefault
        }
    }

    private struct Manifest: Decodable { let fixtures: [Entry] }

    static func directory(_ group: String) -> URL { root.appendingPathComponent(group) }

    /// The entries of a fixture group. A missing, unreadable or empty
    /// manifest throws: a test that loops over a group must never pass
    /// because the group has no fixtures.
    static func entries(_ group: String) throws -> [Entry] {
        let url = directory(group).appendingPathComponent("manifest.json")
        let list = try entries(manifest: url)
        guard !list.isEmpty else { throw FixtureError.emptyManifest(url.path) }
        return list
    }

    /// The entries of one `manifest.json`; throws when it is missing or malformed.
    static func entries(manifest url: URL) throws -> [Entry] {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url)).fixtures
    }

    enum FixtureError: Error, CustomStringConvertible {
        case outputCount(model: Int, listed: Int)
        case inputCount(model: Int, listed: Int)
        case emptyManifest(String)
        var description: String {
            switch self {
            case let .outputCount(model, listed): return "the model has \(model) outputs, the manifest lists \(listed) reference outputs"
            case let .inputCount(model, listed): return "the model has \(model) inputs, the manifest lists \(listed)"
            case let .emptyManifest(path): return "\(path) lists no fixtures"
            }
        }
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
        guard interpreter.inputTensorCount == entry.inputs.count else {
            throw FixtureError.inputCount(model: interpreter.inputTensorCount, listed: entry.inputs.count)
        }
        for (i, file) in entry.inputs.enumerated() {
            let array = try NumPyArray(contentsOfFile: dir.appendingPathComponent(file).path)
            try interpreter.copy(array.data, toInputAt: i)
        }
        try interpreter.invoke()
        guard interpreter.outputTensorCount == entry.outputs.count else {
            throw FixtureError.outputCount(model: interpreter.outputTensorCount, listed: entry.outputs.count)
        }
        return try entry.outputs.enumerated().map { i, file in
            let expected = try NumPyArray(contentsOfFile: dir.appendingPathComponent(file).path)
            let t = try interpreter.output(at: i)
            return (NumPyArray(type: t.dataType, shape: t.shape.dimensions, data: t.data), expected)
        }
    }

    /// Nil when `actual` matches `expected`; otherwise what differs (see
    /// `Comparison`). Float elements: within `tolerance` element by element,
    /// NaN only where the reference has NaN, infinities exactly. Integer and
    /// bool elements: equal, or within `integerTolerance` units. Any other
    /// element type is a mismatch (never an empty, passing comparison).
    static func mismatch(_ actual: NumPyArray, _ expected: NumPyArray, tolerance: Tolerance, integerTolerance: Int = 0) -> String? {
        Comparison.mismatch(actual, expected, tolerance: tolerance, integerTolerance: integerTolerance)
    }

    /// Runs one fixture and compares every output with the expected one, at
    /// the entry's own `tolerance` if the manifest gives one, else at
    /// `defaultTolerance`. Returns what went wrong, one line per problem
    /// (`output 1: …`, or the error thrown); empty when the fixture passes.
    /// Independent of the test framework: XCTest and Swift Testing both use it.
    static func problems(_ group: String, _ entry: Entry, defaultTolerance: Tolerance,
                         options: Interpreter.Options = .init()) -> [String] {
        do {
            return try run(group, entry, options: options).enumerated().compactMap { i, pair in
                mismatch(pair.actual, pair.expected, tolerance: entry.tolerance(default: defaultTolerance)).map { "output \(i): \($0)" }
            }
        } catch {
            return ["\(error)"]
        }
    }

    /// Runs every fixture of a group and asserts agreement (XCTest; whole
    /// models). Operator groups run per operator in `OperatorFixtureTests`.
    static func check(_ group: String, defaultTolerance: Tolerance, options: Interpreter.Options = .init(),
                      file: StaticString = #filePath, line: UInt = #line) throws {
        let entries = try entries(group)
        if ProcessInfo.processInfo.environment["TFLITE_MEASURE_ERRORS"] != nil { printErrors(group, entries, label: "check") }
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

extension Fixtures {
    /// The relative parts for which `printErrors` reports the absolute part needed.
    static let measuredRelativeParts: [Double] = [0, 1e-7, 1e-6, 1e-5, 1e-4]

    /// With `TFLITE_MEASURE_ERRORS=1`: prints, for each fixture and output,
    /// the smallest absolute tolerance that passes it for each relative part
    /// in `measuredRelativeParts`, and the largest over `entries`: what a
    /// family's tolerance is chosen from (just above the measured error).
    static func printErrors(_ group: String, _ entries: [Entry], label: String) {
        var largest = measuredRelativeParts.map { _ in 0.0 }
        for entry in entries {
            guard let pairs = try? run(group, entry) else { print("error-measure \(group)/\(entry.name): does not run"); continue }
            for (i, pair) in pairs.enumerated() where Comparison.isFloat(pair.expected.type) {
                let needed = Comparison.requiredAbsolute(pair.actual, pair.expected, relativeParts: measuredRelativeParts)
                largest = zip(largest, needed).map { max($0, $1) }
                print("error-measure \(group)/\(entry.name) output \(i): " + zip(measuredRelativeParts, needed).map { "rel \($0): abs \($1)" }.joined(separator: ", "))
            }
        }
        print("error-measure-max \(group) \(label): " + zip(measuredRelativeParts, largest).map { "rel \($0): abs \($1)" }.joined(separator: ", "))
    }
}

extension Fixtures {
    private struct NamedEntries: Decodable {
        struct Named: Decodable { let name: String; let error_contains: String? }
        /// `fixtures` (most manifests) or `invalid` (ops/int8_invalid).
        let fixtures: [Named]?
        let invalid: [Named]?
        var all: [Named] { (fixtures ?? []) + (invalid ?? []) }
    }

    /// Paths (relative to `Fixtures/`, without `.tflite`) of the models made
    /// not to load or prepare: every model of the rejected operator groups
    /// (`FixtureCatalog.rejectedGroups`), the crafted models that expect an
    /// error (`crafted/manifest.json`) except those that fail only when run
    /// (`craftedFailingAtInvoke`), the malformed sparse model and the model of
    /// unsupported operators (two). Derived from the manifests, so a new fixture
    /// that fails to load must be listed there (with its expected error).
    static func modelsMadeToFail() throws -> Set<String> {
        var names = Set<String>()
        for group in FixtureCatalog.rejectedGroups {
            let manifest = try JSONDecoder().decode(NamedEntries.self, from: Data(contentsOf: directory(group).appendingPathComponent("manifest.json")))
            guard !manifest.all.isEmpty else { throw FixtureError.emptyManifest(group) }
            names.formUnion(manifest.all.map { "\(group)/\($0.name)" })
        }
        let crafted = try JSONDecoder().decode(NamedEntries.self, from: Data(contentsOf: directory("crafted").appendingPathComponent("manifest.json")))
        names.formUnion(crafted.all.filter { $0.error_contains != nil }.map { "crafted/\($0.name)" })
        // Checked by CompressedWeightsTests, ModelSummaryTests, LayoutOpTests and MetadataTests.
        names.formUnion(["ops/sparse/malformed/index_out_of_range", "summary/unsupported_ops", "ops/invalid_layout/unsupported_three_ops",
                         "metadata/crafted/metadata_buffer_index_out_of_range"])
        return names
    }

    /// Crafted models that load and prepare, and fail only in `invoke()`
    /// (a loop that never ends, a slice whose run-time bounds are out of range).
    static let craftedFailingAtInvoke: Set<String> = ["crafted/while_condition_never_false", "crafted/while_slice_out_of_bounds_at_run_time"]

    /// The models made to fail that fail before `invoke()`: at load or at `allocateTensors()`.
    static func modelsFailingToPrepare() throws -> Set<String> {
        try modelsMadeToFail().subtracting(craftedFailingAtInvoke)
    }

    /// The path of a fixture model relative to `Fixtures/`, without `.tflite`.
    static func relativeName(_ url: URL) -> String {
        let rootPath = root.standardizedFileURL.path + "/"
        let path = url.standardizedFileURL.deletingPathExtension().path
        return path.hasPrefix(rootPath) ? String(path.dropFirst(rootPath.count)) : path
    }
}

/// A converter-zoo fixture (`Fixtures/zoo`) run whole: an interpreter on
/// one thread (`.cpu`) or several (`.parallel`), and its outputs on the
/// fixture's recorded input.
enum ZooFixtureRun {
    static let directory = Fixtures.directory("zoo")

    /// `name`'s interpreter, allocated; `minimumParallelCost` overrides the
    /// parallel backend's split threshold.
    static func interpreter(_ name: String, threads: Int, minimumParallelCost: Int? = nil) throws -> Interpreter {
        var options = Interpreter.Options(threadCount: threads, backend: threads > 1 ? .parallel : .cpu)
        options.parallelMinimumCost = minimumParallelCost
        let interpreter = try Interpreter(modelPath: directory.appendingPathComponent("\(name).tflite").path, options: options)
        try interpreter.allocateTensors()
        return interpreter
    }

    /// Every output's bytes after `invokes` invokes on `name`'s input.
    static func outputs(_ interpreter: Interpreter, _ name: String, invokes: Int = 1) throws -> [Data] {
        try interpreter.copy(try NumPyArray(contentsOfFile: directory.appendingPathComponent("\(name).input0.npy").path).data,
                             toInputAt: 0)
        for _ in 0..<invokes { try interpreter.invoke() }
        return try (0..<interpreter.outputTensorCount).map { try interpreter.output(at: $0).data }
    }
}
