/// The integer arithmetic of a quantized binary element-wise op.
enum QuantizedBinaryArithmetic {
    /// ADD (`reference_integer_ops::Add`): both inputs shifted left by
    /// `leftShift`, rescaled to a common scale, summed (or, with `subtract`,
    /// the second taken from the first: `reference_ops::Sub`), rescaled to the
    /// output. A negative `multiplier2` is LiteRT's SUB (ADD's kernel with the
    /// second multiplier negated).
    case add(leftShift: Int, multiplier1: Int32, shift1: Int, multiplier2: Int32, shift2: Int, outputMultiplier: Int32, outputShift: Int,
             subtract: Bool = false)
    /// MUL (`reference_integer_ops::Mul`): product of offset inputs rescaled.
    case mul(outputMultiplier: Int32, outputShift: Int)
    /// SQUARED_DIFFERENCE (TFLite's quantized `SquaredDifference`): both inputs
    /// shifted left by `leftShift` and rescaled like ADD's, the square of
    /// their difference rescaled to the output (`MultiplyByQuantizedMultiplier`).
    case squaredDifference(leftShift: Int, multiplier1: Int32, shift1: Int, multiplier2: Int32, shift2: Int,
                           outputMultiplier: Int32, outputShift: Int)
    /// DIV (`reference_ops::DivElementwise`): the signs moved to the first
    /// input, the reciprocal of the second (`GetReciprocal`, Q31), the
    /// first's leading sign bits used as headroom, rescaled to the output.
    case div(outputMultiplier: Int32, outputShift: Int)
    /// PRELU (`reference_ops::BroadcastPrelu4DSlow`): a non-negative offset
    /// input rescaled by `multiplier1`; a negative one times the offset alpha
    /// (the second input) rescaled by `multiplier2`.
    case prelu(multiplier1: Int32, shift1: Int, multiplier2: Int32, shift2: Int)
}

/// Quantized binary element-wise kernel with broadcasting (int8 / uint8).
/// Tiles are blocks of elements (`BroadcastShape.tileCount(blockSize:)`).
final class QuantizedBinaryKernel: Kernel {
    /// Int8 elements (else UInt8).
    let signed: Bool
    let shape: BroadcastShape
    let arithmetic: QuantizedBinaryArithmetic
    let offset1: Int32, offset2: Int32, outputOffset: Int32
    let activationMin: Int32, activationMax: Int32
    let aIndex: Int, bIndex: Int, outputIndex: Int
    var a: UnsafeRawPointer!
    var b: UnsafeRawPointer!
    var output: UnsafeMutableRawPointer!
    static var blockSize: Int { 4096 }

    /// The output stage of an int8 MUL that runs eight elements per step
    /// (`multiplyInt8`, integer flavours), made at prepare; nil for the other
    /// operations, element types and flavours, and for the one-by-one
    /// reference the tests ask for (`vectorized: false`).
    let vectorMultiply: UniformRequantization?
    /// The same for an int8 ADD / SUB (`int8Spans`): the whole operation on eight lanes.
    let vectorAdd: Int8AddStage?
    /// The same for an int8 SQUARED_DIFFERENCE.
    let vectorSquaredDifference: Int8SquaredDifferenceStage?
    /// `rowRepeats(shape)` in the integer flavours, for the pair table's
    /// flat runs (`pairTableSpans`).
    let tableRowRepeats: Bool?
    /// The same for a short row (C < 8: a normalisation's per-channel mean
    /// or scale over an RGB image), for the eight-lane paths. Such rows, one
    /// tile each, ran one element at a time (ConvNeXt-Tiny int8's SUB over a
    /// 224×224×3 input: 3 ms).
    var shortRowsRepeat: Bool? { shape.rowLength < 8 ? tableRowRepeats : nil }
    /// One of the three stages above as a table of every pair's result, for
    /// operations of `Int8PairTable.minimumElements` or more: taken from (or
    /// made into) the model's shared constants at `bind`, after the plan's
    /// fusions, so a MUL that `SwishFusion` folds into a 256-entry table does
    /// not fill one (EfficientNet-B0 int8: 49 such MULs, 3 MiB and 6 ms of
    /// start-up).
    private(set) var pairTable: Int8PairTable?
    /// Looks the table up in (or adds it to) the model's shared constants,
    /// under `Int8PairTable.key`; nil for operations without one.
    private let sharedPairTable: (() -> Int8PairTable)?
    /// For a full operand against a repeated row of a multiple of 16
    /// channels in the VBMI flavour (`ConstantOperandTables.transposes`): the
    /// pair table with rows by the row operand's byte, so each channel's
    /// results are one 256-byte row (`ConstantOperandTables.lookupByChannel`):
    /// the pair table itself where the row is the first operand, else its
    /// transpose, shared like it. Squeeze-and-excitation's MUL by a channel
    /// vector computed at run time.
    private(set) var rowTable: Int8PairTable?
    /// A broadcast of one value per pixel against the full operand or a
    /// channel vector, looked up pixel by pixel in `rowTable`'s rows.
    let pixelRows: PixelRows?
    /// An int8 MUL of a full operand or a channel vector by a value per
    /// pixel (ConvNeXt's layer norms), where the flavour has no 256-entry
    /// byte lookup: which operand has the pixels' values, and whether the
    /// other is full. Runs then compute each pixel's channels on the
    /// rounded line of its value (`valueLines`) where every value's results
    /// are one.
    let pixelLinesPattern: PixelRows?
    /// An int8 MUL of a full operand by a channel vector computed at run
    /// time (squeeze-and-excitation's channel scale) where the flavour has
    /// no 256-entry byte lookup: which operand is the vector (rows of 16
    /// channels or more). Runs then take each channel's rounded line from
    /// `valueLines` by the vector's byte (`Int8ChannelLines.applyByChannel`).
    let channelLinesOperand: Int?
    /// The operation as a rounded line per value of the pixel operand
    /// (`pixelLinesPattern`) or of the channel vector
    /// (`channelLinesOperand`): `Int8ChannelLines` of 256 "channels", one
    /// per byte, checked against the pair table's rows, made at `bind`
    /// from the model's shared constants; nil where a value's results are
    /// not one such line, and until `bind`.
    private(set) var valueLines: Int8ChannelLines?
    /// The node's scratch area (`channelLinesOperand`'s gathered lines).
    private var scratch: UnsafeMutableRawPointer?
    var scratchBytesPerWorker: Int { channelLinesOperand == nil ? 0 : Int8ChannelLines.gatheredBytes(channels: shape.rowLength) }
    /// An int8 MUL's line over its product (`Int8ProductLine`), which runs
    /// where it matches the exact arithmetic instead of the pair table of
    /// same shapes (which is then not made), or instead of the eight-lane
    /// arithmetic of an operation too small for a table (the
    /// squeeze-and-excitation MULs of MobileNetV3's last blocks); from the
    /// model's shared constants at `bind`, like the table.
    private(set) var productLine: Int8ProductLine?
    /// Looks the line up in (or adds it to) the model's shared constants; nil
    /// for other operations, shapes and flavours.
    private let sharedProductLine: (() -> Int8ProductLine?)?
    /// Makes `rowTable` from the pair table; nil where there is none.
    private let sharedRowTable: ((Int8PairTable) -> Int8PairTable)?
    /// Whether runs read `rowTable`.
    var readsRowTable: Bool { readsPairTable && sharedRowTable != nil }
    /// Whether runs read `pairTable` (before `bind`: whether they would
    /// read it or `productLine`).
    var readsPairTable: Bool { sharedPairTable != nil && productLine == nil && runsOwnArithmetic }
    /// Whether runs compute this operation on its two operands (no table of
    /// a fusion or a constant operand in its place).
    private var runsOwnArithmetic: Bool {
        swishTable == nil && constantOperandTables == nil && channelLines == nil && chain == nil && !isSkipped
    }
    /// One operand a constant scalar or per-channel vector, the other of the
    /// output's size (`ConstantOperandTables.constantOperand`): which operand
    /// varies, the constant's stored values and its period; nil otherwise
    /// (and in the one-by-one reference, `vectorized: false`).
    let constantOperand: (operand: Int, values: UnsafeRawPointer, period: Int)?
    /// With such a constant of at most `ConstantOperandTables.maximumPeriod`
    /// elements: the result for each byte of the other operand, per channel
    /// of the constant; nil otherwise (and until `bind`).
    private(set) var constantOperandTables: ConstantOperandTables?
    /// With such a constant of two or more elements, int8, and ADD, SUB or
    /// MUL: the operation as a rounded line per channel, where every
    /// channel's results are one (`Int8ChannelLines`); the tables are then
    /// not made. Nil until `bind`.
    private(set) var channelLines: Int8ChannelLines?
    /// Whether this node may get `channelLines` or `constantOperandTables`.
    /// They are made at the first `bind` that reads them, after the plan's
    /// fusions (a chain's first node, skipped, never needs its own: fitting
    /// and building them was two thirds of DenseNet-121 int8's prepare
    /// time, 30 → 8.4–10.7 ms), and kept in the model's shared constants,
    /// so a second interpreter does not fit them again.
    private var hasConstantOperandMap: Bool {
        guard let period = constantOperand?.period else { return false }
        return fitsLines(period: period) || ConstantOperandTables.applies(elementCount: shape.elementCount, period: period)
    }
    /// With `ConstantOperandChainFusion`, on the first of two such
    /// operations: the second computes both, so runs do nothing.
    var isSkipped = false
    /// With `ConstantOperandChainFusion`, on the second: the tensor it reads
    /// instead of its variable operand (the first's variable operand), and
    /// how to get the table of both operations per channel (from the
    /// model's shared constants, at `bind`).
    private(set) var chain: (input: Int, tables: () -> (any ConstantOperandMap)?)?
    /// `chain`'s tables (or lines) and input, once bound.
    private var chainTables: (any ConstantOperandMap)?
    private var chainInput: UnsafeRawPointer?
    /// The model's constants shared by its interpreters, and this node's index (the chain tables' key).
    private let sharedConstants: ScopedConstantCache
    private let nodeIndex: Int
    /// With `SwishFusion` (an int8 MUL of same-shape operands `x` and
    /// `logistic(x)`): the result for each bit pattern of `x`, and which
    /// operand `x` is (0 for a, 1 for b).
    private(set) var swishTable: [Int8]?
    private(set) var swishOperand: Int?
    /// `swishTable` for runs (`ByteTable.lookup`).
    private var swishBytes: ByteTable?
    /// Set by a plan whose producer of `x` applies `swishTable` as it
    /// stores (`StoredActivationFusion`): that tensor, whose memory the
    /// output shares; runs then do nothing.
    var computedByProducer: Int?
    var inPlaceInput: Int? { computedByProducer }

