import SkiffSystem
import Testing

/// The stdlib-only trim that the start path uses instead of Foundation's CharacterSet.
@Suite("Whitespace trimming without Foundation")
struct WhitespaceTrimmingTests {
    @Test func trimsSpacesTabsAndLineEndsAtBothEndsOnly() {
        #expect("  42\n".trimmingWhitespace == "42")
        #expect("\t\r\n a b \r\n".trimmingWhitespace == "a b")
        #expect("x".trimmingWhitespace == "x")
        #expect(" \n\t ".trimmingWhitespace == "")
        #expect("".trimmingWhitespace == "")
        #expect("line one\nline two\n"[...].trimmingWhitespace == "line one\nline two")
    }
}
