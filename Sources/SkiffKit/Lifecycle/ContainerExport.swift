import SkiffImage
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff export`: the container's whole filesystem (its image's layers under its writable layer, as the
/// container sees it without its mounts: no volume, bind or /proc) as a tar, which `skiff import` turns
/// back into an image. The layers are merged by a read-only overlay of this thread's own (ReadOnlyOverlay),
/// running or stopped alike, and the tree is written by fd (TreeArchive): nothing in it is followed.
extension Engine {
    /// Write the tar to `fd`; `what` names the destination in errors.
    public func export(_ nameOrID: String, to fd: Int32, what: String) throws(KitError) {
        let c = try container(nameOrID)
        let dir = containers.directory(of: c.id)
        var lowers = [dir + "/upper"] + c.layerChainIDs.reversed().map { layers.diffPath(chainID: $0) }
        if lowers.count == 1 {
            // An image with no layers: overlay wants two lowers when there is no upper.
            do { try FileIO.makeDirectories(layers.root + "/empty", mode: 0o755) } catch { throw .system(error) }
            lowers.append(layers.root + "/empty")
        }
        let root: Int32
        do { root = try ReadOnlyOverlay.open(lowers: lowers, mountpoint: dir + "/rootfs") } catch {
            throw .system(error)
        }
        defer { close(root) }
        do { try TreeArchive.write(root: root, to: fd, what: what) } catch { throw .image(error) }
        events.record(container: c, "export")
    }
}