    init<T: QuantizedElement>(_ type: T.Type, ctx: PrepareContext, shape: BroadcastShape, arithmetic: QuantizedBinaryArithmetic,
         offset1: Int32, offset2: Int32, outputOffset: Int32, activation: (min: Int32, max: Int32), vectorized: Bool = true) {
        let vectors = vectorized && T.self == Int8.self && IntegerSIMD.isNative
        if vectors, case let .mul(mo, so) = arithmetic {
            vectorMultiply = UniformRequantization(multiplier: mo, shift: so)
        } else {
            vectorMultiply = nil
        }
        switch arithmetic {
        case let .add(leftShift, m1, s1, m2, s2, mo, so, subtract) where vectors:
            vectorAdd = Int8AddStage(leftShift: leftShift, multiplier1: m1, shift1: s1, offset1: offset1, multiplier2: m2, shift2: s2,
                                     offset2: offset2, outputMultiplier: mo, outputShift: so, outputOffset: outputOffset,
                                     activation: activation, subtract: subtract)
        default:
            vectorAdd = nil
        }
        if vectors, case let .squaredDifference(leftShift, m1, s1, m2, s2, mo, so) = arithmetic {
            vectorSquaredDifference = Int8SquaredDifferenceStage(
                leftShift: leftShift, multiplier1: m1, shift1: s1, offset1: offset1, multiplier2: m2, shift2: s2, offset2: offset2,
                outputMultiplier: mo, outputShift: so, outputOffset: outputOffset, activation: activation)
        } else {
            vectorSquaredDifference = nil
        }
        tableRowRepeats = vectors ? Self.rowRepeats(shape) : nil
        pixelRows = vectors ? PixelRows(shape, arithmetic) : nil
        if vectors, !IntegerSIMD.hasByteLookup, case .mul = arithmetic, let pattern = PixelRows(shape, minimumChannels: 16) {
            pixelLinesPattern = pattern
        } else {
            pixelLinesPattern = nil
        }
        let makePairTable: (() -> Int8PairTable)?
        if !Int8PairTable.applies(elementCount: shape.elementCount) {
            makePairTable = nil
        } else if let multiply = vectorMultiply {
            let off1 = SIMD8<Int32>(repeating: offset1), off2 = SIMD8<Int32>(repeating: offset2)
            let bytes = Int8OutputBytes(outputOffset: outputOffset, activation: activation)
            makePairTable = { Int8PairTable(row: { $0 &+ off1 }, column: { $0 &+ off2 }, entry: { bytes(multiply($0 &* $1)) }) }
        } else if let add = vectorAdd {
            makePairTable = { add.pairTable() }
        } else if let squaredDifference = vectorSquaredDifference {
            makePairTable = { squaredDifference.pairTable() }
        } else {
            makePairTable = nil
        }
        if let multiply = vectorMultiply, case let .mul(mo, so) = arithmetic,
           shape.isElementwise || (makePairTable == nil && shape.rowLength >= 8) {
            let constants = ctx.graph.sharedConstants
            let key = Int8PairTable.key(arithmetic, offset1: offset1, offset2: offset2, outputOffset: outputOffset, activation: activation)
                .derived("int8-product-line", [Int8ProductLine.enabled ? 1 : 0])
            let bytes = Int8OutputBytes(outputOffset: outputOffset, activation: activation)
            sharedProductLine = {
                constants.sharedValue(for: key) {
                    Int8ProductLine.enabled ? Int8ProductLine(
                        multiplier: mo, shift: so, offset1: offset1, offset2: offset2, outputOffset: outputOffset, activation: activation,
                        exact: { bytes(multiply($0)) }) : nil
                }
            }
        } else {
            sharedProductLine = nil
        }
        if let makePairTable {
            let constants = ctx.graph.sharedConstants
            let key = Int8PairTable.key(arithmetic, offset1: offset1, offset2: offset2, outputOffset: outputOffset, activation: activation)
            sharedPairTable = { constants.value(for: key, makePairTable) }
            // Rows by B's byte: the transpose.
            let rowsByB: Bool? = if let repeatedB = tableRowRepeats, ConstantOperandTables.transposes(period: shape.rowLength) {
                repeatedB
            } else if let pixelRows { pixelRows.pixelOperand == 1 } else { nil }
            if let rowsByB, pixelRows?.segments == true {
                // Rows by the pixel operand's byte as segment differences.
                sharedRowTable = { table in
                    constants.value(for: key.derived("int8-pair-table-segment-rows", [rowsByB ? 1 : 0])) {
                        Int8PairTable(segmentDifferencesOf: table, transposing: rowsByB)
                    }
                }
            } else if let rowsByB {
                sharedRowTable = rowsByB ? { table in constants.value(for: key.derived("int8-pair-table-transposed")) { Int8PairTable(transposing: table) } }
                    : { $0 }
            } else {
                sharedRowTable = nil
            }
        } else {
            sharedPairTable = nil
            sharedRowTable = nil
        }
        signed = T.self == Int8.self
        self.shape = shape
        self.arithmetic = arithmetic
        self.offset1 = offset1
        self.offset2 = offset2
        self.outputOffset = outputOffset
        (activationMin, activationMax) = activation
        aIndex = ctx.node.inputs[0]
        bIndex = ctx.node.inputs[1]
        outputIndex = ctx.node.outputs[0]
        sharedConstants = ctx.graph.sharedConstants
        nodeIndex = ctx.node.index
        constantOperand = vectorized ? ConstantOperandTables.constantOperand(ctx, shape: shape) : nil
        // (A constant row gets its own lines or tables: `constantOperand`.)
        if vectors, !IntegerSIMD.hasByteLookup, case .mul = arithmetic, let repeatedB = tableRowRepeats, shape.rowLength >= 16,
           constantOperand == nil {
            channelLinesOperand = repeatedB ? 1 : 0
        } else {
            channelLinesOperand = nil
        }
    }

