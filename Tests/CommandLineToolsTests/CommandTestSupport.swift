import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
@testable import CommandLineTools

/// Files of the repository the command tests use (all committed).
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static let digitModel = path("weights/mnist_small_cnn.tflite")
    static let digitModelInt8 = path("weights/mnist_small_cnn_int8.tflite")
    static let digitLabels = path("weights/labels_digits.txt")
    static let digit7 = path("images/digit_7.pgm")
    static let photoDigit3 = path("images/photo_digit_3.pgm")
    /// A 5,308-MAC classifier with metadata: normalization and English and French labels (cat, dog, bird, fish).
    static let tinyModel = path("Tests/TFLiteEngineTests/Fixtures/metadata/image_classifier_labels.tflite")
    /// The digit model's input (a test digit) and LiteRT's output for it.
    static let digitInputNpy = path("Tests/TFLiteEngineTests/Fixtures/models/mnist_small_cnn.input0.npy")
    static let digitOutputNpy = path("Tests/TFLiteEngineTests/Fixtures/models/mnist_small_cnn.output0.npy")
    static let mnistImages = path("Tests/ModelSelectionTests/Fixtures/mnist/t10k-images-100.idx3-ubyte")
    static let mnistLabels = path("Tests/ModelSelectionTests/Fixtures/mnist/t10k-labels-100.idx1-ubyte")
}

/// What a command returned and printed.
struct CommandRun: Sendable {
    var code: Int32
    var output: String
    var errors: String

    var outputLines: [Substring] { output.split(separator: "\n") }
    var errorLines: [Substring] { errors.split(separator: "\n") }

    /// `errors` without the build-flavour note, which a tool prints once per
    /// process (to whichever test runs first), before anything else.
    var errorsWithoutFlavourNote: String {
        errors.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("note: this CPU can run the faster") }.joined(separator: "\n")
    }
}

func infer(_ arguments: [String]) -> CommandRun {
    var output = "", errors = ""
    let code = InferCommand.run(arguments: arguments, output: &output, errors: &errors)
    return CommandRun(code: code, output: output, errors: errors)
}

func bench(_ arguments: [String]) -> CommandRun {
    var output = "", errors = ""
    let code = BenchCommand.run(arguments: arguments, output: &output, errors: &errors)
    return CommandRun(code: code, output: output, errors: errors)
}

func soak(_ arguments: [String]) -> CommandRun {
    var output = "", errors = ""
    let code = SoakCommand.run(arguments: arguments, output: &output, errors: &errors)
    return CommandRun(code: code, output: output, errors: errors)
}

extension XCTestCase {
    /// A fresh scratch directory for one test, removed with everything in
    /// it when the test ends (they had piled up in the system's temporary
    /// directory, a dozen per run).
    func temporaryDirectory(_ name: String = #function) throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("CommandLineToolsTests-\(getpid())-\(name.filter(\.isLetter))-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }
}

/// Asserts the run failed with `code` and exactly one line on stderr,
/// `TOOL: error: …` containing `fragment`, in the project's words (no raw
/// Foundation or Codable errors).
func assertOneLineError(_ run: CommandRun, tool: String, code: Int32, contains fragment: String,
                        file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(run.code, code, "exit code; stderr: \(run.errors)", file: file, line: line)
    let errors = run.errorsWithoutFlavourNote
    XCTAssertEqual(errors.split(separator: "\n").count, 1, "stderr should be one line: \(run.errors)", file: file, line: line)
    XCTAssertTrue(errors.hasPrefix("\(tool): error: "), run.errors, file: file, line: line)
    XCTAssertTrue(run.errors.contains(fragment), "'\(fragment)' not in: \(run.errors)", file: file, line: line)
    for raw in ["NSCocoaErrorDomain", "Error Domain=", "DecodingError", "The file doesn’t exist", "The file doesn't exist", "Optional("] {
        XCTAssertFalse(run.errors.contains(raw), "raw error text '\(raw)' in: \(run.errors)", file: file, line: line)
    }
}

/// A JSON object parsed with JSONSerialization.
func jsonObject(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try XCTUnwrap(value as? [String: Any], "not a JSON object: \(text.prefix(200))", file: file, line: line)
}

func assertKeys(_ object: [String: Any]?, _ keys: [String], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    guard let object else { return XCTFail("\(what): missing", file: file, line: line) }
    for key in keys { XCTAssertNotNil(object[key], "\(what): missing key '\(key)' in \(object.keys.sorted())", file: file, line: line) }
}

/// Runs `body` on another thread; if it has not returned after `seconds`
/// (blocked opening the FIFO at `fifo`), opens the FIFO's write end to
/// release it, and returns nil. Keeps a regression from hanging the suite.
func runReleasingFIFO(_ fifo: String, seconds: Double = 30, _ body: @escaping @Sendable () -> CommandRun) -> CommandRun? {
    final class Box: @unchecked Sendable { var run: CommandRun? }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        box.run = body()
        done.signal()
    }
    if done.wait(timeout: .now() + seconds) == .success { return box.run }
    let fd = open(fifo, O_WRONLY | O_NONBLOCK)
    if fd >= 0 { close(fd) }
    _ = done.wait(timeout: .now() + seconds)
    return nil
}

/// Test cases share this: no build-flavour note on stderr.
class CommandTestCase: XCTestCase {
    override class func setUp() {
        super.setUp()
        setenv("TFLITEENGINE_NO_FLAVOUR_NOTE", "1", 1)
    }
}
