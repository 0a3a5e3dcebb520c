/// MAXIMUM: element-wise `max(a, b)` with broadcasting. float32; int8/uint8
/// when both inputs and the output share one quantization.
enum Maximum {
    static let registration = OperatorRegistration(maxVersion: 4) { ctx in try prepare(ctx) }

    struct FloatOperation: FloatBinaryOperation {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a < b ? b : a }
    }
    struct StoredOperation<Element: Comparable>: StoredBinaryOperation {
        @inline(__always) static func apply(_ a: Element, _ b: Element) -> Element { a < b ? b : a }
    }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try MaximumMinimumPrepare.prepare(ctx, float: FloatOperation.self, int8: StoredOperation<Int8>.self, uint8: StoredOperation<UInt8>.self)
    }
}
