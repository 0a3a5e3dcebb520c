#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// RESHAPE: same bytes, new shape. The shape comes from the second input (a
/// 1-D int32 tensor, constant or folded at prepare) or from the
/// `new_shape` option; one dimension may be -1. The output shares the
/// input's memory when the planner allows it.
enum Reshape {
    static let registration = OperatorRegistration(maxVersion: 2, aliasesInput: true) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 1...2)
        let input = try ctx.input(0)
        var requested: [Int]?
        if let shapeTensor = ctx.optionalInput(1), shapeTensor.rank == 1 {
            guard shapeTensor.isConstant else {
                throw ctx.error("the shape input '\(shapeTensor.name)' is computed at run time; dynamic shapes are not supported")
            }
            requested = try ctx.constantInts(shapeTensor, "shape")
        }
        if requested == nil, let newShape = try ctx.options(ReshapeOptions.self).newShape {
            requested = newShape.map(Int.init)
        }
        let shape = try resolve(requested ?? ctx.output(0).shape, elementCount: input.elementCount, ctx: ctx)
        try ctx.setOutputShape(0, shape)
        guard ctx.output(0).type == input.type else {
            throw ctx.error("output type \(ctx.output(0).type) differs from input type \(input.type)")
        }
        return CopyKernel(ctx: ctx, byteCount: input.byteCount)
    }

    /// Replaces a single -1 with the inferred size and checks the element count.
    static func resolve(_ shape: [Int], elementCount: Int, ctx: PrepareContext) throws -> [Int] {
        var known = 1
        var inferred: Int?
        for (i, d) in shape.enumerated() {
            if d == -1 {
                guard inferred == nil else { throw ctx.error("shape \(shape) has more than one -1") }
                inferred = i
            } else {
                guard d >= 0 else { throw ctx.error("shape \(shape) has a negative dimension") }
                let (p, o) = known.multipliedReportingOverflow(by: d)
                guard !o else { throw ctx.error("shape \(shape) overflows") }
                known = p
            }
        }
        var result = shape
        if let i = inferred {
            guard known > 0, elementCount % known == 0 else {
                throw ctx.error("cannot infer -1 in \(shape) for \(elementCount) elements")
            }
            result[i] = elementCount / known
        } else {
            guard known == elementCount else {
                throw ctx.error("shape \(shape) has \(known) elements, the input has \(elementCount)")
            }
        }
        return result
    }
}

/// Copies input 0's bytes to output 0 unless both share memory.
final class CopyKernel: Kernel {
    let byteCount: Int
    var io: ByteOperands
    var input: UnsafeRawPointer! { io.input }
    var output: UnsafeMutableRawPointer! { io.output }

    init(ctx: PrepareContext, byteCount: Int) {
        self.byteCount = byteCount
        io = ByteOperands(ctx)
    }

    func bind(_ memory: TensorMemory) { io.bind(memory) }

    func run(tiles: Range<Int>, worker: Int) {
        if UnsafeRawPointer(output) != input && byteCount > 0 {
            output.copyMemory(from: input, byteCount: byteCount)
        }
    }
}
