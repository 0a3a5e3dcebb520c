/// A reader of the zip archive that tflite-support appends to a model to hold
/// its associated files (label lists, vocabularies…).
///
/// Only what such archives use: one disk, stored (method 0) and DEFLATE
/// (method 8) entries, no encryption; ZIP64 is refused with a clear error.
/// Nothing read from the file is trusted: the end record is searched for in
/// the last 64 KiB + 22 bytes only; the central directory must end where the
/// end record starts; every entry's local header, name and data must lie
/// between the start of the file and the central directory, without
/// overlapping another entry; the local header must agree with the central
/// directory; an entry decompresses to at most its declared size (itself
/// capped), which must match, as must its CRC-32.
///
/// Offsets in the central directory may be relative to the file (Python's
/// `zipfile` appending to a model) or to the start of the archive (an archive
/// concatenated after the model): the difference between where the central
/// directory is and where the end record says it is gives the base.
struct ZipArchive {
    struct Entry: Equatable {
        let name: String
        /// 0 stored, 8 DEFLATE.
        let method: UInt16
        let crc32: UInt32
        let compressedSize: Int
        let uncompressedSize: Int
        /// Absolute offset of the local header in the file.
        let localHeaderOffset: Int
        /// Absolute range of the (compressed) data in the file.
        let dataRange: Range<Int>
    }

    /// The file's bytes; the owner (the model's `ModelBytes`) outlives the archive.
    let bytes: UnsafeRawBufferPointer
    /// Entries in central-directory order.
    let entries: [Entry]
    /// Absolute offset of the central directory.
    let centralDirectoryOffset: Int

    static let endRecordSignature: UInt32 = 0x0605_4B50
    static let centralHeaderSignature: UInt32 = 0x0201_4B50
    static let localHeaderSignature: UInt32 = 0x0403_4B50
    static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    static let endRecordSize = 22
    static let centralHeaderSize = 46
    static let localHeaderSize = 30

    /// The archive at the end of `bytes`, or nil when the file does not end
    /// with a zip end-of-central-directory record.
    static func locate(in bytes: UnsafeRawBufferPointer) throws -> ZipArchive? {
        guard let end = findEndRecord(bytes) else { return nil }
        return try ZipArchive(bytes: bytes, endRecord: end)
    }

    /// The offset of the end record: the last position in the final
    /// 22 + 65,535 bytes with the signature whose comment reaches exactly to
    /// the end of the file.
    static func findEndRecord(_ b: UnsafeRawBufferPointer) -> Int? {
        guard b.count >= endRecordSize else { return nil }
        let lowest = max(0, b.count - endRecordSize - 0xFFFF)
        var p = b.count - endRecordSize
        while p >= lowest {
            if le32(b, p) == endRecordSignature && Int(le16(b, p + 20)) == b.count - endRecordSize - p {
                return p
            }
            p -= 1
        }
        return nil
    }

