import Foundation
import SkiffImage
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `run` (one-off containers) and the container `exec` and `logs` address.
extension ComposeRunner {
    // MARK: run and exec

    /// `compose run`'s arguments: a one-off container of a service.
    public struct RunRequest: Sendable {
        /// The service whose configuration the container takes.
        public var service: String
        /// Empty: the service's command.
        public var command: [String] = []
        /// --entrypoint; nil keeps the service's.
        public var entrypoint: String?
        /// -e KEY=VALUE on top of the service's environment.
        public var env: [String] = []
        /// --rm: remove the container when it exits.
        public var remove = false
        /// --no-deps: do not start the service's dependencies.
        public var noDeps = false
        /// --profile: profiles whose services the dependencies may be (the service's own are active).
        public var profiles: [String] = []
        /// --service-ports: publish the service's ports (a one-off publishes none by default).
        public var servicePorts = false
        /// A terminal for the process (-T turns it off).
        public var tty = false
        /// Keep stdin open.
        public var interactive = false
        /// --name; nil: `<project>-<service>-run-<hex>`.
        public var name: String?
        /// -u; nil keeps the service's user.
        public var user: String?
        /// -w; nil keeps the service's working directory.
        public var workdir: String?
        /// -d: run under a monitor and return the container.
        public var detach = false
        /// -v: more volumes, in the compose file's short syntax (relative paths from the project directory).
        public var volumes: [String] = []
        /// -p: the ports published instead of none (incompatible with --service-ports).
        public var publish: [String] = []
        /// -l KEY=VALUE: labels added to the service's.
        public var labels: [String] = []
        /// --cap-add: added to the service's `cap_add`.
        public var capAdd: [String] = []
        /// --cap-drop: added to the service's `cap_drop`.
        public var capDrop: [String] = []
        /// --build: build the service's image before running.
        public var build = false
        /// --use-aliases: the container answers to the service's name and aliases on its networks.
        public var useAliases = false
        /// --pull: the pull policy of the service and its dependencies.
        public var pull: String?
        /// --quiet-pull: pull without progress output.
        public var quietPull = false
        /// --remove-orphans: remove the containers of services no longer in the files.
        public var removeOrphans = false
        /// --env-from-file: variables files (dotenv syntax), read after `env`, which wins over them.
        public var envFromFiles: [String] = []
        /// A one-off container of `service` running its command.
        public init(service: String) { self.service = service }
    }

    /// `compose run`: start the service's dependencies (as `up` would), then a one-off container of the
    /// service, attached (stdio the caller's); its exit status. With `remove` nothing is left of it.
    public func run(_ request: RunRequest) throws(ComposeError) -> (container: Container, status: ExitStatus?) {
        guard var s = project.service(request.service) else { throw .usage("no such service: \(request.service)") }
        if let pull = request.pull {
            guard UpFlags.pullPolicies.contains(pull) else { throw .usage("invalid --pull option \"\(pull)\"") }
            s.pullPolicy = pull
        }
        try apply(request, to: &s)
        let env = try runEnvironment(request)
        try checkPlatforms([s])
        if request.removeOrphans && !request.noDeps {
            for c in orphans() { try removeContainer(c) }
        }
        if !request.noDeps {
            let deps = try project.selectServices([s.name], profiles: request.profiles, withDependencies: true).filter {
                $0.name != s.name
            }
            if !deps.isEmpty {
                var up = UpOptions()
                up.services = deps.map(\.name)
                up.noDeps = true
                up.pull = request.pull
                up.quietPull = request.quietPull
                let planned = try self.up(up)
                for d in s.dependsOn where project.service(d.service) != nil {
                    try waitFor(d, of: s.name, planned: planned)
                }
            }
        }
        try ensureImages([s], forceBuild: request.build, quiet: request.quietPull)
        try ensureVolumes([s])
        try ensureNetworks([s])
        // Ctrl-C while the dependencies started: no one-off container is made.
        if Cancellation.isCancelled { throw .usage("canceled") }
        let imageName = s.imageName(project: project.name)
        let suffix = HexText.random(count: 12)
        let name = request.name ?? [project.name, s.name, "run", suffix].joined(separator: ComposeLabels.separator)
        let created = try create(
            s, imageName: imageName, name: name, number: 1, hash: "", oneOff: true, useAliases: request.useAliases
        ) { o in
            if !request.command.isEmpty {
                o.command = request.command
                if s.entrypoint != nil, request.entrypoint == nil {
                    // The service's entrypoint stays; only its command is replaced.
                    o.command = Array((s.entrypoint ?? []).dropFirst()) + request.command
                }
            }
            if let e = request.entrypoint {
                let words = (try? ShellWords.split(e)) ?? [e]
                o.entrypoint = words.first ?? ""
                o.command = Array(words.dropFirst()) + request.command
            }
            o.env += env
            o.remove = request.remove
            o.tty = request.tty
            o.interactive = request.interactive
            if let u = request.user { o.user = u }
            if let w = request.workdir { o.workdir = w }
            o.restart = nil
            o.detach = request.detach
        }
        // A dry run made no container: nothing to start or attach to (Docker Compose's dry run exits 0).
        if dryRun { return (created, nil) }
        if request.detach {
            do { return (try engine.startMonitored(created.id).container, nil) } catch { throw .usage("\(error)") }
        }
        engine.events.record(container: created, "attach")
        do {
            return (
                created,
                try engine.runAttached(created, interactive: request.interactive, keepsLog: true)
            )
        } catch {
            throw .usage("\(error)")
        }
    }

