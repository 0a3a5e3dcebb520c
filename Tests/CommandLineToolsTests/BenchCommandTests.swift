import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
@testable import CommandLineTools

/// `bench` end to end on a tiny model with `--runs 2 --min-time 0`: every
/// documented option, file format, error and exit code. No timing is asserted.
final class BenchCommandTests: CommandTestCase {
    let quick = ["--runs", "2", "--min-time", "0", "--warmup", "1"]

    func testHelp() {
        for flag in ["--help", "-h"] {
            let run = bench([flag])
            XCTAssertEqual(run.code, 0)
            XCTAssertTrue(run.output.hasPrefix("usage: bench [MODEL…]"), run.output)
            for option in ["--backend", "--threads", "--runs", "--min-time", "--warmup", "--profile", "--json", "--csv", "--svg", "--compare", "--input", "--expect", "--compare-threads"] {
                XCTAssertTrue(run.output.contains(option), "--help lacks \(option)")
            }
        }
    }

    func testRunWritesJSONCSVAndSVG() throws {
        let dir = try temporaryDirectory()
        let json = dir + "/out.json", csv = dir + "/out.csv", svg = dir + "/chart.svg"
        let run = bench([Repo.tinyModel] + quick + ["--json", json, "--csv", csv, "--svg", svg])
        XCTAssertEqual(run.code, 0, run.errors)
        XCTAssertEqual(run.errors, "")
        XCTAssertTrue(run.output.hasPrefix("bench: TFLiteEngine, "), run.output)
        XCTAssertTrue(run.output.contains("  image_classifier_labels / cpu / 1 thread(s): median "), run.output)
        XCTAssertTrue(run.output.contains("model                    backend  threads  median ms  p90 ms"), run.output)
        for path in [json, csv, svg] { XCTAssertTrue(run.output.contains("wrote \(path)\n"), run.output) }

        let report = try jsonObject(String(contentsOfFile: json, encoding: .utf8))
        assertKeys(report, ["machine", "build", "results"], "bench --json")
        assertKeys(report["machine"] as? [String: Any], ["cpu", "logical_cpus", "os", "hostname", "date"], "machine")
        assertKeys(report["build"] as? [String: Any], ["tool", "flavour", "float_lanes"], "build")
        let results = try XCTUnwrap(report["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 1)
        assertKeys(results.first, ["model", "model_path", "backend", "threads", "median_ms", "p90_ms", "min_ms", "max_ms", "mean_ms", "std_ms",
                                   "init_ms", "first_invoke_ms", "arena_bytes", "peak_rss_bytes", "runs", "cpu_median_ms", "cpu_min_ms"], "results[0]")
        XCTAssertEqual(results.first?["model"] as? String, "image_classifier_labels")
        XCTAssertEqual(results.first?["backend"] as? String, "cpu")
        XCTAssertGreaterThanOrEqual(results.first?["runs"] as? Int ?? 0, 2)
        #if os(Linux)
        // Resident memory before the model, after load, after allocateTensors() and the peak, from one run.
        XCTAssertTrue(run.output.contains("    RSS MiB: before load "), run.output)
        let memory = results.first?["memory"] as? [String: Any]
        assertKeys(memory, ["before_load_bytes", "after_load_bytes", "after_allocate_bytes", "peak_after_allocate_bytes",
                            "peak_after_invokes_bytes", "file_bytes", "arena_bytes"], "results[0].memory")
        let before = memory?["before_load_bytes"] as? Int ?? 0, peak = memory?["peak_after_invokes_bytes"] as? Int ?? 0
        XCTAssertGreaterThan(before, 0)
        XCTAssertGreaterThanOrEqual(peak, before)
        #endif

        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows.first, "model,backend,threads,median_ms,p90_ms,min_ms,max_ms,mean_ms,std_ms,init_ms,first_invoke_ms,arena_bytes,peak_rss_bytes,runs,cpu_median_ms,flavour")
        XCTAssertEqual(rows.last?.split(separator: ",", omittingEmptySubsequences: false).count, 16)

        let chart = try String(contentsOfFile: svg, encoding: .utf8)
        XCTAssertTrue(chart.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(chart.hasSuffix("</svg>\n"))
        XCTAssertTrue(chart.contains(">image_classifier_labels</text>"))
    }

    func testBackendsThreadsAndProfile() throws {
        let dir = try temporaryDirectory()
        let json = dir + "/out.json"
        let run = bench([Repo.tinyModel] + quick + ["--backend", "all", "--threads", "1,2", "--profile", "--json", json])
        XCTAssertEqual(run.code, 0, run.errors)
        let results = try XCTUnwrap(try jsonObject(String(contentsOfFile: json, encoding: .utf8))["results"] as? [[String: Any]])
        // Every registered backend (other tests in the process may register more than cpu and parallel),
        // each with --threads 1 and 2 (the threads reported are those that ran: the parallel backend's are asked).
        let backends = results.map { $0["backend"] as? String ?? "" }
        XCTAssertEqual(backends, availableBackends.flatMap { [$0.name, $0.name] })
        XCTAssertEqual(Array(backends.prefix(4)), ["cpu", "cpu", "parallel", "parallel"])
        XCTAssertEqual(results.filter { $0["backend"] as? String == "parallel" }.map { $0["threads"] as? Int }, [1, 2])
        XCTAssertTrue(run.output.contains("=== Run order: image_classifier_labels / cpu / 1 thread(s) ==="), run.output)
        XCTAssertTrue(run.output.contains("=== Summary by operator type: "))
        let one = bench([Repo.tinyModel] + quick + ["--backend", "parallel", "--backend", "cpu"])
        XCTAssertEqual(one.code, 0, one.errors)
        XCTAssertTrue(one.output.contains("/ parallel / 1 thread(s)") && one.output.contains("/ cpu / 1 thread(s)"))
    }

    /// `--warm` adds each node's repeated run to the run-order table and the JSON.
    func testWarmProfile() throws {
        let dir = try temporaryDirectory()
        let json = dir + "/warm.json"
        let run = bench([Repo.digitModel] + quick + ["--warm", "--json", json])
        XCTAssertEqual(run.code, 0, run.errors)
        XCTAssertTrue(run.output.contains("warm min ms  GFLOP/s@warm"), run.output)
        let results = try XCTUnwrap(try jsonObject(String(contentsOfFile: json, encoding: .utf8))["results"] as? [[String: Any]])
        let profile = try XCTUnwrap(results.first?["profile"] as? [[String: Any]])
        XCTAssertFalse(profile.isEmpty)
        for row in profile {
            let warm = row["warm_min_ms"] as? Double
            if row["op"] as? String == "RESHAPE" { XCTAssertNil(warm) } else { XCTAssertNotNil(warm, "\(row)") }
        }
        let plain = bench([Repo.digitModel] + quick + ["--profile"])
        XCTAssertEqual(plain.code, 0, plain.errors)
        XCTAssertFalse(plain.output.contains("warm min ms"))
    }

    func testCompareThreadsPrintsOneTableWithBitIdentity() throws {
        let run = bench([Repo.tinyModel, Repo.digitModel, "--compare-threads", "--threads", "1,3", "--runs", "1", "--min-time", "0", "--warmup", "0"])
        XCTAssertEqual(run.code, 0, run.errors)
        XCTAssertTrue(run.output.hasPrefix("bench --compare-threads: TFLiteEngine, "), run.output)
        XCTAssertTrue(run.output.contains("=== cpu × 1 vs parallel × 3, same run"), run.output)
        let rows = run.output.split(separator: "\n").filter { $0.hasPrefix("image_classifier_labels ") || $0.hasPrefix("mnist_") }
        XCTAssertEqual(rows.count, 2, run.output)
        for row in rows { XCTAssertTrue(row.contains(" yes "), "not bit-identical: \(row)") }
        // Each model's line and row carry the round trips measured between its blocks.
        let lines = run.output.split(separator: "\n").filter { $0.contains(" ms → ") }
        XCTAssertEqual(lines.count, 2, run.output)
        for line in lines + rows { XCTAssertNotNil(line.range(of: #"\d+ \(\d+–\d+\)"#, options: .regularExpression), String(line)) }
        XCTAssertTrue(run.output.contains("core round trip ns"), run.output)
        XCTAssertEqual(roundTripSummary([]), "-")
        XCTAssertEqual(roundTripSummary([300, 100, 120]), "120 (100–300)")
        let trip = try XCTUnwrap(coreRoundTripNanoseconds(trips: 256))
        XCTAssert(trip > 0 && trip.isFinite, "\(trip)")
        XCTAssertEqual(comparisonThreadCount([1]), 2)
        XCTAssertEqual(comparisonThreadCount([4, 2]), 4)
    }

    func testInputAndExpect() {
        let run = bench([Repo.digitModel, "--runs", "1", "--min-time", "0", "--warmup", "0", "--input", Repo.digitInputNpy, "--expect", Repo.digitOutputNpy])
        XCTAssertEqual(run.code, 0, run.errors)
        let check = run.outputLines.first { $0.hasPrefix("  check: max |ours − expected| = ") }
        XCTAssertNotNil(check, run.output)
        let value = check.flatMap { Float($0.split(separator: " ")[6].trimmingCharacters(in: .punctuationCharacters)) }
        XCTAssertLessThan(value ?? 1, 1e-5, String(check ?? ""))
    }

    /// An int8 output is compared in stored units: TFLite Micro's output of
    /// the small MobileNetV2 int8 exactly, and a copy with one byte moved
    /// by 3 as one element 3 units off.
    func testExpectComparesInt8Outputs() throws {
        let fixtures = "Tests/TFLiteEngineTests/Fixtures/zoo/mobilenetv2_int8"
        let model = Repo.path(fixtures + ".tflite"), input = Repo.path(fixtures + ".input0.npy")
        let expected = Repo.path(fixtures + ".micro.output0.npy")
        func check(_ expect: String) -> String? {
            let run = bench([model, "--runs", "1", "--min-time", "0", "--warmup", "0", "--input", input, "--expect", expect])
            XCTAssertEqual(run.code, 0, run.errors)
            return run.outputLines.first { $0.hasPrefix("  check: ") }.map(String.init)
        }
        let exact = check(expected)
        XCTAssertEqual(exact?.hasPrefix("  check: max |ours − expected| = 0 (stored int8 units), 0 of "), true, exact ?? "no check line")
        // The .npy's data is its last bytes: move the last element by 3.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: expected))
        let last = bytes.count - 1
        bytes[last] = UInt8(bitPattern: Int8(bitPattern: bytes[last]) > 0 ? Int8(bitPattern: bytes[last]) - 3 : Int8(bitPattern: bytes[last]) + 3)
        let moved = try temporaryDirectory() + "/moved.npy"
        try bytes.write(to: URL(fileURLWithPath: moved))
        let off = check(moved)
        XCTAssertEqual(off?.hasPrefix("  check: max |ours − expected| = 3 (stored int8 units), 1 of "), true, off ?? "no check line")
    }

    func testCompareWithAReport() throws {
        let dir = try temporaryDirectory()
        let reference = dir + "/reference.json"
        XCTAssertEqual(bench([Repo.tinyModel] + quick + ["--json", reference]).code, 0)
        let svg = dir + "/chart.svg"
        let run = bench([Repo.tinyModel] + quick + ["--compare", reference, "--svg", svg])
        XCTAssertEqual(run.code, 0, run.errors)
        XCTAssertTrue(run.output.contains("=== Ours ÷ LiteRT (median latency; < 1 means TFLiteEngine is faster) ==="), run.output)
        XCTAssertTrue(run.output.contains("(the same by median thread CPU time per invoke)"))
    }

    func testDecodeBenchmark() throws {
        let dir = try temporaryDirectory()
        let json = dir + "/decode.json"
        let run = bench(["decode", Repo.digit7, "--runs", "2", "--min-time", "0", "--json", json])
        XCTAssertEqual(run.code, 0, run.errors)
        XCTAssertTrue(run.output.contains("\(Repo.digit7)  netpbm 28x28x1  median "), run.output)
        let report = try jsonObject(String(contentsOfFile: json, encoding: .utf8))
        assertKeys(report, ["machine", "build", "results"], "bench decode --json")
        assertKeys((report["results"] as? [[String: Any]])?.first,
                   ["file", "format", "width", "height", "channels", "megapixels", "median_ms", "cpu_median_ms", "cpu_min_ms", "megapixels_per_second", "runs"],
                   "results[0]")
        XCTAssertEqual(bench(["decode", "--help"]).code, 0)
        assertOneLineError(bench(["decode"]), tool: "bench", code: 2, contains: "decode: no FILE given")
        assertOneLineError(bench(["decode", Repo.digit7, "--runs", "0"]), tool: "bench", code: 2, contains: "decode: --runs expects an integer ≥ 1")
        assertOneLineError(bench(["decode", Repo.digit7, "--bogus"]), tool: "bench", code: 2, contains: "decode: unknown option '--bogus'")
        let missing = bench(["decode", "no-such.png", "--runs", "1", "--min-time", "0"])
        XCTAssertEqual(missing.code, 1)
        XCTAssertTrue(missing.errors.hasPrefix("bench: error: cannot read image 'no-such.png': No such file or directory\n"), missing.errors)
    }

    // MARK: Errors

    func testUsageErrorsAreOneLineWithExitCode2() {
        let cases: [([String], String)] = [
            (["--threads", "1,x"], "--threads expects N[,N…] with every N an integer in 1...1024, got 'x' in '1,x'"),
            (["--threads", "0"], "got '0' in '0'"),
            (["--threads", "1,,2"], "got '' in '1,,2'"),
            (["--threads", ""], "--threads expects"),
            (["--runs", "0"], "--runs expects an integer ≥ 1, got '0'"),
            (["--runs", "x"], "--runs expects an integer ≥ 1, got 'x'"),
            (["--warmup", "-1"], "--warmup expects an integer ≥ 0, got '-1'"),
            (["--min-time", "-1"], "--min-time expects seconds ≥ 0, got '-1'"),
            (["--min-time", "nan"], "--min-time expects seconds ≥ 0"),
            (["--backend", "gpu"], "--backend expects one of cpu, parallel"),
            (["--bogus"], "unknown option '--bogus'"),
            (["--json"], "--json needs a value"),
        ]
        for (arguments, message) in cases {
            let run = bench([Repo.tinyModel] + arguments)
            assertOneLineError(run, tool: "bench", code: 2, contains: message)
            XCTAssertTrue(run.errors.hasSuffix(" (see bench --help)\n"), run.errors)
            XCTAssertEqual(run.output, "", "no usage dump or measurement for \(arguments)")
        }
    }

    func testCompareWithABadFileFailsBeforeMeasuring() throws {
        let dir = try temporaryDirectory()
        let notReport = dir + "/other.json", notJSON = dir + "/results.csv", wrongType = dir + "/wrong.json"
        try Data("{\"a\": 1}".utf8).write(to: URL(fileURLWithPath: notReport))
        try Data("model,backend\nx,cpu\n".utf8).write(to: URL(fileURLWithPath: notJSON))
        try Data("{\"machine\": {}, \"build\": {}, \"results\": 3}".utf8).write(to: URL(fileURLWithPath: wrongType))
        let cases: [(String, String)] = [
            (notReport, "is not a JSON report of bench --json or tools/compare_litert.py --json: missing key 'machine'"),
            (notJSON, "is not a JSON report of bench --json or tools/compare_litert.py --json: not valid JSON"),
            (wrongType, "is not a JSON report"),
            (dir + "/missing.json", "cannot read --compare file '\(dir)/missing.json': No such file or directory"),
        ]
        for (path, message) in cases {
            let run = bench([Repo.tinyModel] + quick + ["--compare", path])
            assertOneLineError(run, tool: "bench", code: 1, contains: message)
            XCTAssertEqual(run.output, "", "measured before reading --compare")
        }
    }

    func testUnwritableOutputFilesAreOneLineErrors() throws {
        let dir = try temporaryDirectory()
        let file = dir + "/file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        for option in ["--svg", "--csv", "--json"] {
            let target = file + "/chart.out"  // below a regular file: cannot be created
            let run = bench([Repo.tinyModel] + quick + [option, target])
            assertOneLineError(run, tool: "bench", code: 1, contains: "cannot write \(option) file '\(target)': Not a directory")
        }
    }

    func testMissingModelIsOneLineErrorAndExitCode1() {
        let run = bench(["no-such-model.tflite"] + quick)
        XCTAssertEqual(run.code, 1)
        XCTAssertEqual(run.errorLines.count, 1, run.errors)
        XCTAssertTrue(run.errors.hasPrefix("bench: error: no-such-model.tflite [cpu, 1 thread(s)]: "), run.errors)
    }

    // MARK: SVG axis

    func testLinearAxisTicksAreRoundAndCoverTheData() {
        let axis = linearAxisTicks(maximum: 3.5)
        XCTAssertEqual(axis.ticks, [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5])
        XCTAssertEqual(axis.ticks.map { axisTickLabel($0, step: axis.step) }, ["0", "0.5", "1", "1.5", "2", "2.5", "3", "3.5"])
        XCTAssertEqual(linearAxisTicks(maximum: 3.2).ticks, [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5])
        XCTAssertEqual(linearAxisTicks(maximum: 10).ticks, [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(linearAxisTicks(maximum: 61).ticks, [0, 10, 20, 30, 40, 50, 60, 70])
        for maximum in [0.0123, 0.07, 0.3, 0.9, 1, 1.7, 4.4, 7.9, 12, 99, 1234.5] {
            let (ticks, step) = linearAxisTicks(maximum: maximum)
            XCTAssertEqual(ticks.first, 0)
            XCTAssertGreaterThanOrEqual(ticks.last ?? 0, maximum * (1 - 1e-9), "ticks must cover \(maximum)")
            XCTAssertLessThanOrEqual(ticks.count - 1, 8, "\(maximum): \(ticks)")
            XCTAssertGreaterThanOrEqual(ticks.count - 1, 2, "\(maximum): \(ticks)")
            let mantissa = step / pow(10, floor(log10(step)))
            XCTAssertTrue([1, 2, 5].contains { abs(mantissa - $0) < 1e-9 }, "step \(step) is not 1, 2 or 5 × 10^k")
            let labels = ticks.map { axisTickLabel($0, step: step) }
            XCTAssertEqual(Set(labels).count, labels.count, "repeated tick labels for \(maximum): \(labels)")
            for (tick, label) in zip(ticks, labels) { XCTAssertEqual(Double(label) ?? .nan, tick, accuracy: step * 1e-6, label) }
        }
        XCTAssertEqual(axisTickLabel(0.30000000000000004, step: 0.1), "0.3")
        XCTAssertEqual(axisTickLabel(0.25, step: 0.05), "0.25")
    }
}
