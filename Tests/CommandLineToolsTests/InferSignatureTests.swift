import XCTest
import Foundation
import InputFormats
@testable import CommandLineTools

/// `infer --signature KEY --input-npy NAME=FILE` and the signature listing of
/// `--inspect`, on the two-signature model made by
/// `tools/make_signature_fixtures.py` (outputs from LiteRT's signature runner).
final class InferSignatureTests: XCTestCase {
    static let folder = "Tests/TFLiteEngineTests/Fixtures/signatures/"
    static func fixture(_ name: String) -> String { Repo.path(folder + name) }
    let model = fixture("two_signatures.tflite")

    func floats(_ path: String) throws -> [Float] {
        try NumPyArray(contentsOfFile: path).data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    func testSignatureRunsWithNamedInputsAndSavesNamedOutputs() throws {
        let dir = try temporaryDirectory()
        let run = infer([model, "--signature", "add",
                         "--input-npy", "x=" + Self.fixture("add.x.npy"), "--input-npy", "y=" + Self.fixture("add.y.npy"),
                         "--save-outputs", dir])
        XCTAssertEqual(run.code, 0, run.errors)
        for name in ["sum", "scaled"] {
            XCTAssertEqual(try floats(dir + "/\(name).npy"), try floats(Self.fixture("add.\(name).expected.npy")), name)
        }
        let json = try jsonObject(infer([model, "--signature", "dense_head",
                                         "--input-npy", "features=" + Self.fixture("dense_head.features.npy"), "--json"]).output)
        XCTAssertEqual(json["signature"] as? String, "dense_head")
        let outputs = try XCTUnwrap(json["outputs"] as? [String: Any])
        XCTAssertEqual(Set(outputs.keys), ["logits", "probabilities"])
        let logits = try XCTUnwrap((outputs["logits"] as? [String: Any])?["values"] as? [Double])
        let expected = try floats(Self.fixture("dense_head.logits.expected.npy"))
        XCTAssertEqual(logits.count, expected.count)
        for (a, b) in zip(logits, expected) { XCTAssertEqual(a, Double(b), accuracy: 1e-5) }
    }

    func testUnknownSignatureOrInputNameIsOneLineError() {
        assertOneLineError(infer([model, "--signature", "nope", "--input-npy", "x=" + Self.fixture("add.x.npy")]),
                           tool: "infer", code: 1, contains: "nope")
        assertOneLineError(infer([model, "--signature", "add", "--input-npy", "z=" + Self.fixture("add.x.npy"),
                                  "--input-npy", "y=" + Self.fixture("add.y.npy")]),
                           tool: "infer", code: 2, contains: "has no input 'z'; its inputs: x, y")
    }

    func testInspectListsEverySignatureWithItsTensors() throws {
        let text = infer(["--inspect", model])
        XCTAssertEqual(text.code, 0, text.errors)
        for fragment in ["signatures: 2", "'add'", "'dense_head'", "in:  x:", "in:  y:", "out: sum:", "in:  features:", "out: probabilities:"] {
            XCTAssertTrue(text.output.contains(fragment), "--inspect lacks '\(fragment)':\n\(text.output)")
        }
        let json = try jsonObject(infer(["--inspect", model, "--json"]).output)
        let keys = (json["signatures"] as? [[String: Any]])?.compactMap { $0["key"] as? String }
        XCTAssertEqual(keys, ["add", "dense_head"])
    }
}

/// `--inspect` of a model with control flow lists the called subgraphs' nodes too.
final class InferInspectSubgraphTests: XCTestCase {
    func testInspectListsTheNodesOfEveryCalledSubgraph() throws {
        let model = Repo.path("Tests/TFLiteEngineTests/Fixtures/zoo/layer_gru_float32.tflite")
        let text = infer(["--inspect", model])
        XCTAssertEqual(text.code, 0, text.errors)
        XCTAssertTrue(text.output.contains("subgraphs: 3"), text.output)
        XCTAssertTrue(text.output.contains("WHILE v"), text.output)
        for index in 1...2 {
            let header = "\nsubgraph \(index) '"
            let table = try XCTUnwrap(text.output.components(separatedBy: header).dropFirst().first, "no table for subgraph \(index)")
            XCTAssertTrue(table.contains("\nnode  op"), "subgraph \(index) has no node table")
            XCTAssertTrue(table.contains("   0  "), "subgraph \(index) lists no node 0")
        }
        let json = try jsonObject(infer(["--inspect", model, "--json"]).output)
        let subgraphs = try XCTUnwrap(json["subgraphs"] as? [[String: Any]])
        XCTAssertEqual(subgraphs.count, 3)
        for g in subgraphs.dropFirst() {
            XCTAssertEqual((g["node_list"] as? [Any])?.count, g["nodes"] as? Int)
        }
    }
}
