import Foundation
import SkiffImage
import Testing

@testable import SkiffKit

/// `--cache-from` / `--cache-to` and compose `build.cache_from` / `cache_to` in BuildKit's syntax, and
/// `isolation` (`--isolation`, compose `isolation` / `build.isolation`) as Docker on Linux takes it.
@Suite("build cache specs and isolation")
struct BuildCacheSpecTests {
    @Test func exportSpecsAsBuildKitWritesThem() throws {
        let local = try BuildCacheSpec.parseExport("type=local,dest=/tmp/c,mode=max")
        #expect(local.target == .local(directory: "/tmp/c", tag: "latest"))
        #expect(local.mode == .max && !local.ignoreError)
        let registry = try BuildCacheSpec.parseExport("type=registry,ref=127.0.0.1:5000/app:cache,ignore-error=true")
        #expect(registry.target == .registry(try ImageReference(parsing: "127.0.0.1:5000/app:cache")))
        #expect(registry.mode == .min && registry.ignoreError)
        #expect(try BuildCacheSpec.parseExport("type=inline").target == .inline)
        // Byte-format attributes change nothing a later import finds: taken as given.
        let oci = try BuildCacheSpec.parseExport("type=local,dest=d,oci-mediatypes=true,compression=zstd,tag=v1")
        #expect(oci.target == .local(directory: "d", tag: "v1"))
    }

    @Test func importSpecsAndThePlainReference() throws {
        #expect(try BuildCacheSpec.parseImport("type=local,src=/tmp/c") == .local(directory: "/tmp/c", tag: "latest"))
        // BuildKit: a plain string is a registry reference.
        #expect(try BuildCacheSpec.parseImport("myimage:latest") == .registry(try ImageReference(parsing: "myimage")))
        let hex = String(repeating: "ab", count: 32)
        #expect(
            try BuildCacheSpec.parseImport("type=local,src=/c,digest=sha256:\(hex)")
                == .local(directory: "/c", tag: "latest", digest: try Digest("sha256:" + hex)))
        #expect(throws: BuildError.self) { try BuildCacheSpec.parseImport("type=local,src=/c,digest=md5:00") }
        #expect(
            try BuildCacheSpec.parseImport("type=registry,ref=example.com/a/b:c")
                == .registry(try ImageReference(parsing: "example.com/a/b:c")))
    }

    @Test func mistakesNameTheFlagAndWhatIsWrong() {
        let bad: [(String, Bool, String)] = [
            ("type=local", true, "type=local needs dest=DIRECTORY"),
            ("type=local", false, "type=local needs src=DIRECTORY"),
            ("dest=/x", true, "type= is required"),
            ("type=registry", true, "type=registry needs ref=REF"),
            ("type=local,dest=/x,mode=all", true, "mode=all: expected min or max"),
            ("type=inline,mode=max", true, "only mode=min"),
            ("type=inline", false, "unknown cache type \"inline\""),
            ("type=gha", true, "unknown cache type \"gha\""),
            ("type=local,src=/x,dest=/y", false, "dest is not an attribute of type=local"),
            ("type=local,dest=/x,ignore-error=maybe", true, "ignore-error=maybe: expected true or false"),
            ("type=local,dest=/x,dest=/y", true, "dest is given twice"),
            ("type=registry,ref=UPPER/Case", true, "ref=UPPER/Case"),
        ]
        for (text, export, want) in bad {
            do {
                if export { _ = try BuildCacheSpec.parseExport(text) } else { _ = try BuildCacheSpec.parseImport(text) }
                Issue.record("\(text) was accepted")
            } catch {
                let flag = export ? "--cache-to" : "--cache-from"
                #expect(error.description.hasPrefix("\(flag) \(text): "), "\(error)")
                #expect(error.description.contains(want), "\(error)")
            }
        }
    }

    @Test func composeCacheKeysAreParsedLikeTheFlags() throws {
        let project = try ComposeResourceMappingTests.load(
            """
            services:
              app:
                build:
                  context: .
                  cache_from: [ "myimage:latest", "type=local,src=/tmp/cache" ]
                  cache_to: [ "type=local,dest=/tmp/cache,mode=max", "type=inline" ]
            """)
        let b = try #require(project.services.first?.build)
        #expect(
            b.cacheFrom == [
                .registry(try ImageReference(parsing: "myimage:latest")),
                .local(directory: "/tmp/cache", tag: "latest"),
            ])
        #expect(b.cacheTo.map(\.target) == [.local(directory: "/tmp/cache", tag: "latest"), .inline])
        #expect(b.cacheTo.map(\.mode) == [.max, .min])
        let bad = ComposeHooksLinksMacTests.error(
            """
            services:
              app:
                build:
                  context: .
                  cache_to: [ "type=s3,region=x" ]
            """)
        #expect(bad.contains("services.app.build.cache_to[0]") && bad.contains("unknown cache type \"s3\""), "\(bad)")
    }

    @Test func isolationIsDefaultOnlyWithDockersMessage() throws {
        try Isolation.check("default")
        try Isolation.check("DEFAULT")
        try Isolation.check("")
        for value in ["hyperv", "process", "x"] {
            #expect(throws: Isolation.Invalid.self) { try Isolation.check(value) }
        }
        do { try Isolation.check("hyperv") } catch {
            #expect(error.description == "Invalid isolation: \"hyperv\" - linux only supports 'default'")
        }
        let ok = ComposeHooksLinksMacTests.error(
            """
            services:
              app:
                image: busybox
                isolation: default
              b:
                build:
                  context: .
                  isolation: default
            """)
        #expect(ok == "(loaded)")
        let service = ComposeHooksLinksMacTests.error(
            """
            services:
              app:
                image: busybox
                isolation: hyperv
            """)
        #expect(
            service.contains("services.app.isolation")
                && service.contains("Invalid isolation: \"hyperv\" - linux only supports 'default'"), "\(service)")
        let build = ComposeHooksLinksMacTests.error(
            """
            services:
              app:
                build:
                  context: .
                  isolation: process
            """)
        #expect(build.contains("services.app.build.isolation") && build.contains("\"process\""), "\(build)")
    }
}
