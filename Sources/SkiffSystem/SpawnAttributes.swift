#if canImport(Glibc)
import Glibc
#endif

/// posix_spawn attributes for a helper program (monitor, ip, nft): every signal back to its default
/// disposition and an empty mask — the CLI blocks the signals it forwards, and a child must not inherit that.
public final class SpawnAttributes {
    public var attr = posix_spawnattr_t()

    public init() {
        posix_spawnattr_init(&attr)
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
    }

    deinit { posix_spawnattr_destroy(&attr) }
}
