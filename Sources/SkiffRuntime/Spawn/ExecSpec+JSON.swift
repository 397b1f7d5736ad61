import SkiffOCI
import SkiffSystem

extension ExecSpec {
    /// The exec's parts of a config.json read from its bytes with `JSONView`, the seccomp profile without
    /// its rules: what `SpecFile.load(bundle:omittingSeccompRules: true)` gives, without Codable's
    /// set-up cost in a process that decodes nothing else. nil when the bytes are not a document this
    /// reader takes as Codable would (a field of another type, a number that is not a plain integer,
    /// a key twice, bad JSON): the caller then decodes the file, and its error, if any, names the field.
    /// Only these fields are read: a config.json whose other fields no longer decode (it decoded at
    /// create) does not stop an exec, as runc's exec reads its own state and never config.json again.
    public init?(configJSON bytes: [UInt8]) {
        guard let root = JSONView(bytes)?.object else { return nil }
        do throws(JSONFieldMismatch) {
            let linux = try root.object("linux")
            self.init(
                process: try root.object("process").map(Self.process),
                namespaces: try linux?.array("namespaces")?.map(Self.namespace) ?? [],
                uidMappings: try linux?.array("uidMappings")?.map(Self.mapping) ?? [],
                gidMappings: try linux?.array("gidMappings")?.map(Self.mapping) ?? [],
                seccomp: try linux?.object("seccomp").map(Self.seccomp))
        } catch {
            return nil
        }
    }

    private static func process(_ p: JSONObject) throws(JSONFieldMismatch) -> Process {
        var process = Process(
            terminal: try p.bool("terminal"),
            consoleSize: try p.object("consoleSize").map { s throws(JSONFieldMismatch) in
                ConsoleSize(height: try s.required("height", { $0.uint }), width: try s.required("width", { $0.uint }))
            },
            user: try p.object("user").map(user) ?? User(),
            args: try p.strings("args"), env: try p.strings("env"), cwd: try p.required("cwd", { $0.string }),
            capabilities: try p.object("capabilities").map { c throws(JSONFieldMismatch) in
                LinuxCapabilities(
                    bounding: try c.strings("bounding"), effective: try c.strings("effective"),
                    inheritable: try c.strings("inheritable"), permitted: try c.strings("permitted"),
                    ambient: try c.strings("ambient"))
            },
            rlimits: try p.array("rlimits")?.map { r throws(JSONFieldMismatch) in
                guard let r = r.object else { throw JSONFieldMismatch(key: "rlimits") }
                return POSIXRlimit(
                    type: try r.required("type", { $0.string }), hard: try r.required("hard", { $0.uint64 }),
                    soft: try r.required("soft", { $0.uint64 }))
            },
            noNewPrivileges: try p.bool("noNewPrivileges"), oomScoreAdj: try p.optional("oomScoreAdj", { $0.int }))
        process.commandLine = try p.string("commandLine")
        process.apparmorProfile = try p.string("apparmorProfile")
        process.selinuxLabel = try p.string("selinuxLabel")
        return process
    }

    private static func user(_ u: JSONObject) throws(JSONFieldMismatch) -> User {
        var user = User(
            uid: try u.required("uid", { $0.uint32 }), gid: try u.required("gid", { $0.uint32 }),
            umask: try u.optional("umask", { $0.uint32 }),
            additionalGids: try u.array("additionalGids")?.map { g throws(JSONFieldMismatch) in
                guard let gid = g.uint32 else { throw JSONFieldMismatch(key: "additionalGids") }
                return gid
            })
        user.username = try u.string("username")
        return user
    }

    private static func namespace(_ n: JSONView) throws(JSONFieldMismatch) -> LinuxNamespace {
        guard let n = n.object else { throw JSONFieldMismatch(key: "namespaces") }
        return LinuxNamespace(type: try n.required("type", { $0.string }), path: try n.string("path"))
    }

    private static func mapping(_ m: JSONView) throws(JSONFieldMismatch) -> LinuxIDMapping {
        guard let m = m.object else { throw JSONFieldMismatch(key: "mappings") }
        return LinuxIDMapping(
            containerID: try m.required("containerID", { $0.uint32 }), hostID: try m.required("hostID", { $0.uint32 }),
            size: try m.required("size", { $0.uint32 }))
    }

    /// As `LinuxSeccomp`'s decoder with `omitsRules` set.
    private static func seccomp(_ s: JSONObject) throws(JSONFieldMismatch) -> LinuxSeccomp {
        var seccomp = LinuxSeccomp(
            defaultAction: try s.required("defaultAction", { $0.string }),
            defaultErrnoRet: try s.optional("defaultErrnoRet", { $0.uint32 }),
            architectures: try s.strings("architectures"), flags: try s.strings("flags"),
            listenerPath: try s.string("listenerPath"), listenerMetadata: try s.string("listenerMetadata"))
        seccomp.rulesOmitted = s["syscalls"] != nil
        return seccomp
    }
}
