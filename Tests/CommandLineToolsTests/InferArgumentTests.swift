import XCTest
@testable import CommandLineTools

/// `infer`'s option parser called directly, including the options of the
/// modes whose runs measure the device (--auto, --serve, --score,
/// selection-report) and take too long for a unit test.
final class InferArgumentTests: XCTestCase {
    func testSpellingsOfOptions() throws {
        let specs = [OptionSpec(name: "top-k", valueName: "N", help: ""), OptionSpec(name: "help", short: "h", help: ""),
                     OptionSpec(name: "input-npy", valueName: "FILE", repeatable: true, help: "")]
        let args = try ArgumentParser.parse(["a", "--top-k=3", "-h", "--input-npy", "x", "--input-npy", "y", "--", "--not-an-option", "-"], specs: specs)
        XCTAssertEqual(args.positionals, ["a", "--not-an-option", "-"])
        XCTAssertEqual(args.string("top-k"), "3")
        XCTAssertTrue(args.has("help"))
        XCTAssertEqual(args.strings("input-npy"), ["x", "y"])
        XCTAssertThrowsError(try ArgumentParser.parse(["-x"], specs: specs))
        XCTAssertThrowsError(try ArgumentParser.parse(["-hh"], specs: specs))
    }

    func testRunRequestFields() throws {
        guard case let .run(r) = try Command.parse(["m.tflite", "i.png", "--top-k", "7", "--labels", "l.txt", "--mean", "0.5", "--std", "2",
                                                    "--invert", "--json", "--threads", "3", "--backend", "parallel", "--save-outputs", "out"]) else {
            return XCTFail("not a run")
        }
        XCTAssertEqual(r.model, "m.tflite")
        XCTAssertEqual(r.image, "i.png")
        XCTAssertEqual(r.topK, 7)
        XCTAssertEqual(r.labelsPath, "l.txt")
        XCTAssertEqual(r.mean, 0.5)
        XCTAssertEqual(r.std, 2)
        XCTAssertTrue(r.normalizationGiven && r.invert && r.json)
        XCTAssertEqual(r.threads, 3)
        XCTAssertEqual(r.backend, .parallel)
        XCTAssertEqual(r.saveOutputs, "out")
        guard case let .run(npy) = try Command.parse(["m.tflite", "--input-npy", "a.npy", "--input-npy", "b.npy", "--label-locale", "fr"]) else {
            return XCTFail("not a run")
        }
        XCTAssertEqual(npy.npyInputs, ["a.npy", "b.npy"])
        XCTAssertNil(npy.image)
        XCTAssertEqual(npy.labelLocale, "fr")
        XCTAssertEqual(npy.topK, 5)
        guard case let .run(mnist) = try Command.parse(["m.tflite", "p.pgm", "--preprocess", "mnist"]) else { return XCTFail("not a run") }
        XCTAssertTrue(mnist.preprocessMNIST)
    }

    func testInspectEvalScoreAndSelectionReportRequests() throws {
        guard case let .inspect(model, json, options) = try Command.parse(["--inspect", "m.tflite", "--json", "--threads", "2", "--backend", "parallel"]) else {
            return XCTFail("not inspect")
        }
        XCTAssertEqual(model, "m.tflite")
        XCTAssertTrue(json)
        XCTAssertEqual(options.threadCount, 2)
        guard case let .eval(e) = try Command.parse(["eval", "m", "--images", "i", "--labels", "l", "--limit", "9", "--save-predictions", "p", "--threads", "2", "--json"]) else {
            return XCTFail("not eval")
        }
        XCTAssertEqual([e.model, e.images, e.labels, e.savePredictions], ["m", "i", "l", "p"])
        XCTAssertEqual(e.limit, 9)
        XCTAssertEqual(e.threads, 2)
        XCTAssertTrue(e.json)
        guard case let .score(scoreJSON, useCache) = try Command.parse(["--score", "--json", "--no-cache"]) else { return XCTFail("not score") }
        XCTAssertTrue(scoreJSON)
        XCTAssertFalse(useCache)
        guard case let .selectionReport(s) = try Command.parse(["selection-report", "weights", "extra.tflite", "--runs", "4", "--rounds", "2", "--repeat", "1",
                                                                "--calibration-budget", "100ms", "--per-class", "--write-doc", "d.md", "--write-readme", "r.md"]) else {
            return XCTFail("not selection-report")
        }
        XCTAssertEqual(s.catalog, "weights")
        XCTAssertEqual(s.extraModels, ["extra.tflite"])
        XCTAssertEqual([s.runs, s.rounds, s.repetitions], [4, 2, 1])
        XCTAssertEqual(s.calibrationBudget, .milliseconds(100))
        XCTAssertTrue(s.perClass)
        XCTAssertEqual(s.writeDoc, "d.md")
        XCTAssertEqual(s.writeReadme, "r.md")
    }

