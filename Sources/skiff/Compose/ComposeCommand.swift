import ArgumentParser
import Foundation
import SkiffKit
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff compose …`: a multi-container project from a compose file, Docker Compose's commands.
struct ComposeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compose",
        abstract: "Define and run multi-container projects (compose.yaml).",
        subcommands: [
            ComposeUp.self, ComposeDown.self, ComposeRun.self, ComposeExec.self, ComposeStart.self,
            ComposeStop.self, ComposeRestart.self, ComposeLogs.self, ComposePs.self, ComposeBuild.self,
            ComposePull.self, ComposeImages.self, ComposeRm.self, ComposeConfig.self,
            ComposeKill.self, ComposeTop.self, ComposeLs.self, ComposePort.self, ComposePause.self,
            ComposeUnpause.self, ComposeVersion.self, ComposeCopy.self, ComposeCreate.self,
            ComposeEventsCommand.self, ComposeWait.self, ComposeWatch.self, ComposeScale.self,
            ComposePush.self, ComposeStats.self, ComposeAttach.self, ComposeExport.self, ComposeCommit.self,
            ComposeVolumes.self, ComposePublish.self,
        ]
    )

    /// Docker Compose's place for these flags: before the command (`skiff compose --file a.yaml -p demo up`).
    @OptionGroup var global: ComposeGlobalOptions
}

/// The project flags before the command. `-f` there means `--file` (`skiff compose -f a.yaml up`): main()
/// spells it out before parsing (ComposeCommandLine), because after the command `logs -f` means follow.
struct ComposeGlobalOptions: ParsableArguments {
    @Option(name: [.customLong("file")], help: "Compose file (-f, repeatable: merged in order).") var files: [String] =
        []
    @Option(name: [.customShort("p"), .customLong("project-name")], help: "Project name.") var projectName: String?
    @Option(name: .customLong("project-directory"), help: "Directory relative paths are resolved against.")
    var projectDirectory: String?
    @Option(name: .customLong("env-file"), help: "Variables file for interpolation.") var envFiles: [String] = []
    @Option(name: .customLong("profile"), help: "Enable services of this profile.") var profiles: [String] = []
    @Option(name: .customLong("ansi"), help: "Control when to print ANSI control characters: never, always or auto.")
    var ansi = "auto"
    @Option(
        name: .customLong("progress"),
        help: "Progress output: auto, tty, plain (the progress lines on stderr) or quiet (none, nor build output).")
    var progress = "auto"
    @Option(
        name: .customLong("parallel"),
        help: "Control max parallelism, -1 for unlimited (skiff works on one container at a time: any limit holds).")
    var parallel = -1
    @Flag(name: .customLong("all-resources"), help: "Include all resources, even those not used by services.")
    var allResources = false
    @Flag(
        name: .customLong("compatibility"),
        help: "Run in backward compatibility mode: Docker Compose v1's names (project_service_1).")
    var compatibility = false
    @Flag(
        name: .customLong("dry-run"),
        help: "Execute command in dry run mode: show what it would do (DRY-RUN MODE - lines), change nothing.")
    var dryRun = false

    func validate() throws {
        guard ["never", "always", "auto"].contains(ansi) else {
            throw ValidationError("--ansi \(ansi): expected never, always or auto")
        }
        guard ["auto", "tty", "plain", "quiet"].contains(progress) else {
            throw ValidationError(
                "--progress \(progress): expected auto, tty, plain or quiet (json progress events are not written)")
        }
        guard parallel == -1 || parallel > 0 else {
            throw ValidationError("--parallel \(parallel): expected -1 or more than 0")
        }
    }
}

/// `--ansi` and `--progress` (flags before the command), for the commands' output.
enum ComposeOutputSettings {
    nonisolated(unsafe) static var ansi = "auto"
    nonisolated(unsafe) static var progress = "auto"
    /// `--dry-run` (before the command): the runner decides and reports, changes nothing.
    nonisolated(unsafe) static var dryRun = false

    /// A progress line of a command that writes its own (`cp`, `commit`, `export`, `push`): on stderr,
    /// with the dry run's prefix under `--dry-run`, none with `--progress quiet`.
    static func progressLine(_ line: String) {
        guard progress != "quiet" else { return }
        FileHandleStderr.write((dryRun ? ComposeDryRun.line(line) : line) + "\n")
    }

    /// Colors on: `--ansi always`, or `auto` on a terminal.
    static func color(onTerminal fd: Int32) -> Bool {
        ansi == "always" || (ansi == "auto" && isatty(fd) == 1)
    }
}

/// The flags every compose command takes, after it (`skiff compose up -f a.yaml -p demo`) or, as Docker
/// Compose has them, before it (`skiff compose -f a.yaml -p demo up`).
struct ComposeOptions: ParsableArguments {
    @Option(
        name: [.customShort("f"), .customLong("file")],
        help:
            "Compose file (repeatable: merged in order; default: compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml)."
    )
    var files: [String] = []
    @Option(
        name: [.customShort("p"), .customLong("project-name")],
        help: "Project name (default: name: in the file, else the directory's name).")
    var projectName: String?
    @Option(
        name: .customLong("project-directory"),
        help: "Directory relative paths are resolved against (default: the first file's).")
    var projectDirectory: String?
    @Option(
        name: .customLong("env-file"),
        help: "Variables file for interpolation (default: .env in the project directory).")
    var envFiles: [String] = []
    @Option(name: .customLong("profile"), help: "Enable services of this profile (repeatable).")
    var profiles: [String] = []

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// These flags with the ones given before the command: files and env files of both (those before
    /// first), a name or directory given here wins.
    func inheriting(_ g: ComposeGlobalOptions) -> ComposeOptions {
        ComposeOutputSettings.ansi = g.ansi
        ComposeOutputSettings.progress = g.progress
        ComposeOutputSettings.dryRun = g.dryRun
        // --compatibility, or COMPOSE_COMPATIBILITY=true (Go's boolean words).
        if g.compatibility || GoBoolFlags.parse(environment["COMPOSE_COMPATIBILITY"] ?? "") == true {
            ComposeLabels.separator = "_"
        }
        var o = self
        o.files = g.files + files
        o.projectName = projectName ?? g.projectName
        o.projectDirectory = projectDirectory ?? g.projectDirectory
        o.envFiles = g.envFiles + envFiles
        o.profiles = g.profiles + profiles
        return o
    }

    var allProfiles: [String] {
        profiles + (environment["COMPOSE_PROFILES"]?.split(separator: ",").map(String.init) ?? [])
    }

    /// What the loader is told: these flags, the working directory and the caller's environment.
    var loadOptions: ComposeLoadOptions {
        var options = ComposeLoadOptions(
            workingDirectory: FileManager.default.currentDirectoryPath, environment: environment)
        options.files = files
        options.projectName = projectName
        options.projectDirectory = projectDirectory
        options.envFiles = envFiles
        options.profiles = allProfiles
        return options
    }

    /// The project, its warnings printed on stderr.
    /// `allowMissingFile`: with -p and no compose file, an empty project of that name (what `down` and
    /// `ps` need to find a project's containers by their labels alone).
    func load(
        quietWarnings: Bool = false, allowMissingFile: Bool = false, resolvePaths: Bool = true,
        checkConsistency: Bool = true
    ) throws -> ComposeProject {
        try loadWithVariables(
            quietWarnings: quietWarnings, allowMissingFile: allowMissingFile, resolvePaths: resolvePaths,
            checkConsistency: checkConsistency
        ).project
    }

    /// `load`, with the variables interpolation read (the `.env` values under the caller's environment).
    func loadWithVariables(
        quietWarnings: Bool = false, allowMissingFile: Bool = false, resolvePaths: Bool = true,
        checkConsistency: Bool = true
    ) throws -> (project: ComposeProject, variables: [String: String]) {
        var options = loadOptions
        options.resolvePaths = resolvePaths
        options.checkConsistency = checkConsistency
        let loaded: (project: ComposeProject, variables: [String: String])
        do { loaded = try ComposeLoader.loadWithVariables(options) } catch {
            if case .noFile = error, allowMissingFile, files.isEmpty, let name = projectName {
                return (ComposeProject(name: name, workingDirectory: options.workingDirectory, files: []), environment)
            }
            FileHandleStderr.write("Error: \(error)\n")
            throw ExitCode(1)
        }
        if !quietWarnings { for w in loaded.project.warnings { FileHandleStderr.write("WARN[0000] \(w)\n") } }
        return loaded
    }

    func runner(_ project: ComposeProject, quiet: Bool = false) -> ComposeRunner {
        var r = ComposeRunner(engine: SkiffContext.engine(), project: project)
        r.callerEnvironment = environment
        r.dryRun = ComposeOutputSettings.dryRun
        let silent = ComposeOutputSettings.progress == "quiet"
        if !quiet && !silent {
            let dry = r.dryRun
            r.progress = { FileHandleStderr.write((dry ? ComposeDryRun.line($0) : $0) + "\n") }
        }
        if silent {
            r.buildOutput = { _ in }
            r.quietPulls = true
            return r
        }
        r.buildOutput = { line in
            var bytes = Array((line + "\n").utf8)
            _ = bytes.withUnsafeMutableBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        }
        return r
    }
}

/// The project flags for the commands where `-f` means something else (`logs -f` follows, `rm -f`
/// forces): the same flags, the file only as `--file` (or `-f` before the command).
struct ComposeLongOptions: ParsableArguments {
    @Option(name: .customLong("file"), help: "Compose file (repeatable).") var files: [String] = []
    @Option(name: [.customShort("p"), .customLong("project-name")], help: "Project name.") var projectName: String?
    @Option(name: .customLong("project-directory"), help: "Project directory.") var projectDirectory: String?
    @Option(name: .customLong("env-file"), help: "Variables file for interpolation.") var envFiles: [String] = []
    @Option(name: .customLong("profile"), help: "Enable services of this profile.") var profiles: [String] = []

    /// As ComposeOptions, with the flags given before the command.
    func inheriting(_ g: ComposeGlobalOptions) throws -> ComposeOptions {
        try Self.options(files, projectName, projectDirectory, envFiles, profiles).inheriting(g)
    }

    /// The project flags, however they were spelt, as ComposeOptions.
    static func options(
        _ files: [String], _ projectName: String?, _ projectDirectory: String?, _ envFiles: [String],
        _ profiles: [String]
    ) throws -> ComposeOptions {
        var args: [String] = []
        for f in files { args += ["--file", f] }
        if let projectName { args += ["--project-name", projectName] }
        if let projectDirectory { args += ["--project-directory", projectDirectory] }
        for e in envFiles { args += ["--env-file", e] }
        for p in profiles { args += ["--profile", p] }
        return try ComposeOptions.parse(args)
    }
}

/// Run a compose operation; its error printed as Docker Compose does, exit code 1.
func composeStep<T>(_ body: () throws(ComposeError) -> T) throws -> T {
    do { return try body() } catch {
        // A cancelled step says only "canceled" (Interruptible).
        if Cancellation.isCancelled { throw ExitCode(130) }
        FileHandleStderr.write("Error: \(error)\n")
        throw ExitCode(1)
    }
}
