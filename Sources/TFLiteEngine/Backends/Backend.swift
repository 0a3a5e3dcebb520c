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

    /// Reads only each step's kernel and order (copying whole `Step`s
    /// retained and released the node's arrays and options on every node of
    /// every invoke).
    func run(_ steps: ArraySlice<PreparedGraph.Step>) {
        for i in steps.indices {
            let kernel = steps[i].kernel
            let tiles = kernel.tileCount
            if steps[i].reversesTiles && tiles > 1 {
                TileOrderAlternation.runReversed(kernel, tiles: tiles)
            } else {
                kernel.run(tiles: 0..<tiles, worker: 0)
            }
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
            useDispatch: parallelUsesDispatch, flushesSubnormals: flushesSubnormals)
    }
}

/// A delegate compared and hashed by identity, so `Interpreter.Options`
/// keeps its synthesized `Equatable`/`Hashable` conformance.
struct DelegateReference: Hashable, Sendable {
    let delegate: any Delegate

    static func == (a: DelegateReference, b: DelegateReference) -> Bool { a.delegate === b.delegate }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(delegate)) }
}

extension Interpreter.Options {
    /// Throws when the delegates cannot be honoured: more than one, or one
    /// together with an explicitly named backend.
    func validateDelegates() throws {
        let count = delegates.count
        guard count > 0 else { return }
        guard count == 1 else {
            throw InterpreterError.backendError(
                backend: "delegates", reason: "\(count) delegates given (\(delegates.map(\.name).joined(separator: ", "))); one delegate per interpreter is supported")
        }
        if let explicitBackend {
            throw InterpreterError.backendError(
                backend: "delegates", reason: "delegate '\(delegates[0].name)' given together with backend '\(explicitBackend)'; give one of them")
        }
    }
}
