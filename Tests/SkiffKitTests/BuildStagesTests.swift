import Foundation
import SkiffImage
import SkiffKit
import SkiffSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Multi-stage builds as BuildKit runs them: only the stages the target needs, independent stages at
/// the same time, one stage's failure stopping the others, the same result however they ran.
@Suite("skiff build: stages", .serialized, .enabled(if: getuid() == 0 && TestImage.fixtureExists))
struct BuildStagesTests {
    /// Two stages meet in a shared cache mount: each RUN leaves its file and waits for the other's
    /// (for a minute at most, then fails). Built one after another, the first would wait in vain.
    static let meeting = """
        FROM busybox AS left
        RUN --mount=type=cache,id=skiff-test-meet,target=/meet,sharing=shared \\
            touch /meet/left; i=0; until [ -e /meet/right ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.1; done; echo left met right > /met
        FROM busybox AS right
        RUN --mount=type=cache,id=skiff-test-meet,target=/meet,sharing=shared \\
            touch /meet/right; i=0; until [ -e /meet/left ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.1; done; echo right met left > /met
        FROM busybox
        COPY --from=left /met /left
        COPY --from=right /met /right
        CMD ["cat", "/left", "/right"]

        """

    static func options(_ f: BuildFixture, parallel: Int) -> BuildOptions {
        var options = BuildOptions(contextDirectory: f.context)
        options.tags = ["app:latest"]
        options.parallelStages = parallel
        return options
    }

