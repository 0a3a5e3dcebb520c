/// What a quantized binary operation with a constant operand (or a chain of
/// two, `ConstantOperandChainFusion`) runs: its results by the variable
/// operand's elements. `ConstantOperandTables` looks each element up in its
/// channel's table; `Int8ChannelLines` computes it.
protocol ConstantOperandMap: AnyObject, Sendable {
    /// The operand that varies (0: a, 1: b); it has the output's shape.
    var variableOperand: Int { get }
    /// The results for the variable operand's elements `range` (the output's
    /// elements at the same offsets).
    func apply(_ variable: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ range: Range<Int>)
}

extension ConstantOperandTables: ConstantOperandMap {}

/// An int8 ADD, SUB or MUL by a constant per-channel vector or scalar, or a
/// chain of two (a batch normalisation's MUL then ADD), computed: for each
/// stage, the channel's result is the variable value x times a slope plus
/// an intercept (one fused multiply-add in float32), rounded to the nearest
/// integer and clamped to the stage's activation bounds. Sixteen elements a
/// step in about eight vector instructions a stage, where the tables
/// (`ConstantOperandTables`) take a transpose and back per tile, or a load
/// per element, and above 64 KiB of tables come from the second-level cache
/// or memory at each invoke (DenseNet-121 int8's slow normalisations ran at
/// 1.2–3 G elements/s).
///
/// Each channel has two intercepts, one for x below a root and one from it
/// up. The fixed-point arithmetic rounds twice, each time half away from
/// zero (a rounding doubling high multiply, then a rounding right shift by
/// e): where the first rounding lands on a half-way point of the second,
/// the result goes one further away from zero. That moves the effective
/// rounding boundaries by up to 2^−e toward zero, in opposite directions on
/// the two sides of the value's zero, which no single line reproduces
/// (MUL's e is 6–8 in real models). The root is where the real value
/// before the output offset is zero (`QuantizedBinaryKernel.realLine`).
///
/// Exact by construction: each stage's lines are checked at prepare against
/// the operation's own arithmetic for every byte x and every distinct value
/// of its constant (`fit`, with the same vector code as the runs, so the
/// check covers every rounding and tie the runs can meet). `init` fails,
/// and the caller keeps the tables, where a row is not two such lines.
final class Int8ChannelLines: ConstantOperandMap, @unchecked Sendable {
    let variableOperand: Int
    /// Tests turn the lines off (as `ConstantOperandTables.enabled` does,
    /// which turns both off) to reach the paths they replace.
    nonisolated(unsafe) static var enabled = true

    /// The elements of one period of the coefficients: the constant's
    /// channels from 16 up, else the least multiple of 16 that repeats them
    /// (a scalar's 16, three channels' 48), so a run steps 16 lanes at a time
    /// through whole periods.
    let width: Int
    /// The constant's elements (1: a scalar).
    let period: Int
    /// 1 or 2.
    let stageCount: Int
    /// Whether each stage has rows with two intercepts (else `stage` takes
    /// the intercept from the root up, for every x).
    let splits: (Bool, Bool)
    /// `stageCount` × (slopes, intercepts below the roots, intercepts from
    /// them, roots), `width` floats each.
    private let coefficients: UnsafeMutablePointer<Float>
    /// Each stage's bounds as bits of `magic` plus the bound.
    private let lows: (SIMD16<Int32>, SIMD16<Int32>), highs: (SIMD16<Int32>, SIMD16<Int32>)

    /// 1.5 · 2^23: a float v below 2^22 in magnitude plus this is v rounded
    /// to the nearest integer (ties to even) plus 1.5 · 2^23, whose bits are
    /// `magicBits` plus that integer.
    /// (Computed: a stored static is a lazy global, whose initialisation
    /// check in the loops spilled every register around a call.)
    @inline(__always)
    static var magic: SIMD16<Float> { SIMD16(repeating: 12_582_912) }
    static let magicBits: Int32 = 0x4B40_0000

