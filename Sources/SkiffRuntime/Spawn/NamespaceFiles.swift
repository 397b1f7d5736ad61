#if canImport(Glibc)
import Glibc
#endif

/// The namespace files of a LaunchConfig's joins, opened for the spawn (planning records only their
/// paths). `fds[i]` belongs to `joins[i]`; close them once the child is spawned.
public struct NamespaceFiles: Sendable {
    public private(set) var fds: [Int32] = []

    /// A join whose file could not be opened.
    public struct OpenError: Error, Equatable {
        public var join: LaunchConfig.Join
        public var errno: Int32
    }

    public init() {}

    /// Open every join's file, read-only and close-on-exec; on a failure the ones opened are closed.
    public static func open(_ joins: [LaunchConfig.Join]) throws(OpenError) -> NamespaceFiles {
        var files = NamespaceFiles()
        for join in joins {
            let fd = Glibc.open(join.path, O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                let error = OpenError(join: join, errno: errno)
                files.close()
                throw error
            }
            files.fds.append(fd)
        }
        return files
    }

    public mutating func close() {
        for fd in fds { Glibc.close(fd) }
        fds.removeAll()
    }
}
