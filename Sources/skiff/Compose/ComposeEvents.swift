import ArgumentParser
import Foundation
import SkiffKit

#if canImport(Glibc)
import Glibc
#endif

/// Commands that only wait (events, wait) end on Ctrl-C or SIGTERM by the default action: main()
/// blocked these signals for the commands that forward them.
func unblockStopSignals() {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    sigaddset(&set, SIGHUP)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}

/// `skiff compose events [--json] [SERVICE…]`: the containers' create/start/die/pause/unpause/destroy
/// as they happen, one line each, until interrupted.
struct ComposeEventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Stream the services' container events.")
    @OptionGroup var own: ComposeOptions
    @ParentCommand var parent: ComposeCommand
    var compose: ComposeOptions { own.inheriting(parent.global) }
    @Flag(name: .long, help: "One JSON object per line.") var json = false
    @Argument(help: "Services (default: all).") var services: [String] = []

    func run() throws {
        let runner = compose.runner(try compose.load(quietWarnings: true, allowMissingFile: true), quiet: true)
        unblockStopSignals()
        runner.watchEvents(services: services) { e in
            var line = e.line
            if json {
                guard
                    let data = try? JSONSerialization.data(
                        withJSONObject: e.json, options: [.sortedKeys, .withoutEscapingSlashes])
                else { return true }
                line = String(decoding: data, as: UTF8.self)
            }
            // One write per event, unbuffered: a reader sees each as it happens. A reader that is gone ends it.
            let bytes = Array((line + "\n").utf8)
            return bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) } == bytes.count
        }
    }
}
