#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// Runs heavy kernels' output tiles on several threads; light kernels run on
/// the calling thread, where waking a thread (10–30 µs on a small VM) would
/// cost more than it saves.
///
/// Only output tiles are split, never a floating-point reduction, and every
/// tile computes the same values whichever thread runs it, so results are
/// bit-identical to `CPUBackend` for any thread count. Groups of small
/// independent steps (`ConcurrentStepGrouping`) run one step per worker.
/// Worker `w` uses scratch area `w` (the arena reserves `workerCount`
/// scratch areas per node). Nothing is allocated per invoke.
///
/// Threads: the calling thread is worker 0; workers 1…n-1 are persistent
/// threads that spin briefly after each job (so back-to-back kernels of one
/// invoke do not pay a wake-up) and then block on a condition variable.
final class ParallelBackend: ExecutionBackend {
    let name = "parallel"
    let workerCount: Int
    /// Kernels whose `cost` is below this run serially.
    let minimumParallelCost: Int
    /// Kernels below this cost run serially unless the helpers are already
    /// awake (spinning): waking a blocked thread costs 10–30 µs here, more
    /// than a small kernel saves. `wakeFactor × minimumParallelCost`.
    let minimumCostToWake: Int
    let runner: TileRunner

    /// Default cost threshold (multiply-adds or element operations). With
    /// simple loops (5–10 G/s) this is 2–4 µs of work: enough when a hot
    /// spinning helper starts within ~1 µs (measured on MobileNetV2: splitting
    /// every kernel beats a 50K threshold by 1–3%). Retune with fast kernels.
    static let defaultMinimumParallelCost = 20_000
    /// Ratio of the wake threshold to the split threshold (1M ≈ 100+ µs
    /// of simple-loop work, well above a 10–30 µs wake-up).
    static let wakeFactor = 50

    /// `flushesSubnormals`: the helper threads compute with subnormals
    /// flushed (`SubnormalFlush`), as `Interpreter.invoke()` sets on the caller.
    init(threads: Int, minimumParallelCost: Int = ParallelBackend.defaultMinimumParallelCost, useDispatch: Bool = false,
         flushesSubnormals: Bool = true) {
        let threads = max(1, threads)
        workerCount = threads
        self.minimumParallelCost = minimumParallelCost
        let (wake, overflow) = minimumParallelCost.multipliedReportingOverflow(by: Self.wakeFactor)
        minimumCostToWake = overflow ? Int.max : wake
        if threads > 1, !useDispatch, #available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *) {
            runner = SpinningWorkerPool(workers: threads, flushesSubnormals: flushesSubnormals)
        } else {
            runner = DispatchTileRunner(workers: threads, flushesSubnormals: flushesSubnormals)
        }
    }

    deinit { runner.shutdown() }

    /// The split rule: several workers, several tiles and enough work (when
    /// the helpers are awake, as they are within an invoke;
    /// `ParallelSplitProfile` uses the same rule).
    @inline(__always)
    static func splits(tiles: Int, cost: Int, workers: Int, minimumParallelCost: Int) -> Bool {
        workers > 1 && tiles > 1 && cost >= minimumParallelCost
    }

    // The steps hold the kernels: they are passed and called unretained.
    func run(_ steps: ArraySlice<PreparedGraph.Step>) {
        var i = steps.startIndex
        while i < steps.endIndex {
            if let group = steps[i].unretainedGroup {
                let members = group.tileCount
                if members <= steps.endIndex &- i {
                    // One member per worker (`ConcurrentStepGrouping`).
                    let cost = group.cost
                    if cost >= minimumCostToWake || runner.helpersAwake {
                        runner.run(group, tiles: members, cost: cost)
                    } else {
                        group.run(tiles: 0..<members, worker: 0)
                    }
                    i &+= members
                    continue
                }
            }
            let kernel = steps[i].unretainedKernel
            i &+= 1
            let tiles = kernel.tileCount, cost = kernel.cost
            if Self.splits(tiles: tiles, cost: cost, workers: workerCount, minimumParallelCost: minimumParallelCost),
               cost >= minimumCostToWake || runner.helpersAwake {
                runner.run(kernel, tiles: tiles, cost: cost)
            } else {
                kernel.run(tiles: 0..<tiles, worker: 0)
            }
        }
    }
}

