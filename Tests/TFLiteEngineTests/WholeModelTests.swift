import XCTest
@testable import TFLiteEngine
import InputFormats

/// Whole float32 models (the digit CNN and a MobileNetV2 0.35 96×96 with
/// activations kept alive) against LiteRT's builtin kernels (relative 1e-4).
final class WholeModelTests: XCTestCase {
    /// Whole float32 models (`models/`): MobileNetV2's logits (0.5 to 7.7)
    /// were measured within 1.7e-5 + 1e-5·|expected| of LiteRT (errors
    /// accumulate over 60 layers: up to 3e-5 relative); mnist_small_cnn within 1.3e-10.
    static let tolerance = Tolerance(absolute: 1e-6, relative: 5e-5)
    /// The branchy CONV_2D/CONCATENATION graph: measured within 5.9e-8 + 1e-7·|expected|,
    /// and within 1e-6 relative alone.
    static let branchyTolerance = Tolerance(absolute: 1e-7, relative: 2e-6)

    func testFloat32ModelsMatchLiteRT() throws {
        try Fixtures.check("models", defaultTolerance: WholeModelTests.tolerance)
    }

    /// The branchy CONV_2D/CONCATENATION graph the delegate tests partition
    /// (`graphs/branchy_conv_concat`) agrees with LiteRT on the CPU backend,
    /// through the demo delegate (conv-concat partitions) and on two threads.
    func testBranchyGraphMatchesLiteRT() throws {
        XCTAssertEqual(try Fixtures.entries("graphs").map(\.name), ["branchy_conv_concat"])
        try Fixtures.check("graphs", defaultTolerance: WholeModelTests.branchyTolerance)
        try Fixtures.check("graphs", defaultTolerance: WholeModelTests.branchyTolerance,
                           options: Interpreter.Options(backend: .delegate(ConvConcatDelegate())))
        try Fixtures.check("graphs", defaultTolerance: WholeModelTests.branchyTolerance, options: Interpreter.Options(threadCount: 2))
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