    /// One operation of the chain.
    struct Stage {
        /// Its results: `rowCount` rows of 256 by the variable byte, one per
        /// distinct value of its constant.
        let rows: UnsafePointer<UInt8>
        let rowCount: Int
        /// The row of each element of its constant (`period` of them: 1 for
        /// a scalar, else the channels).
        let rowOfPhase: [Int]
        /// The real line of each row (slope, intercept, root), nil where there is none.
        let line: (Int) -> RealLine?
        /// The activation bounds (within −128…127).
        let activation: (min: Int32, max: Int32)
    }

    /// The real line x ↦ slope · x + intercept that an operation's
    /// arithmetic rounds, and `root`, where the value before the output
    /// offset is zero.
    struct RealLine {
        let slope: Double, intercept: Double, root: Double
    }

    /// One row's coefficients: slope, intercepts below and from the root, root.
    typealias Line = (slope: Float, below: Float, above: Float, root: Float)

    /// nil unless every row of every stage (one or two) is fitted (`fit`)
    /// and `period` is a scalar's 1 or channels of the constants. (In every
    /// flavour; the kernels make lines only where `IntegerSIMD` is native:
    /// its plain-Swift forms run them lane by lane.)
    init?(period: Int, variableOperand: Int, stages: [Stage]) {
        guard (1...2).contains(stages.count), period >= 1, period <= 1 << 16,
              stages.allSatisfy({ $0.rowOfPhase.count == 1 || $0.rowOfPhase.count == period }) else { return nil }
        var fits: [[Line]] = []
        for stage in stages {
            var rows: [Line] = []
            rows.reserveCapacity(stage.rowCount)
            for r in 0..<stage.rowCount {
                guard let line = stage.line(r), let fit = Self.fit(stage.rows + r &* 256, line, activation: stage.activation) else {
                    return nil
                }
                rows.append(fit)
            }
            fits.append(rows)
        }
        var width = period
        if width < 16 {
            width = 16
            while width % period != 0 { width &+= 16 }
        }
        self.width = width
        self.period = period
        self.variableOperand = variableOperand
        stageCount = stages.count
        splits = (fits[0].contains { $0.below != $0.above }, fits.count > 1 && fits[1].contains { $0.below != $0.above })
        coefficients = .allocate(capacity: 4 &* stages.count &* width)
        for (k, stage) in stages.enumerated() {
            let slopes = coefficients + 4 &* k &* width
            for c in 0..<width {
                let line = fits[k][stage.rowOfPhase[stage.rowOfPhase.count == 1 ? 0 : c % period]]
                slopes[c] = line.slope
                slopes[c &+ width] = line.below
                slopes[c &+ 2 &* width] = line.above
                slopes[c &+ 3 &* width] = line.root
            }
        }
        func bounds(_ k: Int) -> (SIMD16<Int32>, SIMD16<Int32>) {
            let activation = stages[min(k, stages.count &- 1)].activation
            return (SIMD16(repeating: Self.magicBits &+ activation.min), SIMD16(repeating: Self.magicBits &+ activation.max))
        }
        (lows.0, highs.0) = bounds(0)
        (lows.1, highs.1) = bounds(1)
    }

    deinit { coefficients.deallocate() }

    /// Whether these lines run faster than `ConstantOperandTables` over
    /// `elementCount` elements: a rule from measurements on Zen 4 in the
    /// VBMI flavour, where the tables are looked up a tile of 64 pixels at a
    /// time (`ConstantOperandTables.transposes`) and each tile reads every
    /// channel's 256-byte row.
    /// - One stage with one line per channel: the lines (not measured apart:
    ///   two fewer instructions a step than with two intercepts).
    /// - One stage with two intercepts (4.9–9.5 G elements/s): the lines from 256 channels
    ///   (ConvNeXt-Tiny int8's 56×56×384 ADDs, 0.19 → 0.13 ms), the tables
    ///   below (its 56×56×96 layer-scale MULs: 0.036 ms against 0.061).
    /// - Two stages (about 5 G elements/s): the lines below 512 pixels (DenseNet-121 int8's 14×14
    ///   normalisations of 1024 channels, 0.072 → 0.036 ms), the tables
    ///   from there (its 28×28 ones of 128–512 channels: 0.015–0.069
    ///   against 0.021–0.082).
    /// Where tables are looked up element by element (fewer than 16
    /// channels, other flavours), the lines.
    func runsFasterThanTables(elementCount: Int) -> Bool {
        guard stageCount == 1 else { return Self.twoStagesRunFasterThanTables(elementCount: elementCount, period: period) }
        return !ConstantOperandTables.transposes(period: period) || elementCount < 512 &* period || !splits.0 || period >= 256
    }

