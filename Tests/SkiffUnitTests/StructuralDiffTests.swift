import Testing

@testable import SkiffRuntime

/// The golden tests' failure messages name the field that differs.
@Suite("Structural diff of plans")
struct StructuralDiffTests {
    @Test func namesTheDifferingFields() {
        var expected = LaunchConfig()
        expected.mounts = [.init(source: "proc", target: "/proc", fstype: "proc", data: nil, flags: 2)]
        expected.hostname = "a"
        var actual = expected
        actual.mounts[0].flags = 0
        actual.hostname = nil
        actual.symlinks = [.init(target: "pts/ptmx", link: "/dev/ptmx")]
        #expect(
            StructuralDiff.lines(actual, expected, path: "config") == [
                "config.mounts[0].flags: expected 2, got 0",
                "config.symlinks[0]: unexpected SkiffRuntime.LaunchConfig.Symlink(target: \"pts/ptmx\", link: \"/dev/ptmx\")",
                "config.hostname: expected Optional(\"a\"), got nil",
            ])
        #expect(StructuralDiff.lines(expected, expected).isEmpty)
    }
}
