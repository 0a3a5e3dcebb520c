import Foundation
import XCTest
@testable import TFLiteEngine

/// `ConstantOperandChainFusion` (two quantized element-wise operators with
/// constant operands in a chain, `g(f(x, a), b)`: the second reads x through
/// one table per channel of both results, the first is skipped) against the
/// same models planned without it: bit-identical outputs for ADD, SUB, MUL
/// and SQUARED_DIFFERENCE in pairs, int8 and uint8, constants first or
/// second, scalars and per-channel vectors of 3–1024 channels (the tables'
/// three layouts: one row, rows by channel up to 64, blocks of 256 channels
/// above, with channel counts off a multiple of 16; in the VBMI flavour rows
/// by channel at every multiple of 16, looked up a tile of 64 pixels at a
/// time, also over 289 pixels: a last tile of 33), one and two threads.
/// Half the models feed every channel every byte, so every entry is compared.
/// Int8 chains of ADD, SUB and MUL run as rounded lines per channel in the
/// integer flavours (`Int8ChannelLines`), where their results are lines.
/// And its float32 form, a MUL then an ADD by constants in one loop.
final class ConstantOperandChainFusionTests: XCTestCase {
    func testFusedChainMatchesUnfusedKernelsBitExact() throws {
        var rng = TestRandom(seed: 41)
        // (first constant's elements, second's, channels); 1: a scalar.
        let periods: [(Int, Int, Int)] = [(1, 1, 5), (3, 3, 3), (1, 64, 64), (64, 64, 64), (65, 1, 65), (256, 256, 256),
                                          (300, 300, 300), (1024, 1024, 1024), (1, 1, 40), (48, 48, 48)]
        let operators: [(code: Int32, optionsType: UInt8)] = [(0, 11), (41, 28), (18, 21), (99, 76)]  // ADD, SUB, MUL, SQUARED_DIFFERENCE
        var fusedCases = 0, cases = 0, informative = 0, linesCases = 0, sharedMaps = 0
        for i in 0..<40 {
            let (p1, p2, channels) = periods[i % periods.count]
            let signed = i % 3 != 1
            // (SQUARED_DIFFERENCE is int8 only.)
            let first = operators[rng.int(0...(signed ? 3 : 2))], second = operators[(i + rng.int(0...3)) % (signed ? 4 : 3)]
            let exposed = i % 10 == 9
            let produced = i % 4 == 2
            let everyByte = i % 2 == 0
            let shape = i % 4 == 3 ? [1, 17, 17, channels] : [1, 16, 16, channels]
            let model = Self.chain(shape: shape, first: first, second: second, constants: (p1, p2),
                                   constantsFirst: (i % 3 == 0, i % 5 == 1), signed: signed, produced: produced,
                                   exposeIntermediate: exposed, rng: &rng)
            let name = "chain #\(i) \(first.code)(\(p1)) → \(second.code)(\(p2)) × \(channels) \(signed ? "int8" : "uint8")"
                + "\(produced ? " produced" : "")\(exposed ? " exposed" : "")"

            let loaded = try Model(data: model)
            let interpreter = try Interpreter(model: loaded)
            try interpreter.allocateTensors()
            let graph = try XCTUnwrap(interpreter.graph)
            // A node's own lines or tables are made at bind, only where it
            // runs them, once per model: a second interpreter shares them.
            let sharing = try Interpreter(model: loaded)
            try sharing.allocateTensors()
            for (mine, theirs) in zip(graph.steps, try XCTUnwrap(sharing.graph).steps) {
                guard let kernel = mine.kernel as? QuantizedBinaryKernel, let other = theirs.kernel as? QuantizedBinaryKernel else { continue }
                if kernel.isSkipped || kernel.chain != nil {
                    XCTAssertTrue(kernel.channelLines == nil && kernel.constantOperandTables == nil, "\(name): lines or tables of a fused node")
                }
                XCTAssertTrue(kernel.channelLines === other.channelLines && kernel.constantOperandTables === other.constantOperandTables,
                              "\(name): a second interpreter made its own lines or tables")
                if kernel.channelLines != nil || kernel.constantOperandTables != nil { sharedMaps += 1 }
            }
            let fusedSteps = graph.steps.enumerated().filter { ($0.element.kernel as? QuantizedBinaryKernel)?.chain != nil }
            XCTAssertFalse(exposed && !fusedSteps.isEmpty, "\(name): an intermediate that is a graph output was fused")
            XCTAssertTrue(exposed || fusedSteps.count == 1, "\(name): not fused")
            if let (position, step) = fusedSteps.first {
                fusedCases += 1
                if (step.kernel as? QuantizedBinaryKernel)?.chainRunsLines == true { linesCases += 1 }
                let skipped = graph.steps.filter { ($0.kernel as? QuantizedBinaryKernel)?.isSkipped == true }
                XCTAssertEqual(skipped.count, 1, name)
                XCTAssertEqual(skipped.first?.kernel.tileCount, 1, "\(name): the skipped step split")
                // The profile counts the skipped node's arithmetic where it is computed.
                if let first = skipped.first {
                    interpreter.isProfilingEnabled = true
                    try interpreter.invoke()
                    let costs = Dictionary(interpreter.operatorProfile.map { ($0.nodeIndex, $0.cost) }, uniquingKeysWith: +)
                    XCTAssertEqual(costs[first.node.index], 0, name)
                    XCTAssertEqual(costs[step.node.index], step.kernel.cost + first.kernel.cost, name)
                    interpreter.isProfilingEnabled = false
                }
                XCTAssertEqual(ExecutionPlanner.fusion(of: step.kernel), .chainOfConstantOperands, name)
                // The arena keeps the skipped node's input through the fused node's step.
                let input = try XCTUnwrap(step.kernel.fusedReads.first)
                let (requests, _) = try XCTUnwrap(interpreter.arenaPlanForTesting)
                if let request = requests.first(where: { $0.id == input }) {
                    XCTAssertGreaterThanOrEqual(request.last, position, "\(name): the fused node's input dies before it")
                }
            }
            let input: [UInt8]? = everyByte ? (0..<shape.reduce(1, *)).map { UInt8(truncatingIfNeeded: $0 / channels) } : nil
            let expected = try Self.compareFusedWithUnfused(model, input: input, seed: UInt64(200 + i), name: name)
            if let last = expected.last, Set(last).count > 2 { informative += 1 }
            cases += 1
        }
        XCTAssertGreaterThanOrEqual(fusedCases * 10, cases * 9, "only \(fusedCases) of \(cases) models were fused")
        XCTAssertGreaterThanOrEqual(informative * 4, cases * 3, "only \(informative) of \(cases) cases had informative outputs")
        // Int8 chains of ADD, SUB and MUL run as rounded lines in the integer flavours.
        if IntegerSIMD.isNative { XCTAssertGreaterThanOrEqual(linesCases, 4, "few chains ran as lines") }
        XCTAssertGreaterThan(sharedMaps, 0, "no unfused node had lines or tables to share")
    }

