import SkiffSystem

/// The seccomp program a container's init was given, kept in the container's state directory, so that
/// an exec loads the very same filter without decoding, hashing and looking up the profile again: that
/// was a fifth of a `skiff exec` (Docker's profile is most of a config.json). runc keeps its whole config
/// in its state for the same reason, and, as there, what an exec gets is what `create` decided, even if
/// the bundle's config.json is changed afterwards.
///
/// The state directory is the runtime's own (root's, like state.json beside it). Layout: magic
/// "SKFSPRG1", then three little-endian UInt32s (the seccomp(2) flags, the length of the skipped names,
/// the length of the BPF), then the skipped names joined by "\n", then the BPF.
enum ContainerSeccompFile {
    static let name = "seccomp.bpf"
    static let magic: [UInt8] = Array("SKFSPRG1".utf8)

    static func encode(_ program: SeccompProgram) -> [UInt8] {
        let skipped = Array(program.skippedSyscalls.joined(separator: "\n").utf8)
        var out = magic
        for word in [program.flags, UInt32(skipped.count), UInt32(program.bytes.count)] {
            withUnsafeBytes(of: word.littleEndian) { out.append(contentsOf: $0) }
        }
        out.append(contentsOf: skipped)
        out.append(contentsOf: program.bytes)
        return out
    }

    /// The program in `file`, or nil when it is not one whole program of this layout.
    static func decode(_ file: [UInt8]) -> SeccompProgram? {
        let header = magic.count + 12
        guard file.count >= header, file.starts(with: magic) else { return nil }
        func word(_ index: Int) -> UInt32 {
            var value: UInt32 = 0
            for i in 0..<4 { value |= UInt32(file[magic.count + 4 * index + i]) << (8 * UInt32(i)) }
            return value
        }
        let flags = word(0)
        let skippedLength = Int(word(1))
        let bpfLength = Int(word(2))
        guard file.count == header + skippedLength + bpfLength, bpfLength > 0, bpfLength % 8 == 0,
            bpfLength / 8 <= SeccompCompiler.maxInstructions
        else { return nil }
        let skipped = file[header..<header + skippedLength]
        return SeccompProgram(
            bytes: Array(file[(header + skippedLength)...]), flags: flags,
            skippedSyscalls: skipped.isEmpty
                ? []
                : skipped.split(separator: UInt8(ascii: "\n")).map {
                    String(decoding: $0, as: UTF8.self)
                })
    }

    /// Made once, in the directory `create` has just made; a file cut short by a crash does not decode.
    static func write(_ program: SeccompProgram, directory: String) throws(SystemError) {
        try FileIO.create(directory + "/" + name, contents: encode(program), mode: 0o600)
    }

    /// The program kept in `directory`; nil when there is none (a container without a profile, or one
    /// created by a skiff that did not keep it) or it is unreadable.
    static func read(directory: String) -> SeccompProgram? {
        guard let file = try? FileIO.read(directory + "/" + name) else { return nil }
        return decode(file)
    }
}
