import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// Container names → IDs, one symlink per name (`<containers>/.names/NAME` → ID), so `exec web`,
/// `stop web` or a `run --name` reads one record instead of every container's.
///
/// The records stay the truth: an entry counts only while the record it points to still has that
/// name, so an entry left by a crash (a create that died before its record, a removal that died
/// before its unlink) is simply stale and is replaced. Entries are written and removed under the
/// store's lock; a claim is written before the record that makes it true, so a name is never free
/// in the index while a record holds it. A state root made before the index existed has no `.names`
/// directory: lookups then fall back to reading the records, and the first create under the lock
/// builds the index from them.
struct ContainerNameIndex: Sendable {
    let directory: String

    init(containers root: String) {
        directory = root + "/.names"
    }

    var exists: Bool { FileIO.exists(directory) }

    /// The ID an entry points to, unverified (nil: no entry). Only a container ID (64 hex digits) is
    /// taken: the ID names a directory under the store, so a link to anything else (`../..`) is ignored.
    func entry(_ name: String) -> String? {
        guard Self.isIndexable(name) else { return nil }
        var buf = [CChar](repeating: 0, count: 256)
        let n = readlink(directory + "/" + name, &buf, buf.count - 1)
        guard n == 64 else { return nil }
        let bytes = buf[0..<n].map { UInt8(bitPattern: $0) }
        guard Self.isLowerHex(bytes) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Point `name` at `id`, replacing a stale entry (call under the store's lock).
    func claim(_ name: String, id: String) throws(KitError) {
        guard Self.isIndexable(name) else { return }
        do { try FileIO.makeDirectories(directory, mode: 0o700) } catch { throw .system(error) }
        let path = directory + "/" + name
        let temporary = directory + "/.\(name).\(getpid())"
        unlink(temporary)
        if symlink(id, temporary) != 0 { throw .system(SystemError("symlink", path: temporary)) }
        if rename(temporary, path) != 0 {
            let e = SystemError("rename", path: path)
            unlink(temporary)
            throw .system(e)
        }
    }

    /// Remove `name`'s entry if it still points to `id` (call under the store's lock).
    func release(_ name: String, id: String) {
        if entry(name) == id { unlink(directory + "/" + name) }
    }

    /// Write every entry of `names` (name → ID) into a fresh index, made whole before it appears.
    func build(from names: [String: String]) throws(KitError) {
        let staging = directory + ".\(getpid())"
        FileIO.removeTree(staging)
        do { try FileIO.makeDirectories(staging, mode: 0o700) } catch { throw .system(error) }
        for (name, id) in names where Self.isIndexable(name) {
            if symlink(id, staging + "/" + name) != 0 {
                let e = SystemError("symlink", path: staging + "/" + name)
                FileIO.removeTree(staging)
                throw .system(e)
            }
        }
        if rename(staging, directory) != 0 {
            let e = SystemError("rename", path: directory)
            FileIO.removeTree(staging)
            if e.errno != EEXIST && e.errno != ENOTEMPTY { throw .system(e) }
        }
    }

    /// Only 0-9 and a-f: what container IDs (and their prefixes) are made of.
    static func isLowerHex(_ bytes: some Sequence<UInt8>) -> Bool {
        bytes.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Names are checked at create ([a-zA-Z0-9][a-zA-Z0-9_.-]*); anything else (a record written by
    /// hand) is left to the records.
    static func isIndexable(_ name: String) -> Bool {
        guard let first = name.utf8.first, first != UInt8(ascii: "."), name.utf8.count < 200 else { return false }
        return name.utf8.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 || $0 == 46
                || $0 == 45
        }
    }
}
