import Foundation
import SkiffImage
import SkiffOCI
import SkiffSystem

/// RUN, COPY/ADD and WORKDIR: the steps that make layers.
extension BuildRun {
    func prepareRun(
        _ ins: Instruction, state: BuildStage, shell: [String], lookup: @escaping (String) -> String?,
        resolver: StageResolver
    ) throws(BuildError) -> PreparedStep {
        try checkEntitlements(ins)
        let mounts = try planMounts(ins, state: state, lookup: lookup, resolver: resolver)
        var argv: [String]
        switch ins.arguments {
        case .exec(let a):
            argv = a
        case .shell(let text):
            if !ins.heredocs.isEmpty {
                let markers = DockerfileParser.heredocMarkers(text)
                let rest = VariableExpander.split(text, escape: dockerfile.escape).filter { w in
                    !markers.contains { m in w.hasPrefix("<<") && w.contains(m.name) }
                }
                if rest.isEmpty, let doc = ins.heredocs.first {
                    argv = shell + [doc.content]  // RUN <<EOF: the body is the script
                } else {
                    argv = shell + [text + "\n" + ins.heredocs.map { $0.content + $0.name }.joined(separator: "\n")]
                }
            } else {
                argv = shell + [text]
            }
        }
        let args = state.runArgs().filter { !Builder.proxyArgs.contains($0.0) }
        var env = args.map { "\($0.0)=\($0.1)" }
        for name in Builder.proxyArgs.sorted() {
            if let value = buildArg(name), let value { env.append("\(name)=\(value)") }
        }
        let commandText = argv.joined(separator: " ")
        let createdBy =
            "RUN "
            + (args.isEmpty ? "" : "|\(args.count) " + args.map { "\($0.0)=\($0.1)" }.joined(separator: " ") + " ")
            + commandText
        var runner = RunStep(engine: engine, say: { say($0) }, quiet: options.quiet, runOutput: options.runOutput)
        // Docker's: a step is a container on the default bridge (outbound through NAT, nothing of the
        // host's loopback); the host's network only when asked for (and granted, see `entitlements`).
        switch ins.flag("network") ?? options.network ?? "default" {
        case "none": runner.network = .none
        case "host": runner.network = .host
        default: runner.network = .bridge
        }
        // RUN --security=insecure (granted above): the policy of `skiff run --privileged`, for this step only.
        runner.privileged = ins.flag("security") == "insecure"
        runner.control = control
        runner.addHosts = options.addHosts
        runner.shmSize = options.shmSize
        runner.ulimits = options.ulimits
        runner.memory = options.memory
        runner.linePrefix = linePrefix
        let committer = self.committer
        let finalArgv = argv
        let finalEnv = env
        let inputs = mountInputs
        let label = "\(dockerfile.name):\(ins.line): RUN"
        // The mount specs (never a secret's bytes) and --network are part of what the step is; the
        // history line is the command alone, as BuildKit writes it.
        var cacheText = createdBy + mounts.cacheText
        if let network = ins.flag("network") {
            cacheText += " --network=\(network)"
        } else if options.network == "none" {
            cacheText += " --network=none"
        }
        if runner.privileged { cacheText += " --security=insecure" }
        let emulation = self
        return PreparedStep(cacheText: cacheText, contentDigest: nil) {
            (stage: inout BuildStage) throws(BuildError) -> StoredImage in
            try emulation.checkEmulation(ins, argv: finalArgv)
            let session = try RunMountSession(plan: mounts, inputs: inputs, instruction: label)
            defer { session.close() }
            let layer = try runner.run(
                argv: finalArgv, env: finalEnv + session.environment, parent: stage.image,
                mounts: session.requests)
            return try committer.commit(
                parent: stage.image, createdBy: createdBy, layer: (layer.descriptor, layer.diffID)
            ) { _ in }
        }
    }

    /// A path in the image, cleaned as Docker does (`..` above the root stays at the root).
    func absolute(_ path: String, workdir: String?) -> String {
        let base = (workdir?.isEmpty ?? true) ? "/" : workdir!
        return InRootPath.clean(path.hasPrefix("/") ? path : base + "/" + path)
    }

