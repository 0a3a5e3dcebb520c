import Foundation
import Testing
@testable import TFLiteEngine

// In its own file: `swift test --filter OperatorFixtureTests` also matches
// the source file name in a Swift Testing test ID, so these checks of the
// catalog would otherwise run whenever one operator is selected.

/// The catalog itself: every fixture of every operator group is in exactly
/// one case, the environment selects cases, and manifest problems fail.
@Suite("Fixture catalog")
struct FixtureCatalogTests {
    @Test func everyFixtureIsInExactlyOneCase() throws {
        let cases = FixtureCatalog.cases(environment: [:])
        #expect(cases.allSatisfy { $0.problem == nil }, "\(cases.compactMap(\.problem))")
        for (group, _) in FixtureCatalog.groups {
            let names = try Fixtures.entries(group).map(\.name)
            #expect(!names.isEmpty, "no fixtures in \(group)")
            #expect(cases.filter { $0.group == group }.flatMap { $0.fixtures.map(\.name) }.sorted() == names.sorted(), "\(group)")
        }
        #expect(Set(cases.map(\.id)).count == cases.count)
    }

    @Test func environmentSelectsOperatorAndGroup() {
        let conv = FixtureCatalog.cases(environment: ["TFLITE_OP": "conv_2d"])
        #expect(Set(conv.map(\.op)) == ["CONV_2D"])
        #expect(Set(conv.map(\.group)) == ["ops/float32", "ops/int8", "ops/uint8", "ops/float16", "ops/hybrid"])
        let one = FixtureCatalog.cases(environment: ["TFLITE_OP": "CONV_2D, ADD", "TFLITE_FIXTURE_GROUP": "int8"])
        #expect(one.map(\.id) == ["ops/int8/ADD", "ops/int8/CONV_2D"])
        let none = FixtureCatalog.cases(environment: ["TFLITE_OP": "NO_SUCH_OP"])
        #expect(none.count == 1 && none[0].problem?.contains("matches no operator") == true)
        let badGroup = FixtureCatalog.cases(environment: ["TFLITE_FIXTURE_GROUP": "ops/nope"])
        #expect(badGroup.contains { $0.problem?.contains("not an operator group") == true })
    }

    /// A listed group whose manifest is missing, empty or malformed, an entry
    /// without an op and an unlisted group directory are failing cases, never
    /// silently zero cases.
    @Test func manifestProblemsAreFailingCases() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-catalog-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        func write(_ group: String, _ json: String) throws {
            let dir = root.appendingPathComponent(group)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(json.utf8).write(to: dir.appendingPathComponent("manifest.json"))
        }
        try write("ops/empty", #"{"fixtures": []}"#)
        try write("ops/broken", #"{"fixtures": [{"name": "x"}]}"#)
        try write("ops/no_op", #"{"fixtures": [{"name": "a", "inputs": [], "outputs": []}, {"name": "b", "op": "ADD", "inputs": [], "outputs": []}]}"#)
        try write("ops/stray", #"{"fixtures": []}"#)
        let groups: [(name: String, defaultTolerance: Tolerance)] = [("ops/missing", .exact), ("ops/empty", .exact), ("ops/broken", .exact), ("ops/no_op", .exact)]
        let cases = FixtureCatalog.cases(environment: [:], root: root, groups: groups, rejectedGroups: [])
        let problems = cases.compactMap(\.problem)
        #expect(problems.contains { $0.contains("ops/missing") && $0.contains("missing") })
        #expect(problems.contains { $0.contains("ops/empty") && $0.contains("no fixtures") })
        #expect(problems.contains { $0.contains("ops/broken") && $0.contains("cannot be read") })
        #expect(problems.contains { $0.contains("ops/no_op") && $0.contains("without \"op\"") && $0.contains("a") })
        #expect(problems.contains { $0.contains("ops/stray") && $0.contains("not listed") })
        #expect(cases.filter { $0.problem == nil }.map(\.id) == ["ops/no_op/ADD"])
    }
}
