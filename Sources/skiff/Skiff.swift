import ArgumentParser
import SkiffKit
import SkiffOCICommands

#if canImport(Glibc)
import Glibc
#endif

@main
struct Skiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skiff",
        abstract: "A daemonless Linux container runtime.",
        subcommands: [
            ContainerRun.self, ContainerCreate.self, ContainerRemove.self, ImageList.self, ImageCommand.self,
            ImageTag.self, ImageRemove.self, ContainerInspect.self, ImageHistory.self, OCICommand.self,
            LayerCommand.self, ImagePull.self, ImagePush.self, ImageLogin.self, ImageLogout.self,
            ImageSave.self, ImageLoad.self, ImageImport.self, ImageBuild.self, BuilderCommand.self,
            ContainerList.self, ContainerCommand.self, ContainerStart.self, ContainerStop.self,
            ContainerRestart.self, ContainerKill.self, ContainerPause.self, ContainerUnpause.self, ContainerWait.self,
            ContainerLogs.self, ContainerExec.self,
            ContainerAttach.self, ContainerTop.self, ContainerStats.self, ContainerCopy.self, ContainerRename.self,
            SystemCommand.self, VolumeCommand.self, ComposeCommand.self,
            NetworkCommand.self, ContainerPort.self, VersionCommand.self,
            ContainerDiff.self, ContainerExport.self, ContainerCommit.self,
            ContainerUpdate.self, SystemInfoCommand.self, EventsCommand.self,
        ]
    )

    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var command = arguments
        let globals = try? GlobalOptions.extract(from: &command)
        // `--root R` before the command is the state root, as podman's is (`skiff oci` keeps runc's meaning:
        // the OCI state directory). It goes on through SKIFF_ROOT, so the monitor and the helpers it starts
        // use the same root.
        if let root = globals?.root, command.first != "oci" {
            guard !root.isEmpty else {
                FileHandleStderr.write("skiff: --root needs a directory\n")
                Glibc.exit(125)
            }
            setenv("SKIFF_ROOT", root, 1)
        }
        // The runtime's command line and the monitor's helpers are table-driven (no reflection), and
        // parsed before anything else looks at the command line.
        if command.first == "oci" { RuntimeMain.run(arguments, program: "skiff oci", parent: "oci") }
        if command.first == "container-internal" { ContainerInternal.run(arguments) }
        if command.first == "compose" {
            arguments = ComposeCommandLine.normalized(arguments)
            command = ComposeCommandLine.normalized(command)
        }
        // Docker's boolean flags take `=false` (Go's pflag); ArgumentParser's have a `--no-` form.
        let goBoolFlags: [([String], Set<String>)] =
            isLeaf(command)
            ? []
            : [
                (["network", "create"], GoBoolFlags.networkCreate), (["history"], GoBoolFlags.history),
                (["image", "history"], GoBoolFlags.history), (["pull"], GoBoolFlags.contentTrust),
                (["image", "pull"], GoBoolFlags.contentTrust), (["push"], GoBoolFlags.contentTrust),
                (["image", "push"], GoBoolFlags.contentTrust), (["build"], GoBoolFlags.contentTrust),
                (["image", "build"], GoBoolFlags.contentTrust),
            ]
        for (path, flags) in goBoolFlags where command.starts(with: path) {
            do {
                arguments = try GoBoolFlags.normalized(arguments, command: path, flags: flags)
                command = try GoBoolFlags.normalized(command, command: path, flags: flags)
            } catch {
                FileHandleStderr.write("skiff: \(error.message)\nSee 'skiff \(path.joined(separator: " ")) --help'.\n")
                Glibc.exit(125)
            }
        }
        // run and create read their own Go-spelled --disable-content-trust=BOOL; only their parser knows
        // where the image is, so the words are spelled anew and the operands put back (RespelledWords).
        let leaf = command.first == "container" ? command.dropFirst().first : command.first
        if leaf == "run" || leaf == "create", isLeaf(command),
            command.contains(where: { $0.hasPrefix("--disable-content-trust=") })
        {
            let respelled = GoBoolFlags.respelled(arguments, flags: GoBoolFlags.contentTrust)
            arguments = respelled.words
            RespelledWords.replaced = respelled.replaced
        }
        // `build` has no subcommands either, so no word after it can be a mistyped one (the walk of the
        // command tree was a twentieth of a cached rebuild); its Go-style flags are still normalized above.
        if !isLeaf(command), command.first != "build",
            let message = UnknownCommand.message(for: command, root: Skiff.self)
        {
            FileHandleStderr.write(message + "\n")
            Glibc.exit(125)
        }
        if geteuid() != 0, let word = command.first, !commandsWithoutRoot.contains(word) {
            // Without a daemon, skiff does the privileged work itself: say so at once, not with an empty
            // `ps` or a failed pull later (Docker: "permission denied ... daemon socket").
            FileHandleStderr.write(
                "skiff: \(word) needs root: skiff creates the namespaces, mounts, cgroups and network "
                    + "devices itself, with no daemon. Run it as root (sudo skiff \(word) ...).\n")
            Glibc.exit(["run", "create", "exec", "start"].contains(word) ? 125 : 1)
        }
        // Sealed unless the command never clones a process into a container, or is `run`, which seals
        // itself once its flags say it is attached (`run -d` leaves the clone to the monitor's sealed
        // `container-internal start`). The list is the C shim's, which the launcher `skiff` (CSkiffSeal's
        // launch.c), or this program's load-time constructor when run without it (CSkiffCLISealAtLoad),
        // has already acted on; every new command runs sealed.
        CLIMain.run(Skiff.self, arguments: arguments, usageExitCode: 125, fastPath: fastPath)
    }

    /// Whether `command` begins with one of the busiest commands that have no subcommands (`run`,
    /// `create`, `exec`, alone or after `container`): nothing after it can be a mistyped command or one
    /// of the Go-style boolean flags, so those look-ups (a walk of the command tree, a tenth of a
    /// `run -d`'s CLI) are skipped.
    static func isLeaf(_ command: [String]) -> Bool {
        let leaves = ["run", "create", "exec"]
        guard let first = command.first else { return false }
        if first == "container", command.count > 1 { return leaves.contains(command[1]) }
        return leaves.contains(first)
    }

    /// The commands read without ArgumentParser in their common forms: `exec`, `run` and `create`
    /// (also as `container exec|run|create`), and `build`.
    static func fastPath(_ arguments: [String]) -> (() throws -> Void)? {
        var words = arguments[...]
        if words.first == "container" { words = words.dropFirst() }
        guard let command = words.first else { return nil }
        let rest = Array(words.dropFirst())
        switch command {
        case "exec":
            return ExecCommandLine.parse(rest).map { ExecInvocation($0).run }
        case "build" where arguments.first == "build":
            return BuildCommandLine.parse(rest).map { BuildInvocation($0).run }
        case "run":
            return RunCommandLine.parse(rest).map { RunInvocation($0).run }
        case "create":
            guard let a = RunCommandLine.parse(rest, detachable: false) else { return nil }
            return {
                try ContainerCreate.create(
                    flags: FastCreateFlags(a), explain: ExplainSession(narrate: false, html: nil), image: a.image,
                    command: a.command)
            }
        default:
            return nil
        }
    }

    /// What an unprivileged user may run: help and the version.
    static let commandsWithoutRoot: Set<String> = ["--version", "-v", "version", "--help", "-h", "help"]
}
