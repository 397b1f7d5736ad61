import Crypto
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// The files of an archive being loaded, copied out of the tar stream into a private directory inside
/// the content store's ingest area and hashed on the way. Nothing here is visible as a blob until the
/// loader has checked the whole archive and adopts what it needs; the rest goes with `remove()`.
final class ArchiveStaging {
    struct File {
        /// Where the bytes are on disk.
        var path: String
        var digest: Digest
        var size: Int64
    }

    let directory: String
    let archive: String
    /// Regular files by normalized archive path.
    private(set) var files: [String: File] = [:]
    /// Symlinks and hard links by normalized archive path → the archive path they name.
    private(set) var links: [String: String] = [:]
    private var counter = 0

    init(content: ContentStore, archive: String) throws(ImageError) {
        self.archive = archive
        do {
            try FileIO.makeDirectories(content.root + "/sha256", mode: 0o700)
            try FileIO.makeDirectories(content.ingestDirectory, mode: 0o700)
            directory = try FileIO.makeTemporaryDirectory(in: content.ingestDirectory, prefix: "load-")
        } catch { throw .system(error) }
    }

    deinit { remove() }

    func remove() { FileIO.removeTree(directory) }

    /// Read every entry of the archive; refuses paths or links that leave it and entries that are
    /// neither files, directories nor links.
    func read(_ reader: TarStreamReader) throws(ImageError) {
        while let entry = try reader.next() {
            let path = try ArchiveMemberPath.normalize(entry.path, archive: archive)
            switch entry.kind {
            case .directory:
                continue
            case .symlink:
                links[path] = try ArchiveMemberPath.resolve(symlink: entry.linkTarget ?? "", at: path, archive: archive)
            case .hardlink:
                links[path] = try ArchiveMemberPath.normalize(entry.linkTarget ?? "", archive: archive)
            case .file:
                if path.isEmpty { continue }
                files[path] = try stage(reader, name: path)
                links.removeValue(forKey: path)
            case .other:
                throw .invalidContent(
                    "\(archive): archive entry \"\(entry.path)\" is a device, FIFO or socket; an image archive holds only files, directories and links"
                )
            }
        }
    }

    /// The regular file an archive path names, following links (at most 16).
    func file(_ name: String) throws(ImageError) -> File {
        var path = try ArchiveMemberPath.normalize(name, archive: archive)
        for _ in 0..<16 {
            if let f = files[path] { return f }
            guard let next = links[path] else {
                throw .invalidContent("\(archive): the archive names \"\(name)\" but does not contain it")
            }
            path = next
        }
        throw .invalidContent("\(archive): \"\(name)\": too many levels of links")
    }

    func contains(_ name: String) -> Bool { (try? file(name)) != nil }

    /// A small file's bytes (JSON documents).
    func bytes(_ name: String) throws(ImageError) -> [UInt8] {
        let f = try file(name)
        guard f.size <= 64 << 20 else {
            throw .invalidContent("\(archive): \(name) is too large for a metadata document")
        }
        do { return try FileIO.read(f.path) } catch { throw .system(error) }
    }

    private func stage(_ reader: TarStreamReader, name: String) throws(ImageError) -> File {
        counter += 1
        let path = directory + "/\(counter)"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 { throw .system(SystemError("create", path: path)) }
        defer { close(fd) }
        var hasher = SHA256()
        var size: Int64 = 0
        try reader.readData { (block) throws(ImageError) in
            hasher.update(bufferPointer: block)
            do throws(SystemError) {
                try FileIO.writeAll(fd: fd, bytes: UnsafeRawBufferPointer(block), path: path)
            } catch { throw .system(error) }
            size += Int64(block.count)
        }
        if fsync(fd) != 0 { throw .system(SystemError("fsync", path: path)) }
        return File(path: path, digest: Digest(finalized: hasher), size: size)
    }
}
