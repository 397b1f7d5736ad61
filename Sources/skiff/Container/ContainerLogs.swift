import ArgumentParser
import SkiffKit
import SkiffRuntime

#if canImport(Glibc)
import Glibc
#endif

struct ContainerLogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Show a container's output (stdout and stderr, as logged by its monitor).")
    @Flag(name: [.customShort("f"), .long], help: "Follow: keep printing until the container stops.") var follow = false
    @Option(name: [.customShort("n"), .long], help: "Show only the last N lines (\"all\" for every line).") var tail =
        "all"
    @Flag(name: [.customShort("t"), .long], help: "Prefix each line with its time.") var timestamps = false
    @Option(name: .long, help: "Only lines since a time (RFC 3339, Unix time, or a duration such as 10m).") var since:
        String?
    @Option(name: .long, help: "Only lines before a time (same forms as --since).") var until: String?
    @Flag(name: .long, help: "Show the extra details given to logs (the entry's attributes, before its text).")
    var details = false
    @Argument(help: "The container.") var container: String

    func run() throws {
        var options = LogOptions()
        options.follow = follow
        if tail != "all" {
            guard let n = Int(tail) else { throw ValidationError("--tail \(tail): expected a number or \"all\"") }
            options.tail = n
        }
        if let since {
            guard let t = LogOptions.parseTime(since) else {
                throw ValidationError(
                    "--since \(since): expected a time (2024-01-02T15:04:05Z), a Unix time or a duration (10m)")
            }
            options.since = t
        }
        if let until {
            guard let t = LogOptions.parseTime(until) else {
                throw ValidationError("--until \(until): expected a time, a Unix time or a duration")
            }
            options.until = t
        }
        let engine = SkiffContext.engine()
        try engine.readLogs(container, options: options) { entry in
            // Docker's order: time, then the attributes (--log-opt labels/env/tag) and a space, then the
            // text; an entry without attributes gets the space alone.
            let bytes = Array(
                ((timestamps ? entry.time + " " : "") + (details ? entry.details + " " : "") + entry.log).utf8)
            let fd = entry.stream == "stderr" ? STDERR_FILENO : STDOUT_FILENO
            return (try? FileIO.writeAll(fd: fd, bytes: bytes)) != nil
        }
    }
}
