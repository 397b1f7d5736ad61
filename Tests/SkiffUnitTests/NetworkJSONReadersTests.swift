import Foundation
import SkiffSystem
import Testing

@testable import SkiffKit

/// A bridge start reads its network's config.json, the container's network.json and every lease of the
/// network with `JSONView` first (`NetworkJSONReaders.swift`). `JSONDecoder` is the oracle: each reader
/// gives exactly the value it decodes, on records that set every field (checked by reflection, so a field
/// added to a network type fails here until it is read), as Skiff writes them (`KitJSON.encode`) and as
/// older versions wrote them (fields missing); where a reader declines, `KitJSON.decode` gives Codable's
/// value or Codable's error.
@Suite("Network JSON readers")
struct NetworkJSONReadersTests {
    static func decoded<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }

    static var fullConfig: NetworkConfig {
        var config = NetworkConfig(
            name: "app_default", id: String(repeating: "ab", count: 32), driver: "bridge",
            subnet: IPv4Subnet("10.89.3.0/24"), gateway: IPv4Address("10.89.3.1"), bridge: "skiff1a2b3c2", index: 2,
            created: "2026-12-07T03:00:00.123456789Z", labels: ["com.docker.compose.project": "app", "é": "\u{1F600}"],
            automaticSubnet: true, isInternal: true)
        config.ipRange = IPv4Subnet("10.89.3.128/25")
        var options = NetworkBridgeOptions(mtu: 1400, hostBindingIPv4: "127.0.0.1")
        options.enableICC = false
        options.enableIPMasquerade = false
        config.bridgeOptions = options
        config.subnet6 = IPv6Subnet("fd00:1::/64")
        config.gateway6 = IPv6Address("fd00:1::1")
        config.auxAddresses = ["router": "10.89.3.2", "v6": "fd00:1::2"]
        config.attachable = true
        config.ipamOptions = ["foo": "bar"]
        return config
    }

    static var fullLease: NetworkLease {
        var ranged = PortMapping(hostIP: "::1", hostPort: 8000, containerPort: 80)
        ranged.hostPortEnd = 8005
        return NetworkLease(
            containerID: String(repeating: "cd", count: 32), name: "app-web-1", hostname: "web",
            aliases: ["web", "app-web-1", "\"quoted\" \\"], ip: IPv4Address("10.89.3.7"), interface: "eth1",
            veth: "skfcdcdcdcdcd2",
            ports: [PortMapping(hostIP: "", hostPort: 65535, containerPort: 1, proto: "udp"), ranged],
            mac: "02:42:0a:59:03:07", ip6: IPv6Address("fd00:1::7"), index: 1)
    }

    static var fullRequest: ContainerNetworkRequest {
        var endpoint = EndpointOptions()
        endpoint.interfaceName = "lan0"
        endpoint.linkLocalIPs = ["169.254.1.1", "fe80::1"]
        endpoint.sysctls = ["net.ipv4.conf.IFNAME.log_martians=1"]
        var ranged = PortMapping(hostIP: "127.0.0.1", hostPort: 9000, containerPort: 8000)
        ranged.hostPortEnd = 9009
        var request = ContainerNetworkRequest(
            mode: "user",
            attachments: [
                .init(
                    network: "app_default", aliases: ["web"], ip: "10.89.3.7", mac: "02:42:0a:59:03:07",
                    ip6: "fd00:1::7", endpoint: endpoint),
                .init(network: "back", aliases: [], ip: nil),
            ],
            ports: [PortMapping(hostIP: "", hostPort: 0, containerPort: 53, proto: "udp"), ranged], publishAll: true,
            container: "donor")
        request.extraHosts = "10.0.0.1\thost.docker.internal\n"
        request.links = [.init(name: "db", alias: "database")]
        request.dnsServers = ["9.9.9.9"]
        return request
    }

    @Test func everyConfigFieldIsReadAsJSONDecoderReadsIt() throws { try Self.expectEveryFieldRead(Self.fullConfig) }

    @Test func everyLeaseFieldIsReadAsJSONDecoderReadsIt() throws { try Self.expectEveryFieldRead(Self.fullLease) }

    @Test func everyRequestFieldIsReadAsJSONDecoderReadsIt() throws { try Self.expectEveryFieldRead(Self.fullRequest) }

    /// `value` sets every field; written as Skiff writes it, it reads back as itself and as Codable's.
    static func expectEveryFieldRead<T: Equatable & Encodable & JSONViewReadable>(_ value: T) throws {
        #expect(SpecJSONOutputTests.unset(in: value) == [])
        let bytes = try KitJSON.encode(value)
        let read = try #require(T(json: bytes))
        #expect(read == value)
        #expect(read == (try Self.decoded(T.self, bytes)))
    }

    /// Records written before a field existed (a lease without mac, ip6 and index; a network without its
    /// IPv6 or options), an IPv6-only network and lease, and nulls where Codable takes them as absent.
    @Test func sparseRecordsReadAsDecoded() throws {
        let configs = [
            #"{"name":"bridge","id":"x","driver":"bridge","subnet":"10.88.0.0/16","gateway":"10.88.0.1","bridge":"skiff0","index":0,"created":"c","labels":{},"automaticSubnet":true,"isInternal":false}"#,
            #"{"name":"v6","id":"x","driver":"bridge","subnet":null,"bridge":"skiff1","index":1,"created":"c","labels":{},"automaticSubnet":false,"isInternal":false,"subnet6":"fd00::/64","gateway6":"fd00::1","bridgeOptions":{}}"#,
        ]
        for text in configs { try Self.expectReadAsDecoded(NetworkConfig.self, text) }
        let leases = [
            #"{"containerID":"c","name":"n","hostname":"h","aliases":[],"ip":"10.88.0.2","interface":"eth0","veth":"skf0","ports":[]}"#,
            #"{"containerID":"c","name":"n","hostname":"h","aliases":[],"ip":null,"ip6":"fd00::2","interface":"eth0","veth":"skf0","ports":[],"mac":null,"index":0,"unknown":[1]}"#,
        ]
        for text in leases { try Self.expectReadAsDecoded(NetworkLease.self, text) }
        let requests = [
            #"{"mode":"bridge","attachments":[{"network":"bridge","aliases":[]}],"ports":[{"hostIP":"","hostPort":8080,"containerPort":80,"proto":"tcp"}],"publishAll":false}"#,
            #"{"mode":"container","attachments":[],"ports":[],"publishAll":false,"container":"db"}"#,
        ]
        for text in requests { try Self.expectReadAsDecoded(ContainerNetworkRequest.self, text) }
    }

    /// Records the readers decline: nil here, and `KitJSON.decode` then gives Codable's value or Codable's
    /// error. A bad address or subnet, a port out of range or fractional, a field of another type, a key
    /// twice, a required field missing or null, bad JSON.
    @Test func declinedRecordsFallBackToCodable() throws {
        let lease = #"{"containerID":"c","name":"n","hostname":"h","aliases":[],"interface":"eth0","veth":"skf0","#
        let declinedLeases = [
            lease + #""ip":"10.88.0.300","ports":[]}"#,
            lease + #""ip":"10.88.0.2","ports":[{"hostIP":"","hostPort":70000,"containerPort":80,"proto":"tcp"}]}"#,
            lease + #""ip":"10.88.0.2","ports":[{"hostIP":"","hostPort":80.5,"containerPort":80,"proto":"tcp"}]}"#,
            lease + #""ip":"10.88.0.2","ports":[{"hostIP":"","hostPort":-1,"containerPort":80,"proto":"tcp"}]}"#,
            lease + #""ip":"10.88.0.2","ports":[null]}"#,
            lease + #""ip":"10.88.0.2","ports":[],"index":"0"}"#,
            lease + #""ip":"10.88.0.2","ports":[],"ip":"10.88.0.3"}"#,
            lease + #""ip6":"fd00::zz","ports":[]}"#,
            #"{"containerID":"c","name":"n","hostname":null,"aliases":[],"interface":"eth0","veth":"skf0","ports":[]}"#,
            #"{"containerID":"c","name":"n","aliases":[],"interface":"eth0","veth":"skf0","ports":[]}"#,
            lease + #""ports":[]"#,
        ]
        for text in declinedLeases { try Self.expectCodableDecides(NetworkLease.self, text) }
        let config = #"{"name":"n","id":"x","driver":"bridge","bridge":"skiff1","index":1,"created":"c","labels":{},"#
        let declinedConfigs = [
            config + #""automaticSubnet":true,"isInternal":false,"subnet":"10.89.0.0/33"}"#,
            config + #""automaticSubnet":true,"isInternal":false,"subnet6":"10.89.0.0/24"}"#,
            config + #""automaticSubnet":1,"isInternal":false}"#,
            config + #""automaticSubnet":true,"isInternal":false,"bridgeOptions":{"mtu":"1500"}}"#,
            config + #""automaticSubnet":true,"isInternal":false,"auxAddresses":{"a":1}}"#,
            config + #""automaticSubnet":true}"#,
        ]
        for text in declinedConfigs { try Self.expectCodableDecides(NetworkConfig.self, text) }
        let request = #"{"mode":"user","ports":[],"publishAll":false,"#
        let declinedRequests = [
            request + #""attachments":[{"network":"n","aliases":[],"endpoint":{"interfaceName":"x"}}]}"#,
            request + #""attachments":[{"network":"n","aliases":"a"}]}"#,
            request + #""attachments":[],"links":[{"name":"db"}]}"#,
            request + #""attachments":[],"dnsServers":[1]}"#,
        ]
        for text in declinedRequests { try Self.expectCodableDecides(ContainerNetworkRequest.self, text) }
    }

    /// The store's own decode of a lease the reader reads and of one it declines, from real files.
    @Test func theStoreReadsLeasesBothWays() throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-unit-leases-")
        defer { FileIO.removeTree(dir) }
        let store = NetworkStore(stateRoot: dir, hostDirectory: dir + "/host")
        try FileIO.makeDirectories(store.leaseDirectory("bridge"), mode: 0o700)
        var first = Self.fullLease
        first.ip = IPv4Address("10.88.0.9")
        try FileIO.writeAtomically(store.leaseDirectory("bridge") + "/10.88.0.9", contents: try KitJSON.encode(first))
        // A port of 1e2 is 100 to Codable; the reader declines a number written with an exponent.
        let declined =
            #"{"containerID":"c","name":"n","hostname":"h","aliases":[],"ip":"10.88.0.3","interface":"eth0","veth":"skf0","ports":[{"hostIP":"","hostPort":1e2,"containerPort":80,"proto":"tcp"}]}"#
        #expect(NetworkLease(json: Array(declined.utf8)) == nil)
        try FileIO.writeAtomically(store.leaseDirectory("bridge") + "/10.88.0.3", contents: Array(declined.utf8))
        let leases = store.leases("bridge")
        #expect(leases.map(\.key) == ["10.88.0.3", "10.88.0.9"])
        #expect(leases.first?.ports.first?.hostPort == 100)
        #expect(leases.last == first)
    }

    static func expectReadAsDecoded<T: Equatable & JSONViewReadable>(_ type: T.Type, _ text: String) throws {
        let bytes = Array(text.utf8)
        let read = try #require(T(json: bytes), "\(text)")
        #expect(read == (try Self.decoded(type, bytes)), "\(text)")
    }

    static func expectCodableDecides<T: Decodable & Equatable & JSONViewReadable>(_ type: T.Type, _ text: String)
        throws
    {
        let bytes = Array(text.utf8)
        #expect(T(json: bytes) == nil, "\(text)")
        let codable = Result { try Self.decoded(type, bytes) }
        let kit = Result { try KitJSON.decode(type, from: bytes) }
        switch (codable, kit) {
        case (.success(let a), .success(let b)): #expect(a == b, "\(text)")
        case (.failure(let a), .failure(let b)): #expect(KitJSON.reason(a) == KitJSON.reason(b), "\(text)")
        default: Issue.record("\(text): Codable gave \(codable), KitJSON \(kit)")
        }
    }
}
