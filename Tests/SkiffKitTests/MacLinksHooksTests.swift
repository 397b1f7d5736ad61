import Foundation
import SkiffKit
import Testing

/// `--mac-address`, `--link` and compose's `mac_address`, `links`, `external_links`, `post_start` and
/// `pre_stop`, driven through the built CLI as a user would: the MAC seen inside the container, a link's
/// alias resolving inside on the default bridge and on a user network, and hooks that run in the
/// container at the right moment.
@Suite(
    "MAC addresses, links and compose lifecycle hooks", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct MacLinksHooksTests {
    static func trimmed(_ r: CLIRoot.Result) -> String { r.out.trimmingCharacters(in: .whitespacesAndNewlines) }

    @Test func runAndCreateGiveTheInterfaceTheMacAddress() throws {
        let root = try CLIRoot(prefix: "skiff-mlh-")
        defer { root.cleanUp() }
        let mac = "02:42:ac:11:00:99"
        let seen = root.skiff(
            "run", "--rm", "--mac-address", "02:42:AC:11:00:99", "busybox", "cat", "/sys/class/net/eth0/address")
        #expect(seen.status == 0 && Self.trimmed(seen) == mac, "\(seen)")

        #expect(
            root.skiff(
                "create", "--name", "mlh-made", "--mac-address", "02:00:00:00:00:01", "busybox",
                "cat", "/sys/class/net/eth0/address"
            ).status == 0)
        let started = root.skiff("start", "-a", "mlh-made")
        #expect(Self.trimmed(started) == "02:00:00:00:00:01", "\(started)")

        #expect(
            root.skiff("run", "-d", "--name", "mlh-web", "--mac-address", mac, "busybox", "sleep", "300").status == 0)
        #expect(root.inspect("mlh-web", "{{.NetworkSettings.MacAddress}}") == mac)
        #expect(root.inspect("mlh-web", "{{.NetworkSettings.Networks.bridge.MacAddress}}") == mac)
        #expect(root.skiff("stop", "-t", "0", "mlh-web").status == 0)
        #expect(
            root.inspect("mlh-web", "{{.NetworkSettings.Networks.bridge.MacAddress}}") == mac,
            "asked for, shown stopped")

        // Without the flag the MAC is still Docker's, derived from the address: 02:42 and its four bytes.
        let derived = root.skiff(
            "run", "--rm", "busybox", "sh", "-c",
            "cat /sys/class/net/eth0/address; ip -4 -o addr show eth0")
        let lines = derived.out.split(separator: "\n").map(String.init)
        let ip = lines.last?.components(separatedBy: "inet ").last?.split(separator: "/").first ?? ""
        let expected =
            "02:42:" + ip.split(separator: ".").map { String(format: "%02x", Int($0) ?? -1) }.joined(separator: ":")
        #expect(lines.first == expected, "\(derived)")

        for (bad, why) in [
            ("01:00:5e:00:00:01", "multicast"), ("00:00:00:00:00:00", "all-zero"), ("02:42:ac", "not a MAC"),
        ] {
            let r = root.skiff("run", "--rm", "--mac-address", bad, "busybox", "true")
            #expect(r.status == 125 && r.err.contains("--mac-address \(bad)") && r.err.contains(why), "\(r)")
        }
        let none = root.skiff("run", "--rm", "--network", "none", "--mac-address", mac, "busybox", "true")
        #expect(none.status == 125 && none.err.contains("--mac-address"), "\(none)")
        #expect(!root.skiff("ps", "-a", "--format", "{{.Names}}").out.contains("_"), "a refused run left a container")
    }

    @Test func linksResolveOnTheDefaultBridgeAndOnUserNetworks() throws {
        let root = try CLIRoot(prefix: "skiff-mlh-")
        defer { root.cleanUp() }
        #expect(
            root.skiff("run", "-d", "--name", "mlh-db", "--hostname", "dbhost", "busybox", "sleep", "300").status == 0)
        // Default bridge: Docker's /etc/hosts line, alias, hostname and name, all reachable.
        let linked = root.skiff(
            "run", "--rm", "--link", "mlh-db:database", "busybox", "sh", "-c",
            "grep database /etc/hosts; ping -c1 -W2 database && ping -c1 -W2 dbhost && ping -c1 -W2 mlh-db")
        #expect(linked.status == 0, "\(linked)")
        let line = linked.out.split(separator: "\n").first.map(String.init) ?? ""
        let dbIP = root.inspect("mlh-db", "{{.NetworkSettings.IPAddress}}")
        #expect(line == "\(dbIP)\tdatabase dbhost mlh-db", "\(linked)")
        // Without the link nothing on the default bridge knows the name.
        let unlinked = root.skiff("run", "--rm", "busybox", "ping", "-c1", "-W1", "database")
        #expect(unlinked.status != 0, "\(unlinked)")

        // A user network: the alias is the linking container's alone.
        #expect(root.skiff("network", "create", "mlh-net").status == 0)
        #expect(
            root.skiff("run", "-d", "--name", "mlh-db2", "--network", "mlh-net", "busybox", "sleep", "300").status == 0)
        #expect(
            root.skiff(
                "run", "-d", "--name", "mlh-app", "--network", "mlh-net", "--link", "mlh-db2:store",
                "busybox", "sleep", "300"
            ).status == 0)
        let db2IP = root.inspect("mlh-db2", "{{(index .NetworkSettings.Networks \"mlh-net\").IPAddress}}")
        let resolved = root.skiff("exec", "mlh-app", "ping", "-c1", "-W2", "store")
        #expect(resolved.status == 0 && resolved.out.contains("(\(db2IP))"), "\(resolved)")
        let other = root.skiff("run", "--rm", "--network", "mlh-net", "busybox", "ping", "-c1", "-W1", "store")
        #expect(other.status != 0, "another container on the network saw the link's alias: \(other)")
        #expect(root.inspect("mlh-app", "{{json .HostConfig.Links}}") == "[\"/mlh-db2:/mlh-app/store\"]")
        // The linked container started again at another address: the alias follows it.
        #expect(root.skiff("stop", "-t", "0", "mlh-db2").status == 0)
        #expect(
            root.skiff("run", "-d", "--name", "mlh-filler", "--network", "mlh-net", "busybox", "sleep", "300").status
                == 0)
        #expect(root.skiff("start", "mlh-db2").status == 0)
        let movedIP = root.inspect("mlh-db2", "{{(index .NetworkSettings.Networks \"mlh-net\").IPAddress}}")
        #expect(movedIP != db2IP && !movedIP.isEmpty)
        let moved = root.skiff("exec", "mlh-app", "ping", "-c1", "-W2", "store")
        #expect(moved.status == 0 && moved.out.contains("(\(movedIP))"), "\(moved)")

        // Errors: no such container, a stopped one, one on no shared network.
        let missing = root.skiff("run", "--rm", "--link", "mlh-nowhere:x", "busybox", "true")
        #expect(missing.status == 125 && missing.err.contains("no such container: mlh-nowhere"), "\(missing)")
        #expect(root.skiff("create", "--name", "mlh-stopped", "busybox", "true").status == 0)
        let stopped = root.skiff("run", "--rm", "--link", "mlh-stopped:x", "busybox", "true")
        #expect(stopped.status == 125 && stopped.err.contains("non running container: mlh-stopped"), "\(stopped)")
        let apart = root.skiff("run", "--rm", "--network", "mlh-net", "--link", "mlh-db:x", "busybox", "true")
        #expect(apart.status == 125 && apart.err.contains("cannot link to mlh-db"), "\(apart)")
        let hostMode = root.skiff("run", "--rm", "--network", "host", "--link", "mlh-db:x", "busybox", "true")
        #expect(hostMode.status == 125 && hostMode.err.contains("--link"), "\(hostMode)")
    }

    static func writeProject(_ root: CLIRoot, _ yaml: String) throws -> String {
        let dir = root.path + "/mlhproj"
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        try yaml.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        return dir + "/compose.yaml"
    }

    @Test func composeMacAddressesLinksAndExternalLinks() throws {
        let root = try CLIRoot(prefix: "skiff-mlh-")
        defer { root.cleanUp() }
        #expect(root.skiff("network", "create", "mlh-shared").status == 0)
        #expect(
            root.skiff("run", "-d", "--name", "mlh-legacy", "--network", "mlh-shared", "busybox", "sleep", "300").status
                == 0)
        let file = try Self.writeProject(
            root,
            """
            services:
              web:
                image: busybox
                command: ["sleep", "300"]
                stop_grace_period: 1s
                mac_address: 02:42:AC:11:00:AA
                links: ["db:database"]
                external_links: ["mlh-legacy:legacy"]
                networks:
                  default:
                  shared:
                    mac_address: 02:42:ac:11:01:aa
              db:
                image: busybox
                command: ["sleep", "300"]
                stop_grace_period: 1s
                networks:
                  default:
                    mac_address: 02:42:ac:11:00:bb
              classic:
                image: busybox
                command: ["sleep", "300"]
                stop_grace_period: 1s
                network_mode: bridge
                links: ["store:olddb"]
              store:
                image: busybox
                command: ["sleep", "300"]
                stop_grace_period: 1s
                network_mode: bridge
                hostname: storehost
            networks:
              shared:
                name: mlh-shared
                external: true
            """)
        defer { root.skiff("compose", "down", "-t", "0", "--file", file) }
        let up = root.skiff("compose", "up", "-d", "--file", file)
        #expect(up.status == 0, "\(up)")
        // links order the start: db before web.
        let dbStarted = up.err.range(of: "mlhproj-db-1  Started")
        let webStarted = up.err.range(of: "mlhproj-web-1  Started")
        #expect(dbStarted != nil && webStarted != nil && dbStarted!.lowerBound < webStarted!.lowerBound, "\(up.err)")
        let web = root.skiff(
            "compose", "exec", "-T", "--file", file, "web", "cat",
            "/sys/class/net/eth0/address", "/sys/class/net/eth1/address")
        #expect(web.out.split(separator: "\n") == ["02:42:ac:11:00:aa", "02:42:ac:11:01:aa"], "\(web)")
        let db = root.skiff("compose", "exec", "-T", "--file", file, "db", "cat", "/sys/class/net/eth0/address")
        #expect(Self.trimmed(db) == "02:42:ac:11:00:bb", "\(db)")
        let reach = root.skiff(
            "compose", "exec", "-T", "--file", file, "web", "sh", "-c",
            "ping -c1 -W2 database && ping -c1 -W2 legacy")
        #expect(reach.status == 0, "\(reach)")
        // The link's alias is web's name for db: db itself, on the same network, does not resolve it.
        let unlinked = root.skiff(
            "compose", "exec", "-T", "--file", file, "db", "sh", "-c",
            "grep database /etc/hosts || ping -c1 -W1 database")
        #expect(unlinked.status != 0, "\(unlinked)")
        // On the default bridge, `links:` are Docker's links: the linking container's /etc/hosts line.
        let classic = root.skiff(
            "compose", "exec", "-T", "--file", file, "classic", "sh", "-c",
            "grep olddb /etc/hosts && ping -c1 -W2 olddb")
        let storeIP = root.inspect("mlhproj-store-1", "{{.NetworkSettings.IPAddress}}")
        #expect(
            classic.status == 0 && classic.out.hasPrefix("\(storeIP)\tolddb storehost mlhproj-store-1\n"), "\(classic)")
        #expect(
            root.inspect("mlhproj-web-1", "{{(index .NetworkSettings.Networks \"mlh-shared\").MacAddress}}")
                == "02:42:ac:11:01:aa")

        // An external link to a container that is not there stops the service from being made.
        #expect(root.skiff("rm", "-f", "mlh-legacy").status == 0)
        let recreate = root.skiff("compose", "up", "-d", "--force-recreate", "--file", file, "web")
        #expect(recreate.status != 0 && recreate.err.contains("mlh-legacy"), "\(recreate)")
    }

    @Test func composeHooksRunInTheContainerAfterStartAndBeforeStop() throws {
        let root = try CLIRoot(prefix: "skiff-mlh-")
        defer { root.cleanUp() }
        let file = try Self.writeProject(
            root,
            """
            services:
              web:
                image: busybox
                user: "1000:1000"
                command: ["sh", "-c", "until [ -f /tmp/ready ]; do sleep 0.1; done; echo main saw $$(cat /tmp/ready); exec sleep 300"]
                stop_grace_period: 1s
                volumes:
                  - ./data:/data
                post_start:
                  - command: ["sh", "-c", "echo $$GREETING-$$(id -u) > /tmp/ready.new && mv /tmp/ready.new /tmp/ready; echo hook says hi"]
                    user: root
                    environment:
                      GREETING: hooked
                pre_stop:
                  - command: sh -c 'echo "pre_stop saw $$(cat /tmp/ready) pid1=$$(cat /proc/1/comm)" > /data/pre_stop.txt'
                    user: root
            """)
        defer { root.skiff("compose", "down", "-t", "0", "--file", file) }
        let up = root.skiff("compose", "up", "-d", "--file", file)
        #expect(up.status == 0, "\(up)")
        #expect(up.err.contains("web-1 -> | hook says hi"), "the hook's output is shown: \(up.err)")
        #expect(
            root.eventually(20) {
                root.skiff("compose", "logs", "--file", file, "web").out.contains("main saw hooked-0")
            },
            "\(root.skiff("compose", "logs", "--file", file, "web"))")

        let dataFile = root.path + "/mlhproj/data/pre_stop.txt"
        #expect(!FileManager.default.fileExists(atPath: dataFile))
        let stop = root.skiff("compose", "stop", "--file", file)
        #expect(stop.status == 0, "\(stop)")
        let written = (try? String(contentsOfFile: dataFile, encoding: .utf8)) ?? ""
        #expect(written == "pre_stop saw hooked-0 pid1=sleep\n", "pre_stop ran in the running container: \(written)")

        // `start` runs post_start again; `restart` runs pre_stop then post_start (as Compose's restart);
        // `down` runs pre_stop again.
        try? FileManager.default.removeItem(atPath: dataFile)
        let started = root.skiff("compose", "start", "--file", file)
        #expect(started.status == 0 && started.err.contains("web-1 -> | hook says hi"), "\(started)")
        let restarted = root.skiff("compose", "restart", "--file", file)
        #expect(restarted.status == 0 && restarted.err.contains("web-1 -> | hook says hi"), "\(restarted)")
        #expect(FileManager.default.fileExists(atPath: dataFile), "restart ran no pre_stop")
        try? FileManager.default.removeItem(atPath: dataFile)
        #expect(root.skiff("compose", "down", "--file", file).status == 0)
        #expect(FileManager.default.fileExists(atPath: dataFile), "down ran no pre_stop")
    }

    @Test func aFailingPostStartHookFailsTheServiceWithItsStatus() throws {
        let root = try CLIRoot(prefix: "skiff-mlh-")
        defer { root.cleanUp() }
        let file = try Self.writeProject(
            root,
            """
            services:
              web:
                image: busybox
                command: ["sleep", "300"]
                stop_grace_period: 1s
                post_start:
                  - command: ["sh", "-c", "echo failing >&2; exit 3"]
              after:
                image: busybox
                command: ["sleep", "300"]
                depends_on: [web]
            """)
        defer { root.skiff("compose", "down", "-t", "0", "--file", file) }
        let up = root.skiff("compose", "up", "-d", "--file", file)
        #expect(up.status != 0, "\(up)")
        #expect(up.err.contains("post_start hook") && up.err.contains("exited with status 3"), "\(up.err)")
        #expect(up.err.contains("web-1 -> | failing"), "\(up.err)")
        #expect(!up.err.contains("mlhproj-after-1  Started"), "a service after the failed one started: \(up.err)")
    }
}
