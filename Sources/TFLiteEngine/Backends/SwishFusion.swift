/// Fuses the swish pattern `MUL(x, LOGISTIC(x))` (EfficientNet, RegNetY,
/// …: every activation of those networks) when a plan runs every node on the
/// engine's own backend: the MUL computes `x · logistic(x)` from `x` alone
/// and the LOGISTIC is skipped, so the activation costs one pass over memory
/// instead of two (read x, write s; read x and s, write y).
///
/// Decided when the plan is made, from the whole graph: the LOGISTIC's
/// output must be read by that MUL only (no other node, not a graph
/// output, not a variable), both must be float32 or both int8, the MUL must
/// see the two operands with one shape (no broadcasting), and the LOGISTIC
/// must run before the MUL. A plan with a delegate is never fused (a delegate could
/// run the MUL and read the skipped LOGISTIC's output), and re-planning
/// clears earlier decisions. The results are bit-identical to the two
/// kernels: `logistic(x)` is the same arithmetic in both, and the product is
/// commutative. In int8 the LOGISTIC is a table of x's byte, so the MUL's
/// exact result is too: the fused MUL reads a 256-entry table of
/// `x · logistic(x)` (EfficientNet-B0 int8: 49 LOGISTICs and their MULs).
enum SwishFusion {
    /// Applies (`enabled`) or clears the fusion on every step of `graph`.
    static func apply(to graph: PreparedGraph, enabled: Bool) {
        let steps = graph.steps
        // (Only LOGISTIC and MUL steps can hold a fusion: casting every
        // step's kernel to the generic kernel classes was about 1% of an int8
        // MobileNetV2's start-up, for a model with neither.)
        for step in steps where step.node.op == .logistic || step.node.op == .mul {
            (step.kernel as? ElementwiseKernel<Float, Float>)?.isSkipped = false
            (step.kernel as? FloatBinaryVectorKernel)?.unfuseLogistic()
            (step.kernel as? ElementwiseKernel<Int8, Int8>)?.isSkipped = false
            (step.kernel as? QuantizedBinaryKernel)?.unfuseLogistic()
        }
        guard enabled else { return }
        let readers = graph.readerCounts()
        // The LOGISTIC step producing each tensor (by its output): float32, or int8 with its table.
        var logisticOf: [Int: (position: Int, input: Int, skip: () -> Void, table: [UInt8]?)] = [:]
        for (position, step) in steps.enumerated() {
            let node = step.node
            if node.op == .logistic, node.inputs.count == 1, node.outputs.count == 1 {
                if let kernel = step.kernel as? ElementwiseKernel<Float, Float> {
                    logisticOf[node.outputs[0]] = (position, node.inputs[0], { kernel.isSkipped = true }, nil)
                } else if let kernel = step.kernel as? ElementwiseKernel<Int8, Int8>, let table = kernel.byteTable {
                    logisticOf[node.outputs[0]] = (position, node.inputs[0], { kernel.isSkipped = true }, table)
                }
                continue
            }
            guard node.op == .mul, node.inputs.count == 2 else { continue }
            let float = step.kernel as? FloatBinaryVectorKernel, int8 = step.kernel as? QuantizedBinaryKernel
            guard float?.isSameShape == true || int8 != nil else { continue }
            for (k, s) in node.inputs.enumerated() {
                guard let logistic = logisticOf[s], logistic.position < position, s >= 0, s < readers.count,
                      readers[s] == 1, !graph.tensors[s].isVariable,
                      node.inputs[1 - k] == logistic.input, logistic.input != s
                else { continue }
                if let table = logistic.table {
                    guard let int8, int8.fuseLogistic(operand: 1 - k, logistic: table) else { continue }
                } else {
                    guard let float else { continue }
                    float.fuseLogistic(operand: 1 - k)
                }
                logistic.skip()
                logisticOf[s] = nil
                break
            }
        }
    }
}
