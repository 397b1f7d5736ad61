import SkiffExplain
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `--explain` and `--explain-html FILE`, shared by every command that puts something on the host: the
/// events the command's steps record (see ExplainRecorder) become a narration on stderr and/or a page.
public struct ExplainSession: Sendable {
    /// Tell the steps on stderr.
    public var narrate: Bool
    /// Write them as one HTML page to this file.
    public var html: String?

    public init(narrate: Bool, html: String?) {
        self.narrate = narrate
        self.html = html
    }

    /// The two options as the runtime's commands take them.
    static let options: [RuntimeOption] = [
        .flag("explain", help: flagHelp),
        .value("explain-html", placeholder: "file", help: pageHelp),
    ]

    public static let flagHelp =
        "Tell, on stderr, what Skiff asked the kernel to do, step by step (from what this run did)."
    public static let pageHelp = "Write the same story as one self-contained HTML page, with pictures."

    init(_ a: RuntimeArguments) throws {
        self.init(narrate: a.flag("explain"), html: a.string("explain-html"))
        do { try validate() } catch let error as CommandLineError {
            throw CommandLineError(error.description, command: a.command)
        }
    }

    public var isOn: Bool { narrate || html != nil }

    /// The page's path must name a file in an existing directory: checked before the command does anything.
    public func validate() throws {
        guard let path = html else { return }
        if path.isEmpty { throw CommandLineError("--explain-html: expected a file name") }
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var st = stat()
        guard stat(dir.isEmpty ? "/" : dir, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
            throw CommandLineError("--explain-html \(path): the directory \(dir) does not exist")
        }
        if stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
            throw CommandLineError("--explain-html \(path): is a directory")
        }
    }

    /// Start recording (call before the command's first step). `live`: tell the steps on stderr as soon
    /// as the process has exec'd (a run or exec that waits for its process), the rest at `finish`.
    public func begin(live: Bool = false) {
        guard isOn else { return }
        var tell: (@Sendable ([ExplainEvent]) -> Void)?
        if live && narrate {
            tell = { events in
                StandardError.write(
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
        if narrate {
            let rest = Array(events[told...])
            if told == 0 {
                StandardError.write(NarrationText.render(Narrator.narrate(events), heading: title))
            } else if !rest.isEmpty {
                StandardError.write(
                    NarrationText.render(Narrator.narrate(rest), heading: title + ": after the process started"))
            }
        }
        if let path = html {
            do {
                try FileIO.writeAtomically(path, contents: Array(ExplainPage.render(events, title: title).utf8))
            } catch {
                StandardError.write("Error: --explain-html \(path): \(error)\n")
                return false
            }
        }
        return true
    }
}