    func testAutoAndServeRequests() throws {
        guard case let .auto(a) = try Command.parse(["--auto", "weights", "d.pgm", "--latency-budget", "0.5ms", "--memory-budget", "1.5MB",
                                                     "--min-accuracy", "0.99", "--threads", "2", "--preprocess", "mnist", "--no-cache",
                                                     "--policy", "threshold", "--score-threshold", "400"]) else {
            return XCTFail("not auto")
        }
        XCTAssertEqual(a.catalog, "weights")
        XCTAssertEqual(a.images, ["d.pgm"])
        XCTAssertEqual(a.latencyBudget, .microseconds(500))
        XCTAssertEqual(a.memoryBudgetBytes, 1_500_000)
        XCTAssertEqual(a.minimumAccuracy, 0.99)
        XCTAssertEqual(a.threads, 2)
        XCTAssertTrue(a.preprocessMNIST)
        XCTAssertFalse(a.useCache)
        XCTAssertEqual(a.policy, .threshold)
        XCTAssertEqual(a.scoreThreshold, 400)
        guard case let .auto(s) = try Command.parse(["--auto", "w", "a.pgm", "b.pgm", "--serve", "10", "--interval", "2ms", "--report-every", "5",
                                                     "--memory-warning-below", "256MiB", "--memory-critical-below", "64MiB", "--trace", "t.csv"]) else {
            return XCTFail("not auto")
        }
        XCTAssertEqual(s.serve, 10)
        XCTAssertEqual(s.images, ["a.pgm", "b.pgm"])
        XCTAssertEqual(s.interval, .milliseconds(2))
        XCTAssertEqual(s.reportEvery, 5)
        XCTAssertEqual(s.tracePath, "t.csv")
        XCTAssertEqual(s.memoryThresholds.warningBelowBytes, 256 << 20)
        XCTAssertEqual(s.memoryThresholds.criticalBelowBytes, 64 << 20)
        XCTAssertNil(s.arrivalInterval)
        guard case let .auto(stream) = try Command.parse(["--auto", "w", "a.pgm", "--serve", "10", "--arrive-every", "1ms"]) else {
            return XCTFail("not auto")
        }
        XCTAssertEqual(stream.arrivalInterval, .milliseconds(1))
        XCTAssertEqual(stream.interval, .zero)
        XCTAssertEqual(try parseMemoryBudget("50MB"), 50_000_000)
        XCTAssertEqual(try parseMemoryBudget("64MiB"), 64 << 20)
        XCTAssertEqual(try parseLatencyBudget("800us"), .microseconds(800))
        XCTAssertEqual(try parseLatencyBudget("2s"), .seconds(2))
    }

    func testAutoUsageErrors() {
        let cases: [([String], String)] = [
            (["--auto", "w", "d.pgm", "--latency-budget", "5"], "--latency-budget expects a duration with a unit"),
            (["--auto", "w", "d.pgm", "--memory-budget", "50XB"], "--memory-budget expects a size with a unit"),
            (["--auto", "w", "d.pgm", "--min-accuracy", "1.5"], "--min-accuracy expects a number in 0...1"),
            (["--auto", "w", "d.pgm", "--policy", "random"], "--policy expects 'selector' or 'threshold'"),
            (["--auto", "w", "d.pgm", "--score-threshold", "5"], "--score-threshold applies to --policy threshold"),
            (["--auto", "w", "d.pgm", "--interval", "2ms"], "--interval apply only to --serve"),
            (["--auto", "w", "d.pgm", "--trace", "t.csv"], "--trace apply only to --serve"),
            (["--auto", "w", "d.pgm", "--arrive-every", "1ms"], "--arrive-every apply only to --serve"),
            (["--auto", "w", "d.pgm", "--serve", "3", "--arrive-every", "1ms", "--interval", "1ms"], "--arrive-every and --interval cannot be combined"),
            (["--auto", "w", "d.pgm", "--serve", "3", "--arrive-every", "1us"], "--arrive-every expects at least 10us"),
            (["--auto", "w", "d.pgm", "--serve", "3", "--arrive-every", "1"], "--arrive-every expects a duration with a unit"),
            (["--auto", "w", "d.pgm", "--serve", "3", "--policy", "threshold"], "--serve uses the selector"),
            (["--auto", "w", "a.pgm", "b.pgm"], "--auto DIR takes one IMAGE"),
            (["--auto", "w", "d.pgm", "--json"], "--auto cannot be combined with --json"),
        ]
        for (arguments, message) in cases {
            XCTAssertThrowsError(try Command.parse(arguments), "\(arguments)") { error in
                guard case let .usage(text)? = error as? CLIError else { return XCTFail("not a usage error: \(error)") }
                XCTAssertTrue(text.contains(message), "'\(message)' not in '\(text)'")
            }
        }
    }
}
