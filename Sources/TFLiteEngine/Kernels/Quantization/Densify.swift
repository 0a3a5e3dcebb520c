/// DENSIFY: expands a constant sparse tensor (TFLite's `SparsityParameters`:
/// traversal order, block map, per-level DENSE / SPARSE_CSR metadata) into
/// its dense form. The input is constant, so the node is folded at prepare
/// and the dense copy is shared by every interpreter of the model.
///
/// The whole sparse structure is validated before anything is written:
/// see `SparseLayout.init`, which throws a `SparsityError` naming the problem
/// (reported as `InterpreterError.invalidOperator` with that description).
enum Densify {
    static let registration = OperatorRegistration(maxVersion: 1) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 1)
        let input = try ctx.input(0)
        guard let sparsity = input.sparsity else { throw ctx.error("input '\(input.name)' has no sparsity parameters") }
        guard input.isConstant else { throw ctx.error("input '\(input.name)' must be a constant tensor") }
        guard let elementSize = input.type.byteSize else { throw ctx.error("input type \(input.type) is not supported") }
        let output = ctx.output(0)
        guard output.type == input.type else {
            throw ctx.error("output type \(output.type) differs from input type \(input.type)")
        }
        let tensorDef = ctx.graph.subgraph.tensors[input.index]
        let valueBytes = ctx.graph.model.bufferBytes(tensorDef.buffer)?.count ?? 0
        let layout: SparseLayout
        do {
            layout = try SparseLayout(denseShape: input.shape, sparsity: sparsity)
            try layout.checkValueBytes(valueBytes, elementSize: elementSize)
        } catch {
            throw ctx.error("sparse tensor '\(input.name)': \(error)")
        }
        try ctx.setOutputShape(0, input.shape)
        return DensifyKernel(ctx: ctx, layout: layout, elementSize: elementSize)
    }
}

extension Densify {
    /// The dense form of a constant sparse tensor that an op other than
    /// DENSIFY reads directly, validated like DENSIFY's input and computed
    /// once per model (shared by all interpreters).
    static func expandConstant(_ tensor: TensorSlot, graph: PreparedGraph, node: Node) throws -> AlignedBuffer {
        func fail(_ reason: String) -> InterpreterError {
            .invalidOperator(node: node.index, op: node.name, reason: "sparse input '\(tensor.name)': \(reason)")
        }
        guard let sparsity = tensor.sparsity, let source = tensor.constant else { throw fail("must be a constant tensor") }
        guard let elementSize = tensor.type.byteSize else { throw fail("type \(tensor.type) is not supported") }
        let buffer = graph.subgraph.tensors[tensor.index].buffer
        let valueBytes = graph.model.bufferBytes(buffer)?.count ?? 0
        let layout: SparseLayout
        do {
            layout = try SparseLayout(denseShape: tensor.shape, sparsity: sparsity)
            try layout.checkValueBytes(valueBytes, elementSize: elementSize)
        } catch {
            throw fail("\(error)")
        }
        let (bytes, overflow) = tensor.elementCount.multipliedReportingOverflow(by: elementSize)
        guard !overflow, bytes <= ModelValidator.maximumTensorBytes else { throw fail("dense size overflows") }
        return try graph.sharedConstants.value(for: SharedConstantKey("densified", [tensor.index])) { () -> AlignedBuffer in
            let dense = try AlignedBuffer(byteCount: bytes)
            dense.pointer.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            layout.expand { value, index in
                (dense.pointer + index &* elementSize).copyMemory(from: source + value &* elementSize, byteCount: elementSize)
            }
            return dense
        }
    }
}

/// What is wrong with a sparse tensor's structure.
enum SparsityError: Error, Equatable, CustomStringConvertible {
    case emptyDenseShape
    case negativeDimension(dimension: Int, size: Int)
    case traversalOrderLength(count: Int, expected: Int)
    case traversalOrderNotPermutation([Int32])
    case blockMapInvalid([Int32], rank: Int)
    case dimensionMetadataCount(count: Int, expected: Int)
    case blockDimensionNotDense(level: Int)
    case blockSizeInvalid(level: Int, blockSize: Int, dimension: Int, dimensionSize: Int)
    case denseSizeMismatch(level: Int, denseSize: Int, expected: Int)
    case segmentsCount(level: Int, count: Int, expected: Int)
    case segmentsNotStartingAtZero(level: Int, first: Int32)
    case segmentsDecreasing(level: Int, position: Int)
    case segmentsEndMismatch(level: Int, last: Int32, indexCount: Int)
    case indexOutOfRange(level: Int, position: Int, index: Int32, size: Int)
    case denseMetadataHasArrays(level: Int)
    case sizeOverflow(level: Int)
    case valueCount(bytes: Int, expectedValues: Int, elementSize: Int)

