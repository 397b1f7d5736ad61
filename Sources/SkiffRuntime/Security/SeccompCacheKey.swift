import SkiffOCI

/// The bytes a compiled seccomp program is filed under in the cache: the format version, the
/// architecture, libseccomp's version, then every field of the profile that goes into the program,
/// in a fixed order, each string length-prefixed and each absent value marked, so two profiles have
/// the same key only when they make the same program. The agent's address (`listenerPath`,
/// `listenerMetadata`) is left out: it is no part of the program.
///
/// Written by hand rather than with JSONEncoder, whose type look-ups were a tenth of a start's JSON
/// work in a fresh process (issue 15). `SeccompCacheKeyTests` fails when a field is added to the
/// profile's types and not here.
enum SeccompCacheKey {
    static func bytes(_ seccomp: LinuxSeccomp, header: String) -> [UInt8] {
        var out = Array(header.utf8)
        out.reserveCapacity(16 * 1024)
        func string(_ s: String) {
            out.append(contentsOf: String(s.utf8.count).utf8)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: s.utf8)
        }
        func number(_ n: UInt64?) {
            guard let n else { return out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: String(n).utf8)
            out.append(UInt8(ascii: ";"))
        }
        func list<T>(_ items: [T]?, _ each: (T) -> Void) {
            guard let items else { return out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: "[\(items.count)".utf8)
            for item in items { each(item) }
            out.append(UInt8(ascii: "]"))
        }
        string(seccomp.defaultAction)
        number(seccomp.defaultErrnoRet.map(UInt64.init))
        list(seccomp.architectures, string)
        list(seccomp.flags, string)
        list(seccomp.syscalls) { rule in
            list(rule.names, string)
            string(rule.action)
            number(rule.errnoRet.map(UInt64.init))
            list(rule.args) { arg in
                number(UInt64(arg.index))
                number(arg.value)
                number(arg.valueTwo)
                string(arg.op)
            }
        }
        return out
    }

    /// The stored properties each profile type has, as this key knows them (the test compares them
    /// with the types' own).
    static let coveredFields: [String: [String]] = [
        "LinuxSeccomp": [
            "defaultAction", "defaultErrnoRet", "architectures", "flags", "syscalls", "listenerPath",
            "listenerMetadata",
            // No part of a program either: a profile read without its rules is never compiled.
            "rulesOmitted",
        ],
        "LinuxSyscall": ["names", "action", "errnoRet", "args"],
        "LinuxSeccompArg": ["index", "value", "valueTwo", "op"],
    ]
}
