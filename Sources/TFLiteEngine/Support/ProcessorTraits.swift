/// What the CPU running this process does fast, where two kernel shapes
/// compute the same values and only their speed differs (never a result).
/// Read once from `/proc/cpuinfo` (x86-64 Linux); elsewhere the defaults.
enum ProcessorTraits {
    /// Whether the CPU starts two 512-bit float multiply-adds per cycle.
    /// AMD's Zen 4 (family 25) runs one, on its two 256-bit pipes together,
    /// as do Intel's client cores with AVX-512 (Ice Lake, Tiger Lake, Rocket
    /// Lake); Intel's server cores (Skylake-SP to Emerald Rapids and later)
    /// and AMD's Zen 5 run two. Where the CPU cannot be read: true, so
    /// a kernel keeps enough independent sums for two.
    static let twoWideMultiplyAddsPerCycle: Bool = {
        guard let fields = BuildFlavourAdvice.firstProcessorFields(),
              let family = fields["cpu family"].flatMap({ Int($0) }), let model = fields["model"].flatMap({ Int($0) }) else {
            return true
        }
        return twoWideMultiplyAddsPerCycle(vendor: fields["vendor_id"] ?? "", family: family, model: model)
    }()

    /// `twoWideMultiplyAddsPerCycle` for a CPU's `/proc/cpuinfo` vendor,
    /// family and model numbers.
    static func twoWideMultiplyAddsPerCycle(vendor: String, family: Int, model: Int) -> Bool {
        switch vendor {
        case "AuthenticAMD": return family != 0x19
        // Ice Lake (125, 126), Tiger Lake (140, 141), Rocket Lake (167).
        case "GenuineIntel": return !(family == 6 && [125, 126, 140, 141, 167].contains(model))
        default: return true
        }
    }
}
