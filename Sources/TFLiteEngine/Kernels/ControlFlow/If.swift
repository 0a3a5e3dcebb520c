/// IF: runs the `then` subgraph when input 0 (one bool) is true, else the
/// `else` subgraph (TFLite's `if_kernel`, static shapes).
///
/// Inputs 1… are passed to the chosen subgraph's inputs; its outputs are the
/// node's outputs. Both subgraphs are prepared once (`SubgraphSet`) and must
/// return the same types and shapes (outputs whose shape depends on the
/// branch are rejected at prepare). At run time the node's inputs are copied
/// into the chosen subgraph's arena (only those it reads) and its outputs
/// back into the node's outputs.
enum If {
    static let registration = OperatorRegistration(maxVersion: 1, foldable: false) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        let options = try ctx.options(IfOptions.self)
        guard ctx.inputCount >= 1 else { throw ctx.error("has no inputs; input 0 is the condition") }
        let flag = try ctx.input(0)
        guard flag.type == .bool, flag.elementCount == 1 else {
            throw ctx.error("condition '\(flag.name)' is \(flag.type) \(flag.shape), expected one bool")
        }
        let arguments = try (1..<ctx.inputCount).map { try ctx.input($0) }
        let subgraphs = ctx.graph.subgraphs
        let branches = try [("then", Int(options.thenSubgraphIndex)), ("else", Int(options.elseSubgraphIndex))].map { role, index in
            let branch = try subgraphs.prepare(index, role: role, inputs: arguments, for: ctx)
            guard branch.graph.outputs.count == ctx.outputCount else {
                throw ctx.error("\(role) subgraph \(index) '\(branch.name)' has \(branch.graph.outputs.count) outputs, the node has \(ctx.outputCount)")
            }
            for i in 0..<ctx.outputCount where branch.outputSlot(i).type != ctx.output(i).type {
                throw ctx.error("\(role) subgraph \(index) '\(branch.name)' output \(i) is \(branch.outputSlot(i).type), the node's output '\(ctx.output(i).name)' is \(ctx.output(i).type)")
            }
            return branch
        }
        for i in 0..<ctx.outputCount {
            let a = branches[0].outputSlot(i), b = branches[1].outputSlot(i)
            guard a.shape == b.shape else {
                throw ctx.error("output \(i) has shape \(a.shape) from the then subgraph and \(b.shape) from the else subgraph; outputs whose shape depends on the branch are not supported")
            }
            try ctx.setOutputShape(i, a.shape)
        }
        return IfKernel(ctx: ctx, branches: branches)
    }
}

final class IfKernel: RunTimeCheckedKernel {
    /// The then and else subgraphs.
    let branches: [PreparedSubgraph]
    let flagIndex: Int
    let argumentIndices: [Int], outputIndices: [Int]
    /// Estimated arithmetic of the costlier branch.
    let cost: Int

    private var flag: UnsafeRawPointer?
    private var copiesIn: [[TensorCopy]] = [[], []], copiesOut: [[TensorCopy]] = [[], []]
    /// The branch that failed in the last run, or -1.
    private var failedBranch = -1

    init(ctx: PrepareContext, branches: [PreparedSubgraph]) {
        self.branches = branches
        flagIndex = ctx.node.inputs[0]
        argumentIndices = Array(ctx.node.inputs.dropFirst())
        outputIndices = ctx.node.outputs
        cost = branches.map(\.operations).max() ?? 0
    }

    func bind(_ memory: TensorMemory) {
        flag = UnsafeRawPointer(memory.raw(flagIndex))
        for (b, branch) in branches.enumerated() {
            copiesIn[b] = TensorCopy.plan(argumentIndices.indices.filter { branch.readsInput($0) }.map {
                (UnsafeRawPointer(memory.raw(argumentIndices[$0])), branch.inputAddress($0), branch.inputByteCount($0))
            })
            copiesOut[b] = TensorCopy.plan(outputIndices.indices.map {
                (UnsafeRawPointer(branch.outputAddress($0)), memory.raw(outputIndices[$0]), branch.outputSlot($0).byteCount)
            })
        }
    }

    func run(tiles: Range<Int>, worker: Int) {
        guard let flag else { return }
        let b = flag.load(as: UInt8.self) != 0 ? 0 : 1
        copiesIn[b].perform()
        failedBranch = branches[b].run() ? -1 : b
        copiesOut[b].perform()
    }

    var runFailure: String? {
        failedBranch < 0 ? nil : branches[failedBranch].failure(role: failedBranch == 0 ? "then" : "else")
    }
}
