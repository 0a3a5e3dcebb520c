import Foundation
import XCTest
@testable import TFLiteEngine

/// Start-up work shared through the `Model`: the quantized kernels' set-up
/// (multipliers, output stage, tap tables) is made once per model, and the
/// file pages of weights copied into packed layouts are dropped from
/// resident memory without changing what the model computes.
final class SharedStartupTests: XCTestCase {
    static let weights = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("weights")

    /// Pages dropped from a file mapping read back as the file's bytes; a
    /// copy in memory (`init(data:)`) is never touched; ranges outside the
    /// mapping are ignored.
    func testABufferTheSystemCannotProvideIsATypedError() {
        XCTAssertThrowsError(try AlignedBuffer(byteCount: Int.max)) { error in
            XCTAssertEqual(error as? InterpreterError, .outOfMemory(bytes: Int.max))
        }
    }

    /// The packed quantized filter puts weight kk of filter row j in panel
    /// j / nr at `(kk / group) · group · width + group · (j mod nr) + kk mod group`
    /// and zeros elsewhere, for every group width and every shape's
    /// remainders (the pair packing takes four rows and eight pairs at a
    /// time); width is nr, and for the four-byte layout's last panel with
    /// at most nr/2 columns nr/2 (`tailColumns`).
    func testPackedQuantizedWeightsLayout() throws {
        var rng = TestRandom(seed: 22)
        for (nr, group) in [(16, 2), (8, 4), (32, 4), (8, 1), (4, 3)] {
            for n in [1, 3, 4, 5, 8, 16, 17, 21, 36] {
                for k in [1, 2, 3, 15, 16, 17, 31, 32, 33, 47, 50] {
                    let weights = (0..<(n * k)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    let packed = try weights.withUnsafeBytes {
                        try PackedQuantizedWeights(weights: $0.baseAddress!, n: n, k: k, nr: nr, group: group, signed: true, offset: 0)
                    }
                    let remainder = n % nr
                    XCTAssertEqual(packed.tailColumns, group == 4 && remainder > 0 && remainder <= nr / 2 ? nr / 2 : nr)
                    var expected = [UInt8](repeating: 0, count: packed.panelCount * packed.depth * nr)
                    for j in 0..<n {
                        let width = j / nr == packed.panelCount - 1 ? packed.tailColumns : nr
                        for kk in 0..<k {
                            let at = j / nr * packed.depth * nr + kk / group * group * width + group * (j % nr) + kk % group
                            expected[at] = weights[j * k + kk]
                        }
                    }
                    let actual = Array(UnsafeBufferPointer(start: packed.panel(0).assumingMemoryBound(to: UInt8.self),
                                                           count: expected.count))
                    XCTAssertEqual(actual, expected, "n \(n), k \(k), nr \(nr), group \(group)")
                }
            }
        }
    }

    func testReleasedPagesReadBackUnchanged() throws {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<(5 * ModelBytes.pageSize + 123)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let path = NSTemporaryDirectory() + "shared-startup-\(UInt32.random(in: 0...UInt32.max)).bin"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }

        let mapped = try ModelBytes(path: path)
        XCTAssertTrue(mapped.isFileMapping)
        func contents(_ b: ModelBytes) -> [UInt8] { Array(UnsafeRawBufferPointer(start: b.base, count: b.count)) }
        XCTAssertEqual(contents(mapped), bytes)
        mapped.releasePages(of: mapped.base + 100, byteCount: 3 * ModelBytes.pageSize + 7)
        mapped.releasePages(of: mapped.base, byteCount: mapped.count)
        mapped.releasePages(of: mapped.base + mapped.count - 10, byteCount: 1 << 20)  // past the end: ignored
        XCTAssertEqual(contents(mapped), bytes)
        mapped.releaseAllPages()
        XCTAssertEqual(contents(mapped), bytes)

        let copied = try ModelBytes(data: Data(bytes))
        XCTAssertFalse(copied.isFileMapping)
        copied.releasePages(of: copied.base, byteCount: copied.count)
        copied.releaseAllPages()
        XCTAssertEqual(contents(copied), bytes)
    }

    /// Equal zero-point vectors (a per-channel filter's and its bias's, all
    /// 0) share one array after parsing, and keep their values.
    func testEqualZeroPointVectorsShareStorage() throws {
        let path = Self.weights.appendingPathComponent("mnist_vgg_32_int8.tflite").path
        let model = try Model(path: path)
        let perChannel = model.mainSubgraph.tensors.compactMap(\.quantization).map(\.zeroPoint).filter { $0.count > 1 }
        XCTAssertGreaterThan(perChannel.count, 1, "no per-channel zero points")
        var storage: [Int: Set<UInt>] = [:]
        for zeroPoints in perChannel {
            XCTAssertEqual(zeroPoints, [Int64](repeating: 0, count: zeroPoints.count))
            zeroPoints.withUnsafeBufferPointer { _ = storage[zeroPoints.count, default: []].insert(UInt(bitPattern: $0.baseAddress)) }
        }
        for (count, addresses) in storage {
            XCTAssertEqual(addresses.count, 1, "\(count) zero points held in \(addresses.count) arrays")
        }
        // The model still runs, reading its constants back after its file pages were dropped.
        let interpreter = try Interpreter(model: model)
        XCTAssertEqual(try outputs(of: interpreter), try outputs(of: Interpreter(model: Model(data: Data(contentsOf: URL(fileURLWithPath: path))))))
    }

