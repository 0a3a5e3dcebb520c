/// FILL: a tensor of the shape given by `dims` (a constant 1-D int32/int64
/// tensor, or one folded at prepare), every element the scalar `value`.
/// Any fixed-size element type; a quantized value and the output share one
/// quantization.
enum Fill {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2)
        let dims = try ctx.input(0), value = try ctx.input(1), output = ctx.output(0)
        _ = try ctx.options(FillOptions.self)
        try ctx.require(value, rank: 0, "value")
        try ctx.require(output, type: value.type, "output")
        guard let size = value.type.byteSize, [1, 2, 4, 8].contains(size), value.type != .complex64 else {
            throw ctx.error("value type \(value.type) is not supported")
        }
        guard value.scale == output.scale, value.zeroPoint == output.zeroPoint else {
            throw ctx.error("value (scale \(value.scale), zero point \(value.zeroPoint)) and output (scale \(output.scale), zero point \(output.zeroPoint)) differ in quantization")
        }
        try ctx.setOutputShape(0, try ctx.constantShape(dims, "dims"))
        return FillKernel(ctx: ctx, valueIndex: ctx.node.inputs[1], count: ctx.output(0).elementCount, elementSize: size)
    }
}

/// ZEROS_LIKE: zeros of the input's shape and type (float32, int32, int64).
/// Only the input's shape matters, so it is folded at prepare.
enum ZerosLike {
    static let registration = OperatorRegistration(maxVersion: 1, dependsOnlyOnShapes: true) { ctx in
        let input = try ctx.prepareUnaryElementwise()
        _ = try ctx.options(ZerosLikeOptions.self)
        try ctx.require(input, typeIn: [.float32, .int32, .int64], "input")
        return FillKernel(ctx: ctx, valueIndex: nil, count: input.elementCount, elementSize: input.type.byteSize ?? 4)
    }
}

/// Writes one element value (read from `valueIndex`, or zero) to every
/// element of output 0. Tiles are blocks of elements.
final class FillKernel: Kernel {
    let count: Int, elementSize: Int
    let valueIndex: Int?, outputIndex: Int
    var value: UnsafeRawPointer?
    var output: UnsafeMutableRawPointer!
    static var blockSize: Int { 16384 }

    init(ctx: PrepareContext, valueIndex: Int?, count: Int, elementSize: Int) {
        self.count = count
        self.elementSize = elementSize
        self.valueIndex = valueIndex
        outputIndex = ctx.node.outputs[0]
    }

    var tileCount: Int { (count + Self.blockSize - 1) / Self.blockSize }
    var cost: Int { count }

    func bind(_ memory: TensorMemory) {
        value = valueIndex.map { UnsafeRawPointer(memory.raw($0)) }
        output = memory.raw(outputIndex)
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let output else { return }
        for tile in tiles {
            let start = tile &* Self.blockSize, n = min(start &+ Self.blockSize, count) &- start
            let o = output + start &* elementSize
            guard let value else {
                o.initializeMemory(as: UInt8.self, repeating: 0, count: n &* elementSize)
                continue
            }
            switch elementSize {
            case 1: o.initializeMemory(as: UInt8.self, repeating: value.loadUnaligned(as: UInt8.self), count: n)
            case 2: o.initializeMemory(as: UInt16.self, repeating: value.loadUnaligned(as: UInt16.self), count: n)
            case 4: o.initializeMemory(as: UInt32.self, repeating: value.loadUnaligned(as: UInt32.self), count: n)
            default: o.initializeMemory(as: UInt64.self, repeating: value.loadUnaligned(as: UInt64.self), count: n)
            }
        }
    }
}

extension PrepareContext {
    /// An output shape given by a 1-D int32/int64 input that is constant (or
    /// folded at prepare): FILL's dims, BROADCAST_TO's shape.
    func constantShape(_ t: TensorSlot, _ role: String) throws -> [Int] {
        try require(t, rank: 1, role)
        try require(t, typeIn: [.int32, .int64], role)
        guard t.isConstant else {
            throw error("the \(role) input '\(t.name)' is computed at run time; dynamic shapes are not supported")
        }
        guard t.elementCount <= 64 else { throw error("\(role) '\(t.name)' has \(t.elementCount) dimensions, more than 64") }
        let shape = try constantInts(t, role)
        guard shape.allSatisfy({ $0 >= 0 }) else { throw error("\(role) \(shape) has a negative dimension") }
        return shape
    }
}
