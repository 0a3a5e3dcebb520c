/// Float32 binary element-wise kernel for every broadcast pattern, vectorised
/// (ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE, PRELU).
///
/// The walk is chosen at prepare from the coalesced `BroadcastShape`:
/// - **flat** (one dimension left after coalescing): same shape, or a scalar
///   on either side — blocks of `blockSize` elements, a scalar operand
///   broadcast into a register once per block;
/// - **rows** (two dimensions): per-channel vectors (`[H·W, C]` × `[C]`, the
///   squeeze-and-excitation channel scale), per-row scalars (column
///   broadcast) and row/column mixes — row offsets by one multiplication,
///   tiles of whole rows adding up to about `blockSize` elements;
/// - **general** (three or more dimensions): the same rows, their offsets
///   from `BroadcastShape.rowOffsets`;
/// - **periodic**: rows shorter than a few vectors and not a whole number
///   of vectors (an RGB input normalised per channel, `[H·W, 3]` × `[3]`)
///   where one operand repeats one row: that row is copied `period` times
///   into a buffer of whole vectors at run time (24 floats for 3 channels
///   with 8 lanes), and the walk runs over blocks of `period` rows with
///   both operands contiguous, so no element goes through the scalar tail.
///
/// The element loop (`Loop`) is a closure made where the operation's type is
/// concrete, so it is specialised: `run` is reached through the `Kernel`
/// existential, where a generic class's methods would run unspecialised.
/// Results are bit-identical to `BinaryFloatKernel` (the simple reference)
/// apart from the sign of a clamped zero, and do not depend on the tiling:
/// the scalar tail computes exactly what a vector lane computes.
final class FloatBinaryVectorKernel: Kernel {
    /// For each of `rows` rows (the r-th starting at `a + r·ra`, `b + r·rb`,
    /// `out + r·length`): `out[i] = clamp(op(a[i·sa], b[i·sb]))` for
    /// `i < length`; inner strides are 0 or 1.
    typealias Loop = (_ a: UnsafePointer<Float>, _ ra: Int, _ sa: Int, _ b: UnsafePointer<Float>, _ rb: Int, _ sb: Int,
                      _ out: UnsafeMutablePointer<Float>, _ length: Int, _ rows: Int) -> Void

    /// How the output is cut into spans of one `Loop` call.
    enum Walk {
        /// One dimension: `count` elements, inner strides `sa`, `sb`.
        case flat(count: Int, sa: Int, sb: Int)
        /// Two dimensions: `rows` rows of `length`, row strides `ra`, `rb`.
        case rows(rows: Int, length: Int, ra: Int, rb: Int, sa: Int, sb: Int)
        /// More dimensions: rows of the innermost one, offsets from the shape.
        case general(rows: Int, length: Int, sa: Int, sb: Int)
        /// Two dimensions, `rows` contiguous rows of `length` on one side and
        /// one row repeated on the other (b when `repeatedB`, else a); the
        /// repeated row is laid out `period` times in scratch, `period` ·
        /// `length` a multiple of the vector width.
        case periodic(rows: Int, length: Int, period: Int, repeatedB: Bool)
    }

    /// Longest row the periodic walk takes (its buffer: period × length ≤
    /// vector width × this).
    static let maximumPeriodicRow = 32

    static let blockSize = 4096
    let shape: BroadcastShape
    let walk: Walk
    let rowsPerTile: Int
    let aIndex: Int, bIndex: Int, outputIndex: Int
    let loop: Loop
    let low: Float, high: Float
    var a: UnsafePointer<Float>!
    var b: UnsafePointer<Float>!
    var output: UnsafeMutablePointer<Float>!
    var scratch: UnsafeMutableRawPointer?
    /// With `SwishFusion`: the operand `x` of `x · logistic(x)` (0 for a, 1 for
    /// b); the kernel then computes that from `x` alone.
    private(set) var swishOperand: Int?

    /// Both operands have the output's shape (one flat walk with unit strides).
    var isSameShape: Bool {
        if case let .flat(_, sa, sb) = walk { return sa == 1 && sb == 1 }
        return false
    }

    /// Computes `clamp(x · logistic(x))` from operand `operand` alone (this
    /// must be a MUL of x and LOGISTIC(x), both of the output's shape).
    func fuseLogistic(operand: Int) {
        guard isSameShape else { return }
        swishOperand = operand
    }

