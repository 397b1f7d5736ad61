import Foundation
import Testing

@testable import SkiffImage

#if canImport(Glibc)
import Glibc
#endif

/// Plain tar, tar+gzip and tar+zstd made by the GNU tar, gzip and zstd CLIs unpack to the same tree, with
/// the diff ID of the plain tar; broken blobs are errors and leave nothing behind.
@Suite struct LayerFormatsTests {
    static let compressions: [(name: String, command: String)] = [
        ("none", "cat"), ("gzip", "gzip -c"), ("zstd", "zstd -q -c"),
    ]

    @Test(arguments: ["none", "gzip", "zstd"], [true, false])
    func unpacksWhatGNUTarWrote(compression: String, pipelined: Bool) throws {
        let tmp = try LayerFixtures.TempDir("format-\(compression)")
        defer { tmp.remove() }
        let src = try tmp.sub("src")
        try LayerRoundTripTests.makeTree(src)
        let plain = tmp.path + "/layer.tar"
        try LayerFixtures.sh("cd '\(src)' && tar --xattrs --xattrs-include='*' --numeric-owner -cf '\(plain)' .")
        let command = Self.compressions.first { $0.name == compression }!.command
        let blob = tmp.path + "/layer.blob"
        try LayerFixtures.sh("\(command) '\(plain)' > '\(blob)'")

        let dst = try tmp.sub("dst")
        let result = try LayerUnpacker(options: .init(allowDevices: true, pipelined: pipelined)).unpack(
            blob: blob, into: dst)
        #expect(result.compression == compression)
        #expect(result.diffID == (try LayerFixtures.sha256(ofFile: plain)))
        #expect(result.uncompressedBytes == Int64(LayerFixtures.lstatOf(plain)!.st_size))
        #expect(result.compressedBytes == Int64(LayerFixtures.lstatOf(blob)!.st_size))
        #expect(try LayerFixtures.snapshot(dst) == (try LayerFixtures.snapshot(src)))
    }

    @Test func emptyLayerHasTheWellKnownDiffID() throws {
        let tmp = try LayerFixtures.TempDir("empty")
        defer { tmp.remove() }
        // Docker's empty layer: 1024 zero bytes.
        try LayerFixtures.sh("head -c 1024 /dev/zero | gzip -c > '\(tmp.path)/empty.tar.gz'")
        let dst = try tmp.sub("dst")
        let result = try LayerUnpacker().unpack(blob: tmp.path + "/empty.tar.gz", into: dst)
        #expect(result.diffID == "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef")
        #expect(result.entries == 0)
        #expect(try LayerFixtures.contents(dst).isEmpty)
    }

    enum Damage: String, CaseIterable, Sendable {
        case truncatedGzip, truncatedZstd, flippedGzipByte, notAnArchive, truncatedTar
    }

    @Test(arguments: Damage.allCases, [true, false])
    func brokenBlobIsAnErrorAndLeavesNothing(damage: Damage, pipelined: Bool) throws {
        let tmp = try LayerFixtures.TempDir("broken")
        defer { tmp.remove() }
        let src = try tmp.sub("src")
        try LayerFixtures.sh(
            "cd '\(src)' && mkdir d && head -c 2000000 /dev/urandom > d/a && head -c 500000 /dev/zero > d/b")
        let plain = tmp.path + "/l.tar"
        try LayerFixtures.sh("cd '\(src)' && tar -cf '\(plain)' .")
        let blob = tmp.path + "/l.blob"
        switch damage {
        case .truncatedGzip:
            try LayerFixtures.sh("gzip -c '\(plain)' | head -c 1000000 > '\(blob)'")
        case .truncatedZstd:
            try LayerFixtures.sh("zstd -q -c '\(plain)' | head -c 1000000 > '\(blob)'")
        case .flippedGzipByte:
            try LayerFixtures.sh(
                "gzip -c '\(plain)' > '\(blob)' && printf '\\377\\377\\377\\377' | dd of='\(blob)' bs=1 seek=600000 conv=notrunc status=none"
            )
        case .notAnArchive:
            try LayerFixtures.sh("head -c 100000 /dev/urandom > '\(blob)'")
        case .truncatedTar:
            try LayerFixtures.sh("head -c 1500000 '\(plain)' > '\(blob)'")
        }
        let dst = try tmp.sub("dst")
        let expected = try LayerFixtures.sha256(ofFile: plain)
        do throws(LayerError) {
            // libarchive does not check gzip's CRC: a flipped byte in stored (incompressible) data still
            // inflates, and only the diff ID check catches it.
            _ = try LayerUnpacker(options: .init(pipelined: pipelined)).unpack(
                blob: blob, into: dst, layerName: "sha256:feed",
                expectedDiffID: expected)
            Issue.record("a \(damage) blob was accepted")
        } catch {
            switch error.reason {
            case .corrupt: break
            case .diffIDMismatch: #expect(damage == .flippedGzipByte)
            default:
                Issue.record("expected a corrupt-layer error, got \(error)")
                return
            }
            #expect(error.description.hasPrefix("layer sha256:feed: "))
            #expect(!error.isHostile)
        }
        #expect(try LayerFixtures.contents(dst).isEmpty)
    }

    @Test func missingBlobNamesThePath() throws {
        let tmp = try LayerFixtures.TempDir("missing")
        defer { tmp.remove() }
        let dst = try tmp.sub("dst")
        #expect {
            try LayerUnpacker().unpack(blob: tmp.path + "/nope", into: dst)
        } throws: { error in
            (error as? LayerError)?.description.contains("/nope") == true
        }
    }
}