    /// Whether a constant of `period` elements is tried as rounded lines
    /// (int8 with the integer flavours' vector stages).
    private func fitsLines(period: Int) -> Bool {
        hasVectorStage && ConstantOperandTables.enabled && Int8ChannelLines.enabled && period >= 2 && period &* 16 <= shape.elementCount
    }

    /// The constant operand's lines where they fit and run faster, else its
    /// tables where they apply (nil otherwise).
    private func makeConstantOperandMap<T: QuantizedElement>(_: T.Type) -> (any ConstantOperandMap)? {
        guard let (operand, values, period) = constantOperand else { return nil }
        let elementCount = shape.elementCount
        if fitsLines(period: period) {
            let (distinct, rowOf) = Self.distinctBytes(values, count: period)
            let lines = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: distinct.count &* 256) { rows in
                let rows = rows.baseAddress.unsafelyUnwrapped
                fillRows(Int8.self, constants: distinct, into: rows)
                return Int8ChannelLines(period: period, variableOperand: operand,
                                        stages: [lineStage(rows: rows, distinct: distinct, rowOf: rowOf, values: values, period: period)])
            }
            if let lines, !ConstantOperandTables.applies(elementCount: elementCount, period: period)
                || lines.runsFasterThanTables(elementCount: elementCount) {
                return lines
            }
        }
        guard ConstantOperandTables.applies(elementCount: elementCount, period: period) else { return nil }
        let constant = values.assumingMemoryBound(to: T.self)
        return ConstantOperandTables(period: period, variableOperand: operand) { phase, x in
            let c = constant[phase], v = T(truncatingIfNeeded: x)
            return UInt8(truncatingIfNeeded: operand == 0 ? self.apply(T.self, v, c) : self.apply(T.self, c, v))
        }
    }

    /// Whole pixels by slices of channels (`ConstantOperandTables.ChannelSlices`)
    /// where runs look the results up by channel (`lookupByChannel`: a
    /// chain's or a constant operand's tables, or `rowTable`), decided at
    /// `bind`; else nil, and tiles are blocks of `blockSize` elements.
    private var channelSlices: ConstantOperandTables.ChannelSlices?

    var tileCount: Int {
        if isSkipped || computedByProducer != nil { return 1 }
        if let channelSlices { return channelSlices.count }
        return shape.tileCount(blockSize: Self.blockSize)
    }
    var cost: Int { shape.elementCount * 4 }
    var computedByReader: Int? { isSkipped ? cost : nil }

    /// The channels of `lookupByChannel` in the run's path (the order of
    /// `run`'s), nil where the path does not take it.
    private var lookupPeriod: Int? {
        if isSkipped { return nil }
        if let chainTables { return chainInput == nil ? nil : (chainTables as? ConstantOperandTables)?.lookupPeriod }
        if swishTable != nil || channelLines != nil { return nil }
        if let constantOperandTables { return constantOperandTables.lookupPeriod }
        // (`rowTable` only where `transposes`.)
        guard productLine == nil, pairTable != nil, rowTable != nil, pixelRows == nil, tableRowRepeats != nil else { return nil }
        return shape.rowLength
    }

    func bind(_ memory: TensorMemory) {
        a = UnsafeRawPointer(memory.raw(aIndex))
        b = UnsafeRawPointer(memory.raw(bIndex))
        output = memory.raw(outputIndex)
        if hasConstantOperandMap, channelLines == nil, constantOperandTables == nil, chain == nil, !isSkipped {
            // (The switches are in the key: tests turn them off between interpreters of one model.)
            let key = SharedConstantKey("constant-operand-map", [
                nodeIndex, shape.elementCount, ConstantOperandTables.enabled ? 1 : 0, Int8ChannelLines.enabled ? 1 : 0])
            let map = sharedConstants.sharedValue(for: key) {
                signed ? makeConstantOperandMap(Int8.self) : makeConstantOperandMap(UInt8.self)
            }
            channelLines = map as? Int8ChannelLines
            constantOperandTables = map as? ConstantOperandTables
        }
        if productLine == nil, runsOwnArithmetic, let sharedProductLine { productLine = sharedProductLine() }
        if pairTable == nil, readsPairTable, let sharedPairTable { pairTable = sharedPairTable() }
        if valueLines == nil, readsPairTable, let operand = pixelLinesPattern?.pixelOperand ?? channelLinesOperand, let pairTable,
           Int8ChannelLines.enabled {
            let key = SharedConstantKey("int8-value-lines", [nodeIndex, shape.elementCount])
            valueLines = sharedConstants.sharedValue(for: key) { makeValueLines(pairTable, byOperand: operand) }
        }
        scratch = memory.scratch
        if rowTable == nil, let pairTable, let sharedRowTable { rowTable = sharedRowTable(pairTable) }
        if let chain {
            if chainTables == nil { chainTables = chain.tables() }
            chainInput = UnsafeRawPointer(memory.raw(chain.input))
        }
        channelSlices = lookupPeriod.flatMap { period in
            shape.elementCount % period == 0 ? ConstantOperandTables.ChannelSlices(elements: shape.elementCount, channels: period) : nil
        }
    }

    var fusedReads: [Int] { chain.map { [$0.input] } ?? [] }

    /// Whether a bound chain runs as rounded lines (`Int8ChannelLines`), not tables.
    var chainRunsLines: Bool { chainTables is Int8ChannelLines }

    @inline(__always)
    private func apply<E: QuantizedElement>(_: E.Type, _ x: E, _ y: E) -> E {
        let v1 = Int32(truncatingIfNeeded: x) &+ offset1
        let v2 = Int32(truncatingIfNeeded: y) &+ offset2
        var r: Int32
        switch arithmetic {
        case let .add(leftShift, m1, s1, m2, s2, mo, so, subtract):
            let scaled1 = FixedPoint.multiplyByQuantizedMultiplierSmallerThanOne(v1 &* (1 &<< Int32(leftShift)), m1, s1)
            let scaled2 = FixedPoint.multiplyByQuantizedMultiplierSmallerThanOne(v2 &* (1 &<< Int32(leftShift)), m2, s2)
            let raw = subtract ? scaled1 &- scaled2 : scaled1 &+ scaled2
            r = FixedPoint.multiplyByQuantizedMultiplierSmallerThanOne(raw, mo, so) &+ outputOffset
        case let .mul(mo, so):
            r = FixedPoint.multiplyByQuantizedMultiplier(v1 &* v2, mo, so) &+ outputOffset
        case let .squaredDifference(leftShift, m1, s1, m2, s2, mo, so):
            let scaled1 = FixedPoint.multiplyByQuantizedMultiplierSmallerThanOne(v1 &* (1 &<< Int32(leftShift)), m1, s1)
            let scaled2 = FixedPoint.multiplyByQuantizedMultiplierSmallerThanOne(v2 &* (1 &<< Int32(leftShift)), m2, s2)
            let difference = scaled1 &- scaled2
            r = FixedPoint.multiplyByQuantizedMultiplier(difference &* difference, mo, so) &+ outputOffset
        case let .div(mo, so):
            r = Self.divide(v1, v2, mo, so, outputOffset: outputOffset, activationMin: activationMin, activationMax: activationMax)
        case let .prelu(m1, s1, m2, s2):
            r = (v1 >= 0 ? FixedPoint.multiplyByQuantizedMultiplier(v1, m1, s1) : FixedPoint.multiplyByQuantizedMultiplier(v1 &* v2, m2, s2))
                &+ outputOffset
        }
        r = min(max(r, activationMin), activationMax)
        return E(truncatingIfNeeded: r)
    }

    /// The quantized quotient of offset values `v1 / v2` (TFLite's
    /// `DivElementwise`). A zero divisor, which TFLite only rejects in debug
    /// builds, gives the activation bound of the dividend's sign (the output
    /// zero point, clamped, for 0 / 0).
    @inline(__always)
    static func divide(_ v1: Int32, _ v2: Int32, _ multiplier: Int32, _ shift: Int,
                       outputOffset: Int32, activationMin: Int32, activationMax: Int32) -> Int32 {
        guard v2 != 0 else { return v1 > 0 ? activationMax : v1 < 0 ? activationMin : outputOffset }
        var dividend = v1, divisor = v2
        if divisor < 0 {
            dividend = 0 &- dividend
            divisor = 0 &- divisor
        }
        let (reciprocal, reciprocalShift) = FixedPoint.reciprocal(divisor, integerDigits: 31)
        let headroom = FixedPoint.countLeadingSignBits(dividend)
        let unscaled = FixedPoint.multiplyByQuantizedMultiplierGreaterThanOne(dividend, reciprocal, headroom)
        let exponent = reciprocalShift + headroom - shift  // ≥ 0: the shift is at most 23 (prepare)
        let product = FixedPoint.saturatingRoundingDoublingHighMul(unscaled, multiplier)
        if exponent <= 31 { return outputOffset &+ FixedPoint.roundingDivideByPOT(product, exponent) }
        // Small quotients reach `RoundingDivideByPOT` exponents above 31, which
        // TFLite leaves undefined; its x86 builds (TFLite Micro, LiteRT) then
        // shift by the exponent mod 32 with an all-ones remainder mask, so
        // non-negative values gain 1. Reproduced to stay bit-exact.
        return outputOffset &+ (product >> Int32(exponent & 31)) &+ (product >= 0 ? 1 : 0)
    }

    /// Computes `x · logistic(x)` from `x` alone (`SwishFusion`): the other
    /// operand is the output of a LOGISTIC of `x` whose table is `logistic`
    /// (output bit pattern by input bit pattern), so the product is a
    /// function of x's byte, evaluated here for all 256 with `apply`. False
    /// (nothing changes) unless this is an int8 MUL of same-shape operands.
    func fuseLogistic(operand: Int, logistic: [UInt8]) -> Bool {
        guard signed, shape.isElementwise, case .mul = arithmetic, logistic.count == 256, operand == 0 || operand == 1 else { return false }
        var table = [Int8](repeating: 0, count: 256)
        for v in -128...127 {
            let x = Int8(v), s = Int8(bitPattern: logistic[v & 255])
            table[v & 255] = operand == 0 ? apply(Int8.self, x, s) : apply(Int8.self, s, x)
        }
        swishTable = table
        swishOperand = operand
        swishBytes = ByteTable(table.map { UInt8(bitPattern: $0) })
        pairTable = nil
        rowTable = nil
        return true
    }

    /// Undoes `fuseLogistic`.
    func unfuseLogistic() {
        swishTable = nil
        swishOperand = nil
        swishBytes = nil
        computedByProducer = nil
    }

    /// Class methods reached through the `Kernel` protocol are not
    /// specialised; dispatching to a generic function with a concrete type
    /// is, so the loops below run on Int8/UInt8 directly.
    func run(tiles: Range<Int>, worker: Int) {
        if isSkipped || computedByProducer != nil { return }
        if let channelSlices {
            lookUpByChannel(channelSlices, tiles)
            return
        }
        if let chainTables, let chainInput {
            chainTables.apply(chainInput, output.unsafelyUnwrapped, shape.outputRange(tiles, blockSize: Self.blockSize))
            return
        }
        if let swishBytes, let operand = swishOperand {
            let x = (operand == 0 ? a : b).unsafelyUnwrapped, out = output.unsafelyUnwrapped
            let n = shape.elementCount
            for tile in tiles {
                let start = tile &* Self.blockSize, end = min(start &+ Self.blockSize, n)
                swishBytes.lookup(x + start, out + start, count: end &- start)
            }
            return
        }
        if let lines = channelLines {
            let x = lines.variableOperand == 0 ? a.unsafelyUnwrapped : b.unsafelyUnwrapped
            lines.apply(x, output.unsafelyUnwrapped, shape.outputRange(tiles, blockSize: Self.blockSize))
            return
        }
        if let tables = constantOperandTables {
            let x = tables.variableOperand == 0 ? a.unsafelyUnwrapped : b.unsafelyUnwrapped
            tables.apply(x, output.unsafelyUnwrapped, shape.outputRange(tiles, blockSize: Self.blockSize))
            return
        }
        if signed { compute(tiles: tiles, worker: worker, Int8.self) } else { compute(tiles: tiles, worker: worker, UInt8.self) }
    }

    private func compute<E: QuantizedElement>(tiles: Range<Int>, worker: Int, _: E.Type) {
        let a = UnsafePointer<E>(OpaquePointer(self.a!))
        let b = UnsafePointer<E>(OpaquePointer(self.b!))
        let output = UnsafeMutablePointer<E>(OpaquePointer(self.output!))
        if let productLine {
            shape.forEachSpan(tiles, blockSize: Self.blockSize) { oa, sa, ob, sb, oo, n in
                let pa = a + oa, pb = b + ob, out = output + oo
                if sa <= 1 && sb <= 1 {
                    productLine.apply(UnsafeRawPointer(pa), sa, UnsafeRawPointer(pb), sb, UnsafeMutableRawPointer(out), count: n)
                } else {
                    for i in 0..<n { out[i] = apply(E.self, pa[i &* sa], pb[i &* sb]) }
                }
            }
            return
        }
        if let valueLines, let operand = channelLinesOperand, let scratch {
            // (Int8 only: `channelLinesOperand` needs the vector stages.)
            let (values, other) = operand == 0 ? (UnsafeRawPointer(a), UnsafeRawPointer(b)) : (UnsafeRawPointer(b), UnsafeRawPointer(a))
            valueLines.applyByChannel(values, other, UnsafeMutableRawPointer(output), channels: shape.rowLength,
                                      shape.outputRange(tiles, blockSize: Self.blockSize),
                                      scratch: (scratch + worker &* scratchStride).assumingMemoryBound(to: Float.self))
            return
        }
        if let valueLines, let pattern = pixelLinesPattern {
            // (Int8 only: `pixelLinesPattern` needs the vector stages.)
            let operand = pattern.pixelOperand
            let (values, other) = operand == 0 ? (UnsafeRawPointer(a), UnsafeRawPointer(b)) : (UnsafeRawPointer(b), UnsafeRawPointer(a))
            valueLines.applyByPixel(values, other, otherIsFull: pattern.otherIsFull, UnsafeMutableRawPointer(output),
                                    channels: shape.dims[BroadcastShape.maxRank &- 1], shape.outputRange(tiles, blockSize: Self.blockSize)) { value, x in
                operand == 0 ? apply(Int8.self, value, x) : apply(Int8.self, x, value)
            }
            return
        }
        if let pairTable {
            pairTableSpans(tiles, pairTable, UnsafePointer<Int8>(OpaquePointer(a)), UnsafePointer<Int8>(OpaquePointer(b)),
                           UnsafeMutablePointer<Int8>(OpaquePointer(output)))
            return
        }
        if let vectorMultiply {
            let off1 = SIMD8<Int32>(repeating: offset1), off2 = SIMD8<Int32>(repeating: offset2)
            let bytes = Int8OutputBytes(outputOffset: outputOffset, activation: (activationMin, activationMax))
            int8Spans(tiles, UnsafePointer<Int8>(OpaquePointer(a)), UnsafePointer<Int8>(OpaquePointer(b)),
                      UnsafeMutablePointer<Int8>(OpaquePointer(output))) { x, y in
                bytes(vectorMultiply((x &+ off1) &* (y &+ off2)))
            }
            return
        }
        if let vectorAdd {
            let a8 = UnsafePointer<Int8>(OpaquePointer(a)), b8 = UnsafePointer<Int8>(OpaquePointer(b))
            let out8 = UnsafeMutablePointer<Int8>(OpaquePointer(output))
            int8Spans(tiles, a8, b8, out8) { x, y in vectorAdd(x, y) }
            return
        }
        if let vectorSquaredDifference {
            let a8 = UnsafePointer<Int8>(OpaquePointer(a)), b8 = UnsafePointer<Int8>(OpaquePointer(b))
            let out8 = UnsafeMutablePointer<Int8>(OpaquePointer(output))
            int8Spans(tiles, a8, b8, out8) { x, y in vectorSquaredDifference(x, y) }
            return
        }
        if shape.isElementwise {
            let n = shape.elementCount
            for tile in tiles {
                let start = tile &* Self.blockSize, end = min(start &+ Self.blockSize, n)
                for i in start..<end { output[i] = apply(E.self, a[i], b[i]) }
            }
            return
        }
        shape.forEachSpan(tiles, blockSize: Self.blockSize) { oa, sa, ob, sb, oo, n in
            let pa = a + oa, pb = b + ob, out = output + oo
            for i in 0..<n { out[i] = apply(E.self, pa[i &* sa], pb[i &* sb]) }
        }
    }
}

