import SkiffSystem
import Testing

/// The join the start and exec paths use instead of the standard library's `joined(separator:)`.
@Suite("Joining strings without the run-time conformance look-up")
struct StringJoiningTests {
    @Test func joinsAsTheStandardLibraryDoes() {
        let cases: [[String]] = [[], [""], ["a"], ["a", "b"], ["", "b", ""], ["sh", "-c", "echo hi"]]
        for parts in cases {
            #expect(parts.concatenated(separator: " ") == parts.joined(separator: " "))
            #expect(parts.concatenated(separator: ", ") == parts.joined(separator: ", "))
            #expect(parts[...].dropFirst().concatenated(separator: "/") == parts.dropFirst().joined(separator: "/"))
        }
        #expect(["a", "b"].concatenated(separator: "") == "ab")
    }
}
