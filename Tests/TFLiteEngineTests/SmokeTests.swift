import XCTest
@testable import TFLiteEngine

final class SmokeTests: XCTestCase {
    func testEmptyDataIsRejected() {
        XCTAssertThrowsError(try Model(data: Data()))
    }
}
