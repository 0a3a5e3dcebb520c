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
    /// `period` rows of 256 results, each by the variable byte's bit pattern.
    private let entries: UnsafeMutablePointer<UInt8>
    /// The channels' indices 0..<period: the row that repeats along the
    /// elements, each element's table row (`Int8PairTable.applyRepeatedRow`).
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

    /// `entry(phase, byte)`: the result for the variable operand's bit
    /// pattern `byte` against the constant's element `phase`.
    init(period: Int, variableOperand: Int, _ entry: (Int, Int) -> UInt8) {
        self.period = period
        self.variableOperand = variableOperand
        entries = .allocate(capacity: period &* 256)
        channels = .allocate(capacity: period)
        for phase in 0..<period {
            for byte in 0..<256 { entries[phase &* 256 &+ byte] = entry(phase, byte) }
            channels[phase] = Int8(truncatingIfNeeded: phase)
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
    /// shape), when one operand is a constant with a `period`, the other has
    /// the output's shape, and `applies` holds; else nil.
    static func constantOperand(_ ctx: PrepareContext, shape: BroadcastShape)
        -> (operand: Int, values: UnsafeRawPointer, period: Int)? {
        guard let a = try? ctx.input(0), let b = try? ctx.input(1) else { return nil }
        let count = shape.elementCount
        for (variable, constant, operand) in [(a, b, 0), (b, a, 1)] {
            guard let data = constant.constant, !variable.isConstant, variable.elementCount == count, constant.type.byteSize == 1,
                  let period = period(constant: constant.shape, output: shape.outputShape),
                  applies(elementCount: count, period: period) else { continue }
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
        Int8PairTable.applyRepeatedRow(UnsafePointer(OpaquePointer(entries)), full: variable.assumingMemoryBound(to: Int8.self),
                                       row: channels, length: period, rowIsSecond: false,
                                       output.assumingMemoryBound(to: Int8.self), range)
    }
}
