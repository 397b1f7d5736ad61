import SkiffOCI

/// What an exec takes from its container's config.json: the process defaults, the namespaces to join,
/// the user namespace's id maps and the seccomp profile. Read whole through Codable (`init(_:)`), or
/// straight from the file's bytes (`init?(configJSON:)`) when the container's compiled filter is kept.
public struct ExecSpec: Sendable, Equatable {
    /// `process`: the defaults an exec starts from.
    public var process: Process?
    /// `linux.namespaces`.
    public var namespaces: [LinuxNamespace]
    /// `linux.uidMappings`.
    public var uidMappings: [LinuxIDMapping]
    /// `linux.gidMappings`.
    public var gidMappings: [LinuxIDMapping]
    /// `linux.seccomp`; its rules may be left unread (`LinuxSeccomp.rulesOmitted`).
    public var seccomp: LinuxSeccomp?

    public init(
        process: Process?, namespaces: [LinuxNamespace] = [], uidMappings: [LinuxIDMapping] = [],
        gidMappings: [LinuxIDMapping] = [], seccomp: LinuxSeccomp? = nil
    ) {
        self.process = process
        self.namespaces = namespaces
        self.uidMappings = uidMappings
        self.gidMappings = gidMappings
        self.seccomp = seccomp
    }

    /// The parts of a decoded spec.
    public init(_ spec: Spec) {
        self.init(
            process: spec.process, namespaces: spec.linux?.namespaces ?? [],
            uidMappings: spec.linux?.uidMappings ?? [], gidMappings: spec.linux?.gidMappings ?? [],
            seccomp: spec.linux?.seccomp)
    }
}
