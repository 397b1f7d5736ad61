import Foundation

/// How a project is found: `-f` files (else discovery from the working directory, else $COMPOSE_FILE),
/// `-p` (else `name:`, $COMPOSE_PROJECT_NAME, the directory's name), `.env` beside the first file (or
/// `--env-file`) under the caller's environment.
public struct ComposeLoadOptions: Sendable {
    /// `-f` files, relative to `workingDirectory`; `-` is stdin; empty: discovery.
    public var files: [String] = []
    /// `-p`; nil: `name:`, $COMPOSE_PROJECT_NAME, else the directory's name.
    public var projectName: String?
    /// Where discovery starts and relative `-f` paths are resolved.
    public var workingDirectory: String
    /// `--project-directory`: where relative paths in the files are resolved (default: the first file's directory).
    public var projectDirectory: String?
    /// The caller's environment: interpolation reads it (over `.env`), as do $COMPOSE_* settings.
    public var environment: [String: String]
    /// `--env-file` files, instead of the `.env` beside the first compose file.
    public var envFiles: [String] = []
    /// `--profile` (and $COMPOSE_PROFILES).
    public var profiles: [String] = []
    /// `config --no-path-resolution` off: relative paths in the model are kept as written.
    public var resolvePaths = true
    /// `config --no-consistency` off: references between services and resources are not checked.
    public var checkConsistency = true
    /// How `-f oci://…` files are read: from the registry, with the credentials of `skiff login`.
    package var fetchRemote: @Sendable (String) throws(ComposeError) -> [ComposeRemote.File] = {
        (location: String) throws(ComposeError) in try ComposeRemote.fetch(location)
    }

    /// Options to find a project from `workingDirectory` with the caller's `environment`.
    public init(workingDirectory: String, environment: [String: String]) {
        self.workingDirectory = workingDirectory
        self.environment = environment
    }
}

/// Turns compose files into a checked `ComposeProject` (Compose Spec merge and interpolation rules).
public enum ComposeLoader {
    /// The files merged into one tree (includes and extends resolved), before the typed model:
    /// what `config --no-interpolate` prints and `config --variables` reads.
    public struct Merged: Sendable {
        /// The project name (`-p`, $COMPOSE_PROJECT_NAME, `name:`, else the directory's).
        public var name: String
        /// The compose files read, absolute (`/dev/stdin` for `-f -`).
        public var files: [String]
        /// Where relative paths are resolved.
        public var directory: String
        /// What interpolation reads: the `.env` (or `--env-file`) values under the caller's environment.
        public var variables: [String: String]
        package var tree: ComposeTree
        package var warnings: [String]
        /// The env files read from `oci://` artifacts, by the path the project names them with.
        package var envFileTexts: [String: String] = [:]

        /// The tree as YAML, `name:` first.
        public func yaml() -> String {
            var t = tree
            t.remove("name")
            guard case .mapping(let entries) = t else { return tree.yaml() }
            return ComposeTree.mapping([.init("name", .string(name))] + entries).yaml()
        }
    }

    /// Load, interpolate, merge and check the project.
    public static func load(_ options: ComposeLoadOptions) throws(ComposeError) -> ComposeProject {
        try loadWithVariables(options).project
    }

    /// `load`, with the variables interpolation read (`Merged.variables`).
    public static func loadWithVariables(_ options: ComposeLoadOptions) throws(ComposeError) -> (
        project: ComposeProject, variables: [String: String]
    ) {
        let merged = try merge(options, interpolate: true)
        var parser = ComposeParser(
            file: merged.files.count == 1 ? merged.files[0] : merged.files.joined(separator: " + "),
            directory: merged.directory, projectName: merged.name)
        parser.checkConsistency = options.checkConsistency
        var project = try parser.parse(merged.tree)
        project.files = merged.files
        project.attachEnvFileTexts(merged.envFileTexts)
        try checkEnvFiles(project)
        if !options.resolvePaths {
            // Checked as the project is used (paths resolved), printed as written.
            var relative = parser
            relative.resolvePaths = false
            let files = project.files
            project = try relative.parse(merged.tree)
            project.files = files
        }
        project.warnings = merged.warnings
        return (project, merged.variables)
    }

