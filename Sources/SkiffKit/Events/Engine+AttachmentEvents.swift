extension Engine {
    /// Docker's events around a container's run: before its `start`, each named or anonymous volume's
    /// `mount` and each network's `connect`; after its `die`, the networks' `disconnect` and the
    /// volumes' `unmount`.
    func recordAttachments(of c: Container, starting: Bool) {
        let volumes = (c.mounts ?? []).filter { $0.type == .volume && $0.name != nil }
        let nets = (networkRequest(c.id)?.attachments ?? []).compactMap { networks.load($0.network) }
        if starting {
            for m in volumes {
                events.record(
                    volume: m.name!, "mount",
                    [
                        "container": c.id, "destination": m.destination, "propagation": m.propagation ?? "",
                        "read/write": m.readOnly ? "false" : "true",
                    ])
            }
            for n in nets { events.record(network: n.id, name: n.name, "connect", ["container": c.id]) }
        } else {
            for n in nets { events.record(network: n.id, name: n.name, "disconnect", ["container": c.id]) }
            for m in volumes { events.record(volume: m.name!, "unmount", ["container": c.id]) }
        }
    }
}
