import TFLiteEngine

/// A demonstration delegate that takes CONV_2D and CONCATENATION nodes with
/// float32 tensors (the two ops of TFLite's delegate diagram) and runs each
/// partition as one unit with the engine's own prepared kernels.
///
/// It exercises partitioning and fallback on real models; its results are
/// bit-identical to the CPU backend's. It uses only the public `Delegate`
/// API, so it is also a template for a delegate that runs partitions on
/// other hardware (registered by name with `BackendRegistry`).
final class ConvConcatDelegate: Delegate {
    let name = "conv-concat"
    let options: DelegateOptions

    init(options: DelegateOptions = DelegateOptions()) {
        self.options = options
    }

    func supports(_ node: DelegateNode) -> DelegateSupport {
        guard node.op == .conv2D || node.op == .concatenation else {
            return .unsupported(reason: "only CONV_2D and CONCATENATION are delegated")
        }
        for tensor in node.inputs.compactMap({ $0 }) + node.outputs where tensor.type != .float32 {
            return .unsupported(reason: "tensor #\(tensor.index) is \(tensor.type); only float32 is delegated")
        }
        return .supported
    }

    func prepare(_ partition: DelegatePartition) throws -> DelegatePartitionRunner {
        Runner(kernels: partition.engineKernels)
    }

    /// Runs the partition's engine kernels in order on the calling thread.
    private final class Runner: DelegatePartitionRunner {
        let kernels: [EngineKernel]
        init(kernels: [EngineKernel]) { self.kernels = kernels }
        func run() {
            for kernel in kernels { kernel.run() }
        }
    }
}
