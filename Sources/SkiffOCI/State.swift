// The runtime state a caller reads with `skiff oci state ID` (runtime-spec "State").

public struct State: Codable, Sendable, Equatable {
    public var ociVersion: String
    public var id: String
    public var status: Status
    public var pid: Int32?
    public var bundle: String
    public var annotations: [String: String]?

    public init(id: String, status: Status, pid: Int32?, bundle: String, annotations: [String: String]? = nil) {
        self.ociVersion = Spec.version
        self.id = id
        self.status = status
        self.pid = pid
        self.bundle = bundle
        self.annotations = annotations
    }

    public enum Status: String, Codable, Sendable {
        case creating, created, running, stopped
        /// runc's status of a container whose cgroup is frozen (`pause`).
        case paused
    }
}