    var description: String {
        switch self {
        case .emptyDenseShape: return "the dense shape is empty"
        case let .negativeDimension(d, s): return "dimension \(d) has negative size \(s)"
        case let .traversalOrderLength(c, e): return "traversal_order has \(c) entries, expected \(e) (rank + block dimensions)"
        case let .traversalOrderNotPermutation(t): return "traversal_order \(t) is not a permutation of the dimensions followed by the block dimensions"
        case let .blockMapInvalid(b, r): return "block_map \(b) must list distinct dimensions in increasing order, each below rank \(r)"
        case let .dimensionMetadataCount(c, e): return "dim_metadata has \(c) entries, expected \(e)"
        case let .blockDimensionNotDense(l): return "block dimension at level \(l) must be DENSE"
        case let .blockSizeInvalid(l, b, d, s): return "block size \(b) at level \(l) does not divide dimension \(d) of size \(s)"
        case let .denseSizeMismatch(l, d, e): return "level \(l) has dense_size \(d), expected \(e)"
        case let .segmentsCount(l, c, e): return "array_segments of level \(l) has \(c) entries, expected \(e)"
        case let .segmentsNotStartingAtZero(l, f): return "array_segments of level \(l) starts at \(f), expected 0"
        case let .segmentsDecreasing(l, p): return "array_segments of level \(l) decreases at position \(p)"
        case let .segmentsEndMismatch(l, last, n): return "array_segments of level \(l) ends at \(last) but array_indices has \(n) entries"
        case let .indexOutOfRange(l, p, i, s): return "array_indices[\(p)] of level \(l) is \(i), outside 0..<\(s)"
        case let .denseMetadataHasArrays(l): return "DENSE level \(l) carries array_segments/array_indices"
        case let .sizeOverflow(l): return "the structure's size overflows at level \(l)"
        case let .valueCount(b, v, e): return "the values buffer holds \(b) bytes, the structure needs \(v) values of \(e) bytes"
        }
    }
}

/// A validated sparse layout: for each storage level (in traversal order)
/// its size and, for SPARSE_CSR levels, segments and indices. Every index
/// is known to be in range, so expansion cannot write out of bounds.
struct SparseLayout: Sendable {
    struct Level: Sendable {
        /// Original dimension this level walks (< rank), or rank + block index.
        var dimension: Int
        var size: Int
        var sparse: Bool
        var segments: [Int32]
        var indices: [Int32]
    }
    let denseShape: [Int]
    let blockMap: [Int]
    /// Block size per block-map entry.
    let blockSizes: [Int]
    let levels: [Level]
    /// Number of stored values the structure implies.
    let valueCount: Int

    init(denseShape: [Int], sparsity: SparsityDef) throws {
        let rank = denseShape.count
        guard rank > 0 else { throw SparsityError.emptyDenseShape }
        for (d, s) in denseShape.enumerated() where s < 0 { throw SparsityError.negativeDimension(dimension: d, size: s) }
        // Block map: distinct dimensions, increasing, each < rank.
        let blockCount = sparsity.blockMap.count
        var previous = -1
        for b in sparsity.blockMap {
            guard b >= 0, Int(b) < rank, Int(b) > previous else { throw SparsityError.blockMapInvalid(sparsity.blockMap, rank: rank) }
            previous = Int(b)
        }
        let levelCount = rank + blockCount
        // Traversal order: a permutation of 0..<rank, then of rank..<rank+k.
        let order = sparsity.traversalOrder
        guard order.count == levelCount else { throw SparsityError.traversalOrderLength(count: order.count, expected: levelCount) }
        var seen = [Bool](repeating: false, count: levelCount)
        for (i, t) in order.enumerated() {
            let valid = i < rank ? (t >= 0 && Int(t) < rank) : (Int(t) >= rank && Int(t) < levelCount)
            guard valid, !seen[Int(t)] else { throw SparsityError.traversalOrderNotPermutation(order) }
            seen[Int(t)] = true
        }
        let metadata = sparsity.dimensionMetadata
        guard metadata.count == levelCount else { throw SparsityError.dimensionMetadataCount(count: metadata.count, expected: levelCount) }
        // Block sizes come from the (dense) level that walks each block dimension.
        var blockSizes = [Int](repeating: 1, count: blockCount)
        for level in rank..<levelCount {
            let j = Int(order[level]) - rank
            let m = metadata[level]
            guard m.format == .dense else { throw SparsityError.blockDimensionNotDense(level: level) }
            let dim = Int(sparsity.blockMap[j])
            guard m.denseSize >= 1, denseShape[dim] % m.denseSize == 0 else {
                throw SparsityError.blockSizeInvalid(level: level, blockSize: m.denseSize, dimension: dim, dimensionSize: denseShape[dim])
            }
            blockSizes[j] = m.denseSize
        }
        // Expected size of each level, then the positions each level yields.
        var levels: [Level] = []
        var positions = 1  // positions produced by the levels so far
        for level in 0..<levelCount {
            let dimension = Int(order[level])
            let size: Int
            if dimension < rank {
                if let j = sparsity.blockMap.firstIndex(of: Int32(dimension)) {
                    size = denseShape[dimension] / blockSizes[j]
                } else {
                    size = denseShape[dimension]
                }
            } else {
                size = blockSizes[dimension - rank]
            }
            let m = metadata[level]
            switch m.format {
            case .dense:
                guard m.denseSize == size else { throw SparsityError.denseSizeMismatch(level: level, denseSize: m.denseSize, expected: size) }
                guard m.arraySegments.isEmpty, m.arrayIndices.isEmpty else { throw SparsityError.denseMetadataHasArrays(level: level) }
                let (p, o) = positions.multipliedReportingOverflow(by: size)
                guard !o else { throw SparsityError.sizeOverflow(level: level) }
                positions = p
                levels.append(Level(dimension: dimension, size: size, sparse: false, segments: [], indices: []))
            case .sparseCSR:
                let segments = m.arraySegments, indices = m.arrayIndices
                let (expected, o) = positions.addingReportingOverflow(1)
                guard !o, segments.count == expected else { throw SparsityError.segmentsCount(level: level, count: segments.count, expected: expected) }
                guard segments[0] == 0 else { throw SparsityError.segmentsNotStartingAtZero(level: level, first: segments[0]) }
                for i in 1..<segments.count where segments[i] < segments[i - 1] {
                    throw SparsityError.segmentsDecreasing(level: level, position: i)
                }
                guard let last = segments.last, Int(last) == indices.count else {
                    throw SparsityError.segmentsEndMismatch(level: level, last: segments.last ?? 0, indexCount: indices.count)
                }
                for (i, index) in indices.enumerated() where index < 0 || Int(index) >= size {
                    throw SparsityError.indexOutOfRange(level: level, position: i, index: index, size: size)
                }
                positions = indices.count
                levels.append(Level(dimension: dimension, size: size, sparse: true, segments: segments, indices: indices))
            }
        }
        self.denseShape = denseShape
        self.blockMap = sparsity.blockMap.map(Int.init)
        self.blockSizes = blockSizes
        self.levels = levels
        self.valueCount = positions
    }

