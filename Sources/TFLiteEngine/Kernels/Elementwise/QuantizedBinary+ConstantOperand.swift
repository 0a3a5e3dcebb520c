/// A quantized binary op (ADD, SUB, MUL, SQUARED_DIFFERENCE, DIV, …) whose
/// one operand is a constant scalar or a short constant per-channel vector
/// is, for each channel of the constant, a function of the other operand's
/// byte: `QuantizedBinaryKernel` evaluates its own arithmetic (`apply`, the
/// reference) once per byte and channel at prepare, and runs look the bytes
/// up, the channel advancing with the element. Exact by construction, for
/// int8 and uint8 in every build flavour.
///
/// Where it pays: the normalisation layers of RegNet, EfficientNetV2 and
/// ConvNeXt (a SUB and a MUL by three per-channel constants over the
/// 224×224×3 input) ran the pair table row by row at 0.5 G elements/s, or
/// eight lanes of 64-bit products; `Rescaling`'s scalar MUL and ADD kept a
/// 64 KiB pair table each.
final class ConstantOperandTables: @unchecked Sendable {
    /// The constant's elements: 1 (a scalar) or the channels.
    let period: Int
    /// The operand that varies (0: a, 1: b); it has the output's shape.
    let variableOperand: Int
    /// The results: up to `maximumPeriod` channels, `period` rows of 256,
    /// each by the variable byte's bit pattern; above, blocks of 256
    /// channels, each 256 rows by the variable byte of 256 entries by the
    /// channel (`lookupRows`).
    private let entries: UnsafeMutablePointer<UInt8>
    /// The channels' indices 0..<period (their low bytes above 256): the row
    /// that repeats along the elements, each element's table row
    /// (`Int8PairTable.applyRepeatedRow`; `lookupRows`).
    private let channels: UnsafeMutablePointer<Int8>

    /// The largest constant (channels) that gets tables: 16 KiB of them, in
    /// the first-level cache beside the data.
    static let maximumPeriod = 64

    /// Tables only where they are no larger than the output: building one
    /// entry costs about what computing one element does.
    static func applies(elementCount: Int, period: Int) -> Bool {
        enabled && period >= 1 && period <= maximumPeriod && period &* 256 <= elementCount
    }

    /// Tests turn the tables off to reach the paths they replace (a runtime
    /// scalar or per-channel operand takes those paths too).
    nonisolated(unsafe) static var enabled = true

    /// The largest constant of a chain of two operations
    /// (`ConstantOperandChainFusion`) that gets tables where the operations
    /// have vector stages: 256 KiB of them, in the second-level cache.
    static let maximumChainPeriod = 1024

    /// Whether a chain of two operations over `elementCount` elements, their
    /// constants' period `period`, gets tables: up to `maximumChainPeriod`,
    /// where both have vector stages (`vectorStages`: the tables' build costs
    /// about what the two pair tables it replaces would), else where they
    /// are also no larger than the output, as for one operation.
    static func appliesToChain(elementCount: Int, period: Int, vectorStages: Bool) -> Bool {
        guard enabled, period >= 1, period <= maximumChainPeriod else { return false }
        return vectorStages || period &* 256 <= elementCount
    }

    /// The tables' bytes for a constant of `period` elements: rows of 256,
    /// or above `maximumPeriod` blocks of 256 × 256.
    static func bytes(period: Int) -> Int {
        period <= maximumPeriod ? period &* 256 : (period &+ 255) / 256 &* 65536
    }

    /// `entry(phase, byte)`: the result for the variable operand's bit
    /// pattern `byte` against the constant's element `phase`.
    convenience init(period: Int, variableOperand: Int, _ entry: (Int, Int) -> UInt8) {
        self.init(period: period, variableOperand: variableOperand) { phase, row in
            for byte in 0..<256 { row[byte] = entry(phase, byte) }
        }
    }

