import CSkiff

/// What both binaries do before their command line is parsed: take runc's global flags off the
/// arguments, re-exec sealed unless the command never clones into a container, block the signals an
/// attached run forwards (before any thread exists), and start logging.
public enum ProcessPrelude {
    /// Throws the global flags' error (after the seal and the signal mask, which come first).
    public static func start(_ arguments: inout [String], runsUnsealed: (String) -> Bool) throws {
        let globals = Result { try GlobalOptions.extract(from: &arguments) }
        if !runsUnsealed(arguments.first ?? "--help") { ExecutableSeal.seal() }
        cskiff_block_signals()
        GlobalOptions.shared = try globals.get()
        Logs.bootstrap(GlobalOptions.shared)
    }
}
