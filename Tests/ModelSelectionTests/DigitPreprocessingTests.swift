import XCTest
import Foundation
import TFLiteEngine
import InputFormats
@testable import ModelSelection

/// `DigitPreprocessing.mnist` on photo-like digits (dark ink on light paper,
/// larger, off-centre, rotated, noisy, unevenly lit) read by the small CNN.
final class DigitPreprocessingTests: XCTestCase {
    typealias F = SelectionFixtures

    private struct Manifest: Decodable {
        struct Photo: Decodable { let file: String; let label: Int }
        let photos: [Photo]
    }

    private func classify(_ interpreter: Interpreter, _ image: [Float]) throws -> Int {
        try interpreter.copy(image.withUnsafeBytes { Data($0) }, toInputAt: 0)
        try interpreter.invoke()
        let p = try interpreter.output(at: 0).toArray(of: Float.self)
        return p.indices.max { p[$0] < p[$1] } ?? -1
    }

    private func smallCNN() throws -> Interpreter {
        let i = try Interpreter(modelPath: F.weights.appendingPathComponent("mnist_small_cnn.tflite").path)
        try i.allocateTensors()
        return i
    }

    func testPhotosAreReadAfterPreprocessing() throws {
        let directory = F.root.appendingPathComponent("photos")
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
        XCTAssertGreaterThanOrEqual(manifest.photos.count, 20)
        let cnn = try smallCNN()
        var preprocessedCorrect = 0, naiveCorrect = 0
        var misses: [String] = []
        for photo in manifest.photos {
            let image = try F.readPGM(directory.appendingPathComponent(photo.file))
            let label = try classify(cnn, DigitPreprocessing.mnist(image))
            if label == photo.label { preprocessedCorrect += 1 } else { misses.append("\(photo.file) read as \(label)") }
            if try classify(cnn, DigitPreprocessing.naive(image)) == photo.label { naiveCorrect += 1 }
        }
        print("photos: preprocessed \(preprocessedCorrect)/\(manifest.photos.count), naive \(naiveCorrect)/\(manifest.photos.count); misses: \(misses)")
        XCTAssertGreaterThanOrEqual(Double(preprocessedCorrect), 0.9 * Double(manifest.photos.count), misses.joined(separator: ", "))
        XCTAssertGreaterThan(preprocessedCorrect, naiveCorrect)
    }

    func testTheShippedPhotoIsAThree() throws {
        let image = try F.readPGM(F.repoRoot.appendingPathComponent("images/photo_digit_3.pgm"))
        XCTAssertEqual(try classify(smallCNN(), DigitPreprocessing.mnist(image)), 3)
    }

    func testALargePhotoIsDownscaledFirstAndStillRead() throws {
        let small = try F.readPGM(F.repoRoot.appendingPathComponent("images/photo_digit_3.pgm"))
        let factor = 7   // 840×630
        var pixels = [Float](repeating: 0, count: small.width * factor * small.height * factor)
        for y in 0..<(small.height * factor) {
            for x in 0..<(small.width * factor) { pixels[y * small.width * factor + x] = small[x / factor, y / factor] }
        }
        guard let large = GrayImage(width: small.width * factor, height: small.height * factor, pixels: pixels) else { return XCTFail() }
        XCTAssertEqual(DigitPreprocessing.boundedSize(large).width, 400)
        XCTAssertEqual(try classify(smallCNN(), DigitPreprocessing.mnist(large)), 3)
    }

    func testAnMNISTDigitStaysReadableAndCentred() throws {
        let image = try F.readPGM(F.repoRoot.appendingPathComponent("images/digit_7.pgm"))
        let out = try DigitPreprocessing.mnist(image)
        XCTAssertEqual(out.count, 784)
        XCTAssertEqual(try classify(smallCNN(), out), 7)
        // Centre of mass near the middle, values in [0, 1], 4-px border mostly empty like MNIST.
        var mass: Float = 0, cx: Float = 0, cy: Float = 0
        for y in 0..<28 { for x in 0..<28 { let v = out[y * 28 + x]; mass += v; cx += v * Float(x); cy += v * Float(y) } }
        XCTAssertEqual(cx / mass, 13.5, accuracy: 1.0)
        XCTAssertEqual(cy / mass, 13.5, accuracy: 1.0)
        XCTAssertEqual(out.max() ?? 0, 1)
        XCTAssertGreaterThanOrEqual(out.min() ?? -1, 0)
    }

    func testBlankImageHasNoInk() {
        guard let blank = GrayImage(width: 50, height: 40, pixels: [Float](repeating: 0.8, count: 2000)) else { return XCTFail() }
        XCTAssertThrowsError(try DigitPreprocessing.mnist(blank)) { error in
            XCTAssertEqual(error as? DigitPreprocessingError, .noInkFound(width: 50, height: 40))
        }
        XCTAssertNil(GrayImage(width: 0, height: 1, pixels: []))
        XCTAssertNil(GrayImage(width: 2, height: 2, pixels: [0]))
    }

    /// A single dark pixel is a speck, not a digit: the 3×3 median filter
    /// removes it, so tiny images give `noInkFound` with their own size.
    func testSmallImagesAndSinglePixelsHaveNoInk() throws {
        for (w, h) in [(1, 1), (3, 2), (5, 40)] {
            var pixels = [Float](repeating: 1, count: w * h)
            pixels[pixels.count / 2] = 0
            guard let image = GrayImage(width: w, height: h, pixels: pixels) else { return XCTFail() }
            XCTAssertThrowsError(try DigitPreprocessing.mnist(image), "\(w)×\(h)") { error in
                XCTAssertEqual(error as? DigitPreprocessingError, .noInkFound(width: w, height: h))
            }
        }
    }

    /// A dark 8×8 square on 20×20 paper: inverted to white ink, cropped to
    /// the square (the median filter takes only its 4 corner pixels), scaled
    /// to 20×20 and placed with its centre of mass at the centre: ink exactly
    /// in rows and columns 4…23, saturated away from the rounded corners.
    func testASquareBecomesACentredTwentyPixelSquare() throws {
        var pixels = [Float](repeating: 0.9, count: 400)
        for y in 6..<14 { for x in 6..<14 { pixels[y * 20 + x] = 0.1 } }
        guard let image = GrayImage(width: 20, height: 20, pixels: pixels) else { return XCTFail() }
        let out = try DigitPreprocessing.mnist(image)
        XCTAssertEqual(out.count, 784)
        for y in 0..<28 {
            for x in 0..<28 {
                let v = out[y * 28 + x]
                if !(4..<24).contains(y) || !(4..<24).contains(x) {
                    XCTAssertEqual(v, 0, "(\(x), \(y)) outside the square")
                } else if (7..<21).contains(y) || (7..<21).contains(x) {
                    XCTAssertEqual(v, 1, "(\(x), \(y)) inside the square, away from its corners")
                }
            }
        }
    }
}
