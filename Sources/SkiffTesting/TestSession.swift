import Foundation
import Logging
import SkiffImage
import SkiffKit
import Synchronization

/// One test process's claim on a Skiff state root: everything it makes (containers, networks, volumes)
/// carries the label `skiff.testing.session=<id>` and a name that starts with ``namePrefix``, so two
/// test processes on one root never collide and each removes only its own.
///
/// The first container of a session starts its reaper: a `skiff-monitor -R` process that holds a pidfd of
/// the test process and, when that process is gone (finished, crashed, SIGKILLed), removes everything
/// labelled with the session. No daemon and no privileged container are involved.
///
/// Most tests use ``shared`` (the root in `$SKIFF_ROOT`, else `/var/lib/skiff`, where `skiff load` and
/// `skiff pull` put images). A session of its own root suits a test that must not share state:
///
/// ```swift
/// let session = try TestSession(root: "/tmp/my-test-root")
/// defer { session.end() }
/// ```
public final class TestSession: Sendable {
    /// The label every object of a session carries.
    public static let labelKey = "skiff.testing.session"

    /// The state root (images are looked up here; containers are made here).
    public let root: String
    /// Random, unique on this host: names are `skt-<id>-…`.
    public let id: String
    let engine: Engine
    private let state = Mutex(State())

    private struct State {
        var reaperPid: Int32?
        var ended = false
        var counter = 0
        var reusable: [ContainerRequest: TestContainer] = [:]
    }

    /// The session of `$SKIFF_ROOT` (else `/var/lib/skiff`), made on first use and ended by its reaper
    /// when the test process exits.
    public static let shared: TestSession = {
        let env = ProcessInfo.processInfo.environment["SKIFF_ROOT"]
        return TestSession(unchecked: env.flatMap { $0.isEmpty ? nil : $0 } ?? "/var/lib/skiff")
    }()

    /// A session on `root` (made when missing). End it with ``end()``; its reaper ends it otherwise.
    public convenience init(root: String) throws(SkiffTestingError) {
        guard root.hasPrefix("/") else {
            throw .invalidArgument("TestSession(root: \(root)): the state root must be an absolute path")
        }
        self.init(unchecked: root)
    }

    private init(unchecked root: String) {
        self.root = root
        var bytes = [UInt8](repeating: 0, count: 5)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        self.id = bytes.map { String(format: "%02x", $0) }.joined()
        self.engine = Engine(root: root, logger: Logger(label: "skiff.testing"))
    }

    /// What names of this session start with.
    public var namePrefix: String { "skt-\(id)" }

    /// The label (key and value) of this session's objects.
    public var label: (key: String, value: String) { (Self.labelKey, id) }

    /// Where the session keeps its own files (the reaper's log when a cleanup failed).
    var directory: String { root + "/testing/" + id }

    /// A fresh name for an object of this session: `skt-<id>-<kind><n>`.
    func makeName(_ kind: String) -> String {
        let n = state.withLock { s in
            s.counter += 1
            return s.counter
        }
        return "\(namePrefix)-\(kind)\(n)"
    }

    /// Start the reaper once, before the session makes anything.
    func ensureReaper() throws(SkiffTestingError) {
        try Tools.locate()
        try state.withLock { (s: inout State) throws(SkiffTestingError) in
            if s.ended { throw .invalidArgument("test session \(id) has ended; make a new TestSession") }
            if s.reaperPid != nil { return }
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .engine("cannot make the session's directory \(directory): \(error)")
            }
            s.reaperPid = try Reaper.start(root: root, directory: directory, label: "\(Self.labelKey)=\(id)")
        }
    }

    /// Remove everything this session made (containers first, then networks and volumes, then idle
    /// bridges and rules), and stop its reaper. Synchronous: safe in `defer` and in `deinit`.
    public func end() {
        let reaper = state.withLock { s in
            s.ended = true
            s.reusable = [:]
            return s.reaperPid
        }
        guard let reaper else { return }
        let failures = engine.removeLabelled(key: Self.labelKey, value: id)
        if failures.isEmpty {
            try? FileManager.default.removeItem(atPath: directory)
            rmdir(root + "/testing")
        } else {
            for f in failures { FileHandle.standardError.write(Data("SkiffTesting: cleanup: \(f)\n".utf8)) }
        }
        Reaper.stop(pid: reaper)
    }

    /// A container started with `.reuse()` and the same request earlier in this process, if it still runs.
    func reusable(_ key: ContainerRequest) -> TestContainer? {
        state.withLock { $0.reusable[key] }
    }

    func keepForReuse(_ key: ContainerRequest, _ container: TestContainer) {
        state.withLock { $0.reusable[key] = container }
    }

    /// Load images from a `docker save` / OCI archive into this session's root (for tests without a registry).
    @discardableResult
    public func loadImages(archive path: String) async throws(SkiffTestingError) -> [String] {
        let engine = engine
        return try await blocking { () throws(SkiffTestingError) -> [String] in
            do {
                return try ImageArchiveLoader(store: engine.images).load(path: path).flatMap {
                    $0.references.map(\.description)
                }
            } catch {
                throw .engine("loading \(path): \(error)")
            }
        }
    }
}