    func prepareWorkdir(_ ins: Instruction, state: BuildStage, lookup: @escaping (String) -> String?) throws(BuildError)
        -> PreparedStep
    {
        let path = absolute(try expand(ins, ins.text, lookup), workdir: state.config.WorkingDir)
        let createdBy = "WORKDIR \(path)"
        let engine = self.engine
        let committer = self.committer
        let file = dockerfile
        return PreparedStep(cacheText: createdBy, contentDigest: nil) {
            (stage: inout BuildStage) throws(BuildError) -> StoredImage in
            let fs = try LayerBlob.filesystem(of: stage.image, engine: engine)
            // Made where the path leads inside the image (a symlink on the way is followed in it).
            guard let inImage = InRootPath.join(path, entry: fs.inRootEntry) else {
                throw file.error(ins.line, "WORKDIR \(path): a component of the path is a file in the image")
            }
            if inImage.isEmpty || fs.lookup("/" + inImage) != .missing {
                return try committer.commit(parent: stage.image, createdBy: createdBy, layer: nil) {
                    $0.WorkingDir = path
                }
            }
            // Created, owned by the USER in effect (as BuildKit does).
            var owner: (uid: UInt32, gid: UInt32)?
            if let user = stage.config.User, !user.isEmpty,
                let resolved = try? UserResolver.resolve(
                    user, passwd: fs.read("/etc/passwd"), group: fs.read("/etc/group"), image: "build")
            {
                owner = (resolved.uid, resolved.gid)
            }
            let staging = try LayerBlob.stagingDirectory(engine: engine)
            defer { FileIO.removeTree(staging) }
            try Stager(rootfs: staging, image: fs, owner: nil, mode: nil).ensureDirectory("/" + inImage, created: owner)
            let layer = try LayerBlob.pack(
                directory: staging, engine: engine, parent: stage.image, convertOverlayWhiteouts: false)
            return try committer.commit(
                parent: stage.image, createdBy: createdBy, layer: (layer.descriptor, layer.diffID)
            ) {
                $0.WorkingDir = path
            }
        }
    }

