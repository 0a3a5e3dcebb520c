import XCTest
@testable import TFLiteEngine

/// The run-time note that a faster build flavour exists for this CPU.
final class BuildFlavourTests: XCTestCase {
    func testFastestFlavourFromCPUFlags() {
        func fastest(_ flags: String) -> String {
            BuildFlavourAdvice.fastestFlavour(cpuFlags: Set(flags.split(separator: " ")))
        }
        XCTAssertEqual(fastest("sse2 ssse3"), "portable")
        XCTAssertEqual(fastest("sse2 fma"), "fma")
        XCTAssertEqual(fastest("sse2 avx avx2 fma"), "avx2")
        XCTAssertEqual(fastest("avx2 fma avx512f avx512bw"), "avx2")  // no avx512vl
        XCTAssertEqual(fastest("avx2 fma avx512f avx512bw avx512vl"), "avx512")
        XCTAssertEqual(fastest("avx2 fma avx512f avx512bw avx512vl avx512_vnni avx512vbmi"), "avx512-vnni")
        XCTAssertEqual(fastest("avx2 fma avx512f avx512bw avx512vl avx512_vnni"), "avx512", "VNNI without VBMI (Cascade Lake)")
    }

    /// The byte-level `/proc/cpuinfo` reader: blanks around keys and
    /// values (tabs, a carriage return) trimmed, lines without a colon
    /// skipped, an empty value kept, the first block only, no final newline.
    func testFirstProcessorBlockFields() {
        func fields(_ text: String) -> [String] {
            var result: [String] = []
            Array(text.utf8).withUnsafeBufferPointer { bytes in
                BuildFlavourAdvice.forEachField(inFirstBlockOf: bytes) { key, value in
                    result.append(String(decoding: key, as: UTF8.self) + "=" + String(decoding: value, as: UTF8.self))
                }
            }
            return result
        }
        XCTAssertEqual(fields("processor\t: 0\nvendor_id\t: GenuineIntel\r\ncpu family\t: 6\nno colon here\nmodel\t\t:207\n"
                              + "power management:\n\nprocessor\t: 1\nmodel\t: 1\n"),
                       ["processor=0", "vendor_id=GenuineIntel", "cpu family=6", "model=207", "power management="])
        XCTAssertEqual(fields("model : 1"), ["model=1"])
        XCTAssertEqual(fields(""), [])
        XCTAssertEqual(fields("\n\nmodel : 1\n"), [])
        XCTAssertEqual(fields(":\n : x\n"), ["=", "=x"])
        #if os(Linux) && arch(x86_64)
        // This machine's own block has the fields the traits read.
        let live = BuildFlavourAdvice.firstProcessorFields()
        XCTAssertNotNil(live?["cpu family"].flatMap { Int($0) })
        XCTAssertNotNil(live?["model"].flatMap { Int($0) })
        XCTAssertNotNil(live?["flags"])
        #endif
    }

    func testMessageNamesTheRebuildFlagsOnlyWhenFaster() throws {
        let zen3: Set<Substring> = ["avx", "avx2", "fma", "sse2"]
        let line = try XCTUnwrap(BuildFlavourAdvice.message(built: "portable", cpuFlags: zen3))
        XCTAssertTrue(line.contains("'avx2'") && line.contains("-DTFLITEENGINE_AVX2") && line.contains("-march=native"), line)
        XCTAssertFalse(line.contains("\n"))
        XCTAssertNil(BuildFlavourAdvice.message(built: "avx2", cpuFlags: zen3))
        XCTAssertNil(BuildFlavourAdvice.message(built: "avx512", cpuFlags: zen3))
        XCTAssertNotNil(BuildFlavourAdvice.message(built: "fma", cpuFlags: zen3))
        // This build's own flavour name is one the advice knows.
        XCTAssertTrue(BuildFlavourAdvice.flavours.contains { $0.name == TFLiteEngineBuild.flavour })
    }

    /// The CPU line of benchmark reports: two hosts that both call
    /// themselves "AMD EPYC" (a Zen 1 and a Zen 3 were) are told apart.
    func testCPUDescriptionNamesFamilyModelAndGeneration() {
        func describe(_ vendor: String, _ family: Int, _ model: Int) -> String {
            BuildFlavourAdvice.cpuDescription(fields: ["vendor_id": vendor, "model name": "AMD EPYC", "cpu family": "\(family)",
                                                       "model": "\(model)", "stepping": "2"])
        }
        XCTAssertEqual(describe("AuthenticAMD", 23, 1), "AMD EPYC (family 23 model 1 stepping 2: Zen or Zen+)")
        XCTAssertEqual(describe("AuthenticAMD", 23, 49), "AMD EPYC (family 23 model 49 stepping 2: Zen 2)")
        XCTAssertEqual(describe("AuthenticAMD", 25, 1), "AMD EPYC (family 25 model 1 stepping 2: Zen 3)")
        XCTAssertEqual(describe("AuthenticAMD", 25, 17), "AMD EPYC (family 25 model 17 stepping 2: Zen 4)")
        XCTAssertEqual(describe("AuthenticAMD", 26, 2), "AMD EPYC (family 26 model 2 stepping 2: Zen 5)")
        XCTAssertEqual(describe("GenuineIntel", 6, 143), "AMD EPYC (family 6 model 143 stepping 2)")
        XCTAssertEqual(BuildFlavourAdvice.cpuDescription(fields: ["model name": "Some CPU"]), "Some CPU")
        XCTAssertEqual(BuildFlavourAdvice.cpuDescription(fields: [:]), "unknown CPU")
        #if os(Linux) && arch(x86_64)
        XCTAssertNotNil(BuildFlavourAdvice.cpuDescription(), "this machine's /proc/cpuinfo")
        #endif
    }
}
