/// A binary operation on stored element values (int8/uint8 MAXIMUM and
/// MINIMUM, whose inputs and output share one quantization, so the stored
/// values compare like the real ones).
protocol StoredBinaryOperation {
    associatedtype Element
    static func apply(_ a: Element, _ b: Element) -> Element
}

/// Element-wise kernel on stored values with broadcasting (see
/// `BinaryFloatKernel`, which it mirrors without the fused clamp, including
/// the element loop built in `init` so it is specialized). Tiles are rows of
/// the innermost output dimension (blocks of elements when both inputs have
/// the output's shape).
final class BinaryStoredKernel<Operation: StoredBinaryOperation>: Kernel {
    typealias Element = Operation.Element
    typealias Loop = (_ a: UnsafePointer<Element>, _ sa: Int, _ b: UnsafePointer<Element>, _ sb: Int,
                      _ out: UnsafeMutablePointer<Element>, _ n: Int) -> Void
    let shape: BroadcastShape
    let aIndex: Int, bIndex: Int, outputIndex: Int
    let loop: Loop
    var a: UnsafePointer<Element>!
    var b: UnsafePointer<Element>!
    var output: UnsafeMutablePointer<Element>!
    static var blockSize: Int { 16384 }

    init(ctx: PrepareContext, shape: BroadcastShape) {
        self.shape = shape
        aIndex = ctx.node.inputs[0]
        bIndex = ctx.node.inputs[1]
        outputIndex = ctx.node.outputs[0]
        loop = { a, sa, b, sb, out, n in
            if sa == 1 && sb == 1 {
                for i in 0..<n { out[i] = Operation.apply(a[i], b[i]) }
            } else {
                for i in 0..<n { out[i] = Operation.apply(a[i &* sa], b[i &* sb]) }
            }
        }
    }

    var tileCount: Int { shape.tileCount(blockSize: Self.blockSize) }
    var cost: Int { shape.elementCount }

    func bind(_ memory: TensorMemory) {
        a = UnsafePointer(memory.pointer(aIndex, as: Element.self))
        b = UnsafePointer(memory.pointer(bIndex, as: Element.self))
        output = memory.pointer(outputIndex, as: Element.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let a, let b, let output else { return }
        shape.forEachSpan(tiles, blockSize: Self.blockSize) { oa, sa, ob, sb, oo, n in
            loop(a + oa, sa, b + ob, sb, output + oo, n)
        }
    }
}

/// The choice MAXIMUM or MINIMUM makes between two values.
protocol ElementChoice: Sendable {
    static func choose<T: Comparable>(_ a: T, _ b: T) -> T
}

/// MAXIMUM and MINIMUM: broadcasting, float32, and int8/uint8 when both
/// inputs and the output share one quantization (stored values compare
/// like real ones).
enum MaximumMinimum {
    struct FloatOperation<Choice: ElementChoice>: FloatBinaryOperation {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { Choice.choose(a, b) }
    }
    struct StoredOperation<Choice: ElementChoice, Element: Comparable>: StoredBinaryOperation {
        @inline(__always) static func apply(_ a: Element, _ b: Element) -> Element { Choice.choose(a, b) }
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
            return BinaryFloatKernel<FloatOperation<Choice>>(ctx: ctx, shape: shape, activation: .none)
        case .int8, .uint8:
            try ctx.requireSameQuantization(a, b, "the inputs")
            try ctx.requireSameQuantization(a, out, "input and output")
            return a.type == .int8
                ? BinaryStoredKernel<StoredOperation<Choice, Int8>>(ctx: ctx, shape: shape)
                : BinaryStoredKernel<StoredOperation<Choice, UInt8>>(ctx: ctx, shape: shape)
        default:
            throw ctx.error("input type \(a.type) is not supported")
        }
    }
}
