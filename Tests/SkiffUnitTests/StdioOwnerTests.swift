import SkiffOCI
import SkiffRuntime
import Testing

struct StdioOwnerTests {
    @Test func rootKeepsThePipesAndOtherUsersGetThem() {
        #expect(StdioOwner.forProcess(uid: 0, gid: 0) == nil)
        #expect(StdioOwner.forProcess(uid: 101, gid: 101) == StdioOwner(uid: 101, gid: 101))
        #expect(StdioOwner.forProcess(uid: 0, gid: 33) == StdioOwner(uid: 0, gid: 33))
    }

    @Test func idsInAUserNamespaceAreMappedToTheHost() {
        let uids = [LinuxIDMapping(containerID: 0, hostID: 100_000, size: 65536)]
        let gids = [
            LinuxIDMapping(containerID: 0, hostID: 200_000, size: 1000),
            LinuxIDMapping(containerID: 1000, hostID: 300_000, size: 10),
        ]
        // Root of the namespace is not host root: its pipes are given to the mapped id too.
        #expect(
            StdioOwner.forProcess(uid: 0, gid: 0, uidMappings: uids, gidMappings: gids)
                == StdioOwner(uid: 100_000, gid: 200_000))
        #expect(
            StdioOwner.forProcess(uid: 1000, gid: 1005, uidMappings: uids, gidMappings: gids)
                == StdioOwner(uid: 101_000, gid: 300_005))
        // An id outside every mapping has no host counterpart: nothing to give.
        #expect(StdioOwner.forProcess(uid: 70_000, gid: 0, uidMappings: uids, gidMappings: gids) == nil)
    }
}
