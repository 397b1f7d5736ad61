/// What an exit status means, as Docker and shells report it.
public enum ExitMeaning {
    /// `signalName` names `signal`, or the signal of `code - 128` when a shell reported one.
    public static func describe(code: Int32?, signal: Int32?, signalName: String?) -> String {
        if let signal {
            return
                "killed by signal \(signal)\(signalName.map { " (\($0))" } ?? ""): exit status \(128 + signal) (128 + \(signal))"
        }
        guard let code else { return "ended without an exit code" }
        switch code {
        case 0: return "exited with code 0: success"
        case 125: return "exit code 125: Skiff itself failed before the command ran (Docker's own-error code)"
        case 126:
            return
                "exit code 126: the command was found but could not be invoked (not executable, or permission denied)"
        case 127: return "exit code 127: the command was not found in the container"
        case 129...192:
            return
                "exit code \(code) = 128 + \(code - 128): by convention the process it ran was killed by signal \(code - 128)"
                + (signalName.map { " (\($0))" } ?? "")
        default: return "exited with code \(code): the program's own failure code"
        }
    }
}
