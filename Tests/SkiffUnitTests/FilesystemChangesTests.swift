import SkiffImage
import SkiffKit
import Testing

/// `skiff diff`'s rules (FilesystemChanges), as Docker's overlay2 driver lists a container's changes: walk
/// order, parents as C, whiteouts and opaque directories as D, unchanged copied-up directories and the
/// container's own mount points left out.
@Suite("Container filesystem changes")
struct FilesystemChangesTests {
    static let dir = WritableLayer.Metadata(mode: 0o040755, uid: 0, gid: 0, mtimeSeconds: 100)
    static let newer = WritableLayer.Metadata(mode: 0o040755, uid: 0, gid: 0, mtimeSeconds: 200, mtimeNanoseconds: 5)
    static let file = WritableLayer.Metadata(mode: 0o100644, uid: 0, gid: 0, mtimeSeconds: 300)

    static func entry(_ path: String, _ kind: WritableLayer.Entry.Kind, _ metadata: WritableLayer.Metadata = file)
        -> WritableLayer.Entry
    {
        WritableLayer.Entry(path: path, kind: kind, metadata: metadata)
    }

    /// The image: these directories (metadata `dir`) and files.
    static func image(dirs: [String], files: [String]) -> (String) -> FilesystemChanges.Below? {
        { path in
            if dirs.contains(path) { return FilesystemChanges.Below(isDirectory: true, metadata: dir) }
            if files.contains(path) { return FilesystemChanges.Below(isDirectory: false, metadata: file) }
            return nil
        }
    }

    static func lines(_ changes: [FilesystemChange]) -> [String] { changes.map(\.description) }

    @Test func addedChangedAndDeletedInWalkOrderWithParents() {
        let upper = [
            Self.entry("/etc", .directory(opaque: false), Self.newer),
            Self.entry("/etc/network", .whiteout),
            Self.entry("/etc/os-release", .file),
            Self.entry("/root", .directory(opaque: false), Self.dir),  // copied up, unchanged itself
            Self.entry("/root/new.txt", .file),
            Self.entry("/srv", .directory(opaque: false), Self.newer),
            Self.entry("/srv/a", .directory(opaque: false), Self.newer),
            Self.entry("/srv/a/f", .symlink),
        ]
        let below = Self.image(dirs: ["/etc", "/etc/network", "/root"], files: ["/etc/os-release"])
        let changes = FilesystemChanges.compute(upper: upper, below: below, mountPoints: [])
        #expect(
            Self.lines(changes) == [
                "C /etc", "D /etc/network", "C /etc/os-release", "C /root", "A /root/new.txt", "A /srv", "A /srv/a",
                "A /srv/a/f",
            ])
    }

    @Test func everyUnlistedAncestorOfAChangeIsListedFirst() {
        // /usr and /usr/share were copied up only to hold the whiteout: same owner, mode and mtime.
        let upper = [
            Self.entry("/usr", .directory(opaque: false), Self.dir),
            Self.entry("/usr/share", .directory(opaque: false), Self.dir),
            Self.entry("/usr/share/doc", .whiteout),
        ]
        let below = Self.image(dirs: ["/usr", "/usr/share", "/usr/share/doc"], files: [])
        #expect(
            Self.lines(FilesystemChanges.compute(upper: upper, below: below, mountPoints: []))
                == ["C /usr", "C /usr/share", "D /usr/share/doc"])
    }

    @Test func anOpaqueDirectoryThatHidOneOfTheImagesIsDeletedAndItsContentsAdded() {
        let upper = [
            Self.entry("/var", .directory(opaque: false), Self.newer),
            Self.entry("/var/spool", .directory(opaque: true), Self.newer),
            Self.entry("/var/spool/fresh", .file),
            Self.entry("/new", .directory(opaque: true), Self.newer),
        ]
        let below = Self.image(dirs: ["/var", "/var/spool"], files: [])
        #expect(
            Self.lines(FilesystemChanges.compute(upper: upper, below: below, mountPoints: []))
                == ["C /var", "D /var/spool", "A /var/spool/fresh", "A /new"])
    }

    @Test func mountPointsAndWhatIsBelowThemAreNotListed() {
        // The runtime's stubs: /etc/resolv.conf and /data (a volume) that the image lacks, /proc; /etc got a
        // new mtime from the stub only.
        let upper = [
            Self.entry("/data", .directory(opaque: false), Self.newer),
            Self.entry("/data/v", .file),
            Self.entry("/etc", .directory(opaque: false), Self.newer),
            Self.entry("/etc/resolv.conf", .file),
            Self.entry("/proc", .directory(opaque: false), Self.newer),
        ]
        let below = Self.image(dirs: ["/etc"], files: [])
        let mounts = ["/data", "/etc/resolv.conf", "/etc/hosts", "/proc", "/dev/shm", "/"]
        #expect(FilesystemChanges.compute(upper: upper, below: below, mountPoints: mounts).isEmpty)
        // A real change beside the stub is listed, with its parent.
        let more = upper + [Self.entry("/etc/zz", .file)]
        #expect(
            Self.lines(FilesystemChanges.compute(upper: more, below: below, mountPoints: mounts))
                == ["C /etc", "A /etc/zz"])
    }

    @Test func aDirectoryWhoseModeOrOwnerChangedIsChanged() {
        var chmodded = Self.dir
        chmodded.mode = 0o040700
        var chowned = Self.dir
        chowned.uid = 1000
        let upper = [
            Self.entry("/a", .directory(opaque: false), chmodded),
            Self.entry("/b", .directory(opaque: false), chowned),
            Self.entry("/c", .directory(opaque: false), Self.dir),
        ]
        let below = Self.image(dirs: ["/a", "/b", "/c"], files: [])
        #expect(Self.lines(FilesystemChanges.compute(upper: upper, below: below, mountPoints: [])) == ["C /a", "C /b"])
    }

    @Test func aTimeFromATarMatchesTheSameSecond() {
        var withNanoseconds = Self.dir
        withNanoseconds.mtimeNanoseconds = 123_456
        let below = Self.image(dirs: ["/a"], files: [])
        let upper = [Self.entry("/a", .directory(opaque: false), withNanoseconds)]
        #expect(FilesystemChanges.compute(upper: upper, below: below, mountPoints: []).isEmpty)
    }
}
