/// MINIMUM: element-wise `min(a, b)` with broadcasting. float32; int8/uint8
/// when both inputs and the output share one quantization.
enum Minimum: ElementChoice {
    static let registration = MaximumMinimum.registration(maxVersion: 4, Minimum.self)
    @inline(__always) static func choose<T: Comparable>(_ a: T, _ b: T) -> T { b < a ? b : a }
}