    func prepareCopy(
        _ ins: Instruction, state: BuildStage, lookup: @escaping (String) -> String?,
        resolver: StageResolver
    ) throws(BuildError) -> PreparedStep {
        let key = ins.keyword.rawValue
        let isAdd = ins.keyword == .add
        var words: [String] = []
        var inlineDocs: [Instruction.Heredoc] = []
        switch ins.arguments {
        case .exec(let a):
            for w in a { words.append(try expand(ins, w, lookup)) }
        case .shell(let text):
            let markers = DockerfileParser.heredocMarkers(text)
            for raw in VariableExpander.split(text, escape: dockerfile.escape) {
                if raw.hasPrefix("<<"), let m = markers.first(where: { raw.contains($0.name) }),
                    let doc = ins.heredocs.first(where: { $0.name == m.name })
                {
                    inlineDocs.append(doc)
                    continue
                }
                words.append(try expand(ins, raw, lookup))
            }
        }
        guard let destText = words.last, !destText.isEmpty else {
            throw fail(
                ins,
                "\(key) requires at least two arguments, but only one was provided. Destination could not be determined."
            )
        }
        let sources = words.dropLast()

        // Where the sources come from: the context, an earlier stage, or an image.
        var tree: SourceTree = context
        var fromText = ""
        if let rawFrom = ins.flag("from") {
            let meta = metaArgs
            let from = try expand(ins, rawFrom) { lookup($0) ?? meta[$0] }
            fromText = "--from=\(from) "
            tree = try fromSource(from, ins: ins, what: "COPY --from=\(from)", resolver: resolver).tree
        }

        // --exclude=PATTERN (repeatable): left out of what each source copies.
        var excludes: [String] = []
        for (name, value) in ins.flags where name == "exclude" { excludes.append(try expand(ins, value ?? "", lookup)) }
        var rules = IgnoreRules()
        if !excludes.isEmpty {
            do { rules = try IgnoreRules(parsing: excludes.joined(separator: "\n")) } catch {
                throw fail(ins, "--exclude: \(error)")
            }
        }
        // ADD --checksum=sha256:HEX: the download must have that digest (BuildKit: HTTP(S) sources only).
        let checksum = try ins.flag("checksum").map { (c: String) throws(BuildError) -> Digest in
            let text = try expand(ins, c, lookup)
            do { return try Digest(text) } catch {
                throw fail(ins, "--checksum=\(text): expected sha256:HEX (\(error))")
            }
        }
        if checksum != nil, sources.contains(where: { !$0.hasPrefix("http://") && !$0.hasPrefix("https://") }) {
            throw fail(ins, "ADD --checksum can only be used with HTTP(S) sources")
        }

        var items: [CopyStep.Item] = []
        let keepParents = ins.keyword == .copy && ins.flag("parents").map { $0 != "false" } == true
        var subdirectories: [Int: String] = [:]
        for source in sources {
            if isAdd, source.hasPrefix("http://") || source.hasPrefix("https://") {
                let bytes = try Downloader.fetch(source, line: ins.line, file: dockerfile.name)
                if let checksum, Digest.of(bytes) != checksum {
                    throw fail(
                        ins, "ADD failed: digest mismatch for \(source): expected \(checksum), got \(Digest.of(bytes))")
                }
                let name = URL(string: source)?.lastPathComponent ?? "download"
                items.append(.inline(name: name.isEmpty || name == "/" ? "download" : name, bytes: bytes, mode: 0o600))
                continue
            }
            guard let cleaned = PathPattern.clean(source) else {
                throw fail(ins, "\(key) failed: forbidden path outside the \(tree.label): \(source)")
            }
            // COPY --parents ./a/./b/c: `/./` is the pivot; only the directories after it are kept (BuildKit).
            let pivot =
                keepParents
                ? source.range(of: "/./").flatMap { PathPattern.clean(String(source[..<$0.lowerBound])) } : nil
            let matches = try tree.glob(cleaned)
            if matches.isEmpty {
                if let t = tree as? ContextTree, t.label == context.label {
                    throw fail(
                        ins,
                        "\(key) failed: file not found in build context or excluded by .dockerignore: stat \(source): file does not exist"
                    )
                }
                throw fail(ins, "\(key) failed: \(source) not found in \(tree.label)")
            }
            for m in matches {
                var itemTree = tree
                if !rules.isEmpty {
                    // A glob's match the patterns name is skipped; a directory's contents are filtered.
                    if PathPattern.hasMeta(cleaned), rules.excludes(m.name) { continue }
                    itemTree = ExcludingTree(tree: tree, base: m.path, rules: rules)
                }
                if isAdd, tree is ContextTree,
                    tree.lstatInfo(m.path).map({ ($0.st_mode & S_IFMT) == S_IFREG }) ?? false,
                    CopyStep.isArchive(tree, m.path)
                {
                    items.append(.archive(itemTree, m))
                } else {
                    items.append(.tree(itemTree, m))
                    // COPY --parents: the source's directories are kept under the destination.
                    if keepParents {
                        let isDirectory = tree.isDirectory(m.path)
                        var kept =
                            isDirectory
                            ? m.path : String(m.path.split(separator: "/").dropLast().joined(separator: "/"))
                        if let pivot, !pivot.isEmpty {
                            kept =
                                kept == pivot
                                ? "" : kept.hasPrefix(pivot + "/") ? String(kept.dropFirst(pivot.count + 1)) : kept
                        }
                        subdirectories[items.count - 1] = kept
                    }
                }
            }
        }
        for doc in inlineDocs {
            var text = doc.content
            if !doc.quoted {
                do { text = try expander(lookup).expandKeepingQuotes(text) } catch { throw fail(ins, error.message) }
            }
            items.append(.inline(name: doc.name, bytes: Array(text.utf8), mode: 0o644))
        }
        let dirLike = destText.hasSuffix("/") || destText == "." || destText.hasSuffix("/.")
        if (items.count > 1 || keepParents) && !dirLike {
            throw fail(
                ins,
                "When using \(key) with more than one source file, the destination must be a directory and end with a /"
            )
        }
        let destination = absolute(destText, workdir: state.config.WorkingDir)
        var mode: mode_t?
        if let m = ins.flag("chmod") {
            guard let v = UInt32(m, radix: 8), v <= 0o7777 else {
                throw fail(ins, "--chmod=\(m): expected an octal mode such as 755")
            }
            mode = mode_t(v)
        }
        let chownText = try ins.flag("chown").map { (c: String) throws(BuildError) -> String in
            try expand(ins, c, lookup)
        }
        // One plan per destination directory (one in all unless --parents).
        var groups: [(subdirectory: String, items: [CopyStep.Item])] = []
        for (i, item) in items.enumerated() {
            let sub = subdirectories[i] ?? ""
            if let g = groups.firstIndex(where: { $0.subdirectory == sub }) {
                groups[g].items.append(item)
            } else {
                groups.append((sub, [item]))
            }
        }
        var plans = groups.map { g in
            CopyStep(
                items: g.items,
                destination: g.subdirectory.isEmpty ? destination : CopyStep.join(destination, g.subdirectory),
                destinationIsDirectory: dirLike, owner: nil, mode: mode)
        }
        // What is copied, line by line (--explain names the changed file from these) and digested.
        var contentLines: [String] = []
        var digests: [String] = []
        for (g, plan) in zip(groups, plans) {
            let lines = try plan.contentLines()
            contentLines += g.subdirectory.isEmpty ? lines : lines.map { g.subdirectory + "/" + $0 }
            digests.append(g.subdirectory + " " + CopyStep.digest(lines))
        }
        let contentDigest =
            plans.count == 1 && groups[0].subdirectory.isEmpty
            ? digests[0].dropFirst().description
            : Digest.of(Array(digests.joined(separator: "\n").utf8)).description
        var flagsText = fromText
        if let chownText { flagsText += "--chown=\(chownText) " }
        if let m = ins.flag("chmod") { flagsText += "--chmod=\(m) " }
        if keepParents { flagsText += "--parents " }
        for e in excludes { flagsText += "--exclude=\(e) " }
        if let checksum { flagsText += "--checksum=\(checksum) " }
        let createdBy =
            "\(key) \(flagsText)\((sources + inlineDocs.map { "<<" + $0.name }).joined(separator: " ")) \(destination)\(dirLike ? "/" : "")"
        let engine = self.engine
        let committer = self.committer
        let file = dockerfile
        return PreparedStep(cacheText: createdBy, contentDigest: contentDigest, contentLines: contentLines) {
            (stage: inout BuildStage) throws(BuildError) -> StoredImage in
            let fs = try LayerBlob.filesystem(of: stage.image, engine: engine)
            let owner = try chownText.map { (c: String) throws(BuildError) -> (uid: UInt32, gid: UInt32) in
                try Self.resolveOwner(c, fs: fs, ins: ins, file: file)
            }
            let staging = try LayerBlob.stagingDirectory(engine: engine)
            defer { FileIO.removeTree(staging) }
            for i in plans.indices {
                plans[i].owner = owner
                // Written where the destination leads inside the image: a symlink there is followed in the
                // image's root, never on the host (the layer is a directory of its own).
                let target = plans[i].destination
                guard let inImage = InRootPath.join(target, entry: fs.inRootEntry) else {
                    throw file.error(
                        ins.line,
                        "\(key) failed: cannot copy to \(target): a component of the path is a file in the image")
                }
                plans[i].destination = "/" + inImage
                if case .directory = fs.lookup(plans[i].destination) { plans[i].destinationIsDirectory = true }
                try plans[i].stage(into: staging, image: fs)
            }
            let layer = try LayerBlob.pack(
                directory: staging, engine: engine, parent: stage.image, convertOverlayWhiteouts: false)
            return try committer.commit(
                parent: stage.image, createdBy: createdBy, layer: (layer.descriptor, layer.diffID)
            ) { _ in }
        }
    }

