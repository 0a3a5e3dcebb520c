/// Fuses the swish pattern `MUL(x, LOGISTIC(x))` (EfficientNet, RegNetY,
/// …: every activation of those networks) when a plan runs every node on the
/// engine's own backend: the MUL computes `x · logistic(x)` from `x` alone
/// and the LOGISTIC is skipped, so the activation costs one pass over memory
/// instead of two (read x, write s; read x and s, write y).
///
/// Decided when the plan is made, from the whole graph: the LOGISTIC's
/// output must be read by that MUL only (no other node, not a graph
/// output, not a variable), both must be float32, the MUL must see the two
/// operands with one shape (no broadcasting), and the LOGISTIC must run
/// before the MUL. A plan with a delegate is never fused (a delegate could
/// run the MUL and read the skipped LOGISTIC's output), and re-planning
/// clears earlier decisions. The results are bit-identical to the two
/// kernels: `logistic(x)` is the same arithmetic in both, and the product is
/// commutative.
enum SwishFusion {
    /// Applies (`enabled`) or clears the fusion on every step of `graph`.
    static func apply(to graph: PreparedGraph, enabled: Bool) {
        let steps = graph.steps
        for step in steps {
            (step.kernel as? ElementwiseKernel<Float, Float>)?.isSkipped = false
            (step.kernel as? FloatBinaryVectorKernel)?.unfuseLogistic()
        }
        guard enabled else { return }
        var readers = [Int](repeating: 0, count: graph.tensors.count)
        for step in steps {
            for t in step.node.inputs where t >= 0 && t < readers.count { readers[t] &+= 1 }
        }
        for t in graph.outputs where t >= 0 && t < readers.count { readers[t] &+= 1 }
        // The LOGISTIC step producing each tensor (by its output).
        var logisticOf: [Int: (position: Int, input: Int, kernel: ElementwiseKernel<Float, Float>)] = [:]
        for (position, step) in steps.enumerated() {
            let node = step.node
            if node.op == .logistic, node.inputs.count == 1, node.outputs.count == 1,
               let kernel = step.kernel as? ElementwiseKernel<Float, Float> {
                logisticOf[node.outputs[0]] = (position, node.inputs[0], kernel)
                continue
            }
            guard node.op == .mul, node.inputs.count == 2, let mul = step.kernel as? FloatBinaryVectorKernel, mul.isSameShape
            else { continue }
            for (k, s) in node.inputs.enumerated() {
                guard let logistic = logisticOf[s], logistic.position < position, s >= 0, s < readers.count,
                      readers[s] == 1, !graph.tensors[s].isVariable,
                      node.inputs[1 - k] == logistic.input, logistic.input != s
                else { continue }
                mul.fuseLogistic(operand: 1 - k)
                logistic.kernel.isSkipped = true
                logisticOf[s] = nil
                break
            }
        }
    }
}
