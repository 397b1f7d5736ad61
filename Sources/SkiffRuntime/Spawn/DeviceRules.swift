import SkiffOCI

/// The devices cgroup must allow the nodes the runtime itself creates, whatever the spec's rules say
/// (runc and crun append the same list): the default nodes, the terminal, and the spec's devices.
enum DeviceRules {
    static let defaults: [LinuxDeviceCgroup] = [
        .init(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),  // /dev/null
        .init(allow: true, type: "c", major: 1, minor: 5, access: "rwm"),  // /dev/zero
        .init(allow: true, type: "c", major: 1, minor: 7, access: "rwm"),  // /dev/full
        .init(allow: true, type: "c", major: 1, minor: 8, access: "rwm"),  // /dev/random
        .init(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),  // /dev/urandom
        .init(allow: true, type: "c", major: 5, minor: 0, access: "rwm"),  // /dev/tty
        .init(allow: true, type: "c", major: 5, minor: 1, access: "rwm"),  // /dev/console
        .init(allow: true, type: "c", major: 5, minor: 2, access: "rwm"),  // /dev/ptmx
        .init(allow: true, type: "c", major: 136, minor: nil, access: "rwm"),  // /dev/pts/*
    ]

    /// `resources` with allow rules appended for the default nodes and for each of the spec's devices.
    static func resources(for spec: Spec) -> LinuxResources? {
        guard var resources = spec.linux?.resources, let rules = resources.devices, !rules.isEmpty else {
            return spec.linux?.resources
        }
        var extra = defaults
        // A FIFO ("p") is no device: the devices cgroup has no rule for it, and none is needed.
        for device in spec.linux?.devices ?? [] where device.type != "p" {
            let type = device.type == "u" ? "c" : device.type
            // A device the spec's own rules name exactly keeps the access they give it (Docker's
            // `--device /dev/sdb:/dev/xvdb:r` is a node plus an "r" rule; runc adds nothing to that).
            if rules.contains(where: { $0.type == type && $0.major == device.major && $0.minor == device.minor }) {
                continue
            }
            extra.append(.init(allow: true, type: type, major: device.major, minor: device.minor, access: "rwm"))
        }
        resources.devices = rules + extra
        return resources
    }
}
