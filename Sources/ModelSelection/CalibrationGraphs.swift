import TFLiteEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Tiny TFLite models built in memory, the probes `KernelCalibration` times:
/// one operator each (or a chain of tiny ones for the per-node overhead), so
/// the time measured is the time of the engine's own kernel for that shape.
///
/// Weights are deterministic pseudo-random values of small magnitude; int8
/// graphs use per-channel filter scales and an output scale that keeps the
/// accumulations inside the range, as converted models do. Output shapes are
/// left for prepare to compute. Field numbers are the TFLite schema's
/// (`vtable slot = 4 + 2 × field`), the same the engine's reader uses.
enum CalibrationGraph {
    enum Element: String, Codable, Sendable { case float32, int8 }

    /// What one probe is: an operator and its shapes.
    enum Probe: Hashable, Codable, Sendable, CustomStringConvertible {
        /// CONV_2D on [1, size, size, channels] with `outputs` filters of kernel×kernel, stride, SAME padding.
        case conv(Element, size: Int, channels: Int, outputs: Int, kernel: Int, stride: Int)
        /// DEPTHWISE_CONV_2D (multiplier 1) on [1, size, size, channels], kernel×kernel, stride, SAME.
        case depthwise(Element, size: Int, channels: Int, kernel: Int, stride: Int)
        /// FULLY_CONNECTED [1, inputs] → [1, outputs].
        case fullyConnected(Element, inputs: Int, outputs: Int)
        /// ADD of two runtime [1, size, size, channels] tensors.
        case add(Element, size: Int, channels: Int)
        /// MAX_POOL_2D 2×2 stride 2 on [1, size, size, channels].
        case maxPool(Element, size: Int, channels: Int)
        /// `count` ADDs of one-element tensors in a chain (the fixed cost of a node and of an invoke).
        case chain(count: Int)
        /// CONV_2D (as `conv`, stride 1) then a 2×2 MAX_POOL_2D that alone reads it: in int8 the
        /// engine fuses the two (`ExecutionPlanDescription.Fusion`), the convolution keeping its Int32
        /// sums instead of requantizing them.
        case convMaxPool(Element, size: Int, channels: Int, outputs: Int, kernel: Int)
        /// Several kernels in a row, as in a model (see `CalibrationGraph.sequence`): how much longer
        /// a node takes after other kernels than repeated on its own.
        case sequence(Element)

        var description: String {
            switch self {
            case let .conv(e, s, c, o, k, st): return "CONV_2D \(e) \(s)x\(s)x\(c)->\(o) \(k)x\(k)/\(st)"
            case let .depthwise(e, s, c, k, st): return "DEPTHWISE_CONV_2D \(e) \(s)x\(s)x\(c) \(k)x\(k)/\(st)"
            case let .fullyConnected(e, i, o): return "FULLY_CONNECTED \(e) \(i)->\(o)"
            case let .add(e, s, c): return "ADD \(e) \(s)x\(s)x\(c)"
            case let .maxPool(e, s, c): return "MAX_POOL_2D \(e) \(s)x\(s)x\(c) 2x2/2"
            case let .chain(n): return "\(n) x ADD float32 1 element"
            case let .convMaxPool(e, s, c, o, k): return "CONV_2D \(e) \(s)x\(s)x\(c)->\(o) \(k)x\(k)/1, MAX_POOL_2D 2x2/2"
            case let .sequence(e): return "sequence \(e): CONV_2D 1x1, DEPTHWISE_CONV_2D 3x3, CONV_2D 1x1, ADD, MAX_POOL_2D, CONV_2D 3x3"
            }
        }

        /// The serialized model.
        var modelData: Data {
            switch self {
            case let .conv(e, s, c, o, k, st): return CalibrationGraph.conv(e, size: s, channels: c, outputs: o, kernel: k, stride: st)
            case let .depthwise(e, s, c, k, st): return CalibrationGraph.depthwise(e, size: s, channels: c, kernel: k, stride: st)
            case let .fullyConnected(e, i, o): return CalibrationGraph.fullyConnected(e, inputs: i, outputs: o)
            case let .add(e, s, c): return CalibrationGraph.add(e, size: s, channels: c)
            case let .maxPool(e, s, c): return CalibrationGraph.maxPool(e, size: s, channels: c)
            case let .chain(n): return CalibrationGraph.chain(count: n)
            case let .convMaxPool(e, s, c, o, k): return CalibrationGraph.conv(e, size: s, channels: c, outputs: o, kernel: k, stride: 1, maxPool: true)
            case let .sequence(e): return CalibrationGraph.sequence(e)
            }
        }
    }

