#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Set by the signal handler of ``ServeInterruption`` (a `sig_atomic_t`, the
/// one kind of object a handler may write).
nonisolated(unsafe) private var serveSignalArrived: sig_atomic_t = 0

/// Ctrl-C (SIGINT) or SIGTERM while `infer --auto DIR --serve N` runs: the
/// server stops after the request in progress, prints its summary and writes
/// its trace, instead of dying with them (so a run can be bounded by time:
/// `tools/selection_demo.sh` serves until it sends SIGTERM).
struct ServeInterruption {
    private static let signals = [SIGINT, SIGTERM]

    /// Installs the handler for both signals.
    init() {
        serveSignalArrived = 0
        for number in Self.signals { signal(number) { _ in serveSignalArrived = 1 } }
    }

    /// Whether a signal has arrived.
    var isInterrupted: Bool { serveSignalArrived != 0 }

    /// Restores the signals' default action.
    func stop() {
        for number in Self.signals { signal(number, SIG_DFL) }
    }
}