    /// Back to `op(a, b)`.
    func unfuseLogistic() { swishOperand = nil }

    /// The operation (`Add.Operation`, `Mul.Operation`, …): which pairs
    /// `ConstantOperandChainFusion` can fuse.
    let operation: any FloatBinaryOperation.Type

    /// With `ConstantOperandChainFusion`, on a MUL by a constant whose only
    /// reader is an ADD of a constant: the ADD computes both, so runs do nothing.
    var isSkipped = false
    /// With that fusion, on the ADD: the MUL's kernel and constant operand,
    /// this kernel's constant operand (0: a, 1: b), and the tensor read in
    /// place of this one's variable operand (the MUL's variable operand).
    private(set) var chain: (first: FloatBinaryVectorKernel, firstConstant: Int, constant: Int, input: Int)?
    private var chainInput: UnsafePointer<Float>?
    var fusedReads: [Int] { chain.map { [$0.input] } ?? [] }

    /// Makes this ADD of a constant compute the MUL by a constant before it
    /// (a batch normalisation the converter left as two nodes: DenseNet,
    /// ResNet-V2): `clamp(clamp(x · s) + t)` per element in registers, each
    /// step rounded and clamped as the two kernels do, so the bits are
    /// theirs (no fused multiply-add). `first`'s output, read by this ADD
    /// alone, is its operand `1 − constant`; `first`'s operand
    /// `1 − firstConstant` is tensor `firstInput`. Only where both walk the
    /// same rows with their constant repeated along them (per-channel
    /// vectors, or scalars in the flat walk). False (nothing changes)
    /// otherwise.
    func fuseChain(after first: FloatBinaryVectorKernel, firstConstant: Int, constant: Int, firstInput: Int) -> Bool {
        guard chain == nil, !isSkipped, first.chain == nil, !first.isSkipped, swishOperand == nil, first.swishOperand == nil,
              operation == Add.Operation.self, first.operation == Mul.Operation.self,
              (0...1).contains(firstConstant), (0...1).contains(constant) else { return false }
        func repeatsConstant(_ walk: Walk, constant: Int) -> Bool {
            switch walk {
            case let .flat(_, sa, sb):
                return constant == 1 ? sa == 1 && sb == 0 : sa == 0 && sb == 1
            case let .rows(_, length, ra, rb, sa, sb):
                return sa == 1 && sb == 1 && (constant == 1 ? ra == length && rb == 0 : ra == 0 && rb == length)
            case .general, .periodic:
                return false
            }
        }
        switch (walk, first.walk) {
        case let (.flat(count, _, _), .flat(firstCount, _, _)) where count == firstCount: break
        case let (.rows(rows, length, _, _, _, _), .rows(firstRows, firstLength, _, _, _, _))
            where rows == firstRows && length == firstLength && rowsPerTile == first.rowsPerTile: break
        default: return false
        }
        guard repeatsConstant(walk, constant: constant), repeatsConstant(first.walk, constant: firstConstant) else { return false }
        chain = (first, firstConstant, constant, firstInput)
        first.isSkipped = true
        return true
    }

    /// Undoes `fuseChain` (on either kernel).
    func unfuseChain() {
        chain = nil
        chainInput = nil
        isSkipped = false
    }

    /// `activation` nil: no clamp (MAXIMUM, MINIMUM, SQUARED_DIFFERENCE,
    /// PRELU pass infinities through); `.none` clamps to
    /// ±`Float.greatestFiniteMagnitude` as LiteRT's ADD/SUB/MUL/DIV do.
    init<Operation: FloatBinaryOperation>(ctx: PrepareContext, shape: BroadcastShape, _: Operation.Type, activation: FusedActivation?) {
        self.shape = shape
        let (lo, hi) = activation?.floatRange ?? (-.infinity, .infinity)
        (low, high) = (lo, hi)
        aIndex = ctx.node.inputs[0]
        bIndex = ctx.node.inputs[1]
        outputIndex = ctx.node.outputs[0]
        let last = BroadcastShape.maxRank - 1
        let rank = shape.dims.drop(while: { $0 == 1 }).count
        let (sa, sb) = (shape.stridesA[last], shape.stridesB[last])
        let length = shape.rowLength
        if rank <= 1 {
            walk = .flat(count: shape.elementCount, sa: sa, sb: sb)
        } else if rank == 2, let periodic = Self.periodicWalk(
            rows: shape.dims[last - 1], length: length, ra: shape.stridesA[last - 1], rb: shape.stridesB[last - 1], sa: sa, sb: sb) {
            walk = periodic
        } else if rank == 2 {
            walk = .rows(rows: shape.dims[last - 1], length: length, ra: shape.stridesA[last - 1], rb: shape.stridesB[last - 1], sa: sa, sb: sb)
        } else {
            walk = .general(rows: shape.rowCount, length: length, sa: sa, sb: sb)
        }
        rowsPerTile = max(1, Self.blockSize / max(length, 1))
        loop = Self.makeLoop(Operation.self, low: lo, high: hi)
        operation = Operation.self
    }

