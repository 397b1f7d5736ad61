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
            let stepName = String(cString: cskiff_step_name(step))
            return "container init failed at step \"\(stepName)\": \(detail): \(errnoText(code))"
        case .system(let error):
            return error.description
        case .childDied(let why):
            return "container process died during setup: \(why)"
        }
    }

    public var isExecutableNotFound: Bool {
        if case .step(let step, _, let code) = self { return step == Int32(CSKIFF_STEP_EXEC.rawValue) && code == ENOENT }
        return false
    }
}

#if canImport(Glibc)
import Glibc
#endif
