import SkiffImage

/// Splits a Dockerfile into its stages (one per FROM), finds the `--target`, and works out which
/// stages that target needs (its FROM chain and every `COPY --from`); the others are skipped, as
/// BuildKit skips them.
package struct StageResolver {
    package struct Stage: Sendable {
        package var index: Int
        /// `AS name`, lowercased (Docker's stage names are case-insensitive).
        package var name: String?
        package var from: Instruction
        package var instructions: [Instruction]
    }

    package let metaArgs: [Instruction]
    package let stages: [Stage]
    let file: Dockerfile
    /// The names of the build's named contexts: a stage of one of these names is replaced by the
    /// context (BuildKit: "when the Dockerfile defines a stage with the same name it's overwritten").
    let namedContexts: Set<String>

    package init(_ dockerfile: Dockerfile, namedContexts: Set<String> = []) throws(BuildError) {
        file = dockerfile
        self.namedContexts = Set(namedContexts.map(BuildNamedContext.key))
        var meta: [Instruction] = []
        var stages: [Stage] = []
        for ins in dockerfile.instructions {
            if ins.keyword == .from {
                let words = VariableExpander.split(ins.text, escape: dockerfile.escape)
                let name = words.count == 3 ? words[2].lowercased() : nil
                if let name, stages.contains(where: { $0.name == name }) {
                    throw dockerfile.error(ins.line, "duplicate stage name \"\(name)\"")
                }
                stages.append(Stage(index: stages.count, name: name, from: ins, instructions: []))
            } else if stages.isEmpty {
                meta.append(ins)
            } else {
                stages[stages.count - 1].instructions.append(ins)
            }
        }
        metaArgs = meta
        self.stages = stages
    }

    /// The stage a name or a number refers to.
    package func stage(named ref: String) -> Stage? {
        if isNamedContext(ref) { return nil }
        if let s = stages.first(where: { $0.name == ref.lowercased() }) { return s }
        if let n = Int(ref), n >= 0, n < stages.count { return stages[n] }
        return nil
    }

    /// Whether `ref` (as FROM or --from= writes it) names a named context.
    package func isNamedContext(_ ref: String) -> Bool {
        namedContexts.contains(BuildNamedContext.key(ref))
    }

    /// Indices of the stages to build, in order; the last one is the target.
    /// `expand` resolves ARG references in FROM and --from with the meta ARG values.
    package func plan(target: String?, expand: (String) -> String) throws(BuildError) -> [Int] {
        var targetIndex = stages.count - 1
        if let target {
            guard let s = stages.first(where: { $0.name == target.lowercased() }) else {
                throw .usage(
                    "target stage \"\(target)\" could not be found (stages: \(stages.compactMap(\.name).joined(separator: ", ")))"
                )
            }
            targetIndex = s.index
        }
        var needed = Set<Int>()
        func visit(_ i: Int) throws(BuildError) {
            guard !needed.contains(i) else { return }
            needed.insert(i)
            for dep in try dependencies(of: i, expand: expand) { try visit(dep) }
        }
        try visit(targetIndex)
        return needed.sorted()
    }

    /// The stages stage `i` needs built first: its FROM's stage, and those its `COPY --from` and
    /// `RUN --mount=…,from=…` name.
    public func dependencies(of i: Int, expand: (String) -> String) throws(BuildError) -> [Int] {
        var deps: [Int] = []
        let stage = stages[i]
        let words = VariableExpander.split(stage.from.text, escape: file.escape)
        if let base = words.first.map(expand), !isNamedContext(base),
            let dep = stages.first(where: { $0.name == base.lowercased() }), dep.index < i
        {
            deps.append(dep.index)
        }
        var froms: [(Instruction, String)] = []
        for ins in stage.instructions {
            if ins.keyword == .copy, let from = ins.flag("from").map(expand) { froms.append((ins, from)) }
            if ins.keyword == .run {
                for (name, value) in ins.flags where name == "mount" {
                    if let from = (try? RunMount.parse(value ?? "", expand: { $0 }))?.from { froms.append((ins, from)) }
                }
            }
        }
        for (ins, from) in froms {
            if let dep = self.stage(named: from) {
                let what = ins.keyword == .copy ? "COPY --from=\(from)" : "RUN --mount=from=\(from)"
                guard dep.index != i else { throw file.error(ins.line, "\(what): a stage cannot use itself") }
                if dep.index > i { throw file.error(ins.line, "\(what): the stage is defined later in the Dockerfile") }
                if !deps.contains(dep.index) { deps.append(dep.index) }
            }
        }
        return deps
    }
}
