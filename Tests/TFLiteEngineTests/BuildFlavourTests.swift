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
        XCTAssertEqual(fastest("avx2 fma avx512f avx512bw avx512vl avx512_vnni"), "avx512-vnni")
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
}
