/// REDUCE_MAX over constant axes, with keep_dims (`ReducerOptions`);
/// negative and repeated axes allowed, out-of-range axes rejected. float32,
/// int32, int64; int8/uint8 when input and output share their quantization
/// (stored values compare like real ones). An empty reduction gives the
/// type's lowest value, as in TFLite.
enum ReduceMax {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try ctx.prepareExtremumReduction(Maximum.self) }
}

/// REDUCE_MIN: REDUCE_MAX's counterpart (the same types and rules); an
/// empty reduction gives the type's highest value (the largest finite float).
enum ReduceMin {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try ctx.prepareExtremumReduction(Minimum.self) }
}

/// Which extreme a reduction keeps (REDUCE_MAX / REDUCE_MIN, ARG_MAX / ARG_MIN).
protocol ExtremumDirection {
    /// Whether `x` replaces the current extreme `a` (strictly better: on
    /// ties the first value stays, as in TFLite).
    static func prefers<T: Comparable>(_ x: T, over a: T) -> Bool
    /// The result of an empty reduction.
    static func initial<T: ExtremumElement>(_: T.Type) -> T
}

/// The element-wise MAXIMUM's choice, as a reduction direction.
extension Maximum: ExtremumDirection {
    @inline(__always) static func prefers<T: Comparable>(_ x: T, over a: T) -> Bool { a < x }
    static func initial<T: ExtremumElement>(_: T.Type) -> T { T.lowestValue }
}

/// The element-wise MINIMUM's choice, as a reduction direction.
extension Minimum: ExtremumDirection {
    @inline(__always) static func prefers<T: Comparable>(_ x: T, over a: T) -> Bool { x < a }
    static func initial<T: ExtremumElement>(_: T.Type) -> T { T.highestValue }
}

/// Element types of the extremum reductions, with their extreme values
/// (TFLite's `numeric_limits<T>::lowest()` and `max()`).
protocol ExtremumElement: Comparable {
    static var lowestValue: Self { get }
    static var highestValue: Self { get }
}

extension Float: ExtremumElement {
    static var lowestValue: Float { -.greatestFiniteMagnitude }
    static var highestValue: Float { .greatestFiniteMagnitude }
}

extension ExtremumElement where Self: FixedWidthInteger {
    static var lowestValue: Self { .min }
    static var highestValue: Self { .max }
}

extension Int8: ExtremumElement {}
extension UInt8: ExtremumElement {}
extension Int32: ExtremumElement {}
extension Int64: ExtremumElement {}

/// The maximum or minimum of the values reduced.
enum Extremum<Element: ExtremumElement, Direction: ExtremumDirection>: ReduceOperation {
    static var initial: Element { Direction.initial(Element.self) }
    @inline(__always) static func combine(_ a: Element, _ x: Element) -> Element { Direction.prefers(x, over: a) ? x : a }
}

extension PrepareContext {
    /// The prepare of REDUCE_MAX and REDUCE_MIN.
    func prepareExtremumReduction<Direction: ExtremumDirection>(_: Direction.Type) throws -> Kernel {
        let (input, reduction) = try prepareReduction()
        let out = output(0)
        guard out.type == input.type else { throw error("output '\(out.name)' is \(out.type), the input is \(input.type)") }
        switch input.type {
        case .float32:
            return ReduceKernel(ctx: self, reduction, Extremum<Float, Direction>.self)
        case .int32:
            return ReduceKernel(ctx: self, reduction, Extremum<Int32, Direction>.self)
        case .int64:
            return ReduceKernel(ctx: self, reduction, Extremum<Int64, Direction>.self)
        case .int8:
            try requireSameQuantization(input, out, "input and output")
            return ReduceKernel(ctx: self, reduction, Extremum<Int8, Direction>.self)
        case .uint8:
            try requireSameQuantization(input, out, "input and output")
            return ReduceKernel(ctx: self, reduction, Extremum<UInt8, Direction>.self)
        default:
            throw error("input type \(input.type) is not supported")
        }
    }
}
