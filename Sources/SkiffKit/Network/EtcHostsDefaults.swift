/// What Docker's /etc/hosts holds besides the container's networks: the lines every file starts with
/// (libnetwork's etchosts default content, IPv6 names included) and the names on the container's own
/// line.
package enum EtcHostsDefaults {
    package static let header = """
        127.0.0.1\tlocalhost
        ::1\tlocalhost ip6-localhost ip6-loopback
        fe00::0\tip6-localnet
        ff00::0\tip6-mcastprefix
        ff02::1\tip6-allnodes
        ff02::2\tip6-allrouters

        """

    /// The file written when the container is made: the fixed lines and a line for the container on
    /// 127.0.1.1 until its networks give it its addresses; under `--network none` the fixed lines alone,
    /// as Docker's (no interface, no line: the container's own name does not resolve there).
    package static func whenMade(hostname: String, network: RunOptions.NetworkMode) -> String {
        guard network != .none else { return header }
        return header + "127.0.1.1\t\(selfNames(hostname).joined(separator: " "))\n"
    }

    /// Docker splits `--hostname a.b.c` into the host name `a` and the domain `b.c`, and names the
    /// container `a.b.c a`, so the short name resolves too.
    package static func selfNames(_ hostname: String) -> [String] {
        guard let dot = hostname.firstIndex(of: "."), dot != hostname.startIndex else { return [hostname] }
        return [hostname, String(hostname[..<dot])]
    }

    /// `text` with the `--add-host` lines where Docker writes them: after the fixed lines, before the
    /// container's own line and any other (a file that does not start with the fixed lines, the host's
    /// /etc/hosts under `--network host`, gets them at its end).
    package static func withExtraHosts(_ lines: String, in text: String) -> String {
        guard !lines.isEmpty else { return text }
        guard text.hasPrefix(header) else { return text + lines }
        return header + lines + text.dropFirst(header.count)
    }

    /// `text` without the `--add-host` lines `withExtraHosts` put in it (nil when they are not there:
    /// a file the container rewrote).
    package static func withoutExtraHosts(_ lines: String, in text: String) -> String? {
        guard !lines.isEmpty else { return text }
        if text.hasPrefix(header + lines) { return header + text.dropFirst(header.count + lines.count) }
        if text.hasSuffix(lines) { return String(text.dropLast(lines.count)) }
        return nil
    }
}