    /// Float32: a MUL by a constant then an ADD of one (a batch norm),
    /// per-channel vectors along the rows (64 and 300 channels) or scalars,
    /// constants first or second, activations on both, against the unfused
    /// plan: the same bits, one and two threads. A SUB after the MUL, a
    /// scalar MUL before a per-channel ADD, rows of 3 and 17 channels (the
    /// periodic walk) and an intermediate that is a graph output are not
    /// fused, and give the same bits too.
    func testFloatScaleShiftMatchesUnfusedKernelsBitExact() throws {
        var rng = TestRandom(seed: 43)
        var fusedCases = 0
        for i in 0..<24 {
            let channels = [3, 17, 64, 300][i % 4]
            let scalars = i % 6 == 5, mixed = i % 7 == 3, exposed = i % 8 == 7, subtract = i % 9 == 4
            let shape = [1, 9, 7, channels]
            let model = Self.floatChain(shape: shape, constants: (scalars || mixed ? 1 : channels, scalars ? 1 : channels),
                                        constantsFirst: (i % 2 == 1, i % 3 == 1), activations: ([0, 1, 3][i / 2 % 3], Int8(i % 3)),
                                        subtract: subtract, exposeIntermediate: exposed, rng: &rng)
            let name = "float chain #\(i) × \(channels)\(scalars ? " scalars" : "")\(mixed ? " mixed" : "")"
                + "\(exposed ? " exposed" : "")\(subtract ? " sub" : "")"
            let interpreter = try Interpreter(model: try Model(data: model))
            try interpreter.allocateTensors()
            let graph = try XCTUnwrap(interpreter.graph)
            let fused = graph.steps.contains { ($0.kernel as? FloatBinaryVectorKernel)?.chain != nil }
            // Scalars walk flat; per-channel rows of 3 and 17 floats walk in
            // periods of whole vectors instead, which the fusion leaves alone.
            let rowWalk = channels > FloatBinaryVectorKernel.maximumPeriodicRow || channels % FloatVector.scalarCount == 0
            XCTAssertEqual(fused, !exposed && !subtract && (scalars || (!mixed && rowWalk)), name)
            if fused { fusedCases += 1 }
            _ = try Self.compareFusedWithUnfused(model, input: nil, seed: UInt64(300 + i), name: name)
        }
        XCTAssertGreaterThanOrEqual(fusedCases, 8)
        // Scalars without activations (`Rescaling`: each result clamped to
        // ± the largest float, which ±∞ reach; `vmaxps`/`vminps` in the
        // loop), over values that include ±∞, NaN and −0, with tails of 13
        // and 4 floats.
        let specials: [Float] = [.infinity, -.infinity, .nan, -0.0, 0, .greatestFiniteMagnitude, -.leastNonzeroMagnitude]
        for (k, channels) in [3, 300].enumerated() {
            let model = Self.floatChain(shape: [1, 9, 7, channels], constants: (1, 1), constantsFirst: (k == 1, false),
                                        activations: (0, 0), subtract: false, exposeIntermediate: false, rng: &rng)
            let name = "float chain of scalars without activations × \(channels)"
            let interpreter = try Interpreter(model: try Model(data: model))
            try interpreter.allocateTensors()
            let graph = try XCTUnwrap(interpreter.graph)
            XCTAssertTrue(graph.steps.contains { ($0.kernel as? FloatBinaryVectorKernel)?.chain != nil }, "\(name): not fused")
            let values = (0..<(63 * channels)).map { i in i % 5 == 0 ? specials[i / 5 % specials.count] : Float(rng.int(-3000...3000)) / 313 }
            let input = values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
            _ = try Self.compareFusedWithUnfused(model, input: input, seed: 0, name: name)
        }
    }

