import XCTest
import Foundation
@testable import CommandLineTools

/// The README's `infer` samples (marked blocks, pasted by
/// tools/update_readme_examples.py) still match what `infer` prints, apart
/// from timings: a format change without re-running the script fails here.
final class ReadmeExampleTests: CommandTestCase {
    /// The command line and output of each `<!-- example:NAME:begin -->` block.
    func examples() throws -> [String: (arguments: [String], output: [String])] {
        let readme = try String(contentsOf: Repo.root.appendingPathComponent("README.md"), encoding: .utf8)
        var result: [String: (arguments: [String], output: [String])] = [:]
        var name: String?
        var lines: [String] = []
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("<!-- example:"), line.hasSuffix(":begin -->") {
                name = String(line.dropFirst("<!-- example:".count).dropLast(":begin -->".count))
                lines = []
            } else if let current = name, line == "<!-- example:\(current):end -->" {
                let body = lines.filter { !$0.hasPrefix("```") }
                let command = try XCTUnwrap(body.first, "example \(current) has no command")
                let prefix = "$ swift run -c release infer "
                if command.hasPrefix(prefix) {
                    result[current] = (command.dropFirst(prefix.count).split(separator: " ").map(String.init), Array(body.dropFirst()))
                }
                name = nil
            } else if name != nil {
                lines.append(line)
            }
        }
        return result
    }

    /// Runs `infer` as from the repository root and returns its stdout and stderr lines.
    func run(_ arguments: [String]) -> [String] {
        let absolute = arguments.map { FileManager.default.fileExists(atPath: Repo.path($0)) && !$0.hasPrefix("-") ? Repo.path($0) : $0 }
        let result = infer(absolute)
        let text = (result.output + result.errors).replacingOccurrences(of: Repo.root.path + "/", with: "")
        return text.split(separator: "\n").map(String.init)
    }

    func testReadmeSamplesMatchRealOutput() throws {
        let examples = try examples()
        XCTAssertEqual(Set(examples.keys), ["classify", "classify-json", "error", "photo"])
        for (name, example) in examples {
            let actual = run(example.arguments)
            if name == "classify-json" {
                var expected = try jsonObject(example.output.joined(separator: "\n"))
                var got = try jsonObject(actual.joined(separator: "\n"))
                expected["timings_ms"] = nil
                got["timings_ms"] = nil
                // Scores to 1e-5 (the README may come from another build flavour), the rest exactly.
                let scores = { (j: [String: Any]) in ((j["top_k"] as? [[String: Any]]) ?? []).map { $0["score"] as? Double ?? .nan } }
                for (a, b) in zip(scores(got), scores(expected)) { XCTAssertEqual(a, b, accuracy: 1e-5, "README example \(name)") }
                XCTAssertEqual(scores(got).count, scores(expected).count)
                expected["top_k"] = (expected["top_k"] as? [[String: Any]])?.map { $0.filter { $0.key != "score" } }
                got["top_k"] = (got["top_k"] as? [[String: Any]])?.map { $0.filter { $0.key != "score" } }
                XCTAssertEqual(NSDictionary(dictionary: got), NSDictionary(dictionary: expected), "README example \(name)")
            } else {
                let untimed = { (lines: [String]) in lines.filter { !$0.hasPrefix("time:") } }
                let (got, expected) = (untimed(actual), untimed(example.output))
                XCTAssert(Self.sameApartFromScores(got, expected),
                          "README example \(name): run tools/update_readme_examples.py\n\(got.joined(separator: "\n"))\n≠\n\(expected.joined(separator: "\n"))")
            }
        }
    }

    /// Whether the lines are the same but for decimal numbers within 1e-5
    /// of each other (scores: the README may come from another build
    /// flavour, whose float sums round differently in the sixth decimal).
    static func sameApartFromScores(_ a: [String], _ b: [String]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let xs = x.split(separator: " ", omittingEmptySubsequences: false)
            let ys = y.split(separator: " ", omittingEmptySubsequences: false)
            guard xs.count == ys.count else { return false }
            for (u, v) in zip(xs, ys) where u != v {
                guard u.contains("."), let p = Double(u), let q = Double(v), abs(p - q) <= 1e-5 else { return false }
            }
        }
        return true
    }

    func testScoresMayDifferInTheSixthDecimalOnly() {
        let line = "     1     21  hamster            0.338996"
        XCTAssertTrue(Self.sameApartFromScores([line], ["     1     21  hamster            0.338993"]))
        XCTAssertFalse(Self.sameApartFromScores([line], ["     1     21  hamster            0.338896"]))
        XCTAssertFalse(Self.sameApartFromScores([line], ["     1     22  hamster            0.338996"]))
        XCTAssertFalse(Self.sameApartFromScores([line], ["     1     21  hamsters           0.338996"]))
        XCTAssertFalse(Self.sameApartFromScores([line], [line, line]))
    }
}
