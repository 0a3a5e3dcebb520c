/// A float32 function applied to each element. An instance may carry
/// parameters (LEAKY_RELU's alpha); parameterless operations are empty
/// structs, so the generic kernel specializes to a plain loop.
///
/// An operation whose plain loop the compiler does not vectorise (selects,
/// bit casts, polynomials: LOGISTIC, TANH, GELU, HARD_SWISH, ELU) writes
/// `apply(_: FloatVector)` in the same arithmetic as its scalar form, lane by
/// lane, and sets `isVectorized`; the kernel then runs whole vectors and
/// the scalar form only on the tail.
protocol FloatUnaryOperation: Sendable {
    func apply(_ x: Float) -> Float
    /// The same function on every lane (bit-identical to `apply(_: Float)`).
    func apply(_ x: FloatVector) -> FloatVector
    /// Whether `apply(_: FloatVector)` is written out (else the kernel loops over scalars).
    static var isVectorized: Bool { get }
}

extension FloatUnaryOperation {
    /// `y[i] = apply(x[i])` for i in 0..<n on the written-out vector form
    /// where whole vectors fit. Four vectors per step: each is one long
    /// dependent chain (a polynomial, a division, exp), which the core
    /// overlaps only when independent ones sit side by side (one a step, the
    /// fused swish ran at 1.9 ns an element on Zen 1; on Zen 3 two a step
    /// changed nothing).
    @inline(__always)
    func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let w = FloatVector.scalarCount
        var i = 0
        while i &+ 4 &* w <= n {
            let a = apply(x.loadVector(i)), b = apply(x.loadVector(i &+ w))
            let c = apply(x.loadVector(i &+ 2 &* w)), d = apply(x.loadVector(i &+ 3 &* w))
            y.storeVector(a, i); y.storeVector(b, i &+ w)
            y.storeVector(c, i &+ 2 &* w); y.storeVector(d, i &+ 3 &* w)
            i &+= 4 &* w
        }
        while i &+ w <= n { y.storeVector(apply(x.loadVector(i)), i); i &+= w }
        while i < n { y[i] = apply(x[i]); i &+= 1 }
    }

    static var isVectorized: Bool { false }
    /// Lane by lane through the scalar form (unused unless `isVectorized`).
    func apply(_ x: FloatVector) -> FloatVector {
        var y = x
        for i in y.indices { y[i] = apply(x[i]) }
        return y
    }
}

/// A float32 element-wise loop `y[i] = f(x[i])` for i in 0..<n that may
/// run in place (`x == y`): an activation a convolution applies to its own
/// outputs (`StoredActivationFusion`).
typealias FloatActivationLoop = (_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) -> Void

/// One input → one output with the same number of elements, computed in
/// blocks of consecutive elements (the tiles): the shape of every
/// element-wise kernel (activations, QUANTIZE, float16 DEQUANTIZE, …).
///
/// The element loop is a closure made where the element types and the
/// operation are concrete, so it is specialized (and vectorized where the
/// operation allows): `run` is reached through the `Kernel` existential,
/// where a generic class's methods would run unspecialized.
final class ElementwiseKernel<Input, Output>: UnaryOperandKernel {
    typealias Loop = (_ x: UnsafePointer<Input>, _ y: UnsafeMutablePointer<Output>, _ count: Int) -> Void
    let count: Int
    let blockSize: Int
    let cost: Int
    let inputIndex: Int, outputIndex: Int
    let loop: Loop
    var input: UnsafePointer<Input>!
    var output: UnsafeMutablePointer<Output>!
    /// Set by a plan that computes this node's result inside its consumer
    /// (`SwishFusion`): `run` then does nothing.
    var isSkipped = false
    /// For a byte-to-byte table kernel (`QuantizedLookup`): the output's bit
    /// pattern for each input bit pattern, so a consumer can fold it in.
    var byteTable: [UInt8]?
    /// Whether `loop` computes each element from its own input alone, in
    /// order, so it may run in place (the float32 operations' loops).
    private(set) var mapsInPlace = false
    /// Set by a plan whose producer of this node's input applies
    /// `byteTable` (or, in float32, `loop`) as it stores
    /// (`StoredActivationFusion`): that input tensor, whose memory the
    /// output shares; `run` then does nothing.
    var computedByProducer: Int?
    var inPlaceInput: Int? { computedByProducer }
    var computedByReader: Int? { isSkipped ? cost : nil }

