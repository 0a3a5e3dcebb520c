import Foundation
import XCTest
@testable import TFLiteEngine
import InputFormats

/// The fixture comparator itself: each rule on a case the old comparator
/// (max |diff| relative to the largest expected value, worst-so-far with NaN
/// resets, unknown types as empty arrays) got wrong.
final class ComparisonTests: XCTestCase {
    private func floats(_ values: [Float], shape: [Int]? = nil) -> NumPyArray {
        NumPyArray(type: .float32, shape: shape ?? [values.count], data: values.withUnsafeBytes { Data($0) })
    }

    private let tight = Tolerance(absolute: 1e-6, relative: 1e-5)

    func testEqualArraysAndErrorsWithinToleranceMatch() {
        XCTAssertNil(Comparison.mismatch(floats([1, -2, 0, 1e-7]), floats([1, -2, 0, 1e-7]), tolerance: .exact))
        XCTAssertNil(Comparison.mismatch(floats([100.0005, 1e-7 + 5e-7]), floats([100, 1e-7]), tolerance: tight))
    }

    /// A NaN in both outputs must not hide a later error (the old loop reset
    /// its worst error to 0 on a shared NaN).
    func testSharedNaNDoesNotHideALaterError() {
        let problem = Comparison.mismatch(floats([5, .nan, 1]), floats([1, .nan, 1]), tolerance: tight)
        XCTAssertNotNil(problem)
        XCTAssertTrue(problem?.contains("element 0") ?? false, problem ?? "")
        let later = Comparison.mismatch(floats([1, .nan, 5]), floats([1, .nan, 1]), tolerance: tight)
        XCTAssertTrue(later?.contains("element 2") ?? false, later ?? "nil")
        XCTAssertNil(Comparison.mismatch(floats([1, .nan]), floats([1, .nan]), tolerance: tight))
    }

    /// NaN only where the reference has NaN.
    func testNaNOnlyWhereTheReferenceHasNaN() {
        XCTAssertNotNil(Comparison.mismatch(floats([.nan, 1]), floats([0, 1]), tolerance: Tolerance(absolute: 1e30, relative: 1)))
        XCTAssertNotNil(Comparison.mismatch(floats([0, 1]), floats([.nan, 1]), tolerance: Tolerance(absolute: 1e30, relative: 1)))
    }

    /// An infinite expected value made every check pass (scale = inf); now
    /// infinities must match exactly, sign included.
    func testInfinitiesMustMatchExactly() {
        let loose = Tolerance(absolute: 1e30, relative: 1)
        XCTAssertNotNil(Comparison.mismatch(floats([.greatestFiniteMagnitude, 7]), floats([.infinity, 1]), tolerance: loose))
        XCTAssertNotNil(Comparison.mismatch(floats([1, 5]), floats([.infinity, 1]), tolerance: tight))
        XCTAssertNotNil(Comparison.mismatch(floats([-.infinity]), floats([.infinity]), tolerance: loose))
        XCTAssertNotNil(Comparison.mismatch(floats([.infinity]), floats([1]), tolerance: loose))
        XCTAssertNil(Comparison.mismatch(floats([.infinity, -.infinity]), floats([.infinity, -.infinity]), tolerance: tight))
    }

    /// Small values are checked as strictly as large ones: 80-90% of a
    /// softmax's outputs are below 1e-4 of its largest, and a tolerance
    /// relative to the largest output let them be wrong by 100%.
    func testSmallValuesAreChecked() {
        let problem = Comparison.mismatch(floats([0.9999, 2e-6]), floats([0.9999, 1e-6]), tolerance: Tolerance(absolute: 1e-8, relative: 1e-5))
        XCTAssertTrue(problem?.contains("element 1") ?? false, problem ?? "nil")
    }

    /// Element types the comparator does not decode are a failure, never an
    /// empty (and so equal) comparison; float16 and int16 are compared.
    func testUnknownTypesFailAndHalfAndInt16AreCompared() {
        let complex = NumPyArray(type: .complex64, shape: [2], data: Data(count: 16))
        XCTAssertNotNil(Comparison.mismatch(complex, complex, tolerance: .exact))
        func half(_ bits: [UInt16]) -> NumPyArray { NumPyArray(type: .float16, shape: [bits.count], data: bits.withUnsafeBytes { Data($0) }) }
        XCTAssertNotNil(Comparison.mismatch(half([0x3C00, 0x4000]), half([0x3C00, 0x4200]), tolerance: tight))  // 2 vs 3
        XCTAssertNil(Comparison.mismatch(half([0x3C00, 0x7E00]), half([0x3C00, 0x7E00]), tolerance: tight))     // 1, NaN
        func int16(_ v: [Int16]) -> NumPyArray { NumPyArray(type: .int16, shape: [v.count], data: v.withUnsafeBytes { Data($0) }) }
        XCTAssertNotNil(Comparison.mismatch(int16([1, 300]), int16([1, 301]), tolerance: .exact))
        XCTAssertNil(Comparison.mismatch(int16([1, 300]), int16([1, 301]), tolerance: .exact, integerTolerance: 1))
        XCTAssertNotNil(Comparison.mismatch(int16([1]), floats([1]), tolerance: .exact))
        XCTAssertNotNil(Comparison.mismatch(floats([1, 2]), floats([1, 2], shape: [2, 1]), tolerance: .exact))
    }

    /// int64 values beyond 2^53 differ even where their Double images are equal.
    func testLargeInt64AreComparedExactly() {
        func int64(_ v: [Int64]) -> NumPyArray { NumPyArray(type: .int64, shape: [v.count], data: v.withUnsafeBytes { Data($0) }) }
        XCTAssertNotNil(Comparison.mismatch(int64([1 << 60]), int64([(1 << 60) + 1]), tolerance: .exact))
    }
}
