import SkiffRuntime

struct OCICreate: RuntimeCommand {
    static let spec = RuntimeCommandSpec(
        "create", "Create a container; its process waits until `start`.",
        options: OCIStartFlags.options + ExplainSession.options, operands: [.containerID])
    let id: String
    let bundle: String
    let options: OCIRuntime.StartOptions
    let explain: ExplainSession

    init(_ a: RuntimeArguments) throws {
        id = a.operands[0]
        bundle = OCIStartFlags.bundle(a)
        options = try OCIStartFlags.startOptions(a)
        explain = try ExplainSession(a)
    }

    func run() throws {
        explain.begin()
        defer { explain.finish(title: "skiff oci create \(id)") }
        try OCIContext.runtime().create(id: id, bundle: bundle, options: options)
    }
}

struct OCIStart: RuntimeCommand {
    static let spec = RuntimeCommandSpec("start", "Start a created container.", operands: [.containerID])
    let id: String

    init(_ a: RuntimeArguments) { id = a.operands[0] }

    func run() throws { try OCIContext.runtime().start(id: id) }
}

struct OCIRun: RuntimeCommand {
    static let spec = RuntimeCommandSpec(
        "run", "Create and start a container, attached unless --detach.",
        options: OCIStartFlags.options + [
            .flag("detach", "d", help: "Return once the process has started."),
            .flag("keep", help: "Keep the stopped container (state, cgroup) until `delete`, instead of removing it."),
        ] + ExplainSession.options,
        operands: [.containerID])
    let id: String
    let bundle: String
    let detach: Bool
    let options: OCIRuntime.StartOptions
    let explain: ExplainSession

    init(_ a: RuntimeArguments) throws {
        id = a.operands[0]
        bundle = OCIStartFlags.bundle(a)
        detach = a.flag("detach")
        var options = try OCIStartFlags.startOptions(a)
        options.keep = a.flag("keep")
        if detach && options.keep {
            throw CommandLineError("--detach and --keep cannot both be given", command: Self.spec.name)
        }
        self.options = options
        explain = try ExplainSession(a)
    }

    func run() throws {
        explain.begin(live: true)
        defer { explain.finish(title: "skiff oci run \(id)") }
        let runtime = OCIContext.runtime()
        if detach {
            try runtime.runDetached(id: id, bundle: bundle, options: options)
            return
        }
        let status = try runtime.run(id: id, bundle: bundle, options: options)
        if status.shellStatus != 0 { throw CommandExit(status.shellStatus) }
    }
}
