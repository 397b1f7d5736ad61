#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    /// `ps`: every record, reconciled and newest first, and the records that cannot be read (which
    /// `listContainers` leaves out), for the CLI to report.
    package func containerListing() -> RecordListing<Container> {
        let found = containers.listing()
        let records = found.records.compactMap { try? reconcile($0) }.sorted { $0.created > $1.created }
        return RecordListing(records: records, unreadable: found.unreadable)
    }

    /// `volume ls`: as `listVolumes`, and the volume records that cannot be read.
    package func volumeListing(dangling: Bool? = nil) -> RecordListing<Volume> {
        let found = volumes.listing()
        return RecordListing(records: filterDangling(found.records, dangling), unreadable: found.unreadable)
    }

    /// `rm` of a container whose record cannot be read: with `force`, kill and delete what the runtime
    /// still has under its ID, tear down its network and remove its directory. Nil when `nameOrID` names
    /// no unreadable record (exactly, or as the unique prefix of one).
    func removeUnreadableContainer(_ nameOrID: String, force: Bool) throws(KitError) -> Void? {
        let unreadable = containers.listing().unreadable
        let matches =
            unreadable.contains { $0.name == nameOrID }
            ? unreadable.filter { $0.name == nameOrID }
            : unreadable.filter { $0.name.hasPrefix(nameOrID) }
        guard matches.count == 1, let record = matches.first else { return nil }
        guard force else {
            throw .usage("\(record); it may still run: remove it with skiff rm -f \(record.name)")
        }
        if (try? runtime.state(id: record.name)) != nil {
            try? runtime.kill(id: record.name, signal: SIGKILL, all: true)
            do { try runtime.delete(id: record.name, force: true) } catch { throw .runtime(error) }
        }
        tearDownNetwork(id: record.name)
        containers.remove(id: record.name)
        return ()
    }
}