    /// The files read and merged; `interpolate: false` leaves every `${…}` (and `$$`) as written,
    /// and checks no value (a value is only known once interpolated).
    public static func merge(_ options: ComposeLoadOptions, interpolate: Bool) throws(ComposeError) -> Merged {
        // `-f oci://REGISTRY/REPO[:TAG]`: the artifact's compose files, in layer order, read from memory,
        // with the files they extend and the env files they name, found by their layers' names.
        let artifacts = ComposeArtifactFiles(fetch: options.fetchRemote)
        var files: [String] = []
        for f in options.files {
            if f.hasPrefix(ComposeRemote.scheme) {
                files += try artifacts.add(f)
            } else {
                files.append(f == "-" ? "/dev/stdin" : ComposePaths.resolve(f, against: options.workingDirectory))
            }
        }
        func read(_ path: String) throws(ComposeError) -> String { try artifacts.read(path) }
        if files.isEmpty, let env = options.environment["COMPOSE_FILE"], !env.isEmpty {
            let sep = options.environment["COMPOSE_PATH_SEPARATOR"] ?? ":"
            files = env.components(separatedBy: sep).map { ComposePaths.resolve($0, against: options.workingDirectory) }
        }
        if files.isEmpty {
            // Docker Compose looks for the file in --project-directory when one is given.
            let searched =
                options.projectDirectory.map { ComposePaths.resolve($0, against: options.workingDirectory) }
                ?? options.workingDirectory
            guard let found = ComposePaths.discover(from: searched) else { throw .noFile(directory: searched) }
            files = found
        }
        let directory =
            options.projectDirectory.map { ComposePaths.resolve($0, against: options.workingDirectory) }
            ?? (files[0] == "/dev/stdin" || artifacts.text(files[0]) != nil
                ? options.workingDirectory : (files[0] as NSString).deletingLastPathComponent)

        // Variables: the caller's environment wins over .env.
        var variables: [String: String] = [:]
        let envFiles =
            options.envFiles.isEmpty
            ? [directory + "/.env"]
            : options.envFiles.map {
                ComposePaths.resolve($0, against: options.workingDirectory)
            }
        for envFile in envFiles {
            guard FileManager.default.fileExists(atPath: envFile) else {
                if options.envFiles.isEmpty { continue }
                throw .unreadable(file: envFile, reason: "no such file (--env-file)")
            }
            let text = try read(envFile)
            do {
                for (k, v) in try ComposeEnvFile.parse(text, environment: options.environment) {
                    variables[k] = v ?? ""
                }
            } catch {
                throw .invalid(file: envFile, path: "line \(error.line)", reason: error.reason)
            }
        }
        for (k, v) in options.environment { variables[k] = v }
        var interpolation = ComposeInterpolation(variables: variables)
        interpolation.enabled = interpolate

        var warnings: [String] = []
        var trees: [ComposeTree] = []
        var unsetNames: [String] = []
        var seenUnset: Set<String> = []
        // A file named by `extends: {file: …}` is read as a `-f` file is: interpolated, then checked.
        var extendedUnset: [String] = []
        var extends = ComposeExtends(projectDirectory: directory) { (path: String) throws(ComposeError) in
            var tree = try ComposeTree.parse(yaml: try read(path), file: path)
            tree = try interpolation.interpolate(tree, file: path, unset: &extendedUnset)
            try ComposeSchema.validate(tree, file: path)
            return tree
        }
        extends.artifactFile = { from, name in artifacts.extendedFile(from: from, name: name) }
        for file in files {
            var tree = try ComposeTree.parse(yaml: try read(file), file: file)
            var unset: [String] = []
            tree = try interpolation.interpolate(tree, file: file, unset: &unset)
            try ComposeSchema.validate(tree, file: file)
            var include = ComposeInclude(variables: variables, interpolate: interpolate)
            include.artifacts = artifacts
            tree = try include.apply(tree, file: file, directory: directory)
            unset += include.unset
            tree = try extends.resolve(tree, file: file)
            unset += extendedUnset
            extendedUnset = []
            for n in unset where seenUnset.insert(n).inserted { unsetNames.append(n) }
            // Each file is checked on its own, so an error names the file it is in.
            if interpolate {
                var check = ComposeParser(file: file, directory: directory, projectName: "project")
                check.partial = true
                _ = try check.parse(tree)
                warnings += check.warnings
            }
            trees.append(tree)
        }
        for n in unsetNames { warnings.append("The \"\(n)\" variable is not set. Defaulting to a blank string.") }
        var merged = trees[0]
        for t in trees.dropFirst() { merged = ComposeMerge.merge(merged, t) }

        let name: String
        if let p = options.projectName {
            guard ComposePaths.isValidProjectName(p) else {
                throw .usage(
                    "invalid project name \"\(p)\": it must contain only lower-case letters, digits, dashes and underscores, and start with a letter or digit"
                )
            }
            name = p
        } else if let env = options.environment["COMPOSE_PROJECT_NAME"], !env.isEmpty {
            name = ComposePaths.normalizeProjectName(env)
        } else if let n = merged["name"]?.scalarText, !n.isEmpty {
            guard ComposePaths.isValidProjectName(n) else {
                throw .invalid(
                    file: files[0], path: "name",
                    reason:
                        "invalid project name \"\(n)\": only lower-case letters, digits, dashes and underscores, starting with a letter or digit"
                )
            }
            name = n
        } else {
            name = ComposePaths.normalizeProjectName((directory as NSString).lastPathComponent)
        }
        guard !name.isEmpty else {
            throw .usage("the project name from the directory \(directory) is empty once normalized; give one with -p")
        }
        // An env file of an artifact is where a file of the project names it: its layer's name, relative
        // to the project directory.
        return Merged(
            name: name, files: files, directory: directory, variables: variables, tree: merged, warnings: warnings,
            envFileTexts: artifacts.envFileTexts(in: directory))
    }

