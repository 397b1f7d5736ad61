#if canImport(Glibc)
import Glibc
#endif

/// The nftables ruleset's generation in the caller's network namespace: a number the kernel changes at
/// every committed change of the ruleset, whoever makes it (nft, iptables-nft, firewalld, dockerd on an
/// nftables host). One NFT_MSG_GETGEN on a NETLINK_NETFILTER socket, as `nft` asks it first.
public enum NftablesGeneration {
    static let netlinkNetfilter: Int32 = 12
    /// NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETGEN, and the answer's NFT_MSG_NEWGEN.
    static let getGeneration: UInt16 = 10 << 8 | 16
    static let newGeneration: UInt16 = 10 << 8 | 15
    /// NFTA_GEN_ID, a big-endian u32.
    static let generationID: UInt16 = 1

    /// The current generation; nil without nf_tables (or when the kernel does not answer).
    public static func current() -> UInt32? {
        guard let socket = NetlinkSocket(protocol: netlinkNetfilter) else { return nil }
        let sequence: UInt32 = 1
        guard socket.send(request(sequence: sequence)) == 0,
            case .success(let datagram) = socket.receive(capacity: 4096)
        else { return nil }
        return generation(in: datagram, sequence: sequence)
    }

    /// The request: a netlink header and a `struct nfgenmsg` of AF_UNSPEC, version 0.
    static func request(sequence: UInt32) -> [UInt8] {
        NetlinkEncoding.bytes(of: UInt32(20)) + NetlinkEncoding.bytes(of: getGeneration)
            + NetlinkEncoding.bytes(of: UInt16(1))  // NLM_F_REQUEST
            + NetlinkEncoding.bytes(of: sequence) + NetlinkEncoding.bytes(of: UInt32(0)) + [0, 0, 0, 0]
    }

    /// NFTA_GEN_ID of the NFT_MSG_NEWGEN answering `sequence` in `datagram`; nil when there is none.
    static func generation(in datagram: [UInt8], sequence: UInt32) -> UInt32? {
        var offset = 0
        while offset + 20 <= datagram.count {
            let length = Int(NetlinkEncoding.u32(datagram, offset))
            guard length >= 16, offset + length <= datagram.count else { return nil }
            if NetlinkEncoding.u16(datagram, offset + 4) == newGeneration,
                NetlinkEncoding.u32(datagram, offset + 8) == sequence
            {
                var at = offset + 20  // after the header and the nfgenmsg
                while at + 4 <= offset + length {
                    let attributeLength = Int(NetlinkEncoding.u16(datagram, at))
                    guard attributeLength >= 4, at + attributeLength <= offset + length else { return nil }
                    if NetlinkEncoding.u16(datagram, at + 2) & 0x3FFF == generationID, attributeLength >= 8 {
                        return UInt32(bigEndian: NetlinkEncoding.u32(datagram, at + 4))
                    }
                    at += NetlinkEncoding.aligned(attributeLength)
                }
                return nil
            }
            offset += NetlinkEncoding.aligned(length)
        }
        return nil
    }

}
