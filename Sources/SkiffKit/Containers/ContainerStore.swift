import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Container records under `<root>/containers/<id>/`, written atomically; names are unique, checked
/// and claimed under one lock so concurrent `skiff run --name` never hand out the same name.
public struct ContainerStore: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public func directory(of id: String) -> String { root + "/" + id }
    var lockPath: String { root + "/.lock" }

    public func load(id: String) throws(KitError) -> Container {
        let path = directory(of: id) + "/container.json"
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch {
            if error.errno == ENOENT { throw .notFound("No such container: \(id)") }
            throw .system(error)
        }
        do { return try KitJSON.decode(Container.self, from: bytes) } catch {
            throw .system(SystemError("decode container record", path: path, errno: EINVAL))
        }
    }

    public func save(_ container: Container) throws(KitError) {
        let path = directory(of: container.id) + "/container.json"
        let bytes: [UInt8]
        do { bytes = try KitJSON.encode(container) } catch {
            throw .system(SystemError("encode container record", path: path, errno: EINVAL))
        }
        do { try FileIO.writeAtomically(path, contents: bytes) } catch { throw .system(error) }
    }

    public func all() -> [Container] {
        guard let dir = opendir(root) else { return [] }
        var ids: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if !name.hasPrefix(".") { ids.append(name) }
        }
        closedir(dir)
        return ids.compactMap { try? load(id: $0) }
    }

    /// Find a container by name, full ID or unique ID prefix.
    public func find(_ nameOrID: String) throws(KitError) -> Container {
        let containers = all()
        if let c = containers.first(where: { $0.name == nameOrID || $0.id == nameOrID }) { return c }
        let matches = containers.filter { $0.id.hasPrefix(nameOrID) }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 { throw .usage("container ID prefix \(nameOrID) matches \(matches.count) containers; give more digits") }
        throw .notFound("No such container: \(nameOrID)")
    }

    /// Make the container's directory and first record, claiming its name.
    public func create(_ container: Container) throws(KitError) {
        do { try FileIO.makeDirectories(root, mode: 0o711) } catch { throw .system(error) }
        let lock: FileLock
        do { lock = try FileLock(lockPath) } catch { throw .system(error) }
        defer { lock.unlock() }
        if let other = all().first(where: { $0.name == container.name }) {
            throw .nameInUse(container.name, id: other.id)
        }
        if mkdir(directory(of: container.id), 0o711) != 0 {
            throw .system(SystemError("mkdir", path: directory(of: container.id)))
        }
        try save(container)
    }

    /// Claim a fresh random name under the lock (after a concurrent run drew the same one); returns it.
    public func createWithFreshName(_ container: Container) throws(KitError) -> String {
        let lock: FileLock
        do { lock = try FileLock(lockPath) } catch { throw .system(error) }
        defer { lock.unlock() }
        var named = container
        named.name = NameGenerator.make(taken: Set(all().map(\.name)))
        if mkdir(directory(of: container.id), 0o711) != 0 {
            throw .system(SystemError("mkdir", path: directory(of: container.id)))
        }
        try save(named)
        return named.name
    }

    /// Read, change and write a record under the container's own lock, so the monitor's helpers and
    /// concurrent CLI commands never lose each other's changes. Returns the record as written.
    @discardableResult
    public func update(id: String, _ change: (inout Container) throws(KitError) -> Void) throws(KitError) -> Container {
        let lock: FileLock
        do { lock = try FileLock(directory(of: id) + "/lock") } catch {
            if error.errno == ENOENT { throw .notFound("No such container: \(id)") }
            throw .system(error)
        }
        defer { lock.unlock() }
        var container = try load(id: id)
        try change(&container)
        try save(container)
        return container
    }

    /// Rename under the store's lock (names stay unique).
    public func rename(id: String, to name: String) throws(KitError) {
        let lock: FileLock
        do { lock = try FileLock(lockPath) } catch { throw .system(error) }
        defer { lock.unlock() }
        if let other = all().first(where: { $0.name == name && $0.id != id }) {
            throw .nameInUse(name, id: other.id)
        }
        try update(id: id) { $0.name = name }
    }

    public func remove(id: String) {
        FileIO.removeTree(directory(of: id))
    }
}
