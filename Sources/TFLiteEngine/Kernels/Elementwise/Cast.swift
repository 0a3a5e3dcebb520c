/// CAST: converts every element to the output's type, as TFLite does
/// between float32, int32, int64, int8, uint8 and bool: integers wrap to a
/// narrower integer type (C's conversion), integers round to the nearest
/// float, floats truncate toward zero and saturate at the integer type's
/// limits (NaN gives the maximum), and bool is 1 for any nonzero value (NaN
/// included) and reads as 0/1. Quantization parameters are ignored: stored
/// values are converted.
enum Cast {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 1)
        let input = try ctx.input(0)
        _ = try ctx.options(CastOptions.self)
        try ctx.setOutputShape(0, input.shape)
        switch input.type {
        case .float32: return try kernel(ctx, Float.self, input.elementCount)
        case .int32: return try kernel(ctx, Int32.self, input.elementCount)
        case .int64: return try kernel(ctx, Int64.self, input.elementCount)
        case .int8: return try kernel(ctx, Int8.self, input.elementCount)
        case .uint8: return try kernel(ctx, UInt8.self, input.elementCount)
        case .bool: return try kernel(ctx, BoolElement.self, input.elementCount)
        default: throw ctx.error("input type \(input.type) is not supported")
        }
    }

    private static func kernel<In: CastElement>(_ ctx: PrepareContext, _: In.Type, _ count: Int) throws -> Kernel {
        let output = ctx.output(0)
        switch output.type {
        case .float32: return kernel(ctx, In.self, Float.self, count)
        case .int32: return kernel(ctx, In.self, Int32.self, count)
        case .int64: return kernel(ctx, In.self, Int64.self, count)
        case .int8: return kernel(ctx, In.self, Int8.self, count)
        case .uint8: return kernel(ctx, In.self, UInt8.self, count)
        case .bool: return kernel(ctx, In.self, BoolElement.self, count)
        default: throw ctx.error("output type \(output.type) is not supported")
        }
    }

    private static func kernel<In: CastElement, Out: CastElement>(_ ctx: PrepareContext, _: In.Type, _: Out.Type, _ count: Int) -> Kernel {
        ElementwiseKernel<In, Out>(ctx: ctx, count: count) { x, y, n in
            for i in 0..<n { y[i] = Out(cast: x[i].castValue) }
        }
    }
}

/// A value on its way through CAST.
enum CastValue {
    case integer(Int64)
    case real(Float)
    case boolean(Bool)
}

/// An element type CAST reads and writes.
protocol CastElement {
    var castValue: CastValue { get }
    init(cast value: CastValue)
}

extension CastElement where Self: FixedWidthInteger {
    @inline(__always) var castValue: CastValue { .integer(Int64(truncatingIfNeeded: self)) }
    @inline(__always) init(cast value: CastValue) {
        switch value {
        case let .integer(v): self.init(truncatingIfNeeded: v)
        case let .real(x): self.init(saturatingTowardZero: x)
        case let .boolean(b): self = b ? 1 : 0
        }
    }
}

extension Int8: CastElement {}
extension UInt8: CastElement {}
extension Int32: CastElement {}
extension Int64: CastElement {}

extension Float: CastElement {
    @inline(__always) var castValue: CastValue { .real(self) }
    @inline(__always) init(cast value: CastValue) {
        switch value {
        case let .integer(v): self.init(v)
        case let .real(x): self = x
        case let .boolean(b): self = b ? 1 : 0
        }
    }
}

/// A bool tensor element: one byte, any nonzero byte true, written 0/1.
struct BoolElement: CastElement {
    var byte: UInt8
    @inline(__always) var castValue: CastValue { .boolean(byte != 0) }
    @inline(__always) init(cast value: CastValue) {
        switch value {
        case let .integer(v): byte = v != 0 ? 1 : 0
        case let .real(x): byte = x != 0 ? 1 : 0
        case let .boolean(b): byte = b ? 1 : 0
        }
    }
}

extension FixedWidthInteger {
    /// TFLite's float-to-integer CAST: truncation toward zero, saturating at
    /// the type's limits; NaN gives the maximum.
    @inline(__always)
    init(saturatingTowardZero x: Float) {
        // 2^(bits) for unsigned types, 2^(bits-1) for signed ones: exact in float.
        let limit = Float(sign: .plus, exponent: Self.bitWidth - (Self.isSigned ? 1 : 0), significand: 1)
        if x.isNaN || x >= limit {
            self = .max
        } else if x < Float(Self.min) {
            self = .min
        } else {
            self.init(x)
        }
    }
}
