import Testing

@testable import SkiffImage

/// `cp - CONTAINER:DIR`: a tar entry's name taken relative to DIR, as Go's filepath.Join cleans it;
/// one that leaves DIR is refused (nil).
@Suite("cp from a tar: entry names inside the destination")
struct TreeExtractionPathTests {
    @Test func namesAreCleanedInsideTheDestination() {
        #expect(TreeExtraction.components("a/b/c") == ["a", "b", "c"])
        #expect(TreeExtraction.components("./a//b/./c/") == ["a", "b", "c"])
        #expect(TreeExtraction.components("/etc/passwd") == ["etc", "passwd"])
        #expect(TreeExtraction.components("a/../b") == ["b"])
        #expect(TreeExtraction.components("./") == [])
    }

    @Test func namesLeavingTheDestinationAreRefused() {
        #expect(TreeExtraction.components("../x") == nil)
        #expect(TreeExtraction.components("a/../../x") == nil)
        #expect(TreeExtraction.components("/../etc") == nil)
    }
}
