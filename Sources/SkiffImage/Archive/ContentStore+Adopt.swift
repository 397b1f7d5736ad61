import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

extension ContentStore {
    /// The directory for files on their way into the store (same filesystem, so they can be renamed in).
    var ingestDirectory: String { root + "/ingest" }

    /// Move a staged file into the store under `digest`, which the caller computed while writing it (and
    /// fsynced it). When the blob is already there the staged copy is just removed.
    func adopt(file: String, digest: Digest) throws(ImageError) {
        do { try FileIO.makeDirectories(root + "/sha256", mode: 0o700) } catch { throw .system(error) }
        if contains(digest) {
            unlink(file)
            return
        }
        chmod(file, 0o644)
        if rename(file, path(of: digest)) != 0 { throw .system(SystemError("rename blob to", path: path(of: digest))) }
    }
}
