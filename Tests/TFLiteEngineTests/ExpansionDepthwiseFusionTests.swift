import Foundation
import XCTest
@testable import TFLiteEngine

/// `ExpansionDepthwiseFusion` (a float32 depthwise convolution computes the
/// rows of the convolution whose output only it reads, into a window in its
/// scratch) against the same models planned without it: bit-identical
/// outputs on small random models that cover the window's edges (padding,
/// strides, dilation, batches, 5×5 filters, maps whose pixel count leaves a
/// last GEMM row alone, 3×3 convolutions with row tables) and on the
/// converter zoo's float32 models. The
/// smallest expanded map fused is lowered to 0 here, so the small models
/// fuse too.
final class ExpansionDepthwiseFusionTests: XCTestCase {
    private static func fusions(_ plan: ExecutionPlanDescription?, _ fusion: ExecutionPlanDescription.Fusion) -> Int {
        (plan?.segments.flatMap(\.nodes) ?? []).filter { $0.fusion == fusion }.count
    }

    override func setUp() {
        super.setUp()
        DepthwiseConv2DFloatVectorized.minimumExpandedBytes = 0
    }

    override func tearDown() {
        DepthwiseConv2DFloatVectorized.minimumExpandedBytes = 2 << 20
        ExpansionDepthwiseFusion.isEnabled = true
        super.tearDown()
    }

    func testSmallModelsMatchUnfusedBitExact() throws {
        var rng = TestRandom(seed: 53)
        var fusedCases = 0, fusedWithFilterRows = 0
        for i in 0..<40 {
            let batches = i % 5 == 4 ? 2 : 1
            let k = i % 4 == 3 ? 5 : 3, dilation = i % 6 == 5 ? 2 : 1
            let span = (k - 1) * dilation + 1
            // (The first two: 15 and 25 pixels, a last GEMM row alone in seven- and six-row micro-tiles.)
            let h = i < 2 ? [3, 5][i] : rng.int(span...max(span, 12)), w = i < 2 ? 5 : rng.int(span...max(span, 23))
            let c = rng.int(3...20)
            // Every seventh: a 3×3 convolution (SAME) before the depthwise
            // one, its map 12 or 18 wide (whole six-row micro-tiles a row,
            // which its row table needs).
            let producerKernel = i % 7 == 6 ? 3 : 1
            let width = producerKernel == 3 ? [12, 18][rng.int(0...1)] : w
            let n = [16, 20, 32, 40, 48, 96][rng.int(0...5)]
            let strideH = rng.int(1...2), strideW = rng.int(1...2)
            let same = i % 3 != 2
            let exposed = i % 10 == 9
            let model = Self.expansionDepthwise(
                input: [batches, h, width, c], expanded: n, producerKernel: producerKernel, kernel: k, strides: (strideH, strideW), dilation: dilation, same: same,
                activations: (Int8(rng.int(0...1) * 3), Int8(rng.int(0...1))), exposeExpansion: exposed, rng: &rng)
            let name = "#\(i) \(batches)×\(h)×\(width)×\(c) → \(n) \(producerKernel)×\(producerKernel), \(k)×\(k) stride \(strideH)×\(strideW) dilation \(dilation) "
                + "\(same ? "SAME" : "VALID")\(exposed ? " exposed" : "")"
            ExpansionDepthwiseFusion.isEnabled = true
            let interpreter = try Interpreter(model: try Model(data: model))
            try interpreter.allocateTensors()
            let plan = interpreter.executionPlanDescription
            let fused = Self.fusions(plan, .expansionRows)
            XCTAssertEqual(fused, Self.fusions(plan, .computedByConsumer), name)
            if exposed { XCTAssertEqual(fused, 0, "\(name): an expansion that is a graph output was fused") }
            fusedCases += fused
            if producerKernel > 1 { fusedWithFilterRows += fused }
            if fused > 0 {
                // The profile counts the expansion's multiply-adds at the depthwise node, which computes them.
                interpreter.isProfilingEnabled = true
                try interpreter.invoke()
                let steps = try XCTUnwrap(interpreter.graph).steps
                let expansion = try XCTUnwrap(steps.first { $0.kernel is GEMMConvolutionFloat })
                let depthwise = try XCTUnwrap(steps.first { $0.kernel is DepthwiseConv2DFloatVectorized })
                let multiplyAdds = batches * h * width * c * n * producerKernel * producerKernel
                XCTAssertEqual(expansion.kernel.computedByReader, multiplyAdds, name)
                let costs = Dictionary(interpreter.operatorProfile.map { ($0.nodeIndex, $0.cost) }, uniquingKeysWith: +)
                XCTAssertEqual(costs[expansion.node.index], 0, name)
                XCTAssertEqual(costs[depthwise.node.index], depthwise.kernel.cost + multiplyAdds, name)
                interpreter.isProfilingEnabled = false
            }
            let unfused = try ConvolutionPoolFusionTests.compareFusedWithUnfused(model, seed: UInt64(300 + i), name: name) {
                ExpansionDepthwiseFusion.isEnabled = $0
            }
            XCTAssertGreaterThan(Set(unfused.last ?? []).count, 8, "\(name): uninformative output")
        }
        // (Channels 8…63 and not a multiple of 16 at 3×3, stride 1, take
        // the phase path, which is not fused.)
        XCTAssertGreaterThanOrEqual(fusedCases, 20)
        XCTAssertGreaterThanOrEqual(fusedWithFilterRows, 2)
    }

