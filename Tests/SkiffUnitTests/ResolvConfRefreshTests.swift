import Testing

@testable import SkiffKit

/// A start's resolv.conf (Docker's `setupDNS` at every start, and since Docker 29 its `UserModified`
/// check): made again from the host's current file unless the container's file is not what Skiff last
/// wrote; nothing written when nothing changes.
@Suite("resolv.conf made again at each start")
struct ResolvConfRefreshTests {
    let gateway = IPv4Address("10.88.0.1")!

    func names(search: [String] = []) -> ContainerNameOptions {
        var o = ContainerNameOptions()
        o.dnsSearch = search
        return o
    }

    @Test func anUnchangedFileFollowsTheHostsNewServers() {
        let written = ResolvConfRefresh.generate(
            hostText: "nameserver 192.0.2.1\n", form: .bridge, gateway: gateway, names: names(search: ["corp.test"]))
        let next = ResolvConfRefresh.rewrite(
            hostText: "nameserver 192.0.2.2\n", form: .bridge, gateway: gateway, names: names(search: ["corp.test"]),
            current: written, recordedDigest: ResolvConfRefresh.digest(written))
        #expect(next == "search corp.test\nnameserver 192.0.2.2\n", "\(next ?? "nil")")
    }

    @Test func theEmbeddedFormNamesTheHostsNewServersAsItsUpstreams() {
        let written = ResolvConfRefresh.generate(
            hostText: "nameserver 192.0.2.1\n", form: .embedded, gateway: nil, names: names())
        let next = ResolvConfRefresh.rewrite(
            hostText: "nameserver 192.0.2.2\n", form: .embedded, gateway: nil, names: names(), current: written,
            recordedDigest: ResolvConfRefresh.digest(written))
        #expect(next?.hasPrefix("nameserver 127.0.0.11\n") == true && next?.contains("ExtServers: [192.0.2.2]") == true)
    }

    @Test func aFileTheUserChangedIsKept() {
        let written = ResolvConfRefresh.generate(
            hostText: "nameserver 192.0.2.1\n", form: .hostFile, gateway: nil, names: names())
        let edited = written + "options edns0\n"
        #expect(
            ResolvConfRefresh.rewrite(
                hostText: "nameserver 192.0.2.2\n", form: .hostFile, gateway: nil, names: names(), current: edited,
                recordedDigest: ResolvConfRefresh.digest(written)) == nil)
        // Nothing recorded (a record made before the digest was kept): the file is left as it is.
        #expect(
            ResolvConfRefresh.rewrite(
                hostText: "nameserver 192.0.2.2\n", form: .hostFile, gateway: nil, names: names(), current: written,
                recordedDigest: nil) == nil)
    }

    @Test func nothingIsWrittenWhenNothingChanged() {
        let host = "nameserver 192.0.2.1\nsearch lan\n"
        for form in [ResolvConfRecord.Form.hostFile, .bridge, .embedded] {
            let written = ResolvConfRefresh.generate(hostText: host, form: form, gateway: gateway, names: names())
            #expect(
                ResolvConfRefresh.rewrite(
                    hostText: host, form: form, gateway: gateway, names: names(), current: written,
                    recordedDigest: ResolvConfRefresh.digest(written)) == nil, "\(form)")
        }
    }

    @Test func theRecordNamesTheHostFileOnlyWhenItIsNotTheRealOne() {
        #expect(ResolvConfRecord(form: .bridge, hostFile: "/etc/resolv.conf", written: "").hostFile == nil)
        #expect(ResolvConfRecord(form: .bridge, hostFile: "/tmp/r", written: "").hostFile == "/tmp/r")
    }

    /// The form follows the networks at each start: any user-defined one brings the embedded server.
    @Test func theFormFollowsTheContainersNetworks() {
        #expect(ResolvConfRefresh.form(recorded: .bridge, networks: ["bridge", "appnet"]) == .embedded)
        #expect(ResolvConfRefresh.form(recorded: .embedded, networks: ["bridge"]) == .bridge)
        #expect(ResolvConfRefresh.form(recorded: .bridge, networks: ["bridge"]) == .bridge)
        #expect(ResolvConfRefresh.form(recorded: .hostFile, networks: ["appnet"]) == .hostFile)
        #expect(ResolvConfRefresh.form(recorded: .embedded, networks: []) == .embedded)
    }
}
