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
