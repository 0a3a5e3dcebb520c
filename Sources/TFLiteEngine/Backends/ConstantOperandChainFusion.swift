/// Fuses two quantized element-wise operations with constant operands in a
/// chain, `g(f(x, a), b)` with `a` and `b` constant scalars or per-channel
/// vectors and `f`'s output read by `g` alone: a batch normalisation that the
/// converter left as a MUL then an ADD (DenseNet-121 and ResNet50V2 int8: 62
/// and 17 pairs), an input normalisation (SUB then MUL), `Rescaling` (MUL then ADD).
/// Each result is a function of x's byte and the channel, so `g` reads x
/// through one table per channel of both operations' results and `f` is
/// skipped: one pass over memory instead of two, each of which looked up a
/// table of input pairs.
///
/// Exact by construction: the tables hold the two kernels' own results
/// (their eight-lane stages, or their one-by-one arithmetic), composed.
/// In float32, a MUL by a constant then an ADD of one (per-channel vectors
/// along the same rows, or scalars) runs as one loop, each step rounded and
/// clamped as its kernel does (`FloatBinaryVectorKernel.fuseChain`).
/// Decided when the plan is made, like `SwishFusion`: only when every node
/// runs on the engine's own backend; `f`'s output must be read by `g` only
/// (no other node, not a graph output, not a variable) and `f` must run
/// before `g`. `g` then reads `f`'s input at its own step, which the arena
/// plan keeps alive (`Kernel.fusedReads`). Re-planning clears earlier
/// decisions. The tables are the model's shared constants, made at `bind`.
enum ConstantOperandChainFusion {
    /// Tests only: false makes plans without the fusion (the unfused
    /// kernels are the fused ones' reference).
    nonisolated(unsafe) static var isEnabled = true

    /// The operators whose quantized kernels can take part.
    private static let operators: [BuiltinOperator] = [.add, .sub, .mul, .squaredDifference, .div]

    /// Applies (`enabled`) or clears the fusion on every step of `graph`.
    static func apply(to graph: PreparedGraph, enabled: Bool) {
        let steps = graph.steps
        for step in steps where operators.contains(step.node.op) {
            (step.kernel as? QuantizedBinaryKernel)?.unfuseChain()
            (step.kernel as? FloatBinaryVectorKernel)?.unfuseChain()
        }
        guard enabled, isEnabled else { return }
        let readers = graph.readerCounts()
        // The node with one constant operand producing each tensor that one
        // node reads: its kernel, which operand is the constant, and its
        // other input (by tensor index).
        var producer = [(kernel: any Kernel, constant: Int, input: Int)?](repeating: nil, count: readers.count)
        for step in steps where operators.contains(step.node.op) {
            let node = step.node
            guard node.inputs.count == 2, node.outputs.count == 1 else { continue }
            let isConstant = node.inputs.map { $0 >= 0 && $0 < readers.count && graph.tensors[$0].isConstant }
            guard isConstant[0] != isConstant[1], let constant = isConstant.firstIndex(of: true) else { continue }
            let variable = node.inputs[1 - constant]
            if variable >= 0, variable < producer.count, let first = producer[variable] {
                producer[variable] = nil
                if fuse(step.kernel, constant: constant, after: first) { continue }
            }
            let t = node.outputs[0]
            if t >= 0, t < readers.count, readers[t] == 1, !graph.tensors[t].isVariable, variable >= 0 {
                producer[t] = (step.kernel, constant, variable)
            }
        }
    }

    /// Fuses `kernel` (its operand `constant` the constant) after `first`
    /// where both are quantized or both float32 kernels that allow it.
    private static func fuse(_ kernel: any Kernel, constant: Int, after first: (kernel: any Kernel, constant: Int, input: Int)) -> Bool {
        if let second = kernel as? QuantizedBinaryKernel, let before = first.kernel as? QuantizedBinaryKernel {
            return second.fuseChain(after: before, firstInput: first.input)
        }
        if let second = kernel as? FloatBinaryVectorKernel, let before = first.kernel as? FloatBinaryVectorKernel {
            return second.fuseChain(after: before, firstConstant: first.constant, constant: constant, firstInput: first.input)
        }
        return false
    }
}
