#if canImport(Glibc)
import Glibc
#endif

/// The environment a monitor (and the skiff it runs) is spawned with: the caller's, with SKIFF_ROOT set
/// to the engine's state root, so the helpers it starts use the same root. C strings for posix_spawn,
/// nil-terminated; the caller frees them (`free` each).
enum MonitorEnvironment {
    static func cStrings(stateRoot: String) -> [UnsafeMutablePointer<CChar>?] {
        var env: [UnsafeMutablePointer<CChar>?] = []
        var p = environ
        while let entry = p.pointee {
            if strncmp(entry, "SKIFF_ROOT=", 11) != 0 { env.append(strdup(entry)) }
            p += 1
        }
        return env + [strdup("SKIFF_ROOT=" + stateRoot), nil]
    }
}
