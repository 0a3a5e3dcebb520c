/// The test of a comparison operator.
protocol ComparisonPredicate: Sendable {
    /// Whether the operator is defined on booleans (EQUAL, NOT_EQUAL).
    static var comparesBooleans: Bool { get }
    static func test<T: Comparable>(_ a: T, _ b: T) -> Bool
}

extension ComparisonPredicate {
    static var comparesBooleans: Bool { false }
}

/// LESS: `a < b` with broadcasting, a bool output (see `Comparison`).
enum Less: ComparisonPredicate {
    static let registration = Comparison.registration(Less.self, LessOptions.self)
    @inline(__always) static func test<T: Comparable>(_ a: T, _ b: T) -> Bool { a < b }
}

/// LESS_EQUAL: `a <= b` (see `Comparison`).
enum LessEqual: ComparisonPredicate {
    static let registration = Comparison.registration(LessEqual.self, LessEqualOptions.self)
    @inline(__always) static func test<T: Comparable>(_ a: T, _ b: T) -> Bool { a <= b }
}

/// GREATER: `a > b` (see `Comparison`).
enum Greater: ComparisonPredicate {
    static let registration = Comparison.registration(Greater.self, GreaterOptions.self)
    @inline(__always) static func test<T: Comparable>(_ a: T, _ b: T) -> Bool { a > b }
}

/// GREATER_EQUAL: `a >= b` (see `Comparison`).
enum GreaterEqual: ComparisonPredicate {
    static let registration = Comparison.registration(GreaterEqual.self, GreaterEqualOptions.self)
    @inline(__always) static func test<T: Comparable>(_ a: T, _ b: T) -> Bool { a >= b }
}

/// EQUAL: `a == b`, also on bool (see `Comparison`).
enum Equal: ComparisonPredicate {
    static let registration = Comparison.registration(Equal.self, EqualOptions.self)
    static var comparesBooleans: Bool { true }
    @inline(__always) static func test<T: Comparable>(_ a: T, _ b: T) -> Bool { a == b }
}

/// NOT_EQUAL: `a != b`, also on bool (see `Comparison`).
enum NotEqual: ComparisonPredicate {
    static let registration = Comparison.registration(NotEqual.self, NotEqualOptions.self)
    static var comparesBooleans: Bool { true }
    @inline(__always) static func test<T: Comparable>(_ a: T, _ b: T) -> Bool { a != b }
}

/// The comparison operators: two inputs of one type, broadcast together, and
/// a bool output (bytes 0/1). float32 (IEEE: NaN compares unequal and
/// unordered), int32, int64, bool (EQUAL/NOT_EQUAL), and int8/uint8 as
/// TFLite's reference kernel does it (`ComparisonWithScaling`): each value
/// minus its zero point, shifted left by 8 and multiplied by its scale in
/// fixed point, then compared. When both inputs share a quantization whose
/// rescaling keeps distinct stored values distinct, the stored values are
/// compared directly (the same answers, faster).
enum Comparison {
    static func registration<Predicate: ComparisonPredicate, Options: BuiltinOptionsTable>(
        _: Predicate.Type, _: Options.Type) -> OperatorRegistration {
        OperatorRegistration(maxVersion: 2) { ctx in try prepare(ctx, Predicate.self, Options.self) }
    }