    /// The file as text, at most `YAMLLimits.standard.maxBytes` of it: more is refused, whether a file
    /// or a stream (`-f -`, a FIFO) that never ends, without reading past the limit.
    static func read(_ path: String) throws(ComposeError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadable(
                file: path,
                reason: FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        defer { try? handle.close() }
        let limits = YAMLLimits.standard
        let data: Data
        do { data = try handle.read(upToCount: limits.maxBytes + 1) ?? Data() } catch {
            throw .unreadable(file: path, reason: "cannot read the file: \(error.localizedDescription)")
        }
        do { try limits.checkSize(data.count) } catch { throw .unreadable(file: path, reason: error.reason) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(file: path, reason: "not UTF-8 text")
        }
        return text
    }
}

extension ComposeProject {
    /// The services `up` starts: those named (and, unless `noDeps`, what they depend on, recursively), or
    /// every enabled service: one whose profiles are all off or include an active one. Naming a service
    /// activates its profiles (Docker Compose). A dependency left out by the profiles is skipped when it is
    /// `required: false`, and an error when it is required, as Docker Compose has both.
    package func selectServices(_ names: [String], profiles: [String], withDependencies: Bool = true)
        throws(ComposeError) -> [ComposeService]
    {
        for n in names where service(n) == nil { throw .usage("no such service: \(n)") }
        func enabled(_ s: ComposeService, _ active: Set<String>) -> Bool {
            s.profiles.isEmpty || active.contains("*") || !active.isDisjoint(with: s.profiles)
        }
        let active = Set(profiles)
        let withNamed = active.union(names.flatMap { service($0)?.profiles ?? [] })
        func check(_ s: ComposeService, _ d: ComposeDependency, _ active: Set<String>) throws(ComposeError) -> Bool {
            guard let other = service(d.service) else { return false }
            if enabled(other, active) { return true }
            guard d.required else { return false }
            throw .usage(
                "service \(s.name) depends on service \(d.service), which is disabled (profiles: \(other.profiles.joined(separator: ", "))): enable it with --profile, or make the dependency required: false"
            )
        }
        // Docker Compose checks every service the profiles enable, whichever are named.
        for s in services where enabled(s, active) {
            for d in s.dependsOn { _ = try check(s, d, active) }
        }
        var chosen = names.isEmpty ? Set(services.filter { enabled($0, active) }.map(\.name)) : Set(names)
        if withDependencies {
            var queue = Array(chosen)
            while let n = queue.popLast() {
                guard let s = service(n) else { continue }
                for d in s.dependsOn where !chosen.contains(d.service) {
                    guard try check(s, d, withNamed) else { continue }
                    chosen.insert(d.service)
                    queue.append(d.service)
                }
            }
        }
        return services.filter { chosen.contains($0.name) }
    }
}

extension ComposeLoader {
    /// What `up` would refuse about files the project names, checked at load as `docker compose`
    /// does, so `compose config` reports it too: a required env_file that is missing or unreadable.
    static func checkEnvFiles(_ project: ComposeProject) throws(ComposeError) {
        for s in project.services {
            for path in s.envFiles where !s.optionalEnvFiles.contains(path) {
                guard try s.envFileText(path) != nil else {
                    throw .unreadable(
                        file: path, reason: "env file of service \(s.name) not found (services.\(s.name).env_file)")
                }
            }
        }
    }
}
