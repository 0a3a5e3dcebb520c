// libFuzzer target over the TFLite metadata parser and the associated-file zip
// reader. Each input is tried three ways: the metadata FlatBuffer found at its
// first "M001" identifier, the zip archive at its end (every entry extracted,
// capped at 1 MiB), and as a whole model through the public accessors. Any
// crash, sanitizer report, hang or error other than ModelMetadataError (or
// InterpreterError when the model itself does not load) is a bug. Built and
// run by tools/fuzz.sh metadata.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetadata(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(start: bytes, count: count)
    let limit = 1 << 20
    func typed(_ what: String, _ body: () throws -> Void) {
        do { try body() } catch is ModelMetadataError {
            // Expected for malformed input.
        } catch {
            fatalError("\(what): untyped error escaped: \(error)")
        }
    }
    // 1. The metadata parser on the buffer holding the first "M001" at offset 4.
    if count >= 8, let at = (4..<(count - 3)).first(where: { raw[$0] == 0x4D && raw[$0 + 1] == 0x30 && raw[$0 + 2] == 0x30 && raw[$0 + 3] == 0x31 }) {
        typed("metadata") { _ = try MetadataParser.parse(UnsafeRawBufferPointer(rebasing: raw[(at - 4)...])) }
    }
    // 2. The zip reader on the whole input.
    typed("zip") {
        guard let archive = try ZipArchive.locate(in: raw) else { return }
        for entry in archive.entries {
            typed("zip entry") { _ = try archive.contents(of: entry, maximumBytes: limit) }
        }
    }
    // 3. A whole model through the public API.
    guard let model = try? Model(data: Data(bytes: bytes, count: count)) else { return 0 }
    typed("Model.metadata") { _ = try model.metadata }
    typed("Model.labels") { _ = try model.labels(forOutput: 0, locale: "fr") }
    typed("Model.associatedFile") {
        for file in try model.packedFiles {
            typed("Model.associatedFile(named:)") { _ = try model.associatedFile(named: file.name, maximumBytes: limit) }
        }
    }
    return 0
}
