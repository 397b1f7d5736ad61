import SkiffImage
import SkiffRuntime
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff diff`: what the container changed in its filesystem, from its overlay upper directory (walked by
/// fd, see WritableLayer) against its image's layers (FilesystemChanges has Docker's rules). Running or
/// stopped alike: the upper directory is on the host either way.
extension Engine {
    /// The container's changes against its image, in `docker diff`'s order.
    public func changes(_ nameOrID: String) throws(KitError) -> [FilesystemChange] {
        try writableLayerChanges(of: try container(nameOrID)).changes
    }

    /// The container's writable layer and its changes.
    func writableLayerChanges(of c: Container) throws(KitError) -> (layer: WritableLayer, changes: [FilesystemChange]) {
        let layer = WritableLayer(directory: containers.directory(of: c.id) + "/upper")
        let entries: [WritableLayer.Entry]
        do { entries = try layer.entries() } catch { throw .image(error) }
        let image = ImageFilesystem(layersTopFirst: c.layerChainIDs.reversed().map { layers.diffPath(chainID: $0) })
        let changes = FilesystemChanges.compute(
            upper: entries, below: { Self.below(image, $0) }, mountPoints: mountPoints(of: c))
        return (layer, changes)
    }

    /// What the image has at `path`; its directories' metadata for the unchanged-directory rule.
    static func below(_ image: ImageFilesystem, _ path: String) -> FilesystemChanges.Below? {
        var st = stat()
        switch image.lookup(path) {
        case .missing:
            return nil
        case .directory(let host):
            // An image's layer directory: unpacked by skiff, not the container's.
            guard lstat(host, &st) == 0 else { return nil }
            return FilesystemChanges.Below(isDirectory: true, metadata: WritableLayer.Metadata(st))
        case .file(let host), .symlink(let host):
            guard lstat(host, &st) == 0 else { return nil }
            return FilesystemChanges.Below(isDirectory: false, metadata: WritableLayer.Metadata(st))
        }
    }

    /// Where the runtime mounts something over the container's filesystem (its spec's mounts: /proc, /dev,
    /// /etc/hosts, /etc/hostname, /etc/resolv.conf, volumes, binds, tmpfs), and /.dockerenv: not the
    /// container's changes.
    func mountPoints(of c: Container) -> [String] {
        let standard = ["/etc/hosts", "/etc/hostname", "/etc/resolv.conf", Self.containerMarker]
        guard let spec = try? SpecFile.load(bundle: containers.directory(of: c.id)) else { return standard }
        return standard + (spec.mounts ?? []).map { InRootPath.clean($0.destination) }
    }
}
