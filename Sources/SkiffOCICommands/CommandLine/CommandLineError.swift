/// A command line the runtime cannot take: an unknown option or command, a missing value or operand,
/// a value of the wrong form. runc exits 1 for these, after the message and the command's usage line.
public struct CommandLineError: Error, CustomStringConvertible, Equatable {
    public var description: String
    /// The command whose usage line follows the message; nil for the top level.
    public var command: String?

    public init(_ description: String, command: String? = nil) {
        self.description = description
        self.command = command
    }
}

/// A command's own exit status, passed on without a message (`run` and `exec` exit as their process did).
public struct CommandExit: Error, Equatable {
    public var code: Int32

    public init(_ code: Int32) { self.code = code }
}