    /// `runsFasterThanTables` for two stages, known before they are fitted.
    static func twoStagesRunFasterThanTables(elementCount: Int, period: Int) -> Bool {
        !ConstantOperandTables.transposes(period: period) || elementCount < 512 &* period
    }

    /// One stage on sixteen values `x` (integers as floats): slope · x plus
    /// the intercept of x's side of the root, rounded, clamped; the result
    /// as bits of `magic` plus it.
    @inline(__always)
    static func stage(_ x: SIMD16<Float>, _ slope: SIMD16<Float>, below: SIMD16<Float>, above: SIMD16<Float>, root: SIMD16<Float>,
                      _ low: SIMD16<Int32>, _ high: SIMD16<Int32>, split: Bool = true) -> SIMD16<Int32> {
        let intercept = split ? below.replacing(with: above, where: x .>= root) : above
        return IntegerSIMD.clamp(unsafeBitCast(IntegerSIMD.fusedMultiplyAdd(x, slope, intercept) + magic, to: SIMD16<Int32>.self),
                                 low, high)
    }

    /// A stage's coefficients for the row `row` (results by the variable
    /// byte's bit pattern) of the real line `real`, checked for all 256
    /// bytes with `stage`; nil where no such lines give them, or their
    /// values reach 2^20.
    ///
    /// Each byte x with result y bounds its side's line: above y − ½ unless
    /// y is the lower activation bound, below y + ½ unless it is the upper.
    /// At the real slope: one intercept for all x where one meets every
    /// bound (the root then below every byte), else one for each side where
    /// each side's does. Else the slope in the bounds' feasible range that
    /// leaves the wider of the two sides' narrower interval of intercepts,
    /// found by bisection on that width's slope (each width is concave in
    /// the slope: a minimum of lines less a maximum). Each intercept is the
    /// middle of its interval. (One pass over the bytes gives both sides'
    /// intervals; DenseNet-121 int8's plan took 200 ms more when every row
    /// first tried one line with the bisection.)
    static func fit(_ row: UnsafePointer<UInt8>, _ real: RealLine, activation: (min: Int32, max: Int32)) -> Line? {
        guard real.slope.isFinite, real.intercept.isFinite, abs(real.slope) * 128 + abs(real.intercept) < 0x1p20 else { return nil }
        let root = Float(real.root.isFinite ? min(max(real.root, -1000), 1000) : -1000)
        @inline(__always) func result(_ byte: Int) -> Int32 { Int32(Int8(bitPattern: row[byte])) }
        @inline(__always) func x(_ byte: Int) -> Double { Double(Int8(truncatingIfNeeded: byte)) }
        // The intercepts that meet every bound of each side (1: from the
        // root) at slope s, and the x of the bound that sets each.
        typealias Interval = (lower: Double, upper: Double, lowerX: Double, upperX: Double)
        func intercepts(_ s: Double) -> (Interval, Interval) {
            var below: Interval = (-.infinity, .infinity, 0, 0), above = below
            @inline(__always) func bound(_ side: inout Interval, _ y: Int32, _ v: Double, _ product: Double) {
                if y > activation.min, Double(y) - 0.5 - product > side.lower { (side.lower, side.lowerX) = (Double(y) - 0.5 - product, v) }
                if y < activation.max, Double(y) + 0.5 - product < side.upper { (side.upper, side.upperX) = (Double(y) + 0.5 - product, v) }
            }
            for byte in 0..<256 {
                let v = x(byte)
                if Float(v) >= root { bound(&above, result(byte), v, s * v) } else { bound(&below, result(byte), v, s * v) }
            }
            return (below, above)
        }
        // `intercepts` without the bounds' x, sixteen bytes a step (the
        // same values: the same operations in the same order per byte):
        // most rows need only this one pass. With `checked` comparing words,
        // plan and bind on a Zen 3 (`avx2`): ConvNeXt-Tiny int8 35–40 →
        // 18–26 ms, DenseNet-121 int8 23–25 → 14–19. (The 256 lines of each
        // squeeze-and-excitation MUL still cost EfficientNet-B0 int8 about
        // 4 ms: 1.8–2.6 ms before they were made, 4.5–6.3 with them.)
        func interceptBounds(_ s: Double) -> (Interval, Interval) {
            var lowerBelow = SIMD16<Double>(repeating: -.infinity), upperBelow = SIMD16<Double>(repeating: .infinity)
            var lowerAbove = lowerBelow, upperAbove = upperBelow
            let lanes = SIMD16<Double>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
            let minimum = SIMD16<Double>(repeating: Double(activation.min)), maximum = SIMD16<Double>(repeating: Double(activation.max))
            let rootLanes = SIMD16<Double>(repeating: Double(root)), slope = SIMD16<Double>(repeating: s)
            let bytes = UnsafeRawPointer(row)
            for group in 0..<16 {
                // Bytes 16·group…: x as a signed byte, y its result.
                let xs = lanes + SIMD16(repeating: Double(group < 8 ? group &* 16 : group &* 16 &- 256))
                let ys = SIMD16<Int32>(truncatingIfNeeded: bytes.loadUnaligned(fromByteOffset: group &* 16, as: SIMD16<Int8>.self))
                let yd = SIMD16<Double>(ys), product = slope * xs
                let lower = (yd - 0.5 - product).replacing(with: -.infinity, where: .!(yd .> minimum))
                let upper = (yd + 0.5 - product).replacing(with: .infinity, where: .!(yd .< maximum))
                let above = xs .>= rootLanes
                lowerAbove = lowerAbove.replacing(with: lower, where: above .& (lower .> lowerAbove))
                upperAbove = upperAbove.replacing(with: upper, where: above .& (upper .< upperAbove))
                lowerBelow = lowerBelow.replacing(with: lower, where: .!above .& (lower .> lowerBelow))
                upperBelow = upperBelow.replacing(with: upper, where: .!above .& (upper .< upperBelow))
            }
            return ((lowerBelow.max(), upperBelow.min(), 0, 0), (lowerAbove.max(), upperAbove.min(), 0, 0))
        }
        func width(_ b: Interval) -> Double { b.lower.isFinite && b.upper.isFinite ? b.upper - b.lower : .infinity }
        func intercept(_ b: Interval, _ s: Double) -> Double? {
            guard b.lower < b.upper else { return nil }
            let t = b.lower.isFinite && b.upper.isFinite ? (b.lower + b.upper) / 2 : min(max(real.intercept, b.lower + 0.5), b.upper - 0.5)
            return t.isFinite && abs(s) * 128 + abs(t) < 0x1p20 ? t : nil
        }
        var s = Double(Float(real.slope)), sides = interceptBounds(s)
        let both: Interval = (max(sides.0.lower, sides.1.lower), min(sides.0.upper, sides.1.upper), 0, 0)
        if let t = intercept(both, s), let line = checked((Float(s), Float(t), Float(t), -1000)) { return line }
        if !(sides.0.lower < sides.0.upper && sides.1.lower < sides.1.upper) {
            // Between the slopes the extreme unclamped bytes allow, with a unit of slack.
            var first: Int?, last: Int?
            for byte in 0..<256 where result(byte) > activation.min && result(byte) < activation.max {
                if first.map({ x(byte) < x($0) }) ?? true { first = byte }
                if last.map({ x(byte) > x($0) }) ?? true { last = byte }
            }
            guard let first, let last, x(last) > x(first) else { return nil }
            let run = x(last) - x(first), rise = Double(result(last) - result(first))
            var low = (rise - 2) / run, high = (rise + 2) / run
            for _ in 0..<48 {
                let middle = (low + high) / 2, (below, above) = intercepts(middle)
                let narrower = width(below) <= width(above) ? below : above
                if narrower.lowerX > narrower.upperX { low = middle } else if narrower.lowerX < narrower.upperX { high = middle } else { break }
            }
            s = Double(Float((low + high) / 2))
            sides = intercepts(s)
        }
        guard let below = intercept(sides.0, s), let above = intercept(sides.1, s) else { return nil }
        return checked((Float(s), Float(below), Float(above), root))

        // The line if `stage` gives the row's 256 results with it.
        func checked(_ line: Line) -> Line? {
            let slopes = SIMD16<Float>(repeating: line.slope), belows = SIMD16<Float>(repeating: line.below)
            let aboves = SIMD16<Float>(repeating: line.above), roots = SIMD16<Float>(repeating: line.root)
            let low = SIMD16<Int32>(repeating: magicBits &+ activation.min), high = SIMD16<Int32>(repeating: magicBits &+ activation.max)
            let lanes = SIMD16<Int8>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
            for group in 0..<16 {
                let bytes = lanes &+ SIMD16(repeating: Int8(truncatingIfNeeded: group &* 16))
                let results = IntegerSIMD.truncate(stage(IntegerSIMD.floats(bytes), slopes, below: belows, above: aboves, root: roots,
                                                         low, high))
                let expected = UnsafeRawPointer(row).loadUnaligned(fromByteOffset: group &* 16, as: SIMD16<UInt8>.self)
                // (As two 64-bit words: `==` on the byte vectors compared them byte by byte.)
                let (r0, r1) = unsafeBitCast(results, to: (UInt64, UInt64).self), (e0, e1) = unsafeBitCast(expected, to: (UInt64, UInt64).self)
                guard r0 == e0 && r1 == e1 else { return nil }
            }
            return line
        }
    }

