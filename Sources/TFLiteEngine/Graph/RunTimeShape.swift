/// The shape of a tensor known only at run time.
///
/// The converter lowers a loop body's TensorListSetItem (Keras RNNs with
/// `return_sequences=True`) to `CONCATENATION(SLICE(x, 0, [i, …]), item,
/// SLICE(x, [i + 1, …], -1))`: the slices' begin and size come from the loop
/// counter, so their shapes change per iteration while the concatenation's
/// does not. The engine keeps static plans: such a SLICE output is planned at
/// its upper bound (the input's size), the kernel that writes it records its
/// actual shape here on every run, and only operators registered with
/// `readsRunTimeShapes` (CONCATENATION, into a static output) may read it.
/// Storage is allocated once at prepare.
final class RunTimeShape {
    /// The shape planned in the arena; every run-time shape fits in it.
    let bound: [Int]
    private let dimensions: UnsafeMutablePointer<Int>

    init(bound: [Int]) {
        self.bound = bound
        dimensions = .allocate(capacity: max(bound.count, 1))
        dimensions.initialize(repeating: 0, count: max(bound.count, 1))
        for (d, size) in bound.enumerated() { dimensions[d] = size }
    }

    deinit { dimensions.deallocate() }

    var rank: Int { bound.count }

    /// Dimension `d` (`0 ≤ d < rank`) as of the last run of the producing kernel.
    @inline(__always) subscript(d: Int) -> Int {
        get { dimensions[d] }
        set { dimensions[d] = newValue }
    }

    /// The current shape (allocates; for error messages).
    var current: [Int] { (0..<rank).map { dimensions[$0] } }
}

extension PrepareContext {
    /// Marks output `i` as shaped at run time, planned at `bound`, and
    /// returns where its producing kernel records the shape.
    func setOutputRunTimeShape(_ i: Int, bound: [Int]) throws -> RunTimeShape {
        try setOutputShape(i, bound)
        let shape = RunTimeShape(bound: bound)
        graph.tensors[node.outputs[i]].runTimeShape = shape
        return shape
    }

    /// Reads element `i` of an int32 or int64 tensor at run time.
    @inline(__always) static func loadInt(_ p: UnsafeRawPointer, _ i: Int, is64Bit: Bool) -> Int {
        is64Bit ? Int(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: i &* 8, as: Int64.self))
            : Int(p.loadUnaligned(fromByteOffset: i &* 4, as: Int32.self))
    }
}
