/// One `--mount` as Docker's CLI hands it to the engine (moby's api/types/mount Mount), which `inspect`
/// shows in HostConfig.Mounts. Unset fields are left out, as Docker's `omitempty` leaves them out.
public struct MountFlagSpec: Codable, Sendable, Equatable {
    /// A bind's options (`bind-*` keys); present when one was given.
    public struct BindOptions: Codable, Sendable, Equatable {
        /// `bind-propagation`.
        public var Propagation: String?
        /// `bind-recursive=disabled` / `bind-nonrecursive`.
        public var NonRecursive: Bool?
        /// `bind-create-src`.
        public var CreateMountpoint: Bool?
        /// `bind-recursive=writable`.
        public var ReadOnlyNonRecursive: Bool?
        /// `bind-recursive=readonly`.
        public var ReadOnlyForceRecursive: Bool?
    }
    /// The volume driver and its options.
    public struct Driver: Codable, Sendable, Equatable {
        /// `volume-driver`.
        public var Name: String?
        /// `volume-opt`s.
        public var Options: [String: String]?
    }
    /// A volume's options (`volume-*` keys); docker/cli always adds an empty DriverConfig with them.
    public struct VolumeOptions: Codable, Sendable, Equatable {
        /// `volume-nocopy`.
        public var NoCopy: Bool?
        /// `volume-label`s.
        public var Labels: [String: String]?
        /// The driver's name and options.
        public var DriverConfig = Driver()
    }
    /// A tmpfs's options (`tmpfs-*` keys).
    public struct TmpfsOptions: Codable, Sendable, Equatable {
        /// `tmpfs-size` in bytes.
        public var SizeBytes: Int64?
        /// `tmpfs-mode` (permission bits).
        public var Mode: UInt32?
    }

    /// volume, bind or tmpfs.
    public var `Type`: String
    /// `source` as given.
    public var Source: String?
    /// `target` as given.
    public var Target: String?
    /// `readonly` (true only).
    public var ReadOnly: Bool?
    /// The `bind-*` keys.
    public var BindOptions: BindOptions?
    /// The `volume-*` keys.
    public var VolumeOptions: VolumeOptions?
    /// The `tmpfs-*` keys.
    public var TmpfsOptions: TmpfsOptions?

    /// A `--mount` of `type` from `source` at `target`, with no options yet.
    public init(type: String, source: String?, target: String?) {
        self.Type = type
        self.Source = source
        self.Target = target
    }
}

extension MountFlagSpec.BindOptions {
    /// The options a bind's recursion stands for in Docker's API.
    mutating func set(_ recursion: MountRequest.BindRecursion) {
        switch recursion {
        case .enabled: break
        case .disabled: NonRecursive = true
        case .writable: ReadOnlyNonRecursive = true
        case .readonly: ReadOnlyForceRecursive = true
        }
    }
}
