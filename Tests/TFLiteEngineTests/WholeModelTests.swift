import XCTest
@testable import TFLiteEngine
import InputFormats

/// Whole float32 models (the digit CNN and a MobileNetV2 0.35 96×96 with
/// activations kept alive) against LiteRT's builtin kernels (relative 1e-4).
final class WholeModelTests: XCTestCase {
    func testFloat32ModelsMatchLiteRT() throws {
        try Fixtures.check("models", defaultTolerance: 1e-4)
    }

    func testDigitModelReadsAShippedDigit() throws {
        let interpreter = try Interpreter(modelPath: Fixtures.root.appendingPathComponent("models/mnist_small_cnn.tflite").path)
        try interpreter.allocateTensors()
        XCTAssertGreaterThan(interpreter.arenaByteCount, 0)
        let input = try NumPyArray(contentsOfFile: Fixtures.root.appendingPathComponent("models/mnist_small_cnn.input0.npy").path)
        try interpreter.copy(input.data, toInputAt: 0)
        try interpreter.invoke()
        let scores = try interpreter.output(at: 0).toArray(of: Float.self)
        let expected = try NumPyArray(contentsOfFile: Fixtures.root.appendingPathComponent("models/mnist_small_cnn.output0.npy").path)
        let reference = expected.data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertEqual(scores.indices.max { scores[$0] < scores[$1] }, reference.indices.max { reference[$0] < reference[$1] })
    }
}