    static func prepare<Predicate: ComparisonPredicate, Options: BuiltinOptionsTable>(
        _ ctx: PrepareContext, _: Predicate.Type, _: Options.Type) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let a = try ctx.input(0), b = try ctx.input(1)
        _ = try ctx.options(Options.self)
        guard b.type == a.type else { throw ctx.error("second input '\(b.name)' is \(b.type), the first is \(a.type); comparisons need one type") }
        try ctx.require(ctx.output(0), type: .bool, "output")
        let shape = try BroadcastShape(a.shape, b.shape, ctx: ctx)
        try ctx.setOutputShape(0, shape.outputShape)
        switch a.type {
        case .float32: return BinaryElementKernel(ctx: ctx, shape: shape, Stored<Predicate, Float>())
        case .int32: return BinaryElementKernel(ctx: ctx, shape: shape, Stored<Predicate, Int32>())
        case .int64: return BinaryElementKernel(ctx: ctx, shape: shape, Stored<Predicate, Int64>())
        case .bool where Predicate.comparesBooleans:
            return BinaryElementKernel(ctx: ctx, shape: shape, Boolean<Predicate>())
        case .int8: return try quantized(ctx, Predicate.self, Int8.self, a, b, shape)
        case .uint8: return try quantized(ctx, Predicate.self, UInt8.self, a, b, shape)
        default: throw ctx.error("input type \(a.type) is not supported")
        }
    }

    /// Compares values as stored.
    struct Stored<Predicate: ComparisonPredicate, T: Comparable & Sendable>: ElementBinaryOperation {
        @inline(__always) func apply(_ a: T, _ b: T) -> UInt8 { Predicate.test(a, b) ? 1 : 0 }
    }

    /// Compares bool bytes (any nonzero byte is true).
    struct Boolean<Predicate: ComparisonPredicate>: ElementBinaryOperation {
        @inline(__always) func apply(_ a: UInt8, _ b: UInt8) -> UInt8 {
            Predicate.test(a != 0 ? 1 : 0 as UInt8, b != 0 ? 1 : 0) ? 1 : 0
        }
    }

    /// One input's rescaling in `ComparisonWithScaling`.
    struct Scaling: Sendable {
        let offset: Int32, multiplier: Int32, shift: Int
        @inline(__always) func apply(_ q: Int32) -> Int32 {
            FixedPoint.multiplyByQuantizedMultiplierSmallerThanOne((q &+ offset) &<< 8, multiplier, shift)
        }
    }

    /// Compares int8/uint8 values after rescaling each input to a common scale.
    struct Rescaled<Predicate: ComparisonPredicate, T: QuantizedElement & Sendable>: ElementBinaryOperation {
        let a: Scaling, b: Scaling
        @inline(__always) func apply(_ x: T, _ y: T) -> UInt8 {
            Predicate.test(a.apply(Int32(x)), b.apply(Int32(y))) ? 1 : 0
        }
    }

    static func quantized<Predicate: ComparisonPredicate, T: QuantizedElement & Sendable>(
        _ ctx: PrepareContext, _: Predicate.Type, _: T.Type, _ a: TensorSlot, _ b: TensorSlot, _ shape: BroadcastShape) throws -> Kernel {
        let qa = try ctx.quantization(a, "first input"), qb = try ctx.quantization(b, "second input")
        func scaling(_ q: TensorQuantization) -> Scaling? {
            FixedPoint.quantizeMultiplierSmallerThanOne(Double(q.scale)).map { Scaling(offset: -q.zeroPoint, multiplier: $0.multiplier, shift: $0.shift) }
        }
        let same = qa.scale == qb.scale && qa.zeroPoint == qb.zeroPoint
        guard let sa = scaling(qa), let sb = scaling(qb) else {
            // TFLite's fixed-point rescaling is only defined for scales below 1;
            // with one shared quantization the stored values order like the real ones.
            guard same else {
                throw ctx.error("inputs '\(a.name)' (scale \(qa.scale)) and '\(b.name)' (scale \(qb.scale)) differ in quantization and a scale is not below 1; rescaling is not supported")
            }
            return BinaryElementKernel(ctx: ctx, shape: shape, Stored<Predicate, T>())
        }
        // Distinct stored values stay distinct after rescaling: comparing the
        // stored values gives the same answers.
        var strictlyIncreasing = true
        var previous = sa.apply(Int32(T.min))
        for q in (Int32(T.min) + 1)...Int32(T.max) {
            let v = sa.apply(q)
            if v <= previous { strictlyIncreasing = false; break }
            previous = v
        }
        if same && strictlyIncreasing {
            return BinaryElementKernel(ctx: ctx, shape: shape, Stored<Predicate, T>())
        }
        return BinaryElementKernel(ctx: ctx, shape: shape, Rescaled<Predicate, T>(a: sa, b: sb), operationsPerElement: 8)
    }
}
