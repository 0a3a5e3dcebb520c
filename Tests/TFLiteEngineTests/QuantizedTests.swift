import Foundation
import XCTest
@testable import TFLiteEngine

/// Full-integer quantized inference, bit-exact against TFLite Micro's
/// reference kernels (fixtures from tools/make_int8_fixtures.py). The
/// single-op int8 and uint8 fixtures (groups `ops/int8`, `ops/uint8`) run
/// per operator, bit-exact, in `OperatorFixtureTests`.
final class QuantizedTests: XCTestCase {
    /// Quantization parameters TFLite rejects are rejected at prepare with a
    /// typed error naming the problem (tools/make_int8_fixtures.py --invalid).
    func testInvalidQuantizationIsRejected() throws {
        struct Entry: Decodable { let name: String; let error: String }
        struct Manifest: Decodable { let invalid: [Entry] }
        let dir = Fixtures.directory("ops/int8_invalid")
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: dir.appendingPathComponent("manifest.json")))
        XCTAssertFalse(manifest.invalid.isEmpty)
        for entry in manifest.invalid {
            do {
                let interpreter = try Interpreter(modelPath: dir.appendingPathComponent(entry.name + ".tflite").path)
                try interpreter.allocateTensors()
                XCTFail("\(entry.name): accepted")
            } catch {
                XCTAssertTrue("\(error)".contains(entry.error), "\(entry.name): \(error)")
            }
        }
    }

    /// MobileNetV2 (alpha 0.35, 96×96) full-integer int8, whole model.
    func testMobileNetV2Int8MatchesTFLiteMicroBitExact() throws {
        try Fixtures.check("models_int8", defaultTolerance: .exact)
    }

    /// A lookup kernel's table (here an int8 LOGISTIC's) is computed once
    /// per model: a second interpreter of the same `Model` reads the same
    /// storage, with the same outputs.
    func testLookupTableIsSharedByInterpreters() throws {
        let path = Fixtures.directory("ops/int8").appendingPathComponent("logistic_1x4x5x3_in8p0.tflite").path
        let model = try Model(path: path)
        var tables: [UnsafeRawPointer?] = []
        var outputs: [Data] = []
        for _ in 0..<2 {
            let interpreter = try Interpreter(model: model)
            try interpreter.allocateTensors()
            let kernel = try XCTUnwrap(interpreter.graph?.steps.first?.kernel as? ElementwiseKernel<Int8, Int8>)
            let table = try XCTUnwrap(kernel.byteTable)
            XCTAssertEqual(table.count, 256)
            tables.append(table.withUnsafeBytes { $0.baseAddress })
            let input = try interpreter.input(at: 0)
            _ = try interpreter.copy(Data((0..<input.data.count).map { UInt8(truncatingIfNeeded: $0 &* 37) }), toInputAt: 0)
            try interpreter.invoke()
            outputs.append(try interpreter.output(at: 0).data)
        }
        XCTAssertNotNil(tables[0])
        XCTAssertEqual(tables[0], tables[1], "the second interpreter computed its own table")
        XCTAssertEqual(outputs[0], outputs[1])
    }

    // MARK: Fixed-point arithmetic (values checked by hand against the C++ definitions)

    func testQuantizeMultiplier() {
        func q(_ m: Double) -> [Int] { let r = FixedPoint.quantizeMultiplier(m); return [Int(r.multiplier), r.shift] }
        XCTAssertEqual(q(0), [0, 0])
        XCTAssertEqual(q(0.5), [1 << 30, 0])
        XCTAssertEqual(q(0.75), [1_610_612_736, 0])
        XCTAssertEqual(q(1.0), [1 << 30, 1])
        XCTAssertEqual(q(2.5), [1_342_177_280, 2])
        XCTAssertEqual(q(0.1), [1_717_986_918, -3])  // 0.8·2^31 = 1717986918.4 → down
        XCTAssertEqual(q(1.0 / 3.0), [1_431_655_765, -1])  // 1431655765.33
        // Mantissa rounding up to 2^31 renormalises to (2^30, shift + 1).
        XCTAssertEqual(q(0.9999999999), [1 << 30, 1])
        // Rounding half away from zero: 0.5 + 2^-32 has mantissa·2^31 = 2^30 + 0.5.
        XCTAssertEqual(q(0.5 + 0x1p-32), [(1 << 30) + 1, 0])
        // Smallest representable shift, then flush to zero below 2^-32.
        XCTAssertEqual(q(0x1p-31), [1 << 30, -30])
        XCTAssertEqual(q(0x1.8p-32), [1_610_612_736, -31])
        XCTAssertEqual(q(0x1p-33), [0, 0])
        XCTAssertEqual(q(1e-10), [0, 0])
        XCTAssertNil(FixedPoint.quantizeMultiplierSmallerThanOne(1.0))
        XCTAssertNil(FixedPoint.quantizeMultiplierSmallerThanOne(0))
        XCTAssertEqual(FixedPoint.quantizeMultiplierSmallerThanOne(0.25).map { [Int($0.multiplier), $0.shift] }, [1 << 30, -1])
        XCTAssertNil(FixedPoint.quantizeMultiplierGreaterThanOne(0.5))
        XCTAssertEqual(FixedPoint.quantizeMultiplierGreaterThanOne(3.0).map { [Int($0.multiplier), $0.shift] }, [1_610_612_736, 2])
    }

    /// The bit form of `quantizeMultiplier` equals TFLite's frexp form on
    /// every exponent the type has (normal, subnormal, above 2^31) and at
    /// the rounding edges of the mantissa.
    func testQuantizeMultiplierBitFormMatchesFrexp() {
        var rng = TestRandom(seed: 21)
        func check(_ m: Double) {
            let a = FixedPoint.quantizeMultiplier(m), b = FixedPoint.quantizeMultiplierByFrexp(m)
            XCTAssertTrue(a == b, "\(m): \(a) vs \(b)")
        }
        for exponent in -1074...1023 {
            let power = Double(sign: .plus, exponent: exponent, significand: 1)
            check(power)
            check(power.nextUp)
            check(power.nextDown)
            check(power * Double.random(in: 1..<2, using: &rng))
        }
        for _ in 0..<100_000 {
            check(Double(bitPattern: UInt64.random(in: 1..<0x7FF0_0000_0000_0000, using: &rng)))
        }
        // Mantissas at and next to the half-way points of the 22 dropped bits.
        for low in [UInt64(0x1F_FFFF), 0x20_0000, 0x20_0001, 0x3F_FFFF, 0] {
            for high in [UInt64(0), 0x3_FF00_0000_0000, 0xF_FFFF_FFC0_0000] {
                check(Double(bitPattern: 0x3FE0_0000_0000_0000 | high | low))
            }
        }
        check(0)
        check(.infinity)
        check(.nan)
    }

    func testSaturatingRoundingDoublingHighMul() {
        typealias F = FixedPoint
        XCTAssertEqual(F.saturatingRoundingDoublingHighMul(1 << 30, 1 << 30), 1 << 29)
        XCTAssertEqual(F.saturatingRoundingDoublingHighMul(-(1 << 30), 1 << 30), -(1 << 29))
        // 3 · 0.5 = 1.5 → 2; −1.5 → −1 (the negative nudge 1 − 2^30 plus truncating division).
        XCTAssertEqual(F.saturatingRoundingDoublingHighMul(3, 1 << 30), 2)
        XCTAssertEqual(F.saturatingRoundingDoublingHighMul(-3, 1 << 30), -1)
        XCTAssertEqual(F.saturatingRoundingDoublingHighMul(5, 1 << 30), 3)
        XCTAssertEqual(F.saturatingRoundingDoublingHighMul(-5, 1 << 30), -2)
        // The one overflowing case saturates.
        XCTAssertEqual(F.saturatingRoundingDoublingHighMul(.min, .min), .max)
        XCTAssertEqual(F.saturatingRoundingDoublingHighMul(.min, .max), -Int32.max)
        XCTAssertEqual(F.saturatingRoundingDoublingHighMul(.max, .max), .max - 1)
    }

    /// The 16-bit helpers of HARD_SWISH (gemmlowp on int16, TFLite's
    /// truncating `SaturatingDoublingHighMul` and `SaturatingLeftShift`).
    func testSixteenBitFixedPoint() {
        XCTAssertEqual(FixedPoint.downScaleToInt16(1 << 30), 16384)
        XCTAssertEqual(FixedPoint.downScaleToInt16(1_610_645_504), 24577)  // (m + 2^15) >> 16
        XCTAssertEqual(FixedPoint.downScaleToInt16(.max), .max)
        XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul16(16384, 16384), 8192)
        XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul16(3, 16384), 2)  // 1.5 → 2
        XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul16(-3, 16384), -1)  // −1.5 → −1 (gemmlowp's nudge)
        XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul16(.min, .min), .max)
        XCTAssertEqual(FixedPoint.saturatingDoublingHighMul16(3, 16384), 1)
        XCTAssertEqual(FixedPoint.saturatingDoublingHighMul16(-3, 16384), -1)
        XCTAssertEqual(FixedPoint.saturatingDoublingHighMul16(.min, .min), .max)
        XCTAssertEqual(FixedPoint.roundingDivideByPOT16(5, 1), 3)
        XCTAssertEqual(FixedPoint.roundingDivideByPOT16(-5, 1), -3)
        XCTAssertEqual(FixedPoint.roundingDivideByPOT16(-6, 2), -2)
        // Exponents past 15: the mask truncates to −1 as gemmlowp's Dup<int16_t> does.
        XCTAssertEqual(FixedPoint.roundingDivideByPOT16(100, 20), 1)
        XCTAssertEqual(FixedPoint.roundingDivideByPOT16(-100, 20), -1)
        XCTAssertEqual(FixedPoint.saturatingLeftShift16(3, 2), 12)
        XCTAssertEqual(FixedPoint.saturatingLeftShift16(300, 8), .max)
        XCTAssertEqual(FixedPoint.saturatingLeftShift16(-300, 8), .min)
    }

    func testRoundingDivideByPOT() {
        typealias F = FixedPoint
        XCTAssertEqual(F.roundingDivideByPOT(5, 1), 3)    // 2.5 → 3
        XCTAssertEqual(F.roundingDivideByPOT(-5, 1), -3)  // −2.5 → −3 (away from zero)
        XCTAssertEqual(F.roundingDivideByPOT(4, 1), 2)
        XCTAssertEqual(F.roundingDivideByPOT(-4, 1), -2)
        XCTAssertEqual(F.roundingDivideByPOT(6, 2), 2)    // 1.5 → 2
        XCTAssertEqual(F.roundingDivideByPOT(-6, 2), -2)  // −1.5 → −2
        XCTAssertEqual(F.roundingDivideByPOT(-5, 2), -1)  // −1.25 → −1
        XCTAssertEqual(F.roundingDivideByPOT(-7, 2), -2)  // −1.75 → −2
        XCTAssertEqual(F.roundingDivideByPOT(123, 0), 123)
        XCTAssertEqual(F.roundingDivideByPOT(.max, 31), 1)
        XCTAssertEqual(F.roundingDivideByPOT(.min, 31), -1)
    }

    func testMultiplyByQuantizedMultiplierDoubleRounding() {
        typealias F = FixedPoint
        XCTAssertEqual(F.multiplyByQuantizedMultiplier(100, 1 << 30, 0), 50)
        XCTAssertEqual(F.multiplyByQuantizedMultiplier(3, 1 << 30, 0), 2)    // 1.5 → 2
        XCTAssertEqual(F.multiplyByQuantizedMultiplier(-3, 1 << 30, 0), -1)  // −1.5 → −1
        // Double rounding: 5 · 0.25 = 1.25, but SRDHM gives 3 (2.5 → 3) and then 3/2 = 1.5 → 2.
        XCTAssertEqual(F.multiplyByQuantizedMultiplier(5, 1 << 30, -1), 2)
        XCTAssertEqual(F.multiplyByQuantizedMultiplier(-5, 1 << 30, -1), -1)  // SRDHM −2.5 → −2, −2/2 = −1
        XCTAssertEqual(F.multiplyByQuantizedMultiplier(1000, 1_717_986_918, -3), 100)
        XCTAssertEqual(F.multiplyByQuantizedMultiplier(3, 1 << 30, 2), 6)     // left shift first
        XCTAssertEqual(F.multiplyByQuantizedMultiplier(.min, .min, 0), .max)
        XCTAssertEqual(F.multiplyByQuantizedMultiplierSmallerThanOne(-5, 1 << 30, -1), -1)
        XCTAssertEqual(F.multiplyByQuantizedMultiplierGreaterThanOne(3, 1 << 30, 2), 6)
        XCTAssertEqual(F.saturatingShiftLeft(1 << 29, 2), .max)
        XCTAssertEqual(F.saturatingShiftLeft(-(1 << 29) - 1, 2), .min)
        XCTAssertEqual(F.saturatingShiftLeft(-3, 2), -12)
    }

    func testActivationRangeRoundsHalfAwayFromZero() {
        func r(_ a: FusedActivation, _ s: Float, _ z: Int32) -> [Int32] {
            let v = a.quantizedRange(scale: s, zeroPoint: z, qmin: -128, qmax: 127); return [v.min, v.max]
        }
        XCTAssertEqual(r(.none, 0.1, 5), [-128, 127])
        XCTAssertEqual(r(.relu, 0.1, 5), [5, 127])
        XCTAssertEqual(r(.relu6, 6.0 / 255, -128), [-128, 127])
        XCTAssertEqual(r(.relu6, 4, 3), [3, 5])            // 6/4 = 1.5 → 2
        XCTAssertEqual(r(.reluN1To1, 2, 0), [-1, 1])       // ∓0.5 → ∓1
        XCTAssertEqual(r(.reluN1To1, 0.001, 0), [-128, 127])
    }

    func testGemmlowpTranscendentals() {
        typealias F = FixedPoint
        let one = 2_147_483_648.0
        XCTAssertEqual(F.expOnNegativeValues(0, integerBits: 5), .max)
        for x in [-0.125, -0.25, -1.0, -2.5, -7.0, -15.9] {
            let raw = Int32(x * Double(1 << 26))
            let e = Double(F.expOnNegativeValues(raw, integerBits: 5)) / one
            XCTAssertEqual(e, Foundation.exp(x), accuracy: 1e-6, "exp(\(x))")  // gemmlowp Taylor/barrel approximation
        }
        XCTAssertEqual(F.expOnNegativeValues(Int32(-33.0 * Double(1 << 23)), integerBits: 8), 0)  // below −32 → 0
        for x in [0.0, 0.25, 0.5, 0.999] {
            let r = Double(F.oneOverOnePlusXForXIn01(Int32(x * one))) / one
            XCTAssertEqual(r, 1 / (1 + x), accuracy: 1e-8, "1/(1+\(x))")
        }
        // 3.0 in Q12.19: 1/3 = 0.666… · 2^-1.
        let (scale, bits) = F.reciprocal(3 << 19, integerDigits: 12)
        XCTAssertEqual(bits, 1)
        XCTAssertEqual(Double(scale) / one, 2.0 / 3.0, accuracy: 1e-8)
        XCTAssertEqual(F.logistic(0, integerBits: 4), 1 << 30)
        for x in [-6.0, -1.0, 0.5, 3.0] {
            let raw = Int32(x * Double(1 << 27))
            XCTAssertEqual(Double(F.logistic(raw, integerBits: 4)) / one, 1 / (1 + Foundation.exp(-x)), accuracy: 1e-7, "σ(\(x))")
        }
        XCTAssertEqual(F.inputRadius(integerBits: 5, leftShift: 20), 1984)  // ⌊31·2^26 / 2^20⌋
        XCTAssertEqual(F.inputRadius(integerBits: 4, leftShift: 25), 60)   // ⌊15·2^27 / 2^25⌋
    }
}
