import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A `docker-registry` on a free loopback port with filesystem storage in a temp dir, optionally behind
/// htpasswd (Basic) or token auth. `stop()` kills it, waits for it and removes the dir.
public final class LocalRegistry: @unchecked Sendable {
    public let dir: String
    public let port: Int
    public let process: Foundation.Process
    public var host: String { "127.0.0.1:\(port)" }
    public var storage: String { dir + "/storage" }

    public enum Auth {
        case none
        case htpasswd(user: String, password: String)
        /// `auth: token` with this realm, issuer, service and root certificate bundle.
        case token(realm: String, issuer: String, service: String, rootCertBundle: String)
    }

    public init(auth: Auth = .none) throws {
        dir = try Self.makeTemporaryDirectory()
        var started: Foundation.Process?
        var lastPort = 0
        do {
            for _ in 0..<5 {
                let port = try Self.freePort()
                lastPort = port
                var config = """
                    version: 0.1
                    log:
                      level: error
                      accesslog:
                        disabled: true
                    storage:
                      filesystem:
                        rootdirectory: \(dir)/storage
                      delete:
                        enabled: true
                    http:
                      addr: 127.0.0.1:\(port)
                      secret: skiff-test-secret

                    """
                switch auth {
                case .none: break
                case .htpasswd(let user, let password):
                    let made = TestShell.run("/usr/bin/htpasswd -Bbn '\(user)' '\(password)'")
                    guard made.status == 0 else { throw LocalRegistryError("htpasswd failed: \(made.output)") }
                    let hash = made.output
                    try hash.write(toFile: dir + "/htpasswd", atomically: true, encoding: .utf8)
                    config += "auth:\n  htpasswd:\n    realm: skiff-test\n    path: \(dir)/htpasswd\n"
                case .token(let realm, let issuer, let service, let bundle):
                    config +=
                        "auth:\n  token:\n    realm: \(realm)\n    service: \(service)\n    issuer: \(issuer)\n    rootcertbundle: \(bundle)\n"
                }
                try config.write(toFile: dir + "/config.yml", atomically: true, encoding: .utf8)
                let p = Foundation.Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
                p.arguments = ["serve", dir + "/config.yml"]
                _ = FileManager.default.createFile(atPath: dir + "/registry.log", contents: nil)
                let log = FileHandle(forWritingAtPath: dir + "/registry.log")
                p.standardOutput = log
                p.standardError = log
                try p.run()
                if Self.waitForPort(port, process: p) {
                    started = p
                    break
                }
                if p.isRunning { p.terminate() }
                p.waitUntilExit()
            }
        } catch {
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
        guard let started else {
            let log = (try? String(contentsOfFile: dir + "/registry.log", encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: dir)
            throw LocalRegistryError("docker-registry did not start on port \(lastPort): \(log)")
        }
        process = started
        port = lastPort
    }

    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func freePort() throws -> Int {
        let port = FreePort.next()
        guard port != 0 else { throw LocalRegistryError("no free port: \(errno)") }
        return Int(port)
    }

    public static func waitForPort(_ port: Int, process: Foundation.Process) -> Bool {
        for _ in 0..<200 {
            if !process.isRunning { return false }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(fd)
            if connected { return true }
            usleep(50_000)
        }
        return false
    }

    static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/skiff-test-registry-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw LocalRegistryError("mkdtemp: \(errno)")
        }
        return String(cString: made)
    }
}

/// Why a `LocalRegistry` did not start.
public struct LocalRegistryError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
