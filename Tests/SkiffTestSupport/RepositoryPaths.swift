import Foundation

/// Where the repository and the fixtures `Scripts/make-fixtures` and `Scripts/make-images` make are,
/// found from this file's path so that tests run from any working directory.
public enum RepositoryPaths {
    /// The repository root (this file is Tests/SkiffTestSupport/RepositoryPaths.swift).
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// A path inside the repository, e.g. `file("Tests/Fixtures/moby-seccomp-default.txt")`.
    public static func file(_ relative: String) -> String { root + "/" + relative }

    /// The busybox bundle (rootfs with /bin/skiff-probe and a runc-like config.json):
    /// $SKIFF_FIXTURE_BUNDLE, or rootfs-fixtures/out/busybox.
    public static let busyboxBundle: String = {
        if let env = ProcessInfo.processInfo.environment["SKIFF_FIXTURE_BUNDLE"], !env.isEmpty { return env }
        return file("rootfs-fixtures/out/busybox")
    }()

    /// The busybox bundle's root filesystem.
    public static var busyboxRootfs: String { busyboxBundle + "/rootfs" }

    /// An image archive `Scripts/make-images` wrote (`busybox`, `postgres`, ...).
    public static func imageArchive(_ name: String) -> String { file("rootfs-fixtures/out/images/\(name).tar") }
}
