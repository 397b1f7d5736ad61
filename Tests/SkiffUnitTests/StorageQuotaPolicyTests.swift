import SkiffKit
import Testing

/// `--storage-opt size=` as policy: where it is taken (a mount enforcing project quotas, whatever its
/// type), what limit it asks for, and which project ID a container gets.
struct StorageQuotaPolicyTests {
    enum Outcome: Equatable {
        case success(UInt64?)
        case failure(String)
    }

    static func check(_ fs: StorageOptions.BackingFilesystem, _ opts: [String: String]) -> Outcome {
        do throws(KitError) { return .success(try StorageOptions.check(opts, backing: fs)) } catch {
            return .failure(error.description)
        }
    }

    /// Without project quotas, Docker's refusal; with them, on xfs or ext4, the size in bytes.
    @Test func takenWhereProjectQuotasAreEnforced() {
        let plain = StorageOptions.BackingFilesystem(type: "ext4", projectQuota: false)
        #expect(Self.check(plain, [:]) == .success(nil))
        guard case .failure(let refusal) = Self.check(plain, ["size": "1g"]) else {
            Issue.record("size= taken without project quotas")
            return
        }
        #expect(refusal.hasPrefix("--storage-opt is supported only for overlay over xfs with 'pquota' mount option"))
        #expect(refusal.contains("ext4 without project quotas"), "\(refusal)")
        #expect(Self.check(.init(type: "xfs", projectQuota: false), ["size": "1g"]) != .success(1 << 30))
        for type in ["xfs", "ext4"] {
            let fs = StorageOptions.BackingFilesystem(type: type, projectQuota: true)
            #expect(Self.check(fs, ["size": "2m"]) == .success(2 << 20))
            #expect(Self.check(fs, ["SIZE": "1.5k"]) == .success(1536))
            #expect(Self.check(fs, ["size": "1GiB"]) == .success(1 << 30))
        }
    }

    /// The limit counts 512-byte blocks: a size is rounded up to whole blocks (never down to 0, which is
    /// no limit); size=0 asks for none, as in Docker; other keys and bad sizes are refused naming the flag.
    @Test func sizesAndKeys() {
        let fs = StorageOptions.BackingFilesystem(type: "ext4", projectQuota: true)
        #expect(Self.check(fs, ["size": "100"]) == .success(512))
        #expect(Self.check(fs, ["size": "513"]) == .success(1024))
        #expect(Self.check(fs, ["size": "0"]) == .success(nil))
        guard case .failure(let key) = Self.check(fs, ["foo": "1"]),
            case .failure(let bad) = Self.check(fs, ["size": "lots"]),
            case .failure(let negative) = Self.check(fs, ["size": "-1m"])
        else {
            Issue.record("a bad key or size was taken")
            return
        }
        #expect(key == "--storage-opt foo: unknown option (overlay takes only size=)")
        #expect(bad.hasPrefix("invalid value \"lots\" for --storage-opt size"), "\(bad)")
        #expect(negative.contains("cannot be negative"), "\(negative)")
    }

    /// The mount holding the state root decides: the longest mount point above it, its super options.
    @Test func backingFilesystemFromMountinfo() {
        let mountinfo = """
            22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
            40 22 7:0 / /srv/q rw,relatime shared:9 - ext4 /dev/loop0 rw,relatime,prjquota
            41 22 7:1 / /srv/x rw,relatime shared:10 - xfs /dev/loop1 rw,relatime,attr2,inode64,pquota
            42 22 7:2 / /srv/n rw,relatime shared:11 - xfs /dev/loop2 rw,relatime,pqnoenforce
            43 40 0:50 / /srv/q/tmp rw - tmpfs tmpfs rw
            """
        func fs(_ path: String) -> StorageOptions.BackingFilesystem {
            .holding(path, mountinfo: mountinfo)
        }
        #expect(fs("/srv/q/skiff") == .init(type: "ext4", projectQuota: true))
        #expect(fs("/srv/q") == .init(type: "ext4", projectQuota: true))
        #expect(fs("/srv/qq") == .init(type: "ext4", projectQuota: false))
        #expect(fs("/srv/q/tmp/skiff") == .init(type: "tmpfs", projectQuota: false))
        #expect(fs("/srv/x/root") == .init(type: "xfs", projectQuota: true))
        #expect(fs("/srv/n/root") == .init(type: "xfs", projectQuota: false))
    }

    /// A project ID above the counter and the state root's own ID, skipping IDs the quota system knows.
    @Test func projectIDs() {
        func next(after last: UInt32, floor: UInt32, used: Set<UInt32> = []) -> UInt32? {
            let r = ProjectIDPolicy.next(after: last, floor: floor) { (id) throws(Never) -> Bool in !used.contains(id) }
            if case .success(let id) = r { return id }
            return nil
        }
        #expect(next(after: 0, floor: 0) == 1)
        #expect(next(after: 5, floor: 999) == 1000)
        #expect(next(after: 1005, floor: 999) == 1006)
        #expect(next(after: 0, floor: 0, used: [1, 2, 4]) == 3)
        #expect(next(after: UInt32.max - 1, floor: 0, used: [UInt32.max]) == nil)
        #expect(next(after: UInt32.max, floor: 0) == nil)
        #expect(ProjectIDPolicy.isFree(hardLimit: 0, softLimit: 0, usedBytes: 0, usedInodes: 0))
        #expect(!ProjectIDPolicy.isFree(hardLimit: 0, softLimit: 0, usedBytes: 0, usedInodes: 1))
        #expect(!ProjectIDPolicy.isFree(hardLimit: 1024, softLimit: 1024, usedBytes: 0, usedInodes: 0))
        #expect(ProjectIDPolicy.counter(from: ProjectIDPolicy.counterText(42)) == 42)
        #expect(ProjectIDPolicy.counter(from: nil) == 0 && ProjectIDPolicy.counter(from: "junk") == 0)
    }
}
