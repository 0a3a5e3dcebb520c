/// Plans one arena for all intermediate tensors from their lifetimes.
///
/// The algorithm follows TFLite's `ArenaPlanner` + `SimpleMemoryArena`:
/// buffers alive for the whole run come first (by id), the rest in order of
/// decreasing size (ties: earlier first use). Each buffer is placed in the
/// smallest gap, among buffers whose lifetime intersects its own, that fits
/// it (best fit); if none fits, after the last of them. Offsets are aligned
/// to `alignment` bytes. All arithmetic is overflow-checked.
enum ArenaPlanner {
    struct Request: Equatable {
        /// Caller's identifier (tensor index, or a scratch id).
        let id: Int
        let bytes: Int
        /// First and last step (inclusive) during which the buffer is alive.
        let first: Int
        let last: Int
    }

    struct Plan {
        /// Offset of each request, by position in the request list.
        let offsets: [Int]
        /// Total arena bytes (high-water mark).
        let totalBytes: Int
    }

    static func plan(_ requests: [Request], alignment: Int = 64, wholeRun: (first: Int, last: Int)? = nil) throws -> Plan {
        // (`stableSorted`, not the standard library's sort: see its file.)
        let order = stableSorted(Array(requests.indices)) { a, b in
            let ra = requests[a], rb = requests[b]
            if let w = wholeRun {
                let aw = ra.first <= w.first && ra.last >= w.last
                let bw = rb.first <= w.first && rb.last >= w.last
                if aw != bw { return aw }
                if aw && bw { return ra.id < rb.id }
            }
            if ra.bytes != rb.bytes { return ra.bytes > rb.bytes }
            if ra.first != rb.first { return ra.first < rb.first }
            return a < b
        }
        var offsets = [Int](repeating: 0, count: requests.count)
        // Placed buffers, kept sorted by offset.
        var placed: [(offset: Int, end: Int, first: Int, last: Int)] = []
        var high = 0
        for index in order {
            let r = requests[index]
            var current = 0
            var best: Int?
            var bestGap = Int.max
            for p in placed where p.first <= r.last && r.first <= p.last {
                let aligned = try alignUp(current, alignment)
                let (end, o) = aligned.addingReportingOverflow(r.bytes)
                if o { throw tooLarge(r.bytes) }
                if end <= p.offset {
                    let gap = p.offset - aligned
                    if gap < bestGap {
                        bestGap = gap
                        best = aligned
                        if gap == 0 { break }
                    }
                }
                current = max(current, p.end)
            }
            let offset = try best ?? alignUp(current, alignment)
            let (end, o) = offset.addingReportingOverflow(r.bytes)
            if o { throw tooLarge(r.bytes) }
            offsets[index] = offset
            high = max(high, end)
            let position = placed.firstIndex { $0.offset > offset } ?? placed.count
            placed.insert((offset, end, r.first, r.last), at: position)
        }
        return Plan(offsets: offsets, totalBytes: high)
    }

    static func alignUp(_ value: Int, _ alignment: Int) throws -> Int {
        let (sum, o) = value.addingReportingOverflow(alignment - 1)
        if o { throw tooLarge(value) }
        return sum / alignment * alignment
    }

    private static func tooLarge(_ bytes: Int) -> InterpreterError {
        .allocationTooLarge(what: "the tensor arena", bytes: bytes, limit: Int.max)
    }

    /// Pairs of requests that are alive at the same time and overlap in
    /// memory (must be empty; used by tests).
    static func overlaps(_ requests: [Request], _ plan: Plan) -> [(Int, Int)] {
        var result: [(Int, Int)] = []
        for i in requests.indices {
            for j in requests.indices where j > i {
                let a = requests[i], b = requests[j]
                guard a.bytes > 0, b.bytes > 0, a.first <= b.last, b.first <= a.last else { continue }
                let ao = plan.offsets[i], bo = plan.offsets[j]
                if ao < bo + b.bytes && bo < ao + a.bytes { result.append((a.id, b.id)) }
            }
        }
        return result
    }
}