    // MARK: Operators

    /// `maxPool`: a 2×2 stride-2 MAX_POOL_2D follows and is the graph's output.
    static func conv(_ e: Element, size: Int, channels: Int, outputs: Int, kernel: Int, stride: Int, maxPool: Bool = false) -> Data {
        var g = Writer(element: e)
        let input = g.activation([1, size, size, channels], scale: 1.0 / 64)
        let filter = g.weights([outputs, kernel, kernel, channels], channelAxis: 0)
        let bias = g.bias(outputs, inputScale: 1.0 / 64)
        let outputScale = g.outputScale(inputScale: 1.0 / 64, taps: kernel * kernel * channels)
        let output = g.activation([], scale: outputScale)
        // Conv2DOptions: padding SAME (0), stride_w, stride_h, fused activation RELU6 (3) for float.
        g.op(.conv2D, [input, filter, bias], [output], optionsType: 1, options: [
            (4, .i8(0)), (6, .i32(Int32(stride))), (8, .i32(Int32(stride))), (10, .i8(e == .float32 ? 3 : 0)),
        ])
        guard maxPool else { return g.serialize(inputs: [input], outputs: [output]) }
        let pooled = g.activation([], scale: outputScale)
        g.op(.maxPool2D, [output], [pooled], optionsType: 5, options: Self.maxPool2x2Options)
        return g.serialize(inputs: [input], outputs: [pooled])
    }

    /// Pool2DOptions: padding VALID (1), stride 2×2, filter 2×2.
    static let maxPool2x2Options: [(Int, FlatBufferBuilder.Value)] = [(4, .i8(1)), (6, .i32(2)), (8, .i32(2)), (10, .i32(2)), (12, .i32(2))]

    static func depthwise(_ e: Element, size: Int, channels: Int, kernel: Int, stride: Int) -> Data {
        var g = Writer(element: e)
        let input = g.activation([1, size, size, channels], scale: 1.0 / 64)
        let filter = g.weights([1, kernel, kernel, channels], channelAxis: 3)
        let bias = g.bias(channels, inputScale: 1.0 / 64)
        let output = g.activation([], scale: g.outputScale(inputScale: 1.0 / 64, taps: kernel * kernel))
        // DepthwiseConv2DOptions: padding SAME, stride_w, stride_h, depth_multiplier 1, activation.
        g.op(.depthwiseConv2D, [input, filter, bias], [output], optionsType: 2, options: [
            (4, .i8(0)), (6, .i32(Int32(stride))), (8, .i32(Int32(stride))), (10, .i32(1)), (12, .i8(e == .float32 ? 3 : 0)),
        ])
        return g.serialize(inputs: [input], outputs: [output])
    }

    static func fullyConnected(_ e: Element, inputs: Int, outputs: Int) -> Data {
        var g = Writer(element: e)
        let input = g.activation([1, inputs], scale: 1.0 / 64)
        let weights = g.weights([outputs, inputs], channelAxis: 0, perChannel: false)
        let bias = g.bias(outputs, inputScale: 1.0 / 64, perChannel: false)
        let output = g.activation([], scale: g.outputScale(inputScale: 1.0 / 64, taps: inputs))
        // FullyConnectedOptions: fused activation RELU (1) for float.
        g.op(.fullyConnected, [input, weights, bias], [output], optionsType: 8, options: [(4, .i8(e == .float32 ? 1 : 0))])
        return g.serialize(inputs: [input], outputs: [output])
    }

    static func add(_ e: Element, size: Int, channels: Int) -> Data {
        var g = Writer(element: e)
        let a = g.activation([1, size, size, channels], scale: 1.0 / 64)
        let b = g.activation([1, size, size, channels], scale: 1.0 / 50, zeroPoint: -14)
        let output = g.activation([], scale: 1.0 / 32, zeroPoint: -14)
        g.op(.add, [a, b], [output], optionsType: 11, options: [(4, .i8(0))])
        return g.serialize(inputs: [a, b], outputs: [output])
    }

    static func maxPool(_ e: Element, size: Int, channels: Int) -> Data {
        var g = Writer(element: e)
        let input = g.activation([1, size, size, channels], scale: 1.0 / 64)
        let output = g.activation([], scale: 1.0 / 64)
        g.op(.maxPool2D, [input], [output], optionsType: 5, options: Self.maxPool2x2Options)
        return g.serialize(inputs: [input], outputs: [output])
    }