    /// Checks that the values buffer holds exactly `valueCount` elements.
    func checkValueBytes(_ bytes: Int, elementSize: Int) throws {
        let (needed, o) = valueCount.multipliedReportingOverflow(by: elementSize)
        guard !o, needed == bytes else { throw SparsityError.valueCount(bytes: bytes, expectedValues: valueCount, elementSize: elementSize) }
    }

    /// Writes the dense tensor: zeros, then each stored value at its place.
    /// `copy(valueIndex, denseIndex)` moves one element.
    func expand(_ copy: (Int, Int) -> Void) {
        let rank = denseShape.count
        // Dense strides of the original dimensions.
        var strides = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * denseShape[d + 1] }
        var coordinate = [Int](repeating: 0, count: levels.count)
        var value = 0
        func visit(_ level: Int, _ position: Int) {
            if level == levels.count {
                // Block-level coordinates, refined by the block coordinates.
                var dense = 0
                for d in 0..<rank {
                    var c = 0
                    for (l, lv) in levels.enumerated() where lv.dimension == d { c = coordinate[l] }
                    if let j = blockMap.firstIndex(of: d) {
                        var inner = 0
                        for (l, lv) in levels.enumerated() where lv.dimension == rank + j { inner = coordinate[l] }
                        c = c * blockSizes[j] + inner
                    }
                    dense += c * strides[d]
                }
                copy(value, dense)
                value += 1
                return
            }
            let lv = levels[level]
            if lv.sparse {
                for i in Int(lv.segments[position])..<Int(lv.segments[position + 1]) {
                    coordinate[level] = Int(lv.indices[i])
                    visit(level + 1, i)
                }
            } else {
                for i in 0..<lv.size {
                    coordinate[level] = i
                    visit(level + 1, position * lv.size + i)
                }
            }
        }
        visit(0, 0)
    }
}

/// Expands the validated layout; runs once, at prepare (folded).
final class DensifyKernel: Kernel {
    let layout: SparseLayout
    let elementSize: Int
    let byteCount: Int
    var io: ByteOperands

    init(ctx: PrepareContext, layout: SparseLayout, elementSize: Int) {
        self.layout = layout
        self.elementSize = elementSize
        byteCount = ctx.output(0).byteCount
        io = ByteOperands(ctx, input: 0, output: 0)
    }

    var cost: Int { byteCount }

    func bind(_ memory: TensorMemory) { io.bind(memory) }

    func run(tiles: Range<Int>, worker: Int) {
        guard let input = io.input, let output = io.output else { return }
        guard !tiles.isEmpty else { return }
        output.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        let size = elementSize
        layout.expand { value, dense in
            (output + dense &* size).copyMemory(from: input + value &* size, byteCount: size)
        }
    }
}
