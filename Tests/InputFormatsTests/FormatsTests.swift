import Foundation
import XCTest
import TFLiteEngine
@testable import InputFormats

/// PGM, image preprocessing, gzip/DEFLATE, IDX and .npy.
final class FormatsTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/formats")

    func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: FormatsTests.dir.appendingPathComponent(name))
    }

    func pgm(_ text: String) throws -> PGMImage { try PGMImage(data: Data(text.utf8)) }

    func pgmError(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            _ = try PGMImage(data: Data(bytes))
            XCTFail("expected an ImageError", file: file, line: line)
            return nil
        } catch let e as ImageError {
            return e.reason
        } catch {
            XCTFail("expected an ImageError, got \(error)", file: file, line: line)
            return nil
        }
    }

    // MARK: PGM

    func testPlainPGMWithComments() throws {
        let image = try pgm("P2\n# a comment\n3 2 # width and height\n# another\n4\n0 1 2\n3\n4 0\n")
        XCTAssertEqual(image.width, 3)
        XCTAssertEqual(image.height, 2)
        XCTAssertEqual(image.maxValue, 4)
        XCTAssertEqual(image.pixels, [0, 0.25, 0.5, 0.75, 1, 0])
    }

    func testCommentInsideHeaderToken() throws {
        // netpbm reads a comment as the newline ending it, anywhere in the header.
        let image = try pgm("P2#c\n1#x\n1\n255#y\n255")
        XCTAssertEqual(image.pixels, [1])
    }

    func testRawPGM8Bit() throws {
        var bytes = Array("P5 2 2\t255\n".utf8)
        bytes += [0, 51, 255, 102]
        let image = try PGMImage(data: Data(bytes))
        XCTAssertEqual(image.width, 2)
        XCTAssertEqual(image.pixels, [0, 0.2, 1, 0.4])
    }

    func testRawPGM16BitBigEndian() throws {
        var bytes = Array("P5\n2 1\n65535\n".utf8)
        bytes += [0xFF, 0xFF, 0x80, 0x00]
        let image = try PGMImage(data: Data(bytes))
        XCTAssertEqual(image.maxValue, 65535)
        XCTAssertEqual(image.pixels[0], 1)
        XCTAssertEqual(image.pixels[1], Float(0x8000) / 65535, accuracy: 1e-7)
        // maxval 256 already needs two bytes per sample.
        let two = try PGMImage(data: Data(Array("P5 1 1 256\n".utf8) + [0x01, 0x00]))
        XCTAssertEqual(two.pixels, [1])
    }

    func testRawPGMCommentAfterMaxvalAndTrailingData() throws {
        let image = try PGMImage(data: Data(Array("P5 1 2 255# note\n".utf8) + [10, 20, 99, 99]))
        XCTAssertEqual(image.pixels, [Float(10) / 255, Float(20) / 255])
    }

    func testMNISTFixtureImage() throws {
        let image = try PGMImage(contentsOfFile: FormatsTests.dir.appendingPathComponent("mnist0.pgm").path)
        XCTAssertEqual(image.width, 28)
        XCTAssertEqual(image.height, 28)
        let idx = try IDXFile(data: fixture("images4.idx3-ubyte.gz"))
        XCTAssertEqual(image.pixels, idx.item(0).map { Float($0) / 255 })
    }

    func testMalformedPGMHeaders() {
        let cases: [(String, [UInt8], String)] = [
            ("empty", [], "too short"),
            ("bad magic", Array("P6\n1 1\n255\n".utf8) + [0, 0, 0], "not a PGM"),
            ("magic glued to width", Array("P51 1 255\n".utf8) + [0], "whitespace"),
            ("truncated header", Array("P5\n28 28\n".utf8), "ends before the maxval"),
            ("header ends after magic", Array("P2".utf8), "whitespace"),
            ("non-numeric width", Array("P2\nx 1\n255\n0".utf8), "width is not a number"),
            ("negative height", Array("P2\n1 -1\n255\n0".utf8), "height is not a number"),
            ("letter after number", Array("P2\n1 1x\n255\n0".utf8), "expected whitespace"),
            ("zero width", Array("P2\n0 1\n255\n".utf8), "empty"),
            ("maxval 0", Array("P5\n1 1\n0\n".utf8) + [0], "maxval 0"),
            ("maxval too large", Array("P5\n1 1\n65536\n".utf8) + [0, 0], "maxval 65536"),
            ("maxval absurd", Array("P5\n1 1\n99999999999999999999\n".utf8), "maxval is larger"),
            ("huge size", Array("P5\n100000 100000\n255\n".utf8), "exceeds the limit"),
            ("width beyond limit", Array("P5\n99999999999999999999999 1\n255\n".utf8), "width is larger"),
            ("overflowing product", Array("P5\n67108864 67108864\n255\n".utf8), "exceeds the limit"),
            ("truncated raw raster", Array("P5\n4 4\n255\n".utf8) + [1, 2, 3], "truncated"),
            ("truncated 16-bit raster", Array("P5\n2 1\n1000\n".utf8) + [0, 1, 0], "truncated"),
            ("truncated plain raster", Array("P2\n2 2\n255\n1 2 3".utf8), "truncated"),
            ("sample above maxval (plain)", Array("P2\n2 1\n10\n3 11\n".utf8), "above maxval"),
            ("sample above maxval (raw)", Array("P5\n2 1\n100\n".utf8) + [50, 101], "above maxval"),
            ("sample above maxval (16-bit)", Array("P5\n1 1\n1000\n".utf8) + [0x03, 0xE9], "above maxval"),
            ("garbage sample", Array("P2\n2 1\n255\n1 z\n".utf8), "not a number"),
        ]
        for (name, bytes, expected) in cases {
            guard let reason = pgmError(bytes) else { continue }
            XCTAssertTrue(reason.contains(expected), "\(name): '\(reason)' does not mention '\(expected)'")
        }
    }

    func testMissingPGMFile() {
        XCTAssertThrowsError(try PGMImage(contentsOfFile: "/nonexistent/x.pgm")) { error in
            XCTAssertTrue("\(error)".contains("No such file"), "\(error)")
        }
    }

    // MARK: Preprocessing

    func testBilinearResizeHalfPixelCentres() throws {
        // 2×2 → 4×4 with half-pixel centres: matches tf.image.resize(antialias=False).
        let out = try ImagePreprocessing.resizeBilinear([0, 1, 2, 3], height: 2, width: 2, toHeight: 4, width: 4)
        let expected: [Float] = [
            0, 0.25, 0.75, 1,
            0.5, 0.75, 1.25, 1.5,
            1.5, 1.75, 2.25, 2.5,
            2, 2.25, 2.75, 3,
        ]
        for (a, e) in zip(out, expected) { XCTAssertEqual(a, e, accuracy: 1e-6) }
        // Halving averages each 2×2 block (samples fall between pixels).
        let down = try ImagePreprocessing.resizeBilinear([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30], height: 4, width: 4, toHeight: 2, width: 2)
        XCTAssertEqual(down, [5, 9, 21, 25])
        // Identity size returns the input.
        XCTAssertEqual(try ImagePreprocessing.resizeBilinear([1, 2, 3], height: 1, width: 3, toHeight: 1, width: 3), [1, 2, 3])
        XCTAssertThrowsError(try ImagePreprocessing.resizeBilinear([1, 2], height: 1, width: 3, toHeight: 2, width: 2))
        XCTAssertThrowsError(try ImagePreprocessing.resizeBilinear([1], height: 1, width: 1, toHeight: 0, width: 2))
    }

    func testPreparePipeline() throws {
        let image = PGMImage(width: 2, height: 1, maxValue: 255, pixels: [0, 1])
        let rgb = try ImagePreprocessing.prepare(image, height: 1, width: 2, channels: 3, mean: 0.5, std: 0.5, invert: true)
        XCTAssertEqual(rgb, [1, 1, 1, -1, -1, -1])
        XCTAssertThrowsError(try ImagePreprocessing.prepare(image, height: 1, width: 2, channels: 2))
        XCTAssertThrowsError(try ImagePreprocessing.prepare(image, height: 1, width: 2, channels: 1, std: 0))
    }

    // MARK: gzip / DEFLATE

    func testGzipAtSeveralLevels() throws {
        let expected = [UInt8](try fixture("text.txt"))
        // level 0: stored blocks; 1 and 9: dynamic Huffman; 9 also has a file name in the header.
        for name in ["text_level0.gz", "text_level1.gz", "text_level9.gz"] {
            XCTAssertEqual(try Inflate.gunzip(fixture(name)), expected, name)
        }
        XCTAssertEqual(try Inflate.gunzip(fixture("short_fixed.gz")), Array("hello, hello, hello world\n".utf8))
        XCTAssertEqual(try Inflate.gunzip(fixture("multi_member.gz")), Array("first member\nsecond member\n".utf8))
        XCTAssertEqual(try Inflate.gunzip(fixture("empty.gz")), [])
    }

    func testRawDeflateStoredBlock() throws {
        // A final stored block holding "abc".
        let stream = Data([0x01, 0x03, 0x00, 0xFC, 0xFF, 0x61, 0x62, 0x63])
        XCTAssertEqual(try Inflate.inflate(stream), Array("abc".utf8))
        // LEN and NLEN disagree.
        XCTAssertThrowsError(try Inflate.inflate(Data([0x01, 0x03, 0x00, 0xFC, 0xFE, 0x61, 0x62, 0x63])))
        // Fewer bytes than LEN.
        XCTAssertThrowsError(try Inflate.inflate(Data([0x01, 0x03, 0x00, 0xFC, 0xFF, 0x61])))
    }

    func testCorruptGzipGivesTypedErrors() throws {
        let cases: [(String, String)] = [
            ("text_level9_truncated.gz", "ends early"),
            ("text_level9_no_trailer.gz", "trailer"),
            ("text_level9_bad_crc.gz", "CRC-32"),
            ("text_level9_bad_size.gz", "trailer says"),
            ("text_level9_corrupt.gz", "CRC-32"),  // this flip decodes, but to the wrong bytes
            ("reserved_block_type.gz", "reserved block type"),
        ]
        for (name, expected) in cases {
            XCTAssertThrowsError(try Inflate.gunzip(fixture(name)), name) { error in
                guard let e = error as? InflateError else { return XCTFail("\(name): \(error) is not an InflateError") }
                XCTAssertTrue(e.reason.contains(expected), "\(name): '\(e.reason)' does not mention '\(expected)'")
            }
        }
        // Not gzip at all, bad method, reserved flags, header cut short.
        for bytes: [UInt8] in [[0x1F, 0x8C, 8, 0, 0, 0, 0, 0, 0, 0, 0], [0x1F, 0x8B, 7, 0, 0, 0, 0, 0, 0, 3, 0], [0x1F, 0x8B, 8, 0x20, 0, 0, 0, 0, 0, 3, 0], [0x1F, 0x8B, 8, 0x08, 0, 0, 0, 0, 0, 3, 0x61]] {
            XCTAssertThrowsError(try Inflate.gunzip(Data(bytes))) { XCTAssertTrue($0 is InflateError) }
        }
    }

    func testEveryTruncationOfAGzipFileFails() throws {
        let whole = try fixture("text_level1.gz")
        for length in stride(from: 0, to: whole.count, by: 7) {
            XCTAssertThrowsError(try Inflate.gunzip(whole.prefix(length)), "length \(length)")
        }
    }

    func testOutputLimit() throws {
        XCTAssertThrowsError(try Inflate.gunzip(fixture("text_level9.gz"), maximumOutputBytes: 1000)) { error in
            XCTAssertTrue((error as? InflateError)?.reason.contains("exceeds the limit") ?? false, "\(error)")
        }
    }

    func testCRC32() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([]), 0)
    }

    // MARK: IDX

    func testIDXFixtures() throws {
        let labels = try IDXFile(data: fixture("labels4.idx1-ubyte"))
        XCTAssertEqual(labels.dimensions, [4])
        XCTAssertEqual(labels.data, [7, 2, 1, 0])
        let images = try IDXFile(data: fixture("images4.idx3-ubyte.gz"))
        XCTAssertEqual(images.dimensions, [4, 28, 28])
        XCTAssertEqual(images.itemSize, 784)
        XCTAssertEqual(images.item(3).count, 784)
        XCTAssertThrowsError(try IDXFile(data: fixture("images4_short.idx3-ubyte"))) { error in
            XCTAssertTrue("\(error)".contains("need 3136 data bytes"), "\(error)")
        }
    }

    func testMalformedIDX() {
        let cases: [([UInt8], String)] = [
            ([0, 0], "too short"),
            ([1, 0, 8, 1, 0, 0, 0, 1, 5], "magic"),
            ([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0], "float32"),
            ([0, 0, 8, 0], "0 dimensions"),
            ([0, 0, 8, 3, 0, 0, 0, 1], "only 8 bytes"),
            ([0, 0, 8, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "exceed the limit"),
            ([0, 0, 8, 1, 0, 0, 0, 3, 1, 2], "need 3 data bytes"),
            ([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3], "gzip"),
        ]
        for (bytes, expected) in cases {
            XCTAssertThrowsError(try IDXFile(data: Data(bytes))) { error in
                guard let e = error as? IDXError else { return XCTFail("\(error) is not an IDXError") }
                XCTAssertTrue(e.reason.contains(expected), "'\(e.reason)' does not mention '\(expected)'")
            }
        }
    }

    /// The committed MNIST subset (the first 100 test digits, made from the
    /// gzip-compressed IDX files by tools/make_mnist_subset.py) agrees with
    /// the 4-image gzip fixture decoded by `Inflate`.
    func testMNISTSubset() throws {
        let mnist = FormatsTests.dir.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ModelSelectionTests/Fixtures/mnist")
        let labels = try IDXFile(contentsOfFile: mnist.appendingPathComponent("t10k-labels-100.idx1-ubyte").path)
        XCTAssertEqual(labels.dimensions, [100])
        XCTAssertEqual(Array(labels.data.prefix(5)), [7, 2, 1, 0, 4])
        XCTAssertTrue(labels.data.allSatisfy { $0 <= 9 })
        let images = try IDXFile(contentsOfFile: mnist.appendingPathComponent("t10k-images-100.idx3-ubyte").path)
        XCTAssertEqual(images.dimensions, [100, 28, 28])
        let small = try IDXFile(data: fixture("images4.idx3-ubyte.gz"))
        XCTAssertEqual(Array(images.data.prefix(4 * 784)), small.data)
    }

    // MARK: .npy

    func testNumPyRoundTrip() throws {
        let floats: [Float] = [1.5, -2, 0, 3.25, 1e-3, 7]
        let array = NumPyArray(type: .float32, shape: [2, 3], data: floats.withUnsafeBufferPointer { Data(buffer: $0) })
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("formats-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: url) }
        try array.write(toFile: url.path)
        let back = try NumPyArray(contentsOfFile: url.path)
        XCTAssertEqual(back, array)
        for (type, shape) in [(TensorType.int8, [4]), (.uint8, [1, 4]), (.int32, [1]), (.int64, [2]), (.bool, [3])] {
            let bytes = Data((0..<(shape.reduce(1, *) * (type.byteSize ?? 1))).map { UInt8($0 % 2) })
            let a = NumPyArray(type: type, shape: shape, data: bytes)
            XCTAssertEqual(try NumPyArray(npyData: a.npyData()), a, "\(type)")
        }
        // A scalar (shape ()) round-trips too.
        let scalar = NumPyArray(type: .float32, shape: [], data: Data([0, 0, 0x80, 0x3F]))
        XCTAssertEqual(try NumPyArray(npyData: scalar.npyData()), scalar)
    }
}

extension FormatsTests {
    /// Flipping any byte of a gzip file either gives an InflateError or
    /// (for bytes gzip does not check, such as the file name) the right data.
    func testByteFlipsNeverCrash() throws {
        let whole = [UInt8](try fixture("text_level9.gz"))
        let expected = [UInt8](try fixture("text.txt"))
        for position in whole.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var bytes = whole
                bytes[position] ^= mask
                do {
                    let out = try Inflate.gunzip(Data(bytes))
                    XCTAssertEqual(out, expected, "byte \(position) ^ \(mask)")
                } catch is InflateError {
                } catch {
                    XCTFail("byte \(position): \(error) is not an InflateError")
                }
            }
        }
    }
}

