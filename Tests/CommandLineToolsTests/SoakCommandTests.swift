import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
@testable import CommandLineTools

/// `soak`, short: a tiny model, few invokes and interpreters. Whether memory
/// stays flat is not asserted here (the real soak is a release-build run);
/// the output format, options and exit codes are.
final class SoakCommandTests: CommandTestCase {
    func testHelp() {
        let run = soak(["--help"])
        XCTAssertEqual(run.code, 0)
        XCTAssertTrue(run.output.hasPrefix("usage: soak [--model PATH --invokes N]... [--interpreters N] [--max-growth-mb MB]"))
    }

    func testShortRun() {
        let run = soak(["--model", Repo.tinyModel, "--invokes", "30", "--model", Repo.tinyModel, "--invokes", "10",
                        "--interpreters", "10", "--max-growth-mb", "1000"])
        XCTAssertEqual(run.code, 0, run.errors + run.output)
        XCTAssertEqual(run.errors, "")
        let lines = run.outputLines
        XCTAssertEqual(lines.count, 6, run.output)
        XCTAssertTrue(lines[0].hasPrefix("\(Repo.tinyModel): 30 invokes in "), String(lines[0]))
        XCTAssertTrue(lines[1].hasPrefix("  flat: 30 invokes: resident "), String(lines[1]))
        XCTAssertTrue(lines[2].hasPrefix("\(Repo.tinyModel): 10 invokes in "), String(lines[2]))
        XCTAssertTrue(lines[4].hasPrefix("  flat: 10 interpreters created, run and dropped (one shared Model): resident "), String(lines[4]))
        XCTAssertTrue(lines[5].hasPrefix("  flat: 2 models loaded (mmap) and dropped: resident "), String(lines[5]))
    }

    func testUsageErrorsAreOneLineWithExitCode2() {
        let cases: [([String], String)] = [
            (["--invokes", "5"], "--invokes N must follow --model PATH"),
            (["--model", Repo.tinyModel, "--invokes", "0"], "--invokes expects an integer ≥ 1, got '0'"),
            (["--model", Repo.tinyModel, "--invokes", "x"], "--invokes expects an integer ≥ 1, got 'x'"),
            (["--model", Repo.tinyModel], "needs --invokes N after it"),
            (["--interpreters", "x"], "--interpreters expects an integer ≥ 1, got 'x'"),
            (["--max-growth-mb", "-1"], "--max-growth-mb expects a number ≥ 0, got '-1'"),
            (["--model"], "--model needs a value"),
            (["--bogus"], "unknown option '--bogus'"),
        ]
        for (arguments, message) in cases {
            let run = soak(arguments)
            assertOneLineError(run, tool: "soak", code: 2, contains: message)
            XCTAssertEqual(run.output, "")
        }
    }

    func testMissingModelIsOneLineErrorAndExitCode1() {
        assertOneLineError(soak(["--model", "no-such-model.tflite", "--invokes", "1"]), tool: "soak", code: 1, contains: "no-such-model.tflite")
    }

    func testFIFOModelIsRefusedWithoutBlocking() throws {
        let dir = try temporaryDirectory()
        let fifo = dir + "/fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        guard let run = runReleasingFIFO(fifo, { soak(["--model", fifo, "--invokes", "1"]) }) else {
            return XCTFail("soak blocked opening the FIFO")
        }
        assertOneLineError(run, tool: "soak", code: 1, contains: "not a regular file")
        guard let benchRun = runReleasingFIFO(fifo, { bench([fifo, "--runs", "1", "--min-time", "0"]) }) else {
            return XCTFail("bench blocked opening the FIFO")
        }
        XCTAssertEqual(benchRun.code, 1)
        XCTAssertTrue(benchRun.errors.contains("not a regular file"), benchRun.errors)
        guard let compareRun = runReleasingFIFO(fifo, { bench([Repo.tinyModel, "--compare", fifo]) }) else {
            return XCTFail("bench --compare blocked opening the FIFO")
        }
        assertOneLineError(compareRun, tool: "bench", code: 1, contains: "not a regular file")
    }
}
