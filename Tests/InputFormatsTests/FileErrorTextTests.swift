import Foundation
import XCTest
import InputFormats

/// The one-line reasons `infer` prints when it cannot write a file (no `localizedDescription` in FoundationEssentials).
final class FileErrorTextTests: XCTestCase {
    func testReasonsAreTheSystemsWordsWithTheOtherPath() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("FileErrorTextTests-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let plainFile = scratch.appendingPathComponent("plain")
        try Data([1]).write(to: plainFile)

        let intoMissing = scratch.appendingPathComponent("missing/out.npy").path
        do {
            try Data([1]).write(to: URL(fileURLWithPath: intoMissing))
            XCTFail("wrote into a missing directory")
        } catch {
            XCTAssertEqual(FileErrorText.reason(of: error, about: intoMissing), "No such file or directory")
        }
        let underFile = plainFile.appendingPathComponent("sub").path
        do {
            try FileManager.default.createDirectory(atPath: underFile, withIntermediateDirectories: true)
            XCTFail("made a directory under a file")
        } catch {
            let reason = FileErrorText.reason(of: error, about: underFile)
            XCTAssertTrue(reason.hasPrefix("Not a directory") || reason.hasPrefix("File exists"), reason)
            XCTAssertFalse(reason.contains("\n") || reason.contains("Cocoa"), reason)
        }
        XCTAssertEqual(FileErrorText.reason(of: CocoaError(.fileWriteOutOfSpace)), "No space left on device")
        XCTAssertEqual(FileErrorText.reason(of: CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "/a"]), about: "/b"),
                       "No such file or directory ('/a')")
        XCTAssertEqual(FileErrorText.reason(of: POSIXError(.EACCES)), "Permission denied")
    }
}
