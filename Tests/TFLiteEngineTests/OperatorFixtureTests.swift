// Per-operator fixture tests (Swift Testing).
//
// One test case per (fixture group, operator), read at run time from every
// operator group's `Fixtures/ops/<group>/manifest.json` (the `"op"` of each
// entry). Adding fixtures for a new operator to a manifest adds its test case:
// no Swift change. A new *group* needs one line in `FixtureCatalog.groups`
// (its default tolerance); a group directory that is not listed fails.
//
// Run one operator (in every group that has fixtures for it):
//
//     TFLITE_OP=CONV_2D swift test --filter OperatorFixtureTests
//
// which runs 5 cases (CONV_2D in ops/float32, int8, uint8, float16, hybrid)
// and ends "✔ Test operatorMatchesReference(_:) with 5 test cases passed".
//
// and one operator of one group: add `TFLITE_FIXTURE_GROUP=ops/int8`. Both
// take comma-separated lists; TFLITE_OP ignores case. An operator that matches
// nothing is a failure that lists the operators there are.
//
// `--filter` alone cannot pick one argument: in this toolchain (Swift 6.3)
// `swift test --filter` is a regular expression matched against test IDs
// (`TFLiteEngineTests.OperatorFixtureTests/operatorMatchesReference(_:)/…`),
// which name the test function but not its arguments, and `swift test list`
// lists functions only. So `--filter OperatorFixtureTests` picks this test and
// TFLITE_OP picks its cases.

import Foundation
import Testing
@testable import TFLiteEngine

/// The operators of every fixture group, found in the manifests at run time.
enum FixtureCatalog {
    /// Operator groups whose outputs are compared with reference outputs,
    /// and the tolerance of entries without their own `tolerance`: per
    /// element |actual − expected| ≤ absolute + relative·|expected| (see
    /// `Tolerance`; NaN and infinities must match exactly; integer outputs are
    /// always compared exactly). Each family's float tolerance is set just
    /// above the largest error measured against its reference, with the
    /// measurement beside it; re-measure with
    /// `TFLITE_MEASURE_ERRORS=1 swift test --filter OperatorFixtureTests`
    /// (prints, per fixture and per family, the absolute part each relative
    /// part needs).
    static let groups: [(name: String, defaultTolerance: Tolerance)] = [
        // Single-op float32 models against LiteRT's builtin kernels.
        // Measured (TFLITE_MEASURE_ERRORS=1): every element within 3.9e-7 + 1e-5·|expected|
        // (conv2d_5x3_s1_same_relu6: summation order); the tolerance is about 2.5× that.
        ("ops/float32", Tolerance(absolute: 1e-6, relative: 1e-5)),
        // Element-wise, activation and reduction ops (tools/make_op_fixtures_elementwise.py),
        // including zero-size tensors (empty outputs).
        // Measured: within 1.4e-8 + 1e-6·|expected| (ELU, transcendental approximations); ~2× that.
        ("ops/float32_elementwise", Tolerance(absolute: 3e-8, relative: 2e-6)),
        // Infinities, NaNs and zeros in the inputs (division by zero,
        // rsqrt(0), inf − inf, NaN in pooling windows and reductions)
        // against LiteRT (tools/make_special_value_fixtures.py): NaN must
        // match NaN, infinities exactly.
        // Measured: finite elements within 1e-6 relative, and 4.5e-39 absolute where LiteRT
        // flushes logistic(−1e30) to 0 and we give a subnormal.
        ("ops/float32_special", Tolerance(absolute: 1e-37, relative: 1e-6)),
        // Shape and layout ops, transpose conv, batch matmul (tools/make_op_fixtures_layout.py).
        // Measured: within 1.1e-8 + 1e-5·|expected| (transpose convolutions: summation order); ~2.5× that.
        ("ops/float32_layout", Tolerance(absolute: 3e-8, relative: 1e-5)),
        // Math, comparison, logic, selection, cast, fill and range ops on
        // float32, int32, int64, bool and int8/uint8 (tools/make_op_fixtures_math.py);
        // integer and bool outputs are compared exactly.
        // Measured: within 2.3e-7 + 1e-5·|expected| (GELU approximate); ~2× that.
        ("ops/math", Tolerance(absolute: 5e-7, relative: 1e-5)),
        // WHILE and IF calling other subgraphs (tools/make_op_fixtures_control_flow.py).
        // Measured: within 1e-6·|expected| (or 2.4e-7 absolute; float loop bodies); ~2× that.
        ("ops/control_flow", Tolerance(absolute: 1e-7, relative: 2e-6)),
        // Full-integer int8, bit-exact against TFLite Micro's reference kernels (tools/make_int8_fixtures.py).
        ("ops/int8", .exact),
        // FULLY_CONNECTED with the largest int8/uint8 accumulations (K up to
        // 5,000, products near 255·255) and informative outputs (16
        // accumulator units per output step), bit-exact against TFLite Micro
        // (int8) and LiteRT's reference kernels (uint8) (tools/make_accumulation_fixtures.py).
        ("ops/int8_accumulation", .exact),
        // int8 models whose inputs and output share one quantization (RELU
        // family, MAXIMUM, MINIMUM, REDUCE_MAX, ARG_MAX): bit-exact.
        ("ops/int8_elementwise", .exact),
        // Legacy uint8 models (asymmetric per-tensor weights) rewritten from int8
        // ones by tools/make_uint8_fixtures.py; bit-exact against LiteRT's
        // reference kernels (TFLite Micro has no uint8 kernels).
        ("ops/uint8", .exact),
        // float16 weights (DEQUANTIZE), dynamic-range hybrid kernels and sparse
        // weights (DENSIFY) against LiteRT's builtin kernels (tools/make_compressed_fixtures.py).
        // Measured: within 2.7e-7 + 1e-5·|expected| (conv2d_3x3_s2_valid); ~2× that.
        ("ops/float16", Tolerance(absolute: 5e-7, relative: 1e-5)),
        // Measured: within 3e-8 + 1e-5·|expected| (was relative 1e-3 of the largest output); 2× that.
        ("ops/hybrid", Tolerance(absolute: 6e-8, relative: 1e-5)),
        // Measured: within 8.3e-9 + 1e-5·|expected|; ~2.5× that.
        ("ops/sparse", Tolerance(absolute: 2e-8, relative: 1e-5)),
        // UNIDIRECTIONAL_SEQUENCE_LSTM/RNN in every variant (float32 and hybrid
        // against LiteRT's builtin kernels, int8 bit-exact against TFLite
        // Micro) and REVERSE_V2 (tools/make_op_fixtures_recurrent.py).
        // Measured: within 8.6e-8 + 1e-5·|expected| (RNN); ~2× that.
        ("ops/recurrent", Tolerance(absolute: 2e-7, relative: 1e-5)),
    ]