/// Runs a kernel's tiles over several workers and returns when all are done.
protocol TileRunner: AnyObject {
    /// Whether helper threads are spinning (a job starts without a wake-up).
    var helpersAwake: Bool { get }
    /// Runs `kernel`'s `tiles` tiles (`cost`: its `cost`); the caller keeps
    /// it alive meanwhile.
    func run(_ kernel: UnretainedKernel, tiles: Int, cost: Int)
    func shutdown()
}

/// Splits tiles into one contiguous range per worker.
@inline(__always)
func tileRange(worker: Int, workers: Int, tiles: Int) -> Range<Int> {
    let base = tiles / workers, extra = tiles % workers
    let start = worker &* base &+ min(worker, extra)
    return start..<(start &+ base &+ (worker < extra ? 1 : 0))
}

/// The contiguous chunks (parts) `SpinningWorkerPool` cuts a job of `tiles`
/// tiles and `cost` work into, which its participants claim one at a time;
/// chunk `c` is `tileRange(worker: c, workers: chunks, tiles: tiles)`.
///
/// At least `parallelChunksPerParticipant` per participant, and one per
/// `parallelChunkCost` of work up to `parallelMaximumChunksPerParticipant`:
/// the last chunk of a node leaves one worker idle for half a chunk on
/// average, and a claim costs ~0.1 µs, so a heavy node gets more, smaller
/// chunks (measured with `ParallelSplitProfile`: 8 chunks of a 2 ms
/// convolution lost 4–10% to imbalance).
@inline(__always)
func parallelChunkCount(tiles: Int, cost: Int, participants: Int) -> Int {
    let byCost = min(max(cost, 0) / parallelChunkCost, participants &* parallelMaximumChunksPerParticipant)
    return min(tiles, max(participants &* parallelChunksPerParticipant, byCost), 0xFFFF)
}

/// Fewest chunks per participant: more chunks balance better when a thread
/// is late or tiles differ in size. (Eight rather than four, with half the
/// `parallelChunkCost`, on two threads of a Zen 4 guest, medians of three
/// alternating rounds of `--compare-threads`: NASNet-Mobile float32 1.61 →
/// 1.66×, MobileNetV2 1.87 → 1.89× (float32) and 1.82 → 1.85× (int8),
/// MobileNetV3-Large 1.75 → 1.77× and 1.71 → 1.73×, six other models within
/// ±0.01.)
let parallelChunksPerParticipant = 8
/// Most chunks per participant that `parallelChunkCount` gives by cost.
let parallelMaximumChunksPerParticipant = 32
/// Work (the kernel's `cost`) per chunk beyond the fewest: about 2–5 µs of
/// GEMM (`ParallelSplitProfile` measured 28–60 multiply-adds per ns on one
/// avx2 core).
let parallelChunkCost = 131_072

/// `DispatchQueue.concurrentPerform` with one contiguous tile range per
/// worker (fallback where `Synchronization.Atomic` is unavailable, and for
/// comparison).
final class DispatchTileRunner: TileRunner {
    let workers: Int
    /// Whether each part runs with subnormals flushed (Dispatch's threads
    /// are shared, so the setting is restored after each part).
    let flushesSubnormals: Bool
    init(workers: Int, flushesSubnormals: Bool = true) {
        self.workers = workers
        self.flushesSubnormals = flushesSubnormals
    }
    /// Dispatch's pool threads may be parked: assume a wake-up.
    var helpersAwake: Bool { false }

    private struct Job: @unchecked Sendable { let kernel: UnretainedKernel; let tiles: Int; let workers: Int; let flush: Bool }

    func run(_ kernel: UnretainedKernel, tiles: Int, cost: Int) {
        let job = Job(kernel: kernel, tiles: tiles, workers: min(workers, tiles), flush: flushesSubnormals)
        DispatchQueue.concurrentPerform(iterations: job.workers) { w in
            let range = tileRange(worker: w, workers: job.workers, tiles: job.tiles)
            guard !range.isEmpty else { return }
            let environment = job.flush ? SubnormalFlush.begin() : nil
            job.kernel.run(tiles: range, worker: w)
            SubnormalFlush.end(environment)
        }
    }

