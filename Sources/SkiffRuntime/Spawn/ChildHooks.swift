import SkiffOCI

#if canImport(Glibc)
import Glibc
#endif

/// The OCI hooks the child runs itself (see child_hooks.c), and whether it pauses for the parent's.
public struct ChildHooks: Sendable, Equatable {
    /// A hook as the child execs it: the program, its whole argv, its whole environment, a timeout.
    public struct Command: Sendable, Equatable {
        public var path: String
        public var argv: [String]
        public var env: [String]
        /// Seconds; 0 waits as long as it takes.
        public var timeout: Int32

        /// runc's reading of a hook: `args` is the whole argv (the path alone when there are none), and
        /// a hook without `env` gets the runtime's environment.
        public init(_ hook: Hook) {
            path = hook.path
            argv = (hook.args ?? []).isEmpty ? [hook.path] : hook.args!
            env = hook.env ?? ChildHooks.runtimeEnvironment()
            timeout = Int32(clamping: hook.timeout ?? 0)
        }
    }

    /// Report HOOKS after the mounts and wait for the parent's prestart and createRuntime hooks.
    public var pauseForParent = false
    public var createContainer: [Command] = []
    public var startContainer: [Command] = []
    /// The state JSON the child's hooks read, without its opening "{" (the child writes `{"pid":PID,`).
    public var stateCreating: String?
    public var stateCreated: String?
    /// Where a failed startContainer hook is described for `start`, after `create` has returned.
    public var startResultFD: Int32 = -1

    public init() {}

    public var isEmpty: Bool { !pauseForParent && createContainer.isEmpty && startContainer.isEmpty }

    static func runtimeEnvironment() -> [String] {
        var out: [String] = []
        var p = environ
        while let entry = p.pointee {
            out.append(String(cString: entry))
            p += 1
        }
        return out
    }
}
