/// One mount `skiff run` is asked for, from `-v`, `--mount` or `--tmpfs`, parsed with Docker's rules.
/// Pure values: what exists on the host (a bind source, a volume) is checked when the container is made.
public struct MountRequest: Sendable, Equatable {
    /// What is mounted: a named or anonymous volume, a host path, or a fresh tmpfs.
    public enum Kind: String, Codable, Sendable {
        case volume, bind, tmpfs
    }

    /// How a bind takes the mounts below its source, and how its read-only reaches them (Docker's
    /// `bind-recursive`). Docker 25+ makes a read-only bind read-only all the way down by default, so a
    /// writable submount of the source cannot become a way to write through a `:ro` bind.
    public enum BindRecursion: String, Codable, Sendable, CaseIterable {
        /// The submounts come along; read-only is recursive (the default).
        case enabled
        /// A plain bind: the submounts are not seen (`bind-nonrecursive`).
        case disabled
        /// The submounts come along; read-only applies to the top mount only (Docker 24's read-only).
        case writable
        /// The submounts come along, recursively read-only; Docker insists on `readonly` with it.
        case readonly
    }

    /// Which kind of mount.
    public var kind: Kind
    /// A volume's name (nil: an anonymous volume), a bind's absolute host path, nil for tmpfs.
    public var source: String?
    /// The absolute path in the container.
    public var target: String
    /// `ro` / `readonly`: mounted read-only.
    public var readOnly = false
    /// `nocopy` / `volume-nocopy`: no copy-up of the image's content into a new volume.
    public var noCopy = false
    /// A bind's propagation (rprivate unless given).
    public var propagation: String?
    /// tmpfs mount options (size=…, mode=…, exec…).
    public var tmpfsOptions: [String] = []
    /// `-v /host:/path` creates a missing host path; `--mount type=bind` refuses it (Docker's difference).
    public var createHostPath = false
    /// Labels for a volume made by this mount (`--mount volume-label=K=V`).
    public var volumeLabels: [String: String] = [:]
    /// The local driver's options for a volume made by this mount (`--mount volume-opt=K=V`, as
    /// `volume create --opt`); ignored, as Docker ignores them, when the volume exists already.
    public var volumeOptions: [String: String] = [:]
    /// A bind's recursion (`--mount bind-recursive=…`, compose `bind.recursive`).
    public var recursion = BindRecursion.enabled
    /// A `--mount` as Docker's CLI would send it (inspect's HostConfig.Mounts); nil for other flags.
    public var flagSpec: MountFlagSpec?
    /// The flag and value it came from, for messages ("-v data:/x").
    public var origin: String
    /// The text of a `-v` or `--tmpfs`, as Docker's HostConfig.Binds and Tmpfs keep it (nil: --mount,
    /// compose, a build step).
    public var given: String?

    /// A mount of `kind` from `source` at `target`; `origin` is the flag text for messages.
    public init(kind: Kind, source: String?, target: String, origin: String) {
        self.kind = kind
        self.source = source
        self.target = target
        self.origin = origin
    }

    static let propagations: Set<String> = ["private", "rprivate", "shared", "rshared", "slave", "rslave"]
    static let knownModes: Set<String> = ["ro", "rw", "z", "Z", "nocopy", "cached", "delegated", "consistent"]

    // MARK: -v