extension QuantizedBinaryKernel {
    /// Int8 MUL, ADD, SUB and SQUARED_DIFFERENCE in the integer-multiply-add flavours: eight
    /// elements per step (`operation`, on the two inputs' values as Int32, to
    /// the output bytes) where a span's operands advance by one element or
    /// stay put (same shapes, a per-channel vector, a scalar: every broadcast
    /// of the swish and squeeze-and-excitation MULs and of the residual and
    /// normalisation ADDs), with `apply`'s arithmetic on vectors
    /// (`UniformRequantization`, `Int8AddStage`: bit-identical to the
    /// `FixedPoint` functions); the rest one by one. (EfficientNet-B0 int8:
    /// 65 MULs took 87 ms one element at a time; ConvNeXt-Tiny int8: 123 ADDs
    /// of a per-channel vector, 154 ms, and its layer norms' SQUARED_DIFFERENCEs
    /// of a per-pixel mean, 36 ms.)
    @inline(__always)
    private func int8Spans(_ tiles: Range<Int>, _ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>,
                           _ output: UnsafeMutablePointer<Int8>,
                           _ operation: (SIMD8<Int32>, SIMD8<Int32>) -> SIMD8<UInt8>) {
        if let repeatedB = shortRowsRepeat {
            int8ShortRows(tiles, a, b, output, repeatedB: repeatedB, operation)
            return
        }
        shape.forEachSpan(tiles, blockSize: Self.blockSize) { oa, sa, ob, sb, oo, n in
            let pa = a + oa, pb = b + ob, out = output + oo
            var i = 0
            if sa <= 1, sb <= 1, n >= 8 {
                let ra = UnsafeRawPointer(pa), rb = UnsafeRawPointer(pb), ro = UnsafeMutableRawPointer(out)
                let fixedA = SIMD8<Int32>(repeating: Int32(pa[0])), fixedB = SIMD8<Int32>(repeating: Int32(pb[0]))
                while i &+ 8 <= n {
                    let x = sa == 1 ? IntegerSIMD.widen(ra.loadUnaligned(fromByteOffset: i, as: SIMD8<Int8>.self)) : fixedA
                    let y = sb == 1 ? IntegerSIMD.widen(rb.loadUnaligned(fromByteOffset: i, as: SIMD8<Int8>.self)) : fixedB
                    ro.storeBytes(of: operation(x, y), toByteOffset: i, as: SIMD8<UInt8>.self)
                    i &+= 8
                }
            }
            while i < n {
                out[i] = apply(Int8.self, pa[i &* sa], pb[i &* sb])
                i &+= 1
            }
        }
    }

