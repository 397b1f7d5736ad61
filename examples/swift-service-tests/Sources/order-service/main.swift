// order-service: the example service. DATABASE_URL=postgres://… PORT=8080 order-service
import Foundation
import OrderService

let env = ProcessInfo.processInfo.environment
guard let url = env["DATABASE_URL"] else {
    FileHandle.standardError.write(Data("order-service: set DATABASE_URL (postgres://user:password@host:port/db)\n".utf8))
    exit(2)
}
do {
    let store = try OrderStore(databaseURL: url)
    try store.migrate()
    let server = try OrderServer(store: store, port: UInt16(env["PORT"] ?? "8080") ?? 8080)
    print("order-service listening on 127.0.0.1:\(server.port)")
    server.run()
} catch {
    FileHandle.standardError.write(Data("order-service: \(error)\n".utf8))
    exit(1)
}
