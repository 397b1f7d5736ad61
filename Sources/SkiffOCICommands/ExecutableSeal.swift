import CSkiffSeal

#if canImport(Glibc)
import Glibc
#endif

/// Which commands run from a sealed copy of the binary (see exe_seal.c), and the re-exec itself.
public enum ExecutableSeal {
    /// The runtime's commands that never put a process into a container (they read state, signal,
    /// or delete), so they need not run sealed; every other command does, new ones included. The
    /// list is the C shim's (`cskiff_oci_unsealed_commands`), which skiff-oci consults before Swift starts.
    public static var runtimeCommandsOutsideContainers: Set<String> { words(cskiff_oci_unsealed_commands_at) }

    /// The skiff CLI's commands that run unsealed: those that never clone a process into a container,
    /// and `run`, which seals itself once its flags are parsed. The C shim's list
    /// (`cskiff_cli_unsealed_commands`), which skiff consults before Swift starts.
    public static var cliCommandsRunningUnsealed: Set<String> { words(cskiff_cli_unsealed_commands_at) }

    /// Whether the runtime command `word` runs unsealed (the C shim's list, without building a set).
    static func runtimeCommandRunsUnsealed(_ word: String) -> Bool { cskiff_oci_word_runs_unsealed(word) != 0 }

    /// Whether the CLI command `word` runs unsealed (the C shim's list, without building a set: the
    /// first `Set<String>` a process makes costs a scan of the binary's protocol conformances).
    public static func cliCommandRunsUnsealed(_ word: String) -> Bool { cskiff_cli_word_runs_unsealed(word) != 0 }

    private static func words(_ entry: (Int32) -> UnsafePointer<CChar>?) -> Set<String> {
        var out = Set<String>()
        var i: Int32 = 0
        while let word = entry(i) {
            out.insert(String(cString: word))
            i += 1
        }
        return out
    }

    /// Re-exec from a sealed copy of this binary before anything else (see exe_seal.c): a container
    /// must never get hold of a writable host skiff through /proc/PID/exe. A command left out of the
    /// sealed set because only some of its forms clone into a container calls this itself, before it
    /// changes anything (the re-exec starts the command over); a no-op when already sealed.
    public static func seal() {
        var message = [CChar](repeating: 0, count: 512)
        guard cskiff_seal_exe(CommandLine.unsafeArgv, &message, message.count) != 0 else { return }
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        StandardError.write("skiff: refusing to run from a writable binary: \(text)\n")
        exit(125)
    }
}

/// Whole lines to stderr, without Foundation's buffering (the process may exit right after).
public enum StandardError {
    public static func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
            if n <= 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }
}