    /// Int8 models read from a file (whose weight pages are dropped after
    /// packing) give exactly the outputs of the same model held in memory,
    /// in the first interpreter and in a second one of the same `Model`,
    /// which reuses the first one's set-up (and pair tables) instead of making its own.
    func testInt8ModelsFromFileMatchInMemoryAndShareSetup() throws {
        for name in ["mnist_vgg_32_int8", "mnist_mobilenet_v2_32_int8", "mnist_small_cnn_int8"] {
            let path = Self.weights.appendingPathComponent(name + ".tflite").path
            let inMemory = try Model(data: Data(contentsOf: URL(fileURLWithPath: path)))
            let fromFile = try Model(path: path)
            let reference = try outputs(of: Interpreter(model: inMemory))
            let first = try Interpreter(model: fromFile)
            XCTAssertEqual(try outputs(of: first), reference, name)
            let cached = fromFile.sharedConstants.count
            let second = try Interpreter(model: fromFile)
            XCTAssertEqual(try outputs(of: second), reference, "\(name): second interpreter")
            XCTAssertEqual(fromFile.sharedConstants.count, cached, "\(name): the second interpreter made its own set-up")

            // (The direct form's widened filter, where a convolution has one, is shared too.)
            func setups(_ interpreter: Interpreter) -> [ObjectIdentifier] {
                (interpreter.graph?.steps ?? []).flatMap { step -> [ObjectIdentifier] in
                    guard let conv = step.kernel as? GEMMConvolutionQuantized else { return [] }
                    return [ObjectIdentifier(conv.setup)] + (conv.direct.map { [ObjectIdentifier($0)] } ?? [])
                }
            }
            XCTAssertFalse(setups(first).isEmpty, "\(name): no quantized GEMM kernel")
            XCTAssertEqual(setups(first), setups(second), "\(name): the interpreters do not share the quantized set-up")
            // The large ADD's table of every input pair (integer flavours) is made once too.
            func pairTables(_ interpreter: Interpreter) -> [ObjectIdentifier] {
                (interpreter.graph?.steps ?? []).compactMap { step in
                    ((step.kernel as? ElementwiseAddInt8)?.pairTable ?? (step.kernel as? QuantizedBinaryKernel)?.pairTable).map(ObjectIdentifier.init)
                }
            }
            if IntegerSIMD.isNative && name == "mnist_mobilenet_v2_32_int8" {
                // Each large ADD computes its rounded line or reads a shared
                // table (made only where the line does not hold).
                let adds = (first.graph?.steps ?? []).compactMap { $0.kernel as? ElementwiseAddInt8 }
                XCTAssertFalse(adds.isEmpty, name)
                for add in adds where Int8PairTable.applies(elementCount: add.count) {
                    XCTAssertTrue(add.stage?.line != nil || add.pairTable != nil, "\(name): an ADD of \(add.count) elements on the slow path")
                }
            }
            XCTAssertEqual(pairTables(first), pairTables(second), "\(name): the interpreters do not share the pair tables")
        }
    }

    /// A quantized convolution's per-channel checks run once per model with
    /// its multipliers; a model that fails them caches nothing, so every
    /// interpreter of it reports the failure (an int8 filter with zero
    /// point 3: TFLite requires symmetric weights).
    func testFilterChecksFailEveryInterpreterOfAModel() throws {
        var rng = TestRandom(seed: 97)
        let spec = QuantizedModelSpec.weighted(
            op: 3, optionsType: 1, input: [1, 5, 5, 4], filter: [8, 3, 3, 4], channelAxis: 0, perChannel: true, signed: true,
            hasBias: true, filterZeroPoint: 3, options: [(4, .i8(0)), (6, .i32(1)), (8, .i32(1)), (10, .i8(0))], rng: &rng)
        let model = try Model(data: spec.data)
        for attempt in 0..<2 {
            XCTAssertThrowsError(try Interpreter(model: model).allocateTensors(), "interpreter \(attempt + 1)") { error in
                XCTAssertTrue("\(error)".contains("symmetric weights"), "interpreter \(attempt + 1): \(error)")
            }
        }
    }

    /// Allocates, fills every input with a fixed pattern, invokes and returns every output's bytes.
    private func outputs(of interpreter: Interpreter) throws -> [Data] {
        try interpreter.allocateTensors()
        for i in 0..<interpreter.inputTensorCount {
            try interpreter.withUnsafeMutableInputBytes(at: i) { bytes in
                for j in bytes.indices { bytes[j] = UInt8(truncatingIfNeeded: j &* 37 &+ 11) }
            }
        }
        try interpreter.invoke()
        return try (0..<interpreter.outputTensorCount).map { try interpreter.output(at: $0).data }
    }
}
