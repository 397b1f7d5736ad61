import ArgumentParser
import SkiffOCICommands

/// `--explain` and `--explain-html FILE` on the skiff CLI's commands: an ExplainSession from the flags.
struct ExplainOptions: ParsableArguments {
    @Flag(name: .long, help: ArgumentHelp(stringLiteral: ExplainSession.flagHelp))
    var explain = false

    @Option(
        name: .customLong("explain-html"), help: ArgumentHelp(ExplainSession.pageHelp, valueName: "file"))
    var explainHTML: String?

    var session: ExplainSession { ExplainSession(narrate: explain, html: explainHTML) }

    func validate() throws {
        do { try session.validate() } catch { throw ValidationError("\(error)") }
    }

    func begin(live: Bool = false) { session.begin(live: live) }

    @discardableResult
    func finish(title: String) -> Bool { session.finish(title: title) }
}
