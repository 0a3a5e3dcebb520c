import Foundation
import XCTest
@testable import TFLiteEngine

/// `ConvolutionPoolFusion` (a quantized CONV_2D whose output only a
/// MAX_POOL_2D reads: the pool requantizes the maxima of the convolution's
/// Int32 sums) against the same two-operator models planned without it:
/// bit-identical outputs for int8 and uint8, every GEMM arithmetic (exact
/// float, pairs, quads), SAME/VALID pools with clipped windows, strides,
/// activations on both operators, one and two threads.
final class ConvolutionPoolFusionTests: XCTestCase {
    func testFusedPoolMatchesUnfusedKernelsBitExact() throws {
        var rng = TestRandom(seed: 23)
        var fusedCases = 0, cases = 0, informative = 0
        let arithmetics: [GEMMConvolutionQuantized.Arithmetic?] = [nil, .exactFloat, .pairs, .quads]
        for i in 0..<36 {
            let pointwise = i % 5 == 0
            let kh = pointwise ? 1 : rng.int(1...3), kw = pointwise ? 1 : rng.int(1...3)
            let h = rng.int(kh...12), w = rng.int(kw...12)
            let cin = [1, 3, 8, 17][rng.int(0...3)], cout = [1, 7, 16, 20, 33][rng.int(0...4)]
            let convPadding = pointwise ? 1 : rng.int(0...1)
            let convStride = pointwise ? 1 : rng.int(1...2)
            // Pool windows no larger than the convolution's output (so VALID pools are not empty).
            let convolvedHeight = convPadding == 1 ? (h + convStride - 1) / convStride : (h - kh) / convStride + 1
            let convolvedWidth = convPadding == 1 ? (w + convStride - 1) / convStride : (w - kw) / convStride + 1
            let pool = (min(rng.int(1...3), convolvedHeight), min(rng.int(1...3), convolvedWidth))
            let poolStride = (rng.int(1...2), rng.int(1...2))
            let poolPadding = rng.int(0...1)
            let signed = i % 4 != 3
            let convActivation = Int8(rng.int(0...3)), poolActivation = Int8(rng.int(0...1))
            // Every sixth model also lists the convolution's output as a graph output (not fused).
            let exposed = i % 6 == 5
            let model = Self.convolutionPool(
                input: [rng.int(1...2), h, w, cin], filter: [cout, kh, kw, cin], signed: signed,
                perChannel: signed && i % 3 != 1, hasBias: i % 7 != 6,
                convOptions: [(4, .i8(Int8(convPadding))), (6, .i32(Int32(convStride))), (8, .i32(Int32(convStride))),
                              (10, .i8(convActivation))],
                poolOptions: [(4, .i8(Int8(poolPadding))), (6, .i32(Int32(poolStride.1))), (8, .i32(Int32(poolStride.0))),
                              (10, .i32(Int32(pool.1))), (12, .i32(Int32(pool.0))), (14, .i8(poolActivation))],
                exposeConvolution: exposed, rng: &rng)
            let arithmetic = arithmetics[i % arithmetics.count]
            let saved = GEMMConvolutionQuantized.arithmeticForTesting
            GEMMConvolutionQuantized.arithmeticForTesting = arithmetic
            defer { GEMMConvolutionQuantized.arithmeticForTesting = saved }
            let name = "conv+pool #\(i) \(h)×\(w)×\(cin) f \(cout)×\(kh)×\(kw) s \(convStride) pad \(convPadding) act \(convActivation), "
                + "pool \(pool) s \(poolStride) pad \(poolPadding) act \(poolActivation) \(signed ? "int8" : "uint8") "
                + "\(arithmetic.map { "\($0)" } ?? "default")\(exposed ? " exposed" : "")"

            let graph = try PreparedGraph(model: try Model(data: model))
            try graph.prepare()
            ConvolutionPoolFusion.apply(to: graph, enabled: true)
            let fused = graph.steps.contains { ($0.kernel as? Pool2DQuantizedKernel)?.fusedConvolution != nil }
            XCTAssertFalse(exposed && fused, "\(name): a convolution output that is also a graph output was fused")
            if fused { fusedCases += 1 }

            let expected = try Self.compareFusedWithUnfused(model, seed: UInt64(100 + i), name: name) { ConvolutionPoolFusion.isEnabled = $0 }
            if let pooled = expected.last, Set(pooled).count > min(2, pooled.count / 2) { informative += 1 }
            cases += 1
        }
        XCTAssertGreaterThanOrEqual(fusedCases * 2, cases, "only \(fusedCases) of \(cases) models were fused")
        XCTAssertGreaterThanOrEqual(informative * 4, cases * 3, "only \(informative) of \(cases) cases had informative outputs")
    }

