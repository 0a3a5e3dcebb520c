// libFuzzer target over the input decoders: .npy, PGM, IDX (which gunzips
// gzip input) and raw DEFLATE. The first byte picks the decoder so one corpus
// covers all four. Built and run by tools/fuzz.sh formats.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFormats(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let data = Data(bytes: bytes + 1, count: count - 1)
    // Bounded output so a "zip bomb" is an error, not an out-of-memory.
    let limit = 64 << 20
    switch bytes[0] % 4 {
    case 0: _ = try? NumPyArray(npyData: data)
    case 1: _ = try? PGMImage(data: data)
    case 2: _ = try? IDXFile(data: data)
    default: _ = try? Inflate.inflate(data, maximumOutputBytes: limit)
    }
    // Also try each decoder on the whole input, so unprefixed seed files count.
    let whole = Data(bytes: bytes, count: count)
    _ = try? NumPyArray(npyData: whole)
    _ = try? PGMImage(data: whole)
    if Inflate.isGzip(whole) { _ = try? Inflate.gunzip(whole, maximumOutputBytes: limit) }
    return 0
}
