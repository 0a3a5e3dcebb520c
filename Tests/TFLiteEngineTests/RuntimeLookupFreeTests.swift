import XCTest
@testable import TFLiteEngine

/// The standard-library replacements of `Support/RuntimeLookupFree.swift`
/// (kept free of protocol-conformance lookups for the peak-RSS criterion of
/// issue 14) give the standard library's results.
final class RuntimeLookupFreeTests: XCTestCase {
    func testStableSortedMatchesStandardLibrary() {
        var rng = TestRandom(seed: 14)
        for n in [0, 1, 2, 3, 7, 8, 9, 31, 64, 100, 257] {
            let values = (0..<n).map { _ in rng.int(0...20) }
            XCTAssertEqual(stableSorted(values, by: <), values.sorted(), "n \(n)")
            XCTAssertEqual(stableSorted(values, by: >), values.sorted(by: >), "n \(n)")
            // Stability: sort positions by value only; equal values keep their order.
            let positions = Array(values.indices)
            XCTAssertEqual(stableSorted(positions) { values[$0] < values[$1] },
                           positions.sorted { values[$0] != values[$1] ? values[$0] < values[$1] : $0 < $1 }, "n \(n)")
            XCTAssertEqual(sortedDistinct(values), Array(Set(values)).sorted(), "n \(n)")
        }
    }

    func testSharedConstantTableActsAsDictionary() {
        final class Box { let value: Int; init(_ value: Int) { self.value = value } }
        var table = SharedConstantTable()
        var reference: [[Int]: Int] = [:]
        XCTAssertNil(table[SharedConstantKey("missing", [])])
        for i in 0..<500 {
            let numbers = [i % 300, (i % 300) / 7]
            table[SharedConstantKey("key", numbers)] = Box(i)
            reference[numbers] = i
        }
        XCTAssertEqual(table.count, reference.count)
        for (numbers, value) in reference {
            XCTAssertEqual((table[SharedConstantKey("key", numbers)] as? Box)?.value, value, "\(numbers)")
        }
        XCTAssertNil(table[SharedConstantKey("key", [300, 42])])
        // Another kind, another subgraph, more numbers or a derived key: other entries.
        XCTAssertNil(table[SharedConstantKey("other", [1, 0])])
        XCTAssertNil(table[SharedConstantKey("key", [1, 0, 0])])
        XCTAssertNil(table[SharedConstantKey("key", [1, 0]).derived("key-derived")])
        var scoped = SharedConstantKey("key", [1, 0])
        scoped.subgraph = 1
        XCTAssertNil(table[scoped])
        table[scoped] = Box(-1)
        XCTAssertEqual((table[scoped] as? Box)?.value, -1)
        XCTAssertEqual((table[SharedConstantKey("key", [1, 0])] as? Box)?.value, 301)
    }

    func testZeroPointPoolSharesEqualVectors() {
        var pool = ZeroPointPool()
        let a = pool.shared([0, 0, 0])
        let b = pool.shared([Int64](repeating: 0, count: 3))
        XCTAssertEqual(a, b)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in XCTAssertEqual(pa.baseAddress, pb.baseAddress) }
        }
        XCTAssertEqual(pool.shared([1, 2]), [1, 2])
        // Past its capacity the pool still returns equal values (unshared).
        for i in 0..<(ZeroPointPool.capacity * 2) { XCTAssertEqual(pool.shared([Int64(i), 7]), [Int64(i), 7]) }
    }
}