    /// The coefficients of sixteen channels from `c` (both stages': the
    /// second's are unused with one stage).
    private struct Coefficients {
        let slope: (SIMD16<Float>, SIMD16<Float>), below: (SIMD16<Float>, SIMD16<Float>)
        let above: (SIMD16<Float>, SIMD16<Float>), root: (SIMD16<Float>, SIMD16<Float>)

        /// From `coefficients` laid out as `Int8ChannelLines.coefficients`, `width` floats a row.
        @inline(__always)
        init(_ coefficients: UnsafeRawPointer, width: Int, channel c: Int, _ kind: Kind) {
            let stride = width &* 4
            @inline(__always) func load(_ k: Int) -> SIMD16<Float> {
                coefficients.loadUnaligned(fromByteOffset: c &* 4 &+ k &* stride, as: SIMD16<Float>.self)
            }
            slope = (load(0), kind.twoStages ? load(4) : SIMD16())
            below = (kind.splits.0 ? load(1) : SIMD16(), kind.splits.1 ? load(5) : SIMD16())
            above = (load(2), kind.twoStages ? load(6) : SIMD16())
            root = (kind.splits.0 ? load(3) : SIMD16(), kind.splits.1 ? load(7) : SIMD16())
        }
    }

    /// Sixteen elements through the stages.
    @inline(__always)
    private func step(_ x: SIMD16<Int8>, _ k: Coefficients, _ kind: Kind) -> SIMD16<UInt8> {
        var bits = Self.stage(IntegerSIMD.floats(x), k.slope.0, below: k.below.0, above: k.above.0, root: k.root.0, lows.0, highs.0,
                              split: kind.splits.0)
        if kind.twoStages {
            bits = Self.stage(unsafeBitCast(bits, to: SIMD16<Float>.self) - Self.magic, k.slope.1, below: k.below.1, above: k.above.1,
                              root: k.root.1, lows.1, highs.1, split: kind.splits.1)
        }
        // (The low byte of `magicBits` is zero: the bits' low byte is the result's.)
        return IntegerSIMD.truncate(bits)
    }

