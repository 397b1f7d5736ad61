import ArgumentParser
import Foundation
import SkiffKit
import SkiffPresentation
import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// `skiff events` / `skiff system events`: Docker's events from the state root's event log (every
/// skiff process that acts appends to it; there is no daemon to ask). Without --since/--until it
/// prints new events as they happen; with them, the stored ones in the window first. It follows until
/// --until passes, or until Ctrl-C/SIGTERM, and then exits 0.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Get real time events (from this state root's event log).")
    @Option(
        name: [.customShort("f"), .long],
        help: "Filter: container=, image=, event=, type=, label=KEY[=VALUE], volume=, network=, scope=.")
    var filter: [String] = []
    @Option(name: .long, help: "'json', or a Go template, e.g. '{{.Status}} {{.Actor.Attributes.name}}'.")
    var format: String?
    @Option(name: .long, help: "Show events since a time (RFC 3339, Unix time, or a duration such as 10m).")
    var since: String?
    @Option(name: .long, help: "Stream events until a time (same forms as --since).") var until: String?

    func run() throws {
        let filter: EventFilter
        do { filter = try EventFilter(self.filter) } catch { throw ValidationError(error.description) }
        let window = try EventWindow(since: since, until: until)
        let print = try EventPrinter(format: format)
        EventWindow.exitOnStopSignals()
        EventFollower(log: SkiffContext.engine().eventLog).run(since: window.since, until: window.until) { e in
            guard filter.includes(e) else { return true }
            return EventWindow.write(print.text(e))
        }
    }
}

/// --since/--until read as `logs` reads them (LogOptions.parseTime), with Docker's error.
struct EventWindow {
    var since: Double?
    var until: Double?

    init(since: String?, until: String?) throws {
        func time(_ flag: String, _ text: String?) throws -> Double? {
            guard let text else { return nil }
            guard let t = LogOptions.parseTime(text) else {
                throw ValidationError(
                    "invalid value for \"\(flag)\": failed to parse value as time or duration: \"\(text)\"")
            }
            return t
        }
        self.since = try time("since", since)
        self.until = try time("until", until)
    }

    /// Ctrl-C and SIGTERM end a follow cleanly (exit 0): every line is written by itself, so none is cut.
    static func exitOnStopSignals() {
        for s in [SIGINT, SIGTERM, SIGHUP] { signal(s) { _ in _exit(0) } }
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// One write per line, unbuffered: a reader sees each event as it happens. false: the reader is gone.
    static func write(_ line: String) -> Bool {
        let bytes = Array((line + "\n").utf8)
        return (try? FileIO.writeAll(fd: STDOUT_FILENO, bytes: bytes)) != nil
    }
}

/// An event as `--format` asks: Docker's line by default, its JSON for `json` (and `{{json .}}`), else
/// the template over the event's Go fields.
struct EventPrinter {
    let template: FormatTemplate?
    let json: Bool
    /// The attributes the template names as `.Actor.Attributes.KEY`: a map's missing key is Go's
    /// "<no value>", not an error (a start event has no exitCode).
    let attributeKeys: Set<String>

    init(format: String?) throws {
        let trimmed = format?.trimmingCharacters(in: .whitespaces) ?? ""
        json = trimmed == "json" || trimmed.replacingOccurrences(of: " ", with: "") == "{{json.}}"
        do { template = trimmed.isEmpty || json ? nil : try FormatTemplate(format!) } catch {
            throw ValidationError(error.description)
        }
        attributeKeys = Self.attributeKeys(in: format ?? "")
    }

    static func attributeKeys(in format: String) -> Set<String> {
        var keys = Set<String>()
        for part in format.components(separatedBy: ".Actor.Attributes.").dropFirst() {
            let key = part.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !key.isEmpty { keys.insert(String(key)) }
        }
        return keys
    }

    func text(_ e: Event) -> String {
        if json { return e.json }
        guard let template else { return e.line }
        var fields = e.templateFields
        if !attributeKeys.isEmpty {
            var attributes: [String: Any] = e.actor.attributes
            for key in attributeKeys where attributes[key] == nil { attributes[key] = NSNull() }
            fields["Actor"] = ["ID": e.actor.id, "Attributes": attributes] as [String: Any]
        }
        do { return try template.render(fields) } catch { return "\(error)" }
    }
}
