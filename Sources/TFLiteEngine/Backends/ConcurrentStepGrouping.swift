/// Groups small independent convolutions that a plan with several workers
/// runs at the same time, one whole node per worker, instead of splitting
/// each over the workers.
///
/// A small convolution split over two cores waits for the hand-over, and
/// part of what it reads was written by the other core. Graphs with
/// parallel branches (NASNet's cells: five separable-convolution branches
/// side by side) have many of them in pairs: the same operator on maps of
/// one size in two branches. Run together, each node runs whole on one
/// core and the pair costs one hand-over. (NASNet-Mobile on two threads
/// of a Zen 4 guest: 188 pairs, 1–2% faster in float32 and 2–4% in int8.)
///
/// Decided when the plan is made, after the fusions, for `ParallelBackend`
/// with two or more workers (`ExecutionPlanner`; a plan made while
/// profiling, or with a delegate, is not grouped). A node is taken when it
/// is an ordinary computation (no aliasing, fusion, variable, subgraph,
/// custom operator or run-time check), a CONV_2D or DEPTHWISE_CONV_2D with
/// a `cost` up to `maximumCost`. Its partners are the next such nodes of
/// the same operator, within `window` positions, whose cost is within
/// `maximumCostRatio` of its own and whose inputs are computed before it
/// (or by at most `maximumHoisted` ordinary nodes whose own inputs are,
/// which then run just before the group). Moving them forward keeps the
/// order topological. The arena plan gives a group's nodes one lifetime
/// step, so no tensor or scratch area of one shares memory with one of
/// another. Each node computes what it computes alone, so results are
/// bit-identical to `CPUBackend`; other backends, and `ProfilingBackend`
/// which times one step at a time, run a group's steps one after the other.
enum ConcurrentStepGrouping {
    /// Largest `Kernel.cost` of a grouped node: larger convolutions split well.
    static let maximumCost = 4_000_000
    /// Largest ratio of the costs of two nodes in a group (a group takes as
    /// long as its slowest node; split, a node gains 1.6–1.8× here).
    static let maximumCostRatio = 1.5
    /// How far ahead (in steps) partners are looked for.
    static let window = 48
    /// Most steps moved ahead of a group so that a partner's inputs are
    /// ready (the RELU that starts a NASNet branch).
    static let maximumHoisted = 2
    /// Operators grouped, each with its own kind. (Memory-bound ones — ADD,
    /// RELU, PAD, STRIDED_SLICE, CONCATENATION — were slower grouped than
    /// split on NASNet-Mobile, because split each core reads the half of the
    /// map it wrote; AVERAGE_POOL_2D gained nothing.)
    static let groupedOperators: Set<BuiltinOperator> = [.conv2D, .depthwiseConv2D]
    /// Tests turn the grouping off to compare plans (set before planning).
    nonisolated(unsafe) static var isEnabled = true

    /// Groups `graph`'s steps (in prepare order, without groups) for `workers` workers.
    static func apply(to graph: PreparedGraph, workers: Int) {
        guard workers > 1, isEnabled else { return }
        let steps = graph.steps
        let producer = graph.producerPositions()
        // Steps that may run earlier than planned, or beside another.
        let movable = steps.map { step -> Bool in
            let kernel = step.kernel
            return step.repeatsAlike && !step.aliasesInput && kernel.inPlaceInput == nil && kernel.fusedReads.isEmpty
                && kernel.runTimeChecked == nil && ExecutionPlanner.fusion(of: kernel) == nil
        }
        let eligible = steps.indices.map { p in
            movable[p] && steps[p].kernel.cost > 0 && steps[p].kernel.cost <= maximumCost && groupedOperators.contains(steps[p].node.op)
        }
        var placed = [Bool](repeating: false, count: steps.count)
        var groups: [[Int]] = []
        var grouped = false
        // The steps that must run before `candidate` joins `group`: none when
        // every input is computed by a placed or hoisted step, else at most
        // `maximumHoisted` in all of unplaced movable producers whose own
        // inputs are (they run just before the group). nil: it cannot join.
        func liftedProducers(of candidate: Int, group: [Int], hoisted: [Int]) -> [Int]? {
            func computedBefore(_ t: Int) -> Bool {
                guard t >= 0, t < producer.count, producer[t] >= 0 else { return true }
                return placed[producer[t]] || hoisted.contains(producer[t])
            }
            var lift: [Int] = []
            for t in steps[candidate].node.inputs where !computedBefore(t) {
                let p = producer[t]
                guard !group.contains(p) else { return nil }
                if lift.contains(p) { continue }
                guard movable[p], hoisted.count + lift.count < maximumHoisted,
                      steps[p].node.inputs.allSatisfy(computedBefore) else { return nil }
                lift.append(p)
            }
            return lift
        }
        for position in steps.indices where !placed[position] {
            var group = [position]
            var hoisted: [Int] = []
            if eligible[position] {
                let cost = Double(steps[position].kernel.cost)
                var candidate = position + 1
                while group.count < workers, candidate < min(steps.count, position + window) {
                    defer { candidate += 1 }
                    guard !placed[candidate], !hoisted.contains(candidate), eligible[candidate],
                          steps[candidate].node.op == steps[position].node.op else { continue }
                    let other = Double(steps[candidate].kernel.cost)
                    guard max(cost, other) <= maximumCostRatio * min(cost, other) else { continue }
                    if let lift = liftedProducers(of: candidate, group: group, hoisted: hoisted) {
                        hoisted += lift
                        group.append(candidate)
                    }
                }
            }
            for step in hoisted {
                placed[step] = true
                groups.append([step])
            }
            for member in group { placed[member] = true }
            grouped = grouped || group.count > 1
            groups.append(group)
        }
        if grouped { graph.groupSteps(groups) }
    }
}

/// The kernels of a group of steps that may run at the same time: tile `i`
/// runs kernel `i` whole, with the worker's own scratch area of that step.
final class ConcurrentStepGroup: Kernel {
    let kernels: [Kernel]
    let cost: Int

    /// `kernels`, held by this group.
    private let members: [UnretainedKernel]

    init(kernels: [Kernel]) {
        self.kernels = kernels
        members = kernels.map { UnretainedKernel($0) }
        cost = kernels.reduce(0) { $0 &+ $1.cost }
    }

    var tileCount: Int { kernels.count }
    /// The members are bound with their own steps.
    func bind(_ memory: TensorMemory) {}

    func run(tiles: Range<Int>, worker: Int) {
        for i in tiles where i >= 0 && i < members.count {
            let kernel = members[i]
            kernel.run(tiles: 0..<kernel.tileCount, worker: worker)
        }
    }
}
