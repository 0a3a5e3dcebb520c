/// CONCATENATION along any axis (negative axes count from the end). All
/// inputs share the output's rank and every dimension except the axis.
/// Inputs shaped at run time are concatenated into the output's declared
/// static shape (`Concatenation+RunTimeShape.swift`).
enum Concatenation {
    static let registration = OperatorRegistration(maxVersion: 4, readsRunTimeShapes: true) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 1...Int.max)
        if (0..<ctx.inputCount).contains(where: { ctx.optionalInput($0)?.runTimeShape != nil }) {
            return try prepareWithRunTimeShapes(ctx)
        }
        let first = try ctx.input(0)
        let options = try ctx.options(ConcatenationOptions.self)
        let rank = first.rank
        var axis = Int(options.axis)
        if axis < 0 { axis += rank }
        guard axis >= 0, axis < max(rank, 1), rank >= 1 else {
            throw ctx.error("axis \(options.axis) is out of range for rank \(rank)")
        }
        let activation = try ctx.fusedActivation(options.fusedActivationFunction)
        var shape = first.shape
        shape[axis] = 0
        var widths: [Int] = []
        for i in 0..<ctx.inputCount {
            let t = try ctx.input(i)
            guard t.rank == rank else { throw ctx.error("input \(i) has rank \(t.rank), input 0 has \(rank)") }
            guard t.type == first.type else { throw ctx.error("input \(i) is \(t.type), input 0 is \(first.type)") }
            for d in 0..<rank where d != axis && t.shape[d] != first.shape[d] {
                throw ctx.error("input \(i) has shape \(t.shape), incompatible with \(first.shape) along dimension \(d)")
            }
            let (s, o) = shape[axis].addingReportingOverflow(t.shape[axis])
            guard !o else { throw ctx.error("concatenated size overflows") }
            shape[axis] = s
            widths.append(t.shape[axis])
        }
        try ctx.setOutputShape(0, shape)
        let output = ctx.output(0)
        guard output.type == first.type else { throw ctx.error("output is \(output.type), inputs are \(first.type)") }
        if first.type.byteSize == nil { throw ctx.error("type \(first.type) is not supported") }
        if first.type != .float32 && activation != .none {
            throw ctx.error("fused activation on \(first.type) concatenation is not supported")
        }
        var rescales: [ConcatenationKernel.Rescale?] = Array(repeating: nil, count: ctx.inputCount)
        if first.type == .int8 || first.type == .uint8 {
            // Inputs quantized differently from the output are requantized in
            // float like TFLite's ConcatenationWithScaling.
            let qo = try ctx.quantization(output, "output")
            let limits = ctx.quantizedLimits(first.type)
            for i in 0..<ctx.inputCount {
                let qi = try ctx.quantization(try ctx.input(i), "input \(i)")
                if qi.scale != qo.scale || qi.zeroPoint != qo.zeroPoint {
                    let scale = qi.scale * (1 / qo.scale)
                    rescales[i] = .init(scale: scale, bias: -Float(qi.zeroPoint) * scale, outputZeroPoint: qo.zeroPoint, min: limits.min, max: limits.max)
                }
            }
        } else if first.quantization?.isQuantized == true || output.quantization?.isQuantized == true {
            for i in 0..<ctx.inputCount {
                let t = try ctx.input(i)
                guard t.scale == output.scale, t.zeroPoint == output.zeroPoint else {
                    throw ctx.error("\(first.type) inputs with quantization different from the output's are not supported")
                }
            }
        }
        // An empty output (a 0 anywhere; later dimensions may then be huge)
        // copies nothing.
        let empty = shape.contains(0)
        let outer = empty ? 0 : try ctx.product(shape[..<axis], "dimensions before the axis")
        let inner = empty ? 0 : try ctx.product(shape[(axis + 1)...], "dimensions after the axis") * (first.type.byteSize ?? 1)
        return ConcatenationKernel(ctx: ctx, outer: outer, bytesPerUnit: inner, widths: widths,
                                   clamp: first.type == .float32 && activation != .none ? activation.floatRange : nil,
                                   rescales: rescales.contains { $0 != nil } ? rescales : nil, signed: first.type == .int8)
    }
}

