import Foundation
import SkiffImage

/// Runs a build's stages as BuildKit does: a stage starts once the stages it needs (its FROM, its
/// `COPY --from` and `RUN --mount=from=`) are built, up to `limit` at once; with a limit of 1 they run
/// one after another in Dockerfile order. The first failure stops the rest (BuildControl.cancel) and is
/// what the build reports, once every stage that was running has stopped.
struct StageScheduler {
    struct Outcome {
        var image: StoredImage
        var records: [BuildResult.StepRecord]
        var usedBuildArgs: Set<String>
        /// The cache keys of the stage's steps, in order (for `--cache-to`).
        var cacheKeys: [String] = []
        /// The earlier stage this one is FROM, if it is.
        var fromStage: Int? = nil
    }

    typealias Body = (_ stage: Int, _ built: [Int: StoredImage]) throws(BuildError) -> Outcome

    let plan: [Int]
    let dependencies: [Int: [Int]]
    let limit: Int
    let control: BuildControl

    /// Whether two stages of the plan could build at the same time (neither needs the other).
    static func hasIndependentStages(_ plan: [Int], dependencies: [Int: [Int]]) -> Bool {
        var ancestors: [Int: Set<Int>] = [:]
        for i in plan.sorted() {  // a stage only needs stages before it
            var all = Set<Int>()
            for d in dependencies[i] ?? [] { all.insert(d); all.formUnion(ancestors[d] ?? []) }
            ancestors[i] = all
        }
        for (a, i) in plan.enumerated() {
            for j in plan[(a + 1)...]
            where !(ancestors[j]?.contains(i) ?? false) && !(ancestors[i]?.contains(j) ?? false) {
                return true
            }
        }
        return false
    }

    func run(_ body: @escaping Body) throws(BuildError) -> [Int: Outcome] {
        if limit <= 1 {
            var done: [Int: Outcome] = [:]
            for index in plan {
                do { done[index] = try body(index, done.mapValues(\.image)) } catch {
                    control.cancel()
                    throw error
                }
            }
            return done
        }
        let state = SharedState(body: body)
        state.condition.lock()
        defer { state.condition.unlock() }
        while true {
            if state.failure == nil {
                for index in plan
                where state.running.count < limit && state.done[index] == nil && !state.running.contains(index)
                    && (dependencies[index] ?? []).allSatisfy({ state.done[$0] != nil })
                {
                    state.running.insert(index)
                    let built = state.done.mapValues(\.image)
                    let control = self.control
                    let thread = Thread {
                        let result: Result<Outcome, BuildError>
                        do throws(BuildError) { result = .success(try state.body(index, built)) } catch {
                            result = .failure(error)
                        }
                        state.condition.lock()
                        state.running.remove(index)
                        switch result {
                        case .success(let outcome): state.done[index] = outcome
                        case .failure(let error):
                            if state.failure == nil {
                                state.failure = error
                                control.cancel()
                            }
                        }
                        state.condition.broadcast()
                        state.condition.unlock()
                    }
                    thread.stackSize = 8 << 20
                    thread.start()
                }
            }
            if state.running.isEmpty && (state.failure != nil || state.done.count == plan.count) { break }
            _ = state.condition.wait(until: Date(timeIntervalSinceNow: 0.2))
            // A step container that was starting when the build was cancelled is killed on the next round.
            if state.failure != nil { control.killRunning() }
        }
        if let failure = state.failure { throw failure }
        return state.done
    }

    /// The scheduler's state, guarded by `condition`'s lock, shared with the stage threads.
    private final class SharedState: @unchecked Sendable {
        let condition = NSCondition()
        let body: Body
        var done: [Int: Outcome] = [:]
        var running = Set<Int>()
        var failure: BuildError?

        init(body: @escaping Body) { self.body = body }
    }
}
