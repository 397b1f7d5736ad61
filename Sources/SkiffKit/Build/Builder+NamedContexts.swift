import SkiffImage
import SkiffOCI
import SkiffSystem

/// Where `FROM NAME`, `COPY --from=NAME` and `RUN --mount=…,from=NAME` read: a named context first
/// (it replaces a stage of that name, as in BuildKit), then an earlier stage, then an image here.
extension BuildRun {
    /// A `--from` source: the tree to read and what the RUN mount cache keys on for it.
    struct FromSource {
        var tree: SourceTree
        var identity: String
    }

    /// The directory contexts opened (each with its own `.dockerignore`), by name.
    static func openNamedContexts(_ contexts: [String: BuildNamedContext]) throws(BuildError) -> [String: ContextTree] {
        var trees: [String: ContextTree] = [:]
        for (name, context) in contexts {
            guard case .directory(let path) = context else { continue }
            trees[name] = try ContextTree.open(path, label: "build context \(name)")
        }
        return trees
    }

    /// The named context `ref` refers to: as written, or the same image name (`alpine:latest` is `alpine`).
    func namedContext(_ ref: String) -> (name: String, context: BuildNamedContext)? {
        if let c = options.namedContexts[ref] { return (ref, c) }
        let key = BuildNamedContext.key(ref)
        return options.namedContexts.first { BuildNamedContext.key($0.key) == key }.map { ($0.key, $0.value) }
    }

    /// What `--from=from` (COPY) or `from=` (RUN --mount) reads; `what` starts the error.
    func fromSource(_ from: String, ins: Instruction, what: String, resolver: StageResolver) throws(BuildError)
        -> FromSource
    {
        let image: StoredImage
        if let (name, context) = namedContext(from) {
            switch context {
            case .directory:
                guard let tree = namedTrees[name] else { throw .engine("internal: context \(name) was not opened") }
                return FromSource(tree: tree, identity: "context \(name)")
            case .image(let ref):
                image = try contextImage(ref, from: ins)
            }
        } else if let dep = resolver.stage(named: from), let built = stageImages[dep.index] {
            image = built
        } else {
            do { image = try engine.images.resolve(from) } catch {
                throw fail(
                    ins,
                    "\(what): no stage, named build context or image of that name (images must be pulled or loaded first)"
                )
            }
        }
        let fs = try LayerBlob.filesystem(of: image, engine: engine)
        return FromSource(
            tree: ImageTree(layersTopFirst: fs.layers, label: "stage \(from)"),
            identity: image.manifestDigest.description)
    }

    /// A `docker-image://REF` context's image: for the stage's platform when the build names one (as
    /// BuildKit resolves it), else as a FROM image.
    func contextImage(_ ref: String, from: Instruction) throws(BuildError) -> StoredImage {
        guard options.platform != nil || from.flag("platform") != nil else { return try baseImage(ref, from: from) }
        return try baseImage(ref, from: from, platform: stagePlatform)
    }

    /// `FROM NAME` of a named context: its image, or for a directory an image whose one layer is the
    /// directory's files (less its `.dockerignore`), as BuildKit makes a local context a stage's root.
    func namedBase(_ name: String, _ context: BuildNamedContext, from: Instruction) throws(BuildError) -> StoredImage {
        switch context {
        case .image(let ref):
            return try contextImage(ref, from: from)
        case .directory:
            guard let tree = namedTrees[name] else { throw .engine("internal: context \(name) was not opened") }
            let scratch = try committer.scratch()
            let empty = try LayerBlob.filesystem(of: scratch, engine: engine)
            let staging = try LayerBlob.stagingDirectory(engine: engine)
            defer { FileIO.removeTree(staging) }
            let copy = CopyStep(
                items: [.tree(tree, SourceMatch(path: "", name: ""))], destination: "/", destinationIsDirectory: true,
                owner: nil, mode: nil)
            try copy.stage(into: staging, image: empty)
            let layer = try LayerBlob.pack(
                directory: staging, engine: engine, parent: scratch, convertOverlayWhiteouts: false)
            // No timestamp: the same files make the same image, so the steps after it stay cached.
            var config = scratch.config
            config.rootfs.diffIDs = [layer.diffID]
            config.history = [History(createdBy: "context \(name)", comment: "skiff build")]
            var manifest = scratch.manifest
            manifest.layers = [layer.descriptor]
            return try committer.write(config: config, manifest: manifest)
        }
    }

    /// BuildKit refuses, before any step runs, a build whose RUN steps ask for what it was not allowed:
    /// `RUN --network=host` needs network.host (given by `--allow`, or by the build's own `--network
    /// host`), `RUN --security=insecure` needs security.insecure.
    func checkEntitlements(_ ins: Instruction) throws(BuildError) {
        guard ins.keyword == .run else { return }
        if ins.flag("network") == "host", !allows(.networkHost) {
            throw fail(
                ins, "network.host is not allowed (grant it with --allow network.host, or compose build.entitlements)")
        }
        if ins.flag("security") == "insecure", !allows(.securityInsecure) {
            throw fail(
                ins,
                "security.insecure is not allowed (grant it with --allow security.insecure, or compose build.privileged / build.entitlements)"
            )
        }
    }

    func allows(_ entitlement: BuildEntitlement) -> Bool {
        if options.entitlements.contains(entitlement) { return true }
        return entitlement == .networkHost && options.network == "host"
    }
}
