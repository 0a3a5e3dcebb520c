/// A binary int8 element-wise operation as a table of its 65 536 results,
/// one byte for every pair of input values, and the loops that read it.
///
/// The exact int8 ADD, SUB and MUL are a chain of fixed-point rescales
/// with 64-bit products per element (TFLite's reference arithmetic), about
/// 50 vector instructions per eight elements; but their result depends on the
/// two input bytes alone. The table is filled at prepare by the
/// eight-lane arithmetic the kernel would otherwise run per element
/// (`Int8AddStage`'s parts, the MUL's output stage), so it holds exactly
/// those results, and a run reads one byte per element. (An ADD or SUB
/// with a rounded line, `Int8RoundedLine`, computes the line instead and
/// reads the table only near rounding boundaries.)
///
/// Used for operations of at least `minimumElements` elements, where the
/// table's build (the output stage once per eight entries, 0.1–0.2 ms) is
/// repaid within a few invokes; the table costs `bytes` of memory, once per
/// model and set of quantization numbers (`key`: interpreters of one
/// `Model` share it).
final class Int8PairTable: @unchecked Sendable {
    /// Entry `b(x) · 256 + b(y)` is the result for inputs x, y, where b(v)
    /// is v's byte (`UInt8(bitPattern:)`): two input bytes side by side
    /// are their entry's index, with no arithmetic between.
    let entries: UnsafeMutablePointer<Int8>

    /// The operation as a rounded line (`Int8RoundedLine`), which `apply`
    /// runs instead of the lookups, reading the table only for steps near a
    /// rounding boundary: set once, by the ADD / SUB that makes the table,
    /// before the table is shared (`useRoundedLine`).
    private(set) var roundedLine: Int8RoundedLine?

    /// Sets `roundedLine`; before the table is shared.
    func useRoundedLine(_ line: Int8RoundedLine?) { roundedLine = line }

    /// `apply`'s steps by the rounded line while sixteen elements remain;
    /// returns where they stopped. Out of line, so `apply` stays small
    /// where it is inlined (the spans of a broadcast ran 15% slower with
    /// this loop inside it); same shapes a loop of their own.
    @inline(never)
    private func applyRoundedLine(_ line: Int8RoundedLine, _ a: UnsafeRawPointer, _ strideA: Int, _ b: UnsafeRawPointer, _ strideB: Int,
                                  _ output: UnsafeMutablePointer<Int8>, count: Int) -> Int {
        strideA == 1 && strideB == 1 ? roundedLineSteps(line, a, 1, b, 1, output, count: count)
            : roundedLineSteps(line, a, strideA, b, strideB, output, count: count)
    }

