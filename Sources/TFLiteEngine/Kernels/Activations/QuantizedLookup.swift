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
        let table = table(E.self, reference)
        return ElementwiseKernel<E, E>(ctx: ctx, count: count, blockSize: 16384) { x, y, n in
            table.withUnsafeBufferPointer { t in
                for i in 0..<n { y[i] = t[Int(truncatingIfNeeded: x[i]) & 255] }
            }
        }
    }
}
