import Foundation
import SkiffKit
import Testing

/// Issue 14 item 9 (and the file side of item 7): every key is checked against the Compose Spec's key
/// lists — an unknown one is an error naming the file, its path and the nearest valid key; a valid key
/// Skiff does not carry out is an error saying what to do instead; the ones it carries out reach the model.
@Suite("Compose Spec keys")
struct ComposeSpecKeysTests {
    static func error(_ text: String) -> String { ComposeParserTests.error(text) }

    @Test(arguments: [
        (
            "services:\n  web:\n    image: busybox\n    prots: [\"80\"]\n",
            "compose.yaml: services.web.prots: unknown key; did you mean ports?"
        ),
        ("servics:\n  web:\n    image: busybox\n", "compose.yaml: servics: unknown key; did you mean services?"),
        (
            "services:\n  web:\n    build:\n      context: .\n      dockerfil: Dockerfile\n",
            "compose.yaml: services.web.build.dockerfil: unknown key; did you mean dockerfile?"
        ),
        (
            "services:\n  web:\n    image: busybox\n    healthcheck:\n      intervall: 1s\n",
            "compose.yaml: services.web.healthcheck.intervall: unknown key; did you mean interval?"
        ),
        (
            "services:\n  web:\n    image: busybox\n    deploy:\n      resorces: {}\n",
            "compose.yaml: services.web.deploy.resorces: unknown key; did you mean resources?"
        ),
        (
            "services:\n  web:\n    image: busybox\nnetworks:\n  n:\n    ipam:\n      config:\n        - subnett: 10.1.0.0/24\n",
            "compose.yaml: networks.n.ipam.config[0].subnett: unknown key; did you mean subnet?"
        ),
        (
            "services:\n  web:\n    image: busybox\n    depends_on:\n      db:\n        conditon: service_started\n  db:\n    image: busybox\n",
            "compose.yaml: services.web.depends_on.db.conditon: unknown key; did you mean condition?"
        ),
        (
            "services:\n  web:\n    image: busybox\n    volumes:\n      - type: bind\n        source: .\n        target: /x\n        readonly: true\n",
            "compose.yaml: services.web.volumes[0].readonly: unknown key; did you mean read_only?"
        ),
        (
            "services:\n  web:\n    image: busybox\n    zzzzzzzz: 1\n",
            "compose.yaml: services.web.zzzzzzzz: unknown key"
        ),
    ])
    func unknownKeyIsAnErrorWithTheNearestKey(text: String, expected: String) {
        let message = Self.error(text)
        #expect(message.hasSuffix(expected), "\(message)")
    }

    @Test func extensionKeysStayAllowed() throws {
        let p = try ComposeParserTests.load(
            """
            x-common: &common
              image: busybox
            services:
              web:
                <<: *common
                x-note: anything
                healthcheck: {test: ["CMD", "true"], x-why: because}
            networks:
              n:
                x-owner: me
            """)
        #expect(p.service("web")?.image == "busybox")
        #expect(p.warnings.isEmpty, "\(p.warnings)")
    }

    @Test(arguments: [
        ("cgroup_parent: ../up", "services.web.cgroup_parent: cgroup_parent \"../up\": expected a cgroup path"),
        ("volumes_from: [\"db\"]", "services.web.volumes_from[0]: refers to undefined service \"db\""),
        ("devices: [\"nvidia.com/gpu=all\"]", "services.web.devices[0]: CDI device names"),
        ("logging: {driver: awslogs}", "services.web.logging.driver: the awslogs logging driver is not supported"),
        (
            "build: {context: ., cache_to: [\"type=gha\"]}",
            "services.web.build.cache_to[0]: cache_to type=gha: unknown cache type \"gha\""
        ),
    ])
    func validKeysSkiffCannotCarryOutAreErrors(line: String, expected: String) {
        let message = Self.error("services:\n  web:\n    image: busybox\n    \(line)\n")
        #expect(message.contains("compose.yaml: " + expected), "\(message)")
    }

    /// A swarm-era file (deploy's placement, update and rollback settings, restart delay and window, CPU
    /// reservations) comes up under Docker Compose unchanged: outside a swarm it maps the restart condition,
    /// max_attempts and the memory reservation, and ignores the rest without a word. So does skiff.
    @Test func swarmSettingsLoadAsDockerComposeTakesThem() throws {
        let p = try ComposeParserTests.load(
            """
            services:
              web:
                image: busybox
                cpu_count: 2
                deploy:
                  mode: replicated
                  replicas: 2
                  endpoint_mode: vip
                  placement: {constraints: ["node.role==manager"], max_replicas_per_node: 1}
                  update_config: {parallelism: 2, delay: 10s, order: stop-first}
                  rollback_config: {parallelism: 1}
                  restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3, window: 120s}
                  resources:
                    limits: {cpus: "0.5", memory: 64m}
                    reservations: {cpus: "0.25", memory: 32m}
            """)
        let web = try #require(p.service("web"))
        #expect(web.restart == "on-failure:3" && web.replicas == 2)
        #expect(web.resources.memoryReservation == 32 * 1024 * 1024 && web.limits.memory == 64 * 1024 * 1024)
        #expect(p.warnings.isEmpty, "\(p.warnings)")

        let windows = try ComposeParserTests.load("services:\n  web:\n    image: busybox\n    cpu_percent: 50\n")
        #expect(windows.warnings.contains { $0.hasSuffix("linux does not support CPU percent. Percent discarded.") })
        #expect(Self.error("services:\n  web:\n    image: busybox\n    cpu_count: lots\n").contains("cpu_count"))
    }