    func shutdown() {}
}

/// Persistent helper threads signalled through atomics (spin), falling back
/// to a condition variable after a short spin so idle helpers do not burn a
/// core between invokes.
///
/// Protocol: a job's tiles are cut into `chunks` contiguous chunks, and each
/// participant (the caller as worker 0, then each helper) owns a contiguous
/// share of them, `tileRange(worker: p, workers: participants, tiles:
/// chunks)`, held as `generation | end | next` in one atomic word on cache
/// lines of its own (`ChunkRange`), beside the job (kernel, tile and chunk
/// counts) and the count of chunks the participant ran. The caller writes
/// each participant's job, then its word, its own first and the helpers'
/// with release: a helper waits for its own word to carry a new
/// generation. A participant claims its own chunks from the front by
/// compare-and-swap on its word, half of those left at a time, and runs
/// each claim's consecutive chunks in one call with its own worker index;
/// then it takes the chunks other participants have not yet claimed, one
/// at a time from the back of their words, and stores the count it ran,
/// tagged with the generation, beside its word (release). The caller
/// returns when the counts of this generation add up to `chunks`
/// (acquire). So a helper's job, claims and count travel in one cache
/// line: the caller's writes bring it over, the helper's reads take it
/// back, and the caller's last read of the count brings it over again.
///
/// (Before, every participant claimed from one shared word, the caller from
/// the front and the helpers from the back, so every claim moved that cache
/// line between the cores. On a Zen 5 guest whose two vCPUs the host moves
/// between near and far cores from time to time, a cache line's round
/// trip between them took 92–136 ns near and 396–413 ns far, a megabyte
/// written by the other core read at 107–131 GB/s near and 42–44 far, and
/// EfficientNet-B0 float32 on two threads took 2.78–2.87 ms near and 3.98
/// far, one thread 4.9–5.2 either way. Now a chunk's claim stays in the
/// claiming core's cache until a participant runs out of its own; and each
/// core runs the same share of every node's tiles whatever the other's
/// speed, so most of what a node reads was written by the same core.)
///
/// A helper reads the job only after a successful claim, when the job
/// cannot be replaced (its chunk is not yet complete). A late helper
/// (asleep, or descheduled on a busy machine) finds its share taken by the
/// others and never delays the caller: the caller never waits on a thread
/// that has not started work.
@available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *)
final class SpinningWorkerPool: TileRunner, @unchecked Sendable {
    let workers: Int
    /// Each participant's chunks, job and count of chunks run. (Read
    /// through `unowned(unsafe)` locals: a retain or release from both
    /// threads moves the object's header line between the cores, and on
    /// far cores `swift_retain` and `swift_release` took 3.3% of
    /// EfficientNet-B0 int8's samples on two threads.)
    private let ranges: [ChunkRange]
    private let sleepers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    /// The kernel before the first job.
    private let idleKernel = EmptyTilesKernel(tiles: 0)
    private var generation = 0
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var threads: [pthread_t] = []
    /// Threads taking part in a job (caller + started helpers); set before any job.
    private var participants = 1
    private var isShutDown = false
    /// Spin iterations before a helper blocks (roughly 50–200 µs).
    static let spinLimit = 1 << 16
    /// Whether the helpers compute with subnormals flushed: set once on each
    /// helper thread, which runs nothing but the pool's jobs.
    private let flushesSubnormals: Bool

    /// One participant's share of the current job, its copy of the job and
    /// the count of chunks it ran, alone between 128-byte pads (which keep
    /// other objects out of the lines the prefetcher pairs).
    final class ChunkRange {
        private let before: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        /// `generation << 32 | end << 16 | next`.
        let word = Atomic<Int>(0)
        /// `generation << 32 | chunks run`, stored by the participant when it has none left to run.
        let done = Atomic<Int>(0)
        // The job: written by the caller before the word, only while no
        // chunk of the previous job is outstanding. The caller of `run`
        // holds its kernel.
        var kernel: UnretainedKernel
        var tiles = 0
        var chunks = 0
        private let after: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        init(_ kernel: UnretainedKernel) { self.kernel = kernel }
    }

