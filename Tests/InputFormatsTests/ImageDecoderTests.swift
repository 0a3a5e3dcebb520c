import Foundation
import XCTest
import TFLiteEngine
@testable import InputFormats

/// PNG, JPEG and PGM/PPM decoding against Pillow's pixels, and hostile files.
/// The fixtures and `manifest.json` are made by tools/make_image_fixtures.py.
final class ImageDecoderTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/images")

    struct Entry: Decodable {
        let file: String
        let expected: String?
        let compare: String?
        let error: String?
        let contains: String?
        let limits: [String: Int]?
        let converted_gray: String?
        let converted_rgb: String?
    }

    struct Manifest: Decodable { let fixtures: [Entry] }

    static let manifest: [Entry] = load(dir)

    static func load(_ directory: URL) -> [Entry] {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("manifest.json")),
              let m = try? JSONDecoder().decode(Manifest.self, from: data) else { return [] }
        return m.fixtures
    }

    func entries(_ prefix: String) -> [Entry] {
        let list = ImageDecoderTests.manifest.filter { $0.file.hasPrefix(prefix) }
        XCTAssertFalse(list.isEmpty, "no '\(prefix)' fixtures in manifest.json (run tools/make_image_fixtures.py)")
        return list
    }

    /// Pillow's pixels: (height, width, channels, bytes).
    func expected(_ name: String, in directory: URL = ImageDecoderTests.dir) throws -> (Int, Int, Int, [UInt8]) {
        let array = try NumPyArray(contentsOfFile: directory.appendingPathComponent(name).path)
        XCTAssertEqual(array.type, .uint8, name)
        let shape = array.shape
        return (shape[0], shape[1], shape.count == 3 ? shape[2] : 1, [UInt8](array.data))
    }

    func decode(_ name: String, in directory: URL = ImageDecoderTests.dir, limits: ImageDecodingLimits = .default) throws -> DecodedImage {
        try DecodedImage(contentsOfFile: directory.appendingPathComponent(name).path, limits: limits)
    }

    /// Compares with Pillow: exactly, or (JPEG) ≥ 99.9% of the values equal and none off by more than 1.
    func check(_ image: DecodedImage, against name: String, in directory: URL = ImageDecoderTests.dir, jpeg: Bool, label: String,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let (h, w, c, want) = try expected(name, in: directory)
        guard image.height == h, image.width == w, image.channels == c else {
            XCTFail("\(label): decoded \(image.width)×\(image.height)×\(image.channels), Pillow \(w)×\(h)×\(c)", file: file, line: line)
            return
        }
        var different = 0, worst = 0, first: Int?
        for (i, (a, b)) in zip(image.pixels, want).enumerated() where a != b {
            different += 1
            worst = max(worst, abs(Int(a) - Int(b)))
            if first == nil { first = i }
        }
        if jpeg {
            let identical = Double(want.count - different) / Double(want.count)
            XCTAssertLessThanOrEqual(worst, 1, "\(label): a value differs from Pillow's by \(worst)", file: file, line: line)
            XCTAssertGreaterThanOrEqual(identical, 0.999, "\(label): \(different) of \(want.count) values differ from Pillow's", file: file, line: line)
        } else if let i = first {
            let pixel = i / c
            XCTFail("\(label): \(different) of \(want.count) values differ from Pillow's; first at row \(pixel / w), column \(pixel % w), channel \(i % c): \(image.pixels[i]) vs \(want[i])", file: file, line: line)
        }
    }

    func checkAll(_ prefix: String, in directory: URL = ImageDecoderTests.dir) throws {
        var jpegIdentical = 0, jpegTotal = 0
        let list = directory == ImageDecoderTests.dir ? entries(prefix) : ImageDecoderTests.load(directory)
        for e in list {
            guard let expectedName = e.expected else { continue }
            let image: DecodedImage
            do { image = try decode(e.file, in: directory) } catch {
                XCTFail("\(e.file): \(error)")
                continue
            }
            let jpeg = e.compare == "jpeg"
            try check(image, against: expectedName, in: directory, jpeg: jpeg, label: e.file)
            if jpeg, let (_, _, _, want) = try? expected(expectedName, in: directory), want.count == image.pixels.count {
                jpegTotal += want.count
                jpegIdentical += zip(image.pixels, want).filter { $0 == $1 }.count
            }
            if let g = e.converted_gray { try check(image.converted(to: .gray), against: g, jpeg: false, label: "\(e.file) as gray") }
            if let r = e.converted_rgb { try check(image.converted(to: .rgb), against: r, jpeg: false, label: "\(e.file) as RGB") }
        }
        if jpegTotal > 0 {
            print("JPEG fixtures: \(jpegIdentical) of \(jpegTotal) channel values identical to Pillow's (\(String(format: "%.4f", 100 * Double(jpegIdentical) / Double(jpegTotal)))%)")
        }
    }

    func testPNGVariantsMatchPillow() throws { try checkAll("png/") }

    /// `IMAGE_FIXTURES_EXTRA=DIR`: also the files of DIR/manifest.json, e.g. the large
    /// benchmark images of `tools/make_image_fixtures.py --bench DIR` (not committed).
    func testExtraFixturesFromEnvironment() throws {
        guard let path = ProcessInfo.processInfo.environment["IMAGE_FIXTURES_EXTRA"] else { return }
        try checkAll("", in: URL(fileURLWithPath: path))
    }
    func testNetpbmVariantsMatchPillow() throws { try checkAll("pnm/") }
    func testJPEGVariantsMatchPillow() throws { try checkAll("jpeg/") }

    func testHostileFilesGiveTypedErrors() throws {
        for e in entries("crafted/") {
            guard let kind = e.error else { continue }
            var limits = ImageDecodingLimits.default
            if let l = e.limits {
                limits = ImageDecodingLimits(maximumWidth: l["maximumWidth"] ?? limits.maximumWidth, maximumHeight: l["maximumHeight"] ?? limits.maximumHeight,
                                             maximumPixelCount: l["maximumPixelCount"] ?? limits.maximumPixelCount)
            }
            do {
                let image = try decode(e.file, limits: limits)
                XCTFail("\(e.file): decoded \(image.width)×\(image.height), expected a \(kind) error")
            } catch let error as ImageError {
                XCTAssertEqual(error.kind.rawValue, kind, "\(e.file): \(error.reason)")
                XCTAssertTrue(error.reason.contains(e.contains ?? ""), "\(e.file): '\(error.reason)' does not mention '\(e.contains ?? "")'")
                XCTAssertFalse(error.reason.contains("\n"), "\(e.file): the reason is not one line")
            } catch {
                XCTFail("\(e.file): expected an ImageError, got \(error)")
            }
        }
    }

    /// Every prefix of a few valid files is either decoded or refused with an ImageError (never a crash or hang).
    func testTruncationsAreErrors() throws {
        for name in ["png/rgb_8_adam7.png", "jpeg/progressive_420_restart.jpg", "jpeg/baseline_422.jpg", "pnm/rgb_raw_1000.ppm"] {
            let data = try Data(contentsOf: ImageDecoderTests.dir.appendingPathComponent(name))
            var step = max(1, data.count / 97)
            if name.hasSuffix(".ppm") { step = 1 }
            for n in Swift.stride(from: 0, to: data.count, by: step) {
                do {
                    _ = try DecodedImage(data: data.prefix(n))
                } catch is ImageError {
                } catch {
                    XCTFail("\(name) cut at \(n): \(error)")
                }
            }
        }
    }

    func testFormatDetection() {
        XCTAssertEqual(ImageFormat(detecting: Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0])), .png)
        XCTAssertEqual(ImageFormat(detecting: Data([0xFF, 0xD8, 0xFF, 0xE0])), .jpeg)
        XCTAssertEqual(ImageFormat(detecting: Data("P6\n".utf8)), .netpbm)
        XCTAssertEqual(ImageFormat(detecting: Data("P5".utf8)), .netpbm)
        XCTAssertNil(ImageFormat(detecting: Data("GIF89a".utf8)))
        XCTAssertNil(ImageFormat(detecting: Data()))
        XCTAssertThrowsError(try DecodedImage(data: Data())) { error in
            XCTAssertEqual((error as? ImageError)?.kind, .unknownFormat)
        }
    }

    func testLimitsAreConfigurable() throws {
        let small = ImageDecodingLimits(maximumWidth: 16, maximumHeight: 16, maximumPixelCount: 81)
        for name in ["png/rgb_8.png", "jpeg/baseline_420.jpg", "pnm/pillow.ppm"] {
            XCTAssertThrowsError(try decode(name, limits: small)) { error in
                XCTAssertEqual((error as? ImageError)?.kind, .tooLarge, "\(name): \(error)")
            }
        }
        XCTAssertNoThrow(try decode("png/rgb_8_9x9_adam7.png", limits: small))
    }

    func testConversions() {
        let rgb = DecodedImage(width: 2, height: 1, colorModel: .rgb, pixels: [255, 0, 0, 10, 200, 30])
        // Pillow's convert("L"): (19595 R + 38470 G + 7471 B + 2^15) >> 16.
        XCTAssertEqual(rgb.converted(to: .gray).pixels, [76, 124])
        let gray = DecodedImage(width: 2, height: 1, colorModel: .gray, pixels: [7, 200])
        XCTAssertEqual(gray.converted(to: .rgb).pixels, [7, 7, 7, 200, 200, 200])
        XCTAssertEqual(gray.converted(to: .gray), gray)
        XCTAssertEqual(gray.floatPixels(), [Float(7) / 255, Float(200) / 255])
    }

    func testPreparingDecodedImagesForAModel() throws {
        let rgb = DecodedImage(width: 2, height: 1, colorModel: .rgb, pixels: [255, 0, 0, 10, 200, 30])
        // To one channel: Pillow's convert("L") (76, 124), scaled to [0, 1].
        XCTAssertEqual(try ImagePreprocessing.prepare(rgb, height: 1, width: 2, channels: 1), [Float(76) / 255, Float(124) / 255])
        // To three channels with normalization and inversion: (1 − x − mean) / std.
        let out = try ImagePreprocessing.prepare(rgb, height: 1, width: 2, channels: 3, mean: 0.5, std: 0.5, invert: true)
        XCTAssertEqual(out[0], (0 - 0.5) / 0.5, accuracy: 1e-6)
        XCTAssertEqual(out[1], (1 - 0.5) / 0.5, accuracy: 1e-6)
        let gray = DecodedImage(width: 2, height: 2, colorModel: .gray, pixels: [0, 255, 255, 0])
        let resized = try ImagePreprocessing.prepare(gray, height: 1, width: 1, channels: 3)
        XCTAssertEqual(resized.count, 3)
        XCTAssertEqual(resized[0], resized[2])
        XCTAssertThrowsError(try ImagePreprocessing.prepare(gray, height: 1, width: 1, channels: 2))
        // A PGM gives the same model input through either type when maxval is 255.
        let pgmBytes = Data("P2 3 1 255 0 128 255".utf8)
        let viaPGM = try ImagePreprocessing.prepare(try PGMImage(data: pgmBytes), height: 2, width: 5, channels: 1)
        let viaDecoded = try ImagePreprocessing.prepare(try DecodedImage(data: pgmBytes), height: 2, width: 5, channels: 1)
        XCTAssertEqual(viaPGM, viaDecoded)
    }

    func testMissingFile() {
        XCTAssertThrowsError(try DecodedImage(contentsOfFile: "/nonexistent/x.png")) { error in
            XCTAssertEqual((error as? ImageError)?.kind, .unreadable)
        }
    }
}
