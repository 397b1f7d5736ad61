import SkiffExplain
import SkiffImage
import SkiffOCI
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff build`: runs a Dockerfile's steps, one image per step, one layer per step that changes
/// files, each step answered from the build cache when its parent, its resolved text and (COPY/ADD)
/// its sources' contents are the same. Prints Docker's classic output through `output`.
public struct Builder {
    /// The engine whose images the build reads and writes, and whose runtime runs the RUN steps.
    public let engine: Engine
    /// What to build.
    public var options: BuildOptions
    /// Receives each line of progress output (without the newline).
    public var output: (String) -> Void

    /// Args every build knows without an ARG line: the proxy settings (kept out of the cache key
    /// and history) and the platform of this machine.
    static let proxyArgs: Set<String> = [
        "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
        "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
    ]

    /// The platform the build is for (`--platform`; this machine's when not given).
    var targetPlatform: Platform { options.platform ?? BuildPlatform.host }

    /// TARGETPLATFORM, BUILDPLATFORM and the rest, as BuildKit sets them.
    var platformArgs: [String: String] { BuildPlatform.args(target: targetPlatform) }

    /// A builder for `options` in `engine`, printing progress through `output`.
    public init(engine: Engine, options: BuildOptions, output: @escaping (String) -> Void) {
        self.engine = engine
        self.options = options
        self.output = output
    }

    var cache: BuildCache { BuildCache(engine: engine) }

    /// Read the Dockerfile, build the target stage, tag it.
    public func build() throws(BuildError) -> BuildResult {
        if options.platforms.count > 1 { return try buildIndex() }
        let context = try ContextTree.open(options.contextDirectory)
        let path = options.dockerfilePath ?? options.contextDirectory + "/Dockerfile"
        let text: String
        if let inline = options.dockerfileText {
            text = inline
        } else if options.dockerfilePath == nil {
            // The context's own Dockerfile (even when .dockerignore names it, as in Docker), a symlink
            // followed inside the context: never a host file.
            let all = try ContextTree(root: context.root, ignore: IgnoreRules())
            guard let found = all.resolve("Dockerfile"), let bytes = try? all.read(found) else {
                throw .usage("cannot read the Dockerfile \(path): no such file in the build context")
            }
            text = String(decoding: bytes, as: UTF8.self)
        } else {
            do { text = try FileIO.readString(path) } catch {
                throw .usage("cannot read the Dockerfile \(path): \(error)")
            }
        }
        let name = String(path.split(separator: "/").last ?? "Dockerfile")
        let dockerfile = try DockerfileParser(name: name).parse(text)
        var tags: [ImageReference] = []
        for t in options.tags {
            do { tags.append(try ImageReference(parsing: t)) } catch { throw .usage("invalid tag \"\(t)\": \(error)") }
        }
        let agents = SSHAgents(sources: options.ssh, environment: options.callerEnvironment)
        defer { agents.stop() }
        let inputs = RunMountInputs(
            secrets: options.secrets, environment: options.callerEnvironment, agents: agents,
            stateRoot: engine.root)
        let named = try BuildRun.openNamedContexts(options.namedContexts)
        var run = BuildRun(
            builder: self, dockerfile: dockerfile, context: context, namedTrees: named, mountInputs: inputs)
        if !options.cacheFrom.isEmpty {
            let imported = ImportedBuildCache.load(options.cacheFrom) { output($0) }
            let control = run.control
            imported.warn = { control.emit($0) }
            run.importedCache = imported
        }
        var image = try run.execute()
        if !options.cacheTo.isEmpty { image = try exportCache(run, image: image) }
        // A name already on this image is left as it is (a fully cached rebuild writes nothing).
        let current = (try? engine.images.references()) ?? [:]
        for ref in tags where current[ref] != image.manifestDigest {
            do { try engine.images.tag(ref, manifest: image.manifestDigest) } catch { throw .wrap(error) }
            engine.events.record(image: image.id, name: ref.familiar, "tag")
        }
        let unused = run.unusedBuildArgs()
        if !unused.isEmpty, !options.quiet {
            output("[Warning] One or more build-args [\(unused.joined(separator: " "))] were not consumed")
        }
        if options.quiet {
            output(image.id.description)
        } else {
            output("Successfully built \(image.id.short)")
            for ref in tags { output("Successfully tagged \(ref.familiar)") }
        }
        return BuildResult(
            imageID: image.id, manifestDigest: image.manifestDigest, tags: tags, steps: run.records,
            work: run.work.snapshot)
    }
}

/// The state of one build while it runs.
struct BuildRun {
    let builder: Builder
    let dockerfile: Dockerfile
    let context: ContextTree
    /// The named contexts that are directories, opened (`--build-context NAME=DIR`).
    let namedTrees: [String: ContextTree]
    let mountInputs: RunMountInputs
    var engine: Engine { builder.engine }
    var options: BuildOptions { builder.options }

    var metaArgs: [String: String] = [:]
    var usedBuildArgs: Set<String> = []
    /// Results of finished stages, by index.
    var stageImages: [Int: StoredImage] = [:]
    var records: [BuildResult.StepRecord] = []
    var stepNumber = 0
    var totalSteps = 0
    /// Counts of what the build wrote and read (BuildResult.work).
    let work = BuildWork()
    /// Output and cancellation, shared by the stages (which may build at the same time).
    let control: BuildControl
    /// The stage being built, named in its errors when the build has several stages.
    var stageName: String?
    /// This copy builds the stage the image is (the target): `--label`s go on it.
    var buildsTarget = false
    /// While stages build at the same time, every line of a stage's output starts with `[name] `.
    var linePrefix: String?
    /// The cache keys of the steps of each stage built, and the stage each is FROM (for `--cache-to`).
    var stageCacheKeys: [Int: [String]] = [:]
    var stageFrom: [Int: Int] = [:]
    /// The target stage's index once the build has run.
    var targetStage: Int?
    /// The platform of the stage being built (its FROM --platform=, else the build's target).
    var stagePlatform = BuildPlatform.host

    init(
        builder: Builder, dockerfile: Dockerfile, context: ContextTree, namedTrees: [String: ContextTree] = [:],
        mountInputs: RunMountInputs
    ) {
        self.builder = builder
        self.namedTrees = namedTrees
        self.mountInputs = mountInputs
        self.dockerfile = dockerfile
        self.context = context
        control = BuildControl(engine: builder.engine, output: builder.output)
    }

    /// What `--cache-from` imported (nil: nothing asked for).
    var importedCache: ImportedBuildCache?

    var cache: BuildCache {
        var cache = builder.cache
        cache.work = work
        cache.imported = importedCache
        return cache
    }

    var committer: ImageCommitter { ImageCommitter(images: engine.images, work: work) }

    func say(_ line: String) {
        if !options.quiet { control.emit((linePrefix ?? "") + line) }
    }

    func checkCancelled() throws(BuildError) {
        if Cancellation.isCancelled { throw .wrap(SystemError.cancelled) }
        if control.isCancelled { throw .engine("stopped: another stage of the build failed") }
    }

    func fail(_ ins: Instruction, _ message: String) -> BuildError {
        dockerfile.error(ins.line, message)
    }

    /// A build arg's value from the command line (nil when not given).
    func buildArg(_ name: String) -> String?? {
        guard let given = options.buildArgs[name] else { return nil }
        return .some(given ?? options.callerEnvironment[name])
    }

    func unusedBuildArgs() -> [String] {
        options.buildArgs.keys.filter { !usedBuildArgs.contains($0) && !Builder.proxyArgs.contains($0) }.sorted()
    }

    func expander(_ lookup: @escaping (String) -> String?) -> VariableExpander {
        VariableExpander(escape: dockerfile.escape, lookup: lookup)
    }

    func expand(_ ins: Instruction, _ word: String, _ lookup: @escaping (String) -> String?) throws(BuildError)
        -> String
    {
        do { return try expander(lookup).expand(word) } catch { throw fail(ins, error.message) }
    }

    mutating func execute() throws(BuildError) -> StoredImage {
        let resolver = try StageResolver(dockerfile, namedContexts: Set(options.namedContexts.keys))
        // ARGs before the first FROM: usable in FROM lines (and by `ARG NAME` inside a stage).
        var meta = builder.platformArgs
        for ins in resolver.metaArgs {
            for word in VariableExpander.split(ins.text, escape: dockerfile.escape) {
                let (name, raw) = Self.splitArg(word)
                let known = meta
                var value = try raw.map { (w: String) throws(BuildError) -> String in try expand(ins, w) { known[$0] } }
                if let given = buildArg(name) { value = given; usedBuildArgs.insert(name) }
                if let value { meta[name] = value; metaArgs[name] = value }
            }
        }
        let known = meta
        let expandMeta: (String) -> String = { word in
            (try? VariableExpander(escape: dockerfile.escape) { known[$0] }.expand(word)) ?? word
        }
        let plan = try resolver.plan(target: options.target, expand: expandMeta)
        guard let target = plan.last else { throw .usage("nothing to build") }
        for index in plan { for ins in resolver.stages[index].instructions { try checkEntitlements(ins) } }
        totalSteps = plan.reduce(0) { $0 + 1 + resolver.stages[$1].instructions.count }
        // Each stage's step numbers are the ones it has when the stages build in order, however they run.
        var firstStep: [Int: Int] = [:]
        var counted = 0
        for index in plan {
            firstStep[index] = counted
            counted += 1 + resolver.stages[index].instructions.count
        }
        let starts = firstStep
        var dependencies: [Int: [Int]] = [:]
        for index in plan { dependencies[index] = try resolver.dependencies(of: index, expand: expandMeta) }
        // --explain narrates one step after another: its stages build in order.
        let limit = engine.logger.isExplaining ? 1 : max(1, options.parallelStages ?? Self.processors)
        let concurrent = limit > 1 && StageScheduler.hasIndependentStages(plan, dependencies: dependencies)
        let base = self
        let scheduler = StageScheduler(
            plan: plan, dependencies: dependencies, limit: concurrent ? limit : 1, control: control)
        let outcomes = try scheduler.run {
            (index: Int, built: [Int: StoredImage]) throws(BuildError) -> StageScheduler.Outcome in
            var run = base
            let stage = resolver.stages[index]
            run.stageImages = built
            run.records = []
            run.usedBuildArgs = []
            run.stepNumber = starts[index] ?? 0
            let name = stage.name ?? "stage-\(stage.index)"
            run.stageName = plan.count > 1 ? name : nil
            run.linePrefix = concurrent ? "[\(name)] " : nil
            run.buildsTarget = index == target
            let image = try run.buildStage(stage, resolver: resolver)
            return StageScheduler.Outcome(
                image: image, records: run.records, usedBuildArgs: run.usedBuildArgs,
                cacheKeys: run.stageCacheKeys[index] ?? [], fromStage: run.stageFrom[index])
        }
        for index in plan {
            guard let outcome = outcomes[index] else { continue }
            stageImages[index] = outcome.image
            records += outcome.records
            usedBuildArgs.formUnion(outcome.usedBuildArgs)
            stageCacheKeys[index] = outcome.cacheKeys
            stageFrom[index] = outcome.fromStage
        }
        targetStage = target
        guard let last = stageImages[target] else { throw .usage("nothing to build") }
        return last
    }

    /// A FROM's image: the store's, or pulled as Docker pulls it: when the store lacks it, and with
    /// `--pull` every time.
    func baseImage(_ base: String, from: Instruction) throws(BuildError) -> StoredImage {
        if !options.pull {
            do { return try engine.images.resolve(base) } catch {
                guard case .notFound = error else { throw fail(from, "base image \(base): \(error)") }
            }
        }
        let reference: ImageReference
        do { reference = try ImageReference(parsing: base) } catch {
            throw fail(from, "base image \(base): \(error)")
        }
        say("Pulling \(reference.familiar)")
        do { _ = try Puller(store: engine.images, options: PullOptions(), progress: nil).pull(reference) } catch {
            throw fail(from, "base image \(base) is not here and could not be pulled: \(error)")
        }
        do { return try engine.images.resolve(base) } catch { throw fail(from, "base image \(base): \(error)") }
    }

    static var processors: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    static func splitArg(_ word: String) -> (String, String?) {
        guard let eq = word.firstIndex(of: "=") else { return (word, nil) }
        return (String(word[..<eq]), String(word[word.index(after: eq)...]))
    }

    mutating func beginStep(_ ins: Instruction, trigger: Bool = false) {
        if trigger {
            say(
                " ---> Running trigger: \(ins.keyword.rawValue) \(ins.original.drop { $0 != " " && $0 != "\t" }.drop { $0 == " " || $0 == "\t" })"
            )
            return
        }
        stepNumber += 1
        say("Step \(stepNumber)/\(totalSteps) : \(ins.keyword.rawValue)\(Self.argumentText(ins))")
        engine.logger.explain(
            .buildStepStarted(
                number: stepNumber, total: totalSteps,
                instruction: ins.keyword.rawValue + Self.argumentText(ins)))
    }

    static func argumentText(_ ins: Instruction) -> String {
        let rest = ins.original.drop { $0 != " " && $0 != "\t" }
        return rest.isEmpty ? "" : " " + rest.drop { $0 == " " || $0 == "\t" }
    }

    mutating func record(_ ins: Instruction, cached: Bool) {
        records.append(
            BuildResult.StepRecord(
                number: stepNumber, instruction: ins.keyword.rawValue + Self.argumentText(ins),
                cached: cached))
    }

    // MARK: stages

    /// Build one stage; a failure names the stage and the line when the build has several.
    mutating func buildStage(_ stage: StageResolver.Stage, resolver: StageResolver) throws(BuildError) -> StoredImage {
        var line = stage.from.line
        do {
            return try buildStage(stage, resolver: resolver, line: &line)
        } catch {
            guard let stageName, !control.isCancelled || !Self.isStop(error) else { throw error }
            throw .stage(name: stageName, file: dockerfile.name, line: line, error: error)
        }
    }

    static func isStop(_ error: BuildError) -> Bool {
        if case .engine(let text) = error, text.hasPrefix("stopped: ") { return true }
        if case .runFailed = error { return true }
        return false
    }

    private mutating func buildStage(_ stage: StageResolver.Stage, resolver: StageResolver, line: inout Int)
        throws(BuildError) -> StoredImage
    {
        try checkCancelled()
        let from = stage.from
        beginStep(from)
        let words = VariableExpander.split(from.text, escape: dockerfile.escape)
        let meta = metaArgs.merging(builder.platformArgs) { a, _ in a }
        let base = try expand(from, words[0]) { meta[$0] }
        // The stage's platform: FROM --platform= (e.g. $BUILDPLATFORM for a cross-compiling stage), else the target.
        stagePlatform = builder.targetPlatform
        if let platform = from.flag("platform") {
            let p = try expand(from, platform) { meta[$0] }
            do { stagePlatform = try BuildPlatform.parse(p) } catch {
                throw fail(from, "--platform=\(error.description)")
            }
        }
        let platformGiven = options.platform != nil || from.flag("platform") != nil
        var image: StoredImage
        if let (name, context) = namedContext(base) {
            image = try namedBase(name, context, from: from)
        } else if let dep = resolver.stages.first(where: { $0.name == base.lowercased() }), dep.index < stage.index,
            let built = stageImages[dep.index]
        {
            image = built
            stageFrom[stage.index] = dep.index
        } else if base.lowercased() == "scratch" {
            image = try committer.scratch(platform: platformGiven ? stagePlatform : nil)
        } else if platformGiven {
            image = try baseImage(base, from: from, platform: stagePlatform)
        } else {
            image = try baseImage(base, from: from)
        }
        say(" ---> \(image.id.short)")
        record(from, cached: false)
        if engine.logger.isExplaining {
            let diffIDs = image.config.rootfs.diffIDs
            let made = (image.config.history ?? []).filter { $0.emptyLayer != true }.map(\.createdBy)
            let chains = LayerStore.chainIDs(diffIDs: diffIDs)
            engine.logger.explain(
                .imageResolved(
                    reference: base, id: image.id.description,
                    layers: diffIDs.indices.map { i in
                        ExplainEvent.Layer(
                            diffID: diffIDs[i], directory: engine.layers.diffPath(chainID: chains[i]),
                            createdBy: i < made.count ? made[i] : nil)
                    }))
        }
        var state = BuildStage(image: image)
        // A base image's ONBUILD triggers run first; the new image does not inherit them.
        if let triggers = image.config.config?.OnBuild, !triggers.isEmpty {
            say("# Executing \(triggers.count) build trigger\(triggers.count == 1 ? "" : "s")")
            for text in triggers {
                var trigger = try DockerfileParser(name: dockerfile.name).parseInstruction(
                    text, line: from.line, escape: dockerfile.escape)
                if [.run, .copy, .add].contains(trigger.keyword) { trigger.heredocs = [] }
                beginStep(trigger, trigger: true)
                try step(trigger, state: &state, resolver: resolver, isTrigger: true)
            }
            if state.image.config.config?.OnBuild != nil {
                _ = try applyMetadata("ONBUILD (triggers ran)", state: &state) { _, config in config.OnBuild = nil }
            }
        }
        for ins in stage.instructions {
            line = ins.line
            try checkCancelled()
            beginStep(ins)
            try step(ins, state: &state, resolver: resolver, isTrigger: false)
        }
        if buildsTarget, !options.labels.isEmpty {
            // As Docker's builder adds --label: one LABEL step after the target stage's last.
            let labels = options.labels.sorted { $0.key < $1.key }
            let text = "LABEL " + labels.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            _ = try applyMetadata(text, state: &state) { _, config in
                if config.Labels == nil { config.Labels = [:] }
                for (k, v) in labels { config.Labels![k] = v }
            }
        }
        stageCacheKeys[stage.index] = state.cacheKeys
        return try state.written(committer)
    }

    // MARK: steps

    /// One instruction: answered from the cache, or carried out and committed as a new image
    /// (a metadata-only step: applied to the stage in memory, see BuildStage).
    mutating func step(_ ins: Instruction, state: inout BuildStage, resolver: StageResolver, isTrigger: Bool)
        throws(BuildError)
    {
        if ins.keyword == .arg {
            try declareArgs(ins, state: &state)
            if !isTrigger { record(ins, cached: false) }
            return
        }
        let prepared = try prepareStep(ins, state: state, resolver: resolver)
        let key = BuildCache.key(parent: state.key, step: prepared.cacheText, contentDigest: prepared.contentDigest)
        if let change = prepared.metadata {
            try metadataStep(ins, prepared, key: key, change: change, state: &state, isTrigger: isTrigger)
            return
        }
        state.cacheKeys.append(key)
        if !options.noCache, let hit = cache.lookup(key) {
            cache.recordUse(key)
            say(" ---> Using cache")
            state.replace(with: hit)
            if ins.keyword == .cmd { state.cmdSet = true }
            say(" ---> \(hit.id.short)")
            if !isTrigger { record(ins, cached: true) }
            engine.logger.explain(
                .buildStepFinished(
                    number: stepNumber, cached: true, image: hit.id.description, layerSize: nil,
                    missReason: nil))
            return
        }
        let parent = state.image
        let parentKey = state.key
        let missReason =
            engine.logger.isExplaining
            ? (options.noCache
                ? "--no-cache was given"
                : cache.missReason(parent: parentKey, step: prepared.cacheText, files: prepared.contentLines))
            : nil
        try checkCancelled()
        let image = try prepared.perform(&state)
        try cache.store(
            key, manifest: image.manifestDigest, step: prepared.cacheText, parent: parentKey,
            files: prepared.contentLines)
        state.replace(with: image)
        say(" ---> \(image.id.short)")
        if !isTrigger { record(ins, cached: false) }
        if engine.logger.isExplaining {
            let added =
                image.manifest.layers.count > parent.manifest.layers.count
                ? image.manifest.layers.last.map { UInt64($0.size) } : nil
            engine.logger.explain(
                .buildStepFinished(
                    number: stepNumber, cached: false, image: image.id.description,
                    layerSize: added ?? 0, missReason: missReason))
        }
    }

    /// ENV, LABEL, CMD…: no image is written; the cache entry keeps the history line's time, so a
    /// cached rebuild makes the same config. Nothing here grows with the number of steps before it.
    mutating func metadataStep(
        _ ins: Instruction, _ prepared: PreparedStep, key: String,
        change: @escaping (inout BuildStage, inout ContainerConfig) -> Void,
        state: inout BuildStage, isTrigger: Bool
    ) throws(BuildError) {
        let (cached, missReason) = try applyMetadata(prepared.cacheText, key: key, state: &state, change: change)
        if cached { say(" ---> Using cache") }
        if !isTrigger { record(ins, cached: cached) }
        if engine.logger.isExplaining {
            // The narration names each step's image: written here (the same digest the stage's end would give).
            let image = try state.written(committer)
            engine.logger.explain(
                .buildStepFinished(
                    number: stepNumber, cached: cached, image: image.id.description,
                    layerSize: cached ? nil : 0, missReason: missReason))
        }
    }

    /// A metadata change applied to the stage, its history time from the cache entry when there is one.
    /// Returns whether the cache had it (and, for --explain, why not).
    @discardableResult
    func applyMetadata(
        _ text: String, key: String? = nil, state: inout BuildStage,
        change: (inout BuildStage, inout ContainerConfig) -> Void
    ) throws(BuildError) -> (Bool, String?) {
        let parentKey = state.key
        let key = key ?? BuildCache.key(parent: parentKey, step: text, contentDigest: nil)
        let earlier = options.noCache ? nil : cache.lookupMetadata(key)
        let missReason =
            earlier == nil && engine.logger.isExplaining
            ? (options.noCache ? "--no-cache was given" : cache.missReason(parent: parentKey, step: text, files: nil))
            : nil
        let created = earlier ?? Timestamp.now()
        if earlier == nil {
            try cache.storeMetadata(key, created: created, step: text, parent: parentKey)
        } else {
            cache.recordUse(key)
        }
        let chained: Digest
        do { chained = try Digest(hex: key) } catch { throw .wrap(error) }
        state.apply(createdBy: text, created: created, key: chained, change: change)
        return (earlier != nil, missReason)
    }

    /// `prepare`, with `$NAME` looked up in the stage as it is now (a copy that is gone when this returns,
    /// so the stage's arrays are not copied when the step changes them).
    func prepareStep(_ ins: Instruction, state: BuildStage, resolver: StageResolver) throws(BuildError) -> PreparedStep
    {
        let st = state
        return try prepare(ins, state: state, lookup: { st.lookup($0) }, resolver: resolver)
    }

    /// A step worked out: its cache text (the resolved instruction), the digest of what it copies,
    /// and how to carry it out.
    struct PreparedStep {
        var cacheText: String
        var contentDigest: String?
        /// What `contentDigest` hashes, one line per copied file (for `--explain`'s miss reason).
        var contentLines: [String]? = nil
        /// A layer step: carried out, it makes the step's image.
        var perform: (inout BuildStage) throws(BuildError) -> StoredImage
        /// A metadata-only step: its change to the config (perform is then unused).
        var metadata: ((inout BuildStage, inout ContainerConfig) -> Void)? = nil

        init(
            cacheText: String, contentDigest: String?, contentLines: [String]? = nil,
            perform: @escaping (inout BuildStage) throws(BuildError) -> StoredImage
        ) {
            self.cacheText = cacheText
            self.contentDigest = contentDigest
            self.contentLines = contentLines
            self.perform = perform
        }

        init(metadata text: String, change: @escaping (inout BuildStage, inout ContainerConfig) -> Void) {
            cacheText = text
            perform = { (_: inout BuildStage) throws(BuildError) -> StoredImage in
                throw .engine("internal: \(text) is a metadata step")
            }
            metadata = change
        }
    }

    mutating func declareArgs(_ ins: Instruction, state: inout BuildStage) throws(BuildError) {
        for word in VariableExpander.split(ins.text, escape: dockerfile.escape) {
            let (name, raw) = Self.splitArg(word)
            let st = state
            var value = try raw.map { (w: String) throws(BuildError) -> String in try expand(ins, w) { st.lookup($0) } }
            if value == nil, let m = metaArgs[name] { value = m }
            if value == nil, let p = builder.platformArgs[name] { value = p }
            if let given = buildArg(name) { value = given; usedBuildArgs.insert(name) }
            state.setArg(name, value)
        }
    }

    func prepare(
        _ ins: Instruction, state: BuildStage, lookup: @escaping (String) -> String?,
        resolver: StageResolver
    ) throws(BuildError) -> PreparedStep {
        let parent = state.image
        func metadata(_ createdBy: String, _ change: @escaping (inout ContainerConfig) -> Void) -> PreparedStep {
            PreparedStep(metadata: createdBy) { _, config in change(&config) }
        }
        func words() throws(BuildError) -> [String] {
            do { return try expander(lookup).expandWords(ins.text) } catch { throw fail(ins, error.message) }
        }
        let shell = parent.config.config?.Shell ?? ["/bin/sh", "-c"]

        switch ins.keyword {
        case .from, .arg:
            throw fail(ins, "internal: \(ins.keyword.rawValue) is not a step")
        case .run:
            return try prepareRun(ins, state: state, shell: shell, lookup: lookup, resolver: resolver)
        case .copy, .add:
            return try prepareCopy(ins, state: state, lookup: lookup, resolver: resolver)
        case .cmd, .entrypoint:
            let argv: [String]
            switch ins.arguments {
            case .exec(let a): argv = a
            case .shell(let s): argv = shell + [s]
            }
            let json = "[" + argv.map { "\"" + $0 + "\"" }.joined(separator: " ") + "]"
            if ins.keyword == .cmd {
                return PreparedStep(metadata: "CMD \(json)") { stage, config in
                    config.Cmd = argv
                    stage.cmdSet = true
                }
            }
            let keepCmd = state.cmdSet
            return metadata("ENTRYPOINT \(json)") { c in
                c.Entrypoint = argv
                if !keepCmd { c.Cmd = nil }
            }
        case .env:
            let pairs = try DockerfileParser.keyValuePairs(ins, escape: dockerfile.escape, file: dockerfile.name)
            var resolved: [(String, String)] = []
            for (k, v) in pairs { resolved.append((try expand(ins, k, lookup), try expand(ins, v, lookup))) }
            let text = "ENV " + resolved.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
            return PreparedStep(metadata: text) { stage, config in
                for (k, v) in resolved { stage.setEnv(k, v, in: &config) }
            }
        case .label:
            let pairs = try DockerfileParser.keyValuePairs(ins, escape: dockerfile.escape, file: dockerfile.name)
            var resolved: [(String, String)] = []
            for (k, v) in pairs { resolved.append((try expand(ins, k, lookup), try expand(ins, v, lookup))) }
            return metadata("LABEL " + resolved.map { "\($0.0)=\($0.1)" }.joined(separator: " ")) { c in
                if c.Labels == nil { c.Labels = [:] }
                for (k, v) in resolved { c.Labels![k] = v }
            }
        case .maintainer:
            let who = ins.text
            return PreparedStep(metadata: "MAINTAINER \(who)") { stage, _ in stage.setAuthor(who) }
        case .user:
            let user = try expand(ins, ins.text, lookup)
            return metadata("USER \(user)") { $0.User = user }
        case .expose:
            var ports: [String] = []
            for w in try words() {
                let parts = w.split(separator: "/", maxSplits: 1)
                let proto = parts.count > 1 ? parts[1].lowercased() : "tcp"
                guard ["tcp", "udp", "sctp"].contains(proto) else { throw fail(ins, "invalid proto: \(proto)") }
                let range = parts[0].split(separator: "-", maxSplits: 1)
                guard let lo = Int(range[0]), lo > 0, lo < 65536, let hi = range.count > 1 ? Int(range[1]) : lo,
                    hi >= lo, hi < 65536
                else {
                    throw fail(ins, "invalid containerPort: \(parts[0])")
                }
                for p in lo...hi { ports.append("\(p)/\(proto)") }
            }
            let list = ports
            return metadata("EXPOSE " + list.joined(separator: " ")) { c in
                if c.ExposedPorts == nil { c.ExposedPorts = [:] }
                for p in list { c.ExposedPorts![p] = EmptyObject() }
            }
        case .volume:
            var paths: [String]
            if case .exec(let a) = ins.arguments {
                paths = []
                for p in a { paths.append(try expand(ins, p, lookup)) }
            } else {
                paths = try words()
            }
            if paths.contains(where: { $0.isEmpty }) { throw fail(ins, "VOLUME specified can not be an empty string") }
            let list = paths
            return metadata("VOLUME " + list.joined(separator: " ")) { c in
                if c.Volumes == nil { c.Volumes = [:] }
                for p in list { c.Volumes![p] = EmptyObject() }
            }
        case .stopsignal:
            let signal = try expand(ins, ins.text, lookup)
            return metadata("STOPSIGNAL \(signal)") { $0.StopSignal = signal }
        case .shell:
            guard case .exec(let argv) = ins.arguments else {
                throw fail(ins, "SHELL requires the arguments to be in JSON form")
            }
            return metadata("SHELL [" + argv.joined(separator: " ") + "]") { $0.Shell = argv }
        case .healthcheck:
            let h = try HealthcheckParser.parse(ins, escape: dockerfile.escape, file: dockerfile.name)
            var config = HealthConfig(
                Test: h.test, Interval: h.interval, Timeout: h.timeout, StartPeriod: h.startPeriod, Retries: h.retries)
            config.StartInterval = h.startInterval
            let value = config
            return metadata(
                "HEALTHCHECK " + h.test.joined(separator: " ")
                    + " \(h.interval ?? 0) \(h.timeout ?? 0) \(h.startPeriod ?? 0) \(h.retries ?? 0)"
            ) {
                $0.Healthcheck = value
            }
        case .onbuild:
            let trigger = DockerfileParser.trimLeft(ins.text)
            return metadata("ONBUILD \(trigger)") { c in
                if c.OnBuild == nil { c.OnBuild = [] }
                c.OnBuild!.append(trigger)
            }
        case .workdir:
            return try prepareWorkdir(ins, state: state, lookup: lookup)
        }
    }
}
