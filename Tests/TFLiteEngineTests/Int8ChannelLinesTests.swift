import XCTest
@testable import TFLiteEngine

/// `Int8ChannelLines` on its own, in every flavour (the kernels make lines
/// only in the integer flavours, where `QuantizedKernelTests` and
/// `ConstantOperandChainFusionTests` compare them with the reference
/// arithmetic through models).
final class Int8ChannelLinesTests: XCTestCase {
    /// The results of an int8 MUL by a constant c (TFLite's
    /// `MultiplyByQuantizedMultiplier`: two roundings, each half away from
    /// zero) for the 256 bytes x, and the real line it rounds.
    private static func multiplyRow(c: Int32, zeroPoints: (x: Int32, c: Int32, output: Int32), multiplier: Int32, shift: Int,
                                    activation: (min: Int32, max: Int32)) -> ([UInt8], Int8ChannelLines.RealLine) {
        let row = (0..<256).map { byte -> UInt8 in
            let x = Int32(Int8(truncatingIfNeeded: byte))
            let r = zeroPoints.output &+ FixedPoint.multiplyByQuantizedMultiplier((x - zeroPoints.x) * (c - zeroPoints.c), multiplier, shift)
            return UInt8(truncatingIfNeeded: min(max(r, activation.min), activation.max))
        }
        let slope = Double(multiplier) * Double(sign: .plus, exponent: shift - 31, significand: 1) * Double(c - zeroPoints.c)
        return (row, Int8ChannelLines.RealLine(slope: slope, intercept: Double(zeroPoints.output) - slope * Double(zeroPoints.x),
                                               root: Double(zeroPoints.x)))
    }

    /// One or two stages of MULs by per-channel constants (periods 1–100:
    /// widths that are multiples of 16, repeats of short periods, and a last
    /// step overlapping its predecessor), random quantizations and
    /// activations, over runs that start and end inside a pixel: every
    /// output byte against the rows looked up.
    func testLinesMatchTheirRowsOnEveryByte() throws {
        var rng = TestRandom(seed: 71)
        var made = 0, splitStages = 0
        for i in 0..<40 {
            let period = [1, 3, 5, 16, 22, 48, 64, 100][i % 8], stageCount = i % 3 == 2 ? 1 : 2
            var stages: [Int8ChannelLines.Stage] = [], rows: [[[UInt8]]] = []
            var storage: [UnsafeMutablePointer<UInt8>] = []
            defer { storage.forEach { $0.deallocate() } }
            for _ in 0..<stageCount {
                let zeroPoints = (Int32(rng.int(-20...20)), Int32(rng.int(-10...10)), Int32(rng.int(-30...30)))
                let (multiplier, shift) = FixedPoint.quantizeMultiplier(Double(rng.int(1...1000)) / 40_000)
                let activation: (min: Int32, max: Int32) = i % 4 == 1 ? (zeroPoints.2, 127) : (-128, 127)
                var lines: [Int8ChannelLines.RealLine] = []
                let stageRows = (0..<period).map { _ in
                    let (row, line) = Self.multiplyRow(c: Int32(rng.int(-128...127)), zeroPoints: zeroPoints, multiplier: multiplier,
                                                       shift: shift, activation: activation)
                    lines.append(line)
                    return row
                }
                let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: period * 256)
                storage.append(pointer)
                for (k, row) in stageRows.enumerated() { (pointer + k * 256).initialize(from: row, count: 256) }
                rows.append(stageRows)
                stages.append(Int8ChannelLines.Stage(rows: pointer, rowCount: period, rowOfPhase: Array(0..<period), line: { lines[$0] },
                                                     activation: activation))
            }
            let name = "case \(i): period \(period), \(stageCount) stage(s)"
            let lines = try XCTUnwrap(Int8ChannelLines(period: period, variableOperand: 0, stages: stages), "\(name): no lines")
            made += 1
            splitStages += (lines.splits.0 ? 1 : 0) + (lines.splits.1 ? 1 : 0)
            let count = period * 37 + 5
            let input = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.int(0...255)) }
            var output = [UInt8](repeating: 0, count: count)
            let cut = rng.int(1...(count - 2))
            input.withUnsafeBytes { x in
                output.withUnsafeMutableBytes { out in
                    guard let base = x.baseAddress, let target = out.baseAddress else { return XCTFail("\(name): no buffers") }
                    lines.apply(base, target, 0..<cut)
                    lines.apply(base, target, cut..<count)
                }
            }
            for e in 0..<count {
                var v = Int(input[e])
                for stage in rows { v = Int(stage[e % period][v]) }
                if output[e] != UInt8(v) {
                    XCTFail("\(name): element \(e) (channel \(e % period)) \(Int8(bitPattern: output[e])), expected \(Int8(bitPattern: UInt8(v)))")
                    break
                }
            }
        }
        XCTAssertEqual(made, 40)
        // MUL's double rounding needs two intercepts in some rows.
        XCTAssertGreaterThan(splitStages, 5)
    }

    /// A row that no rounded line gives (two results swapped) gets no lines.
    func testRowThatIsNoLineGetsNoLines() {
        var (row, line) = Self.multiplyRow(c: 90, zeroPoints: (3, -2, 5), multiplier: 1 << 30, shift: -6, activation: (-128, 127))
        XCTAssertNotNil(Int8ChannelLines.fit(row, line, activation: (-128, 127)))
        row.swapAt(10, 20)
        XCTAssertNil(Int8ChannelLines.fit(row, line, activation: (-128, 127)))
        line = Int8ChannelLines.RealLine(slope: .nan, intercept: 0, root: 0)
        XCTAssertNil(Int8ChannelLines.fit(row, line, activation: (-128, 127)))
    }
}
