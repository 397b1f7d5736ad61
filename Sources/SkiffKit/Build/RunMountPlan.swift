import SkiffImage
import SkiffSystem

/// A RUN's `--mount` options worked out before the step runs: values expanded, targets made absolute
/// (a relative target is under the WORKDIR, as in BuildKit), `from` found. `cacheText` is what the
/// build cache keys on: each mount's spec (and for a bind, what it shows), never a secret's bytes
/// nor a cache directory's contents.
struct RunMountPlan {
    struct Entry {
        var mount: RunMount
        /// Absolute, cleaned; nil only for a secret given as env alone.
        var target: String?
        /// `from`: the tree it names (a stage or image as a read-only tree, or the context).
        var tree: SourceTree
        /// The source inside that tree, cleaned ("" is its root).
        var source: String
    }

    var entries: [Entry] = []
    var cacheText = ""
}

extension BuildRun {
    func planMounts(
        _ ins: Instruction, state: BuildStage, lookup: @escaping (String) -> String?,
        resolver: StageResolver
    ) throws(BuildError) -> RunMountPlan {
        var plan = RunMountPlan()
        var sshCount = 0
        var texts: [String] = []
        for (name, value) in ins.flags where name == "mount" {
            let spec = value ?? ""
            let ex = expander(lookup)
            let mount: RunMount
            do throws(RunMount.Invalid) {
                mount = try RunMount.parse(spec) { (word: String) throws(RunMount.Invalid) -> String in
                    do throws(VariableExpander.Failure) { return try ex.expand(word) } catch {
                        throw RunMount.Invalid(error.message)
                    }
                }
            } catch { throw fail(ins, "--mount=\(spec): \(error.message)") }
            var target = mount.target.map { absolute($0, workdir: state.config.WorkingDir) }
            switch mount.kind {
            case .secret:
                if target == nil && mount.env == nil { target = "/run/secrets/" + mount.secretID }
            case .ssh:
                if target == nil { target = "/run/buildkit/ssh_agent.\(sshCount)" }
                sshCount += 1
            default: break
            }
            var tree: SourceTree = context
            var fromText = "context"
            if let from = mount.from {
                let source = try fromSource(from, ins: ins, what: "--mount=\(spec): from=\(from)", resolver: resolver)
                tree = source.tree
                fromText = source.identity
            }
            // `..` stays at the tree's root; symlinks are followed inside the tree when it is read.
            let source = String(InRootPath.clean(mount.source ?? "/").dropFirst())
            var text = "type=\(mount.kind.rawValue) target=\(target ?? "") ro=\(mount.readOnly)"
            switch mount.kind {
            case .bind:
                guard let resolved = source.isEmpty ? "" : tree.resolve(source) else {
                    throw fail(ins, "--mount=\(spec): source \(mount.source ?? "/") not found in the \(tree.label)")
                }
                let items = [CopyStep.Item.tree(tree, SourceMatch(path: resolved, name: ""))]
                let digest = try CopyStep(
                    items: items, destination: "/", destinationIsDirectory: true, owner: nil, mode: nil
                ).contentDigest()
                text += " from=\(fromText) source=\(source) content=\(digest)"
            case .cache:
                text +=
                    " id=\(mount.id ?? target ?? "") sharing=\((mount.sharing ?? .shared).rawValue) from=\(mount.from == nil ? "" : fromText) source=\(source)"
                text +=
                    " mode=\(mount.mode.map { String($0, radix: 8) } ?? "") uid=\(mount.uid.map(String.init) ?? "") gid=\(mount.gid.map(String.init) ?? "")"
            case .tmpfs:
                text += " size=\(mount.size.map(String.init) ?? "")"
            case .secret, .ssh:
                text +=
                    " id=\(mount.kind == .secret ? mount.secretID : (mount.id ?? "default")) required=\(mount.required) env=\(mount.env ?? "")"
                text +=
                    " mode=\(mount.mode.map { String($0, radix: 8) } ?? "") uid=\(mount.uid.map(String.init) ?? "") gid=\(mount.gid.map(String.init) ?? "")"
            }
            texts.append(text)
            plan.entries.append(RunMountPlan.Entry(mount: mount, target: target, tree: tree, source: source))
        }
        plan.cacheText = texts.map { " --mount " + $0 }.joined()
        return plan
    }
}
