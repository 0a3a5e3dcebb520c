import Foundation
@testable import TFLiteEngine
import InputFormats

/// How far a float output may be from its reference, element by element
/// (numpy's `allclose`): |actual − expected| ≤ absolute + relative · |expected|.
///
/// Per element, so small values are checked as strictly as large ones (a
/// tolerance relative to the largest output lets most softmax probabilities
/// through unchecked). NaN and infinities never go through the formula: see
/// `Comparison`.
struct Tolerance: Sendable, Equatable, CustomStringConvertible {
    var absolute: Double
    var relative: Double

    static let exact = Tolerance(absolute: 0, relative: 0)

    func allows(_ difference: Double, of expected: Double) -> Bool {
        difference <= absolute + relative * abs(expected)
    }

    var description: String { self == .exact ? "exact" : "absolute \(absolute) + relative \(relative)" }
}

/// Compares an output with its reference. The rules, for every element:
/// - float32/float16: a NaN in the reference must be NaN in the output, and a
///   NaN in the output must be NaN in the reference; an infinite reference
///   value must be matched exactly (same sign), and an infinite output needs
///   an equal reference; otherwise `Tolerance`;
/// - int8/uint8/int16/uint16/int32/uint32/int64/bool: equal, or within
///   `integerTolerance` units;
/// - any other element type is a mismatch: an unknown type never compares
///   as empty (and so equal).
///
/// +0 and −0 compare equal. Requiring the sign of zero fails on harmless
/// differences (LiteRT's RELU(−0) is −0 and its ROUND(−0.4) is +0, the
/// engine's the other way round; `layer_tf_math_float32` in the zoo), so the
/// mutation check's `maximum-comparison` mutant (`>` to `>=`, which changes
/// only the sign of max(0, −0)) survives as equivalent.
enum Comparison {
    /// Element values as Double, or nil for element types this comparator does not know.
    static func values(_ a: NumPyArray) -> [Double]? {
        let n = a.elementCount
        guard let size = a.type.byteSize, a.data.count == n * size else { return nil }
        return a.data.withUnsafeBytes { raw -> [Double]? in
            switch a.type {
            case .float32: return (0..<n).map { Double(raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self)) }
            case .float16: return (0..<n).map { Double(float32FromFloat16Bits(raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }
            case .int8: return (0..<n).map { Double(raw.loadUnaligned(fromByteOffset: $0, as: Int8.self)) }
            case .uint8, .bool: return (0..<n).map { Double(raw.loadUnaligned(fromByteOffset: $0, as: UInt8.self)) }
            case .int16: return (0..<n).map { Double(raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
            case .uint16: return (0..<n).map { Double(raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) }
            case .int32: return (0..<n).map { Double(raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
            case .uint32: return (0..<n).map { Double(raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
            case .int64:
                // Exact as Double up to 2^53; larger values are compared exactly below.
                return (0..<n).map { Double(raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
            default: return nil
            }
        }
    }

    static func isFloat(_ type: TensorType) -> Bool { type == .float32 || type == .float16 }

    static func mismatch(_ actual: NumPyArray, _ expected: NumPyArray, tolerance: Tolerance, integerTolerance: Int = 0) -> String? {
        guard actual.type == expected.type else { return "type \(actual.type) != expected \(expected.type)" }
        guard actual.shape == expected.shape || actual.elementCount == expected.elementCount && expected.shape.isEmpty else {
            return "shape \(actual.shape) != expected \(expected.shape)"
        }
        guard let a = values(actual), let e = values(expected) else {
            return "element type \(expected.type) is not compared by this test's comparator (add it to Comparison.values)"
        }
        guard a.count == e.count else { return "element count \(a.count) != \(e.count)" }
        if actual.type == .int64 {
            // Int64 beyond 2^53 is not exact as Double: compare the raw values.
            let ai = actual.data.withUnsafeBytes { r in (0..<a.count).map { r.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) } }
            let ei = expected.data.withUnsafeBytes { r in (0..<e.count).map { r.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) } }
            return integerMismatch(a, e, difference: { i in
                let (d, overflow) = ai[i].subtractingReportingOverflow(ei[i])
                return overflow ? .infinity : Double(d.magnitude)
            }, integerTolerance: integerTolerance)
        }
        if isFloat(actual.type) { return floatMismatch(a, e, tolerance: tolerance) }
        return integerMismatch(a, e, difference: { abs(a[$0] - e[$0]) }, integerTolerance: integerTolerance)
    }

    /// Why element `i` fails (nil when it passes), and how far outside the tolerance it is.
    static func elementProblem(_ a: Double, _ e: Double, _ tolerance: Tolerance) -> (reason: String, excess: Double)? {
        if e.isNaN { return a.isNaN ? nil : ("expected NaN", .infinity) }
        if a.isNaN { return ("NaN where a number is expected", .infinity) }
        if e.isInfinite || a.isInfinite { return a == e ? nil : ("infinities must match exactly", .infinity) }
        let difference = abs(a - e)
        if tolerance.allows(difference, of: e) { return nil }
        let bound = tolerance.absolute + tolerance.relative * abs(e)
        return ("|diff| \(difference) > \(bound)", bound > 0 ? difference / bound : .infinity)
    }

    static func floatMismatch(_ a: [Double], _ e: [Double], tolerance: Tolerance) -> String? {
        var bad = 0, worst: (index: Int, reason: String, excess: Double)?
        for i in a.indices {
            guard let problem = elementProblem(a[i], e[i], tolerance) else { continue }
            bad += 1
            if worst == nil || problem.excess > worst!.excess { worst = (i, problem.reason, problem.excess) }
        }
        guard let worst else { return nil }
        return "\(bad) of \(a.count) elements outside \(tolerance); worst at element \(worst.index): got \(a[worst.index]), expected \(e[worst.index]) (\(worst.reason))"
    }

    /// `difference(i)`: the exact |a[i] − e[i]| (int64 beyond 2^53 is not exact as Double).
    static func integerMismatch(_ a: [Double], _ e: [Double], difference: (Int) -> Double, integerTolerance: Int) -> String? {
        var bad = 0, worst = -1.0, at = 0
        for i in a.indices {
            let difference = difference(i)
            if difference <= Double(integerTolerance) { continue }
            bad += 1
            if difference > worst { worst = difference; at = i }
        }
        return bad == 0 ? nil : "\(bad) of \(a.count) elements differ; worst by \(worst) at \(at) (got \(a[at]), expected \(e[at]))"
    }

    /// The error of `actual` against `expected`, for choosing a family's
    /// tolerance: the largest |diff|, and for each relative part in
    /// `relativeParts` the smallest absolute part that passes every element
    /// (NaN/infinity mismatches make it infinite).
    static func requiredAbsolute(_ actual: NumPyArray, _ expected: NumPyArray, relativeParts: [Double]) -> [Double] {
        guard let a = values(actual), let e = values(expected), a.count == e.count else { return relativeParts.map { _ in .infinity } }
        return relativeParts.map { r in
            var needed = 0.0
            for i in a.indices {
                if e[i].isNaN || a[i].isNaN || e[i].isInfinite || a[i].isInfinite {
                    if !(a[i].isNaN && e[i].isNaN) && a[i] != e[i] { needed = .infinity }
                    continue
                }
                needed = max(needed, abs(a[i] - e[i]) - r * abs(e[i]))
            }
            return needed
        }
    }
}
