import ArgumentParser
import SkiffKit
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff export [-o FILE] CONTAINER`: the container's filesystem as a tar archive, like `docker export`:
/// to standard output (never to a terminal) or to FILE, which appears only once it is complete.
struct ContainerExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export a container's filesystem as a tar archive.")
    @Option(name: .shortAndLong, help: "Write to a file, instead of STDOUT.") var output: String?
    @Argument(help: "The container (name or ID).") var container: String

    func run() throws {
        let engine = SkiffContext.engine()
        guard let output else {
            if isatty(STDOUT_FILENO) == 1 {
                throw TerminalOutputRefused()
            }
            try Interruptible.run { try engine.export(container, to: STDOUT_FILENO, what: "standard output") }
            return
        }
        // Written beside FILE and renamed over it when complete: a failed export leaves no partial file.
        let slash = output.lastIndex(of: "/")
        let directory = slash.map { $0 == output.startIndex ? "/" : String(output[..<$0]) } ?? "."
        let (fd, temporary) = try FileIO.makeTemporaryFile(in: directory, prefix: ".skiff-export-")
        var done = false
        defer {
            close(fd)
            if !done { unlink(temporary) }
        }
        try Interruptible.run { try engine.export(container, to: fd, what: output) }
        if fchmod(fd, 0o644) != 0 || fsync(fd) != 0 || rename(temporary, output) != 0 {
            throw SystemError("write", path: output)
        }
        done = true
    }
}

/// Docker's refusal to write an archive to a terminal (exit status 1).
struct TerminalOutputRefused: Error, CustomStringConvertible {
    var description: String { "cowardly refusing to save to a terminal. Use the -o flag or redirect" }
}
