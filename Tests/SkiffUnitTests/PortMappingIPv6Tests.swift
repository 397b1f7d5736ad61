import SkiffKit
import Testing

/// `-p` with an IPv6 host address, as Docker writes it: `[ADDR]:HOST:CONTAINER`, `[ADDR]::CONTAINER`.
@Suite("-p with IPv6 host addresses")
struct PortMappingIPv6Tests {
    @Test func bracketedAddressesAreTheHostAddress() throws {
        #expect(
            try PortMapping.parse("[::1]:8080:80") == [PortMapping(hostIP: "::1", hostPort: 8080, containerPort: 80)])
        #expect(
            try PortMapping.parse("[::]:53:53/udp") == [
                PortMapping(hostIP: "::", hostPort: 53, containerPort: 53, proto: "udp")
            ])
        #expect(
            try PortMapping.parse("[FD00:0::1]::80") == [PortMapping(hostIP: "fd00::1", hostPort: 0, containerPort: 80)]
        )
        #expect(try PortMapping.parse("[::1]:9000-9001:80-81").map(\.hostPort) == [9000, 9001])
        #expect(PortMapping(hostIP: "::1", hostPort: 8080, containerPort: 80).description == "80/tcp -> [::1]:8080")
        #expect(PortMapping(hostIP: "", hostPort: 8080, containerPort: 80).description == "80/tcp -> 0.0.0.0:8080")
        for (bad, why) in [
            ("[::1:8080:80", "unclosed ["), ("[10.0.0.1]:80:80", "10.0.0.1 is not an IPv6 address"),
            ("[::1]8080:80", "expected ':' after the IPv6 address"), ("[::1]:80", "a host address needs a host port"),
            ("[::1]:1:2:3", "too many ':'"), ("::1:8080:80", "too many ':'"),
        ] {
            do {
                let got = try PortMapping.parse(bad)
                Issue.record("\(bad) was taken as \(got)")
            } catch { #expect("\(error)".contains("-p \(bad): \(why)"), "\(bad): \(error)") }
        }
    }
}