    /// The tiles' spans read from `table`; a repeated row
    /// (`tableRowRepeats`) as one flat run, the row's phase advancing
    /// (`Int8PairTable.applyRepeatedRow`): the squeeze-and-excitation MULs
    /// of EfficientNet's first blocks (rows of 16 and 32 channels) paid a
    /// span's set-up per row, rows of 120 or 152 channels a one-by-one tail.
    /// (A repeated row with `rowTable` never gets here: `lookUpByChannel`.)
    private func pairTableSpans(_ tiles: Range<Int>, _ table: Int8PairTable, _ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>,
                                _ output: UnsafeMutablePointer<Int8>) {
        if let rowTable, let pixelRows {
            let rows = UnsafeRawPointer(rowTable.entries).assumingMemoryBound(to: UInt8.self)
            let (values, other) = pixelRows.pixelOperand == 0 ? (UnsafeRawPointer(a), UnsafeRawPointer(b)) : (UnsafeRawPointer(b), UnsafeRawPointer(a))
            let channels = shape.dims[BroadcastShape.maxRank &- 1], full = pixelRows.otherIsFull
            pixelRows.lookup(channels: channels, UnsafeMutableRawPointer(output), shape.outputRange(tiles, blockSize: Self.blockSize),
                             row: { rows + Int(values.load(fromByteOffset: $0, as: UInt8.self)) &<< 8 },
                             indices: { full ? other + $0 &* channels : other })
            return
        }
        guard let repeatedB = tableRowRepeats else {
            shape.forEachSpan(tiles, blockSize: Self.blockSize) { oa, sa, ob, sb, oo, n in
                table.apply(a + oa, sa, b + ob, sb, output + oo, count: n)
            }
            return
        }
        Int8PairTable.applyRepeatedRow(UnsafePointer(table.entries), full: repeatedB ? a : b, row: repeatedB ? b : a,
                                       length: shape.rowLength, rowIsSecond: repeatedB, output,
                                       shape.outputRange(tiles, blockSize: Self.blockSize))
    }

