import Foundation
import SkiffImage
import SkiffKit
import SkiffOCI
import SkiffSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A build's work grows linearly with its steps (issue 15), checked by what it wrote and read, not by
/// a clock: metadata-only steps (ENV, LABEL, ARG…) write no image, so a long run of them writes one
/// config at the end, and a cached rebuild reads one small cache entry per step.
@Suite("skiff build: linear in its steps", .serialized, .enabled(if: getuid() == 0 && TestImage.fixtureExists))
struct BuildLinearTests {
    static func dockerfile(steps: Int) -> String {
        var text = "FROM busybox\nARG BASE=b\n"
        for i in 0..<steps {
            switch i % 4 {
            case 3: text += "LABEL l\(i)=\"${BASE}\(i)\"\n"
            default: text += "ENV V\(i)=${BASE}\(i)\n"
            }
        }
        return text + "ENV V0=last\nCMD [\"sh\"]\n"
    }

    @Test func longMetadataBuildWritesOneImage() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        let steps = 2000
        let first = try f.build(Self.dockerfile(steps: steps))
        let image = try f.image("app:latest")
        let configSize = Int(image.manifest.config.size)
        // One image (the result) and its one config; each step costing a config would be ~steps/2 × that.
        #expect(first.result.work.imagesWritten == 1)
        #expect(first.result.work.configBytesWritten == configSize)
        #expect(first.result.steps.count == steps + 4)
        #expect(first.result.cachedSteps == 0)

        // Everything the steps said is in the config, in Docker's order: V0 kept its place when set again.
        let config = try #require(image.config.config)
        #expect(config.Env?.first { $0.hasPrefix("V0=") } == "V0=last")
        #expect(config.Env?.firstIndex { $0.hasPrefix("V0=") } == 1, "after busybox's PATH")
        #expect(config.Env?.count == 1 + steps - steps / 4)
        #expect(config.Labels?["l3"] == "b3")
        #expect(config.Labels?.count == steps / 4)
        #expect(config.Cmd == ["sh"])
        let history = Array(try #require(image.config.history).suffix(steps + 2))
        #expect(history.count == steps + 2 && history.allSatisfy { $0.emptyLayer == true })
        #expect(history.first?.createdBy == "ENV V0=b0")
        #expect(image.config.created == history.last?.created)

        // Cached: the same image, nothing written but the tag's check, one small entry read per step.
        let second = try f.build()
        #expect(second.result.imageID == first.result.imageID)
        #expect(second.result.cachedSteps == steps + 2, "every step but FROM and ARG")
        #expect(second.lines.filter { $0 == " ---> Using cache" }.count == steps + 2)
        #expect(second.result.work.configBytesRead == 0)
        #expect(second.result.work.cacheEntriesRead == steps + 2)
        #expect(second.result.work.cacheEntryBytesRead < (steps + 2) * 512)
        #expect(second.result.work.configBytesWritten <= configSize)
    }

    /// Metadata steps between layer steps: the RUN sees them, the cache keys chain through them
    /// (changing an ENV value rebuilds from there), and a cached rebuild gives the same image.
    @Test func metadataStepsChainIntoLayerSteps() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        func dockerfile(_ value: String) -> String {
            "FROM busybox\nENV A=\(value)\nUSER 0:0\nWORKDIR /w\nRUN echo \"$A $(id -u) $(pwd)\" > /w/out\nLABEL after=run\nENV B=2\n"
        }
        let first = try f.build(dockerfile("one"))
        #expect(first.result.work.imagesWritten == 3, "WORKDIR's layer, RUN's, and the result")
        let (_, text) = try f.run("app:latest", ["cat", "/w/out"])
        #expect(text == "one 0 /w\n")
        let again = try f.build()
        #expect(again.result.cachedSteps == 6)
        #expect(again.result.imageID == first.result.imageID)
        let changed = try f.build(dockerfile("two"))
        #expect(changed.result.steps.map(\.cached) == [false, false, false, false, false, false, false])
        let (_, now) = try f.run("app:latest", ["cat", "/w/out"])
        #expect(now == "two 0 /w\n")
        // --no-cache: everything again, the same history shape.
        let fresh = try f.build(noCache: true)
        #expect(fresh.result.cachedSteps == 0)
        let history = try #require(try f.image("app:latest").config.history)
        #expect(history.suffix(6).map { $0.emptyLayer == true } == [true, true, false, false, true, true])
    }
}
