import ArgumentParser
import Foundation
import SkiffImage
import SkiffOCI
import SkiffPresentation

/// `skiff image inspect`: Docker-shaped JSON (Id, RepoTags, RepoDigests, Created, Config, RootFS…).
struct ImageInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show images as JSON.")
    @Option(
        name: [.customShort("f"), .long],
        help: "Format each image with a template, e.g. '{{.Id}}' or '{{json .Config}}'.") var format: String?
    @Option(name: .long, help: "Inspect this platform's image of a multi-platform image (e.g. linux/arm64).")
    var platform: String?
    @Argument(help: "Images (name or ID).") var images: [String]

    struct Shape: Encodable {
        var Id: String
        var RepoTags: [String]
        var RepoDigests: [String]
        /// The image this one was made from (`commit`'s), by ID; "" for none, as Docker's.
        var Parent: String
        var Created: String?
        var Author: String?
        var Architecture: String
        var Os: String
        var Size: Int64
        var Config: ContainerConfig?
        var RootFS: RootFSShape
        var History: [SkiffOCI.History]?
        var ManifestDigest: String
    }

    struct RootFSShape: Encodable {
        var `Type`: String
        var Layers: [String]
    }

    func run() throws {
        let store = SkiffContext.imageStore()
        var out: [Shape] = []
        for name in images {
            let img = try PlatformImage.resolve(name, platform: platform)
            out.append(
                Shape(
                    Id: img.id.description,
                    RepoTags: img.references.filter { $0.tag != nil }.map(\.familiar),
                    RepoDigests: img.references.map { "\($0.familiarName)@\(img.manifestDigest)" },
                    Parent: store.parent(of: img.manifestDigest).flatMap { try? store.image(manifest: $0) }
                        .map(\.id.description) ?? "",
                    Created: img.config.created, Author: img.config.author,
                    Architecture: img.config.architecture, Os: img.config.os, Size: img.size,
                    Config: img.config.config,
                    RootFS: RootFSShape(Type: img.config.rootfs.type, Layers: img.config.rootfs.diffIDs),
                    History: img.config.history, ManifestDigest: img.manifestDigest.description))
        }
        if let format {
            let template = try FormatTemplate(format)
            for shape in out { print(try template.render(FormatTemplate.tree(shape))) }
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(out), as: UTF8.self))
    }
}

struct ImageHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Show how an image was made, newest step first.")
    @Flag(name: .long, help: "Do not cut long commands.") var noTrunc = false
    @Flag(name: .shortAndLong, help: "Print only image IDs.") var quiet = false
    @Flag(
        name: [.customShort("H"), .customLong("human")], inversion: .prefixedNo,
        help: "Sizes and dates for people (--human=false: bytes and RFC 3339 times).")
    var human = true
    @Option(
        name: .long,
        help: "table (default), json, or a Go template. Fields: ID, CreatedSince, CreatedAt, CreatedBy, Size, Comment.")
    var format: String?
    @Option(name: .long, help: "Show this platform's image of a multi-platform image (e.g. linux/arm64).")
    var platform: String?
    @Argument(help: "The image.") var image: String

    static let headers = [
        "ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY",
        "Size": "SIZE", "Comment": "COMMENT",
    ]

    func run() throws {
        let img = try PlatformImage.resolve(image, platform: platform)
        var layerIndex = img.manifest.layers.count - 1
        var rows: [[String: Any]] = []
        let history = img.config.history ?? img.manifest.layers.map { _ in SkiffOCI.History() }
        for (i, h) in history.enumerated().reversed() {
            let empty = h.emptyLayer ?? false
            var size: Int64 = 0
            if !empty, layerIndex >= 0 { size = img.manifest.layers[layerIndex].size; layerIndex -= 1 }
            let id = i == history.count - 1 ? (noTrunc ? img.id.description : img.id.short) : "<missing>"
            if quiet { print(id); continue }
            var by = h.createdBy ?? ""
            if !noTrunc && by.count > 45 { by = String(by.prefix(44)) + "…" }
            // Docker's history formatter: with --human=false, times as RFC 3339 and sizes in bytes.
            let at = h.created.flatMap(Timestamp.parse)
            rows.append([
                "ID": id, "CreatedBy": by, "Comment": h.comment ?? "",
                "CreatedSince": human ? Timestamp.ago(h.created) : (h.created ?? ""),
                "CreatedAt": human ? (at.map(Timestamp.goString) ?? "") : (h.created ?? ""),
                "Size": human ? Humanize.size(size) : "\(size)",
            ])
        }
        if quiet { return }
        let table = "{{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
        try ListFormat(format, defaultTable: table, headers: Self.headers).print(rows)
    }
}

/// `skiff image …`: the image commands under one name, as docker has them.
struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Manage images.",
        subcommands: [
            ImageListInGroup.self, ImageInspect.self, ImageHistory.self, ImageRemoveInGroup.self, ImagePrune.self,
            ImageTag.self, ImageBuild.self, ImagePull.self, ImagePush.self, ImageSave.self, ImageLoad.self,
            ImageImport.self,
        ]
    )
}