    /// `run` where its path looks up by channel (`channelSlices`).
    private func lookUpByChannel(_ slices: ConstantOperandTables.ChannelSlices, _ tiles: Range<Int>) {
        let out = output.unsafelyUnwrapped
        if let chainInput, let tables = chainTables as? ConstantOperandTables {
            tables.apply(chainInput, out, slices, tiles: tiles)
        } else if let tables = constantOperandTables {
            tables.apply((tables.variableOperand == 0 ? a : b).unsafelyUnwrapped, out, slices, tiles: tiles)
        } else if let rowTable, let repeatedB = tableRowRepeats, let a, let b {
            let row = repeatedB ? b : a, rows = UnsafeRawPointer(rowTable.entries).assumingMemoryBound(to: UInt8.self)
            ConstantOperandTables.lookupByChannel(slices, repeatedB ? a : b, out, tiles: tiles) { channel in
                rows + Int(row.load(fromByteOffset: channel, as: UInt8.self)) &<< 8
            }
        }
    }

    /// Whether the broadcast is a full operand against one row that repeats
    /// (`[…, C]` against `[C]`), and which operand repeats (true: B).
    static func rowRepeats(_ shape: BroadcastShape) -> Bool? {
        let r = BroadcastShape.maxRank, length = shape.rowLength
        guard !shape.isElementwise, length > 0, shape.dims[..<(r - 2)].allSatisfy({ $0 == 1 }) else { return nil }
        let full = shape.stridesA[r - 2] == length && shape.stridesA[r - 1] == 1
        let fullB = shape.stridesB[r - 2] == length && shape.stridesB[r - 1] == 1
        if full && shape.stridesB[r - 2] == 0 && shape.stridesB[r - 1] == 1 { return true }
        if fullB && shape.stridesA[r - 2] == 0 && shape.stridesA[r - 1] == 1 { return false }
        return nil
    }

    /// `int8Spans` for `shortRowsRepeat`: the tiles' rows as one flat run,
    /// eight elements per step, the repeated row's values for each of its
    /// `C` phases laid out once as eight lanes.
    @inline(__always)
    private func int8ShortRows(_ tiles: Range<Int>, _ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>,
                               _ output: UnsafeMutablePointer<Int8>, repeatedB: Bool,
                               _ operation: (SIMD8<Int32>, SIMD8<Int32>) -> SIMD8<UInt8>) {
        let length = shape.rowLength
        let start = tiles.lowerBound &* length, end = tiles.upperBound &* length
        let full = repeatedB ? a : b, row = repeatedB ? b : a
        let fullRaw = UnsafeRawPointer(full), out = UnsafeMutableRawPointer(output)
        withUnsafeTemporaryAllocation(of: SIMD8<Int32>.self, capacity: 8) { phases in
            for p in 0..<length {
                var v = SIMD8<Int32>()
                for lane in 0..<8 { v[lane] = Int32(row[(p &+ lane) % length]) }
                phases[p] = v
            }
            let advance = 8 % length
            var i = start, phase = 0
            while i &+ 8 <= end {
                let x = IntegerSIMD.widen(fullRaw.loadUnaligned(fromByteOffset: i, as: SIMD8<Int8>.self))
                let bytes = repeatedB ? operation(x, phases[phase]) : operation(phases[phase], x)
                out.storeBytes(of: bytes, toByteOffset: i, as: SIMD8<UInt8>.self)
                phase &+= advance
                if phase >= length { phase &-= length }
                i &+= 8
            }
            while i < end {
                output[i] = repeatedB ? apply(Int8.self, a[i], b[phase]) : apply(Int8.self, a[phase], b[i])
                phase &+= 1
                if phase == length { phase = 0 }
                i &+= 1
            }
        }
    }

    /// A kernel for the element type of input 0 (int8 or uint8).
    static func make(ctx: PrepareContext, type: TensorType, shape: BroadcastShape, arithmetic: QuantizedBinaryArithmetic,
                     offset1: Int32, offset2: Int32, outputOffset: Int32, activation: (min: Int32, max: Int32)) throws -> Kernel {
        switch type {
        case .int8:
            return QuantizedBinaryKernel(Int8.self, ctx: ctx, shape: shape, arithmetic: arithmetic, offset1: offset1, offset2: offset2, outputOffset: outputOffset, activation: activation)
        case .uint8:
            return QuantizedBinaryKernel(UInt8.self, ctx: ctx, shape: shape, arithmetic: arithmetic, offset1: offset1, offset2: offset2, outputOffset: outputOffset, activation: activation)
        default:
            throw ctx.error("input type \(type) is not supported")
        }
    }
}

extension QuantizedBinaryKernel {
    /// Whether this flavour runs the operation on eight lanes (int8 MUL, ADD,
    /// SUB, SQUARED_DIFFERENCE in the integer flavours).
    var hasVectorStage: Bool { vectorMultiply != nil || vectorAdd != nil || vectorSquaredDifference != nil }

    /// Makes this operation compute `first`'s too (`ConstantOperandChainFusion`):
    /// its variable operand is `first`'s output, which nothing else reads,
    /// and both have a constant operand; runs then read `first`'s variable
    /// operand, tensor `firstInput`, through one table per channel of both
    /// operations' results, and `first` is skipped. False (nothing changes)
    /// unless the two have one element type and size, their constants'
    /// periods are equal or one is a scalar, and the tables apply
    /// (`ConstantOperandTables.appliesToChain`).
    func fuseChain(after first: QuantizedBinaryKernel, firstInput: Int) -> Bool {
        guard chain == nil, !isSkipped, first.chain == nil, !first.isSkipped, signed == first.signed,
              let second = constantOperand, let before = first.constantOperand, first.shape.elementCount == shape.elementCount,
              before.period == second.period || before.period == 1 || second.period == 1 else { return false }
        let period = max(before.period, second.period)
        guard ConstantOperandTables.appliesToChain(elementCount: shape.elementCount, period: period,
                                                   vectorStages: hasVectorStage && first.hasVectorStage) else { return false }
        let key = SharedConstantKey("constant-operand-chain", [first.nodeIndex, nodeIndex])
        let constants = sharedConstants
        let operands = ((before.values, before.period), (second.values, second.period))
        chain = (firstInput, { [unowned self] in
            constants.sharedValue(for: key) {
                signed ? self.chainTables(Int8.self, first: first, operands, period: period)
                    : self.chainTables(UInt8.self, first: first, operands, period: period)
            }
        })
        first.isSkipped = true
        return true
    }

    /// Undoes `fuseChain` (on either kernel).
    func unfuseChain() {
        chain = nil
        chainTables = nil
        chainInput = nil
        isSkipped = false
    }