    init(workers: Int, flushesSubnormals: Bool = true) {
        self.workers = workers
        self.flushesSubnormals = flushesSubnormals
        let idle = UnretainedKernel(idleKernel)
        ranges = (0..<max(workers, 1)).map { _ in ChunkRange(idle) }
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
        for w in 1..<max(workers, 1) {
            let context = Unmanaged.passRetained(HelperContext(pool: self, worker: w)).toOpaque()
            #if canImport(Darwin)
            var thread: pthread_t?
            #else
            var thread = pthread_t()
            #endif
            let result = pthread_create(&thread, nil, { raw in
                #if canImport(Darwin)
                let context = Unmanaged<HelperContext>.fromOpaque(raw).takeRetainedValue()
                #else
                guard let raw else { return nil }
                let context = Unmanaged<HelperContext>.fromOpaque(raw).takeRetainedValue()
                #endif
                context.pool.helperLoop(worker: context.worker)
                return nil
            }, context)
            #if canImport(Darwin)
            if result == 0, let thread { threads.append(thread) } else { Unmanaged<HelperContext>.fromOpaque(context).release() }
            #else
            if result == 0 { threads.append(thread) } else { Unmanaged<HelperContext>.fromOpaque(context).release() }
            #endif
        }
        // Helpers are numbered 1… in the order they started, so a helper
        // that failed to start leaves no gap.
        participants = threads.count + 1
    }