    init(bytes b: UnsafeRawBufferPointer, endRecord end: Int) throws {
        self.bytes = b
        let location = "end of central directory (offset \(end))"
        if end >= 20 && ZipArchive.le32(b, end - 20) == ZipArchive.zip64LocatorSignature {
            throw ModelMetadataError.unsupportedArchive(location: location, reason: "ZIP64 archives are not supported")
        }
        let disk = ZipArchive.le16(b, end + 4), directoryDisk = ZipArchive.le16(b, end + 6)
        let entriesOnDisk = Int(ZipArchive.le16(b, end + 8)), entryCount = Int(ZipArchive.le16(b, end + 10))
        let directorySize = Int(ZipArchive.le32(b, end + 12)), statedOffset = Int(ZipArchive.le32(b, end + 16))
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || statedOffset == 0xFFFF_FFFF {
            throw ModelMetadataError.unsupportedArchive(location: location, reason: "ZIP64 archives are not supported")
        }
        guard disk == 0, directoryDisk == 0, entriesOnDisk == entryCount else {
            throw ModelMetadataError.unsupportedArchive(location: location, reason: "multi-disk archives are not supported (disk \(disk), directory on disk \(directoryDisk), \(entriesOnDisk) of \(entryCount) entries here)")
        }
        // The central directory ends where the end record starts.
        guard directorySize <= end else {
            throw ModelMetadataError.malformedArchive(location: location, reason: "central directory of \(directorySize) bytes is larger than the \(end) bytes before the end record")
        }
        let directoryStart = end - directorySize
        guard statedOffset <= directoryStart else {
            throw ModelMetadataError.malformedArchive(location: location, reason: "central directory offset \(statedOffset) lies past where the directory is (\(directoryStart))")
        }
        // Offsets in the archive are relative to `base` (0 when they are file offsets).
        let base = directoryStart - statedOffset
        centralDirectoryOffset = directoryStart

        var entries: [Entry] = []
        entries.reserveCapacity(entryCount)
        var names = Set<String>()
        var p = directoryStart
        for index in 0..<entryCount {
            let at = "central directory entry \(index) (offset \(p))"
            guard end - p >= ZipArchive.centralHeaderSize else {
                throw ModelMetadataError.malformedArchive(location: at, reason: "entry runs past the end of the \(directorySize)-byte central directory (\(entryCount) entries declared)")
            }
            guard ZipArchive.le32(b, p) == ZipArchive.centralHeaderSignature else {
                throw ModelMetadataError.malformedArchive(location: at, reason: "bad signature \(ZipArchive.hex32(ZipArchive.le32(b, p))), expected 02014B50")
            }
            let flags = ZipArchive.le16(b, p + 8), method = ZipArchive.le16(b, p + 10)
            let crc = ZipArchive.le32(b, p + 16)
            let compressed = Int(ZipArchive.le32(b, p + 20)), uncompressed = Int(ZipArchive.le32(b, p + 24))
            let nameLength = Int(ZipArchive.le16(b, p + 28)), extraLength = Int(ZipArchive.le16(b, p + 30)), commentLength = Int(ZipArchive.le16(b, p + 32))
            let entryDisk = ZipArchive.le16(b, p + 34)
            let localOffset = Int(ZipArchive.le32(b, p + 42))
            let headerEnd = p + ZipArchive.centralHeaderSize  // < end: checked above
            guard nameLength + extraLength + commentLength <= end - headerEnd else {
                throw ModelMetadataError.malformedArchive(location: at, reason: "name, extra field and comment (\(nameLength + extraLength + commentLength) bytes) run past the end of the central directory")
            }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: b[headerEnd..<(headerEnd + nameLength)]), as: UTF8.self)
            let named = "\(at) '\(name)'"
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                throw ModelMetadataError.unsupportedArchive(location: named, reason: "ZIP64 entries are not supported")
            }
            guard entryDisk == 0 else {
                throw ModelMetadataError.unsupportedArchive(location: named, reason: "entry starts on disk \(entryDisk); multi-disk archives are not supported")
            }
            if flags & 0x0041 != 0 {
                throw ModelMetadataError.unsupportedArchive(location: named, reason: "encrypted entries are not supported (flags \(ZipArchive.hex16(flags)))")
            }
            guard method == 0 || method == 8 else {
                throw ModelMetadataError.unsupportedArchive(location: named, reason: "compression method \(method) is not supported (only 0, stored, and 8, DEFLATE)")
            }
            guard names.insert(name).inserted else {
                throw ModelMetadataError.malformedArchive(location: named, reason: "a second entry with the same name")
            }
            let local = try ZipArchive.localHeader(
                b, at: base + localOffset, limit: directoryStart, entry: named,
                centralName: UnsafeRawBufferPointer(rebasing: b[headerEnd..<(headerEnd + nameLength)]),
                method: method, flags: flags, crc: crc, compressed: compressed, uncompressed: uncompressed)
            entries.append(Entry(
                name: name, method: method, crc32: crc, compressedSize: compressed, uncompressedSize: uncompressed,
                localHeaderOffset: base + localOffset, dataRange: local))
            p = headerEnd + nameLength + extraLength + commentLength
        }
        guard p == end else {
            throw ModelMetadataError.malformedArchive(location: location, reason: "the \(entryCount) central directory entries take \(p - directoryStart) bytes, the end record says \(directorySize)")
        }
        // Entries may not share bytes: each ends before the next one's local header.
        let byOffset = entries.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        for (a, next) in zip(byOffset, byOffset.dropFirst()) where a.dataRange.upperBound > next.localHeaderOffset {
            throw ModelMetadataError.malformedArchive(
                location: "entry '\(next.name)' (local header at offset \(next.localHeaderOffset))",
                reason: "overlaps entry '\(a.name)', whose data runs to offset \(a.dataRange.upperBound)")
        }
        self.entries = entries
    }

    /// Checks an entry's local header against its central-directory record
    /// and returns the absolute range of its data.
    static func localHeader(
        _ b: UnsafeRawBufferPointer, at offset: Int, limit: Int, entry: String, centralName: UnsafeRawBufferPointer,
        method: UInt16, flags: UInt16, crc: UInt32, compressed: Int, uncompressed: Int
    ) throws -> Range<Int> {
        let at = "\(entry): local header at offset \(offset)"
        guard offset >= 0, offset < limit, limit - offset >= localHeaderSize else {
            throw ModelMetadataError.malformedArchive(location: at, reason: "the header lies outside the file's entry area (0..<\(limit), before the central directory)")
        }
        guard le32(b, offset) == localHeaderSignature else {
            throw ModelMetadataError.malformedArchive(location: at, reason: "bad signature \(hex32(le32(b, offset))), expected 04034B50")
        }
        let nameLength = Int(le16(b, offset + 26)), extraLength = Int(le16(b, offset + 28))
        let nameStart = offset + localHeaderSize
        let dataStart = nameStart + nameLength + extraLength  // each term < 2^33
        guard dataStart <= limit, compressed <= limit - dataStart else {
            throw ModelMetadataError.malformedArchive(location: at, reason: "\(compressed) bytes of data at offset \(dataStart) run past the entry area (0..<\(limit), before the central directory)")
        }
        guard nameLength == centralName.count,
              UnsafeRawBufferPointer(rebasing: b[nameStart..<(nameStart + nameLength)]).elementsEqual(centralName) else {
            throw ModelMetadataError.malformedArchive(location: at, reason: "the local header names a different file than the central directory")
        }
        guard le16(b, offset + 8) == method else {
            throw ModelMetadataError.malformedArchive(location: at, reason: "compression method \(le16(b, offset + 8)) differs from the central directory's \(method)")
        }
        // With a data descriptor (flag bit 3) the local CRC and sizes may be zero.
        if flags & 0x0008 == 0 {
            let localCRC = le32(b, offset + 14)
            let localCompressed = Int(le32(b, offset + 18)), localUncompressed = Int(le32(b, offset + 22))
            guard localCRC == crc, localCompressed == compressed, localUncompressed == uncompressed else {
                throw ModelMetadataError.malformedArchive(location: at, reason: "CRC-32 \(hex32(localCRC)) and sizes \(localCompressed)/\(localUncompressed) differ from the central directory's \(hex32(crc)) and \(compressed)/\(uncompressed)")
            }
        }
        return dataStart..<(dataStart + compressed)
    }

    func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// The entry's bytes, decompressed and checked (size and CRC-32).
    func contents(of entry: Entry, maximumBytes: Int) throws -> [UInt8] {
        let at = "entry '\(entry.name)'"
        guard entry.uncompressedSize <= maximumBytes else {
            throw ModelMetadataError.associatedFileTooLarge(name: entry.name, bytes: entry.uncompressedSize, limit: maximumBytes)
        }
        let data = UnsafeRawBufferPointer(rebasing: bytes[entry.dataRange])
        var out: [UInt8] = []
        if entry.method == 0 {
            guard entry.compressedSize == entry.uncompressedSize else {
                throw ModelMetadataError.malformedArchive(location: at, reason: "stored entry has \(entry.compressedSize) bytes of data but declares \(entry.uncompressedSize)")
            }
            out = Array(data)
        } else {
            // The declared size bounds the output: a "zip bomb" stops there.
            do {
                out = try Inflate.inflate(bytes: data, maximumOutputBytes: entry.uncompressedSize)
            } catch let e as InflateError {
                if e.reason.hasPrefix("decompressed data exceeds the limit") {
                    throw ModelMetadataError.malformedArchive(location: at, reason: "DEFLATE data inflates to more than the \(entry.uncompressedSize) bytes the central directory declares")
                }
                throw ModelMetadataError.malformedArchive(location: at, reason: "DEFLATE data: \(e.reason)\(e.offset.map { " (near byte \($0) of the entry's data)" } ?? "")")
            }
            guard out.count == entry.uncompressedSize else {
                throw ModelMetadataError.malformedArchive(location: at, reason: "DEFLATE data inflates to \(out.count) bytes, the central directory declares \(entry.uncompressedSize)")
            }
        }
        let crc = CRC32.checksum(out)
        guard crc == entry.crc32 else {
            throw ModelMetadataError.malformedArchive(location: at, reason: "CRC-32 of the data is \(ZipArchive.hex32(crc)), the archive says \(ZipArchive.hex32(entry.crc32))")
        }
        return out
    }

    // Unchecked little-endian loads: callers check the range first.
    static func le16(_ b: UnsafeRawBufferPointer, _ p: Int) -> UInt16 {
        UInt16(b[p]) | UInt16(b[p + 1]) << 8
    }
    static func le32(_ b: UnsafeRawBufferPointer, _ p: Int) -> UInt32 {
        UInt32(b[p]) | UInt32(b[p + 1]) << 8 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 3]) << 24
    }
    static func hex32(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - s.count) + s
    }
    static func hex16(_ v: UInt16) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - s.count) + s
    }
}
