#if canImport(Glibc)
import Glibc
#endif

/// Float arithmetic that treats subnormal inputs as zero and gives zero
/// instead of a subnormal result, while the engine computes
/// (`Interpreter.Options.flushesSubnormals`): on x86-64 Linux, the MXCSR
/// register's flush-to-zero (bit 15) and denormals-are-zero (bit 6) bits.
/// XNNPACK sets the same around every operator it runs
/// (`PTHREADPOOL_FLAG_DISABLE_DENORMALS`).
///
/// Intel cores take a microcode assist on each vector instruction that
/// meets a subnormal. EfficientNet-B2 float32 on an all-zero image decays
/// into subnormals in its later blocks, and took 355 ms there (360 on
/// `bench`'s random input) against 29–40 on its recorded image (Intel
/// Xeon, family 6 model 207; on zeros LiteRT's builtin kernels, which do
/// not flush, 267 ms, XNNPACK 37).
///
/// The bits are per thread: `begin` sets them on the calling thread and
/// returns the register as it was, `end` puts it back, so the caller's own
/// arithmetic is not changed. Elsewhere (other systems and processors)
/// both do nothing.
enum SubnormalFlush {
    /// MXCSR's flush-to-zero and denormals-are-zero bits.
    static let bits: UInt32 = 0x8040

    /// The calling thread's floating-point environment before `begin`, or
    /// nil when `begin` changed nothing.
    #if os(Linux) && arch(x86_64)
    typealias Saved = fenv_t
    #else
    typealias Saved = Never
    #endif

    /// Sets flushing on the calling thread; nil when it was already set
    /// (or cannot be set here).
    @inline(__always)
    static func begin() -> Saved? {
        #if os(Linux) && arch(x86_64)
        var environment = fenv_t()
        guard fegetenv(&environment) == 0, environment.__mxcsr & bits != bits else { return nil }
        var flushing = environment
        flushing.__mxcsr |= bits
        return fesetenv(&flushing) == 0 ? environment : nil
        #else
        return nil
        #endif
    }

    /// Restores what `begin` returned.
    @inline(__always)
    static func end(_ saved: Saved?) {
        #if os(Linux) && arch(x86_64)
        guard var saved else { return }
        _ = fesetenv(&saved)
        #endif
    }

    /// Whether flushing is set on the calling thread (tests).
    static var isSet: Bool {
        #if os(Linux) && arch(x86_64)
        var environment = fenv_t()
        return fegetenv(&environment) == 0 && environment.__mxcsr & bits == bits
        #else
        return false
        #endif
    }
}
