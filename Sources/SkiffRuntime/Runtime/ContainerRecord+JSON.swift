import SkiffSystem

extension ContainerRecord {
    /// A state.json read from its bytes with `JSONView`, as its Codable decoder reads it: `OCIRuntime.load`
    /// reads every record so, and an exec, which decodes nothing else, skips Codable's first-use cost (see
    /// `ExecSpec.init(configJSON:)`). nil when the record has hooks (their types are left to Codable) or is
    /// not read so (a field of another type, bad JSON): the caller decodes it.
    init?(stateJSON bytes: [UInt8]) {
        guard let r = JSONView(bytes)?.object, r["hooks"]?.isNull ?? true else { return nil }
        do throws(JSONFieldMismatch) {
            self.init(
                id: try r.required("id", { $0.string }), bundle: try r.required("bundle", { $0.string }),
                rootfs: try r.required("rootfs", { $0.string }), pid: try r.required("pid", { $0.int32 }),
                pidStartTime: try r.required("pidStartTime", { $0.uint64 }),
                created: try r.required("created", { $0.string }),
                annotations: try r.stringMap("annotations"),
                cgroup: try r.object("cgroup").map(Self.cgroup))
            hostMounts = try r.bool("hostMounts")
            owner = try r.required("owner", { $0.string })
        } catch {
            return nil
        }
    }

    private static func cgroup(_ c: JSONObject) throws(JSONFieldMismatch) -> CgroupStatePaths {
        CgroupStatePaths(
            layout: try layout(try c.required("layout", { $0 })), path: try c.required("path", { $0.string }),
            paths: try c.required("paths", { $0.stringMembers }),
            fakeFilesystem: try c.required("fakeFilesystem", { $0.bool }))
    }

    /// An enum with associated values as Swift encodes it: one key, the case, over an object of its values.
    private static func layout(_ value: JSONView) throws(JSONFieldMismatch) -> CgroupLayout {
        guard let members = value.members, members.count == 1, let fields = members[0].value.object else {
            throw JSONFieldMismatch(key: "layout")
        }
        switch members[0].key {
        case "v2":
            return .v2(root: try fields.required("root", { $0.string }))
        case "v1":
            return .v1(hierarchies: try fields.required("hierarchies", { $0.stringMembers }))
        case "hybrid":
            return .hybrid(
                hierarchies: try fields.required("hierarchies", { $0.stringMembers }),
                unified: try fields.required("unified", { $0.string }))
        default:
            throw JSONFieldMismatch(key: "layout")
        }
    }
}

/// state.json written without Codable (`OCIRuntime.save`), as `JSONEncoder` writes it with sorted keys
/// (`JSONOutput`); `init?(stateJSON:)` reads it back.
extension ContainerRecord: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("annotations", annotations)
            o.member("bundle", bundle)
            o.member("cgroup", cgroup)
            o.member("created", created)
            o.member("hooks", hooks)
            o.member("hostMounts", hostMounts)
            o.member("id", id)
            o.member("owner", owner)
            o.member("pid", pid)
            o.member("pidStartTime", pidStartTime)
            o.member("rootfs", rootfs)
        }
    }
}

extension CgroupStatePaths: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            o.member("fakeFilesystem", fakeFilesystem)
            o.member("layout", layout)
            o.member("path", path)
            o.member("paths", paths)
        }
    }
}

/// As Swift encodes an enum with associated values: one key, the case, over an object of its values.
extension CgroupLayout: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.object { o in
            switch self {
            case .v2(let root):
                o.key("v2")
                o.object { $0.member("root", root) }
            case .v1(let hierarchies):
                o.key("v1")
                o.object { $0.member("hierarchies", hierarchies) }
            case .hybrid(let hierarchies, let unified):
                o.key("hybrid")
                o.object { fields in
                    fields.member("hierarchies", hierarchies)
                    fields.member("unified", unified)
                }
            }
        }
    }
}
