import XCTest
@testable import TFLiteEngine

/// `QuantizedLookup.lookup`, the 256-entry byte lookup under every int8/uint8
/// lookup kernel (the requantizing activations, the int8 swish, constant
/// scalar operands), against indexing the table one byte at a time: every
/// byte value, runs of every length up to a few vector steps (the 64-byte
/// `vpermi2b` step of the VNNI flavour, the 16- and 8-byte steps, the
/// one-by-one tail) and at unaligned offsets; again with the table's
/// segment differences (`SegmentedByteLookup`, 32-byte steps), in every
/// flavour (without the integer instructions, their plain-Swift forms).
extension QuantizedKernelTests {
    func testByteLookupMatchesIndexing() {
        var rng = TestRandom(seed: 41)
        let table = (0..<256).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        var input = (0..<512).map { UInt8($0 & 255) }
        for i in stride(from: 511, to: 0, by: -1) { input.swapAt(i, rng.int(0...i)) }
        let segments = SegmentedByteLookup.differences(of: table)
        for bySegments in [false, true] {
            for count in Array(0...140) + [255, 256, 257, 448] {
                let start = count % 7
                var output = [UInt8](repeating: 0xA5, count: 512)
                table.withUnsafeBufferPointer { t in
                    segments.withUnsafeBytes { s in
                        input.withUnsafeBytes { x in
                            output.withUnsafeMutableBytes { y in
                                QuantizedLookup.lookup(t.baseAddress!, segments: bySegments ? s.baseAddress : nil, x.baseAddress! + start,
                                                       y.baseAddress! + start, count: count)
                            }
                        }
                    }
                }
                for i in 0..<512 {
                    let expected = i >= start && i < start + count ? table[Int(input[i])] : 0xA5
                    if output[i] != expected {
                        XCTFail("segments \(bySegments), count \(count), byte \(i): \(output[i]) != \(expected)")
                        return
                    }
                }
            }
        }
        // Every byte's entry from the segment differences one by one too (`PixelRows`' edges).
        segments.withUnsafeBufferPointer { s in
            for x in 0..<256 where PixelRows.segmentEntry(s.baseAddress!, x) != table[x] {
                XCTFail("segment entry \(x)")
                return
            }
        }
    }
}
