import ArgumentParser
import Foundation
import SkiffKit
import SkiffSystem

/// `skiff compose config [--services|--volumes|--networks|--images|--profiles|--hash S|--variables|
/// --environment|-q] [--no-interpolate] [--no-normalize] [--no-path-resolution] [--no-consistency]
/// [--format yaml|json] [-o FILE] [SERVICE…]`: the resolved model.
struct ComposeConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the compose files and print the resolved project (merged, interpolated, long syntax).")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: [.customShort("q"), .long], help: "Only validate the configuration; print nothing.") var quiet = false
    @Flag(name: .long, help: "Print the services' names.") var services = false
    @Flag(name: .long, help: "Print the volumes' names.") var volumes = false
    @Flag(name: .long, help: "Print the networks' names.") var networks = false
    @Flag(name: .long, help: "Print the image names of the services.") var images = false
    @Flag(name: .long, help: "Print the profile names.") var profiles = false
    @Option(name: .long, help: "Print the configuration hash of these services (comma-separated, or \"*\").")
    var hash: String?
    @Flag(name: .long, help: "Print the model's variables with their default and alternate values.")
    var variables = false
    @Flag(name: .long, help: "Print the environment used for interpolation (KEY=VALUE lines).")
    var environment = false
    @Flag(name: .customLong("no-interpolate"), help: "Do not interpolate variables (print the files as merged).")
    var noInterpolate = false
    @Flag(
        name: .customLong("no-normalize"),
        help: "Do not normalize the model (no implicit default network, resource names or default Dockerfile).")
    var noNormalize = false
    @Flag(name: .customLong("no-path-resolution"), help: "Keep relative paths as written.")
    var noPathResolution = false
    @Flag(
        name: .customLong("no-env-resolution"),
        help: "Do not resolve the services' env files into their environment (print env_file as written).")
    var noEnvResolution = false
    @Flag(
        name: .customLong("no-consistency"),
        help: "Do not check references between services and resources (may print an invalid model).")
    var noConsistency = false
    @Flag(
        name: .customLong("resolve-image-digests"),
        help: "Pin image tags to digests: the digest each image's registry serves for its tag now.")
    var resolveImageDigests = false
    @Flag(
        name: .customLong("lock-image-digests"),
        help: "Print an override file that pins every service's image to its digest (--resolve-image-digests).")
    var lockImageDigests = false
    @Option(name: .long, help: "Format the output: yaml or json (--variables: table, json or yaml).")
    var format: String?
    @Option(name: [.customShort("o"), .long], help: "Save to this file (default: stdout).") var output: String?
    @Argument(help: "Only these services (and what they depend on).") var only: [String] = []

    func run() throws {
        let format = self.format ?? (variables ? "table" : "yaml")
        let formats = variables ? ["table", "json", "yaml"] : ["yaml", "json"]
        guard formats.contains(format) else {
            FileHandleStderr.write("unsupported format \"\(format)\"\n")
            throw ExitCode(1)
        }
        let compose = self.compose
        if variables || noInterpolate {
            // The files as merged: nothing is checked that needs a value, so --no-consistency has nothing to do.
            let merged = try composeStep { () throws(ComposeError) in
                try ComposeLoader.merge(compose.loadOptions, interpolate: false)
            }
            if quiet { return }
            let text: String
            if variables {
                let found = ComposeVariables.extract(merged.tree)
                switch format {
                case "json": text = ComposeVariables.json(found)
                case "yaml": text = ComposeVariables.yaml(found)
                default: text = ComposeVariables.table(found)
                }
            } else if format == "json" {
                text = try composeStep { () throws(ComposeError) in try ComposeConfigJSON.text(yaml: merged.yaml()) }
            } else {
                text = merged.yaml()
            }
            try emit(text)
            return
        }
        let loaded = try compose.loadWithVariables(resolvePaths: !noPathResolution, checkConsistency: !noConsistency)
        var project = loaded.project
        let interpolationVariables = loaded.variables
        // As Compose's: the services the profiles enable (or those named, with what they depend on);
        // --profiles lists the profiles of every service.
        let everyService = project.services
        project.services = try composeStep { () throws(ComposeError) in
            try project.selectServices(only, profiles: compose.allProfiles)
        }
        // What no selected service uses is left out, unless --all-resources (Compose's rule).
        if !parent.global.allResources { project = project.withoutUnusedResources() }
        if quiet { return }
        var text = ""
        if services {
            // Compose's order: by name, each after what it depends on.
            let ordered = try composeStep { () throws(ComposeError) in
                try ComposeOrder.startOrder(project.services.sorted { $0.name < $1.name })
            }
            text = ordered.map { $0.name + "\n" }.joined()
        } else if volumes {
            text = project.volumes.map { $0.name + "\n" }.joined()
        } else if networks {
            text = project.networks.map { $0.name + "\n" }.joined()
        } else if let hash {
            let runner = compose.runner(project, quiet: true)
            let names = hash == "*" ? project.services.map(\.name) : hash.split(separator: ",").map(String.init)
            for name in names.sorted() {
                text += try composeStep { () throws(ComposeError) in "\(name) \(try runner.configHash(of: name))\n" }
            }
        } else if profiles {
            text = Set(everyService.flatMap(\.profiles)).sorted().map { $0 + "\n" }.joined()
        } else if images {
            text = project.services.map { $0.imageName(project: project.name) + "\n" }.joined()
        } else if environment {
            text = interpolationVariables.keys.sorted().map { "\($0)=\(interpolationVariables[$0]!)\n" }.joined()
        } else {
            if resolveImageDigests || lockImageDigests {
                project = try composeStep { () throws(ComposeError) in
                    try project.withImagesResolved(ComposeProject.registryDigest)
                }
            }
            if lockImageDigests {
                try emit(project.imagesOnlyYAML())
                return
            }
            if !noEnvResolution {
                project = try composeStep { () throws(ComposeError) in
                    try project.withServicesEnvironmentResolved(variables: interpolationVariables)
                }
            }
            text = try model(project)
        }
        try emit(text)
    }

    /// The model, YAML or JSON (not normalized with --compatibility either, as Compose's).
    func model(_ project: ComposeProject) throws -> String {
        let yaml = project.yaml(normalized: !noNormalize && ComposeLabels.separator == "-")
        guard format == "json" else { return yaml }
        return try composeStep { () throws(ComposeError) in try ComposeConfigJSON.text(yaml: yaml) }
    }

    func emit(_ text: String) throws {
        if let output {
            do { try text.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                FileHandleStderr.write("Error: writing \(output): \(error.localizedDescription)\n")
                throw ExitCode(1)
            }
        } else {
            print(text, terminator: "")
        }
    }
}