    /// Fixtures the engine does not match yet ("group/name": the reason):
    /// recorded as known issues; one that starts passing fails until it is
    /// taken off the list.
    static let knownIssues: [String: String] = [:]

    /// The default tolerance of an operator group (exact for unknown names).
    static func tolerance(of group: String) -> Tolerance {
        groups.first { $0.name == group }?.defaultTolerance ?? .exact
    }

    /// Groups of models that must be rejected; checked in XCTest
    /// (`Fixtures.checkRejected` and `QuantizedTests.testInvalidQuantizationIsRejected`).
    static let rejectedGroups: Set<String> = ["ops/invalid", "ops/invalid_layout", "ops/int8_invalid"]

    /// Every (group, operator) case, honouring TFLITE_OP and TFLITE_FIXTURE_GROUP;
    /// problems with the manifests (missing, empty, unreadable, entries without
    /// an `op`, unlisted group directories) are cases that fail.
    static var cases: [OperatorCase] {
        cases(environment: ProcessInfo.processInfo.environment)
    }

    /// The cases for the manifests under `root` (`<root>/ops/<group>/manifest.json`).
    static func cases(environment: [String: String], root: URL = Fixtures.root,
                      groups: [(name: String, defaultTolerance: Tolerance)] = groups,
                      rejectedGroups: Set<String> = rejectedGroups) -> [OperatorCase] {
        func list(_ key: String) -> [String]? {
            let items = environment[key]?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return items?.isEmpty == false ? items : nil
        }
        let wantedOps = list("TFLITE_OP").map { Set($0.map { $0.uppercased() }) }
        let wantedGroups = list("TFLITE_FIXTURE_GROUP").map { Set($0.map { $0.hasPrefix("ops/") ? $0 : "ops/" + $0 }) }

        var result: [OperatorCase] = [], problems: [OperatorCase] = [], allOps = Set<String>()
        func problem(_ group: String, _ text: String) {
            problems.append(OperatorCase(group: group, op: "problem \(problems.count + 1)", defaultTolerance: .exact, fixtures: [], problem: text))
        }

        // Every directory under Fixtures/ops must be a known group.
        let opsRoot = root.appendingPathComponent("ops")
        let known = Set(groups.map(\.name)).union(rejectedGroups)
        let onDisk = (try? FileManager.default.contentsOfDirectory(atPath: opsRoot.path)) ?? []
        for dir in onDisk.sorted() where !known.contains("ops/" + dir) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: opsRoot.appendingPathComponent(dir).path, isDirectory: &isDirectory), isDirectory.boolValue {
                problem("ops/" + dir, "fixture group ops/\(dir) is not listed in FixtureCatalog.groups (default tolerance) nor rejectedGroups")
            }
        }
        if let wantedGroups {
            for g in wantedGroups.sorted() where !groups.contains(where: { $0.name == g }) {
                problem(g, "TFLITE_FIXTURE_GROUP=\(g) is not an operator group; groups: \(groups.map(\.name).joined(separator: ", "))")
            }
        }

        for (group, tolerance) in groups where wantedGroups?.contains(group) ?? true {
            let url = root.appendingPathComponent(group).appendingPathComponent("manifest.json")
            guard FileManager.default.fileExists(atPath: url.path) else {
                problem(group, "\(group): manifest \(url.path) is missing")
                continue
            }
            let entries: [Fixtures.Entry]
            do {
                entries = try Fixtures.entries(manifest: url)
            } catch {
                problem(group, "\(group): manifest cannot be read: \(error)")
                continue
            }
            if entries.isEmpty { problem(group, "\(group): manifest lists no fixtures") }
            let unnamed = entries.filter { ($0.op ?? "").isEmpty }.map(\.name)
            if !unnamed.isEmpty { problem(group, "\(group): entries without \"op\" (not run): \(unnamed.joined(separator: ", "))") }

            var byOp: [String: [Fixtures.Entry]] = [:]
            for entry in entries { if let op = entry.op, !op.isEmpty { byOp[op, default: []].append(entry) } }
            allOps.formUnion(byOp.keys)
            for (op, fixtures) in byOp.sorted(by: { $0.key < $1.key }) where wantedOps?.contains(op.uppercased()) ?? true {
                result.append(OperatorCase(group: group, op: op, defaultTolerance: tolerance, fixtures: fixtures, problem: nil))
            }
        }

        if let wantedOps, result.isEmpty {
            problem("ops", "TFLITE_OP=\(wantedOps.sorted().joined(separator: ",")) matches no operator"
                + (wantedGroups.map { " in \($0.sorted().joined(separator: ", "))" } ?? "")
                + "; operators: \(allOps.sorted().joined(separator: ", "))")
        }
        return problems + result
    }
}

