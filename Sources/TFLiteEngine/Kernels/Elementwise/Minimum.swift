/// MINIMUM: element-wise `min(a, b)` with broadcasting. float32; int8/uint8
/// when both inputs and the output share one quantization.
enum Minimum: ElementChoice {
    static let registration = MaximumMinimum.registration(maxVersion: 4, Minimum.self)
    // LiteRT's `el1 < el2 ? el1 : el2`: with a NaN in either place the result is `b`
    // (ops/float32_special/minimum_special_pairs).
    @inline(__always) static func choose<T: Comparable>(_ a: T, _ b: T) -> T { a < b ? a : b }
    @inline(__always) static func choose(_ a: FloatVector, _ b: FloatVector) -> FloatVector { b.replacing(with: a, where: a .< b) }
}