    static func chain(count: Int) -> Data {
        var g = Writer(element: .float32)
        let input = g.activation([1], scale: 1)
        var previous = input
        for _ in 0..<max(1, count) {
            let next = g.activation([], scale: 1)
            g.op(.add, [previous, previous], [next], optionsType: 11, options: [(4, .i8(0))])
            previous = next
        }
        return g.serialize(inputs: [input], outputs: [previous])
    }

    /// A small inverted-residual block and what follows it in small vision
    /// models, on [1, 16, 16, 16]: 1×1 expansion to 48 channels, 3×3
    /// depthwise, 1×1 projection back to 16, the residual ADD, 2×2 max
    /// pooling and a 3×3 convolution to 32 channels. Each node runs right
    /// after a different kernel, as in a model, where the single-operator
    /// probes repeat one kernel with everything warm.
    static func sequence(_ e: Element) -> Data {
        var g = Writer(element: e)
        let scale: Float = 1.0 / 64
        let input = g.activation([1, 16, 16, 16], scale: scale)
        func conv(_ g: inout Writer, _ x: Int32, channels: Int, outputs: Int, kernel: Int) -> Int32 {
            let filter = g.weights([outputs, kernel, kernel, channels], channelAxis: 0)
            let bias = g.bias(outputs, inputScale: scale)
            let output = g.activation([], scale: scale)
            g.op(.conv2D, [x, filter, bias], [output], optionsType: 1, options: [
                (4, .i8(0)), (6, .i32(1)), (8, .i32(1)), (10, .i8(e == .float32 ? 3 : 0)),
            ])
            return output
        }
        let expanded = conv(&g, input, channels: 16, outputs: 48, kernel: 1)
        let filter = g.weights([1, 3, 3, 48], channelAxis: 3)
        let bias = g.bias(48, inputScale: scale)
        let depthwise = g.activation([], scale: scale)
        g.op(.depthwiseConv2D, [expanded, filter, bias], [depthwise], optionsType: 2, options: [
            (4, .i8(0)), (6, .i32(1)), (8, .i32(1)), (10, .i32(1)), (12, .i8(e == .float32 ? 3 : 0)),
        ])
        let projected = conv(&g, depthwise, channels: 48, outputs: 16, kernel: 1)
        let sum = g.activation([], scale: scale)
        g.op(.add, [projected, input], [sum], optionsType: 11, options: [(4, .i8(0))])
        let pooled = g.activation([], scale: scale)
        g.op(.maxPool2D, [sum], [pooled], optionsType: 5, options: maxPool2x2Options)
        let output = conv(&g, pooled, channels: 16, outputs: 32, kernel: 3)
        return g.serialize(inputs: [input], outputs: [output])
    }

    // MARK: Writing

    /// Collects tensors, buffers and operators of one subgraph, then serializes the model.
    struct Writer {
        typealias Node = FlatBufferBuilder.Node
        let element: Element
        private var tensors: [Node] = []
        private var buffers: [Node] = [.table([])]   // buffer 0: the empty sentinel
        private var operators: [Node] = []
        private var opcodes: [BuiltinOperator] = []
        private var random = Random(seed: 0x5EED)

        init(element: Element) { self.element = element }

        private var type: Int8 { element == .int8 ? TensorType.int8.rawValue : TensorType.float32.rawValue }

        /// A runtime tensor (input, output); int8 graphs quantize it with `scale`
        /// and `zeroPoint` (-128 by default, as after a ReLU in converted models).
        mutating func activation(_ shape: [Int], scale: Float, zeroPoint: Int = -128) -> Int32 {
            tensor(shape, type: type, data: nil,
                   quantization: element == .int8 ? quantization([scale], zeroPoints: [zeroPoint], axis: 0) : nil)
        }

        /// Constant weights of `shape`: floats in ±0.25, or int8 in ±64 with per-channel scales along `channelAxis`.
        mutating func weights(_ shape: [Int], channelAxis: Int, perChannel: Bool = true) -> Int32 {
            let count = shape.reduce(1, *)
            switch element {
            case .float32:
                let values = (0..<count).map { _ in Float(random.next(in: -64...64)) / 256 }
                return tensor(shape, type: type, data: bytes(values), quantization: nil)
            case .int8:
                let values = (0..<count).map { _ in UInt8(bitPattern: Int8(random.next(in: -64...64))) }
                let channels = perChannel ? shape[channelAxis] : 1
                let scales = (0..<channels).map { i in Float(0.004) * Float(1 + i % 3) }
                return tensor(shape, type: type, data: values, quantization: quantization(scales, axis: perChannel ? channelAxis : 0))
            }
        }