    /// `--chown=user[:group]`, names looked up in the image; a user alone also gives the group
    /// (by name, or the same number), as Docker does.
    static func resolveOwner(_ text: String, fs: ImageFilesystem, ins: Instruction, file: Dockerfile) throws(BuildError)
        -> (uid: UInt32, gid: UInt32)
    {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let passwd = fs.read("/etc/passwd")
        let group = fs.read("/etc/group")
        do {
            let user = try UserResolver.resolve(parts[0], passwd: passwd, group: group, image: "the build stage")
            if parts.count > 1 {
                let g = try UserResolver.resolve(
                    "\(user.uid):\(parts[1])", passwd: passwd, group: group, image: "the build stage")
                return (user.uid, g.gid)
            }
            if UInt32(parts[0]) != nil { return (user.uid, user.uid) }
            if let g = try? UserResolver.resolve("0:\(parts[0])", passwd: passwd, group: group, image: "").gid {
                return (user.uid, g)
            }
            return (user.uid, user.gid)
        } catch {
            throw file.error(ins.line, "--chown=\(text): \(error)")
        }
    }
}

/// ADD's URL sources, fetched with SkiffImage's HTTP transport (libcurl).
enum Downloader {
    static func fetch(_ url: String, line: Int, file: String) throws(BuildError) -> [UInt8] {
        let (fd, path): (Int32, String)
        do { (fd, path) = try FileIO.makeTemporaryFile(in: "/tmp", prefix: "skiff-build-add-") } catch {
            throw .wrap(error)
        }
        close(fd)
        defer { unlink(path) }
        do { try URLDownload.fetch(url, to: path) } catch {
            throw .dockerfile(file: file, line: line, message: "ADD failed: \(error.description)")
        }
        do { return try FileIO.read(path) } catch { throw .wrap(error) }
    }
}
