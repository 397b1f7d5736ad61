import ArgumentParser
import SkiffKit

#if canImport(Glibc)
import Glibc
#endif

/// `skiff compose create [--build|--no-build] [--pull P] [--quiet-pull] [--force-recreate|--no-recreate]
/// [--scale SERVICE=NUM] [-y] [SERVICE…]`: `up --no-start`.
struct ComposeCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create the services' containers without starting them.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: .long, help: "Build images before creating containers.") var build = false
    @Flag(name: .customLong("no-build"), help: "Do not build an image, even one that is missing.") var noBuild = false
    @Option(
        name: .long, help: "Pull images first: always, missing, never or build (default: each service's pull_policy).")
    var pull: String?
    @Flag(name: .customLong("quiet-pull"), help: "Pull without printing progress information.") var quietPull = false
    @Flag(name: [.customShort("y"), .long], help: "Assume yes to prompts (create asks none).") var yes = false
    @Flag(name: .customLong("force-recreate"), help: "Recreate containers even if their configuration is unchanged.")
    var forceRecreate = false
    @Flag(name: .customLong("no-recreate"), help: "Keep existing containers even if their configuration changed.")
    var noRecreate = false
    @Flag(name: .customLong("remove-orphans"), help: "Remove containers of services no longer in the file.")
    var removeOrphans = false
    @Option(name: .long, help: "SERVICE=NUM: create NUM containers of SERVICE, overriding scale: (repeatable).")
    var scale: [String] = []
    @Argument(help: "Services (default: all, within the enabled profiles).") var services: [String] = []

    func run() throws {
        var flags = ComposeRunner.UpFlags()
        (flags.build, flags.noBuild, flags.pull) = (build, noBuild, pull)
        (flags.forceRecreate, flags.noRecreate) = (forceRecreate, noRecreate)
        do { try flags.validate() } catch {
            FileHandleStderr.write("\(error)\n")
            throw ExitCode(1)
        }
        let runner = compose.runner(try compose.load())
        var options = ComposeRunner.UpOptions()
        options.services = services
        options.profiles = compose.allProfiles
        options.forceRecreate = forceRecreate
        options.noRecreate = noRecreate
        options.build = build
        options.noBuild = noBuild
        options.pull = pull
        options.quietPull = quietPull
        options.noStart = true
        options.removeOrphans = removeOrphans
        try composeStep { () throws(ComposeError) in
            options.scale = try ComposeScaleArgument.parse(scale, flag: "--scale")
            _ = try runner.up(options)
        }
    }
}

/// `skiff compose wait [--down-project] SERVICE…`: block until the services' containers stop.
struct ComposeWait: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait", abstract: "Block until the services' containers stop.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: .customLong("down-project"), help: "Stop and remove the project once the first container stops.")
    var downProject = false
    @Argument(help: "Services.") var services: [String]

    func run() throws {
        unblockStopSignals()
        let runner = compose.runner(try compose.load(), quiet: true)
        for n in services where runner.project.service(n) == nil {
            try composeStep { () throws(ComposeError) in throw .usage("no such service: \(n)") }
        }
        let list = runner.projectContainers().filter { services.contains($0.composeService ?? "") }
        guard !list.isEmpty else {
            try composeStep { () throws(ComposeError) in
                throw .usage("no containers for services \(services.joined(separator: ", "))")
            }; return
        }
        // Every container waited for (with --down-project, the first one): the status is the exit code
        // of the last one seen to stop, as Docker Compose's wait.
        var pending = Set(list.map(\.id))
        var last: Int32 = 0
        while !pending.isEmpty {
            for id in pending.sorted() {
                guard let now = try? runner.engine.container(id) else { pending.remove(id); continue }
                if now.status == .exited || now.status == .created {
                    pending.remove(id)
                    last = now.exitCode ?? 0
                }
            }
            if downProject && pending.count < list.count { break }
            if !pending.isEmpty { usleep(100_000) }
        }
        if downProject {
            var loud = runner
            let dry = loud.dryRun
            loud.progress = { FileHandleStderr.write((dry ? ComposeDryRun.line($0) : $0) + "\n") }
            try composeStep { () throws(ComposeError) in try loud.down(ComposeRunner.DownOptions()) }
        }
        if last != 0 { throw ExitCode(last) }
    }
}
