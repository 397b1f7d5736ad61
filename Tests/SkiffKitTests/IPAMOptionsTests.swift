import Foundation
import SkiffKit
import Testing

/// IPAM driver options, through the built CLI: Docker's default IPAM driver takes any (and acts on
/// none it does not know), so `network create --ipam-opt` and compose's `networks.X.ipam.options` are
/// accepted, kept, and shown by `network inspect` under IPAM.Options ({} when none, as Docker).
@Suite(
    "IPAM driver options (--ipam-opt, compose ipam.options)",
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct IPAMOptionsTests {
    @Test func optionsAreKeptAndShownByInspect() throws {
        let root = try CLIRoot(prefix: "skiff-ipamopt-")
        defer { NetworkTests.cleanUp(root) }
        var r = root.skiff("network", "create", "--ipam-opt", "com.example.pool=blue", "--ipam-opt", "x=", "optnet")
        try #require(r.status == 0, "\(r)")
        #expect(
            root.skiff("network", "inspect", "--format", "{{json .IPAM.Options}}", "optnet").out
                == #"{"com.example.pool":"blue","x":""}"# + "\n")
        try #require(root.skiff("network", "create", "plain").status == 0)
        #expect(root.skiff("network", "inspect", "--format", "{{json .IPAM.Options}}", "plain").out == "{}\n")
        r = root.skiff("network", "create", "--ipam-opt", "novalue", "bad")
        #expect(r.status != 0 && r.err.contains("--ipam-opt novalue: expected KEY=VALUE"), "\(r)")
        r = root.skiff("network", "create", "--ipam-driver", "dhcp", "bad")
        #expect(r.status != 0 && r.err.contains("--ipam-driver dhcp"), "\(r)")

        let dir = root.path + "/proj"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        services:
          web:
            image: busybox
            command: ["sleep", "30"]
            stop_grace_period: 1s
            networks: [back]
        networks:
          back:
            ipam:
              driver: default
              options:
                com.example.pool: green
                com.docker.network.ipam.serial: "true"
              config:
                - subnet: 172.29.217.0/24
        """.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let compose = ["compose", "-f", dir + "/compose.yaml", "-p", "ipamopt"]
        let config = root.skiff(compose + ["config"])
        #expect(config.status == 0 && config.out.contains("com.example.pool: green"), "\(config)")
        r = root.skiff(compose + ["up", "-d"])
        try #require(r.status == 0, "\(r)")
        #expect(
            root.skiff("network", "inspect", "--format", "{{json .IPAM.Options}}", "ipamopt_back").out
                == #"{"com.docker.network.ipam.serial":"true","com.example.pool":"green"}"# + "\n")
        #expect(root.skiff(compose + ["down"]).status == 0)
        #expect(root.skiff("network", "rm", "optnet", "plain").status == 0)
    }
}
