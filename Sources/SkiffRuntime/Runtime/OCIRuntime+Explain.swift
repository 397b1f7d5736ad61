import SkiffExplain

/// The runtime's own `--explain` events: the namespaces the clone made and how the process ended (the
/// child's steps come from its reports, see ChildStepEvents).
extension OCIRuntime {
    func explainClone(_ config: LaunchConfig) {
        for kind in NamespaceKind.allCases where config.cloneFlags & kind.cloneFlag != 0 {
            logger.explain(
                ExplainEvent(
                    .namespaceCreated(type: kind.rawValue, flag: kind.cloneFlagName),
                    source: "Sources/CSkiff/spawn.c"))
        }
    }

    /// `file`: the caller, which waited for the process.
    func explainExit(_ status: ExitStatus, file: String = #filePath) {
        guard logger.isExplaining else { return }
        let named = status.signal ?? (status.code.map { $0 > 128 && $0 <= 192 ? $0 - 128 : 0 } ?? 0)
        logger.explain(
            .exited(code: status.code, signal: status.signal, signalName: named > 0 ? Signals.name(named) : nil),
            file: file)
    }
}

extension NamespaceKind {
    /// The clone flag's name, as clone(2) spells it.
    public var cloneFlagName: String {
        switch self {
        case .user: "CLONE_NEWUSER"
        case .mount: "CLONE_NEWNS"
        case .pid: "CLONE_NEWPID"
        case .network: "CLONE_NEWNET"
        case .ipc: "CLONE_NEWIPC"
        case .uts: "CLONE_NEWUTS"
        case .cgroup: "CLONE_NEWCGROUP"
        case .time: "CLONE_NEWTIME"
        }
    }
}
