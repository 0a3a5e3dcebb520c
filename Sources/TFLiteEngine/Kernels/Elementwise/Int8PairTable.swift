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
/// whose rounded line matches the table, `RoundedLine`, computes the line
/// instead and reads the table only near rounding boundaries.)
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

    /// The operation as a rounded line checked against every entry
    /// (`RoundedLine`), which `apply` runs instead of the lookups: set once,
    /// by the ADD / SUB that makes the table, before the table is shared
    /// (`verifyRoundedLine`).
    private(set) var roundedLine: RoundedLine?

    /// An int8 ADD or SUB is, but for its fixed-point roundings, the real
    /// line α·x + β·y + γ rounded to an integer and clamped. Sixteen
    /// elements a step here take about 15 vector instructions (two
    /// conversions, two fused multiply-adds, the rounding, the clamp, the
    /// narrowing) where the table's lookups take three or four per element.
    /// (A MUL's bilinear form, checked the same way, mostly failed the
    /// check on ConvNeXt-Tiny int8 and gained nothing where it held.)
    ///
    /// The roundings move the line by far less than an output unit, so the
    /// two differ only for values very near a rounding boundary (a
    /// half-integer). `init` runs the step on all 65 536 pairs of inputs at
    /// prepare, finds how near a boundary the values whose results differ
    /// from their entries come, and takes `edge` just inside that; a step
    /// with a lane at least as near reads the table instead (`lookup16`).
    /// So the results are the table's, exactly, by construction, for each
    /// operation. nil where more than one step in 16 would read the table.
    struct RoundedLine {
        let alpha: SIMD16<Float>, beta: SIMD16<Float>, gamma: SIMD16<Float>
        let low: SIMD16<Int32>, high: SIMD16<Int32>
        /// A value whose distance from an integer (its bits, |v − round(v)|)
        /// is above `edge` is near a boundary: its step reads the table.
        private(set) var edge: SIMD16<Int32>
        /// 1.5 · 2^23 and its bits: below 2^22 in magnitude, a float plus
        /// 1.5 · 2^23 is rounded to an integer, which its bits hold plus
        /// those of 1.5 · 2^23.
        static let magic: Float = 12_582_912
        static let magicBits: Int32 = 0x4B40_0000

        /// The line's coefficients (real numbers; the output offset in
        /// `gamma`), the activation bounds, and the table to check it against.
        init?(alpha: Double, beta: Double, gamma: Double, activation: (min: Int32, max: Int32), verifiedAgainst table: Int8PairTable) {
            let reach = 128 * (abs(alpha) + abs(beta)) + abs(gamma)
            guard reach.isFinite, reach < 0x1p21, activation.min <= activation.max else { return nil }
            self.alpha = SIMD16(repeating: Float(alpha))
            self.beta = SIMD16(repeating: Float(beta))
            self.gamma = SIMD16(repeating: Float(gamma))
            low = SIMD16(repeating: activation.min)
            high = SIMD16(repeating: activation.max)
            edge = SIMD16(repeating: Int32(bitPattern: Float(0.5).bitPattern))  // (nothing is above 1/2)
            // Row x's entries for y = 16g − 128 … 16g − 113 are the 16 bytes
            // from (x ^ 128) · 256 + (16g ^ 128): y's byte is its bit pattern.
            let lanes = SIMD16<Int8>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
            let entries = UnsafeRawPointer(table.entries)
            @inline(__always) func forEachStep(_ body: (_ results: SIMD16<UInt8>, _ distances: SIMD16<Int32>, _ entries: SIMD16<UInt8>) -> Void) {
                for x in 0..<256 {
                    let xs = SIMD16<Int8>(repeating: Int8(truncatingIfNeeded: x &- 128))
                    for group in 0..<16 {
                        let ys = lanes &+ SIMD16(repeating: Int8(truncatingIfNeeded: group &* 16 &- 128))
                        let (results, distances) = values(xs, ys)
                        body(results, distances,
                             entries.loadUnaligned(fromByteOffset: (x ^ 0x80) &<< 8 | (group &* 16) ^ 0x80, as: SIMD16<UInt8>.self))
                    }
                }
            }
            // The nearest a differing result's value comes to a boundary.
            var nearest = Int32(bitPattern: Float(0.5).bitPattern) &+ 1
            forEachStep { results, distances, expected in
                // (As two words: `!=` on SIMD vectors compares lane by lane.)
                let r = unsafeBitCast(results, to: (UInt64, UInt64).self), e = unsafeBitCast(expected, to: (UInt64, UInt64).self)
                guard r != e else { return }
                for lane in 0..<16 where results[lane] != expected[lane] { nearest = min(nearest, distances[lane]) }
            }
            // A difference at most 1/4 from an integer (bits 0x3E80_0000) is not a rounding's.
            guard nearest > 0x3E80_0000 else { return nil }
            // (With none, no value is above the edge: 1/2.)
            guard nearest <= edge[0] else { return }
            edge = SIMD16(repeating: nearest &- 1)
            var near = 0
            forEachStep { _, distances, _ in if nearLane(distances) { near &+= 1 } }
            guard near <= Int8PairTable.bytes / 16 / 16 else { return nil }
        }

        /// The rounded, clamped results for sixteen pairs and each value's
        /// distance from the nearest integer (the bits of |v − round(v)|, at
        /// most 1/2; positive floats order as their bits do).
        @inline(__always)
        func values(_ x: SIMD16<Int8>, _ y: SIMD16<Int8>) -> (SIMD16<UInt8>, distances: SIMD16<Int32>) {
            let value = IntegerSIMD.fusedMultiplyAdd(IntegerSIMD.floats(x), alpha,
                                                     IntegerSIMD.fusedMultiplyAdd(IntegerSIMD.floats(y), beta, gamma))
            let magic = SIMD16<Float>(repeating: Self.magic)
            let rounded = value + magic
            let distances = unsafeBitCast(value - (rounded - magic), to: SIMD16<Int32>.self) & SIMD16(repeating: 0x7FFF_FFFF)
            let n = unsafeBitCast(rounded, to: SIMD16<Int32>.self) &- SIMD16(repeating: Self.magicBits)
            return (IntegerSIMD.truncate(IntegerSIMD.clamp(n, low, high)), distances)
        }

        /// Whether a lane's value is near a boundary (see `edge`).
        @inline(__always)
        func nearLane(_ distances: SIMD16<Int32>) -> Bool { IntegerSIMD.anyNegative(edge &- distances) }
    }

    /// Sets `roundedLine` to α·x + β·y + γ checked against this table (see
    /// `RoundedLine`), or leaves it nil; before the table is shared.
    func verifyRoundedLine(alpha: Double, beta: Double, gamma: Double, activation: (min: Int32, max: Int32)) {
        roundedLine = RoundedLine(alpha: alpha, beta: beta, gamma: gamma, activation: activation, verifiedAgainst: self)
    }

    /// `apply`'s steps by the rounded line while sixteen elements remain;
    /// returns where they stopped. Out of line, so `apply` stays small
    /// where it is inlined (the spans of a broadcast ran 15% slower with
    /// this loop inside it); same shapes a loop of their own.
    @inline(never)
    private func applyRoundedLine(_ line: RoundedLine, _ a: UnsafeRawPointer, _ strideA: Int, _ b: UnsafeRawPointer, _ strideB: Int,
                                  _ output: UnsafeMutablePointer<Int8>, count: Int) -> Int {
        strideA == 1 && strideB == 1 ? roundedLineSteps(line, a, 1, b, 1, output, count: count)
            : roundedLineSteps(line, a, strideA, b, strideB, output, count: count)
    }

    /// The loop of `applyRoundedLine` (strides 0 or 1).
    @inline(__always)
    private func roundedLineSteps(_ line: RoundedLine, _ a: UnsafeRawPointer, _ strideA: Int, _ b: UnsafeRawPointer,
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
