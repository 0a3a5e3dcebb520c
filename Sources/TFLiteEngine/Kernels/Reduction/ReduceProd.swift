/// REDUCE_PROD over constant axes, with keep_dims (`ReducerOptions`);
/// negative and repeated axes allowed, out-of-range axes rejected. float32;
/// int32 and int64 (wrapping, as TFLite's C++ products do in practice; shape
/// products such as SHAPE → REDUCE_PROD fold at prepare); int8 without
/// quantization (wrapping); quantized int8 exactly as TFLite's reference
/// kernel (`ReduceProd+Quantized.swift`). An empty reduction gives 1.
enum ReduceProd {
    /// Float32 product.
    enum FloatProduct: ReduceOperation {
        static var initial: Float { 1 }
        @inline(__always) static func combine(_ a: Float, _ x: Float) -> Float { x * a }
    }
    /// Integer product, wrapping on overflow.
    enum WrappingProduct<Element: FixedWidthInteger>: ReduceOperation {
        static var initial: Element { 1 }
        @inline(__always) static func combine(_ a: Element, _ x: Element) -> Element { x &* a }
    }

    static let registration = OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let (input, reduction) = try ctx.prepareReduction()
        let out = ctx.output(0)
        guard out.type == input.type else { throw ctx.error("output '\(out.name)' is \(out.type), the input is \(input.type)") }
        switch input.type {
        case .float32:
            return ReduceKernel(ctx: ctx, reduction, FloatProduct.self)
        case .int32:
            return ReduceKernel(ctx: ctx, reduction, WrappingProduct<Int32>.self)
        case .int64:
            return ReduceKernel(ctx: ctx, reduction, WrappingProduct<Int64>.self)
        case .int8 where input.quantization?.isQuantized != true:
            return ReduceKernel(ctx: ctx, reduction, WrappingProduct<Int8>.self)
        case .int8:
            return try ReduceProdQuantized.prepare(ctx, input, reduction)
        default:
            throw ctx.error("input type \(input.type) is not supported")
        }
    }
}
