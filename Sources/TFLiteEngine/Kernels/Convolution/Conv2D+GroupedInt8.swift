/// Grouped int8 CONV_2D (RegNet's 3×3 layers: groups of 8 input and 8
/// output channels) on the integer pairs instruction (`vpmaddwd`), for the
/// integer flavours; bit-identical to `ConvolutionQuantizedReference`.
///
/// Per output row, the KH input rows it reads are widened once into Int16
/// values `x + inputOffset` with zero columns for the padding, so a padding
/// tap adds 0 (the reference skips it). A group's eight outputs are one
/// vector of Int32 sums: for each tap and each pair of the group's input
/// channels, the pair (one 32-bit load, broadcast) times the eight outputs'
/// two weights (`vpmaddwd`), four pixels per weight load. An odd channel
/// count pairs the last channel with the next value and weight 0. Exactness
/// is the direct convolution's (`InputPlaneConvolution`): each pair sum is
/// at most 2 · 255 · 128 and the Int32 sums wrap as the reference's do.
///
/// In the VNNI flavour, groups of a multiple of four channels run the
/// four-byte form instead (`vpdpbusd`): the rows as bytes `x + 128`, four
/// channels of a tap per lane against the eight outputs' weights, the bias
/// corrected for the 128 (`Constants.bias`; exact for any sum, the
/// accumulators wrap like the reference's).
///
/// Used when the filter and bias are constant, the filter's zero point is 0
/// (TFLite's int8 filters are symmetric) and each group has a multiple of 8
/// outputs; tiles are output rows.
final class GroupedConvolutionInt8: Kernel {
    /// The filter and bias in the layout of the kernel's form.
    final class Constants: @unchecked Sendable {
        /// The four-byte form (`vpdpbusd`, `usesQuads`), else the pairs.
        let quads: Bool
        /// Per group chunk of 8 outputs, `[tap][step][8][width]` bytes: the
        /// pairs' two or the quads' four input channels of a step (0 past
        /// the group's channels).
        let weights: UnsafeMutablePointer<Int8>
        /// The bias per output channel (0 without one); in the four-byte form
        /// less `(128 − inputOffset) · Σ w`, which turns sums over bytes
        /// `x + 128` into the reference's.
        let bias: UnsafeMutablePointer<Int32>
        let requantization: ChannelRequantization
        /// Bytes of one group chunk's weights: taps × steps × 8 × width.
        let chunkBytes: Int

        /// Whether a group of `groupChannels` gets the four-byte form: the
        /// VNNI flavour (or the tests' switch) and whole quads per group.
        static func usesQuads(groupChannels: Int) -> Bool {
            (IntegerSIMD.hasDotBytes || quadsForTesting) && groupChannels % 4 == 0
        }

        /// Tests only: the four-byte form also in the other integer flavours
        /// (through the plain-Swift `vpdpbusd`).
        nonisolated(unsafe) static var quadsForTesting = false

        init(filter: UnsafePointer<Int8>, bias constantBias: UnsafePointer<Int32>?, q: ConvolutionQuantization,
             outputs: Int, taps: Int, groupChannels: Int) {
            quads = Self.usesQuads(groupChannels: groupChannels)
            let width = quads ? 4 : 2, steps = (groupChannels + width - 1) / width
            chunkBytes = taps * steps * 8 * width
            let chunks = outputs / 8
            weights = .allocate(capacity: max(chunks * chunkBytes, 1))
            weights.initialize(repeating: 0, count: max(chunks * chunkBytes, 1))
            bias = .allocate(capacity: max(outputs, 1))
            // Filter [N][KH][KW][Cg]: output o, tap t, channel c at (o · taps + t) · Cg + c.
            for o in 0..<outputs {
                let chunk = o / 8, lane = o % 8
                var sum: Int32 = 0
                for t in 0..<taps {
                    for c in 0..<groupChannels {
                        let weight = filter[(o * taps + t) * groupChannels + c]
                        weights[chunk * chunkBytes + ((t * steps + c / width) * 8 + lane) * width + c % width] = weight
                        sum &+= Int32(weight)
                    }
                }
                bias[o] = (constantBias?[o] ?? 0) &+ (quads ? (q.inputOffset &- 128) &* sum : 0)
            }
            requantization = ChannelRequantization(q, paddedTo: 8)
        }

        deinit {
            weights.deallocate()
            bias.deallocate()
        }
    }

