/// One eBPF instruction (struct bpf_insn): opcode, destination and source register, offset, immediate.
public struct BPFInstruction: Equatable, Sendable, CustomStringConvertible {
    public var code: UInt8
    public var dst: UInt8
    public var src: UInt8
    public var offset: Int16
    public var imm: Int32

    // Opcodes used by the device filter (linux/bpf.h, linux/bpf_common.h).
    static let loadWord: UInt8 = 0x61  // BPF_LDX | BPF_MEM | BPF_W:  dst = *(u32 *)(src + off)
    static let and32: UInt8 = 0x54  // BPF_ALU | BPF_AND | BPF_K:  dst &= imm (32-bit)
    static let rsh32: UInt8 = 0x74  // BPF_ALU | BPF_RSH | BPF_K:  dst >>= imm (32-bit)
    static let mov32Reg: UInt8 = 0xbc  // BPF_ALU | BPF_MOV | BPF_X:  dst = src (32-bit)
    static let mov32: UInt8 = 0xb4  // BPF_ALU | BPF_MOV | BPF_K:  dst = imm (32-bit)
    static let jumpNotEqual: UInt8 = 0x55  // BPF_JMP | BPF_JNE | BPF_K:  if dst != imm: pc += off
    static let jumpEqual: UInt8 = 0x15  // BPF_JMP | BPF_JEQ | BPF_K:  if dst == imm: pc += off
    static let exit: UInt8 = 0x95  // BPF_JMP | BPF_EXIT:         return r0

    /// The 8 bytes the kernel reads: code, dst (low nibble) | src (high nibble), off and imm little-endian.
    public var bytes: [UInt8] {
        let off = UInt16(bitPattern: offset)
        let value = UInt32(bitPattern: imm)
        return [
            code, (dst & 0x0f) | (src << 4), UInt8(off & 0xff), UInt8(off >> 8),
            UInt8(value & 0xff), UInt8((value >> 8) & 0xff), UInt8((value >> 16) & 0xff), UInt8(value >> 24),
        ]
    }

    public var description: String {
        switch code {
        case Self.loadWord: return "r\(dst) = *(u32 *)(r\(src) + \(offset))"
        case Self.and32: return "w\(dst) &= \(imm)"
        case Self.rsh32: return "w\(dst) >>= \(imm)"
        case Self.mov32Reg: return "w\(dst) = w\(src)"
        case Self.mov32: return "w\(dst) = \(imm)"
        case Self.jumpNotEqual: return "if r\(dst) != \(imm) goto +\(offset)"
        case Self.jumpEqual: return "if r\(dst) == \(imm) goto +\(offset)"
        case Self.exit: return "exit"
        default: return "code 0x\(String(code, radix: 16))"
        }
    }
}

/// A BPF_PROG_TYPE_CGROUP_DEVICE program enforcing a `DeviceRuleSet` on cgroup v2, where the devices
/// controller has no files: the kernel runs it on every open and mknod of a device node by a process in
/// the cgroup, with `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }` in r1
/// (access_type = access << 16 | type, type 1 block, 2 char), and allows the access when it returns 1.
///
/// Plain data, built without I/O; `CgroupFS` loads and attaches it. The program:
///
///     r2 = type; r3 = access; r4 = major; r5 = minor
///     for each exception:   if it matches, return the opposite of the default
///     return the default
///
/// An allow exception (default deny) matches when the requested access is within its access; a deny
/// exception (default allow) matches when the two share any access, as in the v1 controller.
public struct DeviceFilterProgram: Equatable, Sendable {
    public var instructions: [BPFInstruction]
    public static let license = "Apache-2.0"

