import Foundation
import SkiffImage
import SkiffKit
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A running container of a test: started by ``ContainerRequest/start(in:)`` (or a module such as
/// ``PostgresContainer``), ready when `start()` returns, and removed (with its anonymous volumes) when the
/// last reference to it goes, when ``terminate()`` is called, or by the session's reaper when the test
/// process ends in any way. A container made with ``ContainerRequest/reuse()`` lives until the process ends.
public final class TestContainer: Sendable {
    public let session: TestSession
    /// The container's ID and name in the state root (`skiff ps` shows them).
    public let id: String
    public let name: String
    public let request: ContainerRequest
    /// Where mapped ports listen: the host's loopback.
    public let host = "127.0.0.1"
    private let state: Mutex<State>
    /// False for a compose service's container: its project removes it.
    private let owned: Bool

    private struct State {
        var ports: [UInt16: UInt16] = [:]
        var removed = false
    }

    private init(session: TestSession, id: String, name: String, request: ContainerRequest, ports: [UInt16: UInt16]) {
        self.session = session
        self.id = id
        self.name = name
        self.request = request
        self.state = Mutex(State(ports: ports))
        self.owned = true
    }

    /// A handle on a container that something else (a compose project) made and removes.
    init(borrowing container: Container, ports: [UInt16: UInt16], session: TestSession) {
        self.session = session
        self.id = container.id
        self.name = container.name
        self.request = ContainerRequest(image: container.image)
        self.state = Mutex(State(ports: ports))
        self.owned = false
    }

    deinit {
        let removed = state.withLock { $0.removed }
        if owned && !removed { try? session.engine.remove(id, force: true, volumes: true) }
    }

    var portMap: [UInt16: UInt16] { state.withLock { $0.ports } }

    var engine: Engine { session.engine }

    // MARK: start

    static func start(_ request: ContainerRequest, in session: TestSession) async throws(SkiffTestingError)
        -> TestContainer
    {
        if request.reusable, let kept = session.reusable(request), kept.isRunning { return kept }
        let container = try await blocking { () throws(SkiffTestingError) -> TestContainer in
            try create(request, in: session)
        }
        try await container.waitUntilReady()
        if request.reusable { session.keepForReuse(request, container) }
        return container
    }

    /// Make and start the container (not yet waited for).
    private static func create(_ request: ContainerRequest, in session: TestSession) throws(SkiffTestingError)
        -> TestContainer
    {
        try session.ensureReaper()
        let engine = session.engine
        var options = try runOptions(request, session: session)
        options.name = request.name.map { "\(session.namePrefix)-\($0)" } ?? session.makeName("c")
        let created: Container
        switch request.image {
        case .reference(let reference):
            try ImageSupply.ensure(reference, engine: engine)
            created = try kit { () throws(KitError) in try engine.createContainer(image: reference, options: options) }
        case .dockerfile(let directory, let dockerfile, let buildArgs):
            let image = try ImageSupply.build(
                directory: directory, dockerfile: dockerfile, buildArgs: buildArgs, engine: engine)
            created = try kit { () throws(KitError) in
                try engine.createContainer(from: image, imageName: image.id.description, options: options)
            }
        }
        var started = false
        defer { if !started { try? engine.remove(created.id, force: true, volumes: true) } }
        for file in request.files { try copyIn(file, container: created.id, engine: engine) }
        for extra in request.networks.dropFirst() {
            try kit { () throws(KitError) in
                try engine.connectNetwork(network: extra.network, container: created.id, aliases: extra.aliases)
            }
        }
        try kit { () throws(KitError) in _ = try engine.startMonitored(created.id) }
        let ports = try currentPorts(engine: engine, id: created.id)
        started = true
        return TestContainer(session: session, id: created.id, name: created.name, request: request, ports: ports)
    }

    static func runOptions(_ request: ContainerRequest, session: TestSession) throws(SkiffTestingError) -> RunOptions {
        var options = RunOptions()
        options.detach = true
        options.labels = request.labels.merging([TestSession.labelKey: session.id]) { $1 }
        options.env = request.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        if let entrypoint = request.entrypoint {
            options.entrypoint = entrypoint.first ?? ""
            options.command = Array(entrypoint.dropFirst()) + (request.command ?? [])
        } else if let command = request.command {
            options.command = command
        }
        options.user = request.user
        options.workdir = request.workingDirectory
        options.memory = request.memory
        options.cpus = request.cpus
        options.pidsLimit = request.pidsLimit
        options.publish = Array(Set(request.exposedPorts)).sorted().map { "127.0.0.1::\($0)" }
        if let first = request.networks.first {
            options.network = .named(first.network)
            options.networkAliases = first.aliases
        } else {
            options.network = .bridge
        }
        for mount in request.mounts {
            switch mount {
            case .volume(let name, let target, let readOnly):
                let full = "\(session.namePrefix)-\(name)"
                _ = try kit { () throws(KitError) in
                    try session.engine.createVolume(full, labels: [TestSession.labelKey: session.id])
                }
                options.mounts.append(
                    try kit { () throws(KitError) in
                        try MountRequest.parseVolume("\(full):\(target)\(readOnly ? ":ro" : "")")
                    })
            case .bind(let source, let target, let readOnly):
                options.mounts.append(
                    try kit { () throws(KitError) in
                        try MountRequest.parseVolume("\(source):\(target)\(readOnly ? ":ro" : "")")
                    })
            case .tmpfs(let target, let opts):
                options.mounts.append(
                    try kit { () throws(KitError) in
                        try MountRequest.parseTmpfs(opts.isEmpty ? target : "\(target):\(opts)")
                    })
            }
        }
        return options
    }

    private static func copyIn(_ file: ContainerRequest.FileCopy, container: String, engine: Engine)
        throws(SkiffTestingError)
    {
        guard file.destination.hasPrefix("/") else {
            throw .invalidArgument(
                "withFile: the destination \(file.destination) must be an absolute path in the container")
        }
        switch file.source {
        case .hostPath(let path):
            try kit { () throws(KitError) in
                _ = try engine.copyToContainer(container, hostPath: path, path: file.destination)
            }
        case .contents(let bytes):
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
                "skiff-testing-\(UUID().uuidString)"
            ).path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let name = file.destination.split(separator: "/").last.map(String.init) ?? "file"
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                guard
                    FileManager.default.createFile(
                        atPath: dir + "/" + name, contents: Data(bytes),
                        attributes: [.posixPermissions: Int(file.mode)])
                else {
                    throw SkiffTestingError.engine("cannot write a scratch file in \(dir)")
                }
            } catch let e as SkiffTestingError { throw e } catch { throw .engine("scratch file in \(dir): \(error)") }
            try kit { () throws(KitError) in
                _ = try engine.copyToContainer(container, hostPath: dir + "/" + name, path: file.destination)
            }
        }
    }

    static func currentPorts(engine: Engine, id: String) throws(SkiffTestingError) -> [UInt16: UInt16] {
        let published = try kit { () throws(KitError) in try engine.publishedPorts(id) }
        var map: [UInt16: UInt16] = [:]
        for p in published where p.proto == "tcp" { map[p.containerPort] = p.hostPort }
        return map
    }

    /// The request's strategy, else the lowest exposed port from the host, else nothing.
    var effectiveStrategy: WaitStrategy {
        if let s = request.waitStrategy { return s }
        if let lowest = request.exposedPorts.min() { return .port(lowest) }
        return .none
    }

    func waitUntilReady() async throws(SkiffTestingError) {
        let waiter = Waiter(engine: engine, containerID: id, containerName: name, ports: state.withLock { $0.ports })
        let strategy = effectiveStrategy
        try await blocking { () throws(SkiffTestingError) in try waiter.wait(for: strategy) }
    }

    // MARK: ports

    /// The host port (on 127.0.0.1) that container port `port` is published on.
    public func mappedPort(_ port: UInt16) throws(SkiffTestingError) -> UInt16 {
        let ports = state.withLock { $0.ports }
        guard let host = ports[port] else { throw .portNotExposed(port, container: name, exposed: ports.keys.sorted()) }
        return host
    }

    /// "127.0.0.1:<mapped port>" for container port `port`.
    public func endpoint(_ port: UInt16) throws(SkiffTestingError) -> String {
        "\(host):\(try mappedPort(port))"
    }

    /// The container's address on `network` (reachable from the host and from the network's containers).
    public func ipAddress(on network: TestNetwork? = nil) -> String? {
        let all = engine.containerAddresses(id)
        let chosen = network.map { n in all.first { $0.network == n.name } } ?? all.first
        return chosen.map { $0.lease.primaryAddress }
    }

    // MARK: use

    /// Whether the container's process runs.
    public var isRunning: Bool {
        guard !state.withLock({ $0.removed }), let c = try? engine.container(id) else { return false }
        return c.status == .running
    }

    /// Run `command` in the container; its exit code and output.
    @discardableResult
    public func exec(
        _ command: [String], environment: [String: String] = [:], user: String? = nil,
        workingDirectory: String? = nil
    ) async throws(SkiffTestingError) -> ExecResult {
        let (engine, id) = (engine, id)
        return try await blocking { () throws(SkiffTestingError) -> ExecResult in
            try ContainerExec.run(
                engine: engine, id: id, command: command, environment: environment, user: user,
                workingDirectory: workingDirectory)
        }
    }

    /// Everything the container wrote to stdout and stderr so far, in order.
    public func logs() async throws(SkiffTestingError) -> String {
        let (engine, id) = (engine, id)
        return try await blocking { () throws(SkiffTestingError) -> String in
            var text = ""
            try kit { () throws(KitError) in
                try engine.readLogs(id, options: LogOptions()) {
                    text += $0.log; return true
                }
            }
            return text
        }
    }

    /// Copy a host file or directory to `path` in the container (running or stopped).
    public func copy(fromHost hostPath: String, to path: String) async throws(SkiffTestingError) {
        let (engine, id) = (engine, id)
        try await blocking { () throws(SkiffTestingError) in
            try Self.copyIn(
                .init(source: .hostPath(hostPath), destination: path, mode: 0o644), container: id, engine: engine)
        }
    }

    /// Write `contents` to `path` in the container.
    public func copy(contents: String, to path: String, mode: UInt16 = 0o644) async throws(SkiffTestingError) {
        let (engine, id) = (engine, id)
        try await blocking { () throws(SkiffTestingError) in
            try Self.copyIn(
                .init(source: .contents(Array(contents.utf8)), destination: path, mode: mode), container: id,
                engine: engine)
        }
    }

    /// Copy `path` (a file or directory) out of the container to `hostPath`.
    public func copy(from path: String, toHost hostPath: String) async throws(SkiffTestingError) {
        let (engine, id) = (engine, id)
        try await blocking { () throws(SkiffTestingError) in
            try kit { () throws(KitError) in _ = try engine.copyFromContainer(id, path: path, to: hostPath) }
        }
    }

    /// Stop the container (its stop signal, then SIGKILL after `timeout` seconds); its files stay.
    public func stop(timeout: Int = 10) async throws(SkiffTestingError) {
        let (engine, id) = (engine, id)
        try await blocking { () throws(SkiffTestingError) in
            try kit { () throws(KitError) in try engine.stop(id, timeout: timeout) }
        }
    }

    /// Start a stopped container again (its writable layer and volumes kept) and wait until it is ready.
    /// Its ports may be mapped to other host ports than before.
    public func start() async throws(SkiffTestingError) {
        let (engine, id) = (engine, id)
        let ports = try await blocking { () throws(SkiffTestingError) -> [UInt16: UInt16] in
            try kit { () throws(KitError) in _ = try engine.startMonitored(id) }
            return try Self.currentPorts(engine: engine, id: id)
        }
        state.withLock { $0.ports = ports }
        try await waitUntilReady()
    }

    /// ``stop(timeout:)`` then ``start()``: the data in the container and its volumes is kept.
    public func restart(timeout: Int = 10) async throws(SkiffTestingError) {
        try await stop(timeout: timeout)
        try await start()
    }

    /// Remove the container now (killed if it runs), with its anonymous volumes.
    public func terminate() async throws(SkiffTestingError) {
        let (engine, id) = (engine, id)
        let already = state.withLock { s in
            defer { s.removed = true }
            return s.removed
        }
        if already { return }
        try await blocking { () throws(SkiffTestingError) in
            try kit { () throws(KitError) in try engine.remove(id, force: true, volumes: true) }
        }
    }
}
