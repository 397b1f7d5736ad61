/// Skiff's extensions to config.json, carried as annotations as the runtime spec allows.
public enum SkiffAnnotations {
    /// overlayfs options (lowerdir=…,upperdir=…,workdir=…) that the container's init mounts on
    /// root.path inside its own mount namespace before anything else, so a container made from an image
    /// never leaves a mount on the host, even when Skiff is killed.
    public static let rootfsOverlay = "run.skiff.rootfs.overlay"
    /// The directory relative lowerdirs in `rootfsOverlay` are resolved from.
    public static let rootfsOverlayDirectory = "run.skiff.rootfs.overlay.dir"
}
