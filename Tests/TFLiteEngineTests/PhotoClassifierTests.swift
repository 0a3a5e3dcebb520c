import Foundation
import XCTest
import TFLiteEngine
import InputFormats

/// A colour JPEG through a float32 MobileNet-style classifier that carries its
/// labels and normalization in TFLite metadata, by the library calls
/// `infer MODEL IMAGE` makes with no flags (decode, `ImagePreprocessing.prepare`,
/// the metadata's normalization, the model's own label file), against the
/// LiteRT Python interpreter given Pillow's decode, the same resize and the
/// same normalization (`tools/make_photo_fixtures.py`).
final class PhotoClassifierTests: XCTestCase {
    static let directory = Fixtures.directory("photo")

    struct Expected: Decodable {
        struct Entry: Decodable { let index: Int; let label: String; let score: Float }
        struct Normalization: Decodable { let mean: [Float]; let std: [Float] }
        let model: String
        let image: String
        let normalization: Normalization
        let top5: [Entry]
        let scores: [Float]
    }

    func testPhotoTop5MatchesLiteRT() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf:
            Self.directory.appendingPathComponent("photo_classifier.expected.json")))
        let image = try DecodedImage(contentsOfFile: Self.directory.appendingPathComponent(expected.image).path)
        XCTAssertEqual(image.colorModel, .rgb)
        let model = try Model(path: Self.directory.appendingPathComponent(expected.model).path)

        // What the model says about itself (Runner.run's ModelDefaults).
        let metadata = try XCTUnwrap(try model.metadata)
        let normalization = try XCTUnwrap(metadata.subgraphs.first?.inputTensors.first?.normalization)
        XCTAssertEqual(normalization.mean, expected.normalization.mean)
        XCTAssertEqual(normalization.std, expected.normalization.std)
        let labels = try XCTUnwrap(try model.labels(forOutput: 0))

        // Runner.feedImage: the input's size, prepare without normalization, then the metadata's.
        let interpreter = try Interpreter(model: model)
        try interpreter.allocateTensors()
        let input = try interpreter.input(at: 0)
        let dims = input.shape.dimensions
        XCTAssertEqual(dims.count, 4)
        XCTAssertEqual(input.dataType, .float32)
        let values = try ImagePreprocessing.normalize(
            ImagePreprocessing.prepare(image, height: dims[1], width: dims[2], channels: dims[3]),
            channels: dims[3], metadata: normalization)
        try interpreter.copy(TensorValues.encode(values, as: input.dataType, quantization: input.quantizationParameters), toInputAt: 0)
        try interpreter.invoke()
        let scores = try TensorValues.floats(try interpreter.output(at: 0))
        XCTAssertEqual(scores.count, expected.scores.count)
        XCTAssertEqual(labels.count, scores.count)

        let top5 = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(5)
        XCTAssertEqual(top5.map { labels[$0] }, expected.top5.map(\.label))
        XCTAssertEqual(Array(top5), expected.top5.map(\.index))
        for (index, entry) in zip(top5, expected.top5) {
            XCTAssertEqual(scores[index], entry.score, accuracy: 1e-4, entry.label)
        }
        let worst = zip(scores, expected.scores).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst, 1e-4, "largest score difference to LiteRT over all classes")
        print("photo_classifier: top-5 \(top5.map { labels[$0] }), max |score - LiteRT| = \(worst)")
    }

    func testMetadataNormalizationIsPerChannelInPixelUnits() throws {
        let n = ModelMetadata.NormalizationOptions(mean: [127.5, 0, 255], std: [127.5, 1, 0.5])
        let out = try ImagePreprocessing.normalize([0, 1, 1, 1, 0, 0.5], channels: 3, metadata: n)
        XCTAssertEqual(out, [-1, 255, 0, 1, 0, -255])
        // One value for every channel; no values: identity on 0...255.
        XCTAssertEqual(try ImagePreprocessing.normalize([1, 0], channels: 2, metadata: .init(mean: [127.5], std: [127.5])), [1, -1])
        XCTAssertEqual(try ImagePreprocessing.normalize([1], channels: 1, metadata: .init()), [255])
        XCTAssertThrowsError(try ImagePreprocessing.normalize([0, 0], channels: 2, metadata: .init(mean: [1, 2, 3]))) { error in
            XCTAssertTrue("\(error)".contains("3 mean values for an input of 2 channels"), "\(error)")
        }
        XCTAssertThrowsError(try ImagePreprocessing.normalize([0], channels: 1, metadata: .init(std: [0])))
        XCTAssertThrowsError(try ImagePreprocessing.normalize([0], channels: 1, metadata: .init(mean: [.nan])))
    }
}
