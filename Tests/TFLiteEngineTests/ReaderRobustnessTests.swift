import Foundation
import XCTest
@testable import TFLiteEngine

/// A malformed model must produce a typed error, never a crash: every
/// truncation of a small model, and thousands of random byte flips.
final class ReaderRobustnessTests: XCTestCase {
    /// Small models with a constant filter, a bias and options tables.
    static let modelNames = ["ops/float32/conv2d_3x3_s2_same_relu6", "ops/float32/softmax_beta0p5_rank2"]

    func modelBytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Fixtures.root.appendingPathComponent(name + ".tflite")))
    }

    /// Loads, prepares and runs whatever survives validation; arena capped so a
    /// corrupted shape cannot make the test allocate gigabytes.
    @discardableResult
    func exercise(_ bytes: [UInt8]) -> Error? {
        do {
            let model = try Model(data: Data(bytes))
            let interpreter = try Interpreter(model: model, options: .init(maximumArenaBytes: 16 << 20))
            try interpreter.allocateTensors()
            try interpreter.invoke()
            return nil
        } catch {
            return error
        }
    }

    func testEveryTruncationThrows() throws {
        for name in Self.modelNames {
            let bytes = try modelBytes(name)
            XCTAssertNil(exercise(bytes), "the intact model \(name) must load and run")
            for length in 0..<bytes.count {
                let error = exercise(Array(bytes[0..<length]))
                XCTAssertNotNil(error, "\(name) truncated to \(length) of \(bytes.count) bytes loaded without error")
                if let error = error as? InterpreterError {
                    XCTAssertFalse(error.description.isEmpty)
                } else if let error {
                    XCTFail("untyped error \(error)")
                }
            }
        }
    }

    func testRandomByteFlipsNeverCrash() throws {
        var rng = SplitMix64(seed: 0x7F1E_C0DE)
        var rejected = 0, accepted = 0
        for name in Self.modelNames {
            let original = try modelBytes(name)
            for _ in 0..<2500 {
                var bytes = original
                let flips = 1 + Int(rng.next() % 4)
                for _ in 0..<flips {
                    let i = Int(rng.next() % UInt64(bytes.count))
                    bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                }
                if let error = exercise(bytes) {
                    XCTAssertTrue(error is InterpreterError, "untyped error \(error)")
                    rejected += 1
                } else {
                    accepted += 1
                }
            }
        }
        // Most flips land in weights and leave a valid model; many must be caught.
        XCTAssertGreaterThan(rejected, 100)
        XCTAssertGreaterThan(accepted, 100)
    }

    func testErrorsNameTheProblem() throws {
        var bytes = try modelBytes(Self.modelNames[0])
        // Wrong identifier.
        bytes[4] = UInt8(ascii: "X")
        XCTAssertThrowsError(try Model(data: Data(bytes))) { error in
            XCTAssertTrue("\(error)".contains("identifier"), "\(error)")
        }
        XCTAssertThrowsError(try Model(data: Data([0x18, 0, 0, 0] + Array("TFL3".utf8)))) { error in
            XCTAssertTrue("\(error)".contains("malformed model"), "\(error)")
        }
        XCTAssertThrowsError(try Model(path: "/nonexistent/model.tflite")) { error in
            XCTAssertTrue("\(error)".contains("No such file"), "\(error)")
        }
    }
}

/// A small deterministic generator, so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