/// Byte-copying concatenation (any fixed-size type). Tiles are outer slices.
final class ConcatenationKernel: Kernel {
    let outer: Int
    /// Bytes of one step along the axis.
    let bytesPerUnit: Int
    let widths: [Int]
    let clamp: (Float, Float)?
    /// Per-input float requantization of int8/uint8 inputs (nil: plain copy).
    let rescales: [Rescale?]?
    let signed: Bool
    let inputIndices: [Int], outputIndex: Int
    var inputs: [UnsafeRawPointer] = []
    var output: UnsafeMutableRawPointer!
    let outputRowBytes: Int

    struct Rescale {
        let scale: Float, bias: Float, outputZeroPoint: Int32, min: Int32, max: Int32
    }

    init(ctx: PrepareContext, outer: Int, bytesPerUnit: Int, widths: [Int], clamp: (Float, Float)?,
         rescales: [Rescale?]? = nil, signed: Bool = false) {
        self.rescales = rescales
        self.signed = signed
        self.outer = outer
        self.bytesPerUnit = bytesPerUnit
        self.widths = widths
        self.clamp = clamp
        inputIndices = ctx.node.inputs
        outputIndex = ctx.node.outputs[0]
        outputRowBytes = widths.reduce(0, +) * bytesPerUnit
        var rescaledRowBytes = 0
        if let rescales {
            for (i, w) in widths.enumerated() where i < rescales.count && rescales[i] != nil { rescaledRowBytes &+= w &* bytesPerUnit }
        }
        let (scaled, o1) = rescaledRowBytes.multipliedReportingOverflow(by: 4)
        let (rowCost, o2) = (outputRowBytes / 4 &+ Self.costPerPiece &* widths.count).addingReportingOverflow(scaled)
        let (total, o3) = outer.multipliedReportingOverflow(by: rowCost)
        cost = o1 || o2 || o3 ? Int.max : total
    }

    var tileCount: Int { outer }
    /// Bytes copied (four per operation), `costPerPiece` per input row, and
    /// about four operations per byte an int8/uint8 input rescales (float
    /// multiply-add, round, clamp): NASNetMobile int8's rescaling
    /// concatenations took 60–190 µs at a cost under the parallel backend's
    /// split threshold. Saturates.
    let cost: Int
    /// Operations a row of one input costs besides its bytes: a channel
    /// concatenation of a few channels is a short copy per input per pixel
    /// (NASNet-Mobile int8's 56×56 pixels of 11 + 11 channels: 25 µs, which
    /// its bytes alone costed under the split threshold).
    static let costPerPiece = 16

    func bind(_ memory: TensorMemory) {
        inputs = inputIndices.map { UnsafeRawPointer(memory.raw($0)) }
        output = memory.raw(outputIndex)
    }

    /// Copies `byteCount` bytes between tensors (never overlapping): rows
    /// under 64 bytes as two overlapping loads and stores of the largest
    /// size that fits (`copyShort`), rows of 64 bytes to 4 KiB as 64-byte
    /// vectors in line, the last one ending at the row's end, longer rows by
    /// `memcpy`. A channel concatenation copies one short row per input per
    /// pixel, each a `memcpy` call before: DenseNet-121 float32's 58
    /// concatenations moved 30–40 GB/s where its element-wise nodes moved
    /// 80, about a tenth faster in line (their outputs, up to 3 MB, mostly
    /// miss the second-level cache); NASNet-Mobile int8's 56×56×(11 + 11)
    /// concatenation took 25 µs, 2.3–2.6 ns a row of 11 bytes.
    @inline(__always)
    static func copy(_ destination: UnsafeMutableRawPointer, _ source: UnsafeRawPointer, byteCount: Int) {
        typealias Chunk = SIMD64<UInt8>
        guard byteCount >= 64 else {
            copyShort(destination, source, byteCount: byteCount)
            return
        }
        guard byteCount <= 4096 else {
            destination.copyMemory(from: source, byteCount: byteCount)
            return
        }
        var j = 0
        while j &+ 64 <= byteCount {
            destination.storeBytes(of: source.loadUnaligned(fromByteOffset: j, as: Chunk.self), toByteOffset: j, as: Chunk.self)
            j &+= 64
        }
        if j < byteCount {
            let last = byteCount &- 64
            destination.storeBytes(of: source.loadUnaligned(fromByteOffset: last, as: Chunk.self), toByteOffset: last, as: Chunk.self)
        }
    }