    /// `-v [SOURCE:]TARGET[:OPTIONS]`: SOURCE an absolute host path (bind) or a volume name; TARGET
    /// alone is an anonymous volume; OPTIONS a comma list of ro, rw, z, Z, nocopy, a propagation, or a
    /// consistency (cached, delegated, consistent: accepted, as Docker does on Linux).
    public static func parseVolume(_ text: String) throws(KitError) -> MountRequest {
        let flag = "-v \(text)"
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard !text.isEmpty, parts.count <= 3, !parts.contains(where: \.isEmpty) else {
            throw .usage(
                "\(flag): invalid volume specification: '\(text)' (expected [SOURCE:]TARGET[:OPTIONS], SOURCE a volume name or an absolute host path)"
            )
        }
        var source: String?
        var target: String
        var options: [String] = []
        switch parts.count {
        case 1: target = parts[0]
        case 2:
            // "/a:ro" is target:options (when every option is a known mode); otherwise source:target.
            let modes = parts[1].split(separator: ",").map(String.init)
            if !modes.isEmpty && modes.allSatisfy({ knownModes.contains($0) || propagations.contains($0) }) {
                target = parts[0]; options = modes
            } else {
                source = parts[0]; target = parts[1]
            }
        default:
            source = parts[0]; target = parts[1]; options = parts[2].split(separator: ",").map(String.init)
        }
        try checkTarget(target, flag: flag)
        var request: MountRequest
        if let s = source {
            if s.hasPrefix("/") {
                request = MountRequest(kind: .bind, source: normalize(s), target: normalize(target), origin: flag)
                request.createHostPath = true
            } else {
                guard VolumeStore.isValidName(s) else {
                    throw .usage("\(flag): create \(s): " + VolumeStore.invalidNameMessage(s))
                }
                request = MountRequest(kind: .volume, source: s, target: normalize(target), origin: flag)
            }
        } else {
            request = MountRequest(kind: .volume, source: nil, target: normalize(target), origin: flag)
        }
        var sawMode = false
        for option in options {
            switch option {
            case "ro", "rw":
                if sawMode { throw .usage("\(flag): invalid mode: \(parts.last ?? "") (ro and rw both given)") }
                sawMode = true
                request.readOnly = option == "ro"
            case "z", "Z", "cached", "delegated", "consistent":
                break  // SELinux relabel: no SELinux here; consistency: macOS only.
            case "nocopy":
                guard request.kind == .volume else {
                    throw .usage("\(flag): invalid mode: nocopy (only for volumes, not binds)")
                }
                request.noCopy = true
            case let p where propagations.contains(p):
                guard request.kind == .bind else {
                    throw .usage("\(flag): invalid mode: \(p) (propagation is for bind mounts)")
                }
                request.propagation = p
            default:
                throw .usage(
                    "\(flag): invalid mode: \(option) (expected ro, rw, z, Z, nocopy or a propagation such as rslave)")
            }
        }
        request.given = text
        return request
    }

    // MARK: --mount

