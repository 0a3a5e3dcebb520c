/// How the GEMM kernels split their work into tiles: a tile is a block of
/// at most `microTilesPerBlock` micro-tiles (of `rows` rows:
/// `FloatGEMM.tileShape`'s or `IntegerGEMM.mr`) × a
/// group of weight panels that fits in L2 (512 KiB), numbered
/// panel-group-major so a sequential run reuses the group's weights across
/// all row blocks (row-block-major where all panels fit: `blockMajor`).
/// Every tile computes whole output values (K is never split).
///
/// Blocks and groups are even (sizes differ by at most one micro-tile or
/// panel), and a GEMM with few rows or panels is cut into more tiles —
/// one per `tileCost` of work, at least `minimumTiles`, at most
/// `maximumTiles` — where its micro-tiles allow (rows first, then panels
/// down to `minimumPanelsPerGroup`, or to one where there is one
/// micro-tile), so the parallel backend's workers get balanced parts.
/// Before, 49 output pixels (9 micro-tiles) made 2 row blocks of 8 and 1
/// micro-tiles: at best 1.1× on two threads (`ParallelSplitProfile`).
/// The tiles only group the same micro-kernel calls differently, so results
/// do not change.
struct GEMMTiling {
    static let microTilesPerBlock = 8
    /// Fewest tiles a GEMM is cut into when its micro-tiles × panels allow.
    static let minimumTiles = 8
    /// Most tiles wanted by cost (larger GEMMs have enough row blocks anyway).
    static let maximumTiles = 64
    /// Work (multiply-adds) per tile wanted: 5–10 µs on one avx2 core.
    static let tileCost = 262_144
    /// Fewest panels per group when the int8 kernels' panels are split for
    /// more tiles: they gather (widen) a tile's rows once per tile, about
    /// half the time of one panel's multiply-adds.
    static let quantizedMinimumPanelsPerGroup = 8
    let microTiles: Int, rowBlocks: Int, panelGroups: Int
    /// Whether tiles are numbered row-block-major: where all the panels fit
    /// in L2 together and were cut into groups only for more tiles. The
    /// parallel backend's workers then take the first and the last rows of
    /// the output, every column, as the nodes before and after them do;
    /// numbered group-major, one wrote the first columns of every row and
    /// the next node read half its part from the other core's cache
    /// (MobileNetV3-Large float32's hard swish after a 14 × 14 × 672
    /// expansion: 14.1 → 9.9 µs on two threads, the convolution 138 → 133;
    /// Zen 4).
    let blockMajor: Bool
    /// Rows per micro-tile.
    let rows: Int
    let panelCount: Int

    /// M rows in micro-tiles of `rows`; `panelBytes`: bytes of one packed panel; `cost`: the GEMM's
    /// multiply-adds; `minimumPanelsPerGroup`: fewest panels per group when
    /// panels are split for more tiles (1 for the float GEMM, which reads
    /// its rows in place; a squeeze-and-excitation 1×1 convolution, one row
    /// of 72–120 outputs, then splits), and 1 for any GEMM of one
    /// micro-tile.
    init(m: Int, rows: Int, panelCount: Int, panelBytes: Int, cost: Int, minimumPanelsPerGroup: Int = 1) {
        self.panelCount = panelCount
        self.rows = rows
        let microTiles = (m + rows - 1) / rows
        self.microTiles = microTiles
        let panelsPerGroup = max(1, min(panelCount, (512 << 10) / max(panelBytes, 1)))
        var blocks = (microTiles + Self.microTilesPerBlock - 1) / Self.microTilesPerBlock
        var groups = (panelCount + panelsPerGroup - 1) / panelsPerGroup
        let wanted = min(max(max(cost, 0) / Self.tileCost, Self.minimumTiles), Self.maximumTiles)
        if blocks * groups < wanted, microTiles > 0, groups > 0 {
            blocks = min(microTiles, max(blocks, (wanted + groups - 1) / groups))
            if blocks * groups < wanted {
                // One micro-tile (a squeeze-and-excitation 1×1 convolution):
                // its gather is one row per tile, so groups go down to one
                // panel. (MobileNetV3-Large int8's 960 → 240 convolutions,
                // eight int8 panels, ran as one tile on one thread.)
                let fewestPanels = microTiles == 1 ? 1 : max(minimumPanelsPerGroup, 1)
                let mostGroups = max(groups, panelCount / fewestPanels)
                groups = min(mostGroups, max(groups, (wanted + blocks - 1) / blocks))
            }
        }
        if microTiles == 1, groups > wanted {
            // One micro-tile reuses no panel, so L2 does not bound a group:
            // groups as wanted by cost. (A tile gathers its row once: VGG16
            // int8's 25088 → 4096 layer, 401 KB panels, gathered 256 times.)
            groups = wanted
        }
        rowBlocks = blocks
        panelGroups = groups
        blockMajor = panelsPerGroup >= panelCount
    }

    var tileCount: Int { microTiles == 0 ? 0 : rowBlocks * panelGroups }

    /// Largest per-tap row table (⌈M / rows⌉ × rows × taps entries: pointers
    /// or offsets) a convolution may build; beyond it the reference kernel runs.
    static let maximumIndirectionEntries = 1 << 26

    /// Whether a convolution's row table (micro-tiles of `rows`) fits
    /// `maximumIndirectionEntries` (sizes come from the file, so they are
    /// checked before allocating).
    static func indirectionFits(m: Int, rows: Int, taps: Int) -> Bool {
        let tiles = (m + rows - 1) / rows
        let (tileRows, o1) = tiles.multipliedReportingOverflow(by: rows)
        let (entries, o2) = tileRows.multipliedReportingOverflow(by: taps)
        return !o1 && !o2 && entries <= maximumIndirectionEntries
    }

