import ArgumentParser
import CSkiff

#if canImport(Glibc)
import Glibc
#endif

/// The entry point both binaries share: global flags first (runc takes them before the command),
/// logging, then the command line. `skiff-oci` is runc's command line alone: a lean binary (no image,
/// build or registry code linked) for Podman, containerd or CRI-O to call as their OCI runtime.
public enum OCIMain {
    /// The runtime's commands that never put a process into a container (they read state, signal,
    /// or delete), so they need not run sealed; every other command does, new ones included. The
    /// list is the C shim's (`cskiff_oci_unsealed_commands`), which skiff-oci consults before Swift starts.
    public static var runtimeCommandsOutsideContainers: Set<String> { words(cskiff_oci_unsealed_commands_at) }

    /// The skiff CLI's commands that run unsealed: those that never clone a process into a container,
    /// and `run`, which seals itself once its flags are parsed. The C shim's list
    /// (`cskiff_cli_unsealed_commands`), which skiff consults before Swift starts.
    public static var cliCommandsRunningUnsealed: Set<String> { words(cskiff_cli_unsealed_commands_at) }

    private static func words(_ entry: (Int32) -> UnsafePointer<CChar>?) -> Set<String> {
        var out = Set<String>()
        var i: Int32 = 0
        while let word = entry(i) {
            out.insert(String(cString: word))
            i += 1
        }
        return out
    }

    /// Parse with `root` as the top command and run; never returns. `unsealed` names the commands that
    /// need no sealed re-exec (see exe_seal.c): those that never clone a process into a container; nil
    /// is skiff-oci's list (`runtimeCommandsOutsideContainers`), checked without building a set.
    /// `usageExitCode`: the status for a command line that does not parse (Docker's CLI exits 125).
    public static func run<Root: ParsableCommand>(
        _ root: Root.Type, arguments: [String],
        unsealed: Set<String>? = nil,
        usageExitCode: Int32? = nil
    ) -> Never {
        var arguments = arguments
        // Global flags are plain strings, taken off before anything else runs.
        let globals = Result { try GlobalOptions.extract(from: &arguments) }
        let word = arguments.first ?? "--help"
        if !(unsealed.map { $0.contains(word) } ?? (cskiff_oci_word_runs_unsealed(word) != 0)) { sealExecutable() }
        // Signals an attached run forwards must be blocked before any thread exists.
        cskiff_block_signals()
        do {
            GlobalOptions.shared = try globals.get()
            Logs.bootstrap(GlobalOptions.shared)
            if arguments == ["--version"] || arguments == ["-v"] {
                print(SkiffVersion.text, terminator: "")
                exit(0)
            }
            if let unknown = unknownCommand(Root.self, arguments) {
                // ArgumentParser would print the top help for `NAME -h` and exit 0; runc fails.
                let line = Array("Error: No help topic for '\(unknown)': there is no such command (see --help)\n".utf8)
                _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
                exit(usageExitCode ?? ExitCode.validationFailure.rawValue)
            }
            var command = try Root.parseAsRoot(arguments)
            try command.run()
            exit(0)
        } catch {
            if let usageExitCode, Root.exitCode(for: error) == .validationFailure {
                let line = Array((Root.fullMessage(for: error) + "\n").utf8)
                _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
                exit(usageExitCode)
            }
            Root.exit(withError: error)
        }
    }

    /// The first argument when it names no subcommand of `root` (which has subcommands and no default).
    static func unknownCommand<Root: ParsableCommand>(_ root: Root.Type, _ arguments: [String]) -> String? {
        let configuration = Root.configuration
        guard let first = arguments.first, !first.hasPrefix("-"), first != "help",
            !configuration.subcommands.isEmpty, configuration.defaultSubcommand == nil
        else { return nil }
        let known = configuration.subcommands.contains {
            $0._commandName == first || $0.configuration.aliases.contains(first)
        }
        return known ? nil : first
    }

    /// Re-exec from a sealed copy of this binary before anything else (see exe_seal.c): a container
    /// must never get hold of a writable host skiff through /proc/PID/exe. A command left out of the
    /// sealed set because only some of its forms clone into a container calls this itself, before it
    /// changes anything (the re-exec starts the command over); a no-op when already sealed.
    public static func sealExecutable() {
        var message = [CChar](repeating: 0, count: 512)
        guard cskiff_seal_exe(CommandLine.unsafeArgv, &message, message.count) != 0 else { return }
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let line = Array("skiff: refusing to run from a writable binary: \(text)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(125)
    }
}
