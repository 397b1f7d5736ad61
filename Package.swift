// swift-tools-version: 6.0
import PackageDescription

// Targets depend one way, bottom to top:
//   CSkiff (C: the steps between clone and exec, no policy)
//   SkiffOCI (OCI runtime-spec types, Codable, no dependencies)
//   SkiffRuntime (policy: spec -> spawn plan, cgroups, capabilities, seccomp, container state)
//   skiff (the thin CLI)
let package = Package(
    name: "Skiff",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "skiff", targets: ["skiff"]),
        .library(name: "SkiffRuntime", targets: ["SkiffRuntime"]),
        .library(name: "SkiffOCI", targets: ["SkiffOCI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .target(
            name: "CSkiff",
            cSettings: [.define("_GNU_SOURCE"), .unsafeFlags(["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"])],
            linkerSettings: [.linkedLibrary("seccomp")]
        ),
        .target(name: "SkiffOCI"),
        .target(
            name: "SkiffRuntime",
            dependencies: [
                "CSkiff", "SkiffOCI",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "skiff",
            dependencies: [
                "SkiffRuntime", "SkiffOCI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "SkiffOCITests", dependencies: ["SkiffOCI"]),
        .testTarget(name: "SkiffRuntimeTests", dependencies: ["SkiffRuntime", "SkiffOCI", "CSkiff"]),
    ]
)
