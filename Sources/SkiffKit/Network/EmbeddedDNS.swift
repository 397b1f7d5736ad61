/// Skiff's embedded DNS server, Docker's 127.0.0.11, for containers on a user-defined network: their
/// lookups of other containers by name must work by DNS too (busybox `nslookup`, `dig`, nginx's
/// `resolver 127.0.0.11;`, resolvers that skip /etc/hosts), and on an IPv6-only network the host's
/// IPv4 name servers cannot be reached from the container.
/// The serving is `skiff network loopback-proxy --dns` (it listens inside the container's namespace
/// and forwards from the host's); this is the pure part: reading a query, answering it from the
/// container's hosts file (the names of the containers it shares a network with, kept current by
/// Skiff), and the failure replies. Names it knows are answered with authority, as Docker's resolver
/// does: A and AAAA from the file (a name with addresses of the other family only gets an empty
/// NOERROR answer), PTR for their addresses; anything else is forwarded.
package enum EmbeddedDNS {
    /// The address the server listens on in the container (UDP and TCP port 53), as Docker's.
    package static let address = "127.0.0.11"
    /// Docker's TTL for the records its resolver makes.
    static let ttl: UInt32 = 600

    package enum RecordType: UInt16 {
        case a = 1
        case ptr = 12
        case aaaa = 28
    }

    /// The first question of a standard query.
    package struct Query: Equatable {
        package var id: UInt16
        package var flags: UInt16
        /// Lowercased, without the final dot.
        package var name: String
        package var type: UInt16
        package var qclass: UInt16
        /// The question's bytes (name, type, class), copied into the reply.
        package var question: [UInt8]

        package init?(_ bytes: [UInt8]) {
            guard bytes.count >= 12 else { return nil }
            id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
            flags = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
            let qdcount = UInt16(bytes[4]) << 8 | UInt16(bytes[5])
            // A response, or not exactly one question: nothing to answer here.
            guard flags & 0x8000 == 0, qdcount == 1 else { return nil }
            var labels: [String] = []
            var i = 12
            while true {
                guard i < bytes.count else { return nil }
                let length = Int(bytes[i])
                i += 1
                if length == 0 { break }
                // A compression pointer in a question is not something a resolver sends.
                guard length < 64, i + length <= bytes.count else { return nil }
                labels.append(String(decoding: bytes[i..<(i + length)], as: UTF8.self).lowercased())
                i += length
            }
            guard i + 4 <= bytes.count else { return nil }
            type = UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
            qclass = UInt16(bytes[i + 2]) << 8 | UInt16(bytes[i + 3])
            question = Array(bytes[12..<(i + 4)])
            name = labels.joined(separator: ".")
        }

        var opcode: UInt16 { (flags >> 11) & 0xF }
    }

    /// The names of a hosts file and their addresses, in the file's order (loopback, multicast and
    /// the file's fixed IPv6 lines left out: those are the container's own business, not its network's).
    package static func records(hostsText: String) -> [(address: String, names: [String])] {
        var out: [(String, [String])] = []
        for line in hostsText.split(separator: "\n") {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard f.count >= 2, !f[0].hasPrefix("#") else { continue }
            let names = f.dropFirst().prefix { !$0.hasPrefix("#") }.map { $0.lowercased() }
            if let v4 = IPv4Address(f[0]) {
                guard v4.value >> 24 != 127 else { continue }
                out.append((v4.description, names))
            } else if let v6 = IPv6Address(f[0]) {
                let b = v6.bytes
                guard b[0] != 0xff, !(b[0] == 0xfe && b[1] == 0), v6 != IPv6Address("::1") else { continue }
                out.append((v6.description, names))
            }
        }
        return out
    }

    /// The part of a container's hosts file that names its networks' containers: without the
    /// `--add-host` lines (`extraHosts`, after the fixed lines as Docker writes them; at the end in a
    /// file an older Skiff wrote), which Docker's resolver does not answer (they are the container's
    /// /etc/hosts entries, not names on its networks).
    package static func networkHosts(hostsText: String, extraHosts: String?) -> String {
        guard let extraHosts else { return hostsText }
        return EtcHostsDefaults.withoutExtraHosts(extraHosts, in: hostsText) ?? hostsText
    }

    /// The reply to `query` from the hosts file, or nil when the name is not one of it (forward it).
    /// `NAME.NETWORK`, NETWORK one of the container's `networks`, is NAME, as Docker's resolver takes it.
    package static func localAnswer(to query: [UInt8], hostsText: String, networks: [String] = []) -> [UInt8]? {
        guard let q = Query(query), q.opcode == 0, q.qclass == 1 else { return nil }
        let records = records(hostsText: hostsText)
        switch RecordType(rawValue: q.type) {
        case .a, .aaaa:
            var names = [q.name]
            for n in networks.map({ $0.lowercased() }) where q.name.hasSuffix("." + n) {
                names.append(String(q.name.dropLast(n.count + 1)))
            }
            let known = records.filter { r in names.contains { r.names.contains($0) } }
            guard !known.isEmpty else { return nil }
            var answers: [[UInt8]] = []
            var seen = Set<String>()
            for r in known where seen.insert(r.address).inserted {
                if q.type == RecordType.a.rawValue, let a = IPv4Address(r.address) {
                    answers.append((0..<4).map { UInt8(truncatingIfNeeded: a.value >> UInt32(24 - 8 * $0)) })
                } else if q.type == RecordType.aaaa.rawValue, let a = IPv6Address(r.address) {
                    answers.append(a.bytes)
                }
            }
            return reply(to: q, rcode: 0, answers: answers.map { (q.type, $0) })
        case .ptr:
            guard let address = reverseAddress(q.name),
                let name = records.first(where: { $0.address == address })?.names.first
            else { return nil }
            return reply(to: q, rcode: 0, answers: [(q.type, encodeName(name))])
        case nil:
            return nil
        }
    }

    /// A reply for UDP: one larger than 512 bytes to a query without EDNS (no additional record) is
    /// cut to its header and question with TC set, so the resolver asks again over TCP (RFC 1035).
    package static func forUDP(_ reply: [UInt8], query: [UInt8]) -> [UInt8] {
        guard reply.count > 512, query.count >= 12, query[10] == 0, query[11] == 0, let q = Query(query) else {
            return reply
        }
        var cut = Self.reply(to: q, rcode: reply[3] & 0x0f, answers: [], authoritative: reply[2] & 0x04 != 0)
        cut[2] |= 0x02
        return cut
    }

    /// Whether an upstream server's reply is the answer, as Docker's resolver takes it: a SERVFAIL or
    /// REFUSED (a server in trouble), or an NXDOMAIN without authority, sends the query on to the next.
    package static func endsForwarding(_ reply: [UInt8]) -> Bool {
        guard reply.count >= 12 else { return false }
        let rcode = reply[3] & 0x0f
        let authoritative = reply[2] & 0x04 != 0
        return !(rcode == 2 || rcode == 5 || (rcode == 3 && !authoritative))
    }

    /// SERVFAIL: no server to forward to, or none answered.
    package static func serverFailure(to query: [UInt8]) -> [UInt8]? {
        guard let q = Query(query) else { return nil }
        return reply(to: q, rcode: 2, answers: [], authoritative: false)
    }

    /// The address a reverse name (`4.3.2.1.in-addr.arpa`, `…ip6.arpa` nibbles) stands for.
    static func reverseAddress(_ name: String) -> String? {
        if name.hasSuffix(".in-addr.arpa") {
            let parts = name.dropLast(".in-addr.arpa".count).split(separator: ".")
            guard parts.count == 4 else { return nil }
            return IPv4Address(parts.reversed().joined(separator: "."))?.description
        }
        if name.hasSuffix(".ip6.arpa") {
            let nibbles = name.dropLast(".ip6.arpa".count).split(separator: ".")
            guard nibbles.count == 32, nibbles.allSatisfy({ $0.count == 1 && $0.first!.isHexDigit }) else {
                return nil
            }
            let hex = nibbles.reversed().joined()
            var groups: [String] = []
            var i = hex.startIndex
            while i < hex.endIndex {
                let j = hex.index(i, offsetBy: 4)
                groups.append(String(hex[i..<j]))
                i = j
            }
            return IPv6Address(groups.joined(separator: ":"))?.description
        }
        return nil
    }

    static func encodeName(_ name: String) -> [UInt8] {
        var out: [UInt8] = []
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8.prefix(63))
            out.append(UInt8(bytes.count))
            out += bytes
        }
        return out + [0]
    }

    static func reply(to q: Query, rcode: UInt8, answers: [(UInt16, [UInt8])], authoritative: Bool = true)
        -> [UInt8]
    {
        // QR, the query's opcode and RD, RA; AA for names it holds.
        var flags: UInt16 = 0x8000 | (q.flags & 0x7900) | 0x0080 | UInt16(rcode)
        if authoritative { flags |= 0x0400 }
        var out: [UInt8] = []
        func u16(_ v: UInt16) { out += [UInt8(v >> 8), UInt8(v & 0xff)] }
        u16(q.id)
        u16(flags)
        u16(1)
        u16(UInt16(answers.count))
        u16(0)
        u16(0)
        out += q.question
        for (type, data) in answers {
            u16(0xC00C)  // the question's name
            u16(type)
            u16(1)
            u16(UInt16(ttl >> 16))
            u16(UInt16(ttl & 0xffff))
            u16(UInt16(data.count))
            out += data
        }
        return out
    }
}