        /// A constant bias of `count` values: float32, or int32 with scale inputScale × filterScale.
        mutating func bias(_ count: Int, inputScale: Float, perChannel: Bool = true) -> Int32 {
            switch element {
            case .float32:
                let values = (0..<count).map { _ in Float(random.next(in: -16...16)) / 256 }
                return tensor([count], type: type, data: bytes(values), quantization: nil)
            case .int8:
                let values = (0..<count).map { _ in Int32(random.next(in: -100...100)) }
                let data = values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
                let channels = perChannel ? count : 1
                let scales = (0..<channels).map { i in inputScale * Float(0.004) * Float(1 + i % 3) }
                return tensor([count], type: TensorType.int32.rawValue, data: data, quantization: quantization(scales, axis: 0))
            }
        }

        /// An output scale for `taps` products of inputs (±64 · inputScale) and weights (±64 · 0.012).
        func outputScale(inputScale: Float, taps: Int) -> Float {
            inputScale * 0.012 * 64 * Float(max(taps, 1)).squareRoot() / 4
        }

        mutating func op(_ code: BuiltinOperator, _ inputs: [Int32], _ outputs: [Int32], optionsType: UInt8,
                         options: [(Int, FlatBufferBuilder.Value)]) {
            let index: Int
            if let i = opcodes.firstIndex(of: code) { index = i } else { opcodes.append(code); index = opcodes.count - 1 }
            // Operator: opcode_index, inputs, outputs, builtin_options_type, builtin_options.
            operators.append(.table([
                (4, .u32(UInt32(index))), (6, .offset(.int32s(inputs))), (8, .offset(.int32s(outputs))),
                (10, .u8(optionsType)), (12, .offset(.table(options))),
            ]))
        }

        func serialize(inputs: [Int32], outputs: [Int32]) -> Data {
            // SubGraph: tensors, inputs, outputs, operators, name.
            let subgraph: Node = .table([
                (4, .offset(.tables(tensors))), (6, .offset(.int32s(inputs))), (8, .offset(.int32s(outputs))),
                (10, .offset(.tables(operators))), (12, .offset(.string("main"))),
            ])
            // OperatorCode: deprecated_builtin_code, version, builtin_code.
            let codes: [Node] = opcodes.map { code in
                .table([(4, .i8(Int8(clamping: code.rawValue))), (8, .i32(1)), (10, .i32(code.rawValue))])
            }
            // Model: version 3, operator_codes, subgraphs, description, buffers.
            let model: Node = .table([
                (4, .u32(3)), (6, .offset(.tables(codes))), (8, .offset(.tables([subgraph]))),
                (10, .offset(.string("ModelSelection calibration probe"))), (12, .offset(.tables(buffers))),
            ])
            return Data(FlatBufferBuilder.serialize(model, identifier: "TFL3"))
        }

        private mutating func tensor(_ shape: [Int], type: Int8, data: [UInt8]?, quantization: Node?) -> Int32 {
            var buffer: UInt32 = 0
            if let data {
                buffer = UInt32(buffers.count)
                buffers.append(.table([(4, .offset(.bytes(data)))]))
            }
            // Tensor: shape, type, buffer, name, quantization.
            var fields: [(Int, FlatBufferBuilder.Value)] = [
                (4, .offset(.int32s(shape.map { Int32($0) }))), (6, .i8(type)), (8, .u32(buffer)),
                (10, .offset(.string("t\(tensors.count)"))),
            ]
            if let quantization { fields.append((12, .offset(quantization))) }
            tensors.append(.table(fields))
            return Int32(tensors.count - 1)
        }

        /// QuantizationParameters: scale, zero_point (0 unless given), quantized_dimension.
        private func quantization(_ scales: [Float], zeroPoints: [Int]? = nil, axis: Int) -> Node {
            let zeros = zeroPoints ?? Array(repeating: 0, count: scales.count)
            return .table([(8, .offset(.floats(scales))), (10, .offset(.int64s(zeros.map { Int64($0) }))),
                           (16, .i32(Int32(axis)))])
        }

        private func bytes(_ values: [Float]) -> [UInt8] {
            values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
        }
    }

    /// A small deterministic generator (64-bit LCG), so every probe has the same weights on every run.
    struct Random {
        private var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next(in range: ClosedRange<Int>) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let span = UInt64(range.upperBound - range.lowerBound + 1)
            return range.lowerBound + Int((state >> 33) % span)
        }
    }
}
