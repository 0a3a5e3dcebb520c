/// Chooses the float32 ADD kernel: `ElementwiseAddFloat` when both inputs
/// have the output's shape (residual connections), else the generic
/// broadcasting `BinaryFloatKernel`.
///
/// (Methods of a generic class are called through its vtable unspecialised,
/// so `BinaryFloatKernel<Add.Operation>` pays a witness call per element;
/// this concrete kernel is about 10× faster.)
enum AddFloat {
    static func make(ctx: PrepareContext, shape: BroadcastShape, activation: FusedActivation) -> Kernel {
        guard shape.isElementwise else { return BinaryFloatKernel<Add.Operation>(ctx: ctx, shape: shape, activation: activation) }
        return ElementwiseAddFloat(ctx: ctx, count: shape.elementCount, activation: activation)
    }
}

/// Float32 `a + b` on same-shape inputs with a fused clamp, vectorised.
/// Tiles are blocks of `blockSize` elements; results equal the generic kernel's.
final class ElementwiseAddFloat: Kernel {
    static let blockSize = 4096
    let count: Int
    let low: Float, high: Float
    let aIndex: Int, bIndex: Int, outputIndex: Int
    var a: UnsafePointer<Float>!
    var b: UnsafePointer<Float>!
    var output: UnsafeMutablePointer<Float>!

    init(ctx: PrepareContext, count: Int, activation: FusedActivation) {
        self.count = count
        (low, high) = activation.floatRange
        aIndex = ctx.node.inputs[0]
        bIndex = ctx.node.inputs[1]
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { (count + Self.blockSize - 1) / Self.blockSize }
    var cost: Int { count }

    func bind(_ memory: TensorMemory) {
        a = UnsafePointer(memory.pointer(aIndex, as: Float.self))
        b = UnsafePointer(memory.pointer(bIndex, as: Float.self))
        output = memory.pointer(outputIndex, as: Float.self)
    }

    func run(tiles: Range<Int>, worker: Int) {
        typealias V = FloatVector
        let w = V.scalarCount
        let a = self.a.unsafelyUnwrapped, b = self.b.unsafelyUnwrapped, output = self.output.unsafelyUnwrapped
        let lo = V(repeating: low), hi = V(repeating: high)
        for tile in tiles {
            let start = tile &* Self.blockSize, end = min(start &+ Self.blockSize, count)
            var i = start
            while i &+ w <= end {
                output.storeVector((a.loadVector(i) + b.loadVector(i)).clamped(lo, hi), i)
                i &+= w
            }
            while i < end {
                output[i] = min(max(a[i] + b[i], low), high)
                i &+= 1
            }
        }
    }
}
