/// PACK: N tensors of one shape S stacked along a new axis (`PackOptions`:
/// `values_count`, `axis`, negative counting from the end of the output).
/// The output [S[..<axis], N, S[axis...]] is a concatenation of the inputs
/// with a unit dimension inserted at the axis, so it runs on the byte-copying
/// concatenation kernel: any fixed-size type; int8/uint8 inputs must share
/// the output's quantization (TFLite copies bytes). With the default dynamic
/// batch, Keras `Flatten`/`Reshape` convert to SHAPE → STRIDED_SLICE → PACK →
/// RESHAPE on int32 shapes: all constant after prepare, so folded once.
enum Pack {
    static let registration = OperatorRegistration(maxVersion: 4) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 1...Int.max)
        let options = try ctx.options(PackOptions.self)
        guard Int(options.valuesCount) == ctx.inputCount else {
            throw ctx.error("values_count \(options.valuesCount) does not match \(ctx.inputCount) inputs")
        }
        let first = try ctx.input(0)
        let rank = first.rank + 1
        var axis = Int(options.axis)
        if axis < 0 { axis += rank }
        guard axis >= 0, axis < rank else { throw ctx.error("axis \(options.axis) is out of range for output rank \(rank)") }
        guard let elementSize = first.type.byteSize else { throw ctx.error("type \(first.type) is not supported") }
        let output = ctx.output(0)
        guard output.type == first.type else { throw ctx.error("output is \(output.type), inputs are \(first.type)") }
        for i in 0..<ctx.inputCount {
            let t = try ctx.input(i)
            guard t.type == first.type, t.shape == first.shape else {
                throw ctx.error("input \(i) is \(t.type) \(t.shape), input 0 is \(first.type) \(first.shape)")
            }
            if t.type == .int8 || t.type == .uint8 || t.type == .int16 {
                guard t.scale == output.scale, t.zeroPoint == output.zeroPoint else {
                    throw ctx.error("input \(i) and the output are quantized differently; requantization is not supported")
                }
            }
        }
        var shape = first.shape
        shape.insert(ctx.inputCount, at: axis)
        try ctx.setOutputShape(0, shape)
        let empty = shape.contains(0)
        let outer = empty ? 0 : try ctx.product(first.shape[..<axis], "dimensions before the axis")
        let inner = empty ? 0 : try ctx.product(first.shape[axis...], "dimensions after the axis") &* elementSize
        return ConcatenationKernel(
            ctx: ctx, outer: outer, bytesPerUnit: inner, widths: Array(repeating: 1, count: ctx.inputCount), clamp: nil)
    }
}
