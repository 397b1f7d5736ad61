// swift-tools-version: 6.0
import PackageDescription

// Targets depend one way, bottom to top:
//   CSkiff (C: the steps between clone and exec, no policy)      CArchive (libarchive, loaded on first use)
//   CSkiffSeal (C: the sealed exec, CVE-2019-5736; the launchers skiff and skiff-oci)
//   CSystem (C: wrappers for syscalls Glibc's Swift module lacks: xattrs, openat2, the mount API)
//   CJSONLog (C: a container's json-file log, written by skiff-monitor and by an attached run)
//   CCurl (C: an HTTP client on libcurl, loaded with dlopen when a registry is first used)
//   SkiffSystem (typed system errors, small file helpers)
//   SkiffOCI (OCI runtime-spec and image-spec types, Codable, no dependencies)
//   SkiffExplain (--explain: recorded events, narrator, HTML page; pure)
//   SkiffRuntime (policy: spec -> spawn plan, cgroups, capabilities, seccomp, container state)
//   SkiffImage (references, content store, layer unpack/pack, registry client, archives)
//   SkiffKit (the engine: containers from images, build, compose, network, volumes; returns data)
//   SkiffPresentation (what the CLI prints: --format templates, tables)
//   SkiffOCICommands (runc's command line), skiff-oci (that alone, a lean runtime binary: skiff-oci-main)
//   skiff (the thin CLI: skiff-main)
let package = Package(
    name: "Skiff",
    products: [
        // `skiff` and `skiff-oci` are small C launchers (CSkiffSeal's launch.c) of the Swift programs
        // beside them, `skiff-main` and `skiff-oci-main`: a command that clones into a container loads
        // the large program once, already sealed (CVE-2019-5736), instead of twice.
        .executable(name: "skiff", targets: ["skiff-launcher"]),
        .executable(name: "skiff-main", targets: ["skiff"]),
        .executable(name: "skiff-oci", targets: ["skiff-oci-launcher"]),
        .executable(name: "skiff-oci-main", targets: ["skiff-oci"]),
        // What SkiffTesting runs (with skiff): a package that depends on Skiff builds it with --product.
        .executable(name: "skiff-monitor", targets: ["skiff-monitor"]),
        .library(name: "SkiffKit", targets: ["SkiffKit"]),
        .library(name: "SkiffRuntime", targets: ["SkiffRuntime"]),
        .library(name: "SkiffImage", targets: ["SkiffImage"]),
        .library(name: "SkiffOCI", targets: ["SkiffOCI"]),
        .library(name: "SkiffTesting", targets: ["SkiffTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "CSkiff",
            dependencies: ["CSystem"],
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("seccomp")]
        ),
        .target(name: "CSystem", cSettings: [.define("_GNU_SOURCE")]),
        // A container's json-file log: the one writer of the monitor and of an attached run.
        .target(name: "CJSONLog", cSettings: [.define("_GNU_SOURCE")], linkerSettings: [.linkedLibrary("z")]),
        // The sealed exec (CVE-2019-5736: exe_seal.c), the lists of the commands that run unsealed, and
        // the launchers' main (launch.c); libc only, so the launchers are small static programs.
        .target(name: "CSkiffSeal", cSettings: [.define("_GNU_SOURCE")]),
        .executableTarget(name: "skiff-launcher", dependencies: ["CSkiffSeal"], cSettings: [.define("_GNU_SOURCE")]),
        .executableTarget(
            name: "skiff-oci-launcher", dependencies: ["CSkiffSeal"], cSettings: [.define("_GNU_SOURCE")]),
        // The programs' own sealed re-exec when run without their launcher, made by a constructor before
        // the Swift runtime starts; one target per binary, each with that binary's list.
        .target(name: "CSkiffOCISealAtLoad", dependencies: ["CSkiffSeal"], cSettings: [.define("_GNU_SOURCE")]),
        .target(name: "CSkiffCLISealAtLoad", dependencies: ["CSkiffSeal"], cSettings: [.define("_GNU_SOURCE")]),
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl")]),
        // libarchive, opened with dlopen on first use (the start of every command would load it and the
        // ten libraries it needs); its headers come from libarchive-dev (Scripts/setup).
        .target(name: "CArchive", cSettings: [.define("_GNU_SOURCE")], linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "SkiffSystem", dependencies: ["CSystem", "CJSONLog"]),
        .target(name: "SkiffOCI"),
        // --explain: the events a run records, the narrator and the HTML page (pure, no system calls).
        .target(name: "SkiffExplain", dependencies: [.product(name: "Logging", package: "swift-log")]),
        .target(
            name: "SkiffRuntime",
            dependencies: [
                "CSkiff", "SkiffOCI", "SkiffSystem", "SkiffExplain",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SkiffImage",
            dependencies: [
                "CArchive", "CCurl", "CSystem", "SkiffOCI", "SkiffSystem",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SkiffKit",
            dependencies: [
                "SkiffImage", "SkiffRuntime", "SkiffOCI", "SkiffSystem", "CJSONLog",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Real containers for a Swift package's integration tests (Testcontainers' role, no daemon):
        // a test session's objects go with its reaper (skiff-monitor -R) whatever ends the test process.
        .target(name: "SkiffTesting", dependencies: ["SkiffKit", "SkiffImage", "SkiffRuntime"]),
        // What the CLI shows: --format templates and tables (a library so unit tests can reach it).
        .target(name: "SkiffPresentation", dependencies: ["SkiffKit"]),
        .target(
            name: "SkiffOCICommands",
            dependencies: [
                "SkiffRuntime", "SkiffOCI", "CSkiff", "CSkiffSeal", "SkiffExplain", "SkiffSystem",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // runc's command line alone: what Podman or containerd call; starts fast (no image code linked).
        .executableTarget(name: "skiff-oci", dependencies: ["SkiffOCICommands", "CSkiffOCISealAtLoad"]),
        .executableTarget(
            name: "skiff",
            dependencies: [
                "SkiffOCICommands", "SkiffKit", "SkiffPresentation", "SkiffImage", "SkiffRuntime", "SkiffOCI",
                "SkiffExplain", "CSkiffCLISealAtLoad",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The per-container monitor (conmon's role): plain C, so its memory stays at a few hundred KB.
        .executableTarget(
            name: "skiff-monitor", dependencies: ["CJSONLog", "CSystem"], cSettings: [.define("_GNU_SOURCE")]),
        // What the integration test targets share: repository and fixture paths, a shell, polling, temp
        // directories, free ports (Foundation only; not a product).
        .target(name: "SkiffTestSupport", path: "Tests/SkiffTestSupport"),
        .testTarget(name: "SkiffOCITests", dependencies: ["SkiffOCI"]),
        .testTarget(
            name: "SkiffRuntimeTests",
            dependencies: ["SkiffRuntime", "SkiffOCI", "CSkiff", "CSkiffSeal", "SkiffTestSupport"]
        ),
        .testTarget(
            name: "SkiffImageTests",
            dependencies: ["SkiffImage", "SkiffOCI", "CArchive", "CSystem", "SkiffTestSupport"]
        ),
        .testTarget(
            name: "SkiffKitTests",
            dependencies: ["SkiffKit", "SkiffImage", "SkiffRuntime", "SkiffOCI", "SkiffTestSupport"]
        ),
        // A test process that SkiffTestingTests SIGKILL (or let exit) with its session's objects still there.
        .executableTarget(name: "skiff-testing-child", dependencies: ["SkiffTesting"]),
        .testTarget(name: "SkiffTestingTests", dependencies: ["SkiffTesting", "SkiffKit", "SkiffTestSupport"]),
        // Policy tested without root, network or fixtures: `swift test --filter SkiffUnitTests`.
        .testTarget(
            name: "SkiffUnitTests",
            dependencies: [
                "SkiffKit", "SkiffImage", "SkiffPresentation", "SkiffRuntime", "SkiffOCI", "SkiffExplain",
                "SkiffTesting",
                "SkiffOCICommands", .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