    /// `row(phase, results)` writes the 256 results against the constant's
    /// element `phase` into `results`, by the variable operand's bit
    /// pattern. Above `maximumPeriod`, sixteen channels' rows at a time go
    /// to a scratch block and from there, as sixteen 16×16 transposes
    /// (`transpose16`), into the blocks' layout.
    init(period: Int, variableOperand: Int, row: (Int, UnsafeMutablePointer<UInt8>) -> Void) {
        self.period = period
        self.variableOperand = variableOperand
        channels = .allocate(capacity: period)
        for phase in 0..<period { channels[phase] = Int8(truncatingIfNeeded: phase) }
        guard period > Self.maximumPeriod else {
            entries = .allocate(capacity: Self.bytes(period: period))
            for phase in 0..<period { row(phase, entries + phase &* 256) }
            return
        }
        let entries = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.bytes(period: period))
        self.entries = entries
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16 &* 256) { scratch in
            let rows = scratch.baseAddress.unsafelyUnwrapped
            for group in stride(from: 0, to: period, by: 16) {
                let count = min(16, period &- group)
                for k in 0..<count { row(group &+ k, rows + k &* 256) }
                if count < 16 { (rows + count &* 256).initialize(repeating: 0, count: (16 &- count) &* 256) }
                // (A last group's extra columns lie inside its block and are never read.)
                let block: Int = (group & ~255) &<< 8 | group & 255
                for tile in 0..<16 {
                    Self.transpose16(UnsafeRawPointer(rows + tile &* 16), UnsafeMutableRawPointer(entries + (block | tile &<< 12)), stride: 256)
                }
            }
        }
    }

    /// Writes the transpose of the 16×16 bytes at `source` (rows `stride`
    /// apart) to `destination` (rows `stride` apart): four rounds of pairing
    /// row i with row i + 8 (`interleaveLow`, `interleaveHigh`) transpose it.
    static func transpose16(_ source: UnsafeRawPointer, _ destination: UnsafeMutableRawPointer, stride: Int) {
        withUnsafeTemporaryAllocation(of: SIMD16<Int8>.self, capacity: 32) { buffer in
            let rows = buffer.baseAddress.unsafelyUnwrapped
            for i in 0..<16 { rows[i] = source.loadUnaligned(fromByteOffset: i &* stride, as: SIMD16<Int8>.self) }
            var from = rows, to = rows + 16
            for _ in 0..<4 {
                for i in 0..<8 {
                    to[2 &* i] = IntegerSIMD.interleaveLow(from[i], from[i &+ 8])
                    to[2 &* i &+ 1] = IntegerSIMD.interleaveHigh(from[i], from[i &+ 8])
                }
                swap(&from, &to)
            }
            for i in 0..<16 { destination.storeBytes(of: from[i], toByteOffset: i &* stride, as: SIMD16<Int8>.self) }
        }
    }

    deinit {
        entries.deallocate()
        channels.deallocate()
    }

    /// The period of a constant of shape `constant` against an output of
    /// shape `output`: 1 for one element, C for one element per channel
    /// (shape […, 1, C] against the output's […, C]); nil for other shapes.
    static func period(constant: [Int], output: [Int]) -> Int? {
        let count = constant.reduce(1) { $0 &* $1 }
        if count == 1 { return 1 }
        guard output.last == count, constant.last == count, constant.dropLast().allSatisfy({ $0 == 1 }) else { return nil }
        return count
    }

    /// Which operand of the node varies, and the constant's elements
    /// (`period` bytes: the model validator checked the buffer against the
    /// shape), when one operand is a constant with a `period` and the other
    /// has the output's shape; else nil.
    static func constantOperand(_ ctx: PrepareContext, shape: BroadcastShape)
        -> (operand: Int, values: UnsafeRawPointer, period: Int)? {
        guard let a = try? ctx.input(0), let b = try? ctx.input(1) else { return nil }
        let count = shape.elementCount
        for (variable, constant, operand) in [(a, b, 0), (b, a, 1)] {
            guard let data = constant.constant, !variable.isConstant, variable.elementCount == count, constant.type.byteSize == 1,
                  let period = period(constant: constant.shape, output: shape.outputShape) else { continue }
            return (operand, data, period)
        }
        return nil
    }

    /// The results for the variable operand's elements `range` (the output's
    /// elements at the same offsets): a scalar's one table
    /// (`QuantizedLookup.lookup`), else the channels' indices as a row that
    /// repeats against the variable bytes, each pair one entry
    /// (`Int8PairTable.applyRepeatedRow`, whose tables are laid out the same way).
    func apply(_ variable: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ range: Range<Int>) {
        guard period > 1 else {
            QuantizedLookup.lookup(entries, variable + range.lowerBound, output + range.lowerBound, count: range.count)
            return
        }
        guard period <= Self.maximumPeriod else {
            Self.lookupRows(UnsafePointer(entries), period: period, channels: channels, variable, output, range)
            return
        }
        Int8PairTable.applyRepeatedRow(UnsafePointer(OpaquePointer(entries)), full: variable.assumingMemoryBound(to: Int8.self),
                                       row: channels, length: period, rowIsSecond: false,
                                       output.assumingMemoryBound(to: Int8.self), range)
    }

    /// The result for each element i in `range` of its channel c = i mod
    /// `period` and byte x = `input[i]` (bit patterns), for periods above
    /// `maximumPeriod`: entry x · 256 + c mod 256 of c's block of 256
    /// channels. Sixteen elements per step in the integer-multiply-add
    /// flavours, where their channels lie in one block: the input bytes and
    /// the channels' low bytes are a pair table's indices into the block
    /// (`Int8PairTable.lookup16`); one by one elsewhere (channel counts that
    /// are not multiples of 16, a pixel's last channels). With the byte as
    /// the row, the entries an image's activations reach (concentrated near
    /// the zero point) share cache lines across channels: rows by channel
    /// made DenseNet-121 int8's fused normalisations a third slower.
    static func lookupRows(_ entries: UnsafePointer<UInt8>, period: Int, channels: UnsafePointer<Int8>, _ input: UnsafeRawPointer,
                           _ output: UnsafeMutableRawPointer, _ range: Range<Int>) {
        let x = input.assumingMemoryBound(to: UInt8.self), out = output.assumingMemoryBound(to: UInt8.self)
        let table = UnsafeRawPointer(entries).assumingMemoryBound(to: Int8.self), rawChannels = UnsafeRawPointer(channels)
        var i = range.lowerBound, phase = i % period
        let end = range.upperBound
        while i < end {
            if IntegerSIMD.isNative, i &+ 16 <= end, phase & 255 <= 240, phase &+ 16 <= period {
                Int8PairTable.lookup16(input.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self),
                                       rawChannels.loadUnaligned(fromByteOffset: phase, as: SIMD16<Int8>.self),
                                       table + (phase & ~255) &<< 8, output + i)
                i &+= 16
                phase &+= 16
            } else {
                let blockStart: Int = (phase & ~255) &<< 8, column: Int = Int(x[i]) &<< 8 | phase & 255
                out[i] = entries[blockStart | column]
                i &+= 1
                phase &+= 1
            }
            if phase == period { phase = 0 }
        }
    }
}
