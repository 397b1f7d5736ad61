import SkiffOCICommands
import ArgumentParser
import Foundation
import SkiffKit

#if canImport(Glibc)
import Glibc
#endif

/// `skiff compose up [-d] [--build] [--force-recreate] [--no-deps] [--wait] [SERVICE…]`.
struct ComposeUp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Create and start the project's containers (attached: their logs, Ctrl-C stops them; -d: in the background)."
    )
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: [.customShort("d"), .long], help: "Run in the background.") var detach = false
    @OptionGroup var explain: ExplainOptions
    @Flag(name: .long, help: "Build images before starting containers.") var build = false
    @Flag(name: .customLong("force-recreate"), help: "Recreate containers even if their configuration is unchanged.") var forceRecreate = false
    @Flag(name: .customLong("no-recreate"), help: "Keep existing containers even if their configuration changed.") var noRecreate = false
    @Flag(name: .customLong("no-deps"), help: "Do not start the services the named ones depend on.") var noDeps = false
    @Flag(name: .customLong("no-start"), help: "Create the containers, do not start them.") var noStart = false
    @Flag(name: .customLong("remove-orphans"), help: "Remove containers of services no longer in the file.") var removeOrphans = false
    @Flag(name: .long, help: "Wait for the services to be running (and healthy, with a healthcheck); implies -d.") var wait = false
    @Option(name: .customLong("wait-timeout"), help: "Seconds --wait waits at most.") var waitTimeout: Int = 300
    @Option(name: [.customShort("t"), .long], help: "Seconds to wait for containers to stop (Ctrl-C in attached mode).") var timeout: Int?
    @Argument(help: "Services (default: all, within the enabled profiles).") var services: [String] = []

    func run() throws {
        explain.begin()
        defer { explain.finish(title: "skiff compose up") }
        if noRecreate && forceRecreate { throw ValidationError("--force-recreate and --no-recreate are incompatible") }
        let project = try compose.load()
        var runner = compose.runner(project)
        runner.healthTimeout = Double(waitTimeout)
        var options = ComposeRunner.UpOptions()
        options.services = services
        options.profiles = compose.allProfiles
        options.noDeps = noDeps
        options.forceRecreate = forceRecreate
        options.noRecreate = noRecreate
        options.build = build
        options.noStart = noStart
        options.removeOrphans = removeOrphans
        let containers = try composeStep { () throws(ComposeError) in try runner.up(options) }
        if noStart { return }
        if wait {
            try composeStep { () throws(ComposeError) in try runner.waitReady(containers) }
            return
        }
        if detach { return }

        // Attached: every container's log, prefixed, followed again when it restarts; "NAME exited with
        // code N" at each stop; Ctrl-C stops the project. A reader of stdout that is gone (`| tee` took
        // the Ctrl-C too) must not end skiff by SIGPIPE before the project is stopped.
        signal(SIGPIPE, SIG_IGN)
        let printer = ComposeLogPrinter(engine: runner.engine)
        printer.start(containers, follow: true, reattach: true)
        printer.watchExits(containers)
        let sig = printer.waitOrSignal()
        if sig != 0 {
            FileHandleStderr.write("Gracefully stopping...\n")
            let names = containers.compactMap(\.composeService)
            try composeStep { () throws(ComposeError) in try runner.stop(names, timeout: timeout) }
            printer.stopAll()
            throw ExitCode(130)
        }
        // Every container exited by itself: Docker Compose's exit status is 0 then.
    }
}
