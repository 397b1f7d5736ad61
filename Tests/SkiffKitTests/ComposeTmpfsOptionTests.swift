import SkiffKit
import Testing

/// `tmpfs:` entries keep their options (`/run:size=64m,mode=1770`, long syntax `tmpfs.mode`), as Docker
/// Compose passes them to the engine; they were dropped before.
@Suite("Compose tmpfs options")
struct ComposeTmpfsOptionTests {
    @Test func shortAndLongSyntaxKeepTheirOptions() throws {
        let p = try ComposeParserTests.load(
            """
            services:
              web:
                image: busybox
                tmpfs: ["/run:size=64m,mode=1770,noexec"]
                volumes:
                  - type: tmpfs
                    target: /cache
                    tmpfs: {size: 1m, mode: 1777}
            """)
        let web = try #require(p.service("web"))
        let run = web.volumes.first { $0.target == "/run" }
        #expect(run?.tmpfsOptions == ["size=64m", "mode=1770", "noexec"])
        let cache = web.volumes.first { $0.target == "/cache" }
        #expect(cache?.tmpfsOptions == ["mode=1777"] && cache?.tmpfsSize == 1 << 20)
        #expect(
            ComposeParserTests.error("services:\n  web:\n    image: busybox\n    tmpfs: [\"/run:size=lots\"]\n")
                .contains("services.web.tmpfs[0]"))
        #expect(
            ComposeParserTests.error(
                "services:\n  web:\n    image: busybox\n    volumes:\n      - {type: tmpfs, target: /c, tmpfs: {mode: 999}}\n"
            )
            .contains("tmpfs.mode"))
    }
}
