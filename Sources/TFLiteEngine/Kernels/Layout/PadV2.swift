/// PADV2: PAD with the pad value given by a constant third input (a scalar
/// or one-element tensor of the input's type; its raw bytes are used, so
/// quantized tensors pad with the stored value). Shares `PadKernel`.
enum PadV2 {
    static let registration = OperatorRegistration(maxVersion: 4) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2...3)
        let input = try ctx.input(0)
        let (shape, before) = try Pad.geometry(ctx)
        let size = try ctx.requireSameTypeMovingBytes()
        var fill = ElementFill.zero(of: ctx.output(0), elementSize: size)
        if let value = ctx.optionalInput(2) {
            try ctx.require(value, type: input.type, "constant value")
            guard value.elementCount == 1 else { throw ctx.error("constant value '\(value.name)' has \(value.elementCount) elements, expected 1") }
            let p = try ctx.requireConstant(value, "constant value")
            fill = ElementFill((0..<size).map { p.load(fromByteOffset: $0, as: UInt8.self) })
        }
        try ctx.setOutputShape(0, shape)
        return PadKernel(ctx: ctx, inputShape: input.shape, outputShape: shape, before: before, elementSize: size, fill: fill)
    }
}
