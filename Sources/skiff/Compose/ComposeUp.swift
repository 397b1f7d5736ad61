import ArgumentParser
import Foundation
import SkiffKit
import SkiffOCICommands
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff compose up [-d] [--build] [--force-recreate] [--no-deps] [--wait] [--abort-on-container-exit]
/// [--exit-code-from SERVICE] [--attach SERVICE] [--scale SERVICE=NUM] … [SERVICE…]`.
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
    @Flag(name: .customLong("no-build"), help: "Do not build an image, even one that is missing.") var noBuild = false
    @Option(
        name: .long,
        help: "Pull images first: always, missing, never or build (default: each service's pull_policy).")
    var pull: String?
    @Flag(name: .customLong("quiet-pull"), help: "Pull without printing progress information.") var quietPull = false
    @Flag(name: .customLong("force-recreate"), help: "Recreate containers even if their configuration is unchanged.")
    var forceRecreate = false
    @Flag(name: .customLong("no-recreate"), help: "Keep existing containers even if their configuration changed.")
    var noRecreate = false
    @Flag(
        name: .customLong("always-recreate-deps"),
        help: "Recreate the containers of the services the named ones depend on. Incompatible with --no-recreate.")
    var alwaysRecreateDeps = false
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
    @Flag(
        name: .customLong("abort-on-container-exit"),
        help: "Stop all containers if any container stops; exit with its code. Incompatible with -d.")
    var abortOnContainerExit = false
    @Flag(
        name: .customLong("abort-on-container-failure"),
        help: "Stop all containers if any container exits with a non-zero code. Incompatible with -d.")
    var abortOnContainerFailure = false
    @Option(
        name: .customLong("exit-code-from"),
        help: "Exit with the code of this service's container. Implies --abort-on-container-exit.")
    var exitCodeFrom: String?
    @Option(
        name: .long, help: "Show the output of this service only (repeatable). Incompatible with --attach-dependencies."
    )
    var attach: [String] = []
    @Option(name: .customLong("no-attach"), help: "Do not show the output of this service (repeatable).")
    var noAttach: [String] = []
    @Flag(name: .customLong("attach-dependencies"), help: "Show the output of the services the named ones depend on.")
    var attachDependencies = false
    @Flag(name: .customLong("no-color"), help: "Produce monochrome output.") var noColor = false
    @Flag(name: .customLong("no-log-prefix"), help: "Do not prefix the lines with their container.") var noLogPrefix =
        false
    @Flag(name: .long, help: "Show timestamps.") var timestamps = false
    @Flag(
        name: [.customShort("w"), .long],
        help: "Watch the services' develop.watch paths and sync, rebuild or restart as files change (attached).")
    var watch = false
    @Flag(name: [.customShort("y"), .long], help: "Assume yes to prompts (up asks none: it never asks).") var yes =
        false
    @Argument(help: "Services (default: all, within the enabled profiles).") var services: [String] = []

    /// The flags that decide whether `up` attaches and how it ends, checked as Docker Compose checks them.
    func checkedFlags() throws -> ComposeRunner.UpFlags {
        var flags = ComposeRunner.UpFlags()
        flags.detach = detach
        flags.wait = wait
        flags.abortOnContainerExit = abortOnContainerExit
        flags.abortOnContainerFailure = abortOnContainerFailure
        flags.exitCodeFrom = exitCodeFrom
        flags.attach = attach
        flags.noAttach = noAttach
        flags.attachDependencies = attachDependencies
        flags.build = build
        flags.noBuild = noBuild
        flags.forceRecreate = forceRecreate
        flags.noRecreate = noRecreate
        flags.alwaysRecreateDeps = alwaysRecreateDeps
        flags.pull = pull
        flags.watch = watch
        do { try flags.validate() } catch {
            // Docker Compose prints a refused combination as it is, exit 1.
            FileHandleStderr.write("\(error)\n")
            throw ExitCode(1)
        }
        return flags
    }

    func run() throws {
        explain.begin()
        defer { explain.finish(title: "skiff compose up") }
        let flags = try checkedFlags()
        let detach = flags.detach
        let project = try compose.load()
        var runner = compose.runner(project)
        runner.healthTimeout = Double(waitTimeout)
        var options = ComposeRunner.UpOptions()
        options.services = services
        options.profiles = compose.allProfiles
        options.noDeps = noDeps
        options.forceRecreate = forceRecreate
        options.noRecreate = noRecreate
        options.alwaysRecreateDeps = alwaysRecreateDeps
        options.build = build
        options.noBuild = noBuild
        options.pull = pull
        options.quietPull = quietPull
        options.noStart = noStart
        options.removeOrphans = removeOrphans
        options.renewAnonymousVolumes = renewAnonVolumes
        options.scale = try composeStep { () throws(ComposeError) in
            try ComposeScaleArgument.parse(scale, flag: "--scale")
        }
        // What is attached is known (and checked) before anything is made.
        let attached = try composeStep { () throws(ComposeError) -> Set<String> in
            if let name = exitCodeFrom, project.service(name) == nil { throw .usage("no such service: \(name)") }
            let selected = try project.selectServices(
                services, profiles: compose.allProfiles, withDependencies: !noDeps)
            return try flags.attachedServices(named: services, selected: selected)
        }
        var watchOptions = ComposeRunner.WatchOptions()
        watchOptions.services = services
        watchOptions.profiles = compose.allProfiles
        watchOptions.noUp = true
        if watch { _ = try composeStep { () throws(ComposeError) in try runner.watchTargets(watchOptions) } }
        // Ctrl-C or SIGTERM while images are pulled or built and containers made: cancelled, exit 130
        // (Docker Compose). Attached, what had started is stopped; with -d or --wait it is left running.
        let containers: [Container]
        do {
            containers = try Interruptible.run(.compose) {
                try composeStep { () throws(ComposeError) in try runner.up(options) }
            }
        } catch  where Cancellation.isCancelled && !detach && !noStart {
            let started = runner.projectContainers().filter { $0.status == .running || $0.status == .restarting }
            let names = Array(Set(started.compactMap(\.composeService))).sorted()
            if !names.isEmpty { try stopGracefully(runner, services: names) }
            throw error
        }
        // A dry run started nothing: nothing to wait for or attach to.
        if noStart || runner.dryRun { return }
        if wait {
            try Interruptible.run(.compose) {
                try composeStep { () throws(ComposeError) in try runner.waitReady(containers) }
            }
            return
        }
        if detach { return }

        // Attached: the attached containers' logs, prefixed, followed again when one restarts; "NAME
        // exited with code N" at each stop; Ctrl-C (or, with --abort-on-container-exit/-failure, a stop)
        // stops the project. A reader of stdout that is gone (`| tee` took the Ctrl-C too) must not end
        // skiff by SIGPIPE before the project is stopped.
        signal(SIGPIPE, SIG_IGN)
        let printer = ComposeLogPrinter(engine: runner.engine, color: !noColor)
        printer.cascade = ComposeRunner.CascadeState(cascade: flags.cascade, exitCodeFrom: exitCodeFrom)
        let shown = containers.filter { attached.contains($0.composeService ?? "") }
        var watcher: UpWatch?
        if watch {
            // A rebuild replaces a service's container: the new one is followed too.
            printer.discover = { [runner] in
                runner.projectContainers(includeOneOff: false).filter { attached.contains($0.composeService ?? "") }
            }
            watcher = UpWatch(runner: runner, options: watchOptions)
        }
        printer.start(shown, follow: true, timestamps: timestamps, noPrefix: noLogPrefix, reattach: true)
        printer.watchExits(shown)
        let outcome = printer.waitOrSignal()
        watcher?.finish()
        switch outcome {
        case .signal(let sig):
            Cancellation.cancel(signal: sig)
            try stopGracefully(runner, services: containers.compactMap(\.composeService))
            printer.stopAll()
            throw ExitCode(130)
        case .abort:
            // "Stops all containers": those of every service this `up` brought up, dependencies too.
            FileHandleStderr.write("Aborting on container exit...\n")
            let names = Array(Set(containers.compactMap(\.composeService))).sorted()
            try stopGracefully(runner, services: names, announce: false)
            let code = printer.finishAbort()
            if code != 0 { throw ExitCode(code) }
        case .finished:
            // Every attached container exited by itself: 0, or the --exit-code-from service's code.
            let code = printer.finishAbort()
            if code != 0 { throw ExitCode(code) }
        }
    }

    /// Docker Compose's answer to Ctrl-C in attached mode: stop the services (their stop signal, then
    /// SIGKILL after the timeout); a second Ctrl-C or SIGTERM kills them at once.
    private func stopGracefully(_ runner: ComposeRunner, services names: [String], announce: Bool = true) throws {
        if announce { FileHandleStderr.write("Gracefully stopping... (press Ctrl+C again to force)\n") }
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

/// `up --watch`: the watch (ComposeRunner.watch, the services already up) on a thread of its own while
/// `up` shows the logs, until `finish`.
private final class UpWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)
    private let runner: ComposeRunner
    private let options: ComposeRunner.WatchOptions

    init(runner: ComposeRunner, options: ComposeRunner.WatchOptions) {
        self.runner = runner
        self.options = options
        let t = Thread { [self] in
            defer { done.signal() }
            do { try self.runner.watch(self.options) { self.lock.withLock { self.stopped } } } catch {
                FileHandleStderr.write("Error: \(error)\n")
            }
        }
        thread = t
        t.start()
    }

    /// Stop watching and wait for the thread (it stops at its next poll).
    func finish() {
        lock.withLock { stopped = true }
        done.wait()
    }
}
