import XCTest
import Foundation
@testable import ModelSelection

/// A family that is not digits: sentiment models whose input is a text.
/// Scores are [negative, positive].
final class FakeTextModel: SelectableModel {
    let candidate: ModelCandidate
    /// Every input the model was run on, in order.
    private(set) var inputs: [String] = []
    init(candidate: ModelCandidate) { self.candidate = candidate }
    var arenaBytes: Int { 1_000 }
    var probeInput: String { "probe" }
    func scores(for input: String) throws -> [Float] {
        inputs.append(input)
        return input.contains("good") ? [0.1, 0.9] : [0.8, 0.2]
    }
}

struct FakeTextLoader: ModelLoading {
    func load(_ candidate: ModelCandidate, threads: Int) throws -> FakeTextModel { FakeTextModel(candidate: candidate) }
}

/// The selector and the runner with a non-digit family: nothing in the core
/// assumes images.
final class OtherFamilyTests: XCTestCase {
    typealias F = SelectionFixtures

    private func ladder() -> [ModelCandidate] {
        [("tiny", 0.5, 0.80), ("mid", 5.0, 0.85), ("big", 50.0, 0.90)].map { name, megaMACs, accuracy in
            var c = F.candidate(name, megaMACs: megaMACs, accuracy: accuracy)
            c.task = "sentiment"
            c.input = .init(shape: [1, 64], dtype: "int32")
            return c
        }
    }

    func testSelectorAndRunnerWorkForATextFamily() throws {
        let timer = ScriptedTimer(["tiny": 0.3, "mid": 2.5, "big": 25])
        let selector = ModelSelector(profile: F.profile(), costModel: F.cost, loader: FakeTextLoader(), timer: timer)
        let selection = try selector.select(from: ladder(), constraints: .init(latencyBudget: .milliseconds(5)))
        XCTAssertEqual(selection.chosen.name, "mid", selection.explanation)
        // Warmed up and timed on the model's own probe (1 warm-up + 5 timed runs).
        XCTAssertEqual(selection.model.inputs, Array(repeating: "probe", count: 6))

        let policy = AdaptationPolicy(latencyBudget: .milliseconds(5), window: 2, missesToDowngrade: 2, cooldownRuns: 0)
        let runner = try AdaptiveRunner(candidates: ladder(), profile: F.profile(), policy: policy, start: selection.chosen.name,
                                        costModel: F.cost, loader: FakeTextLoader(), timer: timer, pressure: NoMemoryPressure())
        let answer = try runner.predict("a good film")
        XCTAssertEqual(answer.bestIndex, 1)
        XCTAssertEqual(answer.scores, [0.1, 0.9])
        XCTAssertEqual(answer.modelName, "mid")
        // "mid" slows down: two misses move the runner to "tiny", which answers next.
        timer.set("mid", 9)
        XCTAssertEqual(try runner.predict("a dull film").modelName, "mid")
        XCTAssertEqual(try runner.predict("a dull film").bestIndex, 0)
        XCTAssertEqual(runner.currentModelName, "tiny")
        XCTAssertEqual(try runner.predict("good").modelName, "tiny")
    }
}
