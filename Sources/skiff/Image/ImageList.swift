import ArgumentParser
import Foundation
import SkiffImage
import SkiffKit
import SkiffPresentation
import SkiffSystem

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
    @Flag(name: .shortAndLong, help: "Show all images, the build steps' intermediate images too.") var all = false
    @Flag(name: .long, help: "Show digests.") var digests = false
    @Option(
        name: .shortAndLong,
        help:
            "Filter: dangling=true|false, label=KEY[=VALUE], before=IMAGE, since=IMAGE, until=TIME, reference=PATTERN.")
    var filter: [String] = []
    @Option(
        name: .long,
        help:
            "table (default), json, or a Go template such as '{{.Repository}}:{{.Tag}}' ('table …' for a table). Fields: Repository, Tag, ID, Digest, CreatedSince, CreatedAt, Size, Containers, SharedSize, UniqueSize, VirtualSize."
    )
    var format: String?
    @Argument(help: "Only images whose name matches (e.g. busybox).") var repository: String?

    static let headers = [
        "Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "Digest": "DIGEST",
        "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE", "Containers": "CONTAINERS",
        "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE", "VirtualSize": "VIRTUAL SIZE",
    ]

    func run() throws {
        let store = SkiffContext.imageStore()
        var rows: [[String: Any]] = []
        var seenIDs = Set<String>()
        var images = try store.list()
        if all {
            // Intermediate images: what each cached build step made, listed as <none> unless named.
            let named = Set(images.map(\.manifestDigest))
            images += BuildCache(engine: SkiffContext.engine()).stepImages().filter {
                !named.contains($0.manifestDigest)
            }
        }
        let filters = try ImageListFilter(parsing: filter, now: Timestamp.nowSeconds()) { name throws(KitError) in
            do { return try store.resolve(name).config.created.flatMap(Timestamp.parse) } catch {
                throw .notFound("No such image: \(name)")
            }
        }
        for image in images {
            let row = ImageListFilter.Row(
                references: image.references.map { ($0.familiarName, $0.tag) },
                labels: image.config.config?.Labels ?? [:],
                created: image.config.created.flatMap(Timestamp.parse))
            guard filters.matchesImage(row) else { continue }
            let id = noTrunc ? image.id.description : image.id.short
            let names = image.references.isEmpty ? [nil] : image.references.map { Optional($0) }
            for ref in names {
                if let repository, ref?.familiarName != repository && ref?.name != repository { continue }
                if let ref, !filters.matchesReference(name: ref.familiarName, tag: ref.tag) { continue }
                if ref == nil, filter.contains(where: { $0.hasPrefix("reference=") }) { continue }
                if quiet {
                    if seenIDs.insert(id).inserted { print(id) }
                    continue
                }
                rows.append(Self.fields(image, reference: ref, id: id))
            }
        }
        if quiet { return }
        rows.sort {
            ($0["Repository"] as! String, $0["Tag"] as! String) < ($1["Repository"] as! String, $1["Tag"] as! String)
        }
        let table =
            digests
            ? "{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
            : "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
        try ListFormat(format, defaultTable: table, headers: Self.headers).print(rows)
    }

    /// One row as Docker's image formatter has it (its fields are all strings).
    static func fields(_ image: StoredImage, reference ref: ImageReference?, id: String) -> [String: Any] {
        let created = image.config.created.flatMap(Timestamp.parse)
        // The manifest digest for a named image, as `image inspect` lists it in RepoDigests.
        let digest = ref == nil ? "<none>" : image.manifestDigest.description
        return [
            "Repository": ref?.familiarName ?? "<none>",
            "Tag": ref?.tag ?? "<none>",
            "ID": id,
            "Digest": digest,
            "CreatedSince": Timestamp.ago(image.config.created),
            "CreatedAt": created.map(Timestamp.goString) ?? "",
            "Size": Humanize.size(image.size),
            "VirtualSize": Humanize.size(image.size),
            "Containers": "N/A", "SharedSize": "N/A", "UniqueSize": "N/A",
        ]
    }
}

/// `skiff image ls` (or `list`): the same command under the image noun.
struct ImageListInGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: ImageList.configuration.abstract,
        aliases: ["list"])
    @OptionGroup var listing: ImageListing

    func run() throws { try listing.run() }
}

/// Column output as docker prints it: left-aligned, three spaces between columns.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 3)
            }.joined()
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

enum Humanize {
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