    init(ctx: PrepareContext, count: Int, blockSize: Int = 4096, operationsPerElement: Int = 1, _ loop: @escaping Loop) {
        self.count = count
        self.blockSize = blockSize
        cost = count &* operationsPerElement
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
        self.loop = loop
    }

    /// (Skipped: not split, a job of empty runs.)
    var tileCount: Int { isSkipped || computedByProducer != nil ? 1 : (count + blockSize - 1) / blockSize }

    func run(tiles: Range<Int>, worker: Int) {
        guard !isSkipped, computedByProducer == nil, let input, let output else { return }
        let n = count
        for tile in tiles {
            let start = tile &* blockSize, end = min(start &+ blockSize, n)
            loop(input + start, output + start, end &- start)
        }
    }
}

/// One input → one output of its shape and element type, computed row by
/// row over the last dimension (SOFTMAX, LOG_SOFTMAX, L2_NORMALIZATION in
/// float32, int8 and uint8). Tiles are rows; the row function is a closure
/// made where the op and the element type are concrete.
final class RowKernel<Element>: UnaryOperandKernel {
    typealias Row = (_ x: UnsafePointer<Element>, _ y: UnsafeMutablePointer<Element>, _ depth: Int) -> Void
    let depth: Int, rows: Int
    let cost: Int
    let inputIndex: Int, outputIndex: Int
    let row: Row
    var input: UnsafePointer<Element>!
    var output: UnsafeMutablePointer<Element>!

    /// Rows of the last dimension of `input` (none when it is 0).
    init(ctx: PrepareContext, input: TensorSlot, operationsPerElement: Int, _ row: @escaping Row) {
        depth = input.shape.last ?? 1
        rows = depth == 0 ? 0 : input.elementCount / depth
        cost = rows &* depth &* operationsPerElement
        inputIndex = ctx.node.inputs[0]
        outputIndex = ctx.node.outputs[0]
        self.row = row
    }

    var tileCount: Int { rows }

    func run(tiles: Range<Int>, worker: Int) {
        guard let input, let output else { return }
        let d = depth
        for r in tiles { row(input + r &* d, output + r &* d, d) }
    }
}

/// The float32 row kernel.
typealias FloatRowKernel = RowKernel<Float>

extension ElementwiseKernel where Input == Float, Output == Float {
    /// The float32 kernel of an element-wise function.
    convenience init<Operation: FloatUnaryOperation>(ctx: PrepareContext, count: Int, _ operation: Operation) {
        if Operation.isVectorized {
            self.init(ctx: ctx, count: count) { x, y, n in operation.map(x, y, n) }
        } else {
            self.init(ctx: ctx, count: count) { x, y, n in
                for i in 0..<n { y[i] = operation.apply(x[i]) }
            }
        }
        mapsInPlace = true
    }
}

extension OperatorRegistration {
    /// A float32 element-wise operator (one input, an output of its shape
    /// and type) computing `operation` on each element.
    static func floatUnary<Operation: FloatUnaryOperation>(maxVersion: Int, _ operation: Operation) -> OperatorRegistration {
        OperatorRegistration(maxVersion: maxVersion) { ctx in
            let input = try ctx.prepareUnaryElementwise()
            guard input.type == .float32 else { throw ctx.error("input type \(input.type) is not supported") }
            return ElementwiseKernel(ctx: ctx, count: input.elementCount, operation)
        }
    }
    /// A clamping activation (the RELU family): `operation` on float32; on
    /// int8/uint8 a clamp of stored values to `quantized`'s range when input
    /// and output share their quantization.
    static func clamp<Operation: FloatUnaryOperation>(maxVersion: Int, _ operation: Operation, quantized: FusedActivation) -> OperatorRegistration {
        OperatorRegistration(maxVersion: maxVersion) { ctx in
            let input = try ctx.prepareUnaryElementwise()
            switch input.type {
            case .float32: return ElementwiseKernel(ctx: ctx, count: input.elementCount, operation)
            case .int8, .uint8: return try ctx.quantizedClamp(input, floatRange: quantized.floatRange)
            default: throw ctx.error("input type \(input.type) is not supported")
            }
        }
    }
}

