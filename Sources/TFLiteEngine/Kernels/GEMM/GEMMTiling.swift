/// How the GEMM kernels split their work into tiles: a tile is a block of
/// `microTilesPerBlock` micro-tiles (of `FloatGEMM.mr` rows) × a group of
/// weight panels that fits in L2 (512 KiB), numbered panel-group-major so a
/// sequential run reuses the group's weights across all row blocks. Every
/// tile computes whole output values (K is never split).
struct GEMMTiling {
    static let microTilesPerBlock = 8
    let microTiles: Int, rowBlocks: Int, panelsPerGroup: Int, panelGroups: Int
    let panelCount: Int

    /// M rows; `panelBytes`: bytes of one packed panel.
    init(m: Int, panelCount: Int, panelBytes: Int) {
        self.panelCount = panelCount
        microTiles = (m + FloatGEMM.mr - 1) / FloatGEMM.mr
        rowBlocks = (microTiles + Self.microTilesPerBlock - 1) / Self.microTilesPerBlock
        panelsPerGroup = max(1, min(panelCount, (512 << 10) / max(panelBytes, 1)))
        panelGroups = (panelCount + panelsPerGroup - 1) / panelsPerGroup
    }

    var tileCount: Int { microTiles == 0 ? 0 : rowBlocks * panelGroups }

    /// Largest per-tap row table (⌈M / mr⌉ × mr × taps entries: pointers or
    /// offsets) a convolution may build; beyond it the reference kernel runs.
    static let maximumIndirectionEntries = 1 << 26

    /// Whether a convolution's row table fits `maximumIndirectionEntries`
    /// (sizes come from the file, so they are checked before allocating).
    static func indirectionFits(m: Int, taps: Int) -> Bool {
        let tiles = (m + FloatGEMM.mr - 1) / FloatGEMM.mr
        let (rows, o1) = tiles.multipliedReportingOverflow(by: FloatGEMM.mr)
        let (entries, o2) = rows.multipliedReportingOverflow(by: taps)
        return !o1 && !o2 && entries <= maximumIndirectionEntries
    }

    /// The weight panels and micro-tiles of `tile`.
    @inline(__always)
    func ranges(of tile: Int) -> (panels: Range<Int>, microTiles: Range<Int>) {
        let group = tile / rowBlocks, block = tile % rowBlocks
        let panelStart = group &* panelsPerGroup
        let tileStart = block &* Self.microTilesPerBlock
        return (panelStart..<min(panelStart &+ panelsPerGroup, panelCount),
                tileStart..<min(tileStart &+ Self.microTilesPerBlock, microTiles))
    }
}
