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
        // The VNNI flavour also uses VBMI's byte permutes (Ice Lake, Zen 4 and
        // later have both; Cascade Lake and Cooper Lake only VNNI).
        if avx512 && cpuFlags.contains("avx512_vnni") && cpuFlags.contains("avx512vbmi") { return "avx512-vnni" }
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
        guard let flags = firstProcessorFields()?["flags"] else { return nil }
        return Set(flags.split(whereSeparator: { $0 == " " || $0 == "\t" }))
    }

    /// This machine's CPU in one line, for benchmark reports: the model
    /// name with the CPU family, model and stepping, and for AMD's Zen
    /// families the generation they identify, e.g.
    /// `AMD EPYC (family 23 model 1 stepping 2: Zen or Zen+)`. Virtual
    /// machines often name only "AMD EPYC", which hides that two hosts of
    /// one kind are different generations with different int8 and float
    /// throughput. nil where `/proc/cpuinfo` cannot be read (x86-64 Linux only).
    public static func cpuDescription() -> String? {
        firstProcessorFields().map(cpuDescription(fields:))
    }

    /// `cpuDescription()` from the fields of one processor's `/proc/cpuinfo` block.
    static func cpuDescription(fields: [String: String]) -> String {
        let name = fields["model name"] ?? "unknown CPU"
        guard let family = fields["cpu family"].flatMap({ Int($0) }), let model = fields["model"].flatMap({ Int($0) }) else {
            return name
        }
        var detail = "family \(family) model \(model)"
        if let stepping = fields["stepping"] { detail += " stepping \(stepping)" }
        if fields["vendor_id"] == "AuthenticAMD", let generation = amdGeneration(family: family, model: model) {
            detail += ": " + generation
        }
        return "\(name) (\(detail))"
    }

    /// AMD's Zen generation from the CPU family and model numbers.
    static func amdGeneration(family: Int, model: Int) -> String? {
        switch family {
        case 0x17: return model <= 0x2F ? "Zen or Zen+" : "Zen 2"
        case 0x19: return (0x10...0x1F).contains(model) || (0x60...0xAF).contains(model) ? "Zen 4" : "Zen 3"
        case 0x1A: return "Zen 5"
        default: return nil
        }
    }

    /// The `key: value` lines of the first processor's block of
    /// `/proc/cpuinfo` (x86-64 Linux), keys trimmed; nil elsewhere or when
    /// the file cannot be read.
    static func firstProcessorFields() -> [String: String]? {
        var fields: [String: String] = [:]
        forEachFirstProcessorField { key, value in
            let name = String(decoding: key, as: UTF8.self)
            if fields[name] == nil { fields[name] = String(decoding: value, as: UTF8.self) }
        }
        return fields.isEmpty ? nil : fields
    }

    /// Calls `body` with the key and the value of each `key: value` line
    /// of the first processor's block of `/proc/cpuinfo` (x86-64 Linux),
    /// both without surrounding blanks; elsewhere, or when the file cannot
    /// be read, never.
    ///
    /// On bytes, without a dictionary: the first float convolution's
    /// prepare reads the CPU here (`ProcessorTraits`), and trimming the
    /// lines as `Character`s took 1.6 ms of a float32 MobileNetV2's first
    /// `allocateTensors()` (issue 15, `perf`).
    static func forEachFirstProcessorField(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void) {
        #if os(Linux) && arch(x86_64)
        guard let file = fopen("/proc/cpuinfo", "r") else { return }
        defer { fclose(file) }
        // The first block: a few dozen lines, its flags line < 4 KiB today.
        let capacity = 1 << 14
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { bytes.deallocate() }
        var count = 0
        while count < capacity {
            let read = fread(bytes + count, 1, capacity &- count, file)
            guard read > 0 else { break }
            count &+= read
        }
        forEachField(inFirstBlockOf: UnsafeBufferPointer(start: bytes, count: count), body)
        #endif
    }

    /// `forEachFirstProcessorField` over `text`, the contents of a
    /// `/proc/cpuinfo`: its lines up to the first blank one; lines without
    /// a colon are skipped.
    static func forEachField(inFirstBlockOf text: UnsafeBufferPointer<UInt8>,
                             _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void) {
        guard let bytes = text.baseAddress else { return }
        let count = text.count
        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
        var start = 0
        while start < count {
            var end = start
            while end < count && bytes[end] != 0x0A { end &+= 1 }
            var first = start, last = end
            while first < last && isBlank(bytes[first]) { first &+= 1 }
            while last > first && isBlank(bytes[last &- 1]) { last &-= 1 }
            if first == last { break }  // the blank line after the first block
            var colon = first
            while colon < last && bytes[colon] != 0x3A { colon &+= 1 }
            if colon < last {
                var keyEnd = colon, valueStart = colon &+ 1
                while keyEnd > first && isBlank(bytes[keyEnd &- 1]) { keyEnd &-= 1 }
                while valueStart < last && isBlank(bytes[valueStart]) { valueStart &+= 1 }
                body(UnsafeBufferPointer(start: bytes + first, count: keyEnd &- first),
                     UnsafeBufferPointer(start: bytes + valueStart, count: last &- valueStart))
            }
            start = end &+ 1
        }
    }
}
