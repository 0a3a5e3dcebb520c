import Foundation
import XCTest
@testable import TFLiteEngine

/// TFLite metadata and associated files (`Model.metadata`,
/// `Model.associatedFile(named:)`, `Model.labels(forOutput:)`), against what
/// tflite-support's MetadataDisplayer reads from the same files (made by
/// `tools/make_metadata_fixtures.py`: models written by tflite-support's
/// metadata writers, two published MediaPipe models, crafted hostile files).
final class MetadataTests: XCTestCase {
    static let directory = Fixtures.directory("metadata")
    /// Fixtures with `<name>.metadata.json` and `<name>.files.json`.
    static let fixtures = ["image_classifier_labels", "multi_file", "mediapipe_selfie_segmentation", "mediapipe_face_detection_short_range"]

    static func model(_ name: String) throws -> Model {
        try Model(path: directory.appendingPathComponent(name + ".tflite").path)
    }

    static func json(_ file: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent(file)))
    }

    // MARK: Against tflite-support

    func testParsedMetadataEqualsMetadataDisplayerJSON() throws {
        for name in Self.fixtures {
            let metadata = try XCTUnwrap(try Self.model(name).metadata, name)
            let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(metadata))
            var failures: [String] = []
            Self.compare(encoded, try Self.json(name + ".metadata.json"), name, &failures)
            XCTAssertEqual(failures, [], name)
        }
    }

    func testAssociatedFilesEqualMetadataDisplayerFiles() throws {
        var deflated = 0, stored = 0
        for (name, expectedName) in Self.fixtures.map({ ($0, $0) }) + [("multi_file_relative_offsets", "multi_file")] {
            let model = try Self.model(name)
            let expected = try XCTUnwrap(Self.json(expectedName + ".files.json") as? [String: Any])
            let packed = try XCTUnwrap(expected["packed_files"] as? [String])
            XCTAssertEqual(try model.associatedFileNames, packed, name)
            let files = try XCTUnwrap(expected["files"] as? [String: [String: Any]])
            for file in packed {
                let info = try XCTUnwrap(files[file])
                let bytes = try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(info["base64"] as? String)))
                XCTAssertEqual(try model.associatedFile(named: file), bytes, "\(name): \(file)")
                if info["compression"] as? String == "deflated" { deflated += 1 } else { stored += 1 }
            }
            XCTAssertNil(try model.associatedFile(named: "no-such-file.txt"), name)
        }
        XCTAssertGreaterThan(deflated, 3, "fixtures hold deflated entries")
        XCTAssertGreaterThan(stored, 3, "fixtures hold stored entries")
    }

    // MARK: Typed API

    func testImageClassifierMetadata() throws {
        let model = try Self.model("image_classifier_labels")
        let metadata = try XCTUnwrap(try model.metadata)
        XCTAssertEqual(metadata.name, "TinyImageClassifier")
        XCTAssertEqual(metadata.version, "v1.2")
        XCTAssertEqual(metadata.author, "TFLiteEngine tests")
        XCTAssertEqual(metadata.license, "Apache License. Version 2.0")
        let input = try XCTUnwrap(metadata.subgraphs.first?.inputTensors.first)
        XCTAssertEqual(input.name, "image")
        XCTAssertEqual(input.imageProperties?.colorSpace, .rgb)
        XCTAssertEqual(input.normalization?.mean, [123.675, 116.28, 103.53])
        XCTAssertEqual(input.normalization?.std, [58.395, 57.12, 57.375])
        let output = try XCTUnwrap(metadata.subgraphs.first?.outputTensors.first)
        XCTAssertEqual(output.associatedFiles(ofType: .tensorAxisLabels).map(\.locale), ["en", "fr"])
        XCTAssertEqual(metadata.allAssociatedFiles.compactMap(\.name), ["labels.txt", "labels_fr.txt"])
        XCTAssertEqual("\(output.associatedFiles[0].type)", "TENSOR_AXIS_LABELS")
    }

    func testLabelsHonourLocale() throws {
        let model = try Self.model("image_classifier_labels")
        let english = ["cat", "dog", "bird", "fish"], french = ["chat", "chien", "oiseau", "poisson"]
        XCTAssertEqual(try model.labels(forOutput: 0), english)
        XCTAssertEqual(try model.labels(forOutput: 0, locale: "fr"), french)
        XCTAssertEqual(try model.labels(forOutput: 0, locale: "FR-ca"), french, "language match")
        XCTAssertEqual(try model.labels(forOutput: 0, locale: "de"), english, "no match: the first file")
        XCTAssertThrowsError(try model.labels(forOutput: 1)) { error in
            XCTAssertEqual(error as? ModelMetadataError, .invalidOutputIndex(index: 1, count: 1))
        }
        let multi = try Self.model("multi_file")
        XCTAssertEqual(try multi.labels(forOutput: 0), english, "first file, no locale")
        XCTAssertNil(try multi.labels(forOutput: 1), "value labels are not axis labels")
        XCTAssertEqual(try multi.metadata?.subgraphs[0].outputTensors[1].associatedFiles(ofType: .tensorValueLabels).first?.name, "categories.txt")
        XCTAssertEqual(try Self.model("mediapipe_selfie_segmentation").labels(forOutput: 0), ["selfie"])
    }

    func testModelWithoutMetadata() throws {
        let model = try Model(path: Fixtures.directory("models").appendingPathComponent("mnist_small_cnn.tflite").path)
        XCTAssertNil(try model.metadata)
        XCTAssertEqual(try model.associatedFileNames, [])
        XCTAssertNil(try model.labels(forOutput: 0))
        XCTAssertNil(try model.associatedFile(named: "labels.txt"))
    }

    // MARK: Hostile input

    struct CraftedEntry: Decodable {
        let name: String
        let call: String
        let error: String
        let error_contains: String
    }

    /// Each crafted file gives its specific typed, one-line error from the
    /// accessor named in the manifest; the model itself still runs.
    func testCraftedMetadataAndArchivesGiveTypedErrors() throws {
        let dir = Self.directory.appendingPathComponent("crafted")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("manifest.json"))) as? [String: Any]
        let entries = try JSONDecoder().decode([CraftedEntry].self, from: JSONSerialization.data(withJSONObject: manifest?["fixtures"] ?? []))
        XCTAssertGreaterThan(entries.count, 15)
        for entry in entries {
            let path = dir.appendingPathComponent(entry.name + ".tflite").path
            let model: Model
            do {
                model = try Model(path: path)
            } catch let error as InterpreterError {
                XCTAssertEqual(entry.call, "load", "\(entry.name): \(error)")
                XCTAssertTrue(error.description.contains(entry.error_contains), "\(entry.name): \"\(error)\" lacks \"\(entry.error_contains)\"")
                continue
            }
            XCTAssertNotEqual(entry.call, "load", "\(entry.name) loaded")
            do {
                try Self.call(entry.call, on: model)
                XCTFail("\(entry.name): \(entry.call) gave no error; expected \(entry.error) \"\(entry.error_contains)\"")
            } catch let error as ModelMetadataError {
                XCTAssertEqual(Self.kind(error), entry.error, "\(entry.name): \(error)")
                XCTAssertTrue(error.description.contains(entry.error_contains), "\(entry.name): \"\(error)\" lacks \"\(entry.error_contains)\"")
                XCTAssertFalse(error.description.contains("\n"), "\(entry.name): error is not one line")
            } catch {
                XCTFail("\(entry.name): untyped error \(error)")
            }
            // Broken metadata does not stop the model from running.
            let interpreter = try Interpreter(model: model)
            try interpreter.allocateTensors()
            try interpreter.invoke()
        }
    }

    static func call(_ call: String, on model: Model) throws {
        let parts = call.split(separator: " ", maxSplits: 1).map(String.init)
        switch parts[0] {
        case "metadata": _ = try model.metadata
        case "files": _ = try model.associatedFileNames
        case "file": _ = try model.associatedFile(named: parts[1])
        case "labels": _ = try model.labels(forOutput: Int(parts[1]) ?? -1)
        default: XCTFail("unknown call \(call)")
        }
    }

    static func kind(_ error: ModelMetadataError) -> String {
        switch error {
        case .malformedMetadata: return "malformedMetadata"
        case .malformedArchive: return "malformedArchive"
        case .unsupportedArchive: return "unsupportedArchive"
        case .associatedFileTooLarge: return "associatedFileTooLarge"
        case .missingAssociatedFile: return "missingAssociatedFile"
        case .invalidOutputIndex: return "invalidOutputIndex"
        }
    }

    /// Every single-byte change of a model with metadata and a mixed archive
    /// either reads or gives a typed error, from every accessor.
    func testEveryByteFlipGivesDataOrTypedError() throws {
        let original = try Data(contentsOf: Self.directory.appendingPathComponent("multi_file.tflite"))
        var typedErrors = 0
        for position in 0..<original.count {
            var bytes = original
            bytes[position] ^= 0x5A
            guard let model = try? Model(data: bytes) else { continue }
            for call in ["metadata", "files", "labels 0", "labels 1", "file vocab.txt", "file readme.txt", "file labels_fr.txt"] {
                do {
                    try Self.call(call, on: model)
                } catch is ModelMetadataError {
                    typedErrors += 1
                } catch {
                    XCTFail("byte \(position), \(call): untyped error \(error)")
                }
            }
        }
        XCTAssertGreaterThan(typedErrors, 1000)
    }

    func testDecompressionLimit() throws {
        let model = try Self.model("multi_file")
        XCTAssertThrowsError(try model.associatedFile(named: "vocab.txt", maximumBytes: 100)) { error in
            guard case let .associatedFileTooLarge(name, bytes, limit)? = error as? ModelMetadataError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(name, "vocab.txt")
            XCTAssertEqual(bytes, 400 * 9)
            XCTAssertEqual(limit, 100)
        }
    }

    // MARK: JSON comparison

    /// Scalars a FlatBuffer writer leaves out when they equal the schema default.
    static func isDefault(_ value: Any?) -> Bool {
        switch value {
        case nil: return true
        case let n as NSNumber: return n.doubleValue == 0
        case let s as String: return ["UNKNOWN", "IDENTITY", "RATIO"].contains(s)
        case let a as [Any]: return a.isEmpty
        default: return false
        }
    }

    /// Structural equality; a key missing on one side matches a default value
    /// on the other. MetadataDisplayer prints floats with 6 significant
    /// digits, so numbers agree to 5e-6 relative.
    static func compare(_ actual: Any?, _ expected: Any?, _ path: String, _ failures: inout [String]) {
        switch (actual, expected) {
        case let (a as [String: Any], e as [String: Any]):
            for key in Set(a.keys).union(e.keys).sorted() {
                if a[key] == nil && isDefault(e[key]) || e[key] == nil && isDefault(a[key]) { continue }
                compare(a[key], e[key], path + "." + key, &failures)
            }
        case let (a as [Any], e as [Any]):
            guard a.count == e.count else { return failures.append("\(path): \(a.count) elements, expected \(e.count)") }
            for i in a.indices { compare(a[i], e[i], "\(path)[\(i)]", &failures) }
        case let (a as String, e as String):
            if a != e { failures.append("\(path): \"\(a)\", expected \"\(e)\"") }
        case let (a as NSNumber, e as NSNumber):
            let (x, y) = (a.doubleValue, e.doubleValue)
            if abs(x - y) > 5e-6 * max(abs(y), 1e-30) { failures.append("\(path): \(a), expected \(e)") }
        default:
            failures.append("\(path): \(String(describing: actual)), expected \(String(describing: expected))")
        }
    }
}
