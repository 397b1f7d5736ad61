import ArgumentParser

struct OCICreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a container; its process waits until `start`.")
    @OptionGroup var flags: OCIStartFlags
    @OptionGroup var explain: ExplainOptions
    @Argument(help: "The container id.") var id: String

    func run() throws {
        explain.begin()
        defer { explain.finish(title: "skiff oci create \(id)") }
        try OCIContext.runtime().create(id: id, bundle: flags.bundle, options: flags.options)
    }
}

struct OCIStart: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a created container.")
    @Argument(help: "The container id.") var id: String

    func run() throws {
        try OCIContext.runtime().start(id: id)
    }
}

struct OCIRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Create and start a container, attached unless --detach.")
    @OptionGroup var flags: OCIStartFlags
    @Flag(name: [.short, .long], help: "Return once the process has started.") var detach = false
    @Flag(name: .long, help: "Keep the stopped container (state, cgroup) until `delete`, instead of removing it.")
    var keep = false
    @OptionGroup var explain: ExplainOptions
    @Argument(help: "The container id.") var id: String

    func validate() throws {
        if detach && keep { throw ValidationError("--detach and --keep cannot both be given") }
    }

    func run() throws {
        explain.begin(live: true)
        defer { explain.finish(title: "skiff oci run \(id)") }
        let runtime = OCIContext.runtime()
        if detach {
            try runtime.runDetached(id: id, bundle: flags.bundle, options: flags.options)
            return
        }
        var options = flags.options
        options.keep = keep
        let status = try runtime.run(id: id, bundle: flags.bundle, options: options)
        if status.shellStatus != 0 { throw ExitCode(status.shellStatus) }
    }
}
