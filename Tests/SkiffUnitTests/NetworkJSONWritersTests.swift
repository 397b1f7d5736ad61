import Foundation
import SkiffSystem
import Testing

@testable import SkiffKit

/// A container's network.json and its leases are written with `JSONOutput` (`NetworkJSONWriters.swift`),
/// byte for byte as `KitJSON`'s `JSONEncoder` (pretty-printed, sorted keys, slashes unescaped) writes
/// them: records that set every field (the readers' fixtures, checked by reflection), sparse ones, and
/// strings that need escapes.
@Suite("Network JSON writers")
struct NetworkJSONWritersTests {
    static func encoded<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return Array(try encoder.encode(value))
    }

    static func expectSameBytes<T: Encodable & JSONWritable>(_ value: T, _ comment: Comment? = nil) throws {
        let written = try KitJSON.encode(value)
        let encoded = try Self.encoded(value)
        #expect(
            written == encoded,
            "\(comment ?? "")\n\(String(decoding: written, as: UTF8.self))\n---\n\(String(decoding: encoded, as: UTF8.self))"
        )
    }

    @Test func everyFieldIsWrittenAsJSONEncoderWritesIt() throws {
        #expect(SpecJSONOutputTests.unset(in: NetworkJSONReadersTests.fullLease) == [])
        #expect(SpecJSONOutputTests.unset(in: NetworkJSONReadersTests.fullRequest) == [])
        try Self.expectSameBytes(NetworkJSONReadersTests.fullLease)
        try Self.expectSameBytes(NetworkJSONReadersTests.fullRequest)
    }

    @Test func sparseRecordsAreWrittenAsJSONEncoderWritesThem() throws {
        let lease = NetworkLease(
            containerID: "c", name: "n", hostname: "h", aliases: [], ip: nil, interface: "eth0", veth: "skf0",
            ports: [], ip6: IPv6Address("fd00::2"))
        try Self.expectSameBytes(lease)
        var request = ContainerNetworkRequest(
            mode: "bridge", attachments: [.init(network: "bridge", aliases: [], ip: nil, endpoint: EndpointOptions())],
            ports: [], publishAll: false, container: nil)
        try Self.expectSameBytes(request)
        request.links = []
        request.dnsServers = []
        request.extraHosts = ""
        try Self.expectSameBytes(request)
        try Self.expectSameBytes(
            ContainerNetworkRequest(mode: "container", attachments: [], ports: [], publishAll: false, container: "db"))
    }

    /// Names and hosts lines with quotes, backslashes, control characters, slashes and non-ASCII text.
    @Test func stringsAreEscapedAsJSONEncoderEscapesThem() throws {
        for text in ["a/b", "\"q\" \\", "tab\tline\nnul\u{0}\u{1F}", "é \u{1F600} \u{212A}", "\u{7F}\u{2028}"] {
            var lease = NetworkJSONReadersTests.fullLease
            lease.name = text
            lease.aliases = [text, ""]
            try Self.expectSameBytes(lease, "\(text.debugDescription)")
            var request = NetworkJSONReadersTests.fullRequest
            request.extraHosts = "10.0.0.1\t\(text)\n"
            try Self.expectSameBytes(request, "\(text.debugDescription)")
        }
    }

    /// What is written reads back as itself, through the reader and through Codable.
    @Test func writtenRecordsReadBack() throws {
        let lease = NetworkJSONReadersTests.fullLease
        let bytes = try KitJSON.encode(lease)
        #expect(NetworkLease(json: bytes) == lease)
        #expect(try JSONDecoder().decode(NetworkLease.self, from: Data(bytes)) == lease)
        let request = NetworkJSONReadersTests.fullRequest
        #expect(ContainerNetworkRequest(json: try KitJSON.encode(request)) == request)
    }
}
