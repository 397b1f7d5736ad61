import Foundation
import SkiffKit
import Testing

/// `--mac-address`, `--link` and compose's `mac_address`, `external_links`, `links`, `post_start` and
/// `pre_stop`: parsed and checked as Docker and Docker Compose check them, with errors naming the flag
/// or key, shown by `compose config`, and mapped to the container's options.
@Suite("compose hooks, links and MAC addresses")
struct ComposeHooksLinksMacTests {
    static func error(_ compose: String) -> String {
        do {
            _ = try ComposeResourceMappingTests.load(compose)
            return "(loaded)"
        } catch { return error.description }
    }

    @Test func macAddressesAreUnicastSixByteAddressesInIpLinkForm() throws {
        #expect(try MACAddress.parse("02:42:AC:11:00:99") == "02:42:ac:11:00:99")
        #expect(try MACAddress.parse("02-42-ac-11-00-09") == "02:42:ac:11:00:09")
        #expect(try MACAddress.parse("fe:ff:ff:ff:ff:ff") == "fe:ff:ff:ff:ff:ff")
        let bad: [(String, String)] = [
            ("00:00:00:00:00:00", "all-zero"),
            ("01:00:5e:00:00:01", "multicast"),
            ("ff:ff:ff:ff:ff:ff", "multicast"),
            ("02:42:ac:11:00", "not a MAC address"),
            ("02:42:ac:11:00:99:01", "not a MAC address"),
            ("02:42:ac:11:0:99", "not a MAC address"),
            ("02:42:ac:11:00:zz", "not a MAC address"),
            ("02:42:ac:11:00:+9", "not a MAC address"),
            ("", "not a MAC address"),
        ]
        for (text, why) in bad {
            do {
                let parsed = try MACAddress.parse(text, origin: "--mac-address")
                Issue.record("\(text) was taken as \(parsed)")
            } catch {
                #expect("\(error)".contains("--mac-address \(text): ") && "\(error)".contains(why), "\(error)")
            }
        }
    }

    @Test func linksAreNameAndAlias() throws {
        let plain = try ContainerNetworkRequest.Link.parse("db", origin: "--link")
        #expect(plain.name == "db" && plain.alias == "db")
        let aliased = try ContainerNetworkRequest.Link.parse("/db:/web/database", origin: "--link")
        #expect(aliased.name == "db" && aliased.alias == "database")
        let named = try ContainerNetworkRequest.Link.parse("my-db_1:data.base", origin: "--link")
        #expect(named.name == "my-db_1" && named.alias == "data.base")
        for text in ["db:a:b", ":alias", "db:", "db:two words"] {
            #expect(throws: KitError.self, "\(text)") { try ContainerNetworkRequest.Link.parse(text, origin: "--link") }
        }
    }

