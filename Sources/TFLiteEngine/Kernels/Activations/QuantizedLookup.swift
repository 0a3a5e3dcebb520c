/// int8/uint8 element-wise ops whose output depends only on the stored
/// input value (HARD_SWISH, requantizing RELU family, TANH, GELU, RSQRT, …):
/// the op's reference integer arithmetic is evaluated once per possible input
/// value at prepare, and `run` is a 256-entry table lookup. The table is the
/// reference formulation itself, so the kernel is bit-exact by construction.
enum QuantizedLookup {
    /// A kernel writing `reference(x)` for each stored input value `x` of
    /// `type` (int8 or uint8, widened to Int32); results are clamped to the
    /// type's range.
    static func kernel(_ ctx: PrepareContext, type: TensorType, count: Int, _ reference: (Int32) -> Int32) throws -> Kernel {
        switch type {
        case .int8: return make(Int8.self, ctx: ctx, count: count, reference)
        case .uint8: return make(UInt8.self, ctx: ctx, count: count, reference)
        default: throw ctx.error("input type \(type) is not supported by the quantized kernel")
        }
    }

    /// The table of `reference` over every value of `E`, indexed by bit pattern.
    static func table<E: QuantizedElement>(_: E.Type, _ reference: (Int32) -> Int32) -> [E] {
        var table = [E](repeating: 0, count: 256)
        for v in Int32(E.min)...Int32(E.max) {
            table[Int(v) & 255] = E(truncatingIfNeeded: min(max(reference(v), Int32(E.min)), Int32(E.max)))
        }
        return table
    }

    private static func make<E: QuantizedElement>(_: E.Type, ctx: PrepareContext, count: Int, _ reference: (Int32) -> Int32) -> Kernel {
        // One array, read by the loop and offered to consumers (`byteTable`),
        // computed once per model: the table depends only on the node's
        // quantization, and the reference arithmetic of EfficientNet-B0
        // int8's 65 LOGISTICs was a sixth of a second interpreter's start-up.
        let bytes = ctx.graph.sharedConstants.sharedValue(for: SharedConstantKey("lookup-table", [ctx.node.index, E.self == Int8.self ? 1 : 0])) {
            table(E.self, reference).map { UInt8(truncatingIfNeeded: $0) }
        }
        // (The same table as segment differences where runs shuffle it: `SegmentedByteLookup`.
        // Through a `ByteTable` instead, ConvNeXt-Tiny int8's GELUs took 5% longer; not explained.)
        let segments = SegmentedByteLookup.applies ? SegmentedByteLookup.differences(of: bytes) : []
        let kernel = ElementwiseKernel<E, E>(ctx: ctx, count: count, blockSize: 16384) { x, y, n in
            bytes.withUnsafeBufferPointer { t in
                segments.withUnsafeBytes { s in
                    lookup(t.baseAddress.unsafelyUnwrapped, segments: s.count == 256 ? s.baseAddress : nil, UnsafeRawPointer(x),
                           UnsafeMutableRawPointer(y), count: n)
                }
            }
        }
        kernel.byteTable = bytes
        return kernel
    }