    func testZooFloatModelsMatchUnfusedBitExact() throws {
        let directory = ZooFixtureRun.directory
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix("_float32.tflite") }.map { String($0.dropLast(".tflite".count)) }.sorted()
        XCTAssertFalse(names.isEmpty, "no zoo models")
        var fusedModels: [String] = []
        for name in names {
            ExpansionDepthwiseFusion.isEnabled = true
            let interpreter = try ZooFixtureRun.interpreter(name, threads: 1)
            let plan = interpreter.executionPlanDescription
            let fused = Self.fusions(plan, .expansionRows)
            XCTAssertEqual(fused, Self.fusions(plan, .computedByConsumer), name)
            guard fused > 0 else { continue }
            fusedModels.append(name)
            let outputs = try ZooFixtureRun.outputs(interpreter, name, invokes: 2)
            let parallel = try ZooFixtureRun.interpreter(name, threads: 2)
            XCTAssertEqual(Self.fusions(parallel.executionPlanDescription, .expansionRows), 0, "\(name): fused on two threads")
            ExpansionDepthwiseFusion.isEnabled = false
            let unfused = try ZooFixtureRun.interpreter(name, threads: 1)
            XCTAssertEqual(Self.fusions(unfused.executionPlanDescription, .expansionRows), 0, name)
            XCTAssertEqual(outputs, try ZooFixtureRun.outputs(unfused, name), "\(name): fused differs from unfused")
        }
        for name in ["mobilenet_float32", "mobilenetv2_float32"] where names.contains(name) {
            XCTAssertTrue(fusedModels.contains(name), "\(name): nothing fused")
        }
    }

    /// input [B, H, W, C] → CONV_2D `producerKernel`² (SAME) to `expanded` channels (random
    /// filter and bias, fused activation `activations.0`) → DEPTHWISE_CONV_2D
    /// `kernel`×`kernel` (`activations.1`) → output; with `exposeExpansion`
    /// the 1×1 convolution's output is a graph output too (listed first).
    static func expansionDepthwise(input: [Int], expanded n: Int, producerKernel pk: Int, kernel k: Int, strides: (Int, Int), dilation: Int, same: Bool,
                                   activations: (Int8, Int8), exposeExpansion: Bool, rng: inout TestRandom) -> Data {
        typealias FB = FlatBufferBuilder.Node
        let c = input[3]
        func floats(_ count: Int, _ scale: Float) -> [UInt8] {
            (0..<count).flatMap { _ in
                withUnsafeBytes(of: (Float(rng.int(-1000...1000)) / 1000 * scale).bitPattern.littleEndian) { Array($0) }
            }
        }
        var tables = QuantizedTensorTables()
        let none: FB = .table([])
        let inputIndex = tables.tensor(input, 0, none, data: nil)
        let filter = tables.tensor([n, pk, pk, c], 0, none, data: floats(n * pk * pk * c, 1 / (Float(c).squareRoot() * Float(pk))))
        let bias = tables.tensor([n], 0, none, data: floats(n, 0.5))
        let depthwiseFilter = tables.tensor([1, k, k, n], 0, none, data: floats(k * k * n, 1 / Float(k)))
        let depthwiseBias = tables.tensor([n], 0, none, data: floats(n, 0.5))
        let expandedIndex = tables.tensor([], 0, none, data: nil)
        let outputIndex = tables.tensor([], 0, none, data: nil)
        let padding: Int8 = same ? 0 : 1
        let operators: [FB] = [
            .table([(4, .u32(0)), (6, .offset(.int32s([inputIndex, filter, bias]))), (8, .offset(.int32s([expandedIndex]))),
                    (10, .u8(1)), (12, .offset(.table([(4, .i8(0)), (6, .i32(1)), (8, .i32(1)), (10, .i8(activations.0))])))]),
            .table([(4, .u32(1)), (6, .offset(.int32s([expandedIndex, depthwiseFilter, depthwiseBias]))),
                    (8, .offset(.int32s([outputIndex]))), (10, .u8(2)),
                    (12, .offset(.table([(4, .i8(padding)), (6, .i32(Int32(strides.1))), (8, .i32(Int32(strides.0))), (10, .i32(1)),
                                         (12, .i8(activations.1)), (14, .i32(Int32(dilation))), (16, .i32(Int32(dilation)))])))]),
        ]
        let outputs = exposeExpansion ? [expandedIndex, outputIndex] : [outputIndex]
        let subgraph: FB = .table([
            (4, .offset(.tables(tables.tensors))), (6, .offset(.int32s([inputIndex]))), (8, .offset(.int32s(outputs))),
            (10, .offset(.tables(operators))), (12, .offset(.string("main"))),
        ])
        let model: FB = .table([
            (4, .u32(3)),
            (6, .offset(.tables([.table([(4, .i8(3)), (8, .i32(1)), (10, .i32(3))]),
                                 .table([(4, .i8(4)), (8, .i32(1)), (10, .i32(4))])]))),
            (8, .offset(.tables([subgraph]))),
            (10, .offset(.string("ExpansionDepthwiseFusionTests"))),
            (12, .offset(.tables(tables.buffers))),
        ])
        return Data(FlatBufferBuilder.serialize(model, identifier: "TFL3"))
    }
}
