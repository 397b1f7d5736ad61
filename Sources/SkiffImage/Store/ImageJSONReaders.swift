import SkiffOCI
import SkiffSystem

// The image store reads an image's index, manifest and config with `JSONView` first: a `run` reads each
// once, and Codable's first decode in a process costs more than the reading (see `JSONViewReadable`).

extension Manifest: JSONViewReadable {
    package static func read(_ m: JSONObject) throws(JSONFieldMismatch) -> Manifest {
        var manifest = Manifest(
            config: try Descriptor.read(try m.required("config", { $0.object })),
            layers: try m.required("layers", { $0.elements }).map { l throws(JSONFieldMismatch) in
                guard let l = l.object else { throw JSONFieldMismatch(key: "layers") }
                return try Descriptor.read(l)
            },
            annotations: try m.stringMap("annotations"))
        manifest.schemaVersion = try m.required("schemaVersion", { $0.int })
        manifest.mediaType = try m.string("mediaType")
        return manifest
    }
}

extension Descriptor {
    static func read(_ d: JSONObject) throws(JSONFieldMismatch) -> Descriptor {
        var descriptor = Descriptor(
            mediaType: try d.required("mediaType", { $0.string }), digest: try d.required("digest", { $0.string }),
            size: try d.required("size", { $0.int64 }), annotations: try d.stringMap("annotations"),
            platform: try d.object("platform").map(Platform.read))
        descriptor.urls = try d.strings("urls")
        return descriptor
    }
}

extension Platform {
    static func read(_ p: JSONObject) throws(JSONFieldMismatch) -> Platform {
        var platform = Platform(
            architecture: try p.required("architecture", { $0.string }), os: try p.required("os", { $0.string }),
            variant: try p.string("variant"))
        platform.osVersion = try p.string("os.version")
        platform.osFeatures = try p.strings("os.features")
        return platform
    }
}

extension ImageConfig: JSONViewReadable {
    package static func read(_ c: JSONObject) throws(JSONFieldMismatch) -> ImageConfig {
        let rootfs = try c.required("rootfs", { $0.object })
        var config = ImageConfig(
            created: try c.string("created"), author: try c.string("author"),
            architecture: try c.required("architecture", { $0.string }), os: try c.required("os", { $0.string }),
            config: try c.object("config").map(containerConfig),
            rootfs: RootFS(diffIDs: try rootfs.required("diff_ids", { $0.stringElements })),
            history: try c.array("history")?.map(history))
        config.rootfs.type = try rootfs.required("type", { $0.string })
        config.variant = try c.string("variant")
        return config
    }

    private static func containerConfig(_ c: JSONObject) throws(JSONFieldMismatch) -> ContainerConfig {
        var config = ContainerConfig()
        config.User = try c.string("User")
        config.ExposedPorts = try c.optional("ExposedPorts", { $0.memberValues(as: emptyObject) })
        config.Env = try c.strings("Env")
        config.Entrypoint = try c.strings("Entrypoint")
        config.Cmd = try c.strings("Cmd")
        config.Volumes = try c.optional("Volumes", { $0.memberValues(as: emptyObject) })
        config.WorkingDir = try c.string("WorkingDir")
        config.Labels = try c.stringMap("Labels")
        config.StopSignal = try c.string("StopSignal")
        config.Healthcheck = try c.object("Healthcheck").map { h throws(JSONFieldMismatch) in
            var health = HealthConfig(
                Test: try h.strings("Test"), Interval: try h.optional("Interval", { $0.int64 }),
                Timeout: try h.optional("Timeout", { $0.int64 }),
                StartPeriod: try h.optional("StartPeriod", { $0.int64 }), Retries: try h.optional("Retries", { $0.int })
            )
            health.StartInterval = try h.optional("StartInterval", { $0.int64 })
            return health
        }
        config.OnBuild = try c.strings("OnBuild")
        config.Shell = try c.strings("Shell")
        config.ArgsEscaped = try c.bool("ArgsEscaped")
        return config
    }

    /// `{}` as Codable decodes `EmptyObject`: any object, its members ignored.
    private static func emptyObject(_ v: JSONView) -> EmptyObject? { v.kind == .object ? EmptyObject() : nil }

    private static func history(_ v: JSONView) throws(JSONFieldMismatch) -> History {
        guard let h = v.object else { throw JSONFieldMismatch(key: "history") }
        var entry = History(
            created: try h.string("created"), createdBy: try h.string("created_by"), comment: try h.string("comment"),
            emptyLayer: try h.bool("empty_layer"))
        entry.author = try h.string("author")
        return entry
    }
}

extension ImageStore.IndexFile: JSONViewReadable {
    package static func read(_ f: JSONObject) throws(JSONFieldMismatch) -> Self {
        var file = Self()
        file.references = try f.required("references", { $0.memberValues(as: digest) })
        file.platformPulls = try f.optional("platformPulls", { $0.memberValues(as: digest) })
        file.indexes = try f.optional("indexes", { $0.memberValues(as: digest) })
        file.untagged = try f.array("untagged")?.map { d throws(JSONFieldMismatch) in
            guard let d = digest(d) else { throw JSONFieldMismatch(key: "untagged") }
            return d
        }
        file.parents = try f.optional("parents", { $0.memberValues(as: digest) })
        return file
    }

    private static func digest(_ v: JSONView) -> Digest? { v.string.flatMap { try? Digest($0) } }
}