/// The fixtures of one operator in one group (or, with `problem`, a problem
/// with the manifests or the selection, to report as a failure).
struct OperatorCase: Sendable, Identifiable, CustomTestStringConvertible {
    let group: String
    let op: String
    let defaultTolerance: Tolerance
    let fixtures: [Fixtures.Entry]
    let problem: String?

    var id: String { "\(group)/\(op)" }
    var testDescription: String {
        if problem != nil { return "catalog problem in \(group)" }
        return "\(op) in \(group) (\(fixtures.count) fixture\(fixtures.count == 1 ? "" : "s"))"
    }
}

@Suite("Operator fixtures")
struct OperatorFixtureTests {
    /// Every fixture of the operator matches its reference outputs within
    /// the group's tolerance (or the entry's own).
    @Test(arguments: FixtureCatalog.cases)
    func operatorMatchesReference(_ op: OperatorCase) {
        if let problem = op.problem {
            Issue.record(Comment(rawValue: problem))
            return
        }
        if ProcessInfo.processInfo.environment["TFLITE_MEASURE_ERRORS"] != nil { Fixtures.printErrors(op.group, op.fixtures, label: op.op) }
        for entry in op.fixtures {
            let check = {
                for problem in Fixtures.problems(op.group, entry, defaultTolerance: op.defaultTolerance) {
                    Issue.record(Comment(rawValue: "\(op.group)/\(entry.name) (\(op.op)): \(problem)"))
                }
            }
            if let reason = FixtureCatalog.knownIssues["\(op.group)/\(entry.name)"] {
                withKnownIssue(Comment(rawValue: reason)) { check() }
            } else {
                check()
            }
        }
    }
}