    @Test func composeMacAddressesAreCheckedAndGoToTheirNetworks() throws {
        let project = try ComposeResourceMappingTests.load(
            """
            services:
              web:
                image: busybox
                mac_address: 02:42:AC:11:00:AA
                networks: [front, back]
              db:
                image: busybox
                networks:
                  back:
                    mac_address: 02-42-ac-11-00-bb
            networks:
              front: {}
              back: {}
            """)
        let wiring = ComposeWiring(project: project)
        let web = try #require(project.service("web"))
        let db = try #require(project.service("db"))
        #expect(web.macAddress == "02:42:ac:11:00:aa")
        let webOptions = try wiring.runOptions(web, name: "x-web-1", number: 1, configHash: "H")
        #expect(webOptions.macAddress == "02:42:ac:11:00:aa")
        #expect(wiring.extraNetworks(web).map(\.mac) == [nil], "the service's MAC is its first network's only")
        let dbOptions = try wiring.runOptions(db, name: "x-db-1", number: 1, configHash: "H")
        #expect(dbOptions.macAddress == "02:42:ac:11:00:bb")
        let yaml = project.yaml()
        #expect(yaml.contains("mac_address: \"02:42:ac:11:00:aa\"") || yaml.contains("mac_address: 02:42:ac:11:00:aa"))
        #expect(yaml.contains("02:42:ac:11:00:bb"), "\(yaml)")

        #expect(
            Self.error("services:\n  web:\n    image: busybox\n    mac_address: 01:00:5e:00:00:01\n")
                .contains("services.web.mac_address: 01:00:5e:00:00:01: a multicast address"))
        #expect(
            Self.error(
                "services:\n  web:\n    image: busybox\n    networks:\n      default:\n        mac_address: nope\n"
            ).contains("services.web.networks.default.mac_address: nope: not a MAC address"))
        #expect(
            Self.error(
                """
                services:
                  web:
                    image: busybox
                    mac_address: 02:00:00:00:00:01
                    networks:
                      default:
                        mac_address: 02:00:00:00:00:02
                """
            ).contains("services.web.mac_address: 02:00:00:00:00:01 conflicts with networks.default.mac_address"))
        #expect(
            Self.error(
                "services:\n  web:\n    image: busybox\n    network_mode: host\n    mac_address: 02:00:00:00:00:01\n"
            )
            .contains("services.web.mac_address: conflicts with network_mode: host"))
    }

    @Test func externalLinksBecomeLinksAndLinksOrderTheStart() throws {
        let project = try ComposeResourceMappingTests.load(
            """
            services:
              web:
                image: busybox
                links: ["db:database"]
                external_links: ["legacy-db", "cache:redis"]
              db:
                image: busybox
            """)
        let web = try #require(project.service("web"))
        #expect(web.externalLinks == ["legacy-db", "cache:redis"])
        #expect(web.dependsOn.map(\.service) == ["db"], "links imply depends_on, as in Compose")
        #expect(try ComposeOrder.startOrder(project.services).map(\.name) == ["db", "web"])
        let options = try ComposeWiring(project: project).runOptions(web, name: "x-web-1", number: 1, configHash: "H")
        // On a user network too, a link is the linking container's own name for the linked one (Docker's
        // link alias, which no other container resolves), not an alias of db on the network.
        #expect(options.links == ["\(project.name)-db-1:database", "legacy-db", "cache:redis"])
        let db = try #require(project.service("db"))
        #expect(ComposeWiring(project: project).aliases(db, on: "default") == ["db"])
        #expect(project.yaml().contains("external_links:"))
        let classic = try ComposeResourceMappingTests.load(
            """
            services:
              web:
                image: busybox
                network_mode: bridge
                links: ["db:database"]
              db:
                image: busybox
                network_mode: bridge
                container_name: the-db
            """)
        let classicWeb = try #require(classic.service("web"))
        let classicOptions = try ComposeWiring(project: classic).runOptions(
            classicWeb, name: "x-web-1", number: 1, configHash: "H")
        #expect(classicOptions.links == ["the-db:database"], "Docker's links on the default bridge")
        #expect(
            Self.error("services:\n  web:\n    image: busybox\n    external_links: [\"a:b:c\"]\n")
                .contains("services.web.external_links[0]: expected CONTAINER or CONTAINER:ALIAS"))
        #expect(
            Self.error("services:\n  web:\n    image: busybox\n    links: [nowhere]\n")
                .contains("services.web.links[0]: links to undefined service \"nowhere\""))
    }

    @Test func lifecycleHooksAreParsedInBothCommandForms() throws {
        let project = try ComposeResourceMappingTests.load(
            """
            services:
              app:
                image: busybox
                post_start:
                  - command: ./register.sh --now
                  - command: ["chown", "-R", "1001", "/data"]
                    user: root
                    privileged: true
                    working_dir: /data
                    environment:
                      MODE: start
                      FROM_CALLER:
                pre_stop:
                  - command: sh -c 'echo bye > /data/bye'
                    environment: [A=1, B]
            """)
        let app = try #require(project.service("app"))
        #expect(app.postStart.map(\.command) == [["./register.sh", "--now"], ["chown", "-R", "1001", "/data"]])
        let second = app.postStart[1]
        #expect(second.user == "root" && second.privileged && second.workingDir == "/data")
        #expect(second.environment.map(\.name) == ["MODE", "FROM_CALLER"])
        #expect(second.environment.map(\.value) == ["start", nil])
        #expect(app.preStop.map(\.command) == [["sh", "-c", "echo bye > /data/bye"]])
        #expect(app.preStop[0].environment.map(\.name) == ["A", "B"])
        let yaml = project.yaml()
        #expect(yaml.contains("post_start:") && yaml.contains("pre_stop:") && yaml.contains("register.sh"), "\(yaml)")

        // A changed hook is a changed container, as Docker Compose hashes it.
        var other = app
        other.preStop = []
        #expect(ComposeLabels.configHash(app, imageID: "i") != ComposeLabels.configHash(other, imageID: "i"))
    }

    @Test func badHooksAreNamed() {
        func hook(_ key: String, _ body: String) -> String {
            Self.error("services:\n  app:\n    image: busybox\n    \(key):\n" + body)
        }
        #expect(hook("post_start", "      - user: root\n").contains("services.app.post_start[0]: command is required"))
        #expect(
            hook("pre_stop", "      - command: \"true\"\n        comand: x\n").contains(
                "services.app.pre_stop[0].comand"))
        #expect(
            hook("post_start", "      - command: \"true\"\n        working_dir: data\n")
                .contains("services.app.post_start[0].working_dir: must be an absolute path"))
        #expect(hook("post_start", "      command: \"true\"\n").contains("services.app.post_start"))
        #expect(
            hook("pre_stop", "      - command: \"true\"\n        privileged: maybe\n")
                .contains("services.app.pre_stop[0].privileged"))
    }
}
