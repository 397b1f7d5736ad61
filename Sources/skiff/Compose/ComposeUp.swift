import ArgumentParser
import Foundation
import SkiffKit
import SkiffOCICommands
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff compose up [-d] [--build] [--force-recreate] [--no-deps] [--wait] [--scale SERVICE=NUM] [SERVICE…]`.
struct ComposeUp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract:
            "Create and start the project's containers (attached: their logs, Ctrl-C stops them; -d: in the background)."
    )
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: [.customShort("d"), .long], help: "Run in the background.") var detach = false
    @OptionGroup var explain: ExplainOptions
    @Flag(name: .long, help: "Build images before starting containers.") var build = false
    @Flag(name: .customLong("force-recreate"), help: "Recreate containers even if their configuration is unchanged.")
    var forceRecreate = false
    @Flag(name: .customLong("no-recreate"), help: "Keep existing containers even if their configuration changed.")
    var noRecreate = false
    @Flag(name: .customLong("no-deps"), help: "Do not start the services the named ones depend on.") var noDeps = false
    @Flag(name: .customLong("no-start"), help: "Create the containers, do not start them.") var noStart = false
    @Flag(name: .customLong("remove-orphans"), help: "Remove containers of services no longer in the file.")
    var removeOrphans = false
    @Flag(
        name: [.customShort("V"), .customLong("renew-anon-volumes")],
        help: "Recreate anonymous volumes instead of taking them from the previous containers.")
    var renewAnonVolumes = false
    @Flag(name: .long, help: "Wait for the services to be running (and healthy, with a healthcheck); implies -d.")
    var wait = false
    @Option(name: .customLong("wait-timeout"), help: "Seconds --wait waits at most.") var waitTimeout: Int = 300
    @Option(
        name: [.customShort("t"), .long], help: "Seconds to wait for containers to stop (Ctrl-C in attached mode).")
    var timeout: Int?
    @Option(name: .long, help: "SERVICE=NUM: run NUM containers of SERVICE, overriding scale: (repeatable).")
    var scale: [String] = []
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
        options.renewAnonymousVolumes = renewAnonVolumes
        options.scale = try composeStep { () throws(ComposeError) in
            try ComposeScaleArgument.parse(scale, flag: "--scale")
        }
        // Ctrl-C or SIGTERM while images are pulled or built and containers made: cancelled, exit 130
        // (Docker Compose). Attached, what had started is stopped; with -d or --wait it is left running.
        let containers: [Container]
        do {
            containers = try Interruptible.run(.compose) {
                try composeStep { () throws(ComposeError) in try runner.up(options) }
            }
        } catch  where Cancellation.isCancelled && !detach && !wait && !noStart {
            let started = runner.projectContainers().filter { $0.status == .running || $0.status == .restarting }
            let names = Array(Set(started.compactMap(\.composeService))).sorted()
            if !names.isEmpty { try stopGracefully(runner, services: names) }
            throw error
        }
        if noStart { return }
        if wait {
            try Interruptible.run(.compose) {
                try composeStep { () throws(ComposeError) in try runner.waitReady(containers) }
            }
            return
        }
        if detach { return }

        // Attached: every container's log, prefixed, followed again when it restarts; "NAME exited with
        // code N" at each stop; Ctrl-C stops the project. A reader of stdout that is gone (`| tee` took
        // the Ctrl-C too) must not end skiff by SIGPIPE before the project is stopped.
        signal(SIGPIPE, SIG_IGN)
        let printer = ComposeLogPrinter(engine: runner.engine)
        // attach: false — the service runs, its log is not shown (Docker Compose).
        let detached = Set(project.services.filter { !$0.attach }.map(\.name))
        printer.start(
            containers.filter { !detached.contains($0.composeService ?? "") }, follow: true, reattach: true)
        printer.watchExits(containers)
        let sig = printer.waitOrSignal()
        if sig != 0 {
            Cancellation.cancel(signal: sig)
            try stopGracefully(runner, services: containers.compactMap(\.composeService))
            printer.stopAll()
            throw ExitCode(130)
        }
        // Every container exited by itself: Docker Compose's exit status is 0 then.
    }

    /// Docker Compose's answer to Ctrl-C in attached mode: stop the services (their stop signal, then
    /// SIGKILL after the timeout); a second Ctrl-C or SIGTERM kills them at once.
    private func stopGracefully(_ runner: ComposeRunner, services names: [String]) throws {
        FileHandleStderr.write("Gracefully stopping... (press Ctrl+C again to force)\n")
        let killer = ForcedStop(runner: runner, services: names)
        let watch = try? TerminationWatch { _ in killer.kill() }
        defer { watch?.stop() }
        try composeStep { () throws(ComposeError) in try runner.stop(names, timeout: timeout) }
    }
}

/// What a second Ctrl-C does while `up` stops the project: SIGKILL its services' containers, once.
private final class ForcedStop: @unchecked Sendable {
    private let runner: ComposeRunner
    private let services: [String]
    private let once = NSLock()
    private var done = false

    init(runner: ComposeRunner, services: [String]) {
        self.runner = runner
        self.services = services
    }

    func kill() {
        guard
            once.withLock({ () -> Bool in
                defer { done = true }; return !done
            })
        else { return }
        try? runner.kill(services, signal: "SIGKILL")
    }
}
