import SkiffOCI
import SkiffSystem

/// The kernel's binfmt_misc handlers (`/proc/sys/fs/binfmt_misc`): whether one runs the ELF programs of a
/// platform (an emulator such as qemu-user registered for it), which a RUN step of a foreign platform needs.
public struct BinfmtHandlers: Sendable {
    /// Each enabled handler's magic and mask (bytes) and offset.
    struct Handler: Sendable, Equatable {
        var offset: Int
        var magic: [UInt8]
        var mask: [UInt8]
    }
    let handlers: [Handler]

    static let directory = "/proc/sys/fs/binfmt_misc"

    /// The handlers registered on this machine (none when binfmt_misc is not mounted or is disabled).
    public static func current() -> BinfmtHandlers {
        guard let status = try? FileIO.readString(directory + "/status"),
            status.trimmingCharacters(in: .whitespacesAndNewlines) == "enabled"
        else { return BinfmtHandlers(entries: []) }
        let texts = DirectoryListing.names(directory).filter { $0 != "status" && $0 != "register" }.compactMap {
            try? FileIO.readString(directory + "/" + $0)
        }
        return BinfmtHandlers(entries: texts)
    }

    /// From the text of entries as the kernel shows them (`enabled`, `offset N`, `magic HEX`, `mask HEX`).
    init(entries: [String]) {
        var out: [Handler] = []
        for text in entries {
            var enabled = false
            var offset = 0
            var magic: [UInt8] = []
            var mask: [UInt8]?
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ", maxSplits: 1).map(String.init)
                switch words.first {
                case "enabled": enabled = true
                case "offset": offset = words.count > 1 ? Int(words[1]) ?? 0 : 0
                case "magic": magic = words.count > 1 ? Self.bytes(words[1]) : []
                case "mask": mask = words.count > 1 ? Self.bytes(words[1]) : nil
                default: break
                }
            }
            // An extension-matched handler (no magic) says nothing about ELF programs.
            guard enabled, !magic.isEmpty else { continue }
            out.append(
                Handler(offset: offset, magic: magic, mask: mask ?? [UInt8](repeating: 0xff, count: magic.count)))
        }
        handlers = out
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var chars = Array(hex.utf8)
        if chars.count % 2 == 1 { chars.removeLast() }
        for i in stride(from: 0, to: chars.count, by: 2) {
            guard let b = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return [] }
            out.append(b)
        }
        return out
    }

    /// ELF class (1: 32-bit, 2: 64-bit), data (1: little, 2: big endian) and e_machine of an architecture.
    static func elf(_ architecture: String) -> (elfClass: UInt8, data: UInt8, machine: UInt16)? {
        switch architecture {
        case "amd64": return (2, 1, 0x3e)
        case "386": return (1, 1, 0x03)
        case "arm64": return (2, 1, 0xb7)
        case "arm": return (1, 1, 0x28)
        case "riscv64": return (2, 1, 0xf3)
        case "ppc64le": return (2, 1, 0x15)
        case "s390x": return (2, 2, 0x16)
        case "mips64le": return (2, 1, 0x08)
        case "mips64": return (2, 2, 0x08)
        case "loong64": return (2, 1, 0x102)
        default: return nil
        }
    }

    /// Whether a handler takes an executable ELF header of `platform`'s architecture.
    public func runs(_ platform: Platform) -> Bool {
        guard let elf = Self.elf(platform.architecture) else { return false }
        var header = [UInt8](repeating: 0, count: 20)
        header[0...3] = [0x7f, 0x45, 0x4c, 0x46]
        header[4] = elf.elfClass
        header[5] = elf.data
        header[6] = 1
        let little = elf.data == 1
        let type: UInt16 = 2  // ET_EXEC
        for (at, value) in [(16, type), (18, elf.machine)] {
            header[at] = UInt8(little ? value & 0xff : value >> 8)
            header[at + 1] = UInt8(little ? value >> 8 : value & 0xff)
        }
        return handlers.contains { h in
            guard h.offset >= 0, h.offset + h.magic.count <= header.count else { return false }
            for i in h.magic.indices {
                let m = i < h.mask.count ? h.mask[i] : 0xff
                if header[h.offset + i] & m != h.magic[i] & m { return false }
            }
            return true
        }
    }
}
