import Logging
import SkiffImage

#if canImport(Glibc)
import Glibc
#endif

/// Where the non-OCI commands keep their state, and the stores they open: `$SKIFF_ROOT` (default
/// /var/lib/skiff) as DESIGN.md lays it out.
enum SkiffContext {
    /// The state root: `--root` is runc's flag and belongs to `skiff oci`; the rest uses SKIFF_ROOT.
    static var stateRoot: String {
        if let env = getenv("SKIFF_ROOT"), env.pointee != 0 { return String(cString: env) }
        return "/var/lib/skiff"
    }

    static func imageStore() -> ImageStore { ImageStore(root: stateRoot) }

    static func logger(_ label: String) -> Logger { Logger(label: "skiff." + label) }
}
