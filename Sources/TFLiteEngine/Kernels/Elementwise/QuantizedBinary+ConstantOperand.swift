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
    /// The results: up to `maximumPeriod` channels (and at every period
    /// that `transposes`), `period` rows of 256, each by the variable byte's
    /// bit pattern; above, blocks of 256 channels, each 256 rows by the
    /// variable byte of 256 entries by the channel (`lookupRows`).
    private let entries: UnsafeMutablePointer<UInt8>
    /// A scalar's table as segment differences where runs shuffle it
    /// (`SegmentedByteLookup.applies`), else nil.
    private var segments: UnsafeMutablePointer<UInt8>?
    /// The channels' indices 0..<period (their low bytes above 256): the row
    /// that repeats along the elements, each element's table row
    /// (`Int8PairTable.applyRepeatedRow`; `lookupRows`).
    private let channels: UnsafeMutablePointer<Int8>

    /// The largest constant (channels) that gets tables: 16 KiB of them, in
    /// the first-level cache beside the data (`maximumChainPeriod` where the
    /// tables are read a tile at a time: `transposes`).
    static let maximumPeriod = 64

    /// Tables only where they are no larger than the output: building one
    /// entry costs about what computing one element does.
    /// (Up to `maximumChainPeriod` channels where the tables are looked up
    /// by `lookupPixels`: they are read a tile at a time, not per element.)
    static func applies(elementCount: Int, period: Int) -> Bool {
        enabled && period >= 1 && period <= (transposes(period: period) ? maximumChainPeriod : maximumPeriod)
            && period &* 256 <= elementCount
    }

    /// Whether tables of `period` channels are rows by channel looked up a
    /// tile of pixels at a time (`lookupPixels`): in the flavour with a
    /// 256-entry byte lookup (`IntegerSIMD.hasByteLookup`), from 16 channels.
    static func transposes(period: Int) -> Bool {
        IntegerSIMD.hasByteLookup && period >= 16
    }

    /// Tests turn the tables (and `Int8ChannelLines`) off to reach the paths
    /// they replace (a runtime scalar or per-channel operand takes those
    /// paths too).
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
    /// or above `maximumPeriod` blocks of 256 × 256 (rows where the period
    /// `transposes`).
    static func bytes(period: Int) -> Int {
        period <= maximumPeriod || transposes(period: period) ? period &* 256 : (period &+ 255) / 256 &* 65536
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
        guard period > Self.maximumPeriod, !Self.transposes(period: period) else {
            entries = .allocate(capacity: Self.bytes(period: period))
            for phase in 0..<period { row(phase, entries + phase &* 256) }
            if period == 1 { segments = SegmentedByteLookup.differencesIfApplied(entries) }
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
    @inline(__always)
    static func transpose16(_ source: UnsafeRawPointer, _ destination: UnsafeMutableRawPointer, stride: Int) {
        transpose16(source, stride: stride, destination, stride: stride)
    }

    /// `transpose16` with the source's and the destination's own row strides.
    @inline(__always)
    static func transpose16(_ source: UnsafeRawPointer, stride sourceStride: Int, _ destination: UnsafeMutableRawPointer,
                            stride destinationStride: Int) {
        // (Sixteen named rows: through a buffer of rows, every round went to
        // memory and back.)
        @inline(__always) func row(_ i: Int) -> SIMD16<Int8> {
            source.loadUnaligned(fromByteOffset: i &* sourceStride, as: SIMD16<Int8>.self)
        }
        var (r0, r1, r2, r3, r4, r5, r6, r7) = (row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
        var (r8, r9, r10, r11, r12, r13, r14, r15) = (row(8), row(9), row(10), row(11), row(12), row(13), row(14), row(15))
        @inline(__always) func low(_ x: SIMD16<Int8>, _ y: SIMD16<Int8>) -> SIMD16<Int8> { IntegerSIMD.interleaveLow(x, y) }
        @inline(__always) func high(_ x: SIMD16<Int8>, _ y: SIMD16<Int8>) -> SIMD16<Int8> { IntegerSIMD.interleaveHigh(x, y) }
        for _ in 0..<4 {
            (r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15) =
                (low(r0, r8), high(r0, r8), low(r1, r9), high(r1, r9), low(r2, r10), high(r2, r10), low(r3, r11), high(r3, r11),
                 low(r4, r12), high(r4, r12), low(r5, r13), high(r5, r13), low(r6, r14), high(r6, r14), low(r7, r15), high(r7, r15))
        }
        @inline(__always) func store(_ i: Int, _ r: SIMD16<Int8>) {
            destination.storeBytes(of: r, toByteOffset: i &* destinationStride, as: SIMD16<Int8>.self)
        }
        store(0, r0); store(1, r1); store(2, r2); store(3, r3); store(4, r4); store(5, r5); store(6, r6); store(7, r7)
        store(8, r8); store(9, r9); store(10, r10); store(11, r11); store(12, r12); store(13, r13); store(14, r14); store(15, r15)
    }

    deinit {
        entries.deallocate()
        segments?.deallocate()
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
    /// (`QuantizedLookup.lookup`, by its segments where it has them), else
    /// the channels' indices as a row that repeats against the variable
    /// bytes, each pair one entry (`Int8PairTable.applyRepeatedRow`, whose
    /// tables are laid out the same way).
    func apply(_ variable: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ range: Range<Int>) {
        guard period > 1 else {
            QuantizedLookup.lookup(entries, segments: segments.map { UnsafeRawPointer($0) }, variable + range.lowerBound,
                                   output + range.lowerBound, count: range.count)
            return
        }
        if Self.transposes(period: period) {
            let rows = UnsafePointer(entries)
            Self.lookupByChannel(period: period, variable, output, range) { rows + $0 &* 256 }
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

    /// `apply` over tiles of `slices` (`lookupPeriod` channels).
    func apply(_ variable: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ slices: ChannelSlices, tiles: Range<Int>) {
        let rows = UnsafePointer(entries)
        Self.lookupByChannel(slices, variable, output, tiles: tiles) { rows + $0 &* 256 }
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

    /// `output[i]` = entry `input[i]` (bit patterns) of `row(c)`, the 256
    /// results of channel c = i mod `period` (a multiple of 16), for i in
    /// `range`: the whole pixels by `lookupPixels`, the elements outside
    /// them one by one (`forPixels`).
    @inline(__always)
    static func lookupByChannel(period: Int, _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ range: Range<Int>,
                                row: (Int) -> UnsafePointer<UInt8>) {
        let x = input.assumingMemoryBound(to: UInt8.self), out = output.assumingMemoryBound(to: UInt8.self)
        forPixels(in: range, channels: period, elements: { elements in
            for i in elements { out[i] = row(i % period)[Int(x[i])] }
        }, pixels: { pixels in
            lookupPixels(period: period, input, output, pixels: pixels, channels: 0..<period, row: row)
        })
    }

    /// `lookupByChannel` over tiles of `slices` (whole pixels by slices of
    /// channels) instead of a range of elements.
    @inline(__always)
    static func lookupByChannel(_ slices: ChannelSlices, _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, tiles: Range<Int>,
                                row: (Int) -> UnsafePointer<UInt8>) {
        var t = tiles.lowerBound
        while t < tiles.upperBound {
            let (pixels, channels, next) = slices.block(at: t, end: tiles.upperBound)
            lookupPixels(period: slices.channels, input, output, pixels: pixels, channels: channels, row: row)
            t = next
        }
    }

    /// The period a run of these tables looks up by channel
    /// (`lookupByChannel`), nil where it does not.
    var lookupPeriod: Int? { period > 1 && Self.transposes(period: period) ? period : nil }

    /// Tiles of a lookup by channel (`lookupByChannel`) over `pixels` pixels
    /// of `channels` channels (at least 16): up to 64 whole pixels
    /// (`lookupPixels`' tile) by a slice of the channels, the slices of a
    /// pixel block next to each other. Split by elements, every worker read
    /// every channel's 256-byte row for its few pixels: EfficientNet-B2
    /// int8's squeeze-and-excitation MULs over 7×7×1152 took 0.018 ms on one
    /// thread and 0.025 on two (Zen 4, eight chunks of about six pixels).
    struct ChannelSlices {
        let pixels: Int
        let channels: Int
        /// Slices per block of pixels: one per 64 channels (in blocks of 16;
        /// the last slice takes the rest).
        let slices: Int

        init(elements: Int, channels: Int) {
            self.channels = channels
            pixels = elements / max(channels, 1)
            slices = max(1, channels / 64)
        }

        var count: Int { (pixels &+ 63) / 64 &* slices }

        /// Slice `s`'s first channel (`slices` gives the end).
        @inline(__always)
        func start(_ s: Int) -> Int { s == slices ? channels : s &* (channels / 16) / slices &* 16 }

        /// The pixels and channels of the tiles from `t` (before `end`) that
        /// one lookup covers, and the tile after them: consecutive whole
        /// blocks of pixels (every slice) as one range of pixels, a block's
        /// part as its slices' channels. (A lookup per block of 64 pixels made
        /// EfficientNet-B2 int8's MULs over 16 and 32 channels 50–95% slower.)
        @inline(__always)
        func block(at t: Int, end: Int) -> (pixels: Range<Int>, channels: Range<Int>, next: Int) {
            let block = t / slices, first = t &- block &* slices
            let whole = first == 0 ? (end &- t) / slices : 0
            if whole > 0 { return (block &* 64..<min((block &+ whole) &* 64, pixels), 0..<channels, t &+ whole &* slices) }
            let last = min(slices, first &+ (end &- t))
            return (block &* 64..<min(block &* 64 &+ 64, pixels), start(first)..<start(last), t &+ (last &- first))
        }
    }

    /// Splits the element range `range` of pixels of `channels` elements:
    /// `pixels` gets the whole pixels inside it (their indices), `elements`
    /// the elements before the first and after the last (a range that
    /// starts or ends inside a pixel), or all of `range` when it holds no
    /// whole pixel.
    @inline(__always)
    static func forPixels(in range: Range<Int>, channels: Int, elements: (Range<Int>) -> Void, pixels: (Range<Int>) -> Void) {
        let first = (range.lowerBound &+ channels &- 1) / channels, end = range.upperBound / channels
        guard first < end else {
            elements(range)
            return
        }
        elements(range.lowerBound..<first &* channels)
        pixels(first..<end)
        elements(end &* channels..<range.upperBound)
    }

    /// The channels `channels` (at least 16) of the pixels `pixels` of
    /// `input` (`period` channels each) through their rows (`row(c)`: 256 by
    /// the byte) into `output`, in tiles of 64 pixels by 16 channels (the
    /// last 16 of `channels` overlapping their predecessors when their count
    /// is not a multiple of 16:
    /// the same bytes stored twice; input and output never share memory,
    /// the arena places a node's input and output apart): each tile transposed
    /// (four 16×16 blocks, `transpose16`) so a channel's 64 bytes are one
    /// vector, looked up in the channel's row held in four registers
    /// (`IntegerSIMD.lookup256`), and transposed back. A tile's last block of
    /// fewer than 16 pixels goes through a 16-row scratch block. The
    /// per-element lookups (`lookupRows`: one load per element, into 256 KiB
    /// of tables at 1024 channels) ran DenseNet-121 int8's normalisations at
    /// 1.3–3.7 G elements/s, this at 3–8 (Zen 4; the tables of its last
    /// blocks, larger than their data, come from memory at each invoke).
    /// (Sixteen 64-byte vectors, each four pixels' 16 channels, transposed in
    /// registers by `vpermi2b`: a third slower.)
    @inline(__always)
    static func lookupPixels(period: Int, _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, pixels: Range<Int>,
                             channels: Range<Int>, row: (Int) -> UnsafePointer<UInt8>) {
        withUnsafeTemporaryAllocation(byteCount: 16 &* 64 &+ 16 &* 16, alignment: 64) { scratch in
            let tile = scratch.baseAddress.unsafelyUnwrapped  // 16 channels by 64 pixels
            let edge = tile + 16 &* 64  // a short block's rows: 16 pixels by 16 channels
            edge.initializeMemory(as: UInt8.self, repeating: 0, count: 16 &* 16)
            var first = pixels.lowerBound
            while first < pixels.upperBound {
                let count = min(64, pixels.upperBound &- first)
                var next = channels.lowerBound
                while next < channels.upperBound {
                    let channel = min(next, channels.upperBound &- 16)
                    next = channel &+ 16
                    var block = 0
                    while block < count {
                        let rows = min(16, count &- block), source = input + ((first &+ block) &* period &+ channel)
                        if rows == 16 {
                            transpose16(source, stride: period, tile + block, stride: 64)
                        } else {
                            for r in 0..<rows { (edge + r &* 16).copyMemory(from: source + r &* period, byteCount: 16) }
                            transpose16(UnsafeRawPointer(edge), stride: 16, tile + block, stride: 64)
                        }
                        block &+= 16
                    }
                    for j in 0..<16 {
                        let row = UnsafeRawPointer(row(channel &+ j))
                        let v = tile.load(fromByteOffset: j &* 64, as: SIMD64<UInt8>.self)
                        let r = IntegerSIMD.lookup256(v, row.loadUnaligned(as: SIMD64<UInt8>.self),
                                                      row.loadUnaligned(fromByteOffset: 64, as: SIMD64<UInt8>.self),
                                                      row.loadUnaligned(fromByteOffset: 128, as: SIMD64<UInt8>.self),
                                                      row.loadUnaligned(fromByteOffset: 192, as: SIMD64<UInt8>.self))
                        tile.storeBytes(of: r, toByteOffset: j &* 64, as: SIMD64<UInt8>.self)
                    }
                    block = 0
                    while block < count {
                        let rows = min(16, count &- block), destination = output + ((first &+ block) &* period &+ channel)
                        if rows == 16 {
                            transpose16(UnsafeRawPointer(tile + block), stride: 64, destination, stride: period)
                        } else {
                            transpose16(UnsafeRawPointer(tile + block), stride: 64, edge, stride: 16)
                            for r in 0..<rows { (destination + r &* period).copyMemory(from: edge + r &* 16, byteCount: 16) }
                        }
                        block &+= 16
                    }
                }
                first &+= 64
            }
        }
    }
}
