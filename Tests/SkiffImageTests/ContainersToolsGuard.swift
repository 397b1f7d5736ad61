import Foundation
import SkiffImage

#if canImport(Glibc)
import Glibc
#endif

/// podman and skopeo (containers/image) write outside any --root: a blob-info cache in
/// /var/lib/containers/cache (a fixed path for root) and /run/containers. A test that runs either holds
/// this guard: one such test at a time (a flock on the podman binary, which the runtime suite's podman
/// test takes too), and what it made there is removed afterwards.
enum ContainersToolsGuard {
    static let globalDirs = ["/var/lib/containers", "/run/containers"]

    static func run<T>(_ body: () throws -> T) rethrows -> T {
        let lock = open("/usr/bin/podman", O_RDONLY | O_CLOEXEC)
        if lock >= 0 { flock(lock, LOCK_EX) }
        defer { if lock >= 0 { close(lock) } }
        let preexisting = globalDirs.filter { FileManager.default.fileExists(atPath: $0) }
        defer { for path in globalDirs where !preexisting.contains(path) { FileIO.removeTree(path) } }
        return try body()
    }
}
