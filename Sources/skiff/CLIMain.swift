import ArgumentParser
import SkiffOCICommands

#if canImport(Glibc)
import Glibc
#endif

/// The skiff CLI's run of its parsed command line: global flags first, the seal, logging, then the
/// command; never returns. `usageExitCode`: a command line that does not parse exits with it (125, as
/// Docker's CLI does).
enum CLIMain {
    /// `fastPath`: given the command line after the global flags, the run of a command read without
    /// ArgumentParser (see `ExecCommandLine`), or nil to parse it the full way.
    static func run<Root: ParsableCommand>(
        _ root: Root.Type, arguments: [String], usageExitCode: Int32,
        fastPath: ([String]) -> (() throws -> Void)? = { _ in nil }
    ) -> Never {
        var arguments = arguments
        do {
            try ProcessPrelude.start(&arguments, runsUnsealed: ExecutableSeal.cliCommandRunsUnsealed)
            if arguments == ["--version"] || arguments == ["-v"] {
                print(SkiffVersion.text, terminator: "")
                exit(0)
            }
            if let run = fastPath(arguments) {
                try run()
                exit(0)
            }
            var command = try Root.parseAsRoot(arguments)
            try command.run()
            exit(0)
        } catch let code as ExitCode {
            // A command's exit status (`exec`'s is its process's), caught first: a cast of an error to a
            // type it is not, and ArgumentParser's reading of an error, each look its type up in every
            // protocol conformance of this large binary (a few percent of an exec's CPU).
            exit(code.rawValue)
        } catch let error as CommandLineError {
            StandardError.write("Error: \(error.description)\n")
            exit(usageExitCode)
        } catch {
            if Root.exitCode(for: error) == .validationFailure {
                StandardError.write(Root.fullMessage(for: error) + "\n")
                exit(usageExitCode)
            }
            Root.exit(withError: error)
        }
    }
}

/// `skiff oci …`: the OCI runtime's command line, flag for flag like runc's, so that Podman, containerd
/// or CRI-O can drive skiff where they would drive runc. Skiff.main hands `oci` to RuntimeMain before
/// any parsing; this entry puts it in `skiff --help`.
struct OCICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oci",
        abstract: "Run OCI bundles (runc's command line): "
            + RuntimeMain.specs.map(\.name).joined(separator: ", ") + ".")

    @Argument(parsing: .captureForPassthrough, help: "The runtime command and its arguments.")
    var arguments: [String] = []

    func run() throws { RuntimeMain.run(arguments, program: "skiff oci") }
}

/// `skiff version`.
