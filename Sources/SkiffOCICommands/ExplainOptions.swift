import ArgumentParser
import SkiffExplain
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `--explain` and `--explain-html FILE`, shared by every command that puts something on the host: the
/// events the command's steps record (see ExplainRecorder) become a narration on stderr and/or a page.
public struct ExplainOptions: ParsableArguments {
    @Flag(
        name: .long, help: "Tell, on stderr, what Skiff asked the kernel to do, step by step (from what this run did).")
    public var explain = false

    @Option(
        name: .customLong("explain-html"),
        help: ArgumentHelp(
            "Write the same story as one self-contained HTML page, with pictures.",
            valueName: "file"))
    public var explainHTML: String?

    public init() {}

    public var isOn: Bool { explain || explainHTML != nil }

    public func validate() throws {
        guard let path = explainHTML else { return }
        if path.isEmpty { throw ValidationError("--explain-html: expected a file name") }
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var st = stat()
        guard stat(dir.isEmpty ? "/" : dir, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
            throw ValidationError("--explain-html \(path): the directory \(dir) does not exist")
        }
        if stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
            throw ValidationError("--explain-html \(path): is a directory")
        }
    }

    /// Start recording (call before the command's first step). `live`: tell the steps on stderr as soon
    /// as the process has exec'd (a run or exec that waits for its process), the rest at `finish`.
    public func begin(live: Bool = false) {
        guard isOn else { return }
        var tell: (@Sendable ([ExplainEvent]) -> Void)?
        if live && explain {
            tell = { events in
                Self.writeStderr(
                    NarrationText.render(
                        Narrator.narrate(events),
                        heading: "what Skiff asked the kernel to do (the process is running)"))
            }
        }
        ExplainRecorder.shared.begin(onExec: tell)
    }

    /// Stop recording and tell what was recorded. Returns false when the page could not be written
    /// (the error is on stderr); the page is written whole or not at all.
    @discardableResult
    public func finish(title: String) -> Bool {
        guard isOn else { return true }
        let (events, told) = ExplainRecorder.shared.end()
        if explain {
            let rest = Array(events[told...])
            if told == 0 {
                Self.writeStderr(NarrationText.render(Narrator.narrate(events), heading: title))
            } else if !rest.isEmpty {
                Self.writeStderr(
                    NarrationText.render(Narrator.narrate(rest), heading: title + ": after the process started"))
            }
        }
        if let path = explainHTML {
            do {
                try FileIO.writeAtomically(path, contents: Array(ExplainPage.render(events, title: title).utf8))
            } catch {
                Self.writeStderr("Error: --explain-html \(path): \(error)\n")
                return false
            }
        }
        return true
    }

    static func writeStderr(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
            if n <= 0 { if errno == EINTR { continue }; return }
            offset += n
        }
    }
}
