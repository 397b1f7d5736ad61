import Foundation
import SkiffTestSupport
import Testing

@testable import SkiffImage

/// Shared pieces of the archive tests: temp stores, the make-images fixture, shell commands.
enum ArchiveFixtures {
    /// The repository root, found from this file's path.
    static let repo = RepositoryPaths.root

    /// `Scripts/make-images --only busybox` (fast, skipped when up to date), or nil with the reason printed.
    static let busyboxArchive: String? = {
        let r = shell("'\(repo)/Scripts/make-images' --only busybox")
        let path = RepositoryPaths.imageArchive("busybox")
        if r.status != 0 || !FileManager.default.fileExists(atPath: path) {
            print(
                "archive tests: Scripts/make-images failed (\(r.status)): \(r.output) — tests that need busybox.tar are skipped"
            )
            return nil
        }
        return path
    }()

    static var haveBusybox: Bool { busyboxArchive != nil }
    static var havePodman: Bool { haveBusybox && shell("command -v podman").status == 0 }

    /// Run a bash command line; output is stdout and stderr together.
    @discardableResult
    static func shell(_ command: String) -> (status: Int32, output: String) { TestShell.run(command) }

    /// A fresh state root (an ImageStore) in a temp dir, removed afterwards.
    static func withTempDir<T>(_ prefix: String = "skiff-test-arch-", _ body: (String) throws -> T) throws -> T {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: prefix)
        defer { FileIO.removeTree(dir) }
        return try body(dir)
    }

    /// Nothing named, no blob kept and nothing left in the ingest area.
    static func expectEmpty(_ store: ImageStore, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try store.references().isEmpty, sourceLocation: sourceLocation)
        #expect(store.content.all().isEmpty, "blobs kept: \(store.content.all())", sourceLocation: sourceLocation)
        let ingest = (try? FileManager.default.contentsOfDirectory(atPath: store.content.root + "/ingest")) ?? []
        #expect(ingest.isEmpty, "left in ingest: \(ingest)", sourceLocation: sourceLocation)
    }

    static func sha256(_ path: String) -> String {
        shell("sha256sum '\(path)' | cut -d' ' -f1").output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
