import XCTest
import Foundation
import TFLiteEngine
import InputFormats
@testable import ModelSelection

/// `infer eval` (test set, summary, report) and `infer --auto`'s budget parsing.
final class DigitEvaluationTests: XCTestCase {
    private typealias F = SelectionFixtures

    // MARK: Budget parsing

    func testDurationsWithUnits() {
        XCTAssertEqual(BudgetParsing.duration("5ms"), .milliseconds(5))
        XCTAssertEqual(BudgetParsing.duration("0.5ms"), .microseconds(500))
        XCTAssertEqual(BudgetParsing.duration("2s"), .seconds(2))
        XCTAssertEqual(BudgetParsing.duration("800us"), .microseconds(800))
        XCTAssertEqual(BudgetParsing.duration("800µs"), .microseconds(800))
        XCTAssertEqual(BudgetParsing.duration("1500ns"), .nanoseconds(1500))
        XCTAssertEqual(BudgetParsing.duration("5 ms"), .milliseconds(5))
        XCTAssertEqual(BudgetParsing.duration(".25s"), .milliseconds(250))
    }

    func testBadDurationsAreRejected() {
        for text in ["", "5", "ms", "5m", "5 mss", "-5ms", "0ms", "5ms5", "1e3ms", "nanms", "5..5ms", "0.1ns", "2d", "100000s"] {
            XCTAssertNil(BudgetParsing.duration(text), text)
        }
    }

    func testSizesDecimalAndBinary() {
        XCTAssertEqual(BudgetParsing.bytes("50MB"), 50_000_000)
        XCTAssertEqual(BudgetParsing.bytes("512KB"), 512_000)
        XCTAssertEqual(BudgetParsing.bytes("1.5GB"), 1_500_000_000)
        XCTAssertEqual(BudgetParsing.bytes("64MiB"), 64 << 20)
        XCTAssertEqual(BudgetParsing.bytes("1KiB"), 1024)
        XCTAssertEqual(BudgetParsing.bytes("2GiB"), 2 << 30)
        XCTAssertEqual(BudgetParsing.bytes("100B"), 100)
        XCTAssertEqual(BudgetParsing.bytes("50mb"), 50_000_000)
    }

    func testBadSizesAreRejected() {
        for text in ["", "50", "MB", "50XB", "-1MB", "0MB", "0.1B", "1e3MB", "5TB", "5M"] {
            XCTAssertNil(BudgetParsing.bytes(text), text)
        }
    }

    // MARK: Summary and report (fixed latencies, no timing)

    private func summary() -> DigitEvaluationSummary {
        // 3 zeros (all right), 2 ones (one read as 7), 4 sevens (two read as 1).
        DigitEvaluationSummary(labels: [0, 0, 0, 1, 1, 7, 7, 7, 7],
                               predictions: [0, 0, 0, 1, 7, 7, 1, 1, 7],
                               latenciesMilliseconds: [1, 1, 1, 3, 5, 2, 2, 2, 2])
    }

    func testSummaryNumbers() {
        let s = summary()
        XCTAssertEqual(s.count, 9)
        XCTAssertEqual(s.correct, 6)
        XCTAssertEqual(s.accuracy, 6.0 / 9.0, accuracy: 1e-12)
        XCTAssertEqual(s.confusion[0][0], 3)
        XCTAssertEqual(s.confusion[1][7], 1)
        XCTAssertEqual(s.confusion[7][1], 2)
        XCTAssertEqual(s.confusion.flatMap { $0 }.reduce(0, +), 9)
        XCTAssertEqual(s.medianLatencyMilliseconds, 2)
        XCTAssertEqual(s.classes.map(\.digit), [0, 1, 7])
        XCTAssertEqual(s.worstClasses().map(\.digit), [7, 1, 0])  // 50% (2 errors), 50% (1 error), 0%
        XCTAssertEqual(s.slowestClasses().map(\.digit), [1, 7, 0])  // 4 ms, 2 ms, 1 ms
        XCTAssertEqual(s.slowestClasses(1).first?.meanLatencyMilliseconds, 4)
    }

