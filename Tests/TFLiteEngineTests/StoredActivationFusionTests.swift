import Foundation
import XCTest
@testable import TFLiteEngine
import InputFormats

/// `StoredActivationFusion` (an int8 convolution whose output only a
/// byte-table activation reads applies that table as it stores; the
/// activation's node is skipped and its output shares the convolution's
/// memory) against the same models planned without it: bit-identical
/// outputs on every model of the converter zoo that has such pairs (hard
/// swish, swish, the squeeze-and-excitation LOGISTIC), on one and two
/// threads and with each of the int8 GEMM's arithmetics; float32 models
/// are not fused.
final class StoredActivationFusionTests: XCTestCase {
    private static let directory = Fixtures.directory("zoo")

    private static func interpreter(_ name: String, threads: Int) throws -> Interpreter {
        let options = Interpreter.Options(threadCount: threads, backend: threads > 1 ? .parallel : .cpu)
        let interpreter = try Interpreter(modelPath: directory.appendingPathComponent("\(name).tflite").path, options: options)
        try interpreter.allocateTensors()
        return interpreter
    }

    private static func run(_ interpreter: Interpreter, _ name: String) throws -> [Data] {
        try interpreter.copy(try NumPyArray(contentsOfFile: directory.appendingPathComponent("\(name).input0.npy").path).data,
                             toInputAt: 0)
        try interpreter.invoke()
        return try (0..<interpreter.outputTensorCount).map { try interpreter.output(at: $0).data }
    }

    private static func outputs(_ name: String, threads: Int) throws -> (outputs: [Data], plan: ExecutionPlanDescription?) {
        let interpreter = try interpreter(name, threads: threads)
        return (try run(interpreter, name), interpreter.executionPlanDescription)
    }

    private static func fusions(_ plan: ExecutionPlanDescription?, _ fusion: ExecutionPlanDescription.Fusion) -> Int {
        (plan?.segments.flatMap(\.nodes) ?? []).filter { $0.fusion == fusion }.count
    }

    func testFusedActivationsMatchUnfusedKernelsBitExact() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { $0.hasSuffix(".tflite") }.map { String($0.dropLast(".tflite".count)) }.sorted()
        XCTAssertFalse(names.isEmpty, "no zoo models")
        var fusedModels: [String] = []
        defer { StoredActivationFusion.isEnabled = true }
        for name in names {
            StoredActivationFusion.isEnabled = true
            let interpreter = try Self.interpreter(name, threads: 1)
            let plan = interpreter.executionPlanDescription
            let stores = Self.fusions(plan, .activationInStore)
            XCTAssertEqual(stores, Self.fusions(plan, .storedByProducer), "\(name): convolutions with a table and activations skipped")
            XCTAssertFalse(stores > 0 && name.hasSuffix("_float32"), "\(name): a float32 model was fused")
            guard stores > 0 else { continue }
            fusedModels.append(name)
            let fused = try Self.run(interpreter, name)
            let parallel = try Self.outputs(name, threads: 2).outputs
            StoredActivationFusion.isEnabled = false
            let (unfused, unfusedPlan) = try Self.outputs(name, threads: 1)
            XCTAssertEqual(Self.fusions(unfusedPlan, .storedByProducer), 0, name)
            XCTAssertEqual(fused, unfused, "\(name): fused differs from unfused")
            XCTAssertEqual(parallel, unfused, "\(name): fused on two threads differs from unfused")
        }
        // EfficientNet's swishes and SE gates, MobileNetV3's hard swishes.
        for name in ["efficientnetb0_int8", "mobilenetv3large_int8", "mobilenetv3small_int8"] where names.contains(name) {
            XCTAssertTrue(fusedModels.contains(name), "\(name): nothing fused")
        }
    }

    /// Every arithmetic of the int8 GEMM applies the table per tile (the
    /// default one is covered above).
    func testEachGEMMArithmeticAppliesTheTable() throws {
        let saved = GEMMConvolutionQuantized.arithmeticForTesting
        defer {
            GEMMConvolutionQuantized.arithmeticForTesting = saved
            StoredActivationFusion.isEnabled = true
        }
        for arithmetic: GEMMConvolutionQuantized.Arithmetic in [.exactFloat, .pairs, .quads] {
            GEMMConvolutionQuantized.arithmeticForTesting = arithmetic
            for name in ["efficientnetb0_int8", "mobilenetv3small_int8"] {
                StoredActivationFusion.isEnabled = true
                let fused = try Self.outputs(name, threads: 1)
                XCTAssertGreaterThan(Self.fusions(fused.plan, .activationInStore), 0, "\(name) \(arithmetic): nothing fused")
                let parallel = try Self.outputs(name, threads: 2).outputs
                StoredActivationFusion.isEnabled = false
                let unfused = try Self.outputs(name, threads: 1).outputs
                XCTAssertEqual(fused.outputs, unfused, "\(name) \(arithmetic): fused differs from unfused")
                XCTAssertEqual(parallel, unfused, "\(name) \(arithmetic): fused on two threads differs from unfused")
            }
        }
    }
}
