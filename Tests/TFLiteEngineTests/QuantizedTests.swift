import XCTest
@testable import TFLiteEngine

/// Full-integer quantized inference, bit-exact against TFLite Micro's
/// reference kernels (fixtures from tools/make_int8_fixtures.py).
final class QuantizedTests: XCTestCase {
    func testInt8OpFixturesMatchTFLiteMicroBitExact() throws {
        try Fixtures.check("ops/int8", defaultTolerance: 0)
    }

    /// MobileNetV2 (alpha 0.35, 96×96) full-integer int8, whole model.
    func testMobileNetV2Int8MatchesTFLiteMicroBitExact() throws {
        try Fixtures.check("models_int8", defaultTolerance: 0)
    }
}
