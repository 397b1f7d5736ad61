import SkiffImage
import SkiffSystem

/// What can stop a build. A Dockerfile mistake names the file and line, as `docker build` does:
/// `Dockerfile:3: unknown instruction: RUNN`.
public enum BuildError: Error, CustomStringConvertible, Equatable {
    /// A mistake in the Dockerfile at a line (1-based).
    case dockerfile(file: String, line: Int, message: String)
    /// A RUN step's command exited non-zero (or was killed): Docker's wording, and the code to exit with.
    case runFailed(command: String, code: Int32)
    /// A COPY/ADD source or the build context itself.
    case context(String)
    /// The engine below (images, containers, the runtime).
    case engine(String)
    case usage(String)
    /// A step of a multi-stage build failed: the stage (its `AS` name, or `stage-N`) and the line.
    indirect case stage(name: String, file: String, line: Int, error: BuildError)

    /// The message `skiff build` prints (file and line first for a Dockerfile mistake).
    public var description: String {
        switch self {
        case .dockerfile(let file, let line, let message): return "\(file):\(line): \(message)"
        case .runFailed(let command, let code): return "The command '\(command)' returned a non-zero code: \(code)"
        case .context(let s): return s
        case .engine(let s): return s
        case .usage(let s): return s
        case .stage(let name, let file, let line, let error):
            if case .dockerfile(let f, let l, let message) = error { return "[\(name)] \(f):\(l): \(message)" }
            return "[\(name)] \(file):\(line): \(error.description)"
        }
    }

    /// The exit code `skiff build` ends with: the command's for a failed RUN, 1 otherwise.
    public var exitCode: Int32 {
        if case .runFailed(_, let code) = self { return code == 0 ? 1 : code }
        if case .stage(_, _, _, let error) = self { return error.exitCode }
        return 1
    }

    static func wrap(_ error: KitError) -> BuildError { .engine(error.description) }
    static func wrap(_ error: ImageError) -> BuildError { .engine(error.description) }
    static func wrap(_ error: SystemError) -> BuildError { .engine(error.description) }
}