extension FormatsTests {
    /// Matches TensorFlow: `tf.image.resize(x, (h, w), "bilinear", antialias=False)`
    /// on x = (arange(35).reshape(5, 7) * 0.37) % 1 (values from TF 2.21).
    func testResizeMatchesTensorFlow() throws {
        let x: [Float] = (0..<35).map { (Float($0) * Float(0.37)).truncatingRemainder(dividingBy: 1) }
        let expected3x4: [Float] = [0.3354167, 0.56625, 0.3387501, 0.5279167, 0.3187503, 0.8412501, 0.6137499, 0.2612501, 0.5104171, 0.2829171, 0.6387501, 0.5779166]
        let out3x4 = try ImagePreprocessing.resizeBilinear(x, height: 5, width: 7, toHeight: 3, width: 4)
        for (i, (a, e)) in zip(out3x4, expected3x4).enumerated() { XCTAssertEqual(a, e, accuracy: 2e-6, "3x4[\(i)]") }
        let expectedRow0Of9x11: [Float] = [0, 0.1681818, 0.4036363, 0.6390909, 0.5109092, 0.11, 0.3454545, 0.580909, 0.8163637, 0.5063637, 0.22]
        let expectedLast: Float = 0.5799999
        let out9x11 = try ImagePreprocessing.resizeBilinear(x, height: 5, width: 7, toHeight: 9, width: 11)
        XCTAssertEqual(out9x11.count, 99)
        for (i, (a, e)) in zip(out9x11, expectedRow0Of9x11).enumerated() { XCTAssertEqual(a, e, accuracy: 2e-6, "9x11[\(i)]") }
        XCTAssertEqual(out9x11[98], expectedLast, accuracy: 2e-6)
        XCTAssertEqual(out9x11[13], 0.5700001, accuracy: 2e-6)
        XCTAssertEqual(out9x11[50], 0.5254544, accuracy: 2e-6)
    }

