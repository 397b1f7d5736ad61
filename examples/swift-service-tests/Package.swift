// swift-tools-version: 6.0
import PackageDescription

// A small service (an HTTP API that stores orders in PostgreSQL) and its integration tests, which start a
// real Postgres with SkiffTesting. Depends on Skiff by path, as a package of your own would by URL.
let package = Package(
    name: "swift-service-tests",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Skiff", path: "../.."),
        // Already in Skiff's graph (SHA-256 and HMAC for Postgres' SCRAM authentication).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .target(name: "OrderService", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(name: "order-service", dependencies: ["OrderService"]),
        .testTarget(name: "OrderServiceTests", dependencies: [
            "OrderService",
            .product(name: "SkiffTesting", package: "Skiff"),
        ]),
    ]
)
