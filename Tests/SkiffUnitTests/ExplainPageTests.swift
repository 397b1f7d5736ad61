import Testing

@testable import SkiffExplain
@testable import SkiffKit

/// The `--explain-html` page from a recorded run, and the build cache's miss reasons, without root.
@Suite("--explain page and cache-miss reasons")
struct ExplainPageTests {
    @Test("the page is self-contained, escapes what runs put in it, and draws the four pictures from the events")
    func page() {
        var events = ExplainNarrationTests.baseRun
        events.append(ExplainNarrationTests.e(.execve(argv: ["<script>alert(1)</script>"], environmentCount: 0)))
        let html = ExplainPage.render(events, title: "skiff run \"<b>\"")
        let lower = html.lowercased()
        for banned in ["http://", "https://", "src=", "href=", "<script", "<link", "@import", "<img", "<iframe"] {
            #expect(!lower.contains(banned), "\(banned)")
        }
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("<title>skiff run &quot;&lt;b&gt;&quot;</title>"))
        for caption in [
            "The layer stack", "The namespaces around the process", "The container&#39;s cgroup",
            "A connection to 127.0.0.1:8000",
        ] {
            #expect(html.contains(caption), "\(caption)")
        }
        #expect(html.components(separatedBy: "<svg ").count - 1 == 4)
        #expect(html.components(separatedBy: "</svg>").count - 1 == 4)
    }

    @Test("a run without a published port or cgroup events gets no picture of them")
    func picturesFollowEvents() {
        let events = ExplainNarrationTests.baseRun.filter {
            ![.portPublished, .cgroupCreated, .cgroupWrite, .cgroupJoined].contains($0.kind)
        }
        let html = ExplainPage.render(events, title: "t")
        #expect(!html.contains("A connection to"))
        #expect(!html.contains("The container&#39;s cgroup"))
        #expect(html.contains("The layer stack"))
    }

    @Test("a cache miss names the copied files that changed, came or went")
    func changedFiles() {
        let before = [
            "tree context src src", "d . 755 0:0", "f ./a.py 644 0:0 3 aaa", "f ./b.py 644 0:0 3 bbb",
            "tree context README.md README.md", "f . 644 0:0 9 rrr",
        ]
        let now = [
            "tree context src src", "d . 755 0:0", "f ./a.py 644 0:0 3 aa2", "f ./c.py 644 0:0 3 ccc",
            "tree context README.md README.md", "f . 644 0:0 9 rrr",
        ]
        #expect(BuildCache.changedFiles(before: before, now: now) == "src/a.py, src/c.py (new), src/b.py (removed)")
        #expect(BuildCache.changedFiles(before: before, now: before) == "(their order or options)")
    }
}

@Suite("--explain recorder")
struct ExplainRecorderTests {
    final class Told: @unchecked Sendable { var batches: [[ExplainEvent.Kind]] = [] }

    @Test("with a live teller, the steps up to execve are told when it happens, the rest is left for the end")
    func liveAtExec() {
        let recorder = ExplainRecorder()
        let told = Told()
        recorder.begin { events in told.batches.append(events.map(\.kind)) }
        recorder.record(ExplainNarrationTests.e(.hostname("h")))
        recorder.record(ExplainNarrationTests.e(.execve(argv: ["true"], environmentCount: 0)))
        recorder.record(ExplainNarrationTests.e(.exited(code: 0, signal: nil, signalName: nil)))
        let (events, toldCount) = recorder.end()
        #expect(told.batches == [[.hostname, .execve]])
        #expect(events.count == 3 && toldCount == 2)
    }

    @Test("without one (a build's RUN steps), everything is left for the end; nothing is kept when inactive")
    func noLiveTeller() {
        let recorder = ExplainRecorder()
        recorder.record(ExplainNarrationTests.e(.loopbackUp))
        recorder.begin()
        recorder.record(ExplainNarrationTests.e(.execve(argv: ["true"], environmentCount: 0)))
        let (events, toldCount) = recorder.end()
        #expect(events.map(\.kind) == [.execve] && toldCount == 0)
    }
}
