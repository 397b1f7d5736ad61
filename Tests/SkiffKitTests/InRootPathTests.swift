import SkiffKit
import Testing

/// InRootPath's walk on a made-up tree: `..` and symlinks never leave the root, loops end.
@Suite("Paths resolved inside a root")
struct InRootPathTests {
    /// a/ b/ b/f; up -> ../../..; abs -> /b; dl -> /etc (missing); loop -> loop; f -> b/f; file
    static let tree: [String: InRootPath.Entry] = [
        "a": .directory, "b": .directory, "b/f": .other, "file": .other,
        "up": .symlink(target: "../../.."), "abs": .symlink(target: "/b"), "dl": .symlink(target: "/etc"),
        "loop": .symlink(target: "loop"), "ping": .symlink(target: "pong/x"), "pong": .symlink(target: "ping"),
        "f": .symlink(target: "b/../b/f"),
    ]
    static func entry(_ path: String) -> InRootPath.Entry? { tree[path] }

    @Test func cleanKeepsDotDotAtTheRoot() {
        #expect(InRootPath.clean("/../../../x") == "/x")
        #expect(InRootPath.clean("a//b/./c/../d") == "/a/b/d")
        #expect(InRootPath.clean("") == "/")
        #expect(InRootPath.clean("/..") == "/")
    }

    @Test func symlinksAreFollowedInsideTheRoot() {
        #expect(InRootPath.resolve("up/b/f", entry: Self.entry) == "b/f")
        #expect(InRootPath.resolve("abs/f", entry: Self.entry) == "b/f")
        #expect(InRootPath.resolve("f", entry: Self.entry) == "b/f")
        #expect(InRootPath.resolve("f", followLast: false, entry: Self.entry) == "f")
        #expect(InRootPath.resolve("../../b/f", entry: Self.entry) == "b/f")
        #expect(InRootPath.resolve("dl/shadow", entry: Self.entry) == nil)
        #expect(InRootPath.resolve("file/x", entry: Self.entry) == nil)
        #expect(InRootPath.resolve("", entry: Self.entry) == "")
    }

    @Test func loopsEnd() {
        #expect(InRootPath.resolve("loop", entry: Self.entry) == nil)
        #expect(InRootPath.resolve("ping", entry: Self.entry) == nil)
        #expect(InRootPath.join("loop/x", entry: Self.entry) == nil)
    }

    @Test func joinKeepsWhatIsMissing() {
        #expect(InRootPath.join("/dl/made/../here", entry: Self.entry) == "etc/here")
        #expect(InRootPath.join("/up/../../new", entry: Self.entry) == "new")
        #expect(InRootPath.join("/file/x", entry: Self.entry) == nil)
        #expect(InRootPath.join("/", entry: Self.entry) == "")
    }
}
