// `linux.seccomp` -> a BPF program (struct sock_filter[]) for the child to load.
//
// The policy lives here: which action and operator names the spec may use, what errno a rule returns,
// how two comparisons of the same argument are read, which flags pass to seccomp(2). libseccomp
// (through cskiff_seccomp_compile) only builds and exports the program.
//
// Compiling Docker's profile costs milliseconds, so programs are cached on disk: the file name is a
// 64-bit FNV-1a hash of a key (format version, architecture, libseccomp version and the canonical JSON
// of the LinuxSeccomp), and the file stores the key itself, so a hit is taken only when the stored key is
// byte-equal: a hash collision can never load another profile's filter.

import CSkiff
import Logging
import SkiffOCI

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A compiled filter, ready for `cskiff_spawn.seccomp_filter / seccomp_len / seccomp_flags`.
public struct SeccompProgram: Sendable, Equatable {
    /// `struct sock_filter[]`, 8 bytes per instruction, in host byte order.
    public var bytes: [UInt8]
    /// SECCOMP_FILTER_FLAG_* for seccomp(2), from the spec's `flags`.
    public var flags: UInt32
    /// Syscall names of the profile that libseccomp does not know, left out (as Docker does).
    public var skippedSyscalls: [String]
    /// True when the program came from the on-disk cache rather than from libseccomp.
    public var fromCache: Bool

    public init(bytes: [UInt8], flags: UInt32, skippedSyscalls: [String] = [], fromCache: Bool = false) {
        self.bytes = bytes
        self.flags = flags
        self.skippedSyscalls = skippedSyscalls
        self.fromCache = fromCache
    }

    /// Number of BPF instructions (`cskiff_spawn.seccomp_len`).
    public var instructionCount: Int { bytes.count / 8 }

