import SkiffImage
import SkiffRuntime

/// What can go wrong in the engine, each with a message a user can act on.
public enum KitError: Error, CustomStringConvertible {
    case usage(String)
    case noCommand(image: String)
    case userNotFound(String, image: String)
    case groupNotFound(String, image: String)
    case notFound(String)
    case nameInUse(String, id: String)
    case unsupported(String)
    /// A container could not be started (the runtime's reason).
    case startFailed(String, reason: String)
    /// Docker's "container x is not running".
    case notRunning(String)
    case image(ImageError)
    case runtime(RuntimeError)
    case system(SystemError)
    /// Container networking (bridge, veth, nftables, ports).
    case network(String)
    /// A container's or volume's record that cannot be read; `rm -f` still removes it.
    case unreadableRecord(UnreadableRecord)

    /// Docker's exit status when this error kept a container's process from starting: 127 (command
    /// not found) or 126 (cannot be invoked) from the errno of the exec step, else 125.
    public var startExitStatus: Int32 {
        if case .runtime(.spawn(let spawn)) = self { return spawn.dockerExitStatus }
        return 125
    }

    /// The message the CLI prints (after `Error: `), naming the container, flag or file concerned.
    public var description: String {
        switch self {
        case .usage(let s): return s
        case .noCommand(let image):
            return "no command specified: image \(image) has no Entrypoint or Cmd; give one after the image name"
        case .userNotFound(let user, let image):
            return "unable to find user \(user): no matching entries in /etc/passwd of image \(image)"
        case .groupNotFound(let group, let image):
            return "unable to find group \(group): no matching entries in /etc/group of image \(image)"
        case .notFound(let s): return s
        case .nameInUse(let name, let id):
            return
                "the container name \"\(name)\" is already in use by container \(id); remove or rename that container"
        case .unsupported(let s): return s
        case .startFailed(let name, let reason):
            return name.isEmpty ? "failed to start: \(reason)" : "failed to start container \(name): \(reason)"
        case .notRunning(let name): return "container \(name) is not running"
        case .image(let e): return e.description
        case .runtime(let e): return e.description
        case .system(let e): return e.description
        case .network(let s): return s
        case .unreadableRecord(let r):
            return "\(r); remove it with skiff \(r.kind == "volume" ? "volume rm" : "rm -f") \(r.name)"
        }
    }
}
