import Foundation
import SkiffOCI
import Testing

@testable import SkiffKit

/// `--platform` / compose `build.platforms` normalized as BuildKit normalizes them, the build args it sets,
/// and the binfmt_misc handlers a foreign platform's RUN steps need.
@Suite("build platforms")
struct BuildPlatformTests {
    @Test func spellingsNormalizeAsBuildKits() throws {
        let cases: [(String, String, String?)] = [
            ("linux/amd64", "amd64", nil), ("amd64", "amd64", nil), ("linux/amd64/v1", "amd64", nil),
            ("linux/amd64/v2", "amd64", "v2"), ("linux/x86_64", "amd64", nil), ("LINUX/AMD64/V3", "amd64", "v3"),
            ("linux/arm64/v8", "arm64", nil), ("linux/aarch64", "arm64", nil), ("linux/arm", "arm", "v7"),
            ("linux/arm/v6", "arm", "v6"), ("linux/riscv64", "riscv64", nil), ("linux/386", "386", nil),
        ]
        for (text, arch, variant) in cases {
            let p = try BuildPlatform.parse(text)
            #expect(p.os == "linux" && p.architecture == arch && p.variant == variant, "\(text) → \(p)")
        }
        for bad in ["windows/amd64", "linux/amd64/v9", "", "linux//amd64", "a/b/c/d", "linux/am d64"] {
            #expect(throws: BuildPlatform.Invalid.self, "\(bad)") { try BuildPlatform.parse(bad) }
        }
        #expect(BuildPlatform.format(try BuildPlatform.parse("linux/arm64/v8")) == "linux/arm64")
        #expect(BuildPlatform.format(try BuildPlatform.parse("linux/arm")) == "linux/arm/v7")
    }

    @Test func buildArgsAreBuildKits() throws {
        let args = BuildPlatform.args(
            target: try BuildPlatform.parse("linux/arm/v7"), build: try BuildPlatform.parse("linux/amd64"))
        #expect(args["TARGETPLATFORM"] == "linux/arm/v7" && args["TARGETOS"] == "linux")
        #expect(args["TARGETARCH"] == "arm" && args["TARGETVARIANT"] == "v7")
        #expect(args["BUILDPLATFORM"] == "linux/amd64" && args["BUILDARCH"] == "amd64" && args["BUILDVARIANT"] == "")
    }

    @Test func targetPlatformsAndComposesServicePlatform() throws {
        #expect(try BuildPlatform.list([], flag: "--platform") == [])
        #expect(
            try BuildPlatform.list(["linux/amd64,amd64", "linux/amd64/v1"], flag: "--platform")
                == [Platform(architecture: "amd64")])
        #expect(
            try BuildPlatform.list(["linux/amd64,linux/arm64/v8"], flag: "--platform")
                == [Platform(architecture: "amd64"), Platform(architecture: "arm64")])
        do {
            _ = try BuildPlatform.list(["windows/amd64"], flag: "--platform")
            Issue.record("windows was accepted")
        } catch {
            #expect(error.description.contains("--platform \"windows/amd64\": skiff builds Linux images only"))
        }
        let project = try ComposeResourceMappingTests.load(
            "services:\n  app:\n    build: {context: ., platforms: [\"linux/arm64\"]}\n")
        #expect(project.services.first?.build?.platform == Platform(architecture: "arm64"))
        // Several: all are built (an image index), none is "the" platform.
        let two = try ComposeResourceMappingTests.load(
            "services:\n  app:\n    build: {context: ., platforms: [linux/amd64, linux/arm64]}\n")
        #expect(two.services.first?.build?.platform == nil)
        #expect(two.services.first?.build?.platforms.count == 2)
        // The service's platform: the build's, one of build.platforms when those are given.
        let chosen = try ComposeResourceMappingTests.load(
            "services:\n  app:\n    platform: aarch64\n    build: {context: ., platforms: [linux/amd64, linux/arm64]}\n"
        )
        #expect(chosen.services.first?.platform == Platform(architecture: "arm64"))
        #expect(chosen.services.first?.build?.platform == Platform(architecture: "arm64"))
        let alone = try ComposeResourceMappingTests.load(
            "services:\n  app:\n    platform: linux/arm64\n    build: .\n")
        #expect(alone.services.first?.build?.platform == Platform(architecture: "arm64"))
        let outside = ComposeHooksLinksMacTests.error(
            "services:\n  app:\n    platform: linux/arm64\n    build: {context: ., platforms: [linux/amd64]}\n")
        #expect(
            outside.contains(
                "services.app.platform: service.platform \"linux/arm64\" should be part of the service.build.platforms: [\"linux/amd64\"]"
            ), "\(outside)")
        // Another os loads, as Docker Compose loads it; building or running it is refused then.
        let wasm = try ComposeResourceMappingTests.load(
            "services:\n  app:\n    image: busybox\n    platform: wasi/wasm\n")
        #expect(wasm.services.first?.platform == Platform(architecture: "wasm", os: "wasi"))
        #expect(
            ComposeRunner.notLinux(Platform(architecture: "amd64", os: "windows"))
                == "\"windows/amd64\": skiff builds and runs Linux images only (the os is windows)")
        #expect(throws: BuildPlatform.Invalid.self) { try BuildPlatform.parse("windows/amd64") }
    }

    /// qemu-user's registration for aarch64 (as /proc/sys/fs/binfmt_misc/qemu-aarch64 shows it) runs arm64
    /// programs and nothing else; a disabled one runs none.
    @Test func binfmtHandlersMatchTheELFMachine() {
        let aarch64 = """
            enabled
            interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
            flags: POCF
            offset 0
            magic 7f454c460201010000000000000000000200b700
            mask ffffffffffffff00fffffffffffffffffeffffff

            """
        let s390x = """
            enabled
            interpreter /usr/libexec/qemu-binfmt/s390x-binfmt-P
            flags: POCF
            offset 0
            magic 7f454c4602020100000000000000000000020016
            mask ffffffffffffff00fffffffffffffffffffeffff

            """
        let arm = try! BuildPlatform.parse("linux/arm64")
        let handlers = BinfmtHandlers(entries: [aarch64])
        #expect(handlers.runs(arm))
        #expect(!handlers.runs(try! BuildPlatform.parse("linux/arm/v7")))
        #expect(!handlers.runs(try! BuildPlatform.parse("linux/riscv64")))
        #expect(!BinfmtHandlers(entries: [aarch64.replacingOccurrences(of: "enabled", with: "disabled")]).runs(arm))
        #expect(!BinfmtHandlers(entries: []).runs(arm))
        #expect(BinfmtHandlers(entries: [s390x]).runs(try! BuildPlatform.parse("linux/s390x")))
        #expect(!BinfmtHandlers(entries: [s390x]).runs(arm))
        #expect(
            BuildPlatform.isNative(try! BuildPlatform.parse("linux/amd64/v2"), host: Platform(architecture: "amd64")))
        #expect(!BuildPlatform.isNative(arm, host: Platform(architecture: "amd64")))
    }
}
