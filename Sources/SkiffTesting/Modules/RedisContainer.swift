import Foundation

/// Redis for a test, ready when it accepts connections on its mapped port and answers PING.
///
/// ```swift
/// let redis = try await RedisContainer().start()
/// let url = redis.connectionURL   // redis://127.0.0.1:41235
/// ```
public struct RedisContainer: Sendable {
    public var request: ContainerRequest

    public init(image: String = "redis:7") {
        request = ContainerRequest(image: image).withExposedPorts(6379)
    }

    public func with(_ change: (ContainerRequest) -> ContainerRequest) -> Self {
        var copy = self
        copy.request = change(request)
        return copy
    }

    public func reuse() -> Self { with { $0.reuse() } }

    public func start(in session: TestSession = .shared) async throws(SkiffTestingError) -> RunningRedis {
        let ready = request.waitingFor(
            request.waitStrategy
                ?? .all(
                    .port(6379),
                    .exec(["redis-cli", "-p", "6379", "ping"]).pollInterval(.milliseconds(50))
                ).timeout(.seconds(60)))
        return RunningRedis(container: try await ready.start(in: session))
    }
}

/// A started ``RedisContainer``.
public struct RunningRedis: Sendable {
    public let container: TestContainer
    public var port: UInt16 { (try? container.mappedPort(6379)) ?? 0 }
    public var connectionURL: String { "redis://127.0.0.1:\(port)" }

    /// Run a command with the container's `redis-cli`; its output.
    public func cli(_ arguments: String...) async throws(SkiffTestingError) -> String {
        let r = try await container.exec(["redis-cli", "-p", "6379"] + arguments)
        guard r.exitCode == 0 else { throw .engine("redis-cli exited with \(r.exitCode): \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
