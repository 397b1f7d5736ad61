import ArgumentParser
import Foundation
import SkiffKit

#if canImport(Glibc)
import Glibc
#endif

/// Commands that only wait (wait) end on Ctrl-C or SIGTERM by the default action: main()
/// blocked these signals for the commands that forward them.
func unblockStopSignals() {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    sigaddset(&set, SIGHUP)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}

/// `skiff compose events [--json] [SERVICE…]`: the project's container events from the state root's
/// event log (what `skiff events` reads), as they happen, one line each, until interrupted (exit 0).
struct ComposeEventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Receive real time events from containers.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: .long, help: "Output events as a stream of json objects.") var json = false
    @Option(name: .long, help: "Show all events created since timestamp.") var since: String?
    @Option(name: .long, help: "Stream events until this timestamp.") var until: String?
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let window = try EventWindow(since: since, until: until)
        let runner = compose.runner(try compose.load(quietWarnings: true, allowMissingFile: true), quiet: true)
        EventWindow.exitOnStopSignals()
        runner.watchEvents(services: services, since: window.since, until: window.until) { e in
            EventWindow.write(json ? e.json : e.line)
        }
    }
}