    /// The tables of `first` then this operation, or their lines where each
    /// operation's results are rounded lines (`Int8ChannelLines`: int8,
    /// constants of two or more elements). Each operation's results
    /// for every byte of its variable operand are computed once per distinct
    /// value of its constant (at most 256 rows: a chain of 1024 channels
    /// costs no more than two pair tables), and each channel's row is the
    /// second's row for its constant looked up at the first's
    /// (`QuantizedLookup.lookup`: 64 bytes per step with VBMI).
    /// `constants`: `first`'s constant and this one's, each its stored
    /// bytes and elements.
    private func chainTables<E: QuantizedElement>(
        _: E.Type, first: QuantizedBinaryKernel, _ constants: ((UnsafeRawPointer, Int), (UnsafeRawPointer, Int)), period: Int
    ) -> any ConstantOperandMap {
        let ((constant1, period1), (constant2, period2)) = constants
        let (values1, rowOf1) = Self.distinctBytes(constant1, count: period1)
        let (values2, rowOf2) = Self.distinctBytes(constant2, count: period2)
        let rows1 = UnsafeMutablePointer<UInt8>.allocate(capacity: values1.count &* 256)
        let rows2 = UnsafeMutablePointer<UInt8>.allocate(capacity: values2.count &* 256)
        defer {
            rows1.deallocate()
            rows2.deallocate()
        }
        first.fillRows(E.self, constants: values1, into: rows1)
        fillRows(E.self, constants: values2, into: rows2)
        // (Two stages run faster than the tables only where
        // `runsFasterThanTables` says so whatever their intercepts: no lines made elsewhere.)
        if E.self == Int8.self, Int8ChannelLines.enabled, period >= 2, hasVectorStage, first.hasVectorStage,
           Int8ChannelLines.twoStagesRunFasterThanTables(elementCount: shape.elementCount, period: period),
           let lines = Int8ChannelLines(period: period, variableOperand: 0, stages: [
               first.lineStage(rows: rows1, distinct: values1, rowOf: rowOf1, values: constant1, period: period1),
               lineStage(rows: rows2, distinct: values2, rowOf: rowOf2, values: constant2, period: period2),
           ]) {
            return lines
        }
        return ConstantOperandTables(period: period, variableOperand: 0) { phase, row in
            let row1 = rows1 + rowOf1[Int(constant1.load(fromByteOffset: phase % period1, as: UInt8.self))] &* 256
            let row2 = rows2 + rowOf2[Int(constant2.load(fromByteOffset: phase % period2, as: UInt8.self))] &* 256
            QuantizedLookup.lookup(row2, row1, row, count: 256)
        }
    }

    /// This operation as a stage of `Int8ChannelLines`: its results `rows`
    /// against the `distinct` values of its constant (`fillRows`), the row
    /// of each of the constant's `period` elements `values` (`rowOf`: by
    /// byte), each row's real line (`realLine`).
    private func lineStage(rows: UnsafePointer<UInt8>, distinct: [UInt8], rowOf: [Int], values: UnsafeRawPointer,
                           period: Int) -> Int8ChannelLines.Stage {
        Int8ChannelLines.Stage(rows: rows, rowCount: distinct.count,
                               rowOfPhase: (0..<period).map { rowOf[Int(values.load(fromByteOffset: $0, as: UInt8.self))] },
                               line: { [self] in realLine(constant: Int32(Int8(bitPattern: distinct[$0]))) },
                               activation: (activationMin, activationMax))
    }

    /// The real line v ↦ slope · v + intercept that this operation's
    /// fixed-point arithmetic rounds (before the activation's clamp), v the
    /// variable operand's stored value, against the constant's stored value
    /// `c`, and its root, where the value before the output offset is zero:
    /// each rescale multiplies by M · 2^shift / 2^31 (`Int8AddStage`'s
    /// factors); nil for operations other than ADD, SUB and MUL.
    func realLine(constant c: Int32) -> Int8ChannelLines.RealLine? {
        guard let variable = constantOperand?.operand else { return nil }
        return realLine(constant: c, variable: variable)
    }

    /// `realLine(constant:)` with operand `variable` varying and the other's value `c`.
    func realLine(constant c: Int32, variable: Int) -> Int8ChannelLines.RealLine? {
        func factor(_ m: Int32, _ shift: Int) -> Double { Double(m) * Double(sign: .plus, exponent: shift - 31, significand: 1) }
        let slope: Double, intercept: Double
        switch arithmetic {
        case let .add(leftShift, m1, s1, m2, s2, mo, so, subtract):
            // f1 · (a + offset1) + f2 · (b + offset2)
            let scale = factor(mo, so) * Double(sign: .plus, exponent: leftShift, significand: 1)
            let f1 = scale * factor(m1, s1), f2 = (subtract ? -scale : scale) * factor(m2, s2)
            (slope, intercept) = variable == 0 ? (f1, f1 * Double(offset1) + f2 * Double(c + offset2))
                : (f2, f2 * Double(offset2) + f1 * Double(c + offset1))
        case let .mul(mo, so):
            // f · (a + offset1) · (b + offset2)
            let (own, other) = variable == 0 ? (offset1, offset2) : (offset2, offset1)
            slope = factor(mo, so) * Double(c + other)
            intercept = slope * Double(own)
        default:
            return nil
        }
        return Int8ChannelLines.RealLine(slope: slope, intercept: Double(outputOffset) + intercept,
                                         root: slope != 0 ? -intercept / slope : -.infinity)
    }

    /// `valueLines` from the pair table: row r of the table by `operand`'s
    /// byte r, fitted for every byte of the other operand.
    private func makeValueLines(_ table: Int8PairTable, byOperand operand: Int) -> Int8ChannelLines? {
        let other = 1 &- operand
        let byValue = operand == 0 ? table : Int8PairTable(transposing: table)
        let rows = UnsafeRawPointer(byValue.entries).assumingMemoryBound(to: UInt8.self)
        let stage = Int8ChannelLines.Stage(
            rows: rows, rowCount: 256, rowOfPhase: Array(0..<256),
            line: { [unowned self] r in realLine(constant: Int32(Int8(truncatingIfNeeded: r)), variable: other) },
            activation: (activationMin, activationMax))
        return withExtendedLifetime(byValue) { Int8ChannelLines(period: 256, variableOperand: other, stages: [stage]) }
    }

    /// The distinct bytes among `count` at `bytes`, in order of first
    /// appearance, and for each byte value its position among them.
    private static func distinctBytes(_ bytes: UnsafeRawPointer, count: Int) -> (values: [UInt8], position: [Int]) {
        var values: [UInt8] = [], position = [Int](repeating: -1, count: 256)
        for k in 0..<count {
            let b = Int(bytes.load(fromByteOffset: k, as: UInt8.self))
            if position[b] < 0 {
                position[b] = values.count
                values.append(UInt8(b))
            }
        }
        return (values, position)
    }

    /// For each of `constants` (bit patterns of the constant operand's
    /// element type), this operation's results against it for the 256 bit
    /// patterns of the variable operand, one row of 256 each, into `rows`:
    /// this flavour's eight-lane stage where it has one (int8 MUL, ADD, SUB,
    /// SQUARED_DIFFERENCE in the integer flavours), else `apply` lane by lane.
    private func fillRows<E: QuantizedElement>(_: E.Type, constants: [UInt8], into rows: UnsafeMutablePointer<UInt8>) {
        if E.self == Int8.self, let vectorMultiply {
            let bytes = Int8OutputBytes(outputOffset: outputOffset, activation: (activationMin, activationMax))
            let off1 = SIMD8<Int32>(repeating: offset1), off2 = SIMD8<Int32>(repeating: offset2)
            eightLaneRows(E.self, constants: constants, into: rows) { x, y in bytes(vectorMultiply((x &+ off1) &* (y &+ off2))) }
        } else if E.self == Int8.self, let vectorAdd {
            eightLaneRows(E.self, constants: constants, into: rows) { vectorAdd($0, $1) }
        } else if E.self == Int8.self, let vectorSquaredDifference {
            eightLaneRows(E.self, constants: constants, into: rows) { vectorSquaredDifference($0, $1) }
        } else {
            eightLaneRows(E.self, constants: constants, into: rows) { x, y in
                var r = SIMD8<UInt8>()
                for lane in 0..<8 {
                    r[lane] = UInt8(truncatingIfNeeded: apply(E.self, E(truncatingIfNeeded: x[lane]), E(truncatingIfNeeded: y[lane])))
                }
                return r
            }
        }
    }

