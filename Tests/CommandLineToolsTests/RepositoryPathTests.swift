import XCTest
import Foundation

/// Docs, tests, tools and sources name files relative to the repository, never
/// by a path of the machine they were written on (issue 18: docs, tests and
/// tools scripts named the build machine's directories).
final class RepositoryPathTests: XCTestCase {
    func testNoAbsoluteMachinePaths() throws {
        // Spelled in pieces so that this file does not match itself.
        let patterns = ["work", "home", "Users", "tmp"].map { "/" + $0 + "/" }
        let roots = ["README.md", "docs", "tools", "Tests", "Sources", "Benchmarks", "Fuzz", "Package.swift"]
        let extensions: Set<String> = ["md", "swift", "py", "sh", "txt", "yml", "yaml"]
        var scanned = 0
        var findings: [String] = []
        for root in roots {
            let url = Repo.root.appendingPathComponent(root)
            var files: [URL] = []
            if let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) {
                for case let file as URL in enumerator {
                    if file.path.contains("/Fixtures/") || file.path.contains("/__pycache__/") { continue }
                    files.append(file)
                }
            } else if FileManager.default.fileExists(atPath: url.path) {
                files = [url]
            }
            for file in files where extensions.contains(file.pathExtension) {
                guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
                scanned += 1
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    for pattern in patterns where line.contains(pattern) {
                        findings.append("\(file.path.dropFirst(Repo.root.path.count + 1)):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                    }
                }
            }
        }
        XCTAssertGreaterThan(scanned, 100, "the repository's files were not found")
        XCTAssertEqual(findings, [], "absolute machine paths:\n" + findings.joined(separator: "\n"))
    }
}