    /// Whole periods (`width` elements, pixels of the constant's channels)
    /// sixteen elements a step, four pixels per load of the coefficients
    /// (loaded per step, DenseNet-121 int8's first normalisation took 0.080
    /// ms, 0.055 with four pixels per load), a period's last step
    /// overlapping its predecessor when `width` is not a multiple of 16 (the
    /// same bytes stored twice: input and output never share memory, as for
    /// `ConstantOperandTables.lookupPixels`); the elements outside whole
    /// periods one by one, each as one lane of a step.
    func apply(_ variable: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ range: Range<Int>) {
        // One inlined loop per kind.
        @inline(__always) func apply(_ variable: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ range: Range<Int>, _ kind: Kind) {
            self.apply(variable, output, range, kind, coefficients: UnsafeRawPointer(coefficients), width: width)
        }
        switch (stageCount == 2, splits.0, splits.1) {
        case (false, false, _): apply(variable, output, range, Kind(twoStages: false, splits: (false, false)))
        case (false, true, _): apply(variable, output, range, Kind(twoStages: false, splits: (true, false)))
        case (true, false, false): apply(variable, output, range, Kind(twoStages: true, splits: (false, false)))
        case (true, true, false): apply(variable, output, range, Kind(twoStages: true, splits: (true, false)))
        case (true, false, true): apply(variable, output, range, Kind(twoStages: true, splits: (false, true)))
        case (true, true, true): apply(variable, output, range, Kind(twoStages: true, splits: (true, true)))
        }
    }