extension PrepareContext {
    /// Prepare shared by one-input element-wise ops: one input, one output of
    /// the input's shape and type. Returns the input.
    func prepareUnaryElementwise() throws -> TensorSlot {
        try expect(inputs: 1)
        let input = try self.input(0)
        try setOutputShape(0, input.shape)
        let out = output(0)
        guard out.type == input.type else {
            throw error("output '\(out.name)' is \(out.type), expected \(input.type) like the input")
        }
        return input
    }

    /// Throws unless `b` has the same per-tensor scale and zero point as `a`
    /// (ops that work on stored int8/uint8 values without rescaling).
    func requireSameQuantization(_ a: TensorSlot, _ b: TensorSlot, _ what: String) throws {
        let qa = a.quantization, qb = b.quantization
        guard (qa?.scale.count ?? 0) <= 1, (qb?.scale.count ?? 0) <= 1 else {
            throw error("per-channel quantization of \(what) is not supported")
        }
        guard a.scale == b.scale, a.zeroPoint == b.zeroPoint else {
            throw error("\(what): '\(a.name)' (scale \(a.scale), zero point \(a.zeroPoint)) and '\(b.name)' (scale \(b.scale), zero point \(b.zeroPoint)) differ; requantization not supported")
        }
    }

    /// The int8/uint8 RELU-family kernel for a float range (TFLite's
    /// `QuantizedReluX`): bounds `zero_point + roundf(bound / output scale)`
    /// limited to the type's range; values are requantized to the output
    /// (`MultiplyByQuantizedMultiplier` by input scale / output scale) before
    /// clamping. With a shared quantization that is a clamp of stored values.
    func quantizedClamp(_ input: TensorSlot, floatRange: (min: Float, max: Float)) throws -> Kernel {
        let output = output(0)
        guard (input.quantization?.scale.count ?? 0) <= 1, (output.quantization?.scale.count ?? 0) <= 1 else {
            throw error("per-channel quantization of input and output is not supported")
        }
        let qi = try quantization(input, "input"), qo = try quantization(output, "output")
        let limits = quantizedLimits(input.type)
        func bound(_ v: Float, _ fallback: Int32) -> Int32 {
            guard v.isFinite else { return fallback }
            let q = Int64(qo.zeroPoint) + Int64(FixedPoint.roundToInt32(v / qo.scale))
            return Int32(min(max(q, Int64(limits.min)), Int64(limits.max)))
        }
        let lo = bound(floatRange.min, limits.min), hi = max(lo, bound(floatRange.max, limits.max))
        let count = input.elementCount
        if qi.scale == qo.scale && qi.zeroPoint == qo.zeroPoint {
            switch input.type {
            case .int8: return clamp(count: count, low: Int8(lo), high: Int8(hi))
            case .uint8: return clamp(count: count, low: UInt8(lo), high: UInt8(hi))
            default: throw error("input type \(input.type) is not supported")
            }
        }
        let r = Requantization(input: qi, output: qo)
        guard Double(qi.scale) / Double(qo.scale) < 0x1p31 else {
            throw error("input scale \(qi.scale) / output scale \(qo.scale) is too large to requantize")
        }
        return try QuantizedLookup.kernel(self, type: input.type, count: count) { x in
            let v = Int64(r.outputZeroPoint) + Int64(FixedPoint.multiplyByQuantizedMultiplier(x &- r.inputZeroPoint, r.multiplier, r.shift))
            return Int32(min(max(v, Int64(lo)), Int64(hi)))
        }
    }

    /// Clamps stored integers to `[low, high]` (int8/uint8 RELU family when
    /// the input and output share their quantization: no rescaling).
    private func clamp<Element: FixedWidthInteger>(count: Int, low: Element, high: Element) -> Kernel {
        ElementwiseKernel<Element, Element>(ctx: self, count: count, blockSize: 16384) { x, y, n in
            for i in 0..<n { y[i] = min(max(x[i], low), high) }
        }
    }
}
