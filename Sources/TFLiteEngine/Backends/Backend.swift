#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs a prepared graph's kernels. The interpreter talks to execution only
/// through this seam, so new backends plug in without touching it.
protocol ExecutionBackend: AnyObject {
    var name: String { get }
    /// Number of workers that may run tiles concurrently (each gets its own scratch).
    var workerCount: Int { get }
    /// Runs the steps in order (a contiguous run of the plan that is not delegated).
    func run(_ steps: ArraySlice<PreparedGraph.Step>)
}

/// The default backend: every kernel, in order, on the calling thread.
final class CPUBackend: ExecutionBackend {
    let name = "cpu"
    let workerCount = 1

    func run(_ steps: ArraySlice<PreparedGraph.Step>) {
        for step in steps {
            step.kernel.run(tiles: 0..<step.kernel.tileCount, worker: 0)
        }
    }
}

extension Interpreter.Options {
    /// The backend that runs the non-delegated steps: `.cpu` → `CPUBackend`;
    /// `.parallel` → `ParallelBackend` over `threadCount` threads (default:
    /// active processors); `.delegate` → `ParallelBackend` when
    /// `threadCount` > 1. One thread always means `CPUBackend`.
    func makeExecutionBackend() -> ExecutionBackend {
        let threads: Int
        switch backend {
        case .cpu: return CPUBackend()
        case .parallel: threads = threadCount ?? ProcessInfo.processInfo.activeProcessorCount
        case .delegate: threads = threadCount ?? 1
        }
        guard threads > 1 else { return CPUBackend() }
        return ParallelBackend(
            threads: threads, minimumParallelCost: parallelMinimumCost ?? ParallelBackend.defaultMinimumParallelCost,
            useDispatch: parallelUsesDispatch)
    }
}
