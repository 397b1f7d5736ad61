import CSkiff

/// A failure while starting a container process: the step that failed in the child (as the C shim
/// reported it), or a system call in the parent.
public enum SpawnError: Error, CustomStringConvertible, Equatable {
    /// A step between clone and exec failed: which step, what it was doing, errno.
    case step(step: Int32, detail: String, errno: Int32)
    case system(SystemError)
    /// The child vanished without a report (killed, or the report pipe broke).
    case childDied(String)

    public var description: String {
        switch self {
        case .step(let step, let detail, let code):
            if step == Int32(CSKIFF_STEP_EXEC.rawValue) && code == ENOENT {
                let name = detail.hasPrefix("exec ") ? String(detail.dropFirst(5)) : detail
                return "exec \(name): executable file not found in $PATH or in the container"
            }
            if step == Int32(CSKIFF_STEP_EXEC.rawValue) && code == EACCES {
                let name = detail.hasPrefix("exec ") ? String(detail.dropFirst(5)) : detail
                return "exec \(name): permission denied (not executable)"
            }
            if step == Int32(CSKIFF_STEP_HOOK.rawValue) {
                // runc's words first, which callers look for (see RuntimeError.hook).
                return "error running hook: " + detail  // "createContainer hook PATH: exit status N: output"
            }
            let stepName = String(cString: cskiff_step_name(step))
            return "container init failed at step \"\(stepName)\": \(detail): \(errnoText(code))"
        case .system(let error):
            return error.description
        case .childDied(let why):
            return "container process died during setup: \(why)"
        }
    }

    /// Docker's exit status for a process that could not be started, from the errno its exec step
    /// reported: 127 when the command is not found, 126 when it cannot be invoked, 125 otherwise.
    public var dockerExitStatus: Int32 {
        guard case .step(let step, _, let code) = self, step == Int32(CSKIFF_STEP_EXEC.rawValue) else { return 125 }
        switch code {
        case ENOENT, ENOTDIR: return 127
        case EACCES, EPERM, ENOEXEC, EISDIR, ETXTBSY: return 126
        default: return 125
        }
    }

    public var isExecutableNotFound: Bool {
        if case .step(let step, _, let code) = self {
            return step == Int32(CSKIFF_STEP_EXEC.rawValue) && code == ENOENT
        }
        return false
    }
}

#if canImport(Glibc)
import Glibc
#endif
