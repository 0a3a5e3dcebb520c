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
        var readers = [Int](repeating: 0, count: graph.tensors.count)
        for step in steps {
            for t in step.node.inputs where t >= 0 && t < readers.count { readers[t] &+= 1 }
        }
        for t in graph.outputs where t >= 0 && t < readers.count { readers[t] &+= 1 }
        // The operation with a constant operand producing each tensor that
        // one node reads, and its variable input (by tensor index).
        var producer = [(kernel: QuantizedBinaryKernel, input: Int)?](repeating: nil, count: readers.count)
        var floatProducer = [(kernel: FloatBinaryVectorKernel, constant: Int, input: Int)?](repeating: nil, count: readers.count)
        for step in steps where operators.contains(step.node.op) {
            let node = step.node
            guard node.inputs.count == 2, node.outputs.count == 1 else { continue }
            if let kernel = step.kernel as? FloatBinaryVectorKernel {
                // Float32: one operand constant, the other not.
                let constant = node.inputs.map { $0 >= 0 && $0 < readers.count && graph.tensors[$0].isConstant }
                guard constant[0] != constant[1], let operand = constant.firstIndex(of: true) else { continue }
                let variable = node.inputs[1 - operand]
                if variable >= 0, variable < floatProducer.count, let first = floatProducer[variable] {
                    floatProducer[variable] = nil
                    if kernel.fuseChain(after: first.kernel, firstConstant: first.constant, constant: operand, firstInput: first.input) {
                        continue
                    }
                }
                let t = node.outputs[0]
                if t >= 0, t < readers.count, readers[t] == 1, !graph.tensors[t].isVariable, variable >= 0 {
                    floatProducer[t] = (kernel, operand, variable)
                }
                continue
            }
            guard let kernel = step.kernel as? QuantizedBinaryKernel, let operand = kernel.constantOperand?.operand else { continue }
            let variable = node.inputs[operand]
            if variable >= 0, variable < producer.count, let first = producer[variable] {
                producer[variable] = nil
                if kernel.fuseChain(after: first.kernel, firstInput: first.input) { continue }
            }
            let t = node.outputs[0]
            if t >= 0, t < readers.count, readers[t] == 1, !graph.tensors[t].isVariable, variable >= 0 {
                producer[t] = (kernel, variable)
            }
        }
    }
}