    /// `output[i] = table[input[i]]` for a 256-entry byte table indexed by
    /// the input's bit pattern (these kernels, the int8 swish, the tables of
    /// a constant scalar operand). In the integer-multiply-add flavours
    /// sixteen input bytes per step, each entry inserted into a vector lane
    /// (`vpinsrb`, the table load folded in) and the two eight-byte halves
    /// stored whole: the loop that stored each entry as it came was held to
    /// Zen 1's one store per cycle (2.2 → 3.3 G elements/s in isolation).
    /// Elsewhere, and for the last elements, eight input bytes per load and
    /// each entry stored as it comes. (Gathering the eight entries into one
    /// word for a single store chained eight dependent ORs per word: 1.9
    /// against 2.2 G elements/s in isolation, Zen 1; a load per input byte
    /// was slower than both.)
    ///
    /// In the AVX-512 VNNI flavour (which includes VBMI) 64 bytes per step
    /// from the table held in four registers (`IntegerSIMD.lookup256`), the
    /// rest as above. With the table's `segments` (`SegmentedByteLookup`),
    /// 32 bytes per step by sixteen shuffles, the rest as above.
    @inline(__always)
    static func lookup(_ table: UnsafePointer<UInt8>, segments: UnsafeRawPointer? = nil, _ input: UnsafeRawPointer,
                       _ output: UnsafeMutableRawPointer, count: Int) {
        var i = 0
        if let segments {
            while i &+ 32 <= count {
                output.storeBytes(of: SegmentedByteLookup.lookup(input.loadUnaligned(fromByteOffset: i, as: SIMD32<UInt8>.self), segments),
                                  toByteOffset: i, as: SIMD32<UInt8>.self)
                i &+= 32
            }
        }
        if IntegerSIMD.hasByteLookup {
            typealias V = SIMD64<UInt8>
            let t = UnsafeRawPointer(table)
            let t0 = t.loadUnaligned(as: V.self), t1 = t.loadUnaligned(fromByteOffset: 64, as: V.self)
            let t2 = t.loadUnaligned(fromByteOffset: 128, as: V.self), t3 = t.loadUnaligned(fromByteOffset: 192, as: V.self)
            while i &+ 64 <= count {
                output.storeBytes(of: IntegerSIMD.lookup256(input.loadUnaligned(fromByteOffset: i, as: V.self), t0, t1, t2, t3),
                                  toByteOffset: i, as: V.self)
                i &+= 64
            }
        }
        if IntegerSIMD.isNative {
            while i &+ 16 <= count {
                let low = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let high = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self))
                var first = SIMD8<UInt8>(), second = SIMD8<UInt8>()
                for k in 0..<8 {
                    first[k] = table[Int(truncatingIfNeeded: (low &>> UInt64(k &* 8)) & 0xFF)]
                    second[k] = table[Int(truncatingIfNeeded: (high &>> UInt64(k &* 8)) & 0xFF)]
                }
                output.storeBytes(of: first, toByteOffset: i, as: SIMD8<UInt8>.self)
                output.storeBytes(of: second, toByteOffset: i &+ 8, as: SIMD8<UInt8>.self)
                i &+= 16
            }
        }
        while i &+ 8 <= count {
            let x = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            for k in 0..<8 {
                output.storeBytes(of: table[Int(truncatingIfNeeded: (x &>> UInt64(k &* 8)) & 0xFF)], toByteOffset: i &+ k, as: UInt8.self)
            }
            i &+= 8
        }
        while i < count {
            output.storeBytes(of: table[Int(input.load(fromByteOffset: i, as: UInt8.self))], toByteOffset: i, as: UInt8.self)
            i &+= 1
        }
    }

    /// TFLite's `LUTPopulate`: each stored input value dequantized in float32,
    /// transformed, divided by the output scale (as a product with its float
    /// reciprocal), rounded half away from zero, offset by the output zero
    /// point and clamped. (GELU, and the LiteRT-kernel LUTs of other ops.)
    static func floatTable(_ ctx: PrepareContext, _ input: TensorSlot, _ transform: (Float) -> Float) throws -> Kernel {
        let qi = try ctx.quantization(input, "input"), qo = try ctx.quantization(ctx.output(0), "output")
        let inverseScale = 1 / qo.scale
        let outputZeroPoint = Float(qo.zeroPoint)
        return try kernel(ctx, type: input.type, count: input.elementCount) { v in
            let dequantized = qi.scale * Float(v &- qi.zeroPoint)
            let rescaled = (transform(dequantized) * inverseScale).rounded(.toNearestOrAwayFromZero)
            return FixedPoint.roundToInt32(rescaled + outputZeroPoint)
        }
    }
}

/// A 256-entry byte table (output bit pattern by input bit pattern) at a
/// fixed address, for a kernel that applies it in its own loops
/// (`StoredActivationFusion`): read through `entries` without an array's
/// access in the loop.
final class ByteTable: @unchecked Sendable {
    let entries: UnsafeMutablePointer<UInt8>
    /// The entries as segment differences where runs shuffle them
    /// (`SegmentedByteLookup.applies`), else nil.
    let segments: UnsafeMutablePointer<UInt8>?

    /// `bytes`' first 256 entries (missing ones 0).
    init(_ bytes: [UInt8]) {
        entries = .allocate(capacity: 256)
        entries.initialize(repeating: 0, count: 256)
        for (i, b) in bytes.prefix(256).enumerated() { entries[i] = b }
        segments = SegmentedByteLookup.differencesIfApplied(entries)
    }

    deinit {
        entries.deallocate()
        segments?.deallocate()
    }

    /// `output[i] = entries[input[i]]` for i in 0..<count (`QuantizedLookup.lookup`).
    @inline(__always)
    func lookup(_ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, count: Int) {
        QuantizedLookup.lookup(entries, segments: segments.map { UnsafeRawPointer($0) }, input, output, count: count)
    }
}