    /// The periodic walk for a two-dimensional broadcast whose rows are short
    /// and not whole vectors, one side contiguous and the other one repeated
    /// row; nil otherwise.
    static func periodicWalk(rows: Int, length: Int, ra: Int, rb: Int, sa: Int, sb: Int) -> Walk? {
        let w = FloatVector.scalarCount
        guard rows > 1, length >= 2, length <= maximumPeriodicRow, length % w != 0, sa == 1, sb == 1 else { return nil }
        var (x, y) = (length, w)
        while y != 0 { (x, y) = (y, x % y) }
        let period = w / x
        if ra == length && rb == 0 { return .periodic(rows: rows, length: length, period: period, repeatedB: true) }
        if rb == length && ra == 0 { return .periodic(rows: rows, length: length, period: period, repeatedB: false) }
        return nil
    }

    /// The vectorised element loop of `Operation` with the clamp `[low, high]`,
    /// over `rows` rows whose starts are `ra`, `rb` and `length` elements
    /// apart (one row: `rows` 1): the row loop is inside the specialised
    /// code, so a per-channel operand over short rows (16 channels) does not
    /// pay a closure call per row.
    static func makeLoop<Operation: FloatBinaryOperation>(_: Operation.Type, low: Float, high: Float) -> Loop {
        { a, ra, sa, b, rb, sb, out, length, rows in
            var a = a, b = b, out = out
            for _ in 0..<rows {
                span(Operation.self, a, sa, b, sb, out, length, low, high)
                a += ra; b += rb; out += length
            }
        }
    }

    /// `out[i] = clamp(op(a[i·sa], b[i·sb]))` for `i < n`; strides are 0 or 1.
    @inline(__always)
    static func span<Operation: FloatBinaryOperation>(
        _: Operation.Type, _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
        _ out: UnsafeMutablePointer<Float>, _ n: Int, _ low: Float, _ high: Float
    ) {
        let w = FloatVector.scalarCount
        let lo = FloatVector(repeating: low), hi = FloatVector(repeating: high)
        var i = 0
        if sa == 1 && sb == 1 {
            while i &+ w <= n {
                out.storeVector(Operation.apply(a.loadVector(i), b.loadVector(i)).clamped(lo, hi), i)
                i &+= w
            }
            while i < n { out[i] = clampLikeVector(Operation.apply(a[i], b[i]), low, high); i &+= 1 }
        } else if sa == 1 {
            let y = b[0], vy = FloatVector(repeating: y)
            while i &+ w <= n {
                out.storeVector(Operation.apply(a.loadVector(i), vy).clamped(lo, hi), i)
                i &+= w
            }
            while i < n { out[i] = clampLikeVector(Operation.apply(a[i], y), low, high); i &+= 1 }
        } else if sb == 1 {
            let x = a[0], vx = FloatVector(repeating: x)
            while i &+ w <= n {
                out.storeVector(Operation.apply(vx, b.loadVector(i)).clamped(lo, hi), i)
                i &+= w
            }
            while i < n { out[i] = clampLikeVector(Operation.apply(x, b[i]), low, high); i &+= 1 }
        } else {
            let v = clampLikeVector(Operation.apply(a[0], b[0]), low, high)
            out.update(repeating: v, count: n)
        }
    }

