import XCTest
@testable import TFLiteEngine

/// Single-op float32 models against LiteRT's builtin kernels (relative 1e-4).
final class Float32OpTests: XCTestCase {
    func testFloat32OpFixturesMatchLiteRT() throws {
        try Fixtures.check("ops/float32", defaultTolerance: 1e-4)
    }
}
