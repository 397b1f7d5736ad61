import ArgumentParser
import SkiffKit
import SkiffSystem

/// `skiff compose build [--no-cache] [--pull] [--build-arg K[=V]] [-q] [--ssh S] [--with-dependencies]
/// [--push] [-m BYTES] [--builder default] [SERVICE…]`.
struct ComposeBuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build", abstract: "Build the images of services that have build:.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: .customLong("no-cache"), help: "Do not use the build cache.") var noCache = false
    @Flag(name: .customLong("pull"), help: "Pull the base images, even those already here.") var pull = false
    @Option(name: .customLong("build-arg"), help: "Set a build-time variable (KEY=VALUE, or KEY for the caller's).")
    var buildArgs: [String] = []
    @Flag(name: [.customShort("q"), .long], help: "Do not print anything to STDOUT.") var quiet = false
    @Option(
        name: .long,
        help: "SSH authentication for the builds: default (the SSH agent of SSH_AUTH_SOCK) or ID=PATH[,PATH].")
    var ssh: String?
    @Flag(name: .customLong("with-dependencies"), help: "Also build the services they depend on (transitively).")
    var withDependencies = false
    @Flag(name: .long, help: "Push the service images after building them.") var push = false
    @Option(
        name: [.customShort("m"), .long],
        help: "Memory limit of the build containers (each RUN step), e.g. 512m, as the classic builder's.")
    var memory: String?
    @Option(
        name: .long,
        help: "The builder to use (default: $BUILDX_BUILDER): skiff has one, its own, named \"default\".")
    var builder: String?
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let name = builder ?? compose.environment["BUILDX_BUILDER"] ?? ""
        guard name.isEmpty || name == "default" else {
            FileHandleStderr.write("Error: no builder \"\(name)\" found\n")
            throw ExitCode(1)
        }
        let project = try compose.load(quietWarnings: quiet)
        let runner = compose.runner(project)
        for s in services where project.service(s) == nil { throw ValidationError("no such service: \(s)") }
        var overrides = ComposeRunner.BuildOverrides()
        overrides.quiet = quiet
        for arg in buildArgs {
            let parts = arg.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first, !name.isEmpty else {
                throw ValidationError("--build-arg \(arg): expected KEY=VALUE")
            }
            overrides.args[String(name)] = parts.count > 1 ? String(parts[1]) : .some(nil)
        }
        if let ssh, !ssh.isEmpty { overrides.ssh = [ssh] }
        if let memory {
            do { overrides.memory = try Units.parseBytes(memory) } catch {
                throw ValidationError("invalid argument \"\(memory)\" for \"-m, --memory\" flag: \(error.reason)")
            }
        }
        let chosen = ComposePush.selected(project, services, includeDeps: withDependencies)
        try Interruptible.run(.compose) {
            try composeStep { () throws(ComposeError) in
                try runner.build(chosen, noCache: noCache, pull: pull, overrides: overrides)
            }
        }
        if push {
            try ComposePush.push(
                chosen.filter { $0.build != nil }, quiet: quiet, ignoreFailures: false, dryRun: runner.dryRun,
                builtOnPaper: runner.dryRun)
        }
    }
}
