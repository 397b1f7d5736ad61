import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// A local volume as `skiff volume inspect` shows it (Docker's field names).
public struct Volume: Codable, Sendable, Equatable {
    /// The volume's name (64 hex digits for an anonymous one).
    public var Name: String
    /// Always `local`.
    public var Driver: String
    /// The host directory holding its data.
    public var Mountpoint: String
    /// When it was created (RFC 3339).
    public var CreatedAt: String
    /// Its labels.
    public var Labels: [String: String]
    /// Always `local`.
    public var Scope: String
    /// The local driver's options (`type`, `device`, `o`: see `LocalVolumeOptions`); empty for a plain volume.
    public var Options: [String: String]
    /// Made for an image VOLUME or `-v /path` (Docker labels these com.docker.volume.anonymous): removed
    /// with the container by `rm -v` and `--rm`.
    public var Anonymous: Bool?
}

/// Volumes under `<root>/volumes/<name>/`: the data in `_data/`, the record in `volume.json`.
///
/// A volume appears whole or not at all: it is made in a temporary directory beside the others and
/// renamed into place (rename(2) refuses when the name exists, so two concurrent first uses of a name
/// share one volume). Removals and the in-use checks of `volume rm` take `volumes/.lock`, and so does
/// a container's create while it records which volumes it uses.
package struct VolumeStore: Sendable {
    package let root: String

    package init(root: String) {
        self.root = root
    }

    package func directory(of name: String) -> String { root + "/" + name }
    package func dataPath(of name: String) -> String { directory(of: name) + "/_data" }
    var lockPath: String { root + "/.lock" }

    /// Docker's rule for local volume names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
    package static func isValidName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard scalars.count >= 2, scalars.allSatisfy({ $0.isASCII }) else { return false }
        func alnum(_ s: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
        }
        return alnum(scalars[0]) && scalars.dropFirst().allSatisfy { alnum($0) || "_.-".unicodeScalars.contains($0) }
    }

    package static func invalidNameMessage(_ name: String) -> String {
        "\"\(name)\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path"
    }

    package func load(_ name: String) throws(KitError) -> Volume {
        guard Self.isValidName(name) else { throw .notFound("no such volume: \(name)") }
        let path = directory(of: name) + "/volume.json"
        let bytes: [UInt8]
        func unreadable(_ reason: String) -> KitError {
            .unreadableRecord(UnreadableRecord(kind: "volume", name: name, path: path, reason: reason))
        }
        do { bytes = try FileIO.read(path) } catch {
            if error.errno == ENOENT || error.errno == ENOTDIR { throw .notFound("no such volume: \(name)") }
            throw unreadable(String(cString: strerror(error.errno)))
        }
        do { return try KitJSON.decode(Volume.self, from: bytes) } catch {
            throw unreadable(KitJSON.reason(error))
        }
    }

    package func exists(_ name: String) -> Bool { (try? load(name)) != nil }

    /// Every volume, by name.
    package func all() -> [Volume] { listing().records }

    /// Every volume by name, and every record that cannot be read.
    package func listing() -> RecordListing<Volume> {
        var out = RecordListing<Volume>(records: [], unreadable: [])
        for name in FileIO.visibleEntries(root).sorted() {
            do { out.records.append(try load(name)) } catch {
                if case .unreadableRecord(let record) = error { out.unreadable.append(record) }
            }
        }
        return out
    }

    /// Create `name` unless it exists. Returns the volume and whether this call made it.
    @discardableResult
    package func create(
        _ name: String, labels: [String: String] = [:], anonymous: Bool = false, options: [String: String] = [:]
    ) throws(KitError) -> (
        volume: Volume, created: Bool
    ) {
        guard Self.isValidName(name) else { throw .usage("create \(name): " + Self.invalidNameMessage(name)) }
        if let existing = try? load(name) { return (existing, false) }
        do { try FileIO.makeDirectories(root, mode: 0o701) } catch { throw .system(error) }
        let staging: String
        do { staging = try FileIO.makeTemporaryDirectory(in: root, prefix: ".new-") } catch { throw .system(error) }
        var volume = Volume(
            Name: name, Driver: "local", Mountpoint: dataPath(of: name), CreatedAt: Timestamp.now(),
            Labels: labels, Scope: "local", Options: options, Anonymous: anonymous ? true : nil)
        if anonymous { volume.Labels["com.docker.volume.anonymous"] = "" }
        do throws(SystemError) {
            _ = chmod(staging, 0o701)
            if mkdir(staging + "/_data", 0o755) != 0 { throw SystemError("mkdir", path: staging + "/_data") }
            let bytes: [UInt8]
            do { bytes = try KitJSON.encode(volume) } catch {
                throw SystemError("encode volume record", path: staging, errno: EINVAL)
            }
            try FileIO.writeAtomically(staging + "/volume.json", contents: bytes)
        } catch {
            FileIO.removeTree(staging)
            throw .system(error)
        }
        if rename(staging, directory(of: name)) != 0 {
            let err = errno
            FileIO.removeTree(staging)
            if err == EEXIST || err == ENOTEMPTY, let existing = try? load(name) { return (existing, false) }
            throw .system(SystemError("rename volume into place", path: directory(of: name), errno: err))
        }
        return (volume, true)
    }

    /// Remove the volume's directory: renamed aside first (so the name is free at once and a half-removed
    /// tree is never taken for a volume), then deleted.
    package func removeFiles(_ name: String) throws(KitError) {
        guard Self.isValidName(name), FileIO.exists(directory(of: name)) else {
            throw .notFound("no such volume: \(name)")
        }
        let aside = root + "/.rm-\(name)-\(NameGenerator.makeID().prefix(8))"
        if rename(directory(of: name), aside) != 0 { throw .system(SystemError("rename", path: directory(of: name))) }
        FileIO.removeTree(aside)
    }

    /// Run `body` holding the volumes lock.
    func locked<T>(_ body: () throws(KitError) -> T) throws(KitError) -> T {
        do { try FileIO.makeDirectories(root, mode: 0o701) } catch { throw .system(error) }
        let lock: FileLock
        do { lock = try FileLock(lockPath) } catch { throw .system(error) }
        defer { lock.unlock() }
        return try body()
    }

    /// True when the volume's data directory has no entries.
    package func isEmpty(_ name: String) -> Bool { Self.isEmptyDirectory(dataPath(of: name)) }

    static func isEmptyDirectory(_ path: String) -> Bool {
        guard let dir = opendir(path) else { return true }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { return false }
        }
        return true
    }
}