    deinit {
        shutdown()
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Helper context; holds the pool strongly only while the thread starts.
    private final class HelperContext {
        unowned(unsafe) let pool: SpinningWorkerPool
        let worker: Int
        init(pool: SpinningWorkerPool, worker: Int) { self.pool = pool; self.worker = worker }
    }

    /// Stops and joins the helpers (idempotent; called by the backend's deinit).
    func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        stopping.store(true, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        for thread in threads { pthread_join(thread, nil) }
        threads = []
    }

    var helpersAwake: Bool { sleepers.load(ordering: .relaxed) == 0 }

    func run(_ kernel: UnretainedKernel, tiles: Int, cost: Int) {
        guard participants > 1, tiles > 1 else { kernel.run(tiles: 0..<tiles, worker: 0); return }
        let chunks = parallelChunkCount(tiles: tiles, cost: cost, participants: participants)
        generation = (generation &+ 1) & 0x7FFF_FFFF
        // The caller's share first: a helper that sees its own share sees it.
        for p in 0..<participants {
            unowned(unsafe) let range = ranges[p]
            range.kernel = kernel
            range.tiles = tiles
            range.chunks = chunks
            let share = tileRange(worker: p, workers: participants, tiles: chunks)
            let word = generation << 32 | share.upperBound << 16 | share.lowerBound
            if p == 0 {
                range.word.store(word, ordering: .relaxed)
            } else {
                range.word.store(word, ordering: .sequentiallyConsistent)
            }
        }
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        let ran = work(generation: generation, worker: 0)
        // Waits for the helpers' last chunks, yielding now and then (tens of
        // µs) in case a helper shares this core. (Yielding every 1,024
        // spins, a few µs, made NASNet-Mobile int8's caller enter the
        // scheduler at most node ends on two threads: 2.6% of the samples
        // in the kernel's scheduler and system calls, 0.2% now; two
        // threads 4.70 → 4.65 ms, median of five alternating rounds' mins;
        // Zen 4.)
        var spins = 0
        while true {
            var total = ran
            for p in 1..<participants {
                unowned(unsafe) let range = ranges[p]
                let count = range.done.load(ordering: .acquiring)
                if count >> 32 == generation { total &+= count & 0xFFFF_FFFF }
            }
            if total == chunks { break }
            spins &+= 1
            if spins & 16383 == 0 { sched_yield() }
        }
    }

    /// Runs chunks of job `generation` until none are left: `worker`'s own
    /// share from the front, half of what is left of it at a time, then
    /// the others' from the back, one at a time. Returns the count it ran
    /// (a helper also stores it beside its word).
    @inline(__always)
    @discardableResult
    private func work(generation: Int, worker: Int) -> Int {
        var victim = worker
        guard var claimed = claim(generation: generation, from: worker, owner: true)
                ?? steal(generation: generation, worker: worker, victim: &victim) else { return 0 }
        // The job is read after the first claim, once, from this worker's
        // own line, and the kernel unretained (`UnretainedKernel`).
        unowned(unsafe) let own = ranges[worker]
        let kernel = own.kernel, tiles = own.tiles, chunks = own.chunks
        var done = 0, continuing = false
        while true {
            // Consecutive chunks run as one range of tiles; after the first
            // call, each continues it (the kernel's scratch holds what the
            // last call left: `Kernel.run(tiles:worker:continuing:)`).
            let range = tileRange(worker: claimed.lowerBound, workers: chunks, tiles: tiles).lowerBound
                ..< tileRange(worker: claimed.upperBound &- 1, workers: chunks, tiles: tiles).upperBound
            if !range.isEmpty {
                kernel.run(tiles: range, worker: worker, continuing: continuing)
                continuing = true
            }
            done &+= claimed.count
            let next = victim == worker
                ? claim(generation: generation, from: worker, owner: true) ?? steal(generation: generation, worker: worker, victim: &victim)
                : claim(generation: generation, from: victim, owner: false) ?? steal(generation: generation, worker: worker, victim: &victim)
            guard let next else { break }
            claimed = next
        }
        if worker != 0 { own.done.store(generation << 32 | done, ordering: .releasing) }
        return done
    }

    /// A chunk of job `generation` from another participant's share (the
    /// next participant after `worker` with one left, in turn), setting
    /// `victim` to that participant; nil when no share has one.
    @inline(__always)
    private func steal(generation: Int, worker: Int, victim: inout Int) -> Range<Int>? {
        let count = participants
        var p = worker &+ 1
        for _ in 1..<count {
            if p >= count { p = 0 }
            if let chunk = claim(generation: generation, from: p, owner: false) {
                victim = p
                return chunk
            }
            p &+= 1
        }
        return nil
    }

    /// Claims chunks of job `generation` from participant `p`'s share: if
    /// `owner`, the first half of what is left (rounded up), else its last
    /// chunk. Nil when none is left or the word carries another job.
    ///
    /// (A kernel call sets up once for its tiles: the int8 depthwise
    /// kernels fill the rows their windows read into the worker's ring at
    /// each call. One chunk a call, a 5×5 layer over 14×14×672 made each
    /// input row's windows about five times on two threads: 31% of the
    /// samples against 8% on one, and 1.45× one thread's speed where its
    /// parts' CPU time predicted 1.97×; Zen 5.)
    @inline(__always)
    private func claim(generation: Int, from p: Int, owner: Bool) -> Range<Int>? {
        unowned(unsafe) let range = ranges[p]
        var word = range.word.load(ordering: .acquiring)
        while word >> 32 == generation {
            let end = (word >> 16) & 0xFFFF, next = word & 0xFFFF
            guard next < end else { return nil }
            let count = owner ? (end &- next &+ 1) &>> 1 : 1
            let (exchanged, original) = range.word.compareExchange(expected: word, desired: owner ? word &+ count : word &- (1 << 16),
                                                                   ordering: .acquiringAndReleasing)
            // Claimed: the job cannot change until the chunks complete.
            if exchanged { return owner ? next..<(next &+ count) : (end &- 1)..<end }
            word = original
        }
        return nil
    }

    private func helperLoop(worker: Int) {
        if flushesSubnormals { _ = SubnormalFlush.begin() }
        let own = ranges[worker]
        var seen = 0
        while true {
            var spins = 0
            var current = own.word.load(ordering: .acquiring) >> 32
            while current == seen {
                if stopping.load(ordering: .relaxed) { return }
                spins &+= 1
                if spins >= Self.spinLimit {
                    pthread_mutex_lock(mutex)
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while own.word.load(ordering: .sequentiallyConsistent) >> 32 == seen && !stopping.load(ordering: .sequentiallyConsistent) {
                        pthread_cond_wait(condition, mutex)
                    }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(mutex)
                    spins = 0
                }
                current = own.word.load(ordering: .acquiring) >> 32
            }
            if stopping.load(ordering: .relaxed) { return }
            seen = current
            work(generation: current, worker: worker)
        }
    }
}
