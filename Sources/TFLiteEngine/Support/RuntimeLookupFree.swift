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

/// A key of the model's shared constant cache: what the value is (`kind`, a
/// literal) and the integers that pick it out (tensor and node indices,
/// sizes, switches as 0 or 1), plus the subgraph it belongs to. Not a string
/// built by interpolation: formatting, hashing and comparing those keys of
/// about 80 bytes was more than a tenth of a second int8 MobileNetV2
/// interpreter's start-up (issue 15, measured with `perf`).
struct SharedConstantKey {
    let kind: StaticString
    let values: [Int]
    var subgraph = 0

    init(_ kind: StaticString, _ values: [Int]) {
        self.kind = kind
        self.values = values
    }

    /// A key for a value derived from this key's value: another kind, the
    /// same numbers and `more`.
    func derived(_ kind: StaticString, _ more: [Int] = []) -> SharedConstantKey {
        var key = SharedConstantKey(kind, values + more)
        key.subgraph = subgraph
        return key
    }

    /// FNV-1a over the kind's bytes, then over the subgraph and the values
    /// a word at a time, each product folded down once. (Not `Hasher`: the
    /// standard library's hashing is code pages of the binary that nothing
    /// else from load to invoke touches; issue 14, peak RSS.)
    var hash: Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        kind.withUTF8Buffer { bytes in
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        func mix(_ v: Int) {
            h = (h ^ UInt64(bitPattern: Int64(v))) &* 0x100_0000_01b3
            h ^= h &>> 29
        }
        mix(subgraph)
        for v in values { mix(v) }
        return Int(truncatingIfNeeded: h ^ (h &>> 32))
    }

    /// Equal kind bytes, subgraph and values. (Compared by hand, not with
    /// the standard library's `==` on strings or arrays: see `hash`.)
    func matches(_ other: SharedConstantKey) -> Bool {
        guard subgraph == other.subgraph, values.count == other.values.count else { return false }
        for i in values.indices where values[i] != other.values[i] { return false }
        return kind.withUTF8Buffer { a in
            other.kind.withUTF8Buffer { b in
                guard a.count == b.count else { return false }
                if a.baseAddress == b.baseAddress { return true }  // the same literal
                for i in a.indices where a[i] != b[i] { return false }
                return true
            }
        }
    }
}

/// A map from `SharedConstantKey` to objects (a dictionary without the
/// dictionary's storage type and `Hashable`): separate chaining over arrays,
/// buckets a power of two, grown at three entries per four buckets.
struct SharedConstantTable {
    private var keys: [SharedConstantKey] = []
    private var objects: [AnyObject] = []
    /// Each key's hash, kept for growing.
    private var hashes: [Int] = []
    /// Next entry in the same bucket, −1 at the end of a chain.
    private var next: [Int] = []
    /// First entry of each bucket, −1 when empty.
    private var heads: [Int] = []

    var count: Int { keys.count }

    private func find(_ key: SharedConstantKey, hash: Int) -> Int? {
        guard !heads.isEmpty else { return nil }
        var i = heads[hash & (heads.count &- 1)]
        while i >= 0 {
            if hashes[i] == hash, keys[i].matches(key) { return i }
            i = next[i]
        }
        return nil
    }

    subscript(key: SharedConstantKey) -> AnyObject? {
        get { find(key, hash: key.hash).map { objects[$0] } }
        set {
            let hash = key.hash
            if let i = find(key, hash: hash) {
                // Removal is not needed by the cache; a nil keeps the old object.
                if let newValue { objects[i] = newValue }
                return
            }
            guard let newValue else { return }
            if (keys.count &+ 1) &* 4 > heads.count &* 3 { grow() }
            let bucket = hash & (heads.count &- 1)
            keys.append(key)
            objects.append(newValue)
            hashes.append(hash)
            next.append(heads[bucket])
            heads[bucket] = keys.count &- 1
        }
    }

    private mutating func grow() {
        let size = max(16, heads.count &* 2)
        heads = [Int](repeating: -1, count: size)
        for i in keys.indices {
            let bucket = hashes[i] & (size &- 1)
            next[i] = heads[bucket]
            heads[bucket] = i
        }
    }
}
