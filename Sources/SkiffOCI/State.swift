// The runtime state a caller reads with `skiff oci state ID` (runtime-spec "State").

/// The runtime-spec `State` of a container: what `state` prints and what hooks read on stdin.
public struct State: Codable, Sendable, Equatable {
    /// The spec version the state follows.
    public var ociVersion: String
    /// The container's id, unique among the runtime's containers.
    public var id: String
    /// Where the container is in its life.
    public var status: Status
    /// The host pid of the container's process, while it exists (nil once stopped, or before it is made).
    public var pid: Int32?
    /// The absolute path of the bundle the container was created from.
    public var bundle: String
    /// The spec's annotations.
    public var annotations: [String: String]?

    /// The state of container `id` from `bundle`, in `status`, with process `pid`.
    public init(id: String, status: Status, pid: Int32?, bundle: String, annotations: [String: String]? = nil) {
        self.ociVersion = Spec.version
        self.id = id
        self.status = status
        self.pid = pid
        self.bundle = bundle
        self.annotations = annotations
    }

    /// The container's status as the runtime-spec names it (plus runc's `paused`).
    public enum Status: String, Codable, Sendable {
        /// `creating`: the runtime is still making the container; `created`: made, the process waits for
        /// `start`; `running`: the process runs; `stopped`: the process has exited.
        case creating, created, running, stopped
        /// runc's status of a container whose cgroup is frozen (`pause`).
        case paused
    }
}