    func testQuantizeAndDequantize() throws {
        let q = QuantizationParameters(scale: 0.5, zeroPoint: -3)
        let int8 = try TensorValues.encode([0, 0.25, -0.25, 1, 100, -100, .nan], as: .int8, quantization: q)
        // round half away from zero: 0.25/0.5 = 0.5 → 1; -0.5 → -1; then + zero point, clamped.
        XCTAssertEqual(int8.map { Int8(bitPattern: $0) }, [-3, -2, -4, -1, 127, -128, -3])
        let uint8 = try TensorValues.encode([0, 1, 2, -5], as: .uint8, quantization: QuantizationParameters(scale: 1.0 / 255, zeroPoint: 0))
        XCTAssertEqual([UInt8](uint8), [0, 255, 255, 0])
        XCTAssertThrowsError(try TensorValues.encode([1], as: .int8, quantization: nil))
        XCTAssertThrowsError(try TensorValues.encode([1], as: .int32, quantization: nil))
        XCTAssertEqual([UInt8](try TensorValues.encode([1], as: .float32, quantization: nil)), [0, 0, 0x80, 0x3F])

        let tensor = Tensor(name: "scores", dataType: .int8, shape: [1, 3], data: Data([0x80, 0x00, 0x7F]), quantizationParameters: QuantizationParameters(scale: 1.0 / 256, zeroPoint: -128))
        XCTAssertEqual(try TensorValues.floats(tensor), [0, 0.5, 255.0 / 256])
        let plain = Tensor(name: "i", dataType: .int32, shape: [2], data: Data([5, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]), quantizationParameters: nil)
        XCTAssertEqual(try TensorValues.floats(plain), [5, -1])
    }
}