    /// `--mount type=volume|bind|tmpfs,source=…,target=…[,readonly][,volume-nocopy][,tmpfs-size=…]…`
    /// (Docker's keys; `src`, `dst`, `destination`, `ro` are its aliases).
    public static func parseMount(_ text: String) throws(KitError) -> MountRequest {
        let flag = "--mount \(text)"
        func fail(_ why: String) -> KitError { .usage("\(flag): \(why)") }
        var kind = Kind.volume
        var source: String?
        var target: String?
        var readOnly = false
        var noCopy: Bool?
        var propagation: String?
        var tmpfsOptions: [String] = []
        var labels: [String: String] = [:]
        var volumeOptions: [String: String] = [:]
        var recursion: BindRecursion?
        var nonRecursive = false
        var createSource = false
        // What Docker's CLI would send (HostConfig.Mounts): a bind-* key other than bind-recursive=enabled
        // makes BindOptions, a volume-* key VolumeOptions.
        var bindOptionsGiven = false
        var driverName: String?
        var tmpfsSize: Int64?
        var tmpfsMode: UInt32?
        var volumeKeys: [String] = []
        var bindKeys: [String] = []
        var tmpfsKeys: [String] = []
        func bool(_ key: String, _ value: String?) throws(KitError) -> Bool {
            switch value?.lowercased() {
            case nil, "true", "1": return true
            case "false", "0": return false
            default: throw fail("invalid value for \(key): \(value ?? "") (expected true or false)")
            }
        }
        for field in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            if field.isEmpty { throw fail("empty field (fields are KEY=VALUE, separated by commas)") }
            let kv = field.split(separator: "=", maxSplits: 1).map(String.init)
            let key = kv[0].lowercased()
            let value = kv.count > 1 ? kv[1] : nil
            func need() throws(KitError) -> String {
                guard let value, !value.isEmpty else { throw fail("invalid field '\(field)' must be a key=value pair") }
                return value
            }
            switch key {
            case "type":
                guard let k = Kind(rawValue: try need()) else {
                    throw fail("invalid type \"\(value ?? "")\" (expected volume, bind or tmpfs)")
                }
                kind = k
            case "source", "src": source = try need()
            case "target", "dst", "destination": target = try need()
            case "readonly", "ro": readOnly = try bool(key, value)
            case "volume-nocopy": noCopy = try bool(key, value); volumeKeys.append(key)
            case "volume-label":
                let l = try need().split(separator: "=", maxSplits: 1).map(String.init)
                labels[l[0]] = l.count > 1 ? l[1] : ""
                volumeKeys.append(key)
            case "volume-driver":
                guard try need() == "local" else { throw fail("only the local volume driver exists here") }
                driverName = value
                volumeKeys.append(key)
            case "volume-opt":
                let o = try need().split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(
                    String.init)
                if !o[0].isEmpty { volumeOptions[o[0]] = o.count > 1 ? o[1] : "" }
                volumeKeys.append(key)
            case "bind-propagation":
                let p = try need()
                guard propagations.contains(p) else { throw fail("invalid bind-propagation \"\(p)\"") }
                propagation = p
                bindKeys.append(key)
                bindOptionsGiven = true
            case "bind-nonrecursive":
                nonRecursive = try bool(key, value)
                bindKeys.append(key)
                bindOptionsGiven = true
            case "bind-recursive":
                guard let r = BindRecursion(rawValue: try need()) else {
                    throw fail(
                        "invalid value for bind-recursive: \(value ?? "") (must be \"enabled\", \"disabled\", \"writable\", or \"readonly\")"
                    )
                }
                recursion = r
                bindKeys.append(key)
                if r != .enabled { bindOptionsGiven = true }
            case "bind-create-src":
                createSource = try bool(key, value)
                bindKeys.append(key)
                bindOptionsGiven = true
            case "tmpfs-size":
                let text = try need()
                let bytes: Int64
                do { bytes = try Units.parseBytes(text) } catch {
                    throw fail(error.message(text, for: "tmpfs-size") + " (e.g. 64m or 1048576)")
                }
                tmpfsOptions.append("size=\(bytes)")
                tmpfsSize = bytes
                tmpfsKeys.append(key)
            case "tmpfs-mode":
                guard let mode = UInt32(try need(), radix: 8), mode <= 0o7777 else {
                    throw fail("invalid tmpfs-mode \"\(value ?? "")\" (octal, e.g. 1770)")
                }
                tmpfsOptions.append("mode=" + String(mode, radix: 8))
                tmpfsMode = mode
                tmpfsKeys.append(key)
            case "consistency": break
            default:
                throw fail("unexpected key '\(kv[0])' in '\(field)'")
            }
        }
        guard let target else { throw fail("target is required") }
        var spec = MountFlagSpec(type: kind.rawValue, source: source, target: target)
        try checkTarget(target, flag: flag)
        switch kind {
        case .bind:
            guard let s = source else {
                throw fail("invalid mount config for type \"bind\": field Source must not be empty")
            }
            guard s.hasPrefix("/") else {
                throw fail(
                    "invalid mount config for type \"bind\": invalid mount path: '\(s)' mount path must be absolute")
            }
            if !volumeKeys.isEmpty || !tmpfsKeys.isEmpty {
                throw fail("cannot mix '\((volumeKeys + tmpfsKeys)[0])' with mount type 'bind'")
            }
            // docker/cli's checks, in its words.
            if recursion == .writable && !readOnly {
                throw fail("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction")
            }
            if recursion == .readonly {
                if !readOnly {
                    throw fail("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction")
                }
                if propagation != "rprivate" {
                    throw fail(
                        "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction"
                    )
                }
            }
            source = normalize(s)
        case .volume:
            if let s = source, !VolumeStore.isValidName(s) {
                throw fail("create \(s): " + VolumeStore.invalidNameMessage(s))
            }
            if !bindKeys.isEmpty || !tmpfsKeys.isEmpty {
                throw fail("cannot mix '\((bindKeys + tmpfsKeys)[0])' with mount type 'volume'")
            }
        case .tmpfs:
            if source != nil {
                throw fail("invalid mount config for type \"tmpfs\": field Source must not be specified")
            }
            if !bindKeys.isEmpty || !volumeKeys.isEmpty {
                throw fail("cannot mix '\((bindKeys + volumeKeys)[0])' with mount type 'tmpfs'")
            }
        }
        var request = MountRequest(kind: kind, source: source, target: normalize(target), origin: flag)
        request.readOnly = readOnly
        request.noCopy = noCopy ?? false
        request.propagation = propagation
        request.tmpfsOptions = tmpfsOptions
        request.volumeLabels = labels
        request.volumeOptions = volumeOptions
        // bind-nonrecursive=true wins over any bind-recursive, as Docker's NonRecursive does.
        request.recursion = nonRecursive ? .disabled : recursion ?? .enabled
        request.createHostPath = createSource
        if readOnly { spec.ReadOnly = true }
        if bindOptionsGiven {
            var b = MountFlagSpec.BindOptions()
            b.Propagation = propagation
            if nonRecursive { b.NonRecursive = true }
            if let recursion { b.set(recursion) }
            if createSource { b.CreateMountpoint = true }
            spec.BindOptions = b
        }
        if !volumeKeys.isEmpty {
            var v = MountFlagSpec.VolumeOptions()
            if noCopy == true { v.NoCopy = true }
            if !labels.isEmpty { v.Labels = labels }
            v.DriverConfig.Name = driverName
            if !volumeOptions.isEmpty { v.DriverConfig.Options = volumeOptions }
            spec.VolumeOptions = v
        }
        if tmpfsSize != nil || tmpfsMode != nil {
            spec.TmpfsOptions = MountFlagSpec.TmpfsOptions(SizeBytes: tmpfsSize, Mode: tmpfsMode)
        }
        request.flagSpec = spec
        return request
    }

    // MARK: --tmpfs

    /// `--tmpfs /path[:opts]`, opts as mount(8) takes them for tmpfs (size=64m,mode=1770,exec,ro…).
    public static func parseTmpfs(_ text: String) throws(KitError) -> MountRequest {
        let flag = "--tmpfs \(text)"
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let target = parts.first else { throw .usage("\(flag): expected /path[:options]") }
        try checkTarget(target, flag: flag)
        var request = MountRequest(kind: .tmpfs, source: nil, target: normalize(target), origin: flag)
        request.given = text
        if parts.count == 2 {
            for option in parts[1].split(separator: ",").map(String.init) {
                if option.hasPrefix("size="), !option.hasSuffix("%") {
                    do { _ = try Units.parseBytes(String(option.dropFirst(5))) } catch {
                        throw .usage("\(flag): invalid size in \(option): \(error.reason) (e.g. size=64m)")
                    }
                }
                if option == "ro" { request.readOnly = true; continue }
                if option == "rw" { request.readOnly = false; continue }
                request.tmpfsOptions.append(option)
            }
        }
        return request
    }

    // MARK: helpers

    static func checkTarget(_ target: String, flag: String) throws(KitError) {
        guard target.hasPrefix("/") else {
            throw .usage("\(flag): invalid mount path: '\(target)' mount path must be absolute")
        }
        if target.split(separator: "/").contains("..") {
            throw .usage("\(flag): invalid mount path: '\(target)' must not contain '..'")
        }
        if normalize(target) == "/" { throw .usage("\(flag): invalid mount path: destination can't be '/'") }
    }

    /// "/a//b/./c/" → "/a/b/c".
    static func normalize(_ path: String) -> String {
        "/" + path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }
}