    /// One stage of 256 "channels", one per byte of a value per pixel
    /// (`QuantizedBinaryKernel.valueLines`): output element i of `range`
    /// (pixel p = i / `channels`, channel c = i mod `channels`) from
    /// `variable`'s element i (`otherIsFull`; else its element c, a channel
    /// vector) on the line of pixel p's value (`values`' byte p). Whole
    /// pixels sixteen channels a step (at least sixteen channels; the last
    /// step overlapping its predecessor), elements outside whole pixels by
    /// `exact` (the value, then the variable element). (ConvNeXt-Tiny
    /// int8's 56×56×96 layer-norm MULs on a Zen 3, `avx2`: 0.113–0.125 ms
    /// looked up in the pair table element by element, 0.051 on the lines.)
    func applyByPixel(_ values: UnsafeRawPointer, _ variable: UnsafeRawPointer, otherIsFull: Bool, _ output: UnsafeMutableRawPointer,
                      channels: Int, _ range: Range<Int>, exact: (Int8, Int8) -> Int8) {
        let coefficients = UnsafeRawPointer(self.coefficients), stride = width &* 4, last = channels &- 16
        let low = lows.0, high = highs.0
        ConstantOperandTables.forPixels(in: range, channels: channels, elements: { elements in
            for i in elements {
                let p = i / channels, value = values.load(fromByteOffset: p, as: Int8.self)
                let x = variable.load(fromByteOffset: otherIsFull ? i : i &- p &* channels, as: Int8.self)
                output.storeBytes(of: exact(value, x), toByteOffset: i, as: Int8.self)
            }
        }, pixels: { pixels in
            for p in pixels {
                let row = Int(values.load(fromByteOffset: p, as: UInt8.self)) &* 4
                @inline(__always) func coefficient(_ k: Int) -> SIMD16<Float> {
                    SIMD16(repeating: coefficients.load(fromByteOffset: row &+ k &* stride, as: Float.self))
                }
                let slope = coefficient(0), below = coefficient(1), above = coefficient(2), root = coefficient(3)
                let base = p &* channels, source = otherIsFull ? variable + base : variable
                var c = 0
                while true {
                    let at = base &+ min(c, last)
                    let x = IntegerSIMD.floats(source.loadUnaligned(fromByteOffset: min(c, last), as: SIMD16<Int8>.self))
                    output.storeBytes(of: IntegerSIMD.truncate(Self.stage(x, slope, below: below, above: above, root: root, low, high)),
                                      toByteOffset: at, as: SIMD16<UInt8>.self)
                    if c >= last { break }
                    c &+= 16
                }
            }
        })
    }

