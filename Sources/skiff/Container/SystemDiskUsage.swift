import ArgumentParser
import Foundation
import SkiffImage
import SkiffKit
import SkiffPresentation
import SkiffSystem

/// `skiff system df [-v] [--format F]`: Docker's disk use summary (images, containers, local volumes,
/// build cache), or with -v its four tables: each image with its shared and unique size, each
/// container's writable layer, each volume with the containers that use it, the build cache's items.
/// --format takes `table`, `table TEMPLATE`, `json` or a Go template, as the list commands do; with -v
/// a template (or json) sees `.Images`, `.Containers`, `.Volumes` and `.BuildCache`.
struct SystemDiskUsage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "df", abstract: "Show disk use by images, containers, local volumes and the build cache.")
    @Flag(name: [.customShort("v"), .long], help: "Show detailed information on space usage.") var verbose = false
    @Option(
        name: .long,
        help:
            "table (default), 'table TEMPLATE', json, or a Go template, e.g. '{{.Type}}: {{.Size}}'. Fields: Type, TotalCount, Active, Size, Reclaimable."
    )
    var format: String?

    static let headers = [
        "Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE", "Reclaimable": "RECLAIMABLE",
    ]

    func run() throws {
        let engine = SkiffContext.engine()
        if verbose {
            try showDetails(engine)
            return
        }
        let u = engine.diskUsage()
        let volumes = engine.listVolumes()
        let unused = Set(engine.listVolumes(dangling: true).map(\.Name))
        var volumeBytes: UInt64 = 0, reclaimable: UInt64 = 0
        for v in volumes {
            let size = Engine.diskUsage(engine.volumes.dataPath(of: v.Name))
            volumeBytes += size
            if unused.contains(v.Name) { reclaimable += size }
        }
        let rows: [[String: Any]] = [
            Self.row("Images", u.images, u.activeImages, u.imageBytes, u.reclaimableImageBytes),
            Self.row("Containers", u.containers, u.runningContainers, u.containerBytes, u.reclaimableContainerBytes),
            Self.row("Local Volumes", volumes.count, volumes.count - unused.count, volumeBytes, reclaimable),
            Self.row(
                "Build Cache", u.buildCacheEntries, 0, u.buildCacheBytes, u.buildCacheBytes, percentage: false),
        ]
        let table = "{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"
        try ListFormat(format, defaultTable: table, headers: Self.headers).print(rows)
    }

    /// A summary row; RECLAIMABLE with its share of SIZE, as Docker's (not for the build cache).
    static func row(
        _ type: String, _ total: Int, _ active: Int, _ size: UInt64, _ reclaimable: UInt64, percentage: Bool = true
    ) -> [String: Any] {
        var text = Engine.decimalSize(reclaimable)
        if percentage && size > 0 { text += " (\(reclaimable * 100 / size)%)" }
        return [
            "Type": type, "TotalCount": "\(total)", "Active": "\(active)", "Size": Engine.decimalSize(size),
            "Reclaimable": text,
        ]
    }

    private func showDetails(_ engine: Engine) throws {
        let details = Self.details(engine, truncate: format == nil || format == "table")
        let trimmed = (format ?? "").trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "table" {
            try Self.printTables(details, buildCacheBytes: engine.diskUsage().buildCacheBytes)
            return
        }
        let template = try FormatTemplate(
            trimmed == "json" ? "{{json .}}" : trimmed.hasPrefix("table ") ? String(trimmed.dropFirst(6)) : trimmed)
        print(try template.render(details))
    }

    /// The four lists, each row with the fields of Docker's image, container, volume and build cache
    /// formatters.
    static func details(_ engine: Engine, truncate: Bool) -> [String: Any] {
        let containers = engine.listContainers()
        let images = (try? engine.images.list()) ?? []
        let shares = Engine.sharedSizes(
            layers: images.map { $0.manifest.layers.map { (digest: $0.digest, size: $0.size) } },
            sizes: images.map(\.size))
        var imageRows: [[String: Any]] = []
        for (image, share) in zip(images, shares) {
            // The first name only, as Docker's df.
            let first = image.references.sorted { $0.description < $1.description }.first
            var row = ImageListing.fields(
                image, reference: first, id: truncate ? image.id.short : image.id.description)
            row["SharedSize"] = Humanize.size(share.shared)
            row["UniqueSize"] = Humanize.size(share.unique)
            row["Containers"] = "\(containers.filter { $0.manifestDigest == image.manifestDigest.description }.count)"
            imageRows.append(row)
        }
        let containerRows: [[String: Any]] = containers.map { c in
            var row = engine.listFields(c, truncate: truncate)
            row["LocalVolumes"] = String((c.mounts ?? []).filter { $0.name != nil }.count)
            row["Size"] = Engine.decimalSize(engine.containerSizes(c).writable)
            return row
        }
        let volumeRows: [[String: Any]] = engine.listVolumes().map { v in
            let links = containers.filter { ($0.mounts ?? []).contains { $0.name == v.Name } }.count
            return [
                "Name": v.Name, "Driver": "local", "Links": "\(links)",
                "Size": Engine.decimalSize(Engine.diskUsage(engine.volumes.dataPath(of: v.Name))),
            ]
        }
        let now = Timestamp.nowSeconds()
        let cacheRows: [[String: Any]] = engine.buildCacheItems().map { item in
            [
                "ID": truncate ? String(item.id.prefix(12)) : item.id, "CacheType": item.type,
                "Size": Engine.decimalSize(item.size), "Description": item.description,
                "CreatedSince": Timestamp.humanDuration(now - item.created) + " ago",
                "LastUsedSince": Timestamp.humanDuration(now - item.lastUsed) + " ago",
                "UsageCount": "\(item.usageCount)", "Shared": "false",
            ]
        }
        return ["Images": imageRows, "Containers": containerRows, "Volumes": volumeRows, "BuildCache": cacheRows]
    }

    static func printTables(_ details: [String: Any], buildCacheBytes total: UInt64) throws {
        func section(_ title: String, _ key: String, _ table: String, _ headers: [String: String]) throws {
            print(title)
            try ListFormat(nil, defaultTable: table, headers: headers).print(details[key] as? [[String: Any]] ?? [])
        }
        try section(
            "Images space usage:\n", "Images",
            "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
            ImageListing.headers.merging(["ID": "IMAGE ID"]) { $1 })
        try section(
            "\nContainers space usage:\n", "Containers",
            "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}",
            [
                "ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "LocalVolumes": "LOCAL VOLUMES",
                "Size": "SIZE", "RunningFor": "CREATED", "Status": "STATUS", "Names": "NAMES",
            ])
        try section(
            "\nLocal Volumes space usage:\n", "Volumes", "{{.Name}}\t{{.Links}}\t{{.Size}}",
            ["Name": "VOLUME NAME", "Links": "LINKS", "Size": "SIZE"])
        try section(
            "\nBuild cache usage: \(Engine.decimalSize(total))\n", "BuildCache",
            "{{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}",
            [
                "ID": "CACHE ID", "CacheType": "CACHE TYPE", "Size": "SIZE", "CreatedSince": "CREATED",
                "LastUsedSince": "LAST USED", "UsageCount": "USAGE", "Shared": "SHARED",
            ])
    }
}
