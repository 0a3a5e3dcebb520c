import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import InputFormats
@testable import CommandLineTools

/// `infer` run end to end through `InferCommand.run`: every documented
/// option, output format, error and exit code (the slow device measurements
/// of --auto, --score and selection-report are covered by parser tests in
/// InferArgumentTests).
final class InferCommandTests: CommandTestCase {
    // MARK: Help

    func testHelpListsEveryOptionAndExitsZero() {
        for flag in ["--help", "-h"] {
            let run = infer([flag])
            XCTAssertEqual(run.code, 0)
            XCTAssertTrue(run.output.hasPrefix("usage: infer MODEL IMAGE"), run.output)
            XCTAssertEqual(run.errors, "")
            for spec in inferOptions + evalOptions { XCTAssertTrue(run.output.contains("--\(spec.name)"), "--help lacks --\(spec.name)") }
            XCTAssertTrue(run.output.contains("exit status: 0 success, 1 runtime error, 2 usage error"))
        }
        XCTAssertEqual(infer(["eval", "--help"]).code, 0)
        XCTAssertEqual(infer(["selection-report", "--help"]).code, 0)
    }

    // MARK: Classifying an image

    func testClassifiesDigitAsText() {
        let run = infer([Repo.digitModel, Repo.digit7, "--labels", Repo.digitLabels, "--top-k", "3"])
        XCTAssertEqual(run.code, 0, run.errors)
        XCTAssertEqual(run.errors, "")
        let lines = run.outputLines
        XCTAssertEqual(lines.count, 8, run.output)
        XCTAssertEqual(lines[0], "model:  \(Repo.digitModel)")
        XCTAssertEqual(lines[1], "input:  \(Repo.digit7) (28x28 gray) -> float32 [1, 28, 28, 1]")
        XCTAssertEqual(lines[2], "output: 'Identity' float32 [1, 10]")
        XCTAssertEqual(lines[3], "  rank  index  label  score")
        XCTAssertEqual(lines[4], "     1      7  7      0.999829")
        XCTAssertTrue(lines[5].hasPrefix("     2      3  3      "), String(lines[5]))
        XCTAssertTrue(lines[7].hasPrefix("time:   load "), String(lines[7]))
        XCTAssertTrue(lines[7].contains(" ms, allocate ") && lines[7].contains(" ms, invoke ") && lines[7].hasSuffix(" ms"))
    }

    func testDefaultTopKIsFiveAndWithoutLabelsNoLabelColumn() {
        let run = infer([Repo.digitModel, Repo.digit7])
        XCTAssertEqual(run.code, 0, run.errors)
        XCTAssertTrue(run.output.contains("  rank  index  score\n"), run.output)
        XCTAssertEqual(run.outputLines.filter { $0.hasPrefix("     ") }.count, 5)
    }

    func testJSONHasTheDocumentedKeys() throws {
        let run = infer([Repo.digitModel, Repo.digit7, "--labels", Repo.digitLabels, "--json", "--top-k", "2"])
        XCTAssertEqual(run.code, 0, run.errors)
        XCTAssertEqual(run.outputLines.count, 1, "one JSON document")
        let json = try jsonObject(run.output)
        assertKeys(json, ["model", "input", "normalization", "labels", "output", "top_k", "timings_ms"], "infer --json")
        assertKeys(json["output"] as? [String: Any], ["name", "type", "shape"], "output")
        assertKeys(json["timings_ms"] as? [String: Any], ["load", "allocate", "invoke"], "timings_ms")
        let top = try XCTUnwrap(json["top_k"] as? [[String: Any]])
        XCTAssertEqual(top.count, 2)
        assertKeys(top.first, ["index", "label", "score"], "top_k[0]")
        XCTAssertEqual(top.first?["index"] as? Int, 7)
        XCTAssertEqual(top.first?["label"] as? String, "7")
        XCTAssertGreaterThan(top.first?["score"] as? Double ?? 0, 0.99)
        XCTAssertEqual((json["output"] as? [String: Any])?["shape"] as? [Int], [1, 10])
    }