    /// The output rows and columns `tile` computes, of M rows and N columns
    /// in panels `panelWidth` wide (the last may be narrower).
    func outputRegion(of tile: Int, m: Int, n: Int, panelWidth: Int) -> (rows: Range<Int>, columns: Range<Int>) {
        let (panels, microTiles) = ranges(of: tile)
        let firstRow = min(microTiles.lowerBound &* rows, m), firstColumn = min(panels.lowerBound &* panelWidth, n)
        return (firstRow..<max(firstRow, min(microTiles.upperBound &* rows, m)),
                firstColumn..<max(firstColumn, min(panels.upperBound &* panelWidth, n)))
    }

    /// `body(start, count)` for each run of consecutive outputs of `tile`
    /// in the row-major M × N output (`outputRegion`): its rows at once
    /// where it covers every column, else row by row.
    @inline(__always)
    func forEachOutputRun(of tile: Int, m: Int, n: Int, panelWidth: Int, _ body: (_ start: Int, _ count: Int) -> Void) {
        let (rows, columns) = outputRegion(of: tile, m: m, n: n, panelWidth: panelWidth)
        guard !rows.isEmpty, !columns.isEmpty else { return }
        if columns.count == n {
            body(rows.lowerBound &* n, rows.count &* n)
            return
        }
        for row in rows { body(row &* n &+ columns.lowerBound, columns.count) }
    }

    /// `body` for each of `tiles` in order, and `behind` for each tile when
    /// the next one is done (the last at the end): how the convolutions
    /// apply an activation they store (`StoredActivationFusion`) to a
    /// tile's outputs. Right after each tile, the activation's 64-byte loads
    /// waited for the narrower stores just made to reach the cache
    /// (MobileNetV3-Small int8's stem, 16 channels: the convolution took
    /// 0.017 ms longer, four times the separate HARD_SWISH; a tile behind,
    /// no longer than the two nodes).
    @inline(__always)
    static func forEachTile(_ tiles: Range<Int>, _ body: (Int) -> Void, behind: (Int) -> Void) {
        var previous: Int?
        for tile in tiles {
            body(tile)
            if let previous { behind(previous) }
            previous = tile
        }
        if let previous { behind(previous) }
    }

    /// Where the panels are cut into groups (more than fit L2; numbered
    /// group-major) and `tiles`, a range one call runs in order, goes on
    /// into the group after `tile`'s: that next group's panels and `tile`'s
    /// share of them (share `part` of `parts`, one per tile of `tile`'s
    /// group in `tiles`), which the float GEMM and the int8 four-byte GEMM
    /// ask L2 for while they compute `tile`. Without it, the first
    /// micro-tile of each group waited on its panels from the last-level
    /// cache: a tenth of a 7 × 7 × 1024 → 1024 float32 convolution's time
    /// (seven micro-tiles per group).
    func nextGroupShare(of tile: Int, in tiles: Range<Int>) -> (panels: Range<Int>, part: Int, parts: Int)? {
        guard !blockMajor, panelGroups > 1, tiles.contains(tile) else { return nil }
        let group = tile / rowBlocks, nextStart = (group &+ 1) &* rowBlocks
        guard group &+ 1 < panelGroups, tiles.upperBound > nextStart else { return nil }
        let first = max(tiles.lowerBound, group &* rowBlocks)
        return (ranges(of: nextStart).panels, tile &- first, nextStart &- first)
    }

    /// The bytes of `tile`'s share (`nextGroupShare`) of panels stored
    /// `panelBytes` apart from `panels`: what the GEMMs ask L2 for while
    /// they compute `tile`.
    @inline(__always)
    func nextGroupBytes(of tile: Int, in tiles: Range<Int>, panels: UnsafeRawPointer, panelBytes: Int) -> UnsafeRawBufferPointer? {
        guard let (next, part, parts) = nextGroupShare(of: tile, in: tiles) else { return nil }
        let share = tileRange(worker: part, workers: parts, tiles: next.count &* panelBytes)
        return UnsafeRawBufferPointer(start: panels + (next.lowerBound &* panelBytes &+ share.lowerBound), count: share.count)
    }

    /// `ahead` (a tile's `nextGroupBytes`) spread over the tile's `calls`
    /// micro-kernel calls of `steps` k steps each: where the first call
    /// starts, the bytes each call moves the start on, and the bytes between
    /// one call's requests (one a step). Nil where there is nothing to ask for.
    @inline(__always)
    static func prefetchSpread(_ ahead: UnsafeRawBufferPointer?, calls: Int, steps: Int)
        -> (start: UnsafeRawPointer, perCall: Int, stride: Int)? {
        guard let ahead, let start = ahead.baseAddress else { return nil }
        let perCall = ahead.count / max(calls, 1)
        let stride = (perCall &+ steps &- 1) / max(steps, 1)
        return stride > 0 ? (start, perCall, stride) : nil
    }

    /// The weight panels and micro-tiles of `tile` (even shares: `tileRange`).
    @inline(__always)
    func ranges(of tile: Int) -> (panels: Range<Int>, microTiles: Range<Int>) {
        let group = blockMajor ? tile % panelGroups : tile / rowBlocks, block = blockMajor ? tile / panelGroups : tile % rowBlocks
        return (tileRange(worker: group, workers: panelGroups, tiles: panelCount),
                tileRange(worker: block, workers: rowBlocks, tiles: microTiles))
    }
}
