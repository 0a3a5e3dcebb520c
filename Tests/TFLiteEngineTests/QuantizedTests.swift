import XCTest
@testable import TFLiteEngine

/// Full-integer quantized inference, bit-exact against TFLite Micro's
/// reference kernels (fixtures from tools/make_int8_fixtures.py).
final class QuantizedTests: XCTestCase {
    func testInt8OpFixturesMatchTFLiteMicroBitExact() throws {
        try Fixtures.check("ops/int8", defaultTolerance: 0)
    }
}
