import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Container records under `<root>/containers/<id>/`, written atomically; names are unique, checked
/// and claimed under one lock so concurrent `skiff run --name` never hand out the same name.
public struct ContainerStore: Sendable {
    /// The directory holding one directory per container (`<state root>/containers`).
    public let root: String

    /// The store under `root`.
    public init(root: String) {
        self.root = root
    }

    /// The container's directory: its record, config.json, logs and writable layer.
    public func directory(of id: String) -> String { root + "/" + id }
    var lockPath: String { root + "/.lock" }

    /// The record of container `id`.
    public func load(id: String) throws(KitError) -> Container {
        let path = recordPath(id)
        let bytes: [UInt8]
        func unreadable(_ reason: String) -> KitError {
            .unreadableRecord(UnreadableRecord(kind: "container", name: id, path: path, reason: reason))
        }
        do { bytes = try FileIO.read(path) } catch {
            if error.errno == ENOENT { throw .notFound("No such container: \(id)") }
            throw unreadable(String(cString: strerror(error.errno)))
        }
        do { return try RecentRecords.decode(Container.self, from: bytes) } catch {
            throw unreadable(KitJSON.reason(error))
        }
    }

    package func save(_ container: Container) throws(KitError) {
        let path = directory(of: container.id) + "/container.json"
        let bytes: [UInt8]
        do { bytes = try KitJSON.encode(container) } catch {
            throw .system(SystemError("encode container record", path: path, errno: EINVAL))
        }
        do { try FileIO.writeAtomically(path, contents: bytes) } catch { throw .system(error) }
    }

    /// Every readable record (what the engine acts on; `listing()` also names the unreadable ones).
    public func all() -> [Container] { listing().records }

    /// Every record, and every one that cannot be read. A directory without a record yet (being
    /// created or removed) is neither.
    package func listing() -> RecordListing<Container> {
        var out = RecordListing<Container>(records: [], unreadable: [])
        for id in FileIO.visibleEntries(root) {
            do { out.records.append(try load(id: id)) } catch {
                if case .unreadableRecord(let record) = error { out.unreadable.append(record) }
            }
        }
        return out
    }

    func recordPath(_ id: String) -> String { directory(of: id) + "/container.json" }

    /// Directories that a `create` killed half-way left without a record (it writes the record last),
    /// untouched for `age` seconds, with nothing mounted below them: what `container prune` removes.
    package func abandonedDirectories(olderThan age: Int = 3600) -> [String] {
        let mounts = ((try? FileIO.readString("/proc/self/mountinfo")) ?? "").split(separator: "\n").compactMap {
            line -> String? in
            let fields = line.split(separator: " ")
            return fields.count > 4 ? String(fields[4]) : nil
        }
        let now = time(nil)
        return FileIO.visibleEntries(root).map(directory(of:)).filter { dir in
            var st = stat()
            guard stat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, now - st.st_mtim.tv_sec > age,
                !FileIO.exists(dir + "/container.json")
            else { return false }
            return !mounts.contains { $0 == dir || $0.hasPrefix(dir + "/") }
        }
    }

    /// Find a container by name, full ID or unique ID prefix.
    /// An ID that is only an unreadable record's is that record's error, not "No such container".
    public func find(_ nameOrID: String) throws(KitError) -> Container {
        let index = nameIndex
        if let c = direct(nameOrID, index: index, load: { try? load(id: $0) }, name: \.name) { return c }
        if let c = loneIDPrefixMatch(nameOrID, index: index) { return c }
        return try find(nameOrID, in: listing())
    }

    /// `find`'s direct cases, read as an exec's subject (`ExecSubject`): nil for anything else (a short
    /// ID, no such container, a record that does not decode), which `find` then answers.
    package func findSubject(_ nameOrID: String) -> ExecSubject? {
        direct(
            nameOrID, index: nameIndex,
            load: { id in (try? FileIO.read(recordPath(id))).flatMap(ExecSubject.init(recordJSON:)) },
            name: \.name)
    }

    /// A full ID names its directory: that record alone is read (Docker also tries the full ID first), not
    /// every record, which is what makes a start cost more with each container there is. Then a name: its
    /// index entry, if the record there still has that name.
    private func direct<Record>(
        _ nameOrID: String, index: ContainerNameIndex, load: (String) -> Record?, name: (Record) -> String
    ) -> Record? {
        if nameOrID.utf8.count == 64, ContainerNameIndex.isLowerHex(nameOrID.utf8), let r = load(nameOrID) {
            return r
        }
        if let id = index.entry(nameOrID), let r = load(id), name(r) == nameOrID { return r }
        return nil
    }

    /// The one container whose ID begins with `prefix` (`exec 3f2a`, Docker's short IDs), found by the
    /// directory names alone, when no container can hold `prefix` as its name: with the index there, a
    /// name a record holds always has its entry, and `find` has just seen none. Nil (so every record is
    /// read, as before) for no match or several, a directory without a readable record, or a state
    /// root without the index. Reading every record made `exec <short ID>` cost more with each container.
    private func loneIDPrefixMatch(_ prefix: String, index: ContainerNameIndex) -> Container? {
        guard !prefix.isEmpty, prefix.utf8.count < 64, ContainerNameIndex.isLowerHex(prefix.utf8), index.exists
        else { return nil }
        let matches = FileIO.visibleEntries(root).filter { $0.hasPrefix(prefix) }
        guard matches.count == 1, let c = try? load(id: matches[0]), c.id == matches[0] else { return nil }
        return c
    }

