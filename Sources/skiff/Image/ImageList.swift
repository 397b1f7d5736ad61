import ArgumentParser
import Foundation
import SkiffImage

/// `skiff images` / `skiff image ls`: REPOSITORY TAG IMAGE ID CREATED SIZE, one row per name.
struct ImageList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "images", abstract: "List images.")
    @OptionGroup var listing: ImageListing

    func run() throws { try listing.run() }
}

/// The flags and the listing of `images`, shared by the top-level command and the noun group's `ls`.
struct ImageListing: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print only image IDs.") var quiet = false
    @Flag(name: .long, help: "Show full image IDs.") var noTrunc = false
    @Argument(help: "Only images whose name matches (e.g. busybox).") var repository: String?

    func run() throws {
        let store = SkiffContext.imageStore()
        var rows: [[String]] = []
        var seenIDs = Set<String>()
        for image in try store.list() {
            let id = noTrunc ? image.id.description : image.id.short
            let names = image.references.isEmpty ? [nil] : image.references.map { Optional($0) }
            for ref in names {
                if let repository, ref?.familiarName != repository && ref?.name != repository { continue }
                if quiet {
                    if seenIDs.insert(id).inserted { print(id) }
                    continue
                }
                let tag = ref?.tag ?? (ref?.digest != nil ? "<none>" : "<none>")
                rows.append([ref?.familiarName ?? "<none>", tag, id, Humanize.ago(image.config.created),
                             Humanize.size(image.size)])
            }
        }
        if quiet { return }
        rows.sort { ($0[0], $0[1]) < ($1[0], $1[1]) }
        print(Table.render(header: ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], rows: rows))
    }
}

/// `skiff image ls` (or `list`): the same command under the image noun.
struct ImageListInGroup: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: ImageList.configuration.abstract,
                                                    aliases: ["list"])
    @OptionGroup var listing: ImageListing

    func run() throws { try listing.run() }
}

/// Column output as docker prints it: left-aligned, three spaces between columns.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 3)
            }.joined()
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

enum Humanize {
    /// "2 hours ago", "3 days ago", as docker shows CREATED.
    static func ago(_ rfc3339: String?) -> String {
        guard let text = rfc3339, let date = parse(text) else { return "N/A" }
        let s = max(0, Date().timeIntervalSince(date))
        func unit(_ n: Int, _ name: String) -> String { "\(n) \(name)\(n == 1 ? "" : "s") ago" }
        switch s {
        case ..<60: return "Less than a minute ago"
        case ..<3600: return unit(Int(s / 60), "minute")
        case ..<86400: return unit(Int(s / 3600), "hour")
        case ..<(86400 * 14): return unit(Int(s / 86400), "day")
        case ..<(86400 * 60): return unit(Int(s / (86400 * 7)), "week")
        case ..<(86400 * 365 * 2): return unit(Int(s / (86400 * 30)), "month")
        default: return unit(Int(s / (86400 * 365)), "year")
        }
    }

    static func parse(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: text) { return d }
        // More than 3 fractional digits (Go writes nanoseconds): cut to milliseconds.
        if let dot = text.firstIndex(of: "."), let z = text.lastIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }), z > dot {
            let frac = text[text.index(after: dot)..<z].prefix(3)
            f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return f.date(from: String(text[..<dot]) + "." + frac + String(text[z...]))
        }
        return nil
    }

    /// Decimal units, as docker prints SIZE: "4.26MB", "1.2GB".
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var i = 0
        while value >= 1000 && i < units.count - 1 { value /= 1000; i += 1 }
        if i == 0 { return "\(bytes)B" }
        let rounded = (value * 100).rounded() / 100
        var text = String(format: "%.3g", rounded)
        if rounded >= 100 { text = String(format: "%.0f", rounded) }
        return text + units[i]
    }
}
