import Logging
import SkiffImage

#if canImport(Glibc)
import Glibc
#endif

/// Where the non-OCI commands keep their state, and the stores they open: `$SKIFF_ROOT` (default
/// /var/lib/skiff) as DESIGN.md lays it out.
enum SkiffContext {
    /// The state root: $SKIFF_ROOT, which `skiff --root R` sets for everything but `skiff oci` (where
    /// `--root` is runc's OCI state directory).
    static var stateRoot: String {
        if let env = getenv("SKIFF_ROOT"), env.pointee != 0 { return String(cString: env) }
        return "/var/lib/skiff"
    }

    static func imageStore() -> ImageStore { ImageStore(root: stateRoot) }

    static func logger(_ label: String) -> Logger { Logger(label: "skiff." + label) }
}