    /// `out[i] = clamp₂(clamp₁(x[i] · s[i·ss]) + t[i·ss])` over `rows` rows of
    /// `length` (`x` and `out` advancing by `length` a row; `s` and `t` a
    /// per-channel row when `rowsScaled`, strides 1, else scalars, `ss` 0):
    /// a MUL then an ADD by constants (`fuseChain`), each rounded and
    /// clamped as its own kernel does.
    /// A clamp's bounds as vectors, not inlined on purpose: where the
    /// optimiser sees splats of one value it lowers each side of `clamped`
    /// to a compare and a masked move instead of one `vmaxps`/`vminps`
    /// (`PanelBounds`).
    @inline(never)
    static func splatBounds(_ bounds: (Float, Float)) -> (FloatVector, FloatVector) {
        (FloatVector(repeating: bounds.0), FloatVector(repeating: bounds.1))
    }

    static func scaleShift(_ x: UnsafePointer<Float>, _ s: UnsafePointer<Float>, _ ss: Int, _ t: UnsafePointer<Float>,
                           _ out: UnsafeMutablePointer<Float>, _ length: Int, _ rows: Int, rowsScaled: Bool,
                           _ first: (Float, Float), _ second: (Float, Float)) {
        let w = FloatVector.scalarCount
        let (lo1, hi1) = splatBounds(first), (lo2, hi2) = splatBounds(second)
        let s0 = FloatVector(repeating: s[0]), t0 = FloatVector(repeating: t[0])
        var x = x, out = out
        for _ in 0..<rows {
            var i = 0
            while i &+ w <= length {
                let scaled = (x.loadVector(i) * (rowsScaled ? s.loadVector(i) : s0)).clamped(lo1, hi1)
                out.storeVector((scaled + (rowsScaled ? t.loadVector(i) : t0)).clamped(lo2, hi2), i)
                i &+= w
            }
            while i < length {
                let scaled = clampLikeVector(x[i] * s[i &* ss], first.0, first.1)
                out[i] = clampLikeVector(scaled + t[i &* ss], second.0, second.1)
                i &+= 1
            }
            x += length
            out += length
        }
    }

    /// `out[i] = clamp(x[i] · logistic(x[i]))`: the MUL of the swish pattern
    /// with its LOGISTIC computed in the same pass (`SwishFusion`); the same
    /// bits as LOGISTIC's kernel followed by `span` of `Mul.Operation`.
    /// Without a fused activation (the swish's MUL has none) the loop skips
    /// the clamp to ±∞, which changes no bit (a NaN passes either way) and
    /// saves four of the ~20 vector instructions per vector.
    static func swish(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, _ low: Float, _ high: Float) {
        if low == -.infinity && high == .infinity {
            Swish().map(x, out, n)
        } else {
            ClampedSwish(low: low, high: high).map(x, out, n)
        }
    }

    /// `x · logistic(x)`.
    private struct Swish: FloatUnaryOperation {
        static var isVectorized: Bool { true }
        @inline(__always) func apply(_ x: Float) -> Float { x * VectorizableMath.logistic(x) }
        @inline(__always) func apply(_ x: FloatVector) -> FloatVector { x * VectorizableMath.logistic(x) }
    }

    /// `Swish` clamped to a fused activation's bounds.
    private struct ClampedSwish: FloatUnaryOperation {
        let low: Float, high: Float, lo: FloatVector, hi: FloatVector
        init(low: Float, high: Float) {
            (self.low, self.high) = (low, high)
            (lo, hi) = (FloatVector(repeating: low), FloatVector(repeating: high))
        }
        static var isVectorized: Bool { true }
        @inline(__always) func apply(_ x: Float) -> Float {
            FloatBinaryVectorKernel.clampLikeVector(x * VectorizableMath.logistic(x), low, high)
        }
        @inline(__always) func apply(_ x: FloatVector) -> FloatVector { (x * VectorizableMath.logistic(x)).clamped(lo, hi) }
    }

    /// The scalar form of `FloatVector.clamped` (a NaN passes, −0 stays −0
    /// under a lower bound of 0, like LiteRT's `std::max`).
    @inline(__always)
    static func clampLikeVector(_ v: Float, _ low: Float, _ high: Float) -> Float {
        let r = v < low ? low : v
        return r > high ? high : r
    }

    var tileCount: Int {
        if isSkipped { return 1 }  // (not split: a job of empty runs)
        switch walk {
        case let .flat(count, _, _): return (count + Self.blockSize - 1) / Self.blockSize
        case let .rows(rows, _, _, _, _, _), let .general(rows, _, _, _), let .periodic(rows, _, _, _):
            return (rows + rowsPerTile - 1) / rowsPerTile
        }
    }
    var cost: Int { shape.elementCount }
    var computedByReader: Int? { isSkipped ? cost : nil }
    var scratchBytesPerWorker: Int {
        if case let .periodic(_, length, period, _) = walk { return length &* period &* MemoryLayout<Float>.size }
        return 0
    }

