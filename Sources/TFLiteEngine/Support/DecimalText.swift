#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Numbers as text the way C's `printf` writes them (`%.3f`, `%.3e`, `%g`),
/// without Foundation's `String(format:)`, which is not in
/// FoundationEssentials: on Linux it would pull all of Foundation and ICU
/// (about 40 MB) into a statically linked tool.
///
/// The text is exactly `printf`'s (C locale: the decimal point is `.`):
/// `DecimalText.fixed(2.0 / 3, decimals: 3)` is `"0.667"`, the same as
/// `String(format: "%.3f", 2.0 / 3)`.
public enum DecimalText {
    /// `x` with exactly `decimals` digits after the point (`%.<decimals>f`),
    /// rounded to nearest: `fixed(3.14159, decimals: 2)` is `"3.14"`.
    /// With `alwaysSigned`, positive numbers get a `+` (`%+.<decimals>f`).
    /// `decimals` is clamped to 0...40.
    public static func fixed(_ x: Double, decimals: Int, alwaysSigned: Bool = false) -> String {
        printf(alwaysSigned ? "%+.*f" : "%.*f", precision: decimals, x)
    }

    /// `x` in scientific notation with `decimals` digits after the point
    /// (`%.<decimals>e`): `scientific(0.000012345, decimals: 3)` is `"1.234e-05"`
    /// (`1.2345e-05` is stored just below the tie). `decimals` is clamped to 0...40.
    public static func scientific(_ x: Double, decimals: Int) -> String {
        printf("%.*e", precision: decimals, x)
    }

    /// `x` with at most `digits` significant digits and no trailing zeros,
    /// in scientific notation only for very large or small magnitudes
    /// (`%.<digits>g`; `%g` is `digits: 6`): `significant(0.25)` is `"0.25"`,
    /// `significant(1234567)` is `"1.23457e+06"`. `digits` is clamped to 0...40.
    public static func significant(_ x: Double, digits: Int = 6) -> String {
        printf("%.*g", precision: digits, x)
    }

    /// `vsnprintf` with one precision argument and one double.
    private static func printf(_ format: String, precision: Int, _ x: Double) -> String {
        let precision = Int32(min(max(precision, 0), 40))
        // %f of 1e308 has 309 digits before the point; 512 bytes always fit
        // (sign, 309 digits, point, 40 decimals), the second pass is a guard.
        var capacity = 512
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            let written = withVaList([precision, x]) { arguments in
                buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, capacity, format, arguments) }
            }
            guard written >= 0 else { return "\(x)" }
            if Int(written) < capacity {
                return String(decoding: buffer[0..<Int(written)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            capacity = Int(written) + 1
        }
    }
}
