/// PostgreSQL for a test, configured as the official `postgres` image is (POSTGRES_USER,
/// POSTGRES_PASSWORD, POSTGRES_DB), ready when the server accepts connections over TCP and
/// `pg_isready` agrees.
///
/// ```swift
/// let postgres = try await PostgresContainer().start()
/// let url = postgres.connectionURL   // postgres://test:test@127.0.0.1:41234/test
/// ```
public struct PostgresContainer: Sendable {
    public var request: ContainerRequest
    public var user: String
    public var password: String
    public var database: String

    /// `image`: any image that follows the official image's conventions.
    public init(
        image: String = "postgres:15", user: String = "test", password: String = "test", database: String = "test"
    ) {
        self.user = user
        self.password = password
        self.database = database
        // The data directory is the image's VOLUME: an anonymous volume, kept across restart() and removed
        // with the container. A test database needs no durability: no fsync, at initdb or after
        // (Testcontainers' default too), which saves seconds per start.
        self.request = ContainerRequest(image: image)
            .withExposedPorts(5432)
            .withCommand(["postgres", "-c", "fsync=off"])
            .withEnvironment("POSTGRES_INITDB_ARGS", "--no-sync")
    }

    /// The data directory on a tmpfs: faster, and gone when the container stops.
    public func inMemory(size: String = "512m") -> Self {
        with { $0.withTmpfs("/var/lib/postgresql/data", options: "size=\(size)") }
    }

    /// Change the underlying request (a volume for data that survives a restart, an init script…).
    public func with(_ change: (ContainerRequest) -> ContainerRequest) -> Self {
        var copy = self
        copy.request = change(request)
        return copy
    }

    /// Share one server among the tests of this process (see ``ContainerRequest/reuse()``).
    public func reuse() -> Self { with { $0.reuse() } }

    public func start(in session: TestSession = .shared) async throws(SkiffTestingError) -> RunningPostgres {
        let ready =
            request
            .withEnvironment(["POSTGRES_USER": user, "POSTGRES_PASSWORD": password, "POSTGRES_DB": database])
            .waitingFor(
                request.waitStrategy
                    ?? .all(
                        .port(5432, checked: .both),
                        .exec(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-U", user, "-d", database]).pollInterval(
                            .milliseconds(50))
                    ).timeout(.seconds(120)))
        let container = try await ready.start(in: session)
        return RunningPostgres(container: container, user: user, password: password, database: database)
    }
}

/// A started ``PostgresContainer``.
public struct RunningPostgres: Sendable {
    public let container: TestContainer
    public let user: String
    public let password: String
    public let database: String

    /// The host port the server listens on (127.0.0.1).
    public var port: UInt16 { (try? container.mappedPort(5432)) ?? 0 }

    /// `postgres://USER:PASSWORD@127.0.0.1:PORT/DATABASE` (user and password percent-encoded).
    public var connectionURL: String {
        "postgres://\(Self.encode(user)):\(Self.encode(password))@127.0.0.1:\(port)/\(Self.encode(database))"
    }

    /// Run SQL with the container's own `psql` (as the test user); its output, unaligned and tuples only.
    public func psql(_ sql: String) async throws(SkiffTestingError) -> String {
        let r = try await container.exec(
            [
                "psql", "-h", "127.0.0.1", "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1",
                "-At", "-c", sql,
            ], environment: ["PGPASSWORD": password])
        guard r.exitCode == 0 else { throw .engine("psql exited with \(r.exitCode): \(r.stderr)") }
        return r.stdout
    }

    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let c = Character(Unicode.Scalar(b))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c)) {
                out.append(c)
            } else {
                out += "%" + String(b, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
