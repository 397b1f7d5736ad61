import Foundation
import SkiffKit
import Testing

/// Anonymous volumes as Docker Compose keeps them, through the built CLI: a container that `up`
/// recreates takes over the old one's (a database's data survives a changed environment), `up -V` gives
/// it new ones; plain `down` and `rm` leave them, `rm -v` (and `down -v`) remove them.
@Suite(.serialized) struct ComposeAnonymousVolumesTests {
    static func project(generation: Int) -> String {
        """
        services:
          db:
            image: busybox
            network_mode: none
            environment: {GENERATION: "\(generation)"}
            volumes: ["/data", "/scratch"]
            command: ["sleep", "4242"]
        """
    }

    @Test func aRecreatedContainerKeepsItsAnonymousVolumes() throws {
        let root = try CLIRoot(prefix: "skiff-compose-anon-")
        defer { root.cleanUp() }
        let dir = root.path + "/anon"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/compose.yaml"
        try Self.project(generation: 1).write(toFile: file, atomically: true, encoding: .utf8)
        func compose(_ args: String...) -> CLIRoot.Result { root.skiff(["compose", "-f", file] + args) }
        #expect(compose("up", "-d").status == 0)
        defer { _ = compose("down", "-v", "-t", "0") }
        #expect(compose("exec", "-T", "db", "sh", "-c", "echo kept > /data/x").status == 0)
        let first = root.inspect("anon-db-1", "{{.Id}}")

        try Self.project(generation: 2).write(toFile: file, atomically: true, encoding: .utf8)
        let up = compose("up", "-d")
        #expect(up.status == 0, "\(up)")
        #expect(root.inspect("anon-db-1", "{{.Id}}") != first)
        let read = compose("exec", "-T", "db", "cat", "/data/x")
        #expect(read.out == "kept\n", "the recreated container lost its anonymous volume: \(read)")
        #expect(root.skiff("volume", "ls", "-q").out.split(separator: "\n").count == 2)

        // -V: new anonymous volumes (the old ones go with the old container).
        let renewed = compose("up", "-d", "--force-recreate", "-V")
        #expect(renewed.status == 0, "\(renewed)")
        #expect(compose("exec", "-T", "db", "cat", "/data/x").status != 0)
        #expect(root.skiff("volume", "ls", "-q").out.split(separator: "\n").count == 2)

        // rm without -v leaves them; rm -v removes them.
        #expect(compose("rm", "-s", "-f").status == 0)
        #expect(root.skiff("volume", "ls", "-q").out.split(separator: "\n").count == 2)
        #expect(root.skiff("volume", "prune", "-f").status == 0)
        #expect(compose("up", "-d").status == 0)
        #expect(compose("rm", "-s", "-f", "-v").status == 0)
        let left = root.skiff("volume", "ls", "-q").out
        #expect(left.isEmpty, "rm -v left \(left)")
    }
}
