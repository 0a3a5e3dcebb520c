/// A binary int8 element-wise operation as a table of its 65 536 results,
/// one byte for every pair of input values, and the loops that read it.
///
/// The exact int8 ADD, SUB and MUL are a chain of fixed-point rescales
/// with 64-bit products per element (TFLite's reference arithmetic), about
/// 50 vector instructions per eight elements; but their result depends on the
/// two input bytes alone. The table is filled at prepare by the
/// eight-lane arithmetic the kernel would otherwise run per element
/// (`Int8AddStage`'s parts, the MUL's output stage), so it holds exactly
/// those results, and a run reads one byte per element.
///
/// Used for operations of at least `minimumElements` elements, where the
/// table's build (the output stage once per eight entries, 0.1–0.2 ms) is
/// repaid within a few invokes; the table costs `bytes` of memory, once per
/// model and set of quantization numbers (`key`: interpreters of one
/// `Model` share it).
final class Int8PairTable: @unchecked Sendable {
    /// Entry `(x + 128) · 256 + (y + 128)` is the result for inputs x, y.
    let entries: UnsafeMutablePointer<Int8>

    /// The table's size.
    static let bytes = 1 << 16
    /// Smallest element count for which the kernels build a table.
    static let minimumElements = 1 << 14

    /// Whether an operation over `elementCount` elements gets a table.
    static func applies(elementCount: Int) -> Bool { elementCount >= minimumElements }

    /// The table of an operation split into its per-input parts: `row`
    /// maps the first input's value (in all lanes), `column` eight of the
    /// second's (each computed once per value), and `entry` combines them
    /// into the output bytes.
    ///
    /// Inlined into its callers so the closures are too: called through
    /// closures, the 8192 entry steps were 0.07 ms a table (an int8
    /// MobileNetV2 makes five at start-up; Zen 1).
    @inline(__always)
    init(row: (SIMD8<Int32>) -> SIMD8<Int32>, column: (SIMD8<Int32>) -> SIMD8<Int32>,
         entry: (SIMD8<Int32>, SIMD8<Int32>) -> SIMD8<UInt8>) {
        entries = .allocate(capacity: Self.bytes)
        let raw = UnsafeMutableRawPointer(entries)
        let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
        withUnsafeTemporaryAllocation(of: SIMD8<Int32>.self, capacity: 32) { columns in
            for group in 0..<32 { columns[group] = column(lanes &+ Int32(group &* 8 &- 128)) }
            for x in 0..<256 {
                let r = row(SIMD8(repeating: Int32(x &- 128)))
                for group in 0..<32 {
                    raw.storeBytes(of: entry(r, columns[group]), toByteOffset: x &<< 8 &+ group &* 8, as: SIMD8<UInt8>.self)
                }
            }
        }
    }

    deinit { entries.deallocate() }

    /// The key of the table of an operation in `Model.sharedConstants`: its
    /// arithmetic's numbers, so every interpreter of a model (and every node
    /// with the same numbers) shares one table; numbers only, no reflection.
    static func key(_ arithmetic: QuantizedBinaryArithmetic, offset1: Int32, offset2: Int32, outputOffset: Int32,
                    activation: (min: Int32, max: Int32)) -> String {
        var numbers: [Int] = []
        switch arithmetic {
        case let .add(leftShift, m1, s1, m2, s2, mo, so, subtract):
            numbers = [0, leftShift, Int(m1), s1, Int(m2), s2, Int(mo), so, subtract ? 1 : 0]
        case let .mul(mo, so):
            numbers = [1, Int(mo), so]
        case let .squaredDifference(leftShift, m1, s1, m2, s2, mo, so):
            numbers = [2, leftShift, Int(m1), s1, Int(m2), s2, Int(mo), so]
        case let .div(mo, so):
            numbers = [3, Int(mo), so]
        case let .prelu(m1, s1, m2, s2):
            numbers = [4, Int(m1), s1, Int(m2), s2]
        }
        numbers += [Int(offset1), Int(offset2), Int(outputOffset), Int(activation.min), Int(activation.max)]
        var key = "int8-pair-table"
        for n in numbers { key += "/\(n)" }
        return key
    }

    /// The entry of inputs `x`, `y`.
    @inline(__always)
    func callAsFunction(_ x: Int8, _ y: Int8) -> Int8 {
        entries[Int(UInt8(bitPattern: x) ^ 0x80) &<< 8 | Int(UInt8(bitPattern: y) ^ 0x80)]
    }

    /// `output[i] = self(a[i · strideA], b[i · strideB])` for i in 0..<count
    /// (strides 0 or 1: same shapes, a scalar, a per-channel vector's row).
    @inline(__always)
    func apply(_ a: UnsafePointer<Int8>, _ strideA: Int, _ b: UnsafePointer<Int8>, _ strideB: Int,
               _ output: UnsafeMutablePointer<Int8>, count: Int) {
        let table = UnsafePointer(entries)
        if strideA == 1 && strideB == 1 {
            // (One byte at a time: gathering eight results into one word
            // before a single store, as `QuantizedLookup.lookup` does, was
            // 3–11% slower here, Zen 1.)
            for i in 0..<count {
                output[i] = table[Int(UInt8(bitPattern: a[i]) ^ 0x80) &<< 8 | Int(UInt8(bitPattern: b[i]) ^ 0x80)]
            }
        } else if strideB == 0 {
            // One column of the table.
            let row = table + (Int(UInt8(bitPattern: b[0]) ^ 0x80))
            for i in 0..<count { output[i] = row[Int(UInt8(bitPattern: a[i &* strideA]) ^ 0x80) &<< 8] }
        } else if strideA == 0 {
            let row = table + (Int(UInt8(bitPattern: a[0]) ^ 0x80) &<< 8)
            for i in 0..<count { output[i] = row[Int(UInt8(bitPattern: b[i &* strideB]) ^ 0x80)] }
        } else {
            for i in 0..<count {
                output[i] = table[Int(UInt8(bitPattern: a[i &* strideA]) ^ 0x80) &<< 8 | Int(UInt8(bitPattern: b[i &* strideB]) ^ 0x80)]
            }
        }
    }
}