    /// `fillRows` with `operation` (the first operand's eight stored values,
    /// the second's; to the results' bit patterns), inlined into each case.
    @inline(__always)
    private func eightLaneRows<E: QuantizedElement>(_: E.Type, constants: [UInt8], into rows: UnsafeMutablePointer<UInt8>,
                                                    _ operation: (SIMD8<Int32>, SIMD8<Int32>) -> SIMD8<UInt8>) {
        let variableFirst = constantOperand?.operand == 0
        let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
        for (k, value) in constants.enumerated() {
            let c = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: E(truncatingIfNeeded: value)))
            let row = UnsafeMutableRawPointer(rows + k &* 256)
            for group in 0..<32 {
                let bytes = lanes &+ Int32(group &* 8)
                let v = E.self == Int8.self ? (bytes ^ 128) &- 128 : bytes
                row.storeBytes(of: variableFirst ? operation(v, c) : operation(c, v), toByteOffset: group &* 8, as: SIMD8<UInt8>.self)
            }
        }
    }
}

/// An int8 broadcast of one value per pixel (`[…, 1]` against `[…, C]`:
/// ConvNeXt's layer normalisation, a difference from the pixel's mean, a
/// product with its scale) against the full operand or a channel vector (an
/// outer product with the normalisation's weights), in the VBMI flavour for
/// C ≥ 64: each pixel's results are the pair table's row of its value (by
/// the other operand's byte), held in four registers for the pixel's C
/// bytes, 64 per `IntegerSIMD.lookup256`. (The pair table read per element
/// ran them at 2.5–3 G elements/s.)
///
/// In the other integer flavours, for SQUARED_DIFFERENCE (the operation
/// here with no line form: MUL runs on `valueLines`, ADD and SUB on their
/// rounded line) and C ≥ 32: the row as segment differences, 32 bytes per
/// `SegmentedByteLookup.lookup` (`segments`).
struct PixelRows {
    /// The operand with one value per pixel (0: A).
    let pixelOperand: Int
    /// Whether the other operand has the output's shape (else it is a channel vector).
    let otherIsFull: Bool
    /// Whether the rows are segment differences (`SegmentedByteLookup`), else plain rows.
    private(set) var segments = false

    /// The pattern of `shape` for `arithmetic`'s table, nil for other
    /// broadcasts, operations and flavours, and fewer than 64 channels
    /// (32 on segments).
    init?(_ shape: BroadcastShape, _ arithmetic: QuantizedBinaryArithmetic) {
        if IntegerSIMD.hasByteLookup {
            guard let pattern = Self(shape, minimumChannels: 64) else { return nil }
            self = pattern
        } else {
            guard SegmentedByteLookup.applies, case .squaredDifference = arithmetic,
                  let pattern = Self(shape, minimumChannels: 32) else { return nil }
            self = pattern
            segments = true
        }
    }

    /// The pattern of `shape` in every flavour, nil for other broadcasts and
    /// fewer than `minimumChannels` channels.
    init?(_ shape: BroadcastShape, minimumChannels: Int) {
        let r = BroadcastShape.maxRank
        guard shape.rowStrides != nil, shape.dims[r - 1] >= minimumChannels, shape.dims[r - 2] > 1 else { return nil }
        let channels = shape.dims[r - 1]
        func kind(_ strides: [Int]) -> Int? {  // 0 full, 1 per pixel, 2 per channel
            switch (strides[r - 2], strides[r - 1]) {
            case (channels, 1): 0
            case (1, 0): 1
            case (0, 1): 2
            default: nil
            }
        }
        guard let a = kind(shape.stridesA), let b = kind(shape.stridesB) else { return nil }
        switch (a, b) {
        case (1, 0), (1, 2): (pixelOperand, otherIsFull) = (0, b == 0)
        case (0, 1), (2, 1): (pixelOperand, otherIsFull) = (1, a == 0)
        default: return nil
        }
    }

    /// `output[i]` = entry `indices(p)[c]` of `row(p)` for the elements i in
    /// `range`, pixel p = i / `channels`, channel c = i mod `channels`
    /// (at least 64, or 32 on segments): whole pixels 64 bytes per step (32
    /// on segments; a last step overlapping its predecessor), the elements
    /// outside them one by one (`ConstantOperandTables.forPixels`).
    @inline(__always)
    func lookup(channels: Int, _ output: UnsafeMutableRawPointer, _ range: Range<Int>, row: (Int) -> UnsafePointer<UInt8>,
                indices: (Int) -> UnsafeRawPointer) {
        let out = output.assumingMemoryBound(to: UInt8.self)
        if segments {
            ConstantOperandTables.forPixels(in: range, channels: channels, elements: { elements in
                for i in elements {
                    let p = i / channels
                    out[i] = Self.segmentEntry(row(p), Int(indices(p).load(fromByteOffset: i &- p &* channels, as: UInt8.self)))
                }
            }, pixels: { pixels in
                for p in pixels {
                    let t = UnsafeRawPointer(row(p)), x = indices(p), o = output + p &* channels
                    @inline(__always) func step(_ c: Int) {
                        o.storeBytes(of: SegmentedByteLookup.lookup(x.loadUnaligned(fromByteOffset: c, as: SIMD32<UInt8>.self), t),
                                     toByteOffset: c, as: SIMD32<UInt8>.self)
                    }
                    var c = 0
                    while c &+ 32 <= channels {
                        step(c)
                        c &+= 32
                    }
                    if c < channels { step(channels &- 32) }
                }
            })
            return
        }
        ConstantOperandTables.forPixels(in: range, channels: channels, elements: { elements in
            for i in elements {
                let p = i / channels
                out[i] = row(p)[Int(indices(p).load(fromByteOffset: i &- p &* channels, as: UInt8.self))]
            }
        }, pixels: { pixels in
            for p in pixels {
                let t = UnsafeRawPointer(row(p)), x = indices(p), o = output + p &* channels
                let t0 = t.loadUnaligned(as: SIMD64<UInt8>.self), t1 = t.loadUnaligned(fromByteOffset: 64, as: SIMD64<UInt8>.self)
                let t2 = t.loadUnaligned(fromByteOffset: 128, as: SIMD64<UInt8>.self), t3 = t.loadUnaligned(fromByteOffset: 192, as: SIMD64<UInt8>.self)
                @inline(__always) func step(_ c: Int) {
                    o.storeBytes(of: IntegerSIMD.lookup256(x.loadUnaligned(fromByteOffset: c, as: SIMD64<UInt8>.self), t0, t1, t2, t3),
                                 toByteOffset: c, as: SIMD64<UInt8>.self)
                }
                var c = 0
                while c &+ 64 <= channels {
                    step(c)
                    c &+= 64
                }
                if c < channels { step(channels &- 64) }
            }
        })
    }

    /// Entry `x` of a row of segment differences: its segment's entries
    /// xored with those of every later segment of its half.
    @inline(__always)
    static func segmentEntry(_ row: UnsafePointer<UInt8>, _ x: Int) -> UInt8 {
        var entry: UInt8 = 0, i = x
        while true {
            entry ^= row[i]
            if i & 0x70 == 0x70 { return entry }
            i &+= 16
        }
    }
}
