import Foundation
import XCTest
@testable import TFLiteEngine

final class ModelSummaryTests: XCTestCase {
    func model(_ group: String, _ name: String) throws -> Model {
        try Model(path: Fixtures.directory(group).appendingPathComponent(name + ".tflite").path)
    }

    func testConvolutionSummary() throws {
        let summary = ModelSummary.inspect(try model("ops/float32", "conv2d_3x3_s2_valid_relu6_batch2"))
        XCTAssertNil(summary.prepareError)
        XCTAssertEqual(summary.nodes.count, 1)
        let conv = try XCTUnwrap(summary.nodes.first)
        XCTAssertEqual(conv.opName, "CONV_2D")
        XCTAssertFalse(conv.isCustom)
        XCTAssertEqual(conv.inputs.compactMap { $0?.shape }, [[2, 8, 6, 4], [3, 3, 3, 4], [3]])
        XCTAssertEqual(conv.inputs.map { $0?.isConstant }, [false, true, true])
        XCTAssertEqual(conv.outputs.map(\.shape), [[2, 3, 2, 3]])
        let options = Dictionary(uniqueKeysWithValues: conv.options.map { ($0.name, $0.value) })
        XCTAssertEqual(options["stride"], "2x2")
        XCTAssertEqual(options["padding"], "VALID")
        XCTAssertEqual(options["dilation"], "1x1")
        XCTAssertEqual(options["activation"], "RELU6")
        // By hand: input 8×6×4, 3×3 filter, stride 2, VALID → 3×2 outputs per
        // image and channel; 2 images × 3×2 positions × 3 output channels = 36
        // outputs, each a 3×3×4 = 36-term dot product → 1,296 MACs.
        XCTAssertEqual(conv.macs, 1296)
        XCTAssertEqual(summary.macs, 1296)
        // Filter 3×3×3×4 = 108 weights + 3 biases, float32.
        XCTAssertEqual(summary.parameterCount, 111)
        XCTAssertEqual(summary.constantBytes, 444)
        XCTAssertEqual(summary.operatorCounts.map(\.name), ["CONV_2D"])
        XCTAssertTrue(summary.unsupportedOperators.isEmpty)
        // Input 2×8×6×4 and output 2×3×2×3 floats live in the arena.
        XCTAssertGreaterThanOrEqual(summary.arenaBytes ?? 0, (384 + 36) * 4)
    }

    func testOtherMACCounts() throws {
        // Depthwise: output 1×4×5×8, 3×3 taps each.
        XCTAssertEqual(ModelSummary(model: try model("ops/float32", "depthwise_conv2d_3x3_m2_s2_same_relu6")).macs, 4 * 5 * 8 * 9)
        // Fully connected with keep_num_dims: output 2×4×8, 6 inputs each.
        let fc = ModelSummary(model: try model("ops/float32", "fully_connected_2x4x6_bias_relu_keep_num_dims"))
        XCTAssertEqual(fc.macs, 2 * 4 * 8 * 6)
        XCTAssertEqual(fc.nodes.first?.options.first { $0.name == "keep_num_dims" }?.value, "true")
        // Pooling has no MACs but reports its window.
        let pool = ModelSummary(model: try model("ops/float32", "max_pool2d_3x3_s2_same_none"))
        XCTAssertEqual(pool.macs, 0)
        XCTAssertEqual(pool.nodes.first?.options.first { $0.name == "filter" }?.value, "3x3")
        // Without inspect(), nothing is prepared.
        XCTAssertNil(pool.arenaBytes)
    }

    func testUnsupportedOperatorsStillSummarized() throws {
        let summary = ModelSummary.inspect(try model("summary", "unsupported_ops"))
        XCTAssertEqual(summary.nodes.map(\.opName), ["CONV_2D", "BUCKETIZE", "CAST", "CUMSUM", "ADD"])
        XCTAssertTrue(summary.unsupportedOperators.contains { $0.name == "BUCKETIZE" && $0.nodeIndex == 1 })
        XCTAssertNil(summary.arenaBytes)
        XCTAssertNotNil(summary.prepareError)
        // CONV_2D 3×3, stride 2, SAME on 8×8×1 → 4×4×4 outputs × 9 taps.
        XCTAssertEqual(summary.macs, 4 * 4 * 4 * 9)
        XCTAssertEqual(summary.nodes[1].options.first?.name, "boundaries")
        XCTAssertEqual(summary.nodes[3].inputs[1]?.isConstant, true)
    }

    /// Every fixture model that loads is summarized with the operators the
    /// schema's own Python reader lists for it (`summary/expected_operators.json`,
    /// made by tools/make_summary_expectations.py): the
    /// same operator names in the same order, and counts that add up.
    func testEveryFixtureModel() throws {
        let expected = try JSONDecoder().decode([String: [String]].self, from: Data(contentsOf:
            Fixtures.directory("summary").appendingPathComponent("expected_operators.json")))
        let madeToFail = try Fixtures.modelsMadeToFail()
        var summarized = Set<String>()
        for url in try Fixtures.allModels() {
            let name = Fixtures.relativeName(url)
            guard let model = try? Model(path: url.path) else {
                XCTAssertTrue(madeToFail.contains(name), "\(name) does not load")
                continue
            }
            let summary = ModelSummary.inspect(model)
            if let ops = expected[name] {
                XCTAssertEqual(summary.nodes.map(\.opName), ops, name)
                summarized.insert(name)
            } else {
                XCTAssertTrue(madeToFail.contains(name), "\(name): no expected operators (run tools/make_summary_expectations.py)")
            }
            XCTAssertEqual(summary.operatorCounts.map(\.count).reduce(0, +), summary.nodes.count, name)
            XCTAssertEqual(Set(summary.operatorCounts.map(\.name)), Set(summary.nodes.map(\.opName)), name)
        }
        XCTAssertEqual(Set(expected.keys).subtracting(summarized).subtracting(madeToFail).sorted(), [], "models with expected operators that were not summarized")
        XCTAssertGreaterThan(summarized.count, 900)
    }
}