    func testReportFormatting() {
        let report = summary().report(model: "m.tflite")
        let lines = report.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines[0], "model:    m.tflite")
        XCTAssertEqual(lines[1], "accuracy: 66.67% (6/9 correct)")
        XCTAssertEqual(lines[2], "latency:  median 2.000 ms per image")
        XCTAssertTrue(lines.contains("       0  1  2  3  4  5  6  7  8  9"), report)
        XCTAssertTrue(lines.contains("  1 |  .  1  .  .  .  .  .  1  .  ."), report)
        XCTAssertTrue(lines.contains("  7 |  .  2  .  .  .  .  .  2  .  ."), report)
        XCTAssertTrue(lines.contains("  3 |  .  .  .  0  .  .  .  .  .  ."), report)
        XCTAssertTrue(report.contains("worst classes (error rate):\n  7: 50.00% wrong (2/4)\n  1: 50.00% wrong (1/2)\n  0: 0.00% wrong (0/3)"), report)
        XCTAssertTrue(report.contains("slowest classes (mean latency):\n  1: 4.000 ms\n  7: 2.000 ms\n  0: 1.000 ms"), report)
    }

    func testFixedFormatting() {
        XCTAssertEqual(DigitEvaluationSummary.fixed(0.9913 * 100, digits: 2), "99.13")
        XCTAssertEqual(DigitEvaluationSummary.fixed(0.0005, digits: 3), "0.001")
        XCTAssertEqual(DigitEvaluationSummary.fixed(12.3456, digits: 3), "12.346")
        XCTAssertEqual(DigitEvaluationSummary.fixed(-1.05, digits: 1), "-1.1")
        XCTAssertEqual(DigitEvaluationSummary.fixed(7, digits: 0), "7")
    }

    // MARK: Test set and evaluation

    private var mnistDirectory: URL { F.root.appendingPathComponent("mnist") }

    func testSmallCNNOnHundredTestDigits() throws {
        let set = try DigitTestSet(imagesPath: mnistDirectory.appendingPathComponent("t10k-images-100.idx3-ubyte").path,
                                   labelsPath: mnistDirectory.appendingPathComponent("t10k-labels-100.idx1-ubyte").path)
        XCTAssertEqual(set.images.count, 100)
        XCTAssertEqual(set.labels.prefix(5), [7, 2, 1, 0, 4])
        let model = try DigitModels.load(modelPath: F.weights.appendingPathComponent("mnist_small_cnn.tflite").path)
        var calls = 0
        let s = try DigitModels.evaluate(model, on: set) { done, total in
            calls += 1
            XCTAssertEqual(total, 100)
            XCTAssertEqual(done, calls)
        }
        XCTAssertEqual(calls, 100)
        XCTAssertEqual(s.count, 100)
        // LiteRT's builtin kernels read 99 of these 100 digits; the engine
        // must give the same digit for every image, not just a similar score.
        let litert = try XCTUnwrap(F.liteRTPredictions().models["mnist_small_cnn"])
        XCTAssertEqual(s.labels, try F.liteRTPredictions().labels)
        XCTAssertEqual(s.predictions, litert.predictions)
        XCTAssertEqual(s.correct, litert.correct)
        XCTAssertEqual(s.correct, 99)
        XCTAssertEqual(s.latenciesMilliseconds.count, 100)
    }

    func testLimitKeepsTheFirstImages() throws {
        let set = try DigitTestSet(imagesPath: mnistDirectory.appendingPathComponent("t10k-images-100.idx3-ubyte").path,
                                   labelsPath: mnistDirectory.appendingPathComponent("t10k-labels-100.idx1-ubyte").path,
                                   limit: 3)
        XCTAssertEqual(set.labels, [7, 2, 1])
        XCTAssertEqual(set.images.count, 3)
        XCTAssertEqual(set.images[0].count, 784)
    }

    func testMismatchedOrWrongFilesAreErrors() throws {
        let images = mnistDirectory.appendingPathComponent("t10k-images-100.idx3-ubyte").path
        let labels = mnistDirectory.appendingPathComponent("t10k-labels-100.idx1-ubyte").path
        // Labels as images: wrong image size.
        XCTAssertThrowsError(try DigitTestSet(imagesPath: labels, labelsPath: labels)) { error in
            XCTAssertTrue("\(error)".contains("expected [N, 28, 28]"), "\(error)")
        }
        // 100 images, 99 labels.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("digit-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var short = [UInt8](try Data(contentsOf: URL(fileURLWithPath: labels)))
        short[7] = 99
        short.removeLast()
        let shortPath = dir.appendingPathComponent("labels-99").path
        try Data(short).write(to: URL(fileURLWithPath: shortPath))
        XCTAssertThrowsError(try DigitTestSet(imagesPath: images, labelsPath: shortPath)) { error in
            XCTAssertTrue("\(error)".contains("100 images but"), "\(error)")
            XCTAssertTrue("\(error)".contains("99 labels"), "\(error)")
        }
        XCTAssertThrowsError(try DigitTestSet(imagesPath: dir.appendingPathComponent("missing").path, labelsPath: labels)) { error in
            XCTAssertTrue("\(error)".contains("cannot read"), "\(error)")
        }
    }
}
