/// A binary operation on two elements of one type, for everything a float
/// kernel with a fused clamp does not cover: stored int8/uint8 values
/// (MAXIMUM, MINIMUM), integer arithmetic, booleans (stored as bytes, any
/// nonzero byte true, written 0/1) and comparisons (`Output` a 0/1 byte).
/// An instance may carry parameters (a clamp range, rescaling multipliers);
/// parameterless operations are empty structs.
protocol ElementBinaryOperation: Sendable {
    associatedtype Element
    associatedtype Output
    func apply(_ a: Element, _ b: Element) -> Output
}

/// Element-wise kernel with broadcasting for an `ElementBinaryOperation`
/// (see `BinaryFloatKernel`, which it mirrors without the fused clamp,
/// including the element loop built in `init`, where the operation's type
/// is concrete, so it is specialized). Tiles are rows of the innermost
/// output dimension (blocks of elements when both inputs have the output's
/// shape).
final class BinaryElementKernel<Element, Output>: Kernel {
    /// `out[i] = op(a[i·sa], b[i·sb])` for `i < n`; strides are 0 or 1.
    typealias Loop = (_ a: UnsafePointer<Element>, _ sa: Int, _ b: UnsafePointer<Element>, _ sb: Int,
                      _ out: UnsafeMutablePointer<Output>, _ n: Int) -> Void
    let shape: BroadcastShape
    let aIndex: Int, bIndex: Int, outputIndex: Int
    let loop: Loop
    let operationsPerElement: Int
    var a: UnsafePointer<Element>!
    var b: UnsafePointer<Element>!
    var output: UnsafeMutablePointer<Output>!
    static var blockSize: Int { 16384 }

    init<Operation: ElementBinaryOperation>(ctx: PrepareContext, shape: BroadcastShape, _ operation: Operation,
                                            operationsPerElement: Int = 1)
        where Operation.Element == Element, Operation.Output == Output {
        self.shape = shape
        self.operationsPerElement = operationsPerElement
        aIndex = ctx.node.inputs[0]
        bIndex = ctx.node.inputs[1]
        outputIndex = ctx.node.outputs[0]
        loop = { a, sa, b, sb, out, n in
            if sa == 1 && sb == 1 {
                for i in 0..<n { out[i] = operation.apply(a[i], b[i]) }
            } else if sa == 1 {
                let y = b[0]
                for i in 0..<n { out[i] = operation.apply(a[i], y) }
            } else if sb == 1 {
                let x = a[0]
                for i in 0..<n { out[i] = operation.apply(x, b[i]) }
            } else {
                let v = operation.apply(a[0], b[0])
                for i in 0..<n { out[i] = v }
            }
        }
    }

    var tileCount: Int { shape.tileCount(blockSize: Self.blockSize) }
    var cost: Int { shape.elementCount &* operationsPerElement }

    func bind(_ memory: TensorMemory) {
        a = UnsafePointer(memory.pointer(aIndex, as: Element.self))
        b = UnsafePointer(memory.pointer(bIndex, as: Element.self))
        output = memory.pointer(outputIndex, as: Output.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let a, let b, let output else { return }
        shape.forEachSpan(tiles, blockSize: Self.blockSize) { oa, sa, ob, sb, oo, n in
            loop(a + oa, sa, b + ob, sb, output + oo, n)
        }
    }
}

/// The choice MAXIMUM or MINIMUM makes between two values (and lane by
/// lane between two float vectors, by the same comparison).
protocol ElementChoice: Sendable {
    static func choose<T: Comparable>(_ a: T, _ b: T) -> T
    static func choose(_ a: FloatVector, _ b: FloatVector) -> FloatVector
}

/// MAXIMUM and MINIMUM: broadcasting, float32, and int8/uint8 when both
/// inputs and the output share one quantization (stored values compare
/// like real ones).
enum MaximumMinimum {
    struct FloatOperation<Choice: ElementChoice>: FloatBinaryOperation {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { Choice.choose(a, b) }
        @inline(__always) static func apply(_ a: FloatVector, _ b: FloatVector) -> FloatVector { Choice.choose(a, b) }
    }
    struct StoredOperation<Choice: ElementChoice, Element: Comparable & Sendable>: ElementBinaryOperation {
        @inline(__always) func apply(_ a: Element, _ b: Element) -> Element { Choice.choose(a, b) }
    }

    static func registration<Choice: ElementChoice>(maxVersion: Int, _: Choice.Type) -> OperatorRegistration {
        OperatorRegistration(maxVersion: maxVersion) { ctx in try prepare(ctx, Choice.self) }
    }

    static func prepare<Choice: ElementChoice>(_ ctx: PrepareContext, _: Choice.Type) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let a = try ctx.input(0), b = try ctx.input(1)
        _ = try ctx.options(MaximumMinimumOptions.self)
        let shape = try BroadcastShape(a.shape, b.shape, ctx: ctx)
        try ctx.setOutputShape(0, shape.outputShape)
        let out = ctx.output(0)
        guard b.type == a.type else { throw ctx.error("second input '\(b.name)' is \(b.type), the first is \(a.type)") }
        guard out.type == a.type else { throw ctx.error("output '\(out.name)' is \(out.type), the inputs are \(a.type)") }
        switch a.type {
        case .float32:
            return FloatBinaryVectorKernel(ctx: ctx, shape: shape, FloatOperation<Choice>.self, activation: nil)
        case .int8, .uint8:
            try ctx.requireSameQuantization(a, b, "the inputs")
            try ctx.requireSameQuantization(a, out, "input and output")
            return a.type == .int8
                ? BinaryElementKernel(ctx: ctx, shape: shape, StoredOperation<Choice, Int8>())
                : BinaryElementKernel(ctx: ctx, shape: shape, StoredOperation<Choice, UInt8>())
        default:
            throw ctx.error("input type \(a.type) is not supported")
        }
    }
}