    func testQuantizedModelClassifiesDigit() throws {
        let json = try jsonObject(infer([Repo.digitModelInt8, Repo.digit7, "--json", "--top-k", "1"]).output)
        XCTAssertEqual((json["top_k"] as? [[String: Any]])?.first?["index"] as? Int, 7)
        XCTAssertTrue((json["input"] as? String ?? "").hasSuffix("-> int8 [1, 28, 28, 1]"), "\(json["input"] ?? "")")
    }

    func testMeanStdAndInvertChangeTheInput() throws {
        let plain = try jsonObject(infer([Repo.digitModel, Repo.digit7, "--json"]).output)
        let normalized = infer([Repo.digitModel, Repo.digit7, "--mean", "0.5", "--std", "0.25", "--json"])
        XCTAssertEqual(normalized.code, 0, normalized.errors)
        let n = try jsonObject(normalized.output)
        XCTAssertEqual(n["normalization"] as? String, "mean 0.5 std 0.25 (pixels 0...1)")
        XCTAssertEqual(plain["normalization"] as? String, "mean 0.0 std 1.0 (pixels 0...1)")
        let inverted = infer([Repo.digitModel, Repo.digit7, "--invert", "--json", "--top-k", "1"])
        XCTAssertEqual(inverted.code, 0, inverted.errors)
        let score = { (j: [String: Any]) in (j["top_k"] as? [[String: Any]])?.first?["score"] as? Double }
        XCTAssertNotEqual(score(try jsonObject(inverted.output)), score(plain))
    }

    func testModelMetadataGivesNormalizationAndLabelsAndLocale() throws {
        let image = Repo.digit7  // gray, converted to the model's RGB input
        let english = infer([Repo.tinyModel, image, "--top-k", "4"])
        XCTAssertEqual(english.code, 0, english.errors)
        XCTAssertTrue(english.output.contains("normalization: model metadata, mean [123.675, 116.28, 103.53] std [58.395, 57.12, 57.375] (pixels 0...255)"), english.output)
        XCTAssertTrue(english.output.contains("labels: model's labels.txt"), english.output)
        for label in ["cat", "dog", "bird", "fish"] { XCTAssertTrue(english.output.contains(" \(label) "), english.output) }
        let french = try jsonObject(infer([Repo.tinyModel, image, "--label-locale", "fr", "--json", "--top-k", "4"]).output)
        XCTAssertEqual(french["labels"] as? String, "model: labels_fr.txt")
        let labels = Set(((french["top_k"] as? [[String: Any]]) ?? []).compactMap { $0["label"] as? String })
        XCTAssertEqual(labels, ["chat", "chien", "oiseau", "poisson"])
        // --mean/--std replace the model's normalization.
        let overridden = try jsonObject(infer([Repo.tinyModel, image, "--mean", "0", "--std", "1", "--json"]).output)
        XCTAssertEqual(overridden["normalization"] as? String, "mean 0.0 std 1.0 (pixels 0...1)")
    }

    func testPreprocessMNISTReadsThePhoto() throws {
        let run = infer([Repo.digitModel, Repo.photoDigit3, "--preprocess", "mnist", "--top-k", "1", "--json"])
        XCTAssertEqual(run.code, 0, run.errors)
        let json = try jsonObject(run.output)
        XCTAssertEqual((json["top_k"] as? [[String: Any]])?.first?["index"] as? Int, 3)
        XCTAssertTrue((json["input"] as? String ?? "").contains("--preprocess mnist -> 28x28"))
    }

    func testThreadsAndBackendRunTheSameScores() throws {
        let cpu = try jsonObject(infer([Repo.digitModel, Repo.digit7, "--json"]).output)
        let parallel = infer([Repo.digitModel, Repo.digit7, "--backend", "parallel", "--threads", "2", "--json"])
        XCTAssertEqual(parallel.code, 0, parallel.errors)
        XCTAssertEqual((try jsonObject(parallel.output)["top_k"] as? [[String: Any]])?.map { $0["score"] as? Double },
                       (cpu["top_k"] as? [[String: Any]])?.map { $0["score"] as? Double })
    }

    // MARK: Raw tensors

