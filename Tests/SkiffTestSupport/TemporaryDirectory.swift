#if canImport(Glibc)
import Glibc
#endif

/// A test's own directory under /tmp (a state root, a scratch area); the test removes it.
public enum TemporaryDirectory {
    /// Thrown when mkdtemp(3) fails.
    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    /// mkdtemp("/tmp/PREFIX-XXXXXX"): a new directory only this test uses, mode 0700.
    public static func make(_ prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else {
            throw Failed(description: "mkdtemp /tmp/\(prefix)-XXXXXX: \(String(cString: strerror(errno)))")
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
