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

/// The bytes of a model file, owned for the lifetime of a `Model`.
///
/// Files are memory-mapped read-only (zero copy: constant tensors are read in
/// place from the mapping). `Data` given by the caller is copied once into a
/// 64-byte-aligned allocation, so typed pointers into constant buffers are
/// aligned and stay valid however the caller's `Data` is stored.
final class ModelBytes: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    private let release: () -> Void

    /// Refuse files above this size (FlatBuffers limit is 2 GiB; buffers stored
    /// after the FlatBuffer can make files larger, up to this cap).
    static let maximumFileSize = 1 << 36

    init(path: String) throws {
        // Non-blocking, so that a FIFO or device without a writer is opened
        // (and then rejected as not a regular file) instead of blocking here.
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else {
            throw InterpreterError.failedToLoadModel(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw InterpreterError.failedToLoadModel(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw InterpreterError.failedToLoadModel(path: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            throw InterpreterError.failedToLoadModel(path: path, reason: "file is empty")
        }
        guard size <= ModelBytes.maximumFileSize else {
            throw InterpreterError.failedToLoadModel(path: path, reason: "file is \(size) bytes, larger than the \(ModelBytes.maximumFileSize)-byte limit")
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw InterpreterError.failedToLoadModel(path: path, reason: "mmap failed: " + String(cString: strerror(errno)))
        }
        base = UnsafeRawPointer(mapped)
        count = size
        release = { munmap(mapped, size) }
    }

    init(data: Data) throws {
        guard !data.isEmpty else {
            throw InterpreterError.failedToLoadModel(path: "<data>", reason: "model data is empty")
        }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: data.count, alignment: 64)
        data.withUnsafeBytes { bytes in
            if let source = bytes.baseAddress { storage.copyMemory(from: source, byteCount: bytes.count) }
        }
        base = UnsafeRawPointer(storage)
        count = data.count
        release = { storage.deallocate() }
    }

    deinit { release() }

    func reader(budget: DecodeBudget) -> FlatBufferReader {
        FlatBufferReader(base: base, count: count, budget: budget)
    }
}
