/// Any HTTP server for a test: ready when GET `readinessPath` answers 2xx on its mapped port.
///
/// ```swift
/// let web = try await HTTPServerContainer(image: "busybox", port: 8080)
///     .with { $0.withCommand(["httpd", "-f", "-p", "8080", "-h", "/tmp"]).withFile(contents: "hi", at: "/tmp/index.html") }
///     .start()
/// let base = web.baseURL   // http://127.0.0.1:41236
/// ```
public struct HTTPServerContainer: Sendable {
    public var request: ContainerRequest
    public var port: UInt16
    public var readinessPath: String

    public init(image: String, port: UInt16 = 80, readinessPath: String = "/") {
        self.port = port
        self.readinessPath = readinessPath
        request = ContainerRequest(image: image).withExposedPorts(port)
    }

    /// A server built from a Dockerfile directory.
    public init(dockerfileDirectory: String, port: UInt16 = 80, readinessPath: String = "/") {
        self.port = port
        self.readinessPath = readinessPath
        request = ContainerRequest(dockerfileDirectory: dockerfileDirectory).withExposedPorts(port)
    }

    public func with(_ change: (ContainerRequest) -> ContainerRequest) -> Self {
        var copy = self
        copy.request = change(request)
        return copy
    }

    public func reuse() -> Self { with { $0.reuse() } }

    public func start(in session: TestSession = .shared) async throws(SkiffTestingError) -> RunningHTTPServer {
        let ready = request.waitingFor(request.waitStrategy ?? .http(readinessPath, port: port).timeout(.seconds(60)))
        return RunningHTTPServer(container: try await ready.start(in: session), containerPort: port)
    }
}

/// A started ``HTTPServerContainer``.
public struct RunningHTTPServer: Sendable {
    public let container: TestContainer
    public let containerPort: UInt16
    public var port: UInt16 { (try? container.mappedPort(containerPort)) ?? 0 }
    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
}
