// libFuzzer target over the Netpbm decoder: arbitrary bytes must give a
// DecodedImage or an ImageError, never a crash, hang or unbounded allocation.
// Built and run by tools/fuzz.sh netpbm.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Small limits, so that a mutated header cannot make one input decode a
/// legitimately huge image for seconds (the caps themselves are tested too).
let fuzzLimits = ImageDecodingLimits(maximumWidth: 4096, maximumHeight: 4096, maximumPixelCount: 1 << 22)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetpbm(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(start: bytes, count: count)
    let limits = fuzzLimits
    do {
        let image = try DecodedImage.decodeNetpbm(raw, limits: limits)
        // The decoded image must be consistent with its size; converting it must not trap.
        guard image.pixels.count == image.width * image.height * image.channels else {
            fatalError("\(image.width)×\(image.height)×\(image.channels) image with \(image.pixels.count) samples")
        }
        _ = image.converted(to: image.colorModel == .gray ? .rgb : .gray)
    } catch is ImageError {
        // Expected for malformed input.
    } catch {
        fatalError("untyped error escaped: \(error)")
    }
    return 0
}
