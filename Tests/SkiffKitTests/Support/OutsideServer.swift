import Foundation
import Glibc

/// "The outside" for outbound tests: a network namespace joined by a veth pair to the host (or to
/// the namespace `hostNetns`), with busybox httpd serving `greeting` on port 8080 at `address`.
/// `stop()` kills the server and removes the namespace and the pair.
final class OutsideServer {
    let namespace: String
    let hostNetns: String?
    let hostEnd: String
    let address: String
    /// The host's end of the pair: where the namespace's routes back to the host point.
    let hostAddress: String
    private let server: Process

    init(directory: String, greeting: String, hostNetns: String? = nil) throws {
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        namespace = "skifftest-out-\(suffix)"
        self.hostNetns = hostNetns
        hostEnd = "skftest\(suffix)"
        let third = Int.random(in: 1...250)
        let hostIP = "10.254.\(third).1"
        hostAddress = hostIP
        address = "10.254.\(third).2"
        let www = directory + "/outside-www"
        try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
        try "\(greeting)\n".write(toFile: www + "/index.html", atomically: true, encoding: .utf8)
        let host = hostNetns.map { ["-n", $0] } ?? []
        for args in [
            ["netns", "add", namespace],
            host + ["link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", namespace],
            host + ["addr", "add", hostIP + "/30", "dev", hostEnd], host + ["link", "set", hostEnd, "up"],
            ["-n", namespace, "addr", "add", address + "/30", "dev", "eth0"],
            ["-n", namespace, "link", "set", "eth0", "up"], ["-n", namespace, "link", "set", "lo", "up"],
        ] {
            let r = NetworkTests.sh("/usr/sbin/ip", args)
            guard r.status == 0 else {
                Self.remove(namespace: namespace, hostEnd: hostEnd, hostNetns: hostNetns)
                throw SetupError(message: "ip \(args.joined(separator: " ")): \(r.err)")
            }
        }
        server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        server.arguments = ["netns", "exec", namespace, "/usr/bin/busybox", "httpd", "-f", "-p", "8080", "-h", www]
        do { try server.run() } catch {
            Self.remove(namespace: namespace, hostEnd: hostEnd, hostNetns: hostNetns)
            throw error
        }
    }

    struct SetupError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    func stop() {
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        Self.remove(namespace: namespace, hostEnd: hostEnd, hostNetns: hostNetns)
    }

    private static func remove(namespace: String, hostEnd: String, hostNetns: String?) {
        for pid in NetworkTests.sh("/usr/sbin/ip", "netns", "pids", namespace).out.split(separator: "\n") {
            kill(Int32(pid) ?? 0, SIGKILL)
        }
        _ = NetworkTests.sh("/usr/sbin/ip", (hostNetns.map { ["-n", $0] } ?? []) + ["link", "del", hostEnd])
        NetworkTests.sh("/usr/sbin/ip", "netns", "del", namespace)
    }
}
