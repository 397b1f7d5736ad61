import ArgumentParser
import SkiffKit

/// `skiff compose attach [--index N] [--no-stdin] [--sig-proxy=false] [--detach-keys K] SERVICE`: `attach`
/// to one of the service's containers, as Docker Compose's.
struct ComposeAttach: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Attach local standard input, output, and error streams to a service's running container.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Option(name: .long, help: "Which container of the service (from 1).") var index: Int = 1
    @Flag(name: .customLong("no-stdin"), help: "Do not attach STDIN.") var noStdin = false
    @Option(name: .customLong("sig-proxy"), help: "Proxy all received signals to the process.") var sigProxy = true
    @Option(name: .customLong("detach-keys"), help: "The key sequence that detaches (default ctrl-p,ctrl-q).")
    var detachKeys: String?
    @Argument(help: "The service.") var service: String

    func run() throws {
        let keys = try detachKeys.map { try DetachKeys(parsing: $0) } ?? DetachKeys.configured()
        let project = try compose.load(quietWarnings: true)
        let runner = compose.runner(project, quiet: true)
        let c = try composeStep { () throws(ComposeError) in try runner.container(service: service, index: index) }
        guard c.status == .running else { throw KitError.notRunning(c.name) }
        let fd = try runner.engine.attach(c)
        let code = try AttachSession.run(
            engine: runner.engine, container: c, fd: fd, stdin: !noStdin && (c.openStdin == true || c.tty == true),
            detachKeys: keys, sigProxy: sigProxy)
        throw ExitCode(code)
    }
}
