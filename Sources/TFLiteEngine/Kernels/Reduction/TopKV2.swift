/// TOPK_V2: the `k` largest values of each row (last dimension) and their
/// indices, largest first; equal values in index order (TFLite's order).
/// `k` is a constant one-element int32/int64 input with 0 ≤ k ≤ row length.
/// Values: float32, int8/uint8 (stored values compare like real ones; the
/// output shares the input's quantization), int32, int64. Indices: int32
/// (or int16, as TFLite allows).
enum TopKV2 {
    static let registration = OperatorRegistration(maxVersion: 3) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 2, outputs: 2)
        let input = try ctx.input(0)
        guard input.rank >= 1 else { throw ctx.error("input '\(input.name)' is a scalar; it needs a last dimension") }
        let k = try ctx.constantScalarInt(try ctx.input(1), "k")
        let n = input.shape[input.rank - 1]
        guard k >= 0, k <= n else { throw ctx.error("k \(k) is out of range 0…\(n) (the last dimension)") }
        var shape = input.shape
        shape[shape.count - 1] = k
        _ = try ctx.requireSameTypeMovingBytes(output: 0)
        try ctx.setOutputShape(0, shape)
        try ctx.setOutputShape(1, shape)
        let rows = n == 0 ? 0 : input.elementCount / n
        switch (input.type, ctx.output(1).type) {
        case (.float32, .int32): return TopKKernel<Float, Int32>(ctx: ctx, rows: rows, n: n, k: k)
        case (.int8, .int32): return TopKKernel<Int8, Int32>(ctx: ctx, rows: rows, n: n, k: k)
        case (.uint8, .int32): return TopKKernel<UInt8, Int32>(ctx: ctx, rows: rows, n: n, k: k)
        case (.int32, .int32): return TopKKernel<Int32, Int32>(ctx: ctx, rows: rows, n: n, k: k)
        case (.int64, .int32): return TopKKernel<Int64, Int32>(ctx: ctx, rows: rows, n: n, k: k)
        case (.float32, .int16): return TopKKernel<Float, Int16>(ctx: ctx, rows: rows, n: n, k: k)
        case (.int8, .int16): return TopKKernel<Int8, Int16>(ctx: ctx, rows: rows, n: n, k: k)
        case (_, .int32), (_, .int16): throw ctx.error("input type \(input.type) is not supported")
        default: throw ctx.error("indices output '\(ctx.output(1).name)' is \(ctx.output(1).type), expected int32 or int16")
        }
    }
}

/// Top k of each row through a binary heap of k indices (in scratch) whose
/// root is the worst kept: O(n log k) per row; the heap is then emptied
/// from the back of the output. Tiles are rows. The loop is a closure built
/// in `init`, where the types are concrete, so it is specialized.
final class TopKKernel<Element: Comparable, Index: FixedWidthInteger>: Kernel {
    let rows: Int, n: Int, k: Int
    let inputIndex: Int, valuesIndex: Int, indicesIndex: Int
    let body: (_ x: UnsafePointer<Element>, _ values: UnsafeMutablePointer<Element>, _ indices: UnsafeMutablePointer<Index>,
               _ heap: UnsafeMutablePointer<Int>, _ tiles: Range<Int>) -> Void
    var input: UnsafePointer<Element>!
    var values: UnsafeMutablePointer<Element>!
    var indices: UnsafeMutablePointer<Index>!
    var scratch: UnsafeMutableRawPointer!

    init(ctx: PrepareContext, rows: Int, n: Int, k: Int) {
        self.rows = rows
        self.n = n
        self.k = k
        inputIndex = ctx.node.inputs[0]
        valuesIndex = ctx.node.outputs[0]
        indicesIndex = ctx.node.outputs[1]
        body = { x, values, indices, heap, tiles in
            for row in tiles {
                let v = x + row &* n
                // a ranks before b: larger value, or equal value and lower index.
                @inline(__always) func before(_ a: Int, _ b: Int) -> Bool {
                    if v[b] < v[a] { return true }
                    if v[a] < v[b] { return false }
                    return a < b
                }
                // Heap order: a parent ranks after its children (the root is the worst kept).
                @inline(__always) func siftDown(_ start: Int, _ count: Int) {
                    var i = start
                    while true {
                        let l = 2 &* i &+ 1
                        if l >= count { return }
                        var worst = l
                        let r = l &+ 1
                        if r < count && before(heap[l], heap[r]) { worst = r }
                        if !before(heap[i], heap[worst]) { return }
                        let t = heap[i]; heap[i] = heap[worst]; heap[worst] = t
                        i = worst
                    }
                }
                var count = 0
                for i in 0..<n {
                    if count < k {
                        var c = count
                        heap[c] = i
                        while c > 0 {
                            let p = (c &- 1) / 2
                            if !before(heap[p], heap[c]) { break }
                            let t = heap[p]; heap[p] = heap[c]; heap[c] = t
                            c = p
                        }
                        count &+= 1
                    } else if before(i, heap[0]) {
                        heap[0] = i
                        siftDown(0, count)
                    }
                }
                let outValues = values + row &* k, outIndices = indices + row &* k
                while count > 0 {
                    count &-= 1
                    let worst = heap[0]
                    outValues[count] = v[worst]
                    outIndices[count] = Index(truncatingIfNeeded: worst)
                    heap[0] = heap[count]
                    siftDown(0, count)
                }
            }
        }
    }

    var tileCount: Int { k == 0 ? 0 : rows }
    var cost: Int { rows * n * max(1, Int.bitWidth - k.leadingZeroBitCount) }
    var scratchBytesPerWorker: Int { k * MemoryLayout<Int>.stride }

    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(inputIndex, as: Element.self))
        values = memory.pointer(valuesIndex, as: Element.self)
        indices = memory.pointer(indicesIndex, as: Index.self)
        scratch = memory.scratch
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let input, let values, let indices, let scratch else { return }
        body(input, values, indices, (scratch + worker &* scratchStride).assumingMemoryBound(to: Int.self), tiles)
    }
}
