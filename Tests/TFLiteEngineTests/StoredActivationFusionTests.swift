import Foundation
import XCTest
@testable import TFLiteEngine
import InputFormats

/// `StoredActivationFusion` (a convolution whose output only an
/// element-wise activation reads (float32: HARD_SWISH) applies that activation as it stores —
/// int8 through its byte table, float32 through its loop; the activation's
/// node is skipped and its output shares the convolution's memory) against
/// the same models planned without it: bit-identical outputs on every model
/// of the converter zoo that has such pairs (hard swish, swish, the
/// squeeze-and-excitation LOGISTIC), on one and two threads, and with each
/// of the int8 GEMM's arithmetics.
final class StoredActivationFusionTests: XCTestCase {
    private static let directory = ZooFixtureRun.directory

    private static func interpreter(_ name: String, threads: Int) throws -> Interpreter {
        try ZooFixtureRun.interpreter(name, threads: threads)
    }

    private static func run(_ interpreter: Interpreter, _ name: String) throws -> [Data] {
        try ZooFixtureRun.outputs(interpreter, name)
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
            let skipped = (plan?.segments.flatMap(\.nodes) ?? []).filter { $0.fusion == .storedByProducer }
            XCTAssertFalse(name.hasSuffix("_float32") && skipped.contains { $0.op != "HARD_SWISH" },
                           "\(name): a float32 activation other than HARD_SWISH was fused")
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
        for name in ["efficientnetb0_int8", "mobilenetv3large_int8", "mobilenetv3small_int8", "mobilenetv3large_float32",
                     "mobilenetv3small_float32"] where names.contains(name) {
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

    /// Small models of a CONV_2D or DEPTHWISE_CONV_2D then a HARD_SWISH or
    /// LOGISTIC, int8 and uint8: fused where the convolution's output is
    /// not also a graph output, bit-identical to the unfused plan on one and
    /// two threads. Few rows and many channels cut the GEMM's panels into
    /// groups, so tables are applied to parts of rows.
    func testSmallModelsInt8AndUInt8() throws {
        var rng = TestRandom(seed: 41)
        var fusedCases = 0
        defer { StoredActivationFusion.isEnabled = true }
        for i in 0..<32 {
            let depthwise = i % 2 == 1, signed = i % 4 < 2, logistic = i % 3 == 0, exposed = i % 8 == 7
            let wide = !depthwise && i % 5 == 0
            let h = wide ? rng.int(1...2) : rng.int(3...9), w = wide ? 2 : rng.int(3...9)
            let cin = depthwise ? [8, 16, 17, 48][rng.int(0...3)] : [3, 8, 16][rng.int(0...2)]
            let cout = depthwise ? cin : wide ? [300, 520][rng.int(0...1)] : [7, 16, 33, 64][rng.int(0...3)]
            let k = rng.int(1...3)
            let model = Self.convolutionActivation(
                depthwise: depthwise, input: [1, h, w, cin], filter: depthwise ? [1, k, k, cin] : [cout, k, k, cin],
                signed: signed, activation: logistic ? 14 : 117, exposeConvolution: exposed, rng: &rng)
            let name = "#\(i) \(depthwise ? "depthwise" : "conv") \(h)×\(w)×\(cin) → \(cout) \(k)×\(k) "
                + "\(signed ? "int8" : "uint8") \(logistic ? "LOGISTIC" : "HARD_SWISH")\(exposed ? " exposed" : "")"
            fusedCases += try checkFusedMatchesUnfused(model, name: name, fusions: exposed ? 0 : 1, seed: UInt64(200 + i))
        }
        XCTAssertGreaterThanOrEqual(fusedCases, 24)
    }

    /// `model` planned with `StoredActivationFusion`: `fusions` activations
    /// in stores, outputs on one and two threads bit-identical to the
    /// unfused plan's (and informative). Returns the fusions.
    private func checkFusedMatchesUnfused(_ model: Data, name: String, fusions: Int, seed: UInt64) throws -> Int {
        StoredActivationFusion.isEnabled = true
        let interpreter = try Interpreter(model: try Model(data: model))
        try interpreter.allocateTensors()
        let stores = Self.fusions(interpreter.executionPlanDescription, .activationInStore)
        XCTAssertEqual(stores, fusions, "\(name): fusions")
        let unfused = try ConvolutionPoolFusionTests.compareFusedWithUnfused(model, seed: seed, name: name) {
            StoredActivationFusion.isEnabled = $0
        }
        XCTAssertGreaterThan(Set(unfused.last ?? []).count, 2, "\(name): uninformative output")
        return stores
    }

    /// Int8 3×3 depthwise layers of 11 and 22 channels on 14 rows, whose rows
    /// run four at a time along float rows in the eight-lane flavour
    /// (`DepthwiseConv2DInt8Vectorized.floatRuns`), then a HARD_SWISH or
    /// LOGISTIC: the table applied to each group of rows, fused bit-identical
    /// to unfused on one and two threads.
    func testDepthwiseFloatRunRowsApplyTheTable() throws {
        var rng = TestRandom(seed: 43)
        defer { StoredActivationFusion.isEnabled = true }
        for (i, channels) in [11, 22].enumerated() {
            let model = Self.convolutionActivation(
                depthwise: true, input: [1, 14, 18, channels], filter: [1, 3, 3, channels], signed: true,
                activation: i == 0 ? 117 : 14, exposeConvolution: false, rng: &rng)
            _ = try checkFusedMatchesUnfused(model, name: "depthwise 14×18×\(channels) 3×3 int8", fusions: 1, seed: UInt64(300 + i))
        }
    }

    /// input → CONV_2D or DEPTHWISE_CONV_2D (constant filter and bias, SAME
    /// padding) → HARD_SWISH (`activation` 117) or LOGISTIC (14) → output;
    /// with `exposeConvolution` the convolution's output is a graph output
    /// too (listed first).
    static func convolutionActivation(depthwise: Bool, input: [Int], filter: [Int], signed: Bool, activation: Int32,
                                      exposeConvolution: Bool, rng: inout TestRandom) -> Data {
        typealias FB = FlatBufferBuilder.Node
        let type: Int8 = signed ? 9 : 3  // INT8 = 9, UINT8 = 3
        let channels = depthwise ? filter[3] : filter[0], k = filter.reduce(1, *) / channels
        let inputScale = Float(rng.int(1...100)) / 2000
        let inputZero = signed ? rng.int(-128...127) : rng.int(0...255)
        // (Per-channel filter scales in int8; uint8 has one.)
        let filterScales = (0..<(signed ? channels : 1)).map { _ in Float(rng.int(1...100)) / 5000 }
        let filterZero = signed ? 0 : rng.int(108...148)
        let filterValues: [UInt8] = (0..<filter.reduce(1, *)).map { _ in
            signed ? UInt8(bitPattern: Int8(rng.int(-128...127))) : UInt8(rng.int(0...255))
        }
        let outputScale = inputScale * (filterScales.max() ?? 1) * Float(signed ? rng.int(5...30) : rng.int(40...120))
            * Float(max(k, 1)).squareRoot()
        let outputZero = signed ? rng.int(-20...20) : rng.int(100...150)
        let (activationScale, activationZero): (Float, Int) = activation == 14
            ? (1 / 256, signed ? -128 : 0) : (outputScale * Float(rng.int(5...15)) / 10, signed ? rng.int((-100)...(-60)) : rng.int(20...60))

        func quantization(_ scales: [Float], _ zeros: [Int], axis: Int = 0) -> FB { QuantizedTensorTables.quantization(scales, zeros, axis: axis) }
        var tables = QuantizedTensorTables()
        func tensor(_ shape: [Int], _ type: Int8, _ q: FB, data: [UInt8]?) -> Int32 { tables.tensor(shape, type, q, data: data) }
        let inputIndex = tensor(input, type, quantization([inputScale], [inputZero]), data: nil)
        let filterIndex = tensor(filter, type, quantization(filterScales, Array(repeating: filterZero, count: filterScales.count),
                                                            axis: depthwise ? 3 : 0), data: filterValues)
        let biasValues = (0..<channels).map { _ in Int32(rng.int(-3000...3000)) }
        let biasBytes = biasValues.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let biasIndex = tensor([channels], 2, quantization(filterScales.map { $0 * inputScale },
                                                           Array(repeating: 0, count: filterScales.count)), data: biasBytes)
        let convolved = tensor([], type, quantization([outputScale], [outputZero]), data: nil)
        let activated = tensor([], type, quantization([activationScale], [activationZero]), data: nil)
        let convOptions: [(Int, FlatBufferBuilder.Value)] = depthwise
            ? [(4, .i8(0)), (6, .i32(1)), (8, .i32(1)), (10, .i32(1)), (12, .i8(0))]
            : [(4, .i8(0)), (6, .i32(1)), (8, .i32(1)), (10, .i8(0))]
        let operators: [FB] = [
            .table([(4, .u32(0)), (6, .offset(.int32s([inputIndex, filterIndex, biasIndex]))), (8, .offset(.int32s([convolved]))),
                    (10, .u8(depthwise ? 2 : 1)), (12, .offset(.table(convOptions)))]),
            .table([(4, .u32(1)), (6, .offset(.int32s([convolved]))), (8, .offset(.int32s([activated])))]),
        ]
        let outputs = exposeConvolution ? [convolved, activated] : [activated]
        let subgraph: FB = .table([
            (4, .offset(.tables(tables.tensors))), (6, .offset(.int32s([inputIndex]))), (8, .offset(.int32s(outputs))),
            (10, .offset(.tables(operators))), (12, .offset(.string("main"))),
        ])
        let convCode: Int8 = depthwise ? 4 : 3
        let model: FB = .table([
            (4, .u32(3)),
            (6, .offset(.tables([.table([(4, .i8(convCode)), (8, .i32(1)), (10, .i32(Int32(convCode)))]),
                                 .table([(4, .i8(Int8(activation))), (8, .i32(1)), (10, .i32(activation))])]))),
            (8, .offset(.tables([subgraph]))),
            (10, .offset(.string("StoredActivationFusionTests"))),
            (12, .offset(.tables(tables.buffers))),
        ])
        return Data(FlatBufferBuilder.serialize(model, identifier: "TFL3"))
    }
}
