/// REDUCE_MAX over constant axes, with keep_dims (`ReducerOptions`);
/// negative and repeated axes allowed, out-of-range axes rejected. float32;
/// int8/uint8 when input and output share their quantization (stored values
/// compare like real ones). An empty reduction gives the type's lowest value,
/// as in TFLite.
enum ReduceMax {
    /// Float32 maximum; an empty reduction gives the lowest finite float.
    enum FloatMaximum: ReduceOperation {
        static var initial: Float { -.greatestFiniteMagnitude }
        @inline(__always) static func combine(_ a: Float, _ x: Float) -> Float { a < x ? x : a }
    }
    /// Maximum of stored integers; an empty reduction gives the type's minimum.
    enum StoredMaximum<Element: FixedWidthInteger>: ReduceOperation {
        static var initial: Element { .min }
        @inline(__always) static func combine(_ a: Element, _ x: Element) -> Element { a < x ? x : a }
    }

    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (input, reduction) = try ctx.prepareReduction()
        let out = ctx.output(0)
        guard out.type == input.type else { throw ctx.error("output '\(out.name)' is \(out.type), the input is \(input.type)") }
        switch input.type {
        case .float32:
            return ReduceKernel(ctx: ctx, reduction, FloatMaximum.self)
        case .int8:
            try ctx.requireSameQuantization(input, out, "input and output")
            return ReduceKernel(ctx: ctx, reduction, StoredMaximum<Int8>.self)
        case .uint8:
            try ctx.requireSameQuantization(input, out, "input and output")
            return ReduceKernel(ctx: ctx, reduction, StoredMaximum<UInt8>.self)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
