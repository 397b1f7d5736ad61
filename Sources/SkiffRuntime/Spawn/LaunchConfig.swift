/// Everything the C shim does between clone() and execve(), decided in Swift. A value of plain data:
/// `Spawner` copies it into the C structure, and nothing in it is re-derived in the child.
public struct LaunchConfig: Sendable, Equatable {
    public struct Mount: Sendable, Equatable {
        public enum TargetKind: Int32, Sendable { case none = 0, directory = 1, file = 2 }
        public var source: String?
        public var target: String
        public var fstype: String?
        public var data: String?
        public var flags: UInt
        public var bindRemountFlags: UInt = 0
        public var propagation: UInt = 0
        public var targetKind: TargetKind = .directory
        /// MOUNT_ATTR_* set / cleared recursively after mounting (rro, rnosuid...).
        public var recursiveAttrSet: UInt32 = 0
        public var recursiveAttrClear: UInt32 = 0
        /// Asked read-only, mounted rw and made read-only once the devices and links are in (runc's order).
        public var readonlyLast = false
    }

    public struct Device: Sendable, Equatable {
        public var path: String
        public var mode: UInt32  // S_IFCHR/S_IFBLK/S_IFIFO | permission bits
        public var major: UInt32
        public var minor: UInt32
        public var uid: UInt32 = 0
        public var gid: UInt32 = 0
        public var bindFromHost = false
    }

    /// A namespace to enter by its file (`linux.namespaces[].path`, or /proc/PID/ns/… for exec).
    /// The file is opened when the plan is carried out (`NamespaceFiles`), not while planning.
    public struct Join: Sendable, Equatable {
        public var path: String
        public var kind: NamespaceKind
    }

    public struct Symlink: Sendable, Equatable {
        public var target: String
        public var link: String
    }

    /// A sysctl as a path under /proc/sys ("net/ipv4/ip_forward").
    public struct Sysctl: Sendable, Equatable {
        public var path: String
        public var value: String
    }

    public struct Rlimit: Sendable, Equatable {
        public var resource: Int32
        public var soft: UInt64
        public var hard: UInt64
    }

    /// Descriptors for the process's stdin, stdout and stderr; -1 passes the caller's through.
    public struct StandardIO: Sendable, Equatable {
        public var `in`: Int32 = -1
        public var out: Int32 = -1
        public var err: Int32 = -1

        public init(in: Int32 = -1, out: Int32 = -1, err: Int32 = -1) {
            self.in = `in`
            self.out = out
            self.err = err
        }

        public init(_ fds: (in: Int32, out: Int32, err: Int32)) {
            self.init(in: fds.in, out: fds.out, err: fds.err)
        }
    }

    /// A terminal's rows and columns (0: leave as it is).
    public struct TerminalSize: Sendable, Equatable {
        public var rows: UInt16 = 0
        public var columns: UInt16 = 0

        public init(rows: UInt16 = 0, columns: UInt16 = 0) {
            self.rows = rows
            self.columns = columns
        }
    }

    // Namespaces
    public var cloneFlags: UInt64 = 0
    /// Bring `lo` up in a network namespace the child creates.
    public var loopbackUp = false
    public var joins: [Join] = []
    public var unshareCgroup = false

    // Filesystem (rootfs nil: a process joining a running container)
    public var rootfs: String?
    /// `--no-pivot`: the rootfs is moved onto "/" and chrooted into (runc's MS_MOVE), after detaching
    /// `noPivotDetach` (the host's procfs and sysfs mounts outside the rootfs).
    public var useChroot = false
    public var noPivotDetach: [String] = []
    public var rootfsPropagation: UInt = 0
    /// linux.rootfsPropagation as given, for the container's "/" after pivot_root (0: not set).
    public var rootfsPropagationAfterPivot: UInt = 0
    /// No mount namespace in the spec: the mounts go under the rootfs in the host's, then chroot (as runc).
    public var hostMountNamespace = false
    /// Overlay options the child mounts on `rootfs` first (see RootfsPlanner.overlayAnnotation).
    public var rootfsOverlayOptions: String?
    public var rootfsOverlayDirectory: String?
    public var rootReadonly = false
    public var mounts: [Mount] = []
    public var devices: [Device] = []
    public var symlinks: [Symlink] = []
    public var maskedPaths: [String] = []
    public var readonlyPaths: [String] = []
    public var hostname: String?
    public var domainname: String?
    public var sysctls: [Sysctl] = []

    // Process
    public var argv: [String] = []
    public var env: [String] = []
    public var cwd: String? = "/"
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    public var additionalGids: [UInt32] = []
    public var setGroups = true
    public var umask: Int32 = -1
    public var rlimits: [Rlimit] = []
    public var oomScoreAdj: Int32?
    public var setsid = true
    public var stdio = StandardIO()
    /// Who gets the stdio pipes (nil: leave them be); see `StdioOwner`.
    public var stdioOwner: StdioOwner?
    /// The child's end of a socket pair: the child opens a terminal in the container, makes it its
    /// controlling terminal and stdio, and sends its master here (see `Terminal`); with `bindConsole`
    /// the slave is also mounted on /dev/console.
    public var terminalSocket: Int32 = -1
    public var bindConsole = false
    /// The terminal's size, set before exec.
    public var consoleSize = TerminalSize()
    public var preserveFDs: Int32 = 0

    // Security
    public var noNewPrivileges = false
    public var capabilities: CapabilityMasks?  // nil: keep the caller's
    public var seccomp: SeccompProgram?

    // Synchronisation
    public var waitForParent = true
    public var startFD: Int32 = -1
    public var debug = false
    /// OCI hooks run by the child (createContainer, startContainer) and the pause for the parent's.
    public var hooks = ChildHooks()

    public init() {}
}
