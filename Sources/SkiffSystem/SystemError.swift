#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The text of an errno value, e.g. "No such file or directory".
public func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// A failed system call: which operation, on which path, and the errno it returned.
public struct SystemError: Error, CustomStringConvertible, Equatable {
    public var operation: String
    public var path: String?
    public var errno: Int32

    public init(_ operation: String, path: String? = nil, errno: Int32 = Glibc.errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String {
        if let path { return "\(operation) \(path): \(errnoText(errno))" }
        return "\(operation): \(errnoText(errno))"
    }
}
