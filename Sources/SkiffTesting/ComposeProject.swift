import Foundation
import SkiffKit
import Synchronization

/// A Compose project for a test: the services of a directory's compose file, started with ``up(wait:)``
/// and reached through ``service(_:index:)``.
///
/// So that parallel test processes never collide, the project runs under a name of the test session
/// (`skt-<session>-<name>`), `container_name:` values get the session prefix, and every published port
/// goes to a free host port on 127.0.0.1 (a fixed `"8080:80"` in the file too): ask the service for it
/// with ``TestContainer/mappedPort(_:)``. Containers, networks and volumes carry the session's label, so
/// they go with ``down()``, when the project is released, or with the session's reaper.
///
/// (A file that imports SkiffKit too names this one `SkiffTesting.ComposeProject`.)
///
/// ```swift
/// let project = try ComposeProject(directory: "Tests/Fixtures/stack")
/// try await project.up(wait: ["db": .log("ready to accept connections")])
/// let db = try project.service("db").endpoint(5432)
/// ```
public final class ComposeProject: Sendable {
    public let session: TestSession
    /// The project's name on the host (`skt-<session>-<name>`).
    public let name: String
    let project: SkiffKit.ComposeProject
    private let isUp = Mutex(false)

    /// Load the compose file of `directory` (compose.yaml, docker-compose.yml… as `skiff compose` finds
    /// them, or `files`), with `environment` for interpolation (default: this process's environment).
    public init(
        directory: String, files: [String] = [], name: String? = nil, environment: [String: String]? = nil,
        session: TestSession = .shared
    ) throws(SkiffTestingError) {
        self.session = session
        let base = name ?? URL(fileURLWithPath: directory).lastPathComponent
        let cleaned = String(base.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
        self.name = "\(session.namePrefix)-\(cleaned.isEmpty ? "project" : cleaned)"
        var options = ComposeLoadOptions(
            workingDirectory: directory,
            environment: environment ?? ProcessInfo.processInfo.environment)
        options.files = files
        options.projectName = self.name
        var loaded: SkiffKit.ComposeProject
        do { loaded = try ComposeLoader.load(options) } catch {
            throw .engine("compose project in \(directory): \(error)")
        }
        Self.confine(&loaded, session: session)
        self.project = loaded
    }

    deinit {
        if isUp.withLock({ $0 }) { try? down(ComposeRunner(engine: session.engine, project: project)) }
    }

    /// Session labels everywhere, session-prefixed container names, ports on free loopback ports.
    static func confine(_ project: inout SkiffKit.ComposeProject, session: TestSession) {
        for i in project.services.indices {
            project.services[i].labels[TestSession.labelKey] = session.id
            if let fixed = project.services[i].containerName {
                project.services[i].containerName = "\(session.namePrefix)-\(fixed)"
            }
            for p in project.services[i].ports.indices {
                project.services[i].ports[p].published = nil
                project.services[i].ports[p].hostIP = "127.0.0.1"
            }
        }
        for i in project.networks.indices where !project.networks[i].external {
            project.networks[i].labels[TestSession.labelKey] = session.id
        }
        for i in project.volumes.indices where !project.volumes[i].external {
            project.volumes[i].labels[TestSession.labelKey] = session.id
        }
    }

    /// Build what needs building, create and start the services (in dependency order, honouring
    /// `depends_on` conditions), then wait for each service in `wait` to be ready.
    public func up(services: [String] = [], wait: [String: WaitStrategy] = [:]) async throws(SkiffTestingError) {
        let (session, project) = (session, project)
        isUp.withLock { $0 = true }
        try await blocking { () throws(SkiffTestingError) in
            try session.ensureReaper()
            var runner = ComposeRunner(engine: session.engine, project: project)
            runner.callerEnvironment = ProcessInfo.processInfo.environment
            var options = ComposeRunner.UpOptions()
            options.services = services
            do { try runner.up(options) } catch { throw .engine("compose up of \(project.name): \(error)") }
        }
        for (service, strategy) in wait.sorted(by: { $0.key < $1.key }) {
            let container = try self.service(service)
            let waiter = Waiter(
                engine: session.engine, containerID: container.id, containerName: container.name,
                ports: container.portMap)
            try await blocking { () throws(SkiffTestingError) in try waiter.wait(for: strategy) }
        }
    }

    /// The running container of `service` (the `index`-th replica).
    public func service(_ service: String, index: Int = 1) throws(SkiffTestingError) -> TestContainer {
        let runner = ComposeRunner(engine: session.engine, project: project)
        guard let c = runner.containers(of: service).first(where: { $0.composeNumber == index }) else {
            throw .noSuchService(service, project: name)
        }
        let ports = try TestContainer.currentPorts(engine: session.engine, id: c.id)
        return TestContainer(borrowing: c, ports: ports, session: session)
    }

    /// Stop and remove the project's containers, networks and volumes.
    public func down() async throws(SkiffTestingError) {
        let (session, project) = (session, project)
        try await blocking { () throws(SkiffTestingError) in
            try Self.down(ComposeRunner(engine: session.engine, project: project))
        }
        isUp.withLock { $0 = false }
    }

    private static func down(_ runner: ComposeRunner) throws(SkiffTestingError) {
        var options = ComposeRunner.DownOptions()
        options.removeVolumes = true
        options.removeOrphans = true
        options.timeout = 3
        do { try runner.down(options) } catch { throw .engine("compose down of \(runner.project.name): \(error)") }
    }

    private func down(_ runner: ComposeRunner) throws(SkiffTestingError) { try Self.down(runner) }
}