    func bind(_ memory: TensorMemory) {
        a = UnsafePointer(memory.pointer(aIndex, as: Float.self))
        b = UnsafePointer(memory.pointer(bIndex, as: Float.self))
        output = memory.pointer(outputIndex, as: Float.self)
        scratch = memory.scratch
        chainInput = chain.map { UnsafePointer(memory.pointer($0.input, as: Float.self)) }
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let a, let b, let output, !tiles.isEmpty, !isSkipped else { return }
        if let chain, let chainInput, let firstA = chain.first.a, let firstB = chain.first.b {
            let scale = chain.firstConstant == 0 ? firstA : firstB, shift = chain.constant == 0 ? a : b
            let first = chain.first
            switch walk {
            case let .flat(count, _, _):
                let start = tiles.lowerBound &* Self.blockSize, end = min(tiles.upperBound &* Self.blockSize, count)
                if end > start {
                    Self.scaleShift(chainInput + start, scale, 0, shift, output + start, end &- start, 1, rowsScaled: false,
                                    (first.low, first.high), (low, high))
                }
            case let .rows(rows, length, _, _, _, _):
                let row = tiles.lowerBound &* rowsPerTile, end = min(tiles.upperBound &* rowsPerTile, rows)
                if end > row {
                    Self.scaleShift(chainInput + row &* length, scale, 1, shift, output + row &* length, length, end &- row,
                                    rowsScaled: true, (first.low, first.high), (low, high))
                }
            case .general, .periodic:
                break
            }
            return
        }
        let loop = self.loop
        switch walk {
        case let .flat(count, sa, sb):
            let start = tiles.lowerBound &* Self.blockSize, end = min(tiles.upperBound &* Self.blockSize, count)
            guard end > start else { return }
            if let swishOperand {
                Self.swish(swishOperand == 0 ? a + start : b + start, output + start, end &- start, low, high)
            } else {
                loop(a + start &* sa, 0, sa, b + start &* sb, 0, sb, output + start, end &- start, 1)
            }
        case let .rows(rows, length, ra, rb, sa, sb):
            let first = tiles.lowerBound &* rowsPerTile, end = min(tiles.upperBound &* rowsPerTile, rows)
            if end > first { loop(a + first &* ra, ra, sa, b + first &* rb, rb, sb, output + first &* length, length, end &- first) }
        case let .periodic(rows, length, period, repeatedB):
            let first = tiles.lowerBound &* rowsPerTile, end = min(tiles.upperBound &* rowsPerTile, rows)
            guard end > first, let scratch else { return }
            // Every row starts at element 0 of the repeated row, so `period`
            // copies of it line up with any `period` consecutive rows.
            let pattern = (scratch + worker &* scratchStride).assumingMemoryBound(to: Float.self)
            let repeated = repeatedB ? b : a
            for r in 0..<period { (pattern + r &* length).update(from: repeated, count: length) }
            let block = period &* length
            let blocks = (end &- first) / period, rest = (end &- first) &- blocks &* period
            let start = first &* length, restStart = start &+ blocks &* block
            let p = UnsafePointer(pattern)
            if repeatedB {
                if blocks > 0 { loop(a + start, block, 1, p, 0, 1, output + start, block, blocks) }
                if rest > 0 { loop(a + restStart, 0, 1, p, 0, 1, output + restStart, rest &* length, 1) }
            } else {
                if blocks > 0 { loop(p, 0, 1, b + start, block, 1, output + start, block, blocks) }
                if rest > 0 { loop(p, 0, 1, b + restStart, 0, 1, output + restStart, rest &* length, 1) }
            }
        case let .general(rows, length, sa, sb):
            let end = min(tiles.upperBound &* rowsPerTile, rows)
            var row = tiles.lowerBound &* rowsPerTile
            while row < end {
                let (oa, ob) = shape.rowOffsets(row)
                loop(a + oa, 0, sa, b + ob, 0, sb, output + row &* length, length, 1)
                row &+= 1
            }
        }
    }
}