    /// input → MUL(input, s) → ADD (or SUB)(·, t) → output in float32, `s` and
    /// `t` constants of `constants` elements, each first where
    /// `constantsFirst` says, the fused activations `activations`.
    static func floatChain(shape: [Int], constants: (Int, Int), constantsFirst: (Bool, Bool), activations: (Int8, Int8),
                           subtract: Bool, exposeIntermediate: Bool, rng: inout TestRandom) -> Data {
        typealias FB = FlatBufferBuilder.Node
        var tensors: [FB] = [], buffers: [FB] = [.table([])]
        func tensor(_ shape: [Int], _ data: [Float]?) -> Int32 {
            var buffer: UInt32 = 0
            if let data {
                buffer = UInt32(buffers.count)
                buffers.append(.table([(4, .offset(.bytes(data.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } })))]))
            }
            tensors.append(.table([(4, .offset(.int32s(shape.map(Int32.init)))), (6, .i8(0)), (8, .u32(buffer)),
                                   (10, .offset(.string("t\(tensors.count)")))]))
            return Int32(tensors.count - 1)
        }
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in Float(rng.int(-2000...2000)) / 997 } }
        let input = tensor(shape, nil)
        let s = tensor(constants.0 == 1 ? [] : [constants.0], values(constants.0))
        let t = tensor(constants.1 == 1 ? [] : [constants.1], values(constants.1))
        let scaled = tensor(shape, nil), output = tensor(shape, nil)
        let secondCode: Int32 = subtract ? 41 : 0
        let operators: [FB] = [
            .table([(4, .u32(0)), (6, .offset(.int32s(constantsFirst.0 ? [s, input] : [input, s]))), (8, .offset(.int32s([scaled]))),
                    (10, .u8(21)), (12, .offset(.table([(4, .i8(activations.0))])))]),
            .table([(4, .u32(1)), (6, .offset(.int32s(constantsFirst.1 ? [t, scaled] : [scaled, t]))), (8, .offset(.int32s([output]))),
                    (10, .u8(subtract ? 28 : 11)), (12, .offset(.table([(4, .i8(activations.1))])))]),
        ]
        let subgraph: FB = .table([
            (4, .offset(.tables(tensors))), (6, .offset(.int32s([input]))),
            (8, .offset(.int32s(exposeIntermediate ? [scaled, output] : [output]))),
            (10, .offset(.tables(operators))), (12, .offset(.string("main"))),
        ])
        let model: FB = .table([
            (4, .u32(3)),
            (6, .offset(.tables([.table([(4, .i8(18)), (8, .i32(1)), (10, .i32(18))]),
                                 .table([(4, .i8(Int8(secondCode))), (8, .i32(1)), (10, .i32(secondCode))])]))),
            (8, .offset(.tables([subgraph]))),
            (10, .offset(.string("ConstantOperandChainFusionTests"))),
            (12, .offset(.tables(buffers))),
        ])
        return Data(FlatBufferBuilder.serialize(model, identifier: "TFL3"))
    }

    /// Runs `model` planned without the fusion (the reference), then with
    /// it on one and two threads, asserts the same bytes, and returns the
    /// reference outputs.
    static func compareFusedWithUnfused(_ model: Data, input: [UInt8]?, seed: UInt64, name: String) throws -> [[UInt8]] {
        ConstantOperandChainFusion.isEnabled = false
        defer { ConstantOperandChainFusion.isEnabled = true }
        let expected = try outputs(model, threads: 1, input: input, seed: seed)
        ConstantOperandChainFusion.isEnabled = true
        let actual = try outputs(model, threads: 1, input: input, seed: seed)
        let parallel = try outputs(model, threads: 2, input: input, seed: seed)
        XCTAssertEqual(differences(actual, expected), 0, "\(name): bytes where fused differs from unfused")
        XCTAssertEqual(differences(parallel, expected), 0, "\(name): bytes where fused on two threads differs from unfused")
        return expected
    }

    /// The bytes where two sets of outputs differ (all of an output whose sizes differ).
    static func differences(_ a: [[UInt8]], _ b: [[UInt8]]) -> Int {
        guard a.count == b.count else { return max(a.count, b.count) }
        return zip(a, b).reduce(0) { total, pair in
            total + (pair.0.count == pair.1.count ? zip(pair.0, pair.1).filter { $0 != $1 }.count : max(pair.0.count, pair.1.count))
        }
    }

    /// The outputs' bytes of `model` after one invoke on `input` (the bytes
    /// of input 0), else seeded random inputs.
    static func outputs(_ model: Data, threads: Int, input: [UInt8]?, seed: UInt64) throws -> [[UInt8]] {
        let options = Interpreter.Options(threadCount: threads, backend: threads > 1 ? .parallel : .cpu)
        let interpreter = try Interpreter(model: try Model(data: model), options: options)
        try interpreter.allocateTensors()
        if let input {
            try interpreter.copy(Data(input), toInputAt: 0)
        } else {
            try DelegateTests.fillInputs(interpreter, seed: seed)
        }
        try interpreter.invoke()
        return try (0..<interpreter.outputTensorCount).map { [UInt8](try interpreter.output(at: $0).data) }
    }

    /// input → (with `produced`: ADD(input, input) →) `first`(x, a) →
    /// `second`(·, b) → output, `a` and `b` constants of `constants` elements
    /// (a scalar, or per channel), each the operator's first input where
    /// `constantsFirst` says; with `exposeIntermediate` the first's output is
    /// a graph output too (listed first). Scales as in `QuantizedAddSpec`.
    static func chain(shape: [Int], first: (code: Int32, optionsType: UInt8), second: (code: Int32, optionsType: UInt8),
                      constants: (Int, Int), constantsFirst: (Bool, Bool), signed: Bool, produced: Bool, exposeIntermediate: Bool,
                      rng: inout TestRandom) -> Data {
        typealias FB = FlatBufferBuilder.Node
        let type: Int8 = signed ? 9 : 3  // INT8, UINT8
        let zeroShift = signed ? 0 : 128
        var tables = QuantizedTensorTables()
        func quantization(_ scale: Float, _ zero: Int) -> FB { QuantizedTensorTables.quantization([scale], [zero + zeroShift]) }
        func constant(_ count: Int, _ scale: Float) -> Int32 {
            let values = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            return tables.tensor(count == 1 ? [] : [count], type, quantization(scale, rng.int(-128...127)), data: values)
        }
        /// The output scale of `code` over inputs of scales `a`, `b`.
        func outputScale(_ code: Int32, _ a: Float, _ b: Float) -> Float {
            switch code {
            case 18: return a * b * Float(rng.int(20...300))
            case 99: return max(a, b) * max(a, b) * Float(rng.int(4...100))
            default: return (a + b) * Float(rng.int(40...150)) / 100
            }
        }
        func options(_ code: Int32) -> FB { code == 99 ? .table([]) : .table([(4, .i8(Int8(rng.int(0...1))))]) }
        var operators: [FB] = []
        var opcodes: [Int32] = []
        func add(_ code: Int32, _ optionsType: UInt8, inputs: [Int32], output: Int32) {
            if !opcodes.contains(code) { opcodes.append(code) }
            let index = UInt32(opcodes.firstIndex(of: code) ?? 0)
            operators.append(.table([(4, .u32(index)), (6, .offset(.int32s(inputs))), (8, .offset(.int32s([output]))),
                                     (10, .u8(optionsType)), (12, .offset(options(code)))]))
        }
        let inputScale = Float(rng.int(1...200)) / 1000
        let input = tables.tensor(shape, type, quantization(inputScale, rng.int(-128...127)), data: nil)
        var x = input, xScale = inputScale
        if produced {
            xScale = inputScale * 2 * Float(rng.int(60...120)) / 100
            x = tables.tensor(shape, type, quantization(xScale, rng.int(-30...30)), data: nil)
            add(0, 11, inputs: [input, input], output: x)
        }
        let aScale = Float(rng.int(1...200)) / 1000, bScale = Float(rng.int(1...200)) / 1000
        let a = constant(constants.0, aScale), b = constant(constants.1, bScale)
        let tScale = outputScale(first.code, xScale, aScale)
        let t = tables.tensor(shape, type, quantization(tScale, rng.int(-30...30)), data: nil)
        add(first.code, first.optionsType, inputs: constantsFirst.0 ? [a, x] : [x, a], output: t)
        let output = tables.tensor(shape, type, quantization(outputScale(second.code, tScale, bScale), rng.int(-30...30)), data: nil)
        add(second.code, second.optionsType, inputs: constantsFirst.1 ? [b, t] : [t, b], output: output)
        let subgraph: FB = .table([
            (4, .offset(.tables(tables.tensors))), (6, .offset(.int32s([input]))),
            (8, .offset(.int32s(exposeIntermediate ? [t, output] : [output]))),
            (10, .offset(.tables(operators))), (12, .offset(.string("main"))),
        ])
        let model: FB = .table([
            (4, .u32(3)),
            (6, .offset(.tables(opcodes.map { .table([(4, .i8(Int8(clamping: $0))), (8, .i32(1)), (10, .i32($0))]) }))),
            (8, .offset(.tables([subgraph]))),
            (10, .offset(.string("ConstantOperandChainFusionTests"))),
            (12, .offset(.tables(tables.buffers))),
        ])
        return Data(FlatBufferBuilder.serialize(model, identifier: "TFL3"))
    }
}