    /// Bytes of the coefficients `applyByChannel` gathers for `channels` channels.
    static func gatheredBytes(channels: Int) -> Int { 4 &* channels &* MemoryLayout<Float>.size }

    /// One stage of 256 "channels", one per byte (as `applyByPixel`), by a
    /// value per channel: output element i of `range` (channel c = i mod
    /// `channels`) from `variable`'s element i on the line of channel c's
    /// value (`values`' byte c). The channels' coefficients are gathered
    /// into `scratch` (`gatheredBytes`, laid out as this map's own for
    /// `channels` channels), then run by `apply`'s loop: the channels as a
    /// period (at least sixteen). (Each call gathers every channel: one
    /// call for a node on one thread, one per chunk of tiles on several.) EfficientNet-B0 int8's 112 × 112 × 32
    /// squeeze-and-excitation MUL, looked up in the pair table element by
    /// element: 0.135 ms; on the lines 0.072 (minima of three alternating
    /// profiles, Zen 3, `avx2`).
    func applyByChannel(_ values: UnsafeRawPointer, _ variable: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, channels: Int,
                        _ range: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
        let stride = width
        for c in 0..<channels {
            let row = Int(values.load(fromByteOffset: c, as: UInt8.self))
            scratch[c] = coefficients[row]
            scratch[c &+ channels] = coefficients[row &+ stride]
            scratch[c &+ 2 &* channels] = coefficients[row &+ 2 &* stride]
            scratch[c &+ 3 &* channels] = coefficients[row &+ 3 &* stride]
        }
        let gathered = UnsafeRawPointer(scratch)
        if splits.0 {
            apply(variable, output, range, Kind(twoStages: false, splits: (true, false)), coefficients: gathered, width: channels)
        } else {
            apply(variable, output, range, Kind(twoStages: false, splits: (false, false)), coefficients: gathered, width: channels)
        }
    }

    /// The stages a loop runs: one or two, each with or without two intercepts.
    private struct Kind {
        let twoStages: Bool, splits: (Bool, Bool)
    }

    /// `kind`'s loop on `coefficients` (this map's own, or `applyByChannel`'s
    /// gathered ones), `width` channels a period (at least 16).
    @inline(__always)
    private func apply(_ variable: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ range: Range<Int>, _ kind: Kind,
                       coefficients: UnsafeRawPointer, width: Int) {
        let last = width &- 16
        // `count` pixels from `first`, `count` a constant of the inlined calls below.
        @inline(__always) func pixels(from first: Int, count: Int) {
            var c = 0
            while true {
                let group = min(c, last), k = Coefficients(coefficients, width: width, channel: group, kind)
                for j in 0..<count {
                    let at = (first &+ j) &* width &+ group
                    output.storeBytes(of: step(variable.loadUnaligned(fromByteOffset: at, as: SIMD16<Int8>.self), k, kind),
                                      toByteOffset: at, as: SIMD16<UInt8>.self)
                }
                if group == last { break }
                c &+= 16
            }
        }
        ConstantOperandTables.forPixels(in: range, channels: width, elements: { elements in
            for i in elements {
                // The channel's coefficients in lane c − start of a step at
                // start (c itself, or the period's last step).
                let c = i % width, start = min(c, last)
                let x = SIMD16<Int8>(repeating: variable.load(fromByteOffset: i, as: Int8.self))
                let k = Coefficients(coefficients, width: width, channel: start, kind)
                output.storeBytes(of: step(x, k, kind)[c &- start], toByteOffset: i, as: UInt8.self)
            }
        }, pixels: { range in
            var p = range.lowerBound
            while p &+ 4 <= range.upperBound {
                pixels(from: p, count: 4)
                p &+= 4
            }
            while p < range.upperBound {
                pixels(from: p, count: 1)
                p &+= 1
            }
        })
    }
}
