// libFuzzer target over one image decoder: arbitrary bytes must give a
// DecodedImage or an ImageError, never a crash, hang or unbounded allocation.
// One binary serves the three decoders; FUZZ_IMAGE_FORMAT (png, jpeg or
// netpbm, set by `tools/fuzz.sh png|jpeg|netpbm`) chooses which.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Small limits, so that a mutated header cannot make one input decode a
/// legitimately huge image for seconds (the caps themselves are tested too).
let fuzzLimits = ImageDecodingLimits(maximumWidth: 4096, maximumHeight: 4096, maximumPixelCount: 1 << 22)

/// The decoder under test, from FUZZ_IMAGE_FORMAT.
let fuzzFormat: ImageFormat = {
    let name = ProcessInfo.processInfo.environment["FUZZ_IMAGE_FORMAT"] ?? ""
    guard let format = ImageFormat(rawValue: name) else {
        fatalError("set FUZZ_IMAGE_FORMAT to png, jpeg or netpbm (tools/fuzz.sh png|jpeg|netpbm does), not '\(name)'")
    }
    return format
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(start: bytes, count: count)
    do {
        let image: DecodedImage
        switch fuzzFormat {
        case .png: image = try PNGDecoder.decode(raw, limits: fuzzLimits)
        case .jpeg: image = try JPEGDecoder.decode(raw, limits: fuzzLimits)
        case .netpbm: image = try DecodedImage.decodeNetpbm(raw, limits: fuzzLimits)
        }
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