    let p: Conv2D.Parameters
    let operands: FilteredOperands
    let constants: Constants
    let inputOffset: Int32
    let outputOffset: Int32, activationMin: Int32, activationMax: Int32
    let groups: Int, groupChannels: Int, outputsPerGroup: Int
    /// Columns (pixels) of a widened row: every tap of every output column.
    let rowPixels: Int
    var input: UnsafePointer<Int8>!
    var output: UnsafeMutablePointer<Int8>!
    var scratch: UnsafeMutableRawPointer!

    /// The kernel, or nil where it does not apply (see the type's comment).
    static func make(ctx: PrepareContext, _ p: Conv2D.Parameters, _ q: ConvolutionQuantization) throws -> Kernel? {
        let groups = p.inputChannels / max(p.filterChannels, 1)
        guard IntegerSIMD.isNative, groups > 1, p.filterChannels > 1, q.filterOffset == 0, q.rounding == .double,
              p.outputChannels % groups == 0, (p.outputChannels / groups) % 8 == 0, try !ctx.hasEmptyInputOrOutput()
        else { return nil }
        let input = try ctx.input(0), filter = try ctx.input(1)
        guard input.type == .int8, filter.type == .int8, let f = filter.constant else { return nil }
        guard let (constantBias, biasKey) = ctx.constantInt32Bias() else { return nil }
        let g = p.geometry
        let taps = g.filterHeight * g.filterWidth
        guard filter.elementCount == p.outputChannels * taps * p.filterChannels else { return nil }
        // The widened rows come from the model's geometry (a huge dilation
        // makes them huge): checked products, at most `maximumRowBytes` per
        // worker, else the reference kernel runs.
        var rowBytes = 2
        for factor in [g.filterHeight, Self.rowPixels(g), p.inputChannels] {
            let (product, overflow) = rowBytes.multipliedReportingOverflow(by: factor)
            guard !overflow, factor > 0, product <= Self.maximumRowBytes else { return nil }
            rowBytes = product
        }
        let form = Constants.usesQuads(groupChannels: p.filterChannels) ? 1 : 0
        let key = SharedConstantKey("grouped-int8", [
            form, ctx.node.inputs[1], biasKey, ctx.node.inputs[0], ctx.node.outputs[0], p.outputChannels, taps, p.filterChannels])
        let constants = ctx.graph.sharedConstants.value(for: key) {
            Constants(filter: f.assumingMemoryBound(to: Int8.self), bias: constantBias, q: q, outputs: p.outputChannels,
                      taps: taps, groupChannels: p.filterChannels)
        }
        return GroupedConvolutionInt8(ctx: ctx, p, q, constants: constants, groups: groups)
    }

    init(ctx: PrepareContext, _ p: Conv2D.Parameters, _ q: ConvolutionQuantization, constants: Constants, groups: Int) {
        self.p = p
        operands = FilteredOperands(ctx)
        self.constants = constants
        inputOffset = q.inputOffset
        outputOffset = q.outputOffset
        activationMin = q.activationMin
        activationMax = q.activationMax
        self.groups = groups
        groupChannels = p.filterChannels
        outputsPerGroup = p.outputChannels / groups
        rowPixels = Self.rowPixels(p.geometry)
    }

    /// Largest scratch of widened rows per worker.
    static let maximumRowBytes = 8 << 20

    /// Pixels of a widened row: every tap of every output column (wrapping
    /// arithmetic; `make` checks the result).
    static func rowPixels(_ g: ConvGeometry) -> Int {
        (g.outputWidth &- 1) &* g.strideWidth &+ (g.filterWidth &- 1) &* g.dilationWidth &+ 1
    }

