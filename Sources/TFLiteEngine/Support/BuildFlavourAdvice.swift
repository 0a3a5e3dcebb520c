#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether the CPU running this process could run a faster build flavour
/// than the one the library was compiled with (`TFLiteEngineBuild.flavour`),
/// and the flags to rebuild with. x86-64 Linux reads the CPU flags from
/// `/proc/cpuinfo`; elsewhere nothing is detected (arm64 builds already get
/// fused multiply-add by default).
public enum BuildFlavourAdvice {
    /// Flavours from slowest to fastest, with the build flags that select each.
    static let flavours: [(name: String, flags: String)] = [
        ("portable", ""),
        ("fma", "-Xcc -march=native -Xswiftc -DTFLITEENGINE_FMA"),
        ("avx2", "-Xcc -march=native -Xswiftc -DTFLITEENGINE_AVX2"),
        ("avx512", "-Xcc -march=native -Xswiftc -DTFLITEENGINE_AVX512"),
        ("avx512-vnni", "-Xcc -march=native -Xswiftc -DTFLITEENGINE_AVX512VNNI"),
    ]

    /// The fastest flavour a CPU with these `/proc/cpuinfo` flags can run.
    public static func fastestFlavour(cpuFlags: Set<Substring>) -> String {
        let avx512 = ["avx512f", "avx512bw", "avx512vl"].allSatisfy { cpuFlags.contains(Substring($0)) }
        if avx512 && cpuFlags.contains("avx512_vnni") { return "avx512-vnni" }
        if avx512 { return "avx512" }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "avx2" }
        if cpuFlags.contains("fma") { return "fma" }
        return "portable"
    }

    /// One line naming the faster flavour and its rebuild command, or nil
    /// when the build is already the fastest this CPU supports (or the CPU
    /// cannot be read). `cpuFlags` defaults to this machine's.
    public static func message(built: String = TFLiteEngineBuild.flavour, cpuFlags: Set<Substring>? = nil) -> String? {
        guard let flags = cpuFlags ?? currentCPUFlags() else { return nil }
        let best = fastestFlavour(cpuFlags: flags)
        guard let bestRank = flavours.firstIndex(where: { $0.name == best }),
              let builtRank = flavours.firstIndex(where: { $0.name == built }), bestRank > builtRank else { return nil }
        return "note: this CPU can run the faster '\(best)' build of TFLiteEngine (this one is '\(built)'): "
            + "swift build -c release \(flavours[bestRank].flags)"
    }

    /// Prints `message()` to standard error, unless the environment sets
    /// `TFLITEENGINE_NO_FLAVOUR_NOTE`.
    public static func printIfFasterFlavourAvailable() {
        guard getenv("TFLITEENGINE_NO_FLAVOUR_NOTE") == nil, let line = message() else { return }
        let text = line + "\n"
        text.utf8CString.withUnsafeBufferPointer { bytes in
            _ = write(2, bytes.baseAddress, bytes.count - 1)
        }
    }

    /// The `flags` line of `/proc/cpuinfo` (x86-64 Linux), as a set.
    static func currentCPUFlags() -> Set<Substring>? {
        #if os(Linux) && arch(x86_64)
        guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 1 << 14)
        // Only the first processor's lines are read; a flags line is < 4 KiB today.
        for _ in 0..<64 {
            guard fgets(&line, Int32(line.count), file) != nil else { return nil }
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("flags") || text.hasPrefix("Features") {
                guard let colon = text.firstIndex(of: ":") else { return nil }
                return Set(text[text.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }))
            }
        }
        return nil
        #else
        return nil
        #endif
    }
}