    /// `run`'s flags applied to the service the one-off container takes its configuration from, as
    /// Docker Compose applies them (its `runOptions.apply`).
    func apply(_ request: RunRequest, to s: inout ComposeService) throws(ComposeError) {
        if request.servicePorts && !request.publish.isEmpty {
            throw .usage("--service-ports and --publish are incompatible")
        }
        if !request.servicePorts {
            s.ports = []
            for p in request.publish {
                do { s.ports += try ComposePorts.parseShort(p) } catch {
                    throw .usage("--publish \(p): \(error.reason)")
                }
            }
        }
        var parser = ComposeParser(
            file: "skiff compose run", directory: project.workingDirectory, projectName: project.name)
        for v in request.volumes {
            s.volumes.append(try parser.mount(.scalar(v, quoted: false), "--volume \(v)"))
        }
        for l in request.labels {
            guard let eq = l.firstIndex(of: "=") else { throw .usage("label must be set as KEY=VALUE") }
            s.labels[String(l[..<eq])] = String(l[l.index(after: eq)...])
        }
        s.capAdd += request.capAdd
        s.capDrop += request.capDrop
    }

    /// `-e` entries, then each `--env-from-file` variable `-e` does not set (the files read with the
    /// dotenv rules, their `${VAR}` resolved from the `-e` values), as Docker Compose's `getEnvironment`.
    func runEnvironment(_ request: RunRequest) throws(ComposeError) -> [String] {
        var given: [String: String] = [:]
        for e in request.env {
            let parts = e.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            given[String(parts[0])] = parts.count == 2 ? String(parts[1]) : callerEnvironment[String(parts[0])]
        }
        var env = request.env
        for path in request.envFromFiles {
            let text = try ComposeLoader.read(path)
            let vars: [(String, String?)]
            do { vars = try ComposeEnvFile.parse(text, environment: given.compactMapValues { $0 }) } catch {
                throw .invalid(file: path, path: "line \(error.line)", reason: error.reason)
            }
            // A later line of a file wins over an earlier one; a bare KEY with no value here sets nothing.
            var values: [String: String] = [:]
            var order: [String] = []
            for (k, v) in vars {
                guard let v else { continue }
                if values.updateValue(v, forKey: k) == nil { order.append(k) }
            }
            for k in order where given[k] == nil {
                given[k] = values[k]
                env.append("\(k)=\(values[k] ?? "")")
            }
        }
        return env
    }

    /// The container of a service `exec` and `logs` address (`index` from 1).
    public func container(service: String, index: Int = 1) throws(ComposeError) -> Container {
        guard project.service(service) != nil else { throw .usage("no such service: \(service)") }
        let list = containers(of: service)
        guard let c = list.first(where: { $0.composeNumber == index }) ?? (index == 1 ? list.first : nil) else {
            throw .usage("service \"\(service)\" is not running (no container \(index))")
        }
        return c
    }
}