    /// `find` for each of `names`, reading every record once (not once per name): one result each.
    package func findAll(_ names: [String]) -> [Result<Container, KitError>] {
        let found = listing()
        return names.map { name in Result { () throws(KitError) in try find(name, in: found) } }
    }

    /// Docker's order: the full ID, a name, then a unique ID prefix.
    private func find(_ nameOrID: String, in found: RecordListing<Container>) throws(KitError) -> Container {
        let containers = found.records
        if let c = containers.first(where: { $0.name == nameOrID || $0.id == nameOrID }) { return c }
        let matches = containers.filter { $0.id.hasPrefix(nameOrID) }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 {
            throw .usage("container ID prefix \(nameOrID) matches \(matches.count) containers; give more digits")
        }
        let bad = found.unreadable.filter { $0.name.hasPrefix(nameOrID) }
        if bad.count == 1 { throw .unreadableRecord(bad[0]) }
        throw .notFound("No such container: \(nameOrID)")
    }

    /// Make the container's (empty) directory, before its files are prepared in it. It has no record
    /// until `create` writes one: listings pass it by, and a failed create removes it.
    package func makeDirectory(id: String) throws(KitError) {
        do { try FileIO.makeDirectories(root, mode: 0o711) } catch { throw .system(error) }
        if mkdir(directory(of: id), 0o711) != 0 {
            throw .system(SystemError("mkdir", path: directory(of: id)))
        }
    }

    /// Write the container's record, its first and only one at create, claiming its name; with
    /// `freshName`, a random name no container has, drawn under the lock (so concurrent runs never draw
    /// the same one). The directory (`makeDirectory`) holds everything else already, so the record is
    /// written once, complete. Returns the record as written. The names are read once, under the lock.
    @discardableResult
    package func create(_ container: Container, freshName: Bool = false) throws(KitError) -> Container {
        let lock: FileLock
        do { lock = try FileLock(lockPath) } catch { throw .system(error) }
        defer { lock.unlock() }
        let index = try lockedNameIndex()
        var named = container
        if freshName {
            named.name = NameGenerator.make { holder(of: $0) != nil }
        } else if let other = holder(of: container.name) {
            throw .nameInUse(container.name, id: other)
        }
        try index.claim(named.name, id: named.id)
        do { try save(named) } catch {
            index.release(named.name, id: named.id)
            throw error
        }
        return named
    }

    /// Fail early (before a container's files are made) when `name` is taken; `create` checks again
    /// under the lock.
    package func checkNameFree(_ name: String) throws(KitError) {
        if let other = holder(of: name) { throw .nameInUse(name, id: other) }
    }

    var nameIndex: ContainerNameIndex { ContainerNameIndex(containers: root) }

    /// The index, built from the records first if this state root has none (under the store's lock).
    private func lockedNameIndex() throws(KitError) -> ContainerNameIndex {
        let index = nameIndex
        if !index.exists { try index.build(from: names()) }
        return index
    }

    /// The ID of the container named `name`: its index entry, checked against the record, or (a state
    /// root without an index, a name the index cannot hold) the records themselves.
    func holder(of name: String) -> String? {
        let index = nameIndex
        guard index.exists, ContainerNameIndex.isIndexable(name) else { return names()[name] }
        guard let id = index.entry(name) else { return nil }
        return recordName(id) == name ? id : nil
    }

    /// Every readable record's name → its ID. Decodes only those two fields of each record.
    func names() -> [String: String] {
        var out: [String: String] = [:]
        for id in FileIO.visibleEntries(root) {
            if let name = recordName(id) { out[name] = id }
        }
        return out
    }

    /// The name in `id`'s record (only that field decoded), nil when it has none readable.
    private func recordName(_ id: String) -> String? {
        struct Named: Decodable { var name: String }
        guard let bytes = try? FileIO.read(recordPath(id)) else { return nil }
        return try? KitJSON.decode(Named.self, from: bytes).name
    }

    /// Read, change and write a record under the container's own lock, so the monitor's helpers and
    /// concurrent CLI commands never lose each other's changes. Returns the record as written.
    @discardableResult
    package func update(id: String, _ change: (inout Container) throws(KitError) -> Void) throws(KitError) -> Container
    {
        let lock: DirectoryLock
        do { lock = try DirectoryLock(directory(of: id)) } catch {
            if error.errno == ENOENT || error.errno == ENOTDIR { throw .notFound("No such container: \(id)") }
            throw .system(error)
        }
        defer { lock.unlock() }
        var container = try load(id: id)
        try change(&container)
        try save(container)
        return container
    }

    /// Rename under the store's lock (names stay unique).
    package func rename(id: String, to name: String) throws(KitError) {
        let lock: FileLock
        do { lock = try FileLock(lockPath) } catch { throw .system(error) }
        defer { lock.unlock() }
        let index = try lockedNameIndex()
        if let other = holder(of: name), other != id {
            throw .nameInUse(name, id: other)
        }
        let old = recordName(id)
        // The new name is claimed before the record takes it, so it is never free while held.
        try index.claim(name, id: id)
        do { try update(id: id) { $0.name = name } } catch {
            index.release(name, id: id)
            throw error
        }
        if let old, old != name { index.release(old, id: id) }
    }

    package func remove(id: String) {
        let name = recordName(id)
        // A shareable container's /dev/shm tmpfs (Engine+Namespaces), should a crash have left it.
        Engine.unmountShm(directory(of: id) + "/shm")
        FileIO.removeTree(directory(of: id))
        // After the record is gone; under the lock, so a create claiming the name meanwhile keeps it.
        guard let name, let lock = try? FileLock(lockPath) else { return }
        defer { lock.unlock() }
        nameIndex.release(name, id: id)
    }
}
