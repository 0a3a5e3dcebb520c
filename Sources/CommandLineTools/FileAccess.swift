// Reading and writing the files the command-line tools are given, with POSIX
// calls so that every failure is one line with the system's reason
// ("Permission denied", "Not a directory") instead of a Foundation error.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InputFormats

enum FileAccess {
    /// The bytes of the regular file at `path`; a FIFO, device or directory
    /// is refused without blocking. Errors read "cannot read WHAT 'PATH': REASON".
    static func read(_ path: String, what: String, maximumBytes: Int = 1 << 30) throws -> Data {
        switch FileReading.read(path, maximumBytes: maximumBytes) {
        case let .success(data): return data
        case let .failure(error): throw CLIError.runtime("cannot read \(what) '\(path)': \(error.reason)")
        }
    }

    /// Writes `data` to `path` (created, or truncated if it exists).
    /// Errors read "cannot write WHAT 'PATH': REASON".
    static func write(_ data: Data, to path: String, what: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK, 0o644)
        guard fd >= 0 else { throw CLIError.runtime("cannot write \(what) '\(path)': \(systemReason())") }
        var failure: String?
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var done = 0
            while done < buffer.count, let base = buffer.baseAddress {
                let n = Glibc_or_Darwin_write(fd, base + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    failure = systemReason()
                    return
                }
                done += n
            }
        }
        if close(fd) != 0, failure == nil { failure = systemReason() }
        if let failure { throw CLIError.runtime("cannot write \(what) '\(path)': \(failure)") }
    }

    /// Writes `text` as UTF-8 to `path`.
    static func write(_ text: String, to path: String, what: String) throws {
        try write(Data(text.utf8), to: path, what: what)
    }

    /// Creates the directory `path` and any missing parents (as `mkdir -p`).
    /// Errors read "cannot create directory 'PART' for WHAT: REASON".
    static func createDirectories(_ path: String, what: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            if mkdir(prefix, 0o755) == 0 { continue }
            let code = errno
            var info = stat()
            if stat(prefix, &info) == 0 {
                guard (info.st_mode & S_IFMT) == S_IFDIR else {
                    throw CLIError.runtime("cannot create directory '\(path)' for \(what): '\(prefix)' exists and is not a directory")
                }
                continue
            }
            throw CLIError.runtime("cannot create directory '\(prefix)' for \(what): \(String(cString: strerror(code)))")
        }
    }

    /// `strerror(errno)`.
    static func systemReason() -> String { String(cString: strerror(errno)) }
}

@inline(__always)
private func Glibc_or_Darwin_write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
