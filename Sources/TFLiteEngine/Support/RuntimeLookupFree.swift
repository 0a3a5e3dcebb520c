// Small replacements for standard-library calls whose first use in a process
// makes the Swift runtime look up a protocol conformance.
//
// Instantiating the metadata of some generic types by name (`[Range<Int>]`,
// which the standard library's `sort` allocates for its runs; a `Set` or
// `Dictionary`, whose storage needs the key's `Hashable` conformance) makes
// the runtime check their generic requirements, and the first conformance
// lookup of a process walks every conformance record of the binary: about
// 0.5 MiB of the binary's pages are faulted in and stay resident (issue 14,
// peak RSS after `allocateTensors()`; measured with a static Swift runtime,
// see docs/performance.md). Loading a model, preparing it and invoking it
// use these helpers instead, so that they make no such lookup.

/// `values` in the order of `areInIncreasingOrder`, equal elements keeping
/// their order (a bottom-up merge sort; the standard library's `sorted(by:)`
/// allocates an array of `Range<Int>`).
func stableSorted(_ values: [Int], by areInIncreasingOrder: (Int, Int) -> Bool) -> [Int] {
    let n = values.count
    guard n > 1 else { return values }
    var source = values
    var target = [Int](repeating: 0, count: n)
    var width = 1
    while width < n {
        var start = 0
        while start < n {
            let middle = min(start &+ width, n), end = min(start &+ 2 &* width, n)
            var i = start, j = middle, k = start
            while i < middle && j < end {
                // Take from the right run only when strictly smaller: stable.
                if areInIncreasingOrder(source[j], source[i]) {
                    target[k] = source[j]
                    j &+= 1
                } else {
                    target[k] = source[i]
                    i &+= 1
                }
                k &+= 1
            }
            while i < middle { target[k] = source[i]; i &+= 1; k &+= 1 }
            while j < end { target[k] = source[j]; j &+= 1; k &+= 1 }
            start = end
        }
        swap(&source, &target)
        width = width &* 2
    }
    return source
}

/// The distinct values of `values` in increasing order (`Array(Set(values)).sorted()`
/// without the set and the standard library's sort).
func sortedDistinct(_ values: [Int]) -> [Int] {
    let sorted = stableSorted(values, by: <)
    var result: [Int] = []
    result.reserveCapacity(sorted.count)
    for v in sorted where result.last != v { result.append(v) }
    return result
}

/// A map from strings to objects (a `[String: AnyObject]` without the
/// dictionary's storage type): separate chaining over arrays, buckets a power
/// of two, grown at three entries per four buckets.
struct StringKeyedObjects {
    private var keys: [String] = []
    private var objects: [AnyObject] = []
    /// Next entry in the same bucket, −1 at the end of a chain.
    private var next: [Int] = []
    /// First entry of each bucket, −1 when empty.
    private var heads: [Int] = []

    var count: Int { keys.count }

    /// FNV-1a over the key's UTF-8 bytes taken eight at a time, each word's
    /// product folded down once. (Not `hashValue`: the standard library's
    /// string hashing and `Hasher` are code pages of the binary that
    /// nothing else from load to invoke touches; issue 14, peak RSS. Not a
    /// byte at a time: one multiply's latency per byte was 3% of an int8
    /// MobileNetV2's prepare, whose keys run to about 80 bytes.) Over the key's
    /// own bytes where contiguous, else a copy.
    private static func hash(_ key: String) -> Int {
        key.utf8.withContiguousStorageIfAvailable { hash(UnsafeRawBufferPointer($0)) }
            ?? Array(key.utf8).withUnsafeBytes { hash($0) }
    }

    private static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var i = 0
        while i &+ 8 <= bytes.count {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x100_0000_01b3
            h ^= h &>> 29
            i &+= 8
        }
        while i < bytes.count {
            h = (h ^ UInt64(bytes[i])) &* 0x100_0000_01b3
            i &+= 1
        }
        return Int(truncatingIfNeeded: h ^ (h &>> 32))
    }

    private func find(_ key: String) -> Int? {
        guard !heads.isEmpty else { return nil }
        var i = heads[Self.hash(key) & (heads.count &- 1)]
        while i >= 0 {
            // Bytes compared, not `==`: the standard library's string
            // comparison is another code page (issue 14, peak RSS).
            if keys[i].utf8.elementsEqual(key.utf8) { return i }
            i = next[i]
        }
        return nil
    }

    subscript(key: String) -> AnyObject? {
        get { find(key).map { objects[$0] } }
        set {
            if let i = find(key) {
                // Removal is not needed by the cache; a nil keeps the old object.
                if let newValue { objects[i] = newValue }
                return
            }
            guard let newValue else { return }
            if (keys.count &+ 1) &* 4 > heads.count &* 3 { grow() }
            let bucket = Self.hash(key) & (heads.count &- 1)
            keys.append(key)
            objects.append(newValue)
            next.append(heads[bucket])
            heads[bucket] = keys.count &- 1
        }
    }

    private mutating func grow() {
        let size = max(16, heads.count &* 2)
        heads = [Int](repeating: -1, count: size)
        for i in keys.indices {
            let bucket = Self.hash(keys[i]) & (size &- 1)
            next[i] = heads[bucket]
            heads[bucket] = i
        }
    }
}