    /// Fill the seccomp fields of a spawn request and run `body` while the program's bytes stay valid
    /// (the pointer in `spawn.seccomp_filter` must not be used after `body` returns).
    public func withSpawnFields<R, E: Error>(
        _ spawn: inout cskiff_spawn,
        _ body: (inout cskiff_spawn) throws(E) -> R
    ) throws(E) -> R {
        let result: Result<R, E> = bytes.withUnsafeBytes { raw in
            spawn.seccomp_filter = raw.baseAddress
            spawn.seccomp_len = UInt16(instructionCount)
            spawn.seccomp_flags = flags
            defer {
                spawn.seccomp_filter = nil
                spawn.seccomp_len = 0
            }
            do throws(E) {
                return .success(try body(&spawn))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

public enum SeccompError: Error, CustomStringConvertible, Equatable {
    /// An action name that is not SCMP_ACT_ALLOW/ERRNO/KILL/KILL_PROCESS/KILL_THREAD/TRAP/TRACE/LOG/NOTIFY.
    case unknownAction(String, syscalls: [String])
    /// SCMP_ACT_NOTIFY without `listenerPath`: no agent would answer the syscalls.
    case notifyWithoutListener(syscalls: [String])
    /// SCMP_ACT_NOTIFY as the default action, or on a syscall the runtime itself makes after loading the
    /// filter and before anyone can answer (write, sendmsg).
    case notifyNotAllowed(syscall: String)
    /// errnoRet on an action that returns no errno.
    case errnoRetNotAllowed(action: String, syscalls: [String])
    case unknownOperator(String, syscalls: [String])
    case argumentIndexOutOfRange(UInt32, syscalls: [String])
    case unknownFlag(String)
    case unknownArchitecture(String, detail: String)
    /// libseccomp refused something; the message names the call and the syscall.
    case libseccomp(message: String, errno: Int32)
    /// The program has more instructions than the kernel loads (BPF_MAXINSNS).
    case programTooLarge(instructions: Int)
    /// The profile was decoded without its rules (`LinuxSeccomp.omitsRules`): compiling it would make a
    /// filter without them.
    case rulesNotRead

    public var description: String {
        func which(_ names: [String]) -> String {
            if names.isEmpty { return "linux.seccomp.defaultAction" }
            let shown = names.prefix(5).joined(separator: ", ")
            return "the rule for " + shown + (names.count > 5 ? ", ... (\(names.count) syscalls)" : "")
        }
        switch self {
        case .unknownAction(let action, let names):
            return "seccomp: unknown action \"\(action)\" in \(which(names)); use one of "
                + SeccompCompiler.supportedActions.joined(separator: ", ")
        case .notifyWithoutListener(let names):
            return "seccomp: listenerPath is not set, but \(which(names)) uses SCMP_ACT_NOTIFY; set "
                + "linux.seccomp.listenerPath to the seccomp agent's socket"
        case .notifyNotAllowed(let name):
            if name.isEmpty { return "seccomp: SCMP_ACT_NOTIFY cannot be used as default action" }
            return "seccomp: SCMP_ACT_NOTIFY cannot be used for the \(name) syscall (the runtime uses it to hand "
                + "the notify fd to the seccomp agent)"
        case .errnoRetNotAllowed(let action, let names):
            return "seccomp: errnoRet is set in \(which(names)), but action \(action) returns no errno; "
                + "errnoRet only goes with SCMP_ACT_ERRNO or SCMP_ACT_TRACE"
        case .unknownOperator(let op, let names):
            return "seccomp: unknown argument operator \"\(op)\" in \(which(names)); use one of "
                + SeccompCompiler.supportedOperators.joined(separator: ", ")
        case .argumentIndexOutOfRange(let index, let names):
            return "seccomp: argument index \(index) in \(which(names)) is out of range; syscalls have "
                + "arguments 0 to 5"
        case .unknownFlag(let flag):
            return "seccomp: unknown flag \"\(flag)\" in linux.seccomp.flags; use "
                + SeccompCompiler.supportedFlags.map(\.0).joined(separator: ", ")
        case .unknownArchitecture(let arch, let detail):
            return "seccomp: unknown architecture \"\(arch)\" in linux.seccomp.architectures (\(detail))"
        case .libseccomp(let message, let errno):
            return "seccomp: \(message)"
                + (errno != 0 && !message.contains(errnoText(errno))
                    ? ": \(errnoText(errno))" : "")
        case .rulesNotRead:
            return "seccomp: the profile was read without its rules, so no filter can be made from it "
                + "(an internal error in skiff: please report it)"
        case .programTooLarge(let n):
            return "seccomp: the filter compiles to \(n) BPF instructions, more than the kernel's limit of "
                + "\(SeccompCompiler.maxInstructions); use fewer rules"
        }
    }
}

/// Compiles `LinuxSeccomp` to BPF, with an optional on-disk cache.
public struct SeccompCompiler: Sendable {
    /// Directory of cached programs (e.g. `<state root>/seccomp-cache`); nil disables caching.
    public var cacheDirectory: String?
    /// Most cached programs kept; when a write passes it, the older half is removed.
    public var cacheLimit: Int
    public var logger: Logger?

    public static let maxInstructions = 4096
    static let cacheMagic: [UInt8] = Array("SKFSCMP1".utf8)
    static let keyVersion = "skiff-seccomp-cache-v2"

    public init(cacheDirectory: String? = nil, cacheLimit: Int = 64, logger: Logger? = nil) {
        self.cacheDirectory = cacheDirectory
        self.cacheLimit = cacheLimit
        self.logger = logger
    }

    static let supportedActions = [
        "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
        "SCMP_ACT_TRAP", "SCMP_ACT_TRACE", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
    ]
    static let supportedOperators = [
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
        "SCMP_CMP_MASKED_EQ",
    ]
    /// Flags for seccomp(SECCOMP_SET_MODE_FILTER, flags, ...).
    static let supportedFlags: [(String, UInt32)] = [
        ("SECCOMP_FILTER_FLAG_TSYNC", 1),
        ("SECCOMP_FILTER_FLAG_LOG", 2),
        ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4),
    ]
    /// Added by the compiler (not a spec flag) when a rule notifies: seccomp(2) returns the notify fd.
    public static let newListenerFlag: UInt32 = 8
    /// Syscalls the child makes after loading a filter with a listener and before the agent has it.
    static let unnotifiable = ["write", "sendmsg"]

    /// The libseccomp architecture of this binary (what the filter's native arch is).
    public static let nativeArchitecture: String = {
        #if arch(x86_64)
        return "x86_64"
        #elseif arch(arm64)
        return "aarch64"
        #else
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        #endif
    }()

    static let libseccompVersion: String = {
        var buf = [CChar](repeating: 0, count: 32)
        cskiff_seccomp_version(&buf, buf.count)
        return String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    // MARK: Compiling

    /// The program for `seccomp`: from the cache when an identical profile was compiled before,
    /// else from libseccomp (and then stored). A cache that cannot be read or written is noted in the
    /// debug log and otherwise ignored: the program is the same either way.
    public func compile(_ seccomp: LinuxSeccomp) throws(SeccompError) -> SeccompProgram {
        if seccomp.rulesOmitted { throw .rulesNotRead }
        let flags = try Self.flags(of: seccomp)
        guard let cacheDirectory else { return try Self.compileUncached(seccomp) }

        let key = Self.cacheKey(seccomp)
        let path = cacheDirectory + "/" + Self.hexHash(key) + ".bpf"
        if let hit = loadCached(path: path, key: key) {
            return SeccompProgram(bytes: hit.bpf, flags: flags, skippedSyscalls: hit.skipped, fromCache: true)
        }
        let program = try Self.compileUncached(seccomp)
        store(program, key: key, path: path, directory: cacheDirectory)
        return program
    }

    /// Compile with libseccomp, no cache.
    public static func compileUncached(_ seccomp: LinuxSeccomp) throws(SeccompError) -> SeccompProgram {
        if seccomp.rulesOmitted { throw .rulesNotRead }
        let flags = try flags(of: seccomp)
        let (defaultAction, defaultValue) = try action(
            seccomp.defaultAction, errnoRet: seccomp.defaultErrnoRet,
            syscalls: [])
        let rules = try rules(of: seccomp)
        let arches = (seccomp.architectures ?? []).map(libseccompArchName)

        // Every string handed to C lives in one buffer for the duration of the call.
        var strings: [UInt8] = []
        var archOffsets: [Int] = []
        var nameOffsets: [Int] = []
        for arch in arches {
            archOffsets.append(strings.count)
            strings.append(contentsOf: arch.utf8)
            strings.append(0)
        }
        for rule in rules {
            nameOffsets.append(strings.count)
            strings.append(contentsOf: rule.name.utf8)
            strings.append(0)
        }

        var result = cskiff_seccomp_result()
        var error = cskiff_seccomp_error()
        var skipped = [UInt8](repeating: 0, count: max(rules.count, 1))
        let rc: Int32 = strings.withUnsafeBufferPointer { buf in
            let base = UnsafeRawPointer(buf.baseAddress!).assumingMemoryBound(to: CChar.self)
            let archPointers: [UnsafePointer<CChar>?] = archOffsets.map { base + $0 }
            var cRules: [cskiff_seccomp_rule] = []
            cRules.reserveCapacity(rules.count)
            for (i, rule) in rules.enumerated() {
                var c = cskiff_seccomp_rule()
                c.name = base + nameOffsets[i]
                c.action = rule.action.rawValue
                c.value = rule.value
                c.n_args = UInt32(rule.args.count)
                withUnsafeMutableBytes(of: &c.args) { raw in
                    let args = raw.bindMemory(to: cskiff_seccomp_arg.self)
                    for (j, arg) in rule.args.enumerated() {
                        args[j] = cskiff_seccomp_arg(
                            index: arg.index, op: arg.op.rawValue, value: arg.value,
                            value_two: arg.valueTwo)
                    }
                }
                cRules.append(c)
            }
            return archPointers.withUnsafeBufferPointer { archBuf in
                cRules.withUnsafeBufferPointer { ruleBuf in
                    var filter = cskiff_seccomp_filter()
                    filter.default_action = defaultAction.rawValue
                    filter.default_value = defaultValue
                    filter.arches = archBuf.baseAddress
                    filter.n_arches = Int32(archBuf.count)
                    filter.rules = ruleBuf.baseAddress
                    filter.n_rules = Int32(ruleBuf.count)
                    filter.optimize = 0
                    return cskiff_seccomp_compile(&filter, &result, &skipped, &error)
                }
            }
        }
        defer { cskiff_seccomp_free(&result) }

        if rc != 0 {
            let message = withUnsafeBytes(of: &error.message) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if error.arch >= 0, Int(error.arch) < arches.count {
                let specName = seccomp.architectures?[Int(error.arch)] ?? arches[Int(error.arch)]
                throw .unknownArchitecture(specName, detail: message)
            }
            throw .libseccomp(message: message, errno: error.err)
        }

        var skippedNames: [String] = []
        var seen = Set<String>()
        for (i, rule) in rules.enumerated() where skipped[i] != 0 && seen.insert(rule.name).inserted {
            skippedNames.append(rule.name)
        }
        let bytes: [UInt8]
        if let bpf = result.bpf, result.bpf_len > 0 {
            bytes = Array(UnsafeRawBufferPointer(start: bpf, count: result.bpf_len))
        } else {
            bytes = []
        }
        if bytes.count / 8 > maxInstructions { throw .programTooLarge(instructions: bytes.count / 8) }
        if bytes.isEmpty || bytes.count % 8 != 0 {
            throw .libseccomp(
                message: "seccomp_export_bpf produced \(bytes.count) bytes, not a BPF program",
                errno: 0)
        }
        return SeccompProgram(bytes: bytes, flags: flags, skippedSyscalls: skippedNames, fromCache: false)
    }

    // MARK: Spec -> plain rules

    enum Action: UInt32 {
        case allow = 0, errno = 1, killThread = 2, killProcess = 3, trap = 4, trace = 5, log = 6, notify = 7
    }

    enum Operator: UInt32 {
        case ne = 1, lt = 2, le = 3, eq = 4, ge = 5, gt = 6, maskedEq = 7
    }

    struct Comparison: Equatable {
        var index: UInt32
        var op: Operator
        var value: UInt64
        var valueTwo: UInt64
    }

    struct Rule: Equatable {
        var name: String
        var action: Action
        var value: UInt32
        var args: [Comparison]
    }

    /// An action name and its errno/trace value. ERRNO and TRACE return EPERM unless errnoRet says else.
    static func action(_ name: String, errnoRet: UInt32?, syscalls: [String]) throws(SeccompError)
        -> (Action, UInt32)
    {
        let action: Action
        switch name {
        case "SCMP_ACT_ALLOW": action = .allow
        case "SCMP_ACT_ERRNO": action = .errno
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": action = .killThread
        case "SCMP_ACT_KILL_PROCESS": action = .killProcess
        case "SCMP_ACT_TRAP": action = .trap
        case "SCMP_ACT_TRACE": action = .trace
        case "SCMP_ACT_LOG": action = .log
        case "SCMP_ACT_NOTIFY": action = .notify
        default: throw .unknownAction(name, syscalls: syscalls)
        }
        switch action {
        case .errno, .trace:
            return (action, (errnoRet ?? UInt32(EPERM)) & 0xffff)
        default:
            if errnoRet != nil { throw .errnoRetNotAllowed(action: name, syscalls: syscalls) }
            return (action, 0)
        }
    }

    static func comparisonOperator(_ name: String, syscalls: [String]) throws(SeccompError) -> Operator {
        switch name {
        case "SCMP_CMP_NE": return .ne
        case "SCMP_CMP_LT": return .lt
        case "SCMP_CMP_LE": return .le
        case "SCMP_CMP_EQ": return .eq
        case "SCMP_CMP_GE": return .ge
        case "SCMP_CMP_GT": return .gt
        case "SCMP_CMP_MASKED_EQ": return .maskedEq
        default: throw .unknownOperator(name, syscalls: syscalls)
        }
    }

    /// One plain rule per syscall name. Comparisons on distinct arguments are one rule (all must hold).
    /// When one argument is compared more than once, each comparison becomes a rule of its own (any may
    /// hold): libseccomp cannot AND two comparisons of one argument, and runc and crun read it this way.
    static func rules(of seccomp: LinuxSeccomp) throws(SeccompError) -> [Rule] {
        var out: [Rule] = []
        for syscall in seccomp.syscalls ?? [] {
            let (action, value) = try action(syscall.action, errnoRet: syscall.errnoRet, syscalls: syscall.names)
            var comparisons: [Comparison] = []
            for arg in syscall.args ?? [] {
                guard arg.index < 6 else { throw .argumentIndexOutOfRange(arg.index, syscalls: syscall.names) }
                let op = try comparisonOperator(arg.op, syscalls: syscall.names)
                comparisons.append(
                    Comparison(
                        index: arg.index, op: op, value: arg.value,
                        valueTwo: arg.valueTwo ?? 0))
            }
            let indices = Set(comparisons.map(\.index))
            let groups: [[Comparison]] = indices.count == comparisons.count ? [comparisons] : comparisons.map { [$0] }
            for name in syscall.names {
                for group in groups {
                    out.append(Rule(name: name, action: action, value: value, args: group))
                }
            }
        }
        return out
    }

    /// SECCOMP_FILTER_FLAG_* from the spec's flag names.
    static func flags(of seccomp: LinuxSeccomp) throws(SeccompError) -> UInt32 {
        var flags: UInt32 = 0
        for name in seccomp.flags ?? [] {
            guard let bit = supportedFlags.first(where: { $0.0 == name })?.1 else { throw .unknownFlag(name) }
            flags |= bit
        }
        if seccomp.defaultAction == "SCMP_ACT_NOTIFY" { throw .notifyNotAllowed(syscall: "") }
        let notifying = (seccomp.syscalls ?? []).filter { $0.action == "SCMP_ACT_NOTIFY" }
        if let first = notifying.first {
            if let name = notifying.flatMap(\.names).first(where: unnotifiable.contains) {
                throw .notifyNotAllowed(syscall: name)
            }
            if (seccomp.listenerPath ?? "").isEmpty { throw .notifyWithoutListener(syscalls: first.names) }
            flags |= newListenerFlag
        }
        return flags
    }

    /// "SCMP_ARCH_X86_64" -> "x86_64", the name seccomp_arch_resolve_name takes.
    static func libseccompArchName(_ specName: String) -> String {
        var name = Substring(specName)
        if name.hasPrefix("SCMP_ARCH_") { name = name.dropFirst("SCMP_ARCH_".count) }
        return name.lowercased()
    }

    // MARK: Cache

    /// The bytes a cached program is filed under (`SeccompCacheKey`).
    static func cacheKey(_ seccomp: LinuxSeccomp) -> [UInt8] {
        SeccompCacheKey.bytes(
            seccomp, header: "\(keyVersion)\narch=\(nativeArchitecture)\nlibseccomp=\(libseccompVersion)\n")
    }

    /// 64-bit FNV-1a.
    static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    static func hexHash(_ bytes: [UInt8]) -> String {
        let hex = String(fnv1a64(bytes), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// File layout: magic "SKFSCMP1", then three little-endian UInt32 lengths (key, skipped names, BPF),
    /// then the key, the skipped names joined by "\n", and the BPF.
    static func encodeCacheFile(key: [UInt8], program: SeccompProgram) -> [UInt8] {
        let skipped = Array(program.skippedSyscalls.joined(separator: "\n").utf8)
        var out = cacheMagic
        for length in [key.count, skipped.count, program.bytes.count] {
            withUnsafeBytes(of: UInt32(length).littleEndian) { out.append(contentsOf: $0) }
        }
        out.append(contentsOf: key)
        out.append(contentsOf: skipped)
        out.append(contentsOf: program.bytes)
        return out
    }

    /// The BPF and skipped names of a cache file, or nil if it is malformed or holds another key.
    static func decodeCacheFile(_ file: [UInt8], key: [UInt8]) -> (bpf: [UInt8], skipped: [String])? {
        let header = cacheMagic.count + 12
        guard file.count >= header, file.starts(with: cacheMagic) else { return nil }
        func length(at offset: Int) -> Int {
            var value: UInt32 = 0
            for i in 0..<4 { value |= UInt32(file[offset + i]) << (8 * UInt32(i)) }
            return Int(value)
        }
        let keyLength = length(at: cacheMagic.count)
        let skippedLength = length(at: cacheMagic.count + 4)
        let bpfLength = length(at: cacheMagic.count + 8)
        guard keyLength == key.count, file.count == header + keyLength + skippedLength + bpfLength,
            bpfLength > 0, bpfLength % 8 == 0, bpfLength / 8 <= maxInstructions,
            file[header..<(header + keyLength)].elementsEqual(key)
        else { return nil }
        let skippedStart = header + keyLength
        let skippedText = String(decoding: file[skippedStart..<(skippedStart + skippedLength)], as: UTF8.self)
        let skipped = skippedText.isEmpty ? [] : skippedText.split(separator: "\n").map(String.init)
        let bpf = Array(file[(skippedStart + skippedLength)...])
        return (bpf, skipped)
    }

    private func loadCached(path: String, key: [UInt8]) -> (bpf: [UInt8], skipped: [String])? {
        let file: [UInt8]
        do {
            file = try FileIO.read(path)
        } catch {
            if error.errno != ENOENT {
                logger?.debug("seccomp cache unreadable, compiling", metadata: ["error": "\(error)"])
            }
            return nil
        }
        guard let entry = Self.decodeCacheFile(file, key: key) else {
            logger?.debug(
                "seccomp cache entry is damaged or belongs to another profile, recompiling",
                metadata: ["path": "\(path)"])
            return nil
        }
        return entry
    }

    private func store(_ program: SeccompProgram, key: [UInt8], path: String, directory: String) {
        do {
            try FileIO.makeDirectories(directory, mode: 0o700)
            try FileIO.writeAtomically(path, contents: Self.encodeCacheFile(key: key, program: program), mode: 0o600)
        } catch {
            logger?.debug(
                "cannot store the seccomp program in the cache; it will be compiled again next time",
                metadata: ["error": "\(error)"])
            return
        }
        evictIfFull(directory: directory, keep: path)
    }

    /// Keep the cache bounded: past `cacheLimit` programs, remove the older half (by mtime).
    private func evictIfFull(directory: String, keep: String) {
        guard let dir = opendir(directory) else { return }
        var entries: [(name: String, mtime: Int)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name.hasSuffix(".bpf") else { continue }
            var st = stat()
            guard stat(directory + "/" + name, &st) == 0 else { continue }
            entries.append((name, st.st_mtim.tv_sec))
        }
        closedir(dir)
        guard entries.count > cacheLimit else { return }
        entries.sort { $0.mtime < $1.mtime }
        for entry in entries.prefix(entries.count / 2) where directory + "/" + entry.name != keep {
            if unlink(directory + "/" + entry.name) != 0 && errno != ENOENT {
                logger?.debug(
                    "cannot remove an old seccomp cache entry",
                    metadata: ["error": "\(SystemError("unlink", path: directory + "/" + entry.name))"])
            }
        }
    }
}
