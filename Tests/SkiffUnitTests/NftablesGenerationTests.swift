import Foundation
import Testing

@testable import SkiffSystem

/// The NFT_MSG_GETGEN request and the reading of its answer, against the bytes `nft list tables` sends
/// and receives (captured once with `strace -e trace=sendto,recvmsg -xx nft list tables`).
@Suite("nftables generation: the request nft sends, the answer the kernel gives")
struct NftablesGenerationTests {
    /// The kernel's NFT_MSG_NEWGEN: header (44 bytes, sequence `seq`), nfgenmsg (res_id = the low 16 bits),
    /// NFTA_GEN_ID 0x0000a1f1, NFTA_GEN_PROC_PID, NFTA_GEN_PROC_NAME "nft".
    static func answer(seq: UInt32, type: UInt16 = 0x0a0f) -> [UInt8] {
        var bytes: [UInt8] = [44, 0, 0, 0]
        bytes += withUnsafeBytes(of: type) { Array($0) } + [0, 0]
        bytes += withUnsafeBytes(of: seq) { Array($0) } + [0x3c, 0x1a, 0, 0]
        bytes += [0, 0, 0xa1, 0xf1]
        bytes += [8, 0, 1, 0, 0x00, 0x00, 0xa1, 0xf1]
        bytes += [8, 0, 2, 0, 0x00, 0x00, 0x1a, 0x3c]
        bytes += [8, 0, 3, 0] + Array("nft".utf8) + [0]
        return bytes
    }

    @Test func requestIsTheOneNftSends() {
        let expected: [UInt8] = [20, 0, 0, 0, 0x10, 0x0a, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(NftablesGeneration.request(sequence: 0) == expected)
        #expect(Array(NftablesGeneration.request(sequence: 7)[8..<12]) == [7, 0, 0, 0])
    }

    @Test func generationIsReadBigEndian() {
        #expect(NftablesGeneration.generation(in: Self.answer(seq: 1), sequence: 1) == 0xa1f1)
    }

    @Test func anAnswerToAnotherRequestOrOfAnotherKindIsNotTaken() {
        #expect(NftablesGeneration.generation(in: Self.answer(seq: 2), sequence: 1) == nil)
        #expect(NftablesGeneration.generation(in: Self.answer(seq: 1, type: 2), sequence: 1) == nil)
        // Cut short: the length says more than arrived.
        #expect(NftablesGeneration.generation(in: Array(Self.answer(seq: 1).prefix(30)), sequence: 1) == nil)
        #expect(NftablesGeneration.generation(in: [], sequence: 1) == nil)
    }

    /// On this host's kernel (root, nf_tables): the generation moves when a ruleset change is committed.
    @Test(.enabled(if: getuid() == 0 && access("/usr/sbin/nft", X_OK) == 0))
    func theKernelsGenerationMovesWithACommit() throws {
        let before = try #require(NftablesGeneration.current())
        let table = "skiffgen\(getpid())"
        #expect(Self.nft("add table ip \(table)") == 0)
        defer { _ = Self.nft("delete table ip \(table)") }
        let after = try #require(NftablesGeneration.current())
        #expect(after != before)
    }

    static func nft(_ command: String) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/nft")
        p.arguments = command.split(separator: " ").map(String.init)
        guard (try? p.run()) != nil else { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}
