import Crypto
import SkiffOCI
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Blobs by digest: `<root>/sha256/<hex>`. Every blob is verified while it is written (digest and,
/// when known, size) and only then renamed into place, so the store never holds a blob whose name
/// does not match its content, nor half a blob.
public struct ContentStore: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public func path(of digest: Digest) -> String { root + "/sha256/" + digest.hex }

    public func contains(_ digest: Digest) -> Bool { FileIO.exists(path(of: digest)) }

    /// The size of a stored blob, nil when it is missing.
    public func size(of digest: Digest) -> Int64? {
        var st = stat()
        guard stat(path(of: digest), &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    public func read(_ digest: Digest) throws(ImageError) -> [UInt8] {
        do { return try FileIO.read(path(of: digest)) } catch {
            if error.errno == ENOENT { throw .blobNotFound(digest) }
            throw .system(error)
        }
    }

    /// Store bytes held in memory; returns their digest. With `expected`, a mismatch is an error.
    @discardableResult
    public func write(_ bytes: [UInt8], expected: Digest? = nil) throws(ImageError) -> Digest {
        // A blob already stored is not written again (as `ingest` does): a cached rebuild commits the
        // same config and manifest it committed last time, and each write is a new file, an fsync and a
        // rename.
        if expected == nil {
            let digest = Digest.of(bytes)
            if contains(digest) { return digest }
        }
        let writer = try BlobWriter(
            store: self, expected: expected, expectedSize: expected == nil ? nil : Int64(bytes.count))
        try writer.write(bytes)
        return try writer.commit()
    }

    /// Store a JSON document as a blob and describe it.
    public func writeJSON<T: Encodable>(_ value: T, mediaType: String) throws(ImageError) -> Descriptor {
        let bytes = try JSON.encode(value)
        let digest = try write(bytes)
        return Descriptor(mediaType: mediaType, digest: digest.description, size: Int64(bytes.count))
    }

    public func readJSON<T: Decodable>(_ type: T.Type, _ digest: Digest) throws(ImageError) -> T {
        try JSON.decode(type, from: try read(digest), what: "blob \(digest)")
    }

    /// A manifest, config or other blob read without Codable when it can be (`JSONViewReadable`).
    package func readJSON<T: JSONViewReadable>(_ type: T.Type, _ digest: Digest) throws(ImageError) -> T {
        try JSON.decode(type, from: try read(digest), what: "blob \(digest)")
    }

    /// Store a file (by copying it) verifying `expected` when given. The source is left as it is.
    @discardableResult
    public func ingest(file source: String, expected: Digest? = nil, expectedSize: Int64? = nil) throws(ImageError)
        -> Digest
    {
        if let expected, contains(expected) { return expected }
        let fd = open(source, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .system(SystemError("open", path: source)) }
        defer { close(fd) }
        let writer = try BlobWriter(store: self, expected: expected, expectedSize: expectedSize)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = SystemError("read", path: source)
                writer.abort()
                throw .system(e)
            }
            if n == 0 { break }
            try writer.write(buffer[0..<n])
        }
        return try writer.commit()
    }

    public func delete(_ digest: Digest) {
        unlink(path(of: digest))
    }

    /// Every digest in the store.
    public func all() -> [Digest] {
        guard let dir = opendir(root + "/sha256") else { return [] }
        defer { closedir(dir) }
        var out: [Digest] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let d = try? Digest(hex: name) { out.append(d) }
        }
        return out
    }
}

/// A blob being written: hashed as it goes, committed under its digest, or aborted leaving nothing.
public final class BlobWriter {
    let store: ContentStore
    let expected: Digest?
    let expectedSize: Int64?
    let tempPath: String
    private var fd: Int32
    private var hasher = SHA256()
    public private(set) var written: Int64 = 0

    public init(store: ContentStore, expected: Digest?, expectedSize: Int64?) throws(ImageError) {
        self.store = store
        self.expected = expected
        self.expectedSize = expectedSize
        let ingest = store.root + "/ingest"
        do {
            try FileIO.makeDirectories(store.root + "/sha256", mode: 0o700)
            try FileIO.makeDirectories(ingest, mode: 0o700)
        } catch { throw .system(error) }
        do { (fd, tempPath) = try FileIO.makeTemporaryFile(in: ingest, prefix: "blob-") } catch { throw .system(error) }
    }

    public func write<Bytes: Collection>(_ bytes: Bytes) throws(ImageError) where Bytes.Element == UInt8 {
        let chunk = Array(bytes)
        hasher.update(data: chunk)
        do { try FileIO.writeAll(fd: fd, bytes: chunk, path: tempPath) } catch {
            abort()
            throw .system(error)
        }
        written += Int64(chunk.count)
        if let expectedSize, written > expectedSize {
            abort()
            throw .sizeMismatch(digest: expected?.description ?? "?", expected: expectedSize, actual: written)
        }
    }

    /// Check the digest and size, then move the blob into place.
    @discardableResult
    public func commit() throws(ImageError) -> Digest {
        let digest = Digest(finalized: hasher)
        defer { if fd >= 0 { close(fd); fd = -1 } }
        if let expectedSize, written != expectedSize {
            abort()
            throw .sizeMismatch(
                digest: expected?.description ?? digest.description, expected: expectedSize, actual: written)
        }
        if let expected, expected != digest {
            abort()
            throw .digestMismatch(expected: expected.description, actual: digest.description)
        }
        if fsync(fd) != 0 {
            let e = SystemError("fsync", path: tempPath)
            abort()
            throw .system(e)
        }
        fchmod(fd, 0o644)
        if rename(tempPath, store.path(of: digest)) != 0 {
            let e = SystemError("rename blob to", path: store.path(of: digest))
            abort()
            throw .system(e)
        }
        return digest
    }

    /// Drop the partial blob.
    public func abort() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(tempPath)
    }

    deinit {
        if fd >= 0 { close(fd); unlink(tempPath) }
    }
}
