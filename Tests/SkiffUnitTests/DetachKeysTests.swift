import Foundation
import SkiffSystem
import Testing

@testable import SkiffKit

/// --detach-keys: Docker's syntax, and the sequence found across reads.
@Suite("detach keys")
struct DetachKeysTests {
    @Test func parsesDockersSyntax() throws {
        #expect(try DetachKeys(parsing: "ctrl-p,ctrl-q").sequence == [0x10, 0x11])
        #expect(try DetachKeys(parsing: "ctrl-a,x").sequence == [0x01, UInt8(ascii: "x")])
        #expect(try DetachKeys(parsing: "ctrl-@,ctrl-_").sequence == [0, 31])
        #expect(throws: KitError.self) { try DetachKeys(parsing: "ctrl-pp") }
        #expect(throws: KitError.self) { try DetachKeys(parsing: "") }
    }

    @Test func findsTheSequenceAcrossReadsAndPassesABrokenOneOn() throws {
        var k = try DetachKeys(parsing: "ctrl-a,x")
        var r = k.feed([0x61, 0x01])
        #expect(r.forward == [0x61] && !r.detach, "a possible start is held back")
        r = k.feed([0x62])
        #expect(r.forward == [0x01, 0x62] && !r.detach, "a broken-off sequence goes on whole")
        r = k.feed([0x01])
        r = k.feed([UInt8(ascii: "x"), 0x63])
        #expect(r.forward.isEmpty && r.detach)
    }

    /// Docker's CLI configuration: `detachKeys` of $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
    @Test func theConfigurationsSequence() throws {
        let dir = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-detach-config-")
        defer { FileIO.removeTree(dir) }
        #expect(try DetachKeys.configured(environment: ["DOCKER_CONFIG": dir]) == .standard, "no file")
        try #"{"auths": {}, "detachKeys": "ctrl-e,e"}"#.write(
            toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        #expect(try DetachKeys.configured(environment: ["DOCKER_CONFIG": dir]).sequence == [0x05, UInt8(ascii: "e")])
        try FileManager.default.createDirectory(atPath: dir + "/home/.docker", withIntermediateDirectories: true)
        try #"{"detachKeys": "ctrl-"}"#.write(
            toFile: dir + "/home/.docker/config.json", atomically: true, encoding: .utf8)
        #expect(throws: KitError.self) { try DetachKeys.configured(environment: ["HOME": dir + "/home"]) }
    }
}

/// `--disable-content-trust=BOOL` on run/create: respelled word for word, the replaced ones kept by their
/// distance from the end (where run's operands are).
@Suite("Go boolean flags respelled")
struct GoBoolRespelledTests {
    @Test func respellsParseBoolWordsOnly() {
        let line = [
            "run", "--disable-content-trust=false", "-e", "A=1", "busybox", "echo", "--disable-content-trust=1",
        ]
        let r = GoBoolFlags.respelled(line, flags: GoBoolFlags.contentTrust)
        #expect(
            r.words == ["run", "--no-disable-content-trust", "-e", "A=1", "busybox", "echo", "--disable-content-trust"])
        #expect(r.replaced == [6: "--disable-content-trust=false", 1: "--disable-content-trust=1"])
        let bad = GoBoolFlags.respelled(["run", "--disable-content-trust=maybe", "x"], flags: GoBoolFlags.contentTrust)
        #expect(bad.words == ["run", "--disable-content-trust=maybe", "x"] && bad.replaced.isEmpty)
    }
}
