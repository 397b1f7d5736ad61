/// The options of Docker's `local` volume driver (`volume create -o type=… -o device=… -o o=…`, compose's
/// `driver_opts`): the arguments of a mount(8) the volume stands for. `type: none` with `o: bind` makes the
/// volume a host directory (`device`); any other type mounts that filesystem (tmpfs, nfs with `addr=`…).
///
/// Docker mounts the filesystem on the volume's `_data` while a container uses it. Skiff hands the same
/// mount to each container's runtime instead, inside the container's mount namespace, so nothing is left
/// mounted on the host when a container dies; a host directory is bind-mounted from `device` directly.
/// One difference follows: two containers using a tmpfs volume at once each get their own tmpfs.
package struct LocalVolumeOptions: Sendable, Equatable {
    /// What a container mounts for the volume.
    package enum Mount: Sendable, Equatable {
        /// The volume's own `_data` directory (no options).
        case data
        /// A host directory (`o` with `bind`), with the bind flags `o` gives (e.g. `ro` is not one: a
        /// bind's read-only is the container's `:ro`).
        case hostDirectory(String)
        /// A filesystem: mount(2)'s type, source and options.
        case filesystem(type: String, device: String, options: [String])
    }

    package var type: String?
    package var device: String?
    package var o: String?

    /// The keys Docker's local driver takes; anything else is refused as Docker refuses it.
    package static let keys: Set<String> = ["type", "device", "o", "size"]

    /// Options as given (`KEY=VALUE` pairs already split). `origin` names the flag or key in errors.
    package init(_ options: [String: String], origin: String) throws(KitError) {
        for key in options.keys.sorted() where !Self.keys.contains(key) {
            throw .usage("\(origin): invalid option key: \"\(key)\" (the local driver takes type, device and o)")
        }
        if options["size"] != nil {
            // Docker's local driver sizes a volume only with xfs project quotas under its data root.
            throw .usage("\(origin): size: quota size requested but no quota support")
        }
        type = options["type"]
        device = options["device"]
        o = options["o"]
        if (type != nil || o != nil) && (device ?? "").isEmpty {
            throw .usage("\(origin): missing required option: \"device\"")
        }
        if device != nil && (type ?? "").isEmpty {
            throw .usage("\(origin): missing required option: \"type\"")
        }
        if isBind, let device, !device.hasPrefix("/") {
            throw .usage("\(origin): device \"\(device)\": a bind volume's device must be an absolute host path")
        }
    }

    /// `o` as a list (`addr=10.0.0.1,rw` → [addr=10.0.0.1, rw]).
    package var optionList: [String] { Self.optionList(o ?? "") }

    static func optionList(_ o: String) -> [String] {
        o.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
    }

    /// `o` asks for a bind mount (Docker checks for `bind` among the options, whatever the type).
    package var isBind: Bool { Self.isBindList(o ?? "") }

    /// An `o` value asking for a bind mount.
    package static func isBindList(_ o: String) -> Bool {
        optionList(o).contains { $0 == "bind" || $0 == "rbind" }
    }

    package var mount: Mount {
        guard let device, let type else { return .data }
        if isBind { return .hostDirectory(device) }
        return .filesystem(type: type, device: device, options: optionList)
    }
}
