import Foundation
import XCTest
import TFLiteEngine

/// Keeps the libraries and the command-line tools on FoundationEssentials.
///
/// On Linux a single `import Foundation` in any file of `infer` links all of
/// Foundation, FoundationInternationalization and ICU into the static build
/// (`tools/build_static_infer.sh`: 61 MB stripped instead of 17 MB, 34 MB of it
/// ICU's data).
/// Every Foundation import under `Sources/`, `Benchmarks/` and `Fuzz/` must be the
/// `#else` branch of `#if canImport(FoundationEssentials)`.
final class FoundationImportTests: XCTestCase {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// Modules that pull in ICU or more of Foundation than FoundationEssentials.
    static let fullFoundationModules: Set<String> = ["Foundation", "FoundationInternationalization", "FoundationNetworking", "FoundationXML"]

    /// The imports of full-Foundation modules in `text` that are not inside the
    /// `#else` branch of `#if canImport(FoundationEssentials)`, as line numbers.
    static func unguardedFoundationImports(in text: String) -> [Int] {
        // One entry per open #if: (it tests canImport(FoundationEssentials), now in its #else/#elseif branch).
        var conditions: [(essentials: Bool, inElse: Bool)] = []
        var found: [Int] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#if ") {
                conditions.append((line.contains("canImport(FoundationEssentials)"), false))
            } else if line.hasPrefix("#elseif") || line.hasPrefix("#else") {
                if !conditions.isEmpty { conditions[conditions.count - 1].inElse = true }
            } else if line.hasPrefix("#endif") {
                _ = conditions.popLast()
            } else if let module = importedModule(line), fullFoundationModules.contains(module),
                      !conditions.contains(where: { $0.essentials && $0.inElse }) {
                found.append(index + 1)
            }
        }
        return found
    }

    /// The top-level module of an import declaration (`@_exported public import struct Foundation.Data` → Foundation).
    static func importedModule(_ line: String) -> String? {
        let code = line.components(separatedBy: "//")[0]
        let words = code.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let at = words.firstIndex(of: "import"),
              words[..<at].allSatisfy({ $0.hasPrefix("@") || ["public", "package", "internal", "fileprivate", "private"].contains($0) })
        else { return nil }
        let kinds: Set<String> = ["struct", "class", "enum", "protocol", "typealias", "func", "var", "let"]
        let rest = words[(at + 1)...].drop { kinds.contains($0) }
        return rest.first.map { String($0.split(separator: ".")[0]) }
    }

    func testRecognisesUnguardedImports() {
        let guarded = "#if canImport(FoundationEssentials)\nimport FoundationEssentials\n#else\nimport Foundation\n#endif\n"
        XCTAssertEqual(Self.unguardedFoundationImports(in: guarded), [])
        XCTAssertEqual(Self.unguardedFoundationImports(in: "import TFLiteEngine\nimport Foundation\n"), [2])
        XCTAssertEqual(Self.unguardedFoundationImports(in: "@_exported public import struct Foundation.Data"), [1])
        XCTAssertEqual(Self.unguardedFoundationImports(in: "#if os(Linux)\nimport Glibc\n#else\nimport Foundation\n#endif"), [4])
        XCTAssertEqual(Self.unguardedFoundationImports(in: "#if canImport(FoundationEssentials)\nimport Foundation\n#endif"), [2])
        XCTAssertEqual(Self.unguardedFoundationImports(in: "import FoundationEssentials // not import Foundation"), [])
        XCTAssertEqual(Self.unguardedFoundationImports(in: "#if canImport(FoundationEssentials)\n#else\nimport FoundationNetworking\n#endif"), [])
    }

    func testSourcesImportFoundationEssentialsWherePresent() throws {
        var offenders: [String] = []
        var files = 0
        for folder in ["Sources", "Benchmarks", "Fuzz"] {
            let root = Self.repositoryRoot.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
                return XCTFail("cannot list \(root.path)")
            }
            for case let url as URL in walker where url.pathExtension == "swift" {
                files += 1
                let text = try String(contentsOf: url, encoding: .utf8)
                let relative = folder + "/" + url.path.dropFirst(root.path.count + 1)
                offenders += Self.unguardedFoundationImports(in: text).map { "\(relative):\($0)" }
            }
        }
        XCTAssertGreaterThan(files, 50, "the walk found the sources")
        XCTAssertEqual(offenders, [], """
            these files import full Foundation, which puts ICU (about 40 MB) into the static infer; use
            #if canImport(FoundationEssentials) / import FoundationEssentials / #else / import Foundation / #endif
            """)
    }
}

/// `DecimalText` writes numbers exactly as `String(format:)` did.
final class DecimalTextTests: XCTestCase {
    static let values: [Double] = [0, -0.0, 1, -1, 0.5, 0.125, 0.375, 2.5, 1.005, 2.0 / 3, -2.0 / 3, 1e-4, 1.2345e-05, 9.9995,
                                   0.04999999, 123456.789, 1e9, 3.5e15, 1e300, -1e-300, 12.0, 0.1 + 0.2,
                                   .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude]

    func testFixedMatchesPrintf() {
        for x in Self.values {
            for decimals in [0, 1, 2, 3, 4, 6] {
                XCTAssertEqual(DecimalText.fixed(x, decimals: decimals), String(format: "%.\(decimals)f", x), "\(x) \(decimals)")
            }
            XCTAssertEqual(DecimalText.fixed(x, decimals: 2, alwaysSigned: true), String(format: "%+.2f", x), "\(x)")
        }
        XCTAssertEqual(DecimalText.fixed(3.14159, decimals: 2), "3.14")
        XCTAssertEqual(DecimalText.fixed(0.125, decimals: 2), "0.12")  // ties to even on the exact binary value, as printf
        XCTAssertEqual(DecimalText.fixed(1.5, decimals: -3), "2")
        XCTAssertEqual(DecimalText.fixed(-1e308, decimals: 40).count, 1 + 309 + 1 + 40)
    }

    func testScientificAndSignificantMatchPrintf() {
        for x in Self.values {
            XCTAssertEqual(DecimalText.scientific(x, decimals: 3), String(format: "%.3e", x), "\(x)")
            XCTAssertEqual(DecimalText.significant(x), String(format: "%g", x), "\(x)")
            XCTAssertEqual(DecimalText.significant(x, digits: 3), String(format: "%.3g", x), "\(x)")
        }
        XCTAssertEqual(DecimalText.scientific(0.000012345, decimals: 3), "1.234e-05")
        XCTAssertEqual(DecimalText.significant(0.25), "0.25")
        XCTAssertEqual(DecimalText.significant(1234567), "1.23457e+06")
    }
}