/// `config --format json`: the resolved model (as `config` writes it in YAML) in JSON, keys in the same
/// order, typed as Docker Compose's model types them: the values of free-form maps and lists
/// (environment, labels, build args, commands…) are strings, numeric settings numbers, true and false
/// booleans, the rest strings.
enum ComposeConfigJSON {
    /// Keys whose value (a map or list) holds strings only, whatever they look like.
    static let stringKeys: Set<String> = [
        "environment", "labels", "args", "annotations", "command", "entrypoint", "test", "extra_hosts",
        "driver_opts", "options", "sysctls", "tags", "dns", "dns_search", "dns_opt", "aliases",
        "published", "image", "container_name", "hostname", "name", "version",
    ]
    /// Keys Compose's model holds as numbers.
    static let numberKeys: Set<String> = [
        "target", "retries", "scale", "replicas", "uid", "gid", "pids_limit", "cpu_shares", "cpu_count",
        "cpu_percent", "cpu_period", "cpu_quota", "cpu_rt_period", "cpu_rt_runtime", "cpus", "mem_limit",
        "mem_reservation", "memswap_limit", "mem_swappiness", "oom_score_adj", "shm_size", "size", "weight",
        "soft", "hard", "priority", "gw_priority", "max_replicas_per_node", "parallelism", "max_attempts",
    ]

    static func text(yaml: String) throws(ComposeError) -> String {
        render(try ComposeTree.parse(yaml: yaml, file: "config"), indent: "", key: nil, strings: false) + "\n"
    }

    static func render(_ t: ComposeTree, indent: String, key: String?, strings: Bool) -> String {
        let inner = indent + "  "
        switch t {
        case .null: return "null"
        case .scalar(let s, let quoted):
            if quoted || strings { return quote(s) }
            if s == "true" || s == "false" { return s }
            if let key, numberKeys.contains(key), Int(s) != nil || Double(s) != nil { return s }
            return quote(s)
        case .mapping(let entries):
            if entries.isEmpty { return "{}" }
            let body = entries.map { e in
                inner + quote(e.key) + ": "
                    + render(
                        e.value, indent: inner, key: e.key,
                        strings: strings || stringKeys.contains(e.key) || e.key.hasPrefix("x-"))
            }
            return "{\n" + body.joined(separator: ",\n") + "\n" + indent + "}"
        case .sequence(let items):
            if items.isEmpty { return "[]" }
            let body = items.map { inner + render($0, indent: inner, key: key, strings: strings) }
            return "[\n" + body.joined(separator: ",\n") + "\n" + indent + "]"
        }
    }

    static func quote(_ s: String) -> String { JSONString.quote(s) }
}