/// A mount as the container record keeps it (and `inspect` shows it): resolved, with host paths.
public struct MountPoint: Codable, Sendable, Equatable {
    /// Volume, bind or tmpfs.
    public var type: MountRequest.Kind
    /// The volume's name (volumes only).
    public var name: String?
    /// Host path: the volume's `_data` or the bind source ("" for tmpfs).
    public var source: String
    /// The absolute path in the container.
    public var destination: String
    /// Whether it is mounted read-only.
    public var readOnly: Bool
    /// An anonymous volume: removed with the container by `rm -v` and `--rm`.
    public var anonymous: Bool?
    /// A bind's propagation (`rprivate` when nil).
    public var propagation: String?
    /// tmpfs options.
    public var options: [String]?
    /// A bind from `-v` (or `bind-create-src`): a missing host path is made again at start, as Docker does.
    public var createSource: Bool?
    /// A bind's recursion (nil: enabled, Docker's default).
    public var recursion: MountRequest.BindRecursion?
    /// A volume with the local driver's options that mounts a filesystem: its type (`source` is the
    /// device, `options` the `o` list).
    public var filesystemType: String?

    /// A mount of `type` from `source` at `destination`.
    public init(type: MountRequest.Kind, name: String? = nil, source: String, destination: String, readOnly: Bool) {
        self.type = type
        self.name = name
        self.source = source
        self.destination = destination
        self.readOnly = readOnly
    }
}