    /// Int16 values of the widened rows (KH rows of `rowPixels` pixels), plus
    /// slack for the odd channel's partner read past the last pixel.
    private var rowValues: Int { rowPixels &* p.inputChannels }
    var scratchBytesPerWorker: Int { (p.geometry.filterHeight &* rowValues &+ 16) &* 2 }
    var tileCount: Int { p.geometry.outputRows }
    var cost: Int { p.cost }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(operands.input, as: Int8.self))
        output = memory.pointer(operands.output, as: Int8.self)
        scratch = memory.scratch
    }

    func run(tiles: Range<Int>, worker: Int) {
        let rows = scratch.unsafelyUnwrapped + worker &* scratchStride
        let weights = UnsafeRawPointer(constants.weights), bias = UnsafeRawPointer(constants.bias)
        if constants.quads {
            // Bytes `x + 128` (the sign bit flipped), padding `zeroPoint + 128`,
            // whose products the bias's correction cancels like the
            // reference's skipped taps.
            let flip = SIMD16<UInt8>(repeating: 0x80)
            run(tiles, Quads.self, rows: rows.assumingMemoryBound(to: UInt8.self),
                padding: UInt8(truncatingIfNeeded: 128 &- inputOffset), weights: weights, chunkBytes: constants.chunkBytes,
                bias: bias) { row, source, count in
                var i = 0
                while i &+ 16 <= count {
                    UnsafeMutableRawPointer(row + i).storeBytes(
                        of: UnsafeRawPointer(source).loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self) ^ flip, as: SIMD16<UInt8>.self)
                    i &+= 16
                }
                while i < count {
                    row[i] = UInt8(bitPattern: source[i]) ^ 0x80
                    i &+= 1
                }
            }
        } else {
            let offset = Int16(truncatingIfNeeded: inputOffset)
            run(tiles, Pairs.self, rows: rows.assumingMemoryBound(to: Int16.self), padding: 0, weights: weights,
                chunkBytes: constants.chunkBytes, bias: bias) { row, source, count in
                for i in 0..<count { row[i] = Int16(truncatingIfNeeded: source[i]) &+ offset }
            }
        }
    }

    /// The two forms of the multiply-adds: a group's eight outputs per
    /// vector, `channels` input channels of a tap per step.
    private protocol Form {
        /// The widened rows' values (`Int16` `x + inputOffset`, or bytes `x + 128`).
        associatedtype Value
        associatedtype Weight
        /// Input channels per step; bytes of a step's weights.
        static var channels: Int { get }
        static var weightBytes: Int { get }
        static func weight(_ p: UnsafeRawPointer) -> Weight
        /// `acc` plus the step's products of value `at` of `rows` (the step's first channel) and `w`.
        static func add(_ acc: SIMD8<Int32>, _ rows: UnsafeRawPointer, _ at: Int, _ w: Weight) -> SIMD8<Int32>
    }

    /// Two channels per `vpmaddwd`: weights `[tap][pair][8][2]` bytes widened to Int16.
    private enum Pairs: Form {
        typealias Value = Int16
        static var channels: Int { 2 }
        static var weightBytes: Int { 16 }
        @inline(__always) static func weight(_ p: UnsafeRawPointer) -> SIMD16<Int16> {
            IntegerSIMD.widen(p.loadUnaligned(as: SIMD16<Int8>.self))
        }
        @inline(__always) static func add(_ acc: SIMD8<Int32>, _ rows: UnsafeRawPointer, _ at: Int, _ w: SIMD16<Int16>) -> SIMD8<Int32> {
            let pair = SIMD8<Int32>(repeating: rows.loadUnaligned(fromByteOffset: at &* 2, as: Int32.self))
            return acc &+ IntegerSIMD.multiplyAddPairs(unsafeBitCast(pair, to: SIMD16<Int16>.self), w)
        }
    }

    /// Four channels per `vpdpbusd`: weights `[tap][quad][8][4]` bytes.
    private enum Quads: Form {
        typealias Value = UInt8
        static var channels: Int { 4 }
        static var weightBytes: Int { 32 }
        @inline(__always) static func weight(_ p: UnsafeRawPointer) -> SIMD8<Int32> { p.loadUnaligned(as: SIMD8<Int32>.self) }
        @inline(__always) static func add(_ acc: SIMD8<Int32>, _ rows: UnsafeRawPointer, _ at: Int, _ w: SIMD8<Int32>) -> SIMD8<Int32> {
            IntegerSIMD.dotBytes(acc, SIMD8(repeating: rows.loadUnaligned(fromByteOffset: at, as: Int32.self)), w)
        }
    }

    /// Per output row: its KH input rows widened into `rows` (`widen` writes
    /// a run of `count` input values; plane column px is input column
    /// px − padLeft, and only the columns no input value lands on get
    /// `padding`), then the row's outputs.
    @inline(__always)
    private func run<F: Form>(_ tiles: Range<Int>, _: F.Type, rows: UnsafeMutablePointer<F.Value>, padding: F.Value,
                              weights: UnsafeRawPointer, chunkBytes: Int, bias: UnsafeRawPointer,
                              _ widen: (UnsafeMutablePointer<F.Value>, UnsafePointer<Int8>, Int) -> Void) {
        let g = p.geometry, c = p.inputChannels, n = p.outputChannels
        let input = self.input.unsafelyUnwrapped, output = self.output.unsafelyUnwrapped
        let rowValues = self.rowValues
        let padColumns = g.padLeft &* c
        for tile in tiles {
            let b = tile / g.outputHeight, oy = tile % g.outputHeight
            let image = input + b &* g.inputHeight &* g.inputWidth &* c
            let first = min(padColumns, rowValues), count = max(min(g.inputWidth &* c, rowValues &- first), 0)
            for ky in 0..<g.filterHeight {
                let row = rows + ky &* rowValues
                let values = rowValues &+ (ky == g.filterHeight &- 1 ? 16 : 0)
                let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                guard iy >= 0, iy < g.inputHeight, count > 0 else {
                    row.update(repeating: padding, count: values)
                    continue
                }
                row.update(repeating: padding, count: first)
                widen(row + first, image + iy &* g.inputWidth &* c, count)
                (row + (first &+ count)).update(repeating: padding, count: values &- first &- count)
            }
            computeRow(F.self, UnsafeRawPointer(rows), output + tile &* g.outputWidth &* n, weights: weights, chunkBytes: chunkBytes,
                       bias: bias)
        }
    }

    /// One output row from its widened input rows: per group chunk of eight
    /// outputs, one weight vector per step shared by four pixels.
    @inline(__always)
    private func computeRow<F: Form>(_: F.Type, _ rows: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int8>, weights: UnsafeRawPointer,
                                     chunkBytes: Int, bias: UnsafeRawPointer) {
        let g = p.geometry, c = p.inputChannels, n = p.outputChannels
        let kh = g.filterHeight, kw = g.filterWidth, steps = (groupChannels &+ F.channels &- 1) / F.channels
        let rowValues = self.rowValues, pixelStep = g.strideWidth &* c, tapStep = g.dilationWidth &* c
        let tables = constants.requantization.tables
        let bytes = Int8OutputBytes(outputOffset: outputOffset, activation: (activationMin, activationMax))
        let chunksPerGroup = outputsPerGroup / 8
        typealias V = SIMD8<Int32>
        @inline(__always) func finish(_ acc: V, _ o: Int, _ pixel: Int) {
            UnsafeMutableRawPointer(out).storeBytes(of: bytes(tables.scale8(acc, o)), toByteOffset: pixel &* n &+ o,
                                                    as: SIMD8<UInt8>.self)
        }
        for group in 0..<groups {
            let channel = group &* groupChannels
            for chunk in 0..<chunksPerGroup {
                let o = group &* outputsPerGroup &+ chunk &* 8
                let w = weights + (o / 8) &* chunkBytes
                let start = bias.loadUnaligned(fromByteOffset: o &* 4, as: V.self)
                var ox = 0
                // Four pixels per weight vector.
                while ox &+ 4 <= g.outputWidth {
                    var a0 = start, a1 = start, a2 = start, a3 = start
                    var wp = w
                    for ky in 0..<kh {
                        var base = ky &* rowValues &+ ox &* pixelStep &+ channel
                        for _ in 0..<kw {
                            for j in 0..<steps {
                                let weight = F.weight(wp)
                                let v = base &+ F.channels &* j
                                a0 = F.add(a0, rows, v, weight)
                                a1 = F.add(a1, rows, v &+ pixelStep, weight)
                                a2 = F.add(a2, rows, v &+ 2 &* pixelStep, weight)
                                a3 = F.add(a3, rows, v &+ 3 &* pixelStep, weight)
                                wp += F.weightBytes
                            }
                            base &+= tapStep
                        }
                    }
                    finish(a0, o, ox)
                    finish(a1, o, ox &+ 1)
                    finish(a2, o, ox &+ 2)
                    finish(a3, o, ox &+ 3)
                    ox &+= 4
                }
                while ox < g.outputWidth {
                    var a0 = start
                    var wp = w
                    for ky in 0..<kh {
                        var base = ky &* rowValues &+ ox &* pixelStep &+ channel
                        for _ in 0..<kw {
                            for j in 0..<steps {
                                a0 = F.add(a0, rows, base &+ F.channels &* j, F.weight(wp))
                                wp += F.weightBytes
                            }
                            base &+= tapStep
                        }
                    }
                    finish(a0, o, ox)
                    ox &+= 1
                }
            }
        }
    }
}