    @Test func independentStagesBuildAtTheSameTime() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        try f.write("Dockerfile", Self.meeting)
        let first = try f.build(options: Self.options(f, parallel: 2))
        let (code, text) = try f.run("app:latest", ["sh", "-c", "cat /left /right"])
        #expect(code == 0)
        #expect(text == "left met right\nright met left\n")
        // Readable: every line of the two stages names its stage; the RUN output too.
        #expect(first.lines.contains("[left] Step 1/8 : FROM busybox AS left"))
        #expect(first.lines.contains("[right] Step 3/8 : FROM busybox AS right"))
        #expect(
            first.lines.filter { $0.hasPrefix("[left] ") || $0.hasPrefix("[right] ") || $0.hasPrefix("[stage-2] ") }
                .count
                == first.lines.count - 2)  // all but "Successfully built/tagged"
        #expect(
            first.result.steps.map(\.number) == Array(1...8), "step numbers as in a serial build, in Dockerfile order")
        // The same cache keys either way: built one stage at a time, every step is answered by the
        // cache (the meeting RUNs would otherwise wait for each other in vain) and the image is the same.
        let serial = try f.build(options: Self.options(f, parallel: 1))
        #expect(serial.result.cachedSteps == 8 - 3, "every step but the three FROMs")
        #expect(serial.result.imageID == first.result.imageID)
        #expect(!serial.lines.contains { $0.hasPrefix("[left]") }, "one stage at a time: Docker's plain output")
        #expect(f.engine.containers.all().isEmpty)
    }

    @Test func serialAndParallelBuildsMakeTheSameImage() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        try f.write(
            "Dockerfile",
            """
            FROM busybox AS a
            ENV WHO=a
            RUN echo "$WHO" > /who
            FROM busybox AS b
            LABEL stage=b
            RUN echo b > /who
            FROM a
            COPY --from=b /who /b
            ENV DONE=1

            """)
        let serial = try f.build(options: Self.options(f, parallel: 1))
        #expect(serial.result.cachedSteps == 0)
        let parallel = try f.build(options: Self.options(f, parallel: 4))
        #expect(parallel.result.steps.map(\.cached) == [false, true, true, false, true, true, false, true, true])
        #expect(parallel.result.imageID == serial.result.imageID)
        #expect(parallel.result.manifestDigest == serial.result.manifestDigest)
        #expect(parallel.lines.contains("[a] Step 1/9 : FROM busybox AS a"))
    }

    /// Only what the target needs is built: a stage nothing uses never runs (its base does not even
    /// exist, and its RUN would fail), whether stages run one at a time or together.
    @Test(arguments: [1, 4]) func unusedStageNeverRuns(parallel: Int) throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        try f.write(
            "Dockerfile",
            """
            FROM busybox AS used
            RUN echo used > /used
            FROM skiff-test-no-such-image AS unused
            RUN exit 7
            FROM busybox AS also-unused
            RUN --mount=type=cache,id=skiff-test-unused,target=/c touch /c/ran; exit 8
            FROM busybox
            COPY --from=used /used /used

            """)
        let out = try f.build(options: Self.options(f, parallel: parallel))
        #expect(
            out.result.steps.map(\.instruction) == [
                "FROM busybox AS used", "RUN echo used > /used", "FROM busybox",
                "COPY --from=used /used /used",
            ])
        #expect(!out.lines.contains { $0.contains("unused") })
        let cacheMounts = f.root.path + "/build-mounts/cache"
        let marked = DirectoryEntries.names(cacheMounts).contains { name in
            FileManager.default.fileExists(atPath: cacheMounts + "/" + name + "/ran")
        }
        #expect(!marked, "the unused stage's RUN ran")
        // --target picks the stage and what it needs, nothing after it.
        var options = Self.options(f, parallel: parallel)
        options.target = "used"
        #expect(try f.build(options: options).result.steps.count == 2)
    }

    /// A stage that fails names itself and its line; the stage running beside it is stopped: its
    /// step container killed and removed, its step never cached, its next step never started.
    @Test func failingStageNamesItselfAndStopsTheOthers() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        try f.write(
            "Dockerfile",
            """
            FROM busybox AS slow
            RUN --mount=type=cache,id=skiff-test-stop,target=/meet \\
                touch /meet/slow-started; sleep 60; touch /meet/slow-finished
            RUN --mount=type=cache,id=skiff-test-stop,target=/meet touch /meet/slow-next
            FROM busybox AS broken
            RUN --mount=type=cache,id=skiff-test-stop,target=/meet \\
                i=0; until [ -e /meet/slow-started ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.1; done; echo broken >&2; exit 3
            FROM busybox
            COPY --from=slow /etc/hostname /a
            COPY --from=broken /etc/hostname /b

            """)
        var failure: BuildError?
        do { _ = try f.build(options: Self.options(f, parallel: 2)) } catch let error as BuildError { failure = error }
        let error = try #require(failure)
        guard case .stage(let name, let file, let line, let inner) = error, case .runFailed(_, let code) = inner else {
            Issue.record("not a failed stage: \(error)")
            return
        }
        #expect(name == "broken" && file == "Dockerfile" && line == 6 && code == 3)
        #expect(error.description.hasPrefix("[broken] Dockerfile:6: The command '/bin/sh -c"), "\(error)")
        #expect(error.description.hasSuffix("returned a non-zero code: 3"))
        #expect(error.exitCode == 3)
        #expect(f.engine.containers.all().isEmpty, "a step container was left behind")
        let meet = try #require(
            DirectoryEntries.names(f.root.path + "/build-mounts/cache").first {
                !$0.hasPrefix(".") && !$0.hasSuffix(".lock")
            })
        let made = Set(DirectoryEntries.names(f.root.path + "/build-mounts/cache/" + meet))
        #expect(made.contains("slow-started"))
        #expect(!made.contains("slow-finished"), "the slow stage's RUN was not stopped")
        #expect(!made.contains("slow-next"), "the slow stage went on after the failure")
        // Nothing of the stopped step reached the cache: built again, it runs again.
        let entries = DirectoryEntries.names(f.root.path + "/build-cache").filter { $0.hasSuffix(".json") }
        let steps = entries.compactMap {
            try? String(contentsOfFile: f.root.path + "/build-cache/" + $0, encoding: .utf8)
        }
        #expect(!steps.contains { $0.contains("sleep 60") })
        #expect(!DirectoryEntries.names(f.root.path + "/build-cache").contains { $0.hasPrefix(".entry-") })
    }

    /// A single-stage build's errors are Docker's, without a stage name.
    @Test func singleStageFailureIsDockers() throws {
        let f = try BuildFixture()
        defer { f.cleanUp() }
        #expect(throws: BuildError.runFailed(command: "/bin/sh -c exit 4", code: 4)) {
            _ = try f.build("FROM busybox\nRUN exit 4\n")
        }
    }
}
