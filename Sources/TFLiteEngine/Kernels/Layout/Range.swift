/// RANGE: the 1-D sequence `start, start + delta, …` up to but excluding
/// `limit`, from three constant scalars of one type (int32, int64, float32);
/// since they are constant it is folded at prepare. Values accumulate as in
/// TFLite (`value += delta`, in the element type). The element count is
/// `ceil(|limit - start| / |delta|)`, computed without overflow and bounded by
/// the tensor size limit; a zero delta, or one pointing away from `limit`,
/// is an error.
enum RangeOperator {
    static let registration = OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 3)
        let start = try ctx.input(0), limit = try ctx.input(1), delta = try ctx.input(2)
        _ = try ctx.options(RangeOptions.self)
        for (t, role) in [(start, "start"), (limit, "limit"), (delta, "delta")] {
            try ctx.require(t, rank: 0, role)
            try ctx.require(t, type: start.type, role)
            guard t.isConstant else { throw ctx.error("\(role) '\(t.name)' is computed at run time; dynamic shapes are not supported") }
        }
        try ctx.require(ctx.output(0), type: start.type, "output")
        let count: Int
        switch start.type {
        case .int32, .int64:
            count = try integerCount(ctx, try ctx.constantScalarInt(start, "start"), try ctx.constantScalarInt(limit, "limit"),
                                     try ctx.constantScalarInt(delta, "delta"))
        case .float32:
            func value(_ t: TensorSlot) -> Float { t.constant?.loadUnaligned(as: Float.self) ?? 0 }
            count = try floatCount(ctx, value(start), value(limit), value(delta))
        default:
            throw ctx.error("input type \(start.type) is not supported")
        }
        try ctx.setOutputShape(0, [count])
        switch start.type {
        case .int32: return RangeKernel(Int32.self, ctx: ctx, count: count) { $0 &+ $1 }
        case .int64: return RangeKernel(Int64.self, ctx: ctx, count: count) { $0 &+ $1 }
        default: return RangeKernel(Float.self, ctx: ctx, count: count) { $0 + $1 }
        }
    }

    static func checkDirection<T: Comparable & Numeric>(_ ctx: PrepareContext, _ start: T, _ limit: T, _ delta: T) throws {
        guard delta != 0 else { throw ctx.error("delta is 0") }
        guard (start >= limit && delta < 0) || (start <= limit && delta > 0) else {
            throw ctx.error("delta \(delta) does not lead from start \(start) to limit \(limit)")
        }
    }

    static func integerCount(_ ctx: PrepareContext, _ start: Int, _ limit: Int, _ delta: Int) throws -> Int {
        try checkDirection(ctx, start, limit, delta)
        let (difference, overflow) = limit.subtractingReportingOverflow(start)
        let step = delta.magnitude
        // |difference| ≤ 2^63 and step ≤ 2^63, so the sum fits in UInt.
        let count = overflow ? UInt.max : (difference.magnitude + step - 1) / step
        guard count <= UInt(ModelValidator.maximumTensorBytes) else {
            throw ctx.error("range from \(start) to \(limit) by \(delta) has too many elements")
        }
        return Int(count)
    }

    static func floatCount(_ ctx: PrepareContext, _ start: Float, _ limit: Float, _ delta: Float) throws -> Int {
        try checkDirection(ctx, start, limit, delta)
        let count = ((limit - start) / delta).magnitude.rounded(.up)
        guard count.isFinite, count <= Float(ModelValidator.maximumTensorBytes) else {
            throw ctx.error("range from \(start) to \(limit) by \(delta) has too many elements")
        }
        return Int(count)
    }
}

/// Writes `start, start + delta, …` (read from the node's constant inputs 0
/// and 2) to output 0. One tile: each value depends on the previous one.
final class RangeKernel: Kernel {
    let count: Int
    let startIndex: Int, deltaIndex: Int, outputIndex: Int
    let fill: (_ start: UnsafeRawPointer, _ delta: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ count: Int) -> Void
    var start: UnsafeRawPointer!, delta: UnsafeRawPointer!
    var output: UnsafeMutableRawPointer!

    init<T>(_: T.Type, ctx: PrepareContext, count: Int, add: @escaping (T, T) -> T) {
        self.count = count
        startIndex = ctx.node.inputs[0]
        deltaIndex = ctx.node.inputs[2]
        outputIndex = ctx.node.outputs[0]
        fill = { start, delta, output, count in
            let step = delta.loadUnaligned(as: T.self)
            let o = output.assumingMemoryBound(to: T.self)
            var value = start.loadUnaligned(as: T.self)
            for i in 0..<count {
                o[i] = value
                value = add(value, step)
            }
        }
    }

    var cost: Int { count }

    func bind(_ memory: TensorMemory) {
        start = UnsafeRawPointer(memory.raw(startIndex))
        delta = UnsafeRawPointer(memory.raw(deltaIndex))
        output = memory.raw(outputIndex)
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let start, let delta, let output, !tiles.isEmpty else { return }
        fill(start, delta, output, count)
    }
}
