import Foundation

/// A script for the host to execute (a hook, a CGI program), written by a shell of its own. A multi-threaded
/// test process that wrote it itself could leak its fd for writing into a child another thread is forking,
/// and exec'ing the script would then fail with ETXTBSY ("Text file busy") until that child execs.
public enum ExecutableScript {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Write `text` to `path`, mode 0755, from a `/bin/sh` child.
    public static func write(_ text: String, to path: String) throws {
        let sh = Process()
        sh.executableURL = URL(fileURLWithPath: "/bin/sh")
        sh.arguments = ["-c", "cat > \"$1\" && chmod 755 \"$1\"", "sh", path]
        let input = Pipe()
        sh.standardInput = input
        try sh.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        sh.waitUntilExit()
        guard sh.terminationStatus == 0 else { throw Failure(description: "writing the script \(path) failed") }
    }
}
