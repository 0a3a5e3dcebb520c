/// HARD_SWISH: `x · relu6(x + 3) / 6`. float32; int8/uint8 in
/// `HardSwishQuantized`.
enum HardSwish {
    static let registration = OperatorRegistration(maxVersion: 1) { ctx in
        let input = try ctx.prepareUnaryElementwise()
        switch input.type {
        case .float32: return ElementwiseKernel(ctx: ctx, count: input.elementCount, Operation())
        case .int8, .uint8: return try HardSwishQuantized.prepare(ctx, input)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }

    struct Operation: FloatUnaryOperation {
        @inline(__always) func apply(_ x: Float) -> Float { x * min(max(x + 3, 0), 6) * (1 / 6) }
    }
}
