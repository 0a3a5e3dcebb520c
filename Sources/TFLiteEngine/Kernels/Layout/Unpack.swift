/// UNPACK: the `num` slices of the input along `axis` (negative counts from
/// the end), each without that axis. `num` must equal the axis size. Any
/// fixed-size element type.
enum Unpack {
    static let registration = OperatorRegistration(maxVersion: 4) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let options = try ctx.options(UnpackOptions.self)
        let count = Int(options.num)
        guard count >= 1 else { throw ctx.error("num \(count) must be at least 1") }
        try ctx.expect(inputs: 1...1, outputs: count...count)
        let input = try ctx.input(0)
        let axis = try ctx.axis(Int(options.axis), rank: input.rank)
        guard input.shape[axis] == count else {
            throw ctx.error("num \(count) differs from dimension \(axis) of size \(input.shape[axis]) (input shape \(input.shape))")
        }
        return try ctx.splitAlongAxis(dataInput: 0, axis: axis, sizes: Array(repeating: 1, count: count), dropAxis: true)
    }
}
