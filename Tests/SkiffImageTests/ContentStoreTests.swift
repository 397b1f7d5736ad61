import Foundation
import Testing

@testable import SkiffImage

@Suite("Content store")
struct ContentStoreTests {
    func withStore(_ body: (ContentStore, String) throws -> Void) throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-test-cs-")
        defer { FileIO.removeTree(dir) }
        try body(ContentStore(root: dir + "/blobs"), dir)
    }

    @Test func storesByDigestAndVerifies() throws {
        try withStore { store, _ in
            let bytes = Array("hello\n".utf8)
            let d = try store.write(bytes)
            #expect(d.description == "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
            #expect(try store.read(d) == bytes)
            #expect(store.size(of: d) == 6)
        }
    }

    /// A cached rebuild commits the config and manifest it committed before: the stored blob is kept as
    /// it is (the same inode, no new file, fsync or rename), and nothing is left in the ingest directory.
    @Test func aBlobAlreadyStoredIsNotWrittenAgain() throws {
        try withStore { store, _ in
            let bytes = Array(#"{"architecture":"amd64"}"#.utf8)
            let first = try store.write(bytes)
            var before = stat()
            #expect(stat(store.path(of: first), &before) == 0)
            #expect(try store.write(bytes) == first)
            var after = stat()
            #expect(stat(store.path(of: first), &after) == 0)
            #expect(after.st_ino == before.st_ino)
            #expect(try store.read(first) == bytes)
            let ingest = (try? FileManager.default.contentsOfDirectory(atPath: store.root + "/ingest")) ?? []
            #expect(ingest.isEmpty, "partial blobs left: \(ingest)")
        }
    }

    @Test func aMismatchKeepsNothing() throws {
        try withStore { store, _ in
            let wrong = try Digest(hex: String(repeating: "0", count: 64))
            #expect(throws: ImageError.self) { try store.write(Array("x".utf8), expected: wrong) }
            #expect(!store.contains(wrong))
            #expect(store.all().isEmpty)
            let ingest = (try? FileManager.default.contentsOfDirectory(atPath: store.root + "/ingest")) ?? []
            #expect(ingest.isEmpty, "partial blobs left: \(ingest)")
        }
    }

    @Test func aShortBlobIsASizeError() throws {
        try withStore { store, dir in
            let file = dir + "/f"
            try Data("abc".utf8).write(to: URL(fileURLWithPath: file))
            let digest = Digest.of(Array("abc".utf8))
            #expect { try store.ingest(file: file, expected: digest, expectedSize: 4) } throws: { error in
                "\(error)".contains("expected 4 bytes, got 3")
            }
            #expect(try store.ingest(file: file, expected: digest, expectedSize: 3) == digest)
        }
    }
}