    /// The loop of `applyRoundedLine` (strides 0 or 1).
    @inline(__always)
    private func roundedLineSteps(_ line: Int8RoundedLine, _ a: UnsafeRawPointer, _ strideA: Int, _ b: UnsafeRawPointer,
                                  _ strideB: Int, _ output: UnsafeMutablePointer<Int8>, count: Int) -> Int {
        let table = UnsafePointer(entries)
        let splatA = SIMD16<Int8>(repeating: a.load(as: Int8.self)), splatB = SIMD16<Int8>(repeating: b.load(as: Int8.self))
        var i = 0
        while i &+ 16 <= count {
            let x = strideA == 0 ? splatA : a.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self)
            let y = strideB == 0 ? splatB : b.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self)
            let (results, distances) = line.values(x, y)
            if line.nearLane(distances) {
                Self.lookup16(x, y, table, UnsafeMutableRawPointer(output + i))
            } else {
                UnsafeMutableRawPointer(output + i).storeBytes(of: results, as: SIMD16<UInt8>.self)
            }
            i &+= 16
        }
        return i
    }

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
            // Value v − 128 has byte v ^ 128 (v in 0..<256); a group of eight
            // values from a multiple of eight keeps its order.
            for x in 0..<256 {
                let r = row(SIMD8(repeating: Int32(x &- 128)))
                for group in 0..<32 {
                    raw.storeBytes(of: entry(r, columns[group]), toByteOffset: (x ^ 0x80) &<< 8 &+ (group &* 8) ^ 0x80,
                                   as: SIMD8<UInt8>.self)
                }
            }
        }
    }

    /// The table of the same operation with its operands swapped (entry
    /// b(y) · 256 + b(x) is `other`'s entry for x, y): 16×16 blocks
    /// transposed (`ConstantOperandTables.transpose16`).
    init(transposing other: Int8PairTable) {
        entries = .allocate(capacity: Self.bytes)
        for i in stride(from: 0, to: 256, by: 16) {
            for j in stride(from: 0, to: 256, by: 16) {
                ConstantOperandTables.transpose16(UnsafeRawPointer(other.entries + (i &<< 8 | j)),
                                                  UnsafeMutableRawPointer(entries + (j &<< 8 | i)), stride: 256)
            }
        }
    }

    /// `other`'s rows (by the first operand's byte; with `transposing`, by
    /// the second's) each as segment differences (`SegmentedByteLookup`),
    /// for `PixelRows`' lookups in the flavours without VBMI.
    init(segmentDifferencesOf other: Int8PairTable, transposing: Bool) {
        entries = .allocate(capacity: Self.bytes)
        let source = UnsafeRawPointer(other.entries).assumingMemoryBound(to: UInt8.self)
        let target = UnsafeMutableRawPointer(entries).assumingMemoryBound(to: UInt8.self)
        for row in 0..<256 {
            SegmentedByteLookup.differences({ transposing ? source[$0 &<< 8 | row] : source[row &<< 8 | $0] }, into: target + row &<< 8)
        }
    }

    deinit { entries.deallocate() }

    /// The key of the table of an operation in `Model.sharedConstants`: its
    /// arithmetic's numbers, so every interpreter of a model (and every node
    /// with the same numbers) shares one table; numbers only, no reflection.
    static func key(_ arithmetic: QuantizedBinaryArithmetic, offset1: Int32, offset2: Int32, outputOffset: Int32,
                    activation: (min: Int32, max: Int32)) -> SharedConstantKey {
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
        return SharedConstantKey("int8-pair-table", numbers)
    }

    /// The entry of inputs `x`, `y`.
    @inline(__always)
    func callAsFunction(_ x: Int8, _ y: Int8) -> Int8 {
        entries[Int(UInt8(bitPattern: x)) &<< 8 | Int(UInt8(bitPattern: y))]
    }

    /// `output[i] = self(a[i · strideA], b[i · strideB])` for i in 0..<count
    /// (strides 0 or 1: same shapes, a scalar, a per-channel vector's row).
    ///
    /// Sixteen elements per step: the two inputs' bytes interleaved
    /// (`vpunpcklbw`/`vpunpckhbw`) are their sixteen entry indices, taken out
    /// four per 64-bit word. One byte loaded per element besides its entry,
    /// where the one-by-one loop loaded three (both inputs and the entry)
    /// and Zen 1 issues two memory operations per cycle: a same-shape
    /// lookup 1.2 → 1.9 G elements/s (AMD EPYC Zen 1, 300 K elements).
    /// (Indices stored to the stack and reloaded: 0.97; the eight entries
    /// gathered into one word for a single store: 1.57.)
    @inline(__always)
    func apply(_ a: UnsafePointer<Int8>, _ strideA: Int, _ b: UnsafePointer<Int8>, _ strideB: Int,
               _ output: UnsafeMutablePointer<Int8>, count: Int) {
        let table = UnsafePointer(entries)
        var i = 0
        if count >= 16, (strideA == 1 && (strideB == 0 || strideB == 1)) || (strideA == 0 && strideB == 1) {
            // (A stride of 0 repeats its first value in all lanes.)
            let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
            let splatA = SIMD16<Int8>(repeating: a[0]), splatB = SIMD16<Int8>(repeating: b[0])
            if let line = roundedLine { i = applyRoundedLine(line, rawA, strideA, rawB, strideB, output, count: count) }
            while i &+ 16 <= count {
                let x = strideA == 0 ? splatA : rawA.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self)
                let y = strideB == 0 ? splatB : rawB.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self)
                Self.lookup16(x, y, table, UnsafeMutableRawPointer(output + i))
                i &+= 16
            }
        }
        while i < count {
            output[i] = table[Int(UInt8(bitPattern: a[i &* strideA])) &<< 8 | Int(UInt8(bitPattern: b[i &* strideB]))]
            i &+= 1
        }
    }

    /// `apply` over the output elements `range` of a full operand `full`
    /// against a row of `length` elements that repeats (`row`, the second
    /// operand when `rowIsSecond`), the row's phase advancing with the
    /// element: sixteen per step like `apply`, the row's sixteen values from
    /// a copy of it followed by its first sixteen (wrapped), so a load at any
    /// phase reads the row's next sixteen; the last elements one by one.
    /// `table` is laid out like the pair table's entries, its rows indexed
    /// by the first operand (also `ConstantOperandTables`', whose "row" is
    /// the channels' indices); the sixteen-element step only in the
    /// integer-multiply-add flavours.
    @inline(__always)
    static func applyRepeatedRow(_ table: UnsafePointer<Int8>, full: UnsafePointer<Int8>, row: UnsafePointer<Int8>, length: Int,
                                 rowIsSecond: Bool, _ output: UnsafeMutablePointer<Int8>, _ range: Range<Int>) {
        var i = range.lowerBound, phase = i % length
        if IntegerSIMD.isNative && range.count >= 16 {
            withUnsafeTemporaryAllocation(byteCount: length &+ 16, alignment: 16) { extended in
                let wrapped = extended.baseAddress.unsafelyUnwrapped  // (a byte count of at least 17)
                wrapped.copyMemory(from: row, byteCount: length)
                for k in 0..<16 { wrapped.storeBytes(of: row[k % length], toByteOffset: length &+ k, as: Int8.self) }
                let rawFull = UnsafeRawPointer(full), step = 16 % length
                while i &+ 16 <= range.upperBound {
                    let f = rawFull.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self)
                    let r = UnsafeRawPointer(wrapped).loadUnaligned(fromByteOffset: phase, as: SIMD16<Int8>.self)
                    let (x, y) = rowIsSecond ? (f, r) : (r, f)
                    lookup16(x, y, table, UnsafeMutableRawPointer(output + i))
                    phase &+= step
                    if phase >= length { phase &-= length }
                    i &+= 16
                }
            }
        }
        while i < range.upperBound {
            let (x, y) = rowIsSecond ? (full[i], row[phase]) : (row[phase], full[i])
            output[i] = table[Int(UInt8(bitPattern: x)) &<< 8 | Int(UInt8(bitPattern: y))]
            phase &+= 1
            if phase == length { phase = 0 }
            i &+= 1
        }
    }

    /// The sixteen entries `table[x[k] << 8 | y[k]]` (bit patterns), into
    /// `output[0..<16]`: the bytes interleaved (`vpunpcklbw`/`vpunpckhbw`)
    /// are the sixteen 16-bit indices (also `ConstantOperandTables`').
    @inline(__always)
    static func lookup16(_ x: SIMD16<Int8>, _ y: SIMD16<Int8>, _ table: UnsafePointer<Int8>, _ output: UnsafeMutableRawPointer) {
        output.storeBytes(of: lookup(unsafeBitCast(IntegerSIMD.interleaveLow(y, x), to: SIMD2<UInt64>.self), table), as: SIMD8<Int8>.self)
        output.storeBytes(of: lookup(unsafeBitCast(IntegerSIMD.interleaveHigh(y, x), to: SIMD2<UInt64>.self), table),
                          toByteOffset: 8, as: SIMD8<Int8>.self)
    }

    /// The entries at the eight 16-bit indices of `indices`, each inserted
    /// into its lane (`vpinsrb`, the table load folded in) for one
    /// eight-byte store: one store per entry held the loop to Zen 1's one
    /// store per cycle.
    @inline(__always)
    static func lookup(_ indices: SIMD2<UInt64>, _ table: UnsafePointer<Int8>) -> SIMD8<Int8> {
        var r = SIMD8<Int8>()
        for half in 0..<2 {
            let w = indices[half], o = half &* 4
            r[o] = table[Int(truncatingIfNeeded: w & 0xFFFF)]
            r[o &+ 1] = table[Int(truncatingIfNeeded: (w &>> 16) & 0xFFFF)]
            r[o &+ 2] = table[Int(truncatingIfNeeded: (w &>> 32) & 0xFFFF)]
            r[o &+ 3] = table[Int(truncatingIfNeeded: w &>> 48)]
        }
        return r
    }
}
