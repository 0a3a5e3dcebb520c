import XCTest
import Foundation
@testable import ModelSelection

/// The threshold baseline, the policy comparison on simulated devices, and
/// the memory-pressure signal's parsing and thresholds (no real timing).
final class PolicyAndSignalTests: XCTestCase {
    typealias F = SelectionFixtures

    func testThresholdPolicyReproducesTheOriginalApp() throws {
        let catalog = try ModelCatalog.load(path: F.weights.path)
        let policy = try XCTUnwrap(ThresholdPolicy.original(in: catalog.candidates))
        XCTAssertEqual(policy.big, "mnist_vgg_32_float32")
        XCTAssertEqual(policy.small, "mnist_mobilenet_v2_32_float32")
        XCTAssertEqual(policy.threshold, 500)
        XCTAssertEqual(policy.choose(aiScore: 797), policy.big)
        XCTAssertEqual(policy.choose(aiScore: 500), policy.big)
        XCTAssertEqual(policy.choose(aiScore: 417), policy.small)
        XCTAssertNil(ThresholdPolicy.original(in: [F.candidate("x", megaMACs: 1, accuracy: 0.9)]))
    }

    func testOnSimulatedDevicesTheSelectorMissesOnlyWhenNothingFits() throws {
        // A big accurate model and a small one, measured on "this device" (1 ms and 0.2 ms).
        var big = F.workloadCandidate("big", nodes: 10, macs: 50_000, accuracy: 0.995)
        big.architecture = "vgg_32"
        var small = F.workloadCandidate("small", nodes: 2, macs: 50_000, accuracy: 0.99)
        small.architecture = "mobilenet_v2_32"
        let models = [PolicyComparison.MeasuredModel(candidate: big, measuredLatency: .milliseconds(1), measuredMemoryBytes: 3 << 20),
                      PolicyComparison.MeasuredModel(candidate: small, measuredLatency: .microseconds(200), measuredMemoryBytes: 1 << 20)]
        var profile = F.profile(float32GFLOPS: 50, int8GOPS: 20, bandwidth: 40)
        profile.calibration = F.calibration()
        let threshold = try XCTUnwrap(ThresholdPolicy.original(in: [big, small], threshold: 300))
        let classes = [PolicyComparison.DeviceClass(name: "same", slowdown: 1),
                       PolicyComparison.DeviceClass(name: "4x slower, 2 MiB", slowdown: 4, singleCore: true, memoryBytes: 2 << 20)]
        let outcomes = PolicyComparison.compare(models, profile: profile, threshold: threshold, classes: classes,
                                                budgets: [.microseconds(100), .microseconds(500), .milliseconds(2)])
        XCTAssertEqual(outcomes.count, 4)
        for o in outcomes where o.policy == "selector" {
            XCTAssertEqual(o.misses, o.unavoidable, "\(o)")
        }
        // On this device the score is high: the threshold takes "big" (1 ms) even for 0.5 ms budgets.
        let sameThreshold = try XCTUnwrap(outcomes.first { $0.deviceClass == "same" && $0.policy == "threshold" })
        let sameSelector = try XCTUnwrap(outcomes.first { $0.deviceClass == "same" && $0.policy == "selector" })
        XCTAssertEqual(sameThreshold.chosen.keys.sorted(), ["big"])
        XCTAssertGreaterThan(sameThreshold.misses, sameSelector.misses)
        XCTAssertEqual(sameSelector.chosen, ["small": 6, "big": 3])
        let slowSelector = try XCTUnwrap(outcomes.first { $0.deviceClass == "4x slower, 2 MiB" && $0.policy == "selector" })
        XCTAssertEqual(slowSelector.chosen.keys.sorted(), ["small"])   // the big model does not fit in 2 MiB
        // A slower class reads a lower AI score; one core lowers it further.
        XCTAssertLessThan(PolicyComparison.classScore(profile, classes[1]), PolicyComparison.classScore(profile, classes[0]) / 4 + 1)
        let table = PolicyComparison.markdown(outcomes)
        XCTAssertTrue(table.contains("| same | selector |"), table)
    }

    func testPressureStallInformationIsParsedAndThresholded() throws {
        let text = """
        some avg10=12.50 avg60=3.00 avg300=0.50 total=123456
        full avg10=0.75 avg60=0.10 avg300=0.00 total=2345
        """
        let psi = try XCTUnwrap(SystemMemoryPressure.parsePressureStall(text))
        XCTAssertEqual(psi.some, 12.5)
        XCTAssertEqual(psi.full, 0.75)
        XCTAssertNil(SystemMemoryPressure.parsePressureStall("garbage avg10=x\n"))
        XCTAssertEqual(SystemMemoryPressure.parsePressureStall("some avg10=1.0 avg60=0\n")?.full, 0)
        let t = SystemMemoryPressure.Thresholds()
        XCTAssertEqual(SystemMemoryPressure.level(psi: (0, 0), availableBytes: 1 << 30, thresholds: t), .normal)
        XCTAssertEqual(SystemMemoryPressure.level(psi: psi, availableBytes: 1 << 30, thresholds: t), .warning)
        XCTAssertEqual(SystemMemoryPressure.level(psi: (50, 6), availableBytes: 1 << 30, thresholds: t), .critical)
        // Without PSI, available memory alone decides.
        XCTAssertEqual(SystemMemoryPressure.level(psi: nil, availableBytes: 100 << 20, thresholds: t), .warning)
        XCTAssertEqual(SystemMemoryPressure.level(psi: nil, availableBytes: 10 << 20, thresholds: t), .critical)
        XCTAssertEqual(SystemMemoryPressure.level(psi: nil, availableBytes: nil, thresholds: t), .normal)
        // The live source answers without the app's help (the level depends on the machine).
        let live = SystemMemoryPressure()
        _ = live.currentPressure()
        XCTAssertFalse(live.reading().reason.isEmpty)
    }

    /// The child-process runner `infer selection-report` uses for its memory probes (no Foundation `Process`).
    func testStandardOutputOfAChildProcess() throws {
        let sh = "/bin/sh"
        XCTAssertEqual(ProcessResources.standardOutput(ofExecutable: sh, arguments: ["-c", "echo 42; echo noise >&2"]), "42\n")
        XCTAssertEqual(ProcessResources.standardOutput(ofExecutable: sh, arguments: ["-c", "printf '%s|%s' \"$0\" \"$1\"", "a b", "c"]), "a b|c")
        XCTAssertNil(ProcessResources.standardOutput(ofExecutable: sh, arguments: ["-c", "echo partial; exit 3"]))
        XCTAssertNil(ProcessResources.standardOutput(ofExecutable: sh, arguments: ["-c", "kill -9 $$"]))
        XCTAssertNil(ProcessResources.standardOutput(ofExecutable: "/nonexistent/program", arguments: []))
        XCTAssertNil(ProcessResources.standardOutput(ofExecutable: sh, arguments: ["-c", "yes"], maxOutputBytes: 10_000))
        #if os(Linux)
        let me = try XCTUnwrap(ProcessResources.currentExecutablePath())
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: me), me)
        #endif
    }
}
