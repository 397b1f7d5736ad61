import Foundation
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// IPv6 forwarding on the host, which the kernel has only as a host-wide switch for packets that come in
/// on an interface Skiff does not own (the replies of a container's outbound connection, a published
/// port reached from another machine). Docker turns `net.ipv6.conf.all.forwarding` on and leaves it;
/// Skiff turns it on while a Skiff bridge with IPv6 (not internal) exists on the host, and puts back
/// what it changed when the last one goes:
/// - `all.forwarding` (and so every interface's `forwarding`), saved as it was;
/// - `accept_ra` of every interface (and `default`) that took router advertisements (1): with forwarding
///   on the kernel ignores them, so they are set to 2 (take them even when forwarding) meanwhile;
/// - while Skiff holds forwarding on, the firewall drops forwarded traffic that touches no Skiff
///   bridge (`FirewallPlan.guardsForeignForwarding`), so the host routes nothing it did not before.
/// The record of what was changed is `<hostDirectory>/ipv6-forwarding`; callers hold the host lock.
package enum IPv6Forwarding {
    static func recordPath(_ hostDirectory: String) -> String { hostDirectory + "/ipv6-forwarding" }

    /// Whether Skiff turned forwarding on (and so must guard it).
    static func heldBySkiff(hostDirectory: String) -> Bool { FileIO.exists(recordPath(hostDirectory)) }

    static func acquire(hostDirectory: String) {
        guard HostNetwork.readSysctl("net/ipv6/conf/all/forwarding") == "0",
            !heldBySkiff(hostDirectory: hostDirectory)
        else { return }
        var saved = ["net/ipv6/conf/all/forwarding 0"]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/sys/net/ipv6/conf")) ?? []
        for name in names.sorted()
        where name != "all" && !name.hasPrefix(NetworkStore.bridgePrefix) && !name.hasPrefix("skf") {
            let path = "net/ipv6/conf/\(name)/accept_ra"
            if HostNetwork.readSysctl(path) == "1" { saved.append("\(path) 1") }
        }
        // Interfaces made meanwhile take `default`'s 2; on release they get `default`'s own value back.
        saved.append("present " + names.sorted().joined(separator: ","))
        // Written before anything changes, so a crash in between still leaves the way back.
        guard
            (try? FileIO.writeAtomically(recordPath(hostDirectory), contents: Array(saved.joined(separator: "\n").utf8)))
                != nil
        else { return }
        for line in saved.dropFirst() where line.hasPrefix("net/") {
            HostNetwork.sysctl(String(line.split(separator: " ")[0]), "2")
        }
        HostNetwork.sysctl("net/ipv6/conf/all/forwarding", "1")
    }

    /// Put back what `acquire` changed once no Skiff bridge of any root forwards IPv6 (they are marked by
    /// `force_forwarding=1`, see `Engine.enableBridgeIPv6`).
    static func releaseIfUnused(hostDirectory: String) {
        guard let text = try? FileIO.readString(recordPath(hostDirectory)) else { return }
        if bridgesForwarding().isEmpty == false { return }
        let lines = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        if let all = lines.first(where: { $0.first == "net/ipv6/conf/all/forwarding" }), all.count == 2 {
            HostNetwork.sysctl(all[0], all[1])
        }
        for l in lines where l.count == 2 && l[0].hasPrefix("net/") && l[0] != "net/ipv6/conf/all/forwarding" {
            // An interface gone since has nothing to restore.
            if HostNetwork.readSysctl(l[0]) == "2" { HostNetwork.sysctl(l[0], l[1]) }
        }
        let present = Set(
            lines.first { $0.first == "present" }.map {
                $0.count > 1 ? $0[1].split(separator: ",").map(String.init) : []
            } ?? [])
        if let d = lines.first(where: { $0.first == "net/ipv6/conf/default/accept_ra" }), d.count == 2 {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/sys/net/ipv6/conf")) ?? []
            for name in names where name != "all" && !present.contains(name) {
                let path = "net/ipv6/conf/\(name)/accept_ra"
                if HostNetwork.readSysctl(path) == "2" { HostNetwork.sysctl(path, d[1]) }
            }
        }
        unlink(recordPath(hostDirectory))
    }

    /// The Skiff bridges (any root) that forward IPv6.
    package static func bridgesForwarding() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/sys/net/ipv6/conf")) ?? []
        return names.filter {
            $0.hasPrefix(NetworkStore.bridgePrefix)
                && HostNetwork.readSysctl("net/ipv6/conf/\($0)/force_forwarding") == "1"
        }
    }
}