    /// The profile's bytes moved of a fused pair: the Int32 sums the
    /// convolution writes instead of its output tensor and the pool reads
    /// instead of its input.
    func testProfileCountsTheFusedSumsInPlaceOfTheTensorBetween() throws {
        var rng = TestRandom(seed: 5)
        let model = Self.convolutionPool(
            input: [1, 8, 8, 3], filter: [16, 3, 3, 3], signed: true, perChannel: true, hasBias: true,
            convOptions: [(4, .i8(1)), (6, .i32(1)), (8, .i32(1)), (10, .i8(0))],
            poolOptions: [(4, .i8(0)), (6, .i32(2)), (8, .i32(2)), (10, .i32(2)), (12, .i32(2)), (14, .i8(0))],
            exposeConvolution: false, rng: &rng)
        let interpreter = try Interpreter(model: try Model(data: model))
        try interpreter.allocateTensors()
        interpreter.isProfilingEnabled = true
        try interpreter.invoke()
        let graph = try XCTUnwrap(interpreter.graph)
        let pool = try XCTUnwrap(graph.steps.first { $0.kernel is Pool2DQuantizedKernel })
        let convolution = try XCTUnwrap(graph.steps.first { $0.kernel is GEMMConvolutionQuantized })
        let sums = try XCTUnwrap(convolution.kernel as? GEMMConvolutionQuantized).pooledAccumulatorBytes
        XCTAssertNotNil((pool.kernel as? Pool2DQuantizedKernel)?.fusedConvolution, "not fused")
        func bytes(_ tensors: [Int]) -> Int { tensors.reduce(0) { $0 + graph.tensors[$1].byteCount } }
        // (A row of sums may have padding columns past the output channels.)
        XCTAssertGreaterThanOrEqual(sums, bytes(convolution.node.outputs) * 4)
        let profile = interpreter.operatorProfile
        let pooled = try XCTUnwrap(profile.first { $0.nodeIndex == pool.node.index })
        let convolved = try XCTUnwrap(profile.first { $0.nodeIndex == convolution.node.index })
        XCTAssertEqual(pooled.bytesMoved, sums + bytes(pool.node.outputs))
        XCTAssertEqual(convolved.bytesMoved, bytes(convolution.node.inputs) + sums)
    }

    /// `model`'s outputs planned with a fusion on one and two threads against
    /// its plan without it (`enable` sets the fusion's switch, left on):
    /// bit-identical. Returns the unfused outputs.
    static func compareFusedWithUnfused(_ model: Data, seed: UInt64, name: String, enable: (Bool) -> Void) throws -> [[UInt8]] {
        enable(false)
        defer { enable(true) }
        let expected = try outputs(model, threads: 1, seed: seed)
        enable(true)
        let fused = try outputs(model, threads: 1, seed: seed)
        let parallel = try outputs(model, threads: 2, seed: seed)
        XCTAssertEqual(fused, expected, "\(name): fused differs from unfused")
        XCTAssertEqual(parallel, expected, "\(name): fused on two threads differs from unfused")
        return expected
    }

    /// The outputs' bytes of `model` after one invoke on seeded inputs.
    static func outputs(_ model: Data, threads: Int, seed: UInt64) throws -> [[UInt8]] {
        let options = Interpreter.Options(threadCount: threads, backend: threads > 1 ? .parallel : .cpu)
        let interpreter = try Interpreter(model: try Model(data: model), options: options)
        try interpreter.allocateTensors()
        try DelegateTests.fillInputs(interpreter, seed: seed)
        try interpreter.invoke()
        return try (0..<interpreter.outputTensorCount).map { [UInt8](try interpreter.output(at: $0).data) }
    }