    /// `copy` of fewer than 64 bytes.
    @inline(__always)
    static func copyShort(_ destination: UnsafeMutableRawPointer, _ source: UnsafeRawPointer, byteCount: Int) {
        @inline(__always)
        func pair<T>(_: T.Type) {
            let last = byteCount &- MemoryLayout<T>.size
            let head = source.loadUnaligned(as: T.self), tail = source.loadUnaligned(fromByteOffset: last, as: T.self)
            destination.storeBytes(of: head, as: T.self)
            destination.storeBytes(of: tail, toByteOffset: last, as: T.self)
        }
        switch byteCount {
        case 32...: pair(SIMD32<UInt8>.self)
        case 16...: pair(SIMD16<UInt8>.self)
        case 8...: pair(UInt64.self)
        case 4...: pair(UInt32.self)
        case 2...: pair(UInt16.self)
        case 1: destination.storeBytes(of: source.load(as: UInt8.self), as: UInt8.self)
        default: break
        }
    }

    /// Rows per block of the plain copy: each input's pieces of the block's
    /// rows are copied in turn (a loop of one piece size, the pointers
    /// stepped), the block's output staying in the first-level cache.
    static let rowsPerBlock = 32

    func run(tiles: Range<Int>, worker: Int) {
        guard rescales == nil, clamp == nil else {
            runRows(tiles)
            return
        }
        guard let output else { return }
        let rowBytes = outputRowBytes, unit = bytesPerUnit
        inputs.withUnsafeBufferPointer { sources in
            widths.withUnsafeBufferPointer { widths in
                var start = tiles.lowerBound
                while start < tiles.upperBound {
                    let rows = min(Self.rowsPerBlock, tiles.upperBound &- start)
                    var offset = 0
                    for i in 0..<min(widths.count, sources.count) {
                        let bytes = widths[i] &* unit
                        var source = sources[i] + start &* bytes, destination = output + (start &* rowBytes &+ offset)
                        // The size test outside the loop: one loop calling
                        // `copy` took NASNet-Mobile int8's concatenations
                        // 0.065 → 0.073 ms.
                        if bytes < 64 {
                            for _ in 0..<rows {
                                Self.copyShort(destination, source, byteCount: bytes)
                                source += bytes
                                destination += rowBytes
                            }
                        } else {
                            for _ in 0..<rows {
                                Self.copy(destination, source, byteCount: bytes)
                                source += bytes
                                destination += rowBytes
                            }
                        }
                        offset &+= bytes
                    }
                    start &+= rows
                }
            }
        }
    }

    /// `run` row by row (inputs rescaled or a float activation).
    private func runRows(_ tiles: Range<Int>) {
        inputs.withUnsafeBufferPointer { sources in
            for o in tiles {
                var destination = output + o &* outputRowBytes
                for (i, w) in widths.enumerated() {
                    let bytes = w &* bytesPerUnit
                    if let rescales, let r = rescales[i] {
                        let source = sources[i] + o &* bytes
                        for j in 0..<bytes {
                            let x = signed ? Float(source.load(fromByteOffset: j, as: Int8.self)) : Float(source.load(fromByteOffset: j, as: UInt8.self))
                            let v = FixedPoint.roundToInt32(x * r.scale + r.bias) &+ r.outputZeroPoint
                            destination.storeBytes(of: UInt8(truncatingIfNeeded: min(max(v, r.min), r.max)), toByteOffset: j, as: UInt8.self)
                        }
                    } else {
                        Self.copy(destination, sources[i] + o &* bytes, byteCount: bytes)
                    }
                    destination += bytes
                }
                if let (lo, hi) = clamp {
                    let row = (output + o &* outputRowBytes).assumingMemoryBound(to: Float.self)
                    for i in 0..<(outputRowBytes / 4) { row[i] = min(max(row[i], lo), hi) }
                }
            }
        }
    }
}
