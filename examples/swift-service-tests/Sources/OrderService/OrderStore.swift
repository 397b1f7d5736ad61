import Foundation

/// Orders in PostgreSQL: one table, made by `migrate()`.
public final class OrderStore: @unchecked Sendable {
    public struct Order: Equatable, Sendable {
        public var id: Int
        public var item: String

        public init(id: Int, item: String) {
            self.id = id
            self.item = item
        }
    }

    private let connection: PostgresConnection
    private let lock = NSLock()

    public init(databaseURL: String) throws {
        connection = try PostgresConnection(url: databaseURL)
    }

    public func migrate() throws {
        try lock.withLock {
            try connection.query("CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, item text NOT NULL CHECK (item <> ''))")
        }
    }

    /// Store an order; its id.
    public func add(_ item: String) throws -> Int {
        try lock.withLock {
            let rows = try connection.query("INSERT INTO orders (item) VALUES ($1) RETURNING id", [item])
            guard let id = rows.first?.first.flatMap({ $0 }).flatMap(Int.init) else {
                throw PostgresConnection.Error("INSERT returned no id")
            }
            return id
        }
    }

    public func all() throws -> [Order] {
        try lock.withLock {
            try connection.query("SELECT id, item FROM orders ORDER BY id").map { row in
                Order(id: Int(row[0] ?? "") ?? 0, item: row[1] ?? "")
            }
        }
    }
}