    func testInputNpyAndSaveOutputs() throws {
        let dir = try temporaryDirectory()
        let outputs = dir + "/new/nested"
        let run = infer([Repo.digitModel, "--input-npy", Repo.digitInputNpy, "--save-outputs", outputs])
        XCTAssertEqual(run.code, 0, run.errors)
        XCTAssertTrue(run.output.contains("input:  \(Repo.digitInputNpy)\n"), run.output)
        XCTAssertTrue(run.output.contains("saved 1 output to \(outputs)\n"), run.output)
        let saved = try NumPyArray(contentsOfFile: outputs + "/output_0.npy")
        let expected = try NumPyArray(contentsOfFile: Repo.digitOutputNpy)
        XCTAssertEqual(saved.type, .float32)
        XCTAssertEqual(saved.shape, [1, 10])
        let ours = saved.data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let litert = expected.data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        for (a, b) in zip(ours, litert) { XCTAssertEqual(a, b, accuracy: 1e-5) }

        let json = try jsonObject(infer([Repo.digitModel, "--input-npy", Repo.digitInputNpy, "--save-outputs", outputs, "--json"]).output)
        XCTAssertEqual(json["saved_outputs"] as? String, outputs)
    }

    func testInputNpyOfTheWrongShapeIsOneLineRuntimeError() throws {
        let dir = try temporaryDirectory()
        let path = dir + "/small.npy"
        try NumPyArray(type: .float32, shape: [1, 3], data: Data(count: 12)).write(toFile: path)
        assertOneLineError(infer([Repo.digitModel, "--input-npy", path]), tool: "infer", code: 1, contains: "input 0")
        assertOneLineError(infer([Repo.digitModel, "--input-npy", path, "--input-npy", path]), tool: "infer", code: 1,
                           contains: "the model has 1 input, 2 --input-npy given")
    }

    // MARK: --inspect

