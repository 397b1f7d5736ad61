import Foundation
import SkiffKit
import Testing

/// The name index (`containers/.names/NAME` → ID) that lets `exec NAME` read one record instead of
/// every container's: kept by create, rename and rm; an entry counts only while the record it points
/// to has that name; a state root from before the index still finds its containers by name.
@Suite("container names found through their index (root)")
struct ContainerNameIndexTests {
    private func entry(_ root: CLIRoot, _ name: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: root.path + "/containers/.names/" + name)
    }

    @Test func createRenameAndRemoveKeepTheIndex() throws {
        let root = try CLIRoot(prefix: "skiff-names-")
        defer { root.cleanUp() }
        let made = root.skiff("create", "--name", "first", "busybox", "true")
        try #require(made.status == 0, "\(made.err)")
        let id = made.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(entry(root, "first") == id)
        #expect(root.skiff("rename", "first", "second").status == 0)
        #expect(entry(root, "first") == nil)
        #expect(entry(root, "second") == id)
        #expect(root.inspect("second", "{{.Id}}") == id)
        #expect(root.skiff("inspect", "first").status != 0)
        // The old name is free again, and a second container takes it.
        let other = root.skiff("create", "--name", "first", "busybox", "true")
        #expect(other.status == 0, "\(other.err)")
        #expect(root.skiff("rm", "second").status == 0)
        #expect(entry(root, "second") == nil)
        #expect(root.inspect("first", "{{.Name}}") == "/first")
    }

    /// An entry a crash left (pointing to no record, or to a record renamed since) never hides a
    /// container nor holds a name.
    @Test func staleEntriesAreIgnoredAndReplaced() throws {
        let root = try CLIRoot(prefix: "skiff-names-stale-")
        defer { root.cleanUp() }
        let a = root.skiff("create", "--name", "a", "busybox", "true")
        try #require(a.status == 0, "\(a.err)")
        let aID = a.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let names = root.path + "/containers/.names/"
        // "ghost" → an ID with no record: the name is free.
        try FileManager.default.createSymbolicLink(
            atPath: names + "ghost", withDestinationPath: String(repeating: "e", count: 64))
        let ghost = root.skiff("create", "--name", "ghost", "busybox", "true")
        #expect(ghost.status == 0, "\(ghost.err)")
        #expect(entry(root, "ghost") == ghost.out.trimmingCharacters(in: .whitespacesAndNewlines))
        // "alias" → a's ID, but a's record says "a": "alias" names nothing, and can be taken.
        try FileManager.default.createSymbolicLink(atPath: names + "alias", withDestinationPath: aID)
        let lookup = root.skiff("inspect", "alias")
        #expect(lookup.status != 0 && lookup.err.contains("No such"), "\(lookup.out)\(lookup.err)")
        #expect(root.skiff("create", "--name", "alias", "busybox", "true").status == 0)
        #expect(root.inspect("alias", "{{.Id}}") != aID)
        #expect(root.inspect("a", "{{.Id}}") == aID)
        // An entry that climbs out of the store (to a record planted beside it) is never followed.
        let outside = root.path + "/planted"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        let record = try Data(contentsOf: URL(fileURLWithPath: root.path + "/containers/\(aID)/container.json"))
        var fields = try #require(try JSONSerialization.jsonObject(with: record) as? [String: Any])
        fields["name"] = "climber"
        try JSONSerialization.data(withJSONObject: fields).write(to: URL(fileURLWithPath: outside + "/container.json"))
        try FileManager.default.createSymbolicLink(atPath: names + "climber", withDestinationPath: "../planted")
        let climbed = root.skiff("inspect", "climber")
        #expect(climbed.status != 0 && climbed.err.contains("No such"), "\(climbed.out)\(climbed.err)")
    }

    /// A state root made before the index: names are found from the records, a taken name stays
    /// taken, and the first create builds the index.
    @Test func aRootWithoutTheIndexStillKnowsItsNames() throws {
        let root = try CLIRoot(prefix: "skiff-names-old-")
        defer { root.cleanUp() }
        let old = root.skiff("create", "--name", "old", "busybox", "true")
        try #require(old.status == 0, "\(old.err)")
        let id = old.out.trimmingCharacters(in: .whitespacesAndNewlines)
        try FileManager.default.removeItem(atPath: root.path + "/containers/.names")
        #expect(root.inspect("old", "{{.Id}}") == id)
        let clash = root.skiff("create", "--name", "old", "busybox", "true")
        #expect(clash.status == 125 && clash.err.contains("already in use"), "\(clash.err)")
        #expect(root.skiff("create", "--name", "new", "busybox", "true").status == 0)
        #expect(entry(root, "new") != nil)
        #expect(entry(root, "old") == id)
    }

    /// Concurrent creates: one name goes to exactly one of them, and drawn names never repeat.
    @Test func concurrentCreatesNeverShareAName() throws {
        let root = try CLIRoot(prefix: "skiff-names-race-")
        defer { root.cleanUp() }
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 12) { i in
            let r =
                i < 6
                ? root.skiff("create", "--name", "contested", "busybox", "true")
                : root.skiff("create", "busybox", "true")
            results.add(i, r.status)
        }
        #expect(results.statuses(0..<6).filter { $0 == 0 }.count == 1)
        #expect(results.statuses(6..<12).allSatisfy { $0 == 0 })
        let names = root.skiff("ps", "-a", "--format", "{{.Names}}").out.split(separator: "\n")
        #expect(names.count == 7)
        #expect(Set(names).count == names.count)
    }

    /// What an exec reads of a record (`ExecSubject`) is found as `find` finds the whole record, by full ID
    /// or indexed name, holds the same fields, and is nothing for the cases `find` answers by listing.
    @Test func anExecsSubjectIsTheRecordsFieldsFoundDirectly() throws {
        let root = try CLIRoot(prefix: "skiff-names-subject-")
        defer { root.cleanUp() }
        let made = root.skiff("create", "--name", "subj", "--label", "team=a", "busybox", "true")
        try #require(made.status == 0, "\(made.err)")
        let id = made.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let store = ContainerStore(root: root.path + "/containers")
        let whole = ExecSubject(try store.load(id: id))
        #expect(whole.labels["team"] == "a" && whole.name == "subj" && whole.status == .created)
        #expect(store.findSubject("subj") == whole)
        #expect(store.findSubject(id) == whole)
        #expect(store.findSubject(String(id.prefix(12))) == nil)
        #expect(store.findSubject("nosuch") == nil)
        // Renamed, the old name's entry is gone and the new one finds it.
        #expect(root.skiff("rename", "subj", "other").status == 0)
        #expect(store.findSubject("subj") == nil)
        #expect(store.findSubject("other")?.id == id)
    }

    /// Short IDs (`exec 3f2a…`) are found from the directory names when no container can have that
    /// name, and Docker's order still holds: a container named like a prefix wins over the ID it
    /// prefixes, a directory with no record is no match, and a prefix of two records is refused.
    @Test func shortIDsFindTheirContainerAndNamesStillComeFirst() throws {
        let root = try CLIRoot(prefix: "skiff-names-prefix-")
        defer { root.cleanUp() }
        var ids: [String] = []
        for name in ["p1", "p2", "p3"] {
            let made = root.skiff("create", "--name", name, "busybox", "true")
            try #require(made.status == 0, "\(made.err)")
            ids.append(made.out.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        for id in ids {
            #expect(root.inspect(String(id.prefix(12)), "{{.Id}}") == id)
        }
        // A half-made container's directory (no record) beside the first, sharing its short ID.
        let containers = root.path + "/containers/"
        let sibling = String(ids[0].prefix(12)) + String(repeating: "0", count: 52)
        let empty = sibling == ids[0] ? String(ids[0].prefix(12)) + String(repeating: "1", count: 52) : sibling
        try FileManager.default.createDirectory(atPath: containers + empty, withIntermediateDirectories: false)
        #expect(root.inspect(String(ids[0].prefix(12)), "{{.Id}}") == ids[0])
        // Given the record of a second container there, the prefix names two and is refused.
        let record = try Data(contentsOf: URL(fileURLWithPath: containers + ids[0] + "/container.json"))
        var fields = try #require(try JSONSerialization.jsonObject(with: record) as? [String: Any])
        fields["id"] = empty
        fields["name"] = "twin"
        try JSONSerialization.data(withJSONObject: fields).write(
            to: URL(fileURLWithPath: containers + empty + "/container.json"))
        let twice = root.skiff("logs", String(ids[0].prefix(12)))
        #expect(twice.status != 0 && twice.err.contains("matches 2 containers"), "\(twice.out)\(twice.err)")
        try FileManager.default.removeItem(atPath: containers + empty)
        // A container named like another's short ID is found by its name.
        let short = String(ids[1].prefix(8))
        let named = root.skiff("create", "--name", short, "busybox", "true")
        try #require(named.status == 0, "\(named.err)")
        let namedID = named.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(root.inspect(short, "{{.Id}}") == namedID)
        #expect(root.inspect(String(ids[1].prefix(9)), "{{.Id}}") == ids[1])
        #expect(root.skiff("inspect", "0123456789abcdef-not-hex").status != 0)
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var byIndex: [Int: Int32] = [:]
    func add(_ i: Int, _ status: Int32) { lock.withLock { byIndex[i] = status } }
    func statuses(_ range: Range<Int>) -> [Int32] { lock.withLock { range.compactMap { byIndex[$0] } } }
}
