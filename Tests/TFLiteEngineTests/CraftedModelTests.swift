import Foundation
import XCTest
@testable import TFLiteEngine

/// One malformed model per class of bad input TFLite has shipped bugs for
/// (made by `tools/make_crafted_models.py`): each must give its specific typed
/// error at load or prepare — never a crash, hang or huge allocation.
final class CraftedModelTests: XCTestCase {
    struct Entry: Decodable {
        let name: String
        let `class`: String
        let expect: String
        let error_contains: String?
        let cve: String?
    }

    func testEveryCraftedModelGetsItsSpecificError() throws {
        let dir = Fixtures.directory("crafted")
        let data = try Data(contentsOf: dir.appendingPathComponent("manifest.json"))
        let entries = try JSONDecoder().decode([String: [Entry]].self, from: data)["fixtures"] ?? []
        XCTAssertGreaterThan(entries.count, 30)
        for entry in entries {
            let path = dir.appendingPathComponent(entry.name + ".tflite").path
            do {
                // A lower loop limit than the default, so a loop that never
                // ends stops quickly (while_condition_never_false).
                let interpreter = try Interpreter(modelPath: path, options: .init(maximumLoopIterations: 4096))
                try interpreter.allocateTensors()
                for i in 0..<interpreter.inputTensorCount {
                    _ = try interpreter.withUnsafeMutableInputBytes(at: i) { $0.initializeMemory(as: UInt8.self, repeating: 0) }
                }
                try interpreter.invoke()
                if let expected = entry.error_contains {
                    XCTFail("\(entry.name): ran without error; expected \"\(expected)\"")
                }
            } catch let error as InterpreterError {
                guard let expected = entry.error_contains else {
                    XCTFail("\(entry.name): expected to run, got \(error)")
                    continue
                }
                XCTAssertTrue(error.description.contains(expected), "\(entry.name): \"\(error)\" does not contain \"\(expected)\"")
                XCTAssertFalse(error.description.contains("\n"), "\(entry.name): error is not one line")
            } catch {
                XCTFail("\(entry.name): untyped error \(error)")
            }
        }
    }
}