    func testInspectTextAndJSON() throws {
        let text = infer(["--inspect", Repo.tinyModel])
        XCTAssertEqual(text.code, 0, text.errors)
        for fragment in ["CONV_2D v1", "SOFTMAX v1", "totals:", "arena bytes:", "associated files: 2"] {
            XCTAssertTrue(text.output.contains(fragment), "--inspect lacks '\(fragment)'")
        }
        let json = infer(["--inspect", Repo.tinyModel, "--json"])
        XCTAssertEqual(json.code, 0, json.errors)
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(json.output.utf8)), json.output)
        let threaded = infer(["--inspect", Repo.digitModel, "--backend", "parallel", "--threads", "2"])
        XCTAssertEqual(threaded.code, 0, threaded.errors)
    }

    // MARK: eval

    func testEvalTextJSONAndPredictions() throws {
        let dir = try temporaryDirectory()
        let predictions = dir + "/predictions.txt"
        let args = ["eval", Repo.digitModelInt8, "--images", Repo.mnistImages, "--labels", Repo.mnistLabels, "--limit", "4"]
        let text = infer(args + ["--save-predictions", predictions])
        XCTAssertEqual(text.code, 0, text.errors)
        XCTAssertTrue(text.output.contains("predictions written to \(predictions)"), text.output)
        let lines = try String(contentsOfFile: predictions, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        XCTAssertTrue(lines.allSatisfy { Int($0).map { (0...9).contains($0) } ?? false }, "\(lines)")

        let run = infer(args + ["--json", "--threads", "1"])
        XCTAssertEqual(run.code, 0, run.errors)
        let json = try jsonObject(run.output)
        assertKeys(json, ["model", "images", "correct", "accuracy", "median_latency_ms", "confusion", "classes", "worst_classes", "slowest_classes"], "eval --json")
        XCTAssertEqual(json["images"] as? Int, 4)
        XCTAssertEqual((json["confusion"] as? [[Int]])?.count, 10)
        assertKeys((json["classes"] as? [[String: Any]])?.first, ["digit", "count", "errors", "error_rate", "mean_latency_ms"], "classes[0]")
    }

    func testEvalErrors() {
        assertOneLineError(infer(["eval", Repo.digitModel, "--labels", Repo.mnistLabels]), tool: "infer", code: 2, contains: "eval: missing --images IDX")
        assertOneLineError(infer(["eval", Repo.digitModel, "--images", Repo.mnistImages]), tool: "infer", code: 2, contains: "eval: missing --labels IDX")
        assertOneLineError(infer(["eval", "--images", Repo.mnistImages, "--labels", Repo.mnistLabels]), tool: "infer", code: 2, contains: "eval: missing MODEL")
        assertOneLineError(infer(["eval", Repo.digitModel, "--images", Repo.mnistImages, "--labels", Repo.mnistLabels, "--limit", "0"]),
                           tool: "infer", code: 2, contains: "--limit expects an integer")
        assertOneLineError(infer(["eval", Repo.digitModel, "--images", "no-such.idx", "--labels", Repo.mnistLabels]), tool: "infer", code: 1, contains: "no-such.idx")
        // Images and labels swapped: not [N, 28, 28].
        assertOneLineError(infer(["eval", Repo.digitModel, "--images", Repo.mnistLabels, "--labels", Repo.mnistImages]), tool: "infer", code: 1, contains: "expected [N, 28, 28]")
    }

    // MARK: Errors and exit codes

    func testUsageErrorsAreOneLineWithExitCode2() {
        let cases: [([String], String)] = [
            ([], "missing MODEL"),
            ([Repo.digitModel], "missing IMAGE (or --input-npy FILE)"),
            ([Repo.digitModel, Repo.digit7, "extra"], "unexpected argument 'extra'"),
            ([Repo.digitModel, Repo.digit7, "--bogus"], "unknown option '--bogus'"),
            ([Repo.digitModel, Repo.digit7, "--top-k"], "option '--top-k' needs a value (N)"),
            ([Repo.digitModel, Repo.digit7, "--top-k", "0"], "--top-k expects an integer in 1...1000000, got '0'"),
            ([Repo.digitModel, Repo.digit7, "--top-k", "1", "--top-k", "2"], "option '--top-k' is given more than once"),
            ([Repo.digitModel, Repo.digit7, "--mean", "x"], "--mean expects a number, got 'x'"),
            ([Repo.digitModel, Repo.digit7, "--std", "0"], "--std must not be 0"),
            ([Repo.digitModel, Repo.digit7, "--threads", "0"], "--threads expects an integer in 1...1024"),
            ([Repo.digitModel, Repo.digit7, "--backend", "gpu"], "--backend expects one of cpu, parallel"),
            ([Repo.digitModel, Repo.digit7, "--preprocess", "imagenet"], "--preprocess supports only 'mnist'"),
            ([Repo.digitModel, Repo.digit7, "--preprocess", "mnist", "--invert"], "--invert cannot be combined with --preprocess mnist"),
            ([Repo.digitModel, Repo.digit7, "--labels", Repo.digitLabels, "--label-locale", "fr"], "cannot be combined with --labels"),
            ([Repo.digitModel, "--input-npy", Repo.digitInputNpy, "--mean", "1"], "--mean applies to an IMAGE"),
            ([Repo.digitModel, Repo.digit7, "--input-npy", Repo.digitInputNpy], "with --input-npy no IMAGE is read"),
            (["--inspect"], "--inspect needs a MODEL"),
            (["--inspect", Repo.digitModel, "--top-k", "3"], "--inspect cannot be combined with --top-k"),
            ([Repo.digitModel, Repo.digit7, "--json=yes"], "option '--json' takes no value"),
            ([Repo.digitModel, Repo.digit7, "--no-cache"], "--no-cache applies to --auto and --score"),
            ([Repo.digitModel, Repo.digit7, "--latency-budget", "5ms"], "--latency-budget apply only to --auto"),
            (["--score", Repo.digitModel], "--score takes no MODEL"),
            (["--auto", Repo.path("weights")], "--auto DIR needs an IMAGE"),
            (["selection-report"], "selection-report: missing DIR"),
        ]
        for (arguments, message) in cases {
            let run = infer(arguments)
            assertOneLineError(run, tool: "infer", code: 2, contains: message)
            XCTAssertTrue(run.errors.hasSuffix(" (see infer --help)\n"), run.errors)
            XCTAssertEqual(run.output, "", "nothing on stdout for \(arguments)")
        }
    }

    func testRuntimeErrorsAreOneLineWithExitCode1() throws {
        let dir = try temporaryDirectory()
        let notModel = dir + "/not_a_model.tflite"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: notModel))
        assertOneLineError(infer(["no-such-model.tflite", Repo.digit7]), tool: "infer", code: 1, contains: "no-such-model.tflite")
        assertOneLineError(infer([notModel, Repo.digit7]), tool: "infer", code: 1, contains: "malformed model at Model: file is 5 bytes, too short for a FlatBuffer")
        assertOneLineError(infer([Repo.digitModel, "no-such-image.png"]), tool: "infer", code: 1, contains: "no-such-image.png")
        assertOneLineError(infer([Repo.digitModel, Repo.digitLabels]), tool: "infer", code: 1, contains: "image '\(Repo.digitLabels)'")
        assertOneLineError(infer([Repo.digitModel, Repo.digit7, "--labels", "no-such-labels.txt"]), tool: "infer", code: 1,
                           contains: "cannot read labels file 'no-such-labels.txt': No such file or directory")
        assertOneLineError(infer([Repo.digitModel, "--input-npy", Repo.digit7]), tool: "infer", code: 1, contains: "is not a valid .npy file")
    }

    // MARK: Rough edges (issue 18)

    func testFIFOAsModelImageLabelsOrTensorIsRefusedWithoutBlocking() throws {
        let dir = try temporaryDirectory()
        let fifo = dir + "/fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let cases: [[String]] = [
            [fifo, Repo.digit7],
            [Repo.digitModel, fifo],
            [Repo.digitModel, Repo.digit7, "--labels", fifo],
            [Repo.digitModel, "--input-npy", fifo],
            ["--inspect", fifo],
        ]
        for arguments in cases {
            guard let run = runReleasingFIFO(fifo, { infer(arguments) }) else {
                XCTFail("infer \(arguments) blocked opening the FIFO")
                continue
            }
            assertOneLineError(run, tool: "infer", code: 1, contains: "not a regular file")
        }
    }

    func testSaveOutputsIntoADirectoryThatCannotBeCreated() throws {
        let dir = try temporaryDirectory()
        let file = dir + "/plain_file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let run = infer([Repo.digitModel, Repo.digit7, "--save-outputs", file + "/outputs"])
        assertOneLineError(run, tool: "infer", code: 1,
                           contains: "cannot create directory '\(file)/outputs' for --save-outputs: '\(file)' exists and is not a directory")
        let below = infer([Repo.digitModel, Repo.digit7, "--save-outputs", file + "/a/b"])
        assertOneLineError(below, tool: "infer", code: 1, contains: "for --save-outputs")
    }

    func testShortOrEmptyLabelsFileWarns() throws {
        let dir = try temporaryDirectory()
        let short = dir + "/short.txt", empty = dir + "/empty.txt"
        try Data("zero\none\ntwo\n".utf8).write(to: URL(fileURLWithPath: short))
        try Data().write(to: URL(fileURLWithPath: empty))
        let run = infer([Repo.digitModel, Repo.digit7, "--labels", short, "--top-k", "2"])
        XCTAssertEqual(run.code, 0)
        XCTAssertEqual(run.errors, "infer: warning: labels file '\(short)' has 3 lines for the 10 classes of output 0; classes 3 and up are printed as '?'\n")
        XCTAssertTrue(run.output.contains("     1      7  ?      "), run.output)
        let none = infer([Repo.digitModel, Repo.digit7, "--labels", empty, "--json"])
        XCTAssertEqual(none.code, 0)
        XCTAssertEqual(none.errors, "infer: warning: labels file '\(empty)' is empty; output 0 has 10 classes, printed without labels ('?')\n")
        let full = infer([Repo.digitModel, Repo.digit7, "--labels", Repo.digitLabels])
        XCTAssertEqual(full.errors, "", "a complete labels file gives no warning")
    }
}