    /// `build.pull`, `dockerfile_inline` and `tags` reach the build as Docker Compose passes them.
    @Test func buildPullInlineAndTagsReachTheModel() throws {
        let p = try ComposeParserTests.load(
            "services:\n  app:\n    build: {context: ., pull: true, dockerfile_inline: \"FROM busybox\", tags: [\"x:1\"]}\n"
        )
        let b = try #require(p.service("app")?.build)
        #expect(b.pull && b.dockerfileInline == "FROM busybox" && b.tags == ["x:1"])
        #expect(p.yaml().contains("pull: true"))
        let bad = Self.error("services:\n  app:\n    build: {context: ., tags: [\"UPPER:case\"]}\n")
        #expect(bad.contains("services.app.build.tags[0]"), "\(bad)")
    }

    @Test func resourceAndLoggingKeysReachTheModel() throws {
        let p = try ComposeParserTests.load(
            """
            services:
              web:
                image: busybox
                ulimits:
                  nproc: 65535
                  nofile: {soft: 1024, hard: 2048}
                mem_reservation: 64m
                memswap_limit: 256m
                cpu_shares: 512
                cpuset: "0"
                oom_score_adj: 200
                shm_size: 128m
                domainname: example.test
                annotations: {org.example.a: b}
                extra_hosts:
                  somehost: 10.1.2.3
                  multi: ["10.1.2.4", "10.1.2.5"]
                dns: 9.9.9.9
                dns_search: [example.test]
                dns_opt: ["ndots:2"]
                logging:
                  driver: json-file
                  options: {max-size: 10m, max-file: "3", labels: "service=web"}
                deploy:
                  restart_policy: {condition: on-failure, max_attempts: 4}
                  resources: {reservations: {memory: 32m}}
            """)
        let r = try #require(p.service("web")).resources
        #expect(
            r.ulimits == [
                .init(name: "nproc", soft: 65535, hard: 65535), .init(name: "nofile", soft: 1024, hard: 2048),
            ])
        // deploy's reservation comes after mem_reservation in the file, so it wins.
        #expect(r.memoryReservation == Int64(33_554_432))
        #expect(r.memorySwap == 256 * 1024 * 1024 && r.cpuShares == 512 && r.cpusetCpus == "0")
        #expect(r.oomScoreAdj == 200 && r.shmSize == 128 * 1024 * 1024 && r.domainname == "example.test")
        #expect(r.annotations == ["org.example.a": "b"])
        let names = try #require(p.service("web")).names
        #expect(names.extraHosts == ["somehost:10.1.2.3", "multi:10.1.2.4", "multi:10.1.2.5"])
        #expect(names.dns == ["9.9.9.9"] && names.dnsSearch == ["example.test"] && names.dnsOptions == ["ndots:2"])
        #expect(p.service("web")?.logMaxSize == 10 * 1024 * 1024 && p.service("web")?.logMaxFiles == 3)
        // inspect's LogConfig.Config: the options as given, as Docker Compose sends them.
        #expect(p.service("web")?.logOptions == ["max-size": "10m", "max-file": "3", "labels": "service=web"])
        #expect(p.service("web")?.restart == "on-failure:4")
        #expect(p.warnings.isEmpty, "\(p.warnings)")
        // The config hash follows them: a changed ulimit recreates the container.
        #expect(p.yaml().contains("nofile:") && p.yaml().contains("mem_reservation:"))
    }

    @Test(arguments: [
        ("ulimits: {nofles: 1}", "services.web.ulimits.nofles: unknown ulimit; did you mean nofile?"),
        (
            "ulimits: {nofile: {soft: 10, hard: 5}}",
            "services.web.ulimits.nofile: the soft limit 10 is above the hard limit 5"
        ),
        ("oom_score_adj: 5000", "services.web.oom_score_adj"),
        ("links: [\"nowhere\"]", "services.web.links[0]: links to undefined service \"nowhere\""),
        ("extra_hosts: [\"nocolon\"]", "services.web.extra_hosts: --add-host nocolon: expected NAME:IP"),
        ("dns: [\"not-an-ip\"]", "services.web.dns: --dns not-an-ip: not an IP address"),
    ])
    func badValuesNameTheirPath(line: String, expected: String) {
        let message = Self.error("services:\n  web:\n    image: busybox\n    \(line)\n")
        #expect(message.contains("compose.yaml: " + expected), "\(message)")
    }

    @Test func networksIpamDriverOptionsAddressesAndLinks() throws {
        let p = try ComposeParserTests.load(
            """
            services:
              db:
                image: busybox
                networks:
                  back:
                    ipv4_address: 172.29.5.10
              web:
                image: busybox
                links: ["db:database", "db"]
                networks: [back]
                expose: ["3000", "9000-9001/udp"]
            networks:
              back:
                driver: bridge
                driver_opts:
                  com.docker.network.driver.mtu: "1400"
                  com.docker.network.bridge.enable_icc: "true"
                  com.docker.network.bridge.host_binding_ipv4: 127.0.0.1
                ipam:
                  driver: default
                  config:
                    - subnet: 172.29.0.0/16
                      gateway: 172.29.0.1
                      ip_range: 172.29.5.0/24
            """)
        let back = try #require(p.network("back"))
        #expect(back.subnet == "172.29.0.0/16" && back.gateway == "172.29.0.1" && back.ipRange == "172.29.5.0/24")
        #expect(back.bridgeOptions.mtu == 1400 && back.bridgeOptions.hostBindingIPv4 == "127.0.0.1")
        #expect(p.service("db")?.networks.first?.ipv4Address == "172.29.5.10")
        #expect(
            p.service("web")?.links == [
                ComposeLink(service: "db", alias: "database"), ComposeLink(service: "db", alias: "db"),
            ])
        let wiring = ComposeWiring(project: p)
        #expect(wiring.aliases(try #require(p.service("db")), on: "back") == ["db"])
        let web = try wiring.runOptions(try #require(p.service("web")), name: "w", number: 1, configHash: "H")
        #expect(web.links == ["\(p.name)-db-1:database", "\(p.name)-db-1:db"])
        #expect(web.expose == ["3000", "9000-9001/udp"])
        #expect(p.warnings.isEmpty, "\(p.warnings)")
    }

    @Test(arguments: [
        (
            "networks: {back: {ipv4_address: 10.9.0.5}}", "subnet: 172.30.0.0/16",
            "services.web.networks.back.ipv4_address: 10.9.0.5 is not a free host address of 172.30.0.0/16"
        ),
        (
            "networks: {back: {ipv4_address: 172.30.0.1}}", "subnet: 172.30.0.0/16",
            "is not a free host address of 172.30.0.0/16 (the gateway is 172.30.0.1)"
        ),
        (
            "networks: [back]", "subnet: 172.30.0.0/16\n          ip_range: 10.0.0.0/24",
            "networks.back.ipam.config[0].ip_range: 10.0.0.0/24 is not inside the subnet 172.30.0.0/16"
        ),
        ("networks: [back]", "subnet: nonsense", "networks.back.ipam.config[0].subnet: expected an IPv4 subnet"),
    ])
    func addressesAreCheckedAgainstTheSubnet(service: String, ipam: String, expected: String) {
        let message = Self.error(
            """
            services:
              web:
                image: busybox
                \(service)
            networks:
              back:
                ipam:
                  config:
                    - \(ipam)
            """)
        #expect(message.contains(expected), "\(message)")
    }

    @Test func takenAddressIsRefused() {
        let message = Self.error(
            """
            services:
              a: {image: busybox, networks: {back: {ipv4_address: 172.31.0.5}}}
              b: {image: busybox, networks: {back: {ipv4_address: 172.31.0.5}}}
            networks:
              back: {ipam: {config: [{subnet: 172.31.0.0/24}]}}
            """)
        #expect(
            message.contains("services.b.networks.back.ipv4_address: 172.31.0.5 is already the address of service a"),
            "\(message)")
        let noSubnet = Self.error(
            "services:\n  a: {image: busybox, networks: {back: {ipv4_address: 172.31.0.5}}}\nnetworks:\n  back:\n")
        #expect(
            noSubnet.contains("services.a.networks.back.ipv4_address: a fixed address needs a subnet"), "\(noSubnet)")
    }

    @Test(arguments: [
        ("com.docker.network.bridge.name: br-x", "com.docker.network.bridge.name: skiff names its bridges itself"),
        (
            "com.docker.network.bridge.inhibit_ipv4: \"true\"",
            "com.docker.network.bridge.inhibit_ipv4: not supported by skiff"
        ),
        (
            "com.docker.network.driver.mut: \"1400\"",
            "unknown bridge driver option; did you mean com.docker.network.driver.mtu?"
        ),
    ])
    func bridgeOptionsSkiffCannotCarryOutAreErrors(option: String, expected: String) {
        let message = Self.error(
            "services:\n  web: {image: busybox, networks: [n]}\nnetworks:\n  n:\n    driver_opts:\n      \(option)\n")
        #expect(message.contains(expected), "\(message)")
    }

    /// `compose config` checks what `up` would: a missing env_file is an error at load, unless
    /// `required: false`.
    @Test func missingEnvFileIsAnErrorAtLoad() throws {
        let message = Self.error("services:\n  web:\n    image: busybox\n    env_file: missing.env\n")
        #expect(message.contains("missing.env") && message.contains("not found"), "\(message)")
        let p = try ComposeParserTests.load(
            "services:\n  web:\n    image: busybox\n    env_file: [{path: missing.env, required: false}]\n")
        #expect(p.service("web")?.envFiles.count == 1)
    }
}