    /// input → CONV_2D (constant filter, optional int32 bias) → MAX_POOL_2D →
    /// output; with `exposeConvolution` the convolution's output is a graph
    /// output too (listed first). Scales as in `QuantizedModelSpec.weighted`;
    /// the pool's output shares the convolution output's quantization (as TFLite requires).
    static func convolutionPool(input: [Int], filter: [Int], signed: Bool, perChannel: Bool, hasBias: Bool,
                                convOptions: [(Int, FlatBufferBuilder.Value)], poolOptions: [(Int, FlatBufferBuilder.Value)],
                                exposeConvolution: Bool, rng: inout TestRandom) -> Data {
        typealias FB = FlatBufferBuilder.Node
        let type: Int8 = signed ? 9 : 3  // INT8 = 9, UINT8 = 3
        let channels = filter[0], k = filter.reduce(1, *) / channels
        let inputScale = Float(rng.int(1...100)) / 2000
        let inputZero = signed ? rng.int(-128...127) : rng.int(0...255)
        let filterScales = (0..<(perChannel ? channels : 1)).map { _ in Float(rng.int(1...100)) / 5000 }
        let filterZero = signed ? 0 : rng.int(0...255)
        let filterValues: [UInt8] = (0..<filter.reduce(1, *)).map { _ in
            signed ? UInt8(bitPattern: Int8(rng.int(-128...127))) : UInt8(rng.int(0...255))
        }
        let outputScale = inputScale * (filterScales.max() ?? 1) * Float(rng.int(20...100)) * Float(max(k, 1)).squareRoot()
        let outputZero = signed ? rng.int(-20...20) : rng.int(100...150)

        func quantization(_ scales: [Float], _ zeros: [Int], axis: Int = 0) -> FB { QuantizedTensorTables.quantization(scales, zeros, axis: axis) }
        var tables = QuantizedTensorTables()
        func tensor(_ shape: [Int], _ type: Int8, _ q: FB, data: [UInt8]?) -> Int32 { tables.tensor(shape, type, q, data: data) }
        let inputIndex = tensor(input, type, quantization([inputScale], [inputZero]), data: nil)
        let filterIndex = tensor(filter, type, quantization(filterScales, Array(repeating: filterZero, count: filterScales.count)),
                                 data: filterValues)
        var convInputs = [inputIndex, filterIndex]
        if hasBias {
            let biasValues = (0..<channels).map { _ in Int32(rng.int(-30000...30000)) }
            let biasBytes = biasValues.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
            convInputs.append(tensor([channels], 2, quantization(filterScales.map { $0 * inputScale },
                                                                  Array(repeating: 0, count: filterScales.count)), data: biasBytes))
        }
        let convolved = tensor([], type, quantization([outputScale], [outputZero]), data: nil)
        let pooled = tensor([], type, quantization([outputScale], [outputZero]), data: nil)
        let operators: [FB] = [
            .table([(4, .u32(0)), (6, .offset(.int32s(convInputs))), (8, .offset(.int32s([convolved]))),
                    (10, .u8(1)), (12, .offset(.table(convOptions)))]),
            .table([(4, .u32(1)), (6, .offset(.int32s([convolved]))), (8, .offset(.int32s([pooled]))),
                    (10, .u8(5)), (12, .offset(.table(poolOptions)))]),
        ]
        let outputs = exposeConvolution ? [convolved, pooled] : [pooled]
        let subgraph: FB = .table([
            (4, .offset(.tables(tables.tensors))), (6, .offset(.int32s([inputIndex]))), (8, .offset(.int32s(outputs))),
            (10, .offset(.tables(operators))), (12, .offset(.string("main"))),
        ])
        let model: FB = .table([
            (4, .u32(3)),
            (6, .offset(.tables([.table([(4, .i8(3)), (8, .i32(1)), (10, .i32(3))]),      // CONV_2D
                                 .table([(4, .i8(17)), (8, .i32(1)), (10, .i32(17))])]))),  // MAX_POOL_2D
            (8, .offset(.tables([subgraph]))),
            (10, .offset(.string("ConvolutionPoolFusionTests"))),
            (12, .offset(.tables(tables.buffers))),
        ])
        return Data(FlatBufferBuilder.serialize(model, identifier: "TFL3"))
    }
}
