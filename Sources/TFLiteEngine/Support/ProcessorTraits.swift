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
        // (Bytes compared and parsed by hand: no dictionary or `String ==`
        // on the prepare path, see `Support/RuntimeLookupFree.swift`.)
        var vendor = "", family: Int?, model: Int?
        BuildFlavourAdvice.forEachFirstProcessorField { key, value in
            if equal(key, "vendor_id") { vendor = String(decoding: value, as: UTF8.self) }
            if equal(key, "cpu family") { family = decimal(value) }
            if equal(key, "model") { model = decimal(value) }
        }
        guard let family, let model else { return true }
        return twoWideMultiplyAddsPerCycle(vendor: vendor, family: family, model: model)
    }()

    /// `twoWideMultiplyAddsPerCycle` for a CPU's `/proc/cpuinfo` vendor,
    /// family and model numbers.
    static func twoWideMultiplyAddsPerCycle(vendor: String, family: Int, model: Int) -> Bool {
        if vendor.utf8.elementsEqual("AuthenticAMD".utf8) { return family != 0x19 }
        if vendor.utf8.elementsEqual("GenuineIntel".utf8) {
            // Ice Lake (125, 126), Tiger Lake (140, 141), Rocket Lake (167).
            return !(family == 6 && (model == 125 || model == 126 || model == 140 || model == 141 || model == 167))
        }
        return true
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        text.withUTF8Buffer { $0.elementsEqual(bytes) }
    }

    /// A decimal number of at most nine digits, else nil.
    private static func decimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 9 else { return nil }
        var value = 0
        for b in bytes {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            value = value &* 10 &+ Int(b &- 0x30)
        }
        return value
    }
}