    /// Registers: r1 context (then scratch), r2 type, r3 access, r4 major, r5 minor, r0 verdict.
    public init(_ set: DeviceRuleSet) {
        var program: [BPFInstruction] = [
            .init(code: BPFInstruction.loadWord, dst: 2, src: 1, offset: 0, imm: 0),
            .init(code: BPFInstruction.and32, dst: 2, src: 0, offset: 0, imm: 0xffff),
            .init(code: BPFInstruction.loadWord, dst: 3, src: 1, offset: 0, imm: 0),
            .init(code: BPFInstruction.rsh32, dst: 3, src: 0, offset: 0, imm: 16),
            .init(code: BPFInstruction.loadWord, dst: 4, src: 1, offset: 4, imm: 0),
            .init(code: BPFInstruction.loadWord, dst: 5, src: 1, offset: 8, imm: 0),
        ]
        let verdict: Int32 = set.defaultAllow ? 0 : 1
        for exception in set.exceptions {
            program += Self.block(exception, allowException: !set.defaultAllow, verdict: verdict)
        }
        program.append(.init(code: BPFInstruction.mov32, dst: 0, src: 0, offset: 0, imm: set.defaultAllow ? 1 : 0))
        program.append(.init(code: BPFInstruction.exit, dst: 0, src: 0, offset: 0, imm: 0))
        instructions = program
    }

    /// The checks for one exception; every failed check jumps past the block's end (its return).
    static func block(_ exception: DeviceRuleSet.Exception, allowException: Bool, verdict: Int32) -> [BPFInstruction] {
        // Each check is (instructions before the jump, the jump with its offset still 0).
        var checks: [[BPFInstruction]] = []
        let type: Int32 = exception.match.type == .block ? 1 : 2
        checks.append([.init(code: BPFInstruction.jumpNotEqual, dst: 2, src: 0, offset: 0, imm: type)])
        let access = Int32(exception.access.rawValue)
        if allowException, exception.access != .all {
            // Requested access must lie within the exception's: (access & ~allowed) == 0.
            checks.append([
                .init(code: BPFInstruction.mov32Reg, dst: 1, src: 3, offset: 0, imm: 0),
                .init(code: BPFInstruction.and32, dst: 1, src: 0, offset: 0, imm: ~access & 0xffff),
                .init(code: BPFInstruction.jumpNotEqual, dst: 1, src: 0, offset: 0, imm: 0),
            ])
        } else if !allowException, exception.access != .all {
            // Requested access must share a bit with the denied access: (access & denied) != 0.
            checks.append([
                .init(code: BPFInstruction.mov32Reg, dst: 1, src: 3, offset: 0, imm: 0),
                .init(code: BPFInstruction.and32, dst: 1, src: 0, offset: 0, imm: access),
                .init(code: BPFInstruction.jumpEqual, dst: 1, src: 0, offset: 0, imm: 0),
            ])
        }
        if let major = exception.match.major {
            checks.append([.init(code: BPFInstruction.jumpNotEqual, dst: 4, src: 0, offset: 0, imm: Int32(major))])
        }
        if let minor = exception.match.minor {
            checks.append([.init(code: BPFInstruction.jumpNotEqual, dst: 5, src: 0, offset: 0, imm: Int32(minor))])
        }
        let verdictReturn: [BPFInstruction] = [
            .init(code: BPFInstruction.mov32, dst: 0, src: 0, offset: 0, imm: verdict),
            .init(code: BPFInstruction.exit, dst: 0, src: 0, offset: 0, imm: 0),
        ]
        var block = checks.flatMap { $0 } + verdictReturn
        // A jump at index i lands on block.count (the next block): offset = block.count - (i + 1).
        for i in block.indices
        where block[i].code == BPFInstruction.jumpNotEqual || block[i].code == BPFInstruction.jumpEqual {
            block[i].offset = Int16(block.count - (i + 1))
        }
        return block
    }

    /// The instructions as the bytes bpf(BPF_PROG_LOAD) takes.
    public var bytes: [UInt8] { instructions.flatMap(\.bytes) }

    /// One instruction a line, numbered, for logs and test failures.
    public var listing: String {
        instructions.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: "\n")
    }
}
