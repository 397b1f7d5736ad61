import SkiffSystem

#if canImport(Glibc)
import Glibc
#endif

/// A start's check that iptables' FORWARD chain lets the root's bridges through (`opensIptablesForward`):
/// the `iptables-save -t filter` it reads, started early so it runs beside the attach; or nothing at all
/// when nftables' generation is still the one recorded after a check found FORWARD as wanted. Every
/// change to an iptables-nft ruleset is an nftables commit, so a dockerd or ufw that set FORWARD's
/// policy to DROP since then changed the generation, and is noticed at the next start.
struct ForwardCheck {
    /// The started `iptables-save -t filter`; taken (set to nil) by the check.
    var snapshot: HostNetwork.RunningTool?
    /// The generation read before the snapshot was started; nil where it does not tell (no nf_tables, or
    /// iptables is the legacy one, which nftables' generation does not follow).
    var generation: UInt32?
    /// Nothing changed since the last check found FORWARD as wanted: the check can be left out while the
    /// rules Skiff writes are the same too.
    var unchanged = false

    mutating func abandon() {
        snapshot?.abandon()
        snapshot = nil
    }
}

extension Engine {
    var forwardGenerationFile: String { networks.root + "/.forward-generation" }

    /// The FORWARD check of a start, begun: nothing where it does not run (iptables is the backend
    /// itself, or there is no iptables), nothing either when the generation is unchanged.
    func startForwardCheck() -> ForwardCheck {
        guard (try? HostNetwork.firewallBackend()) == .nftables, HostNetwork.iptablesRestoreTool != nil else {
            return ForwardCheck()
        }
        let generation = HostNetwork.iptablesIsNftables ? NftablesGeneration.current() : nil
        if let generation, recordedForwardGeneration() == generation {
            return ForwardCheck(generation: generation, unchanged: true)
        }
        return ForwardCheck(snapshot: try? HostNetwork.startIptablesSave(table: "filter"), generation: generation)
    }

    func recordedForwardGeneration() -> UInt32? {
        (try? FileIO.readString(forwardGenerationFile)).flatMap {
            UInt32($0.trimmingWhitespace)
        }
    }

    /// After a check that found FORWARD as wanted (nil: after one that changed it, or could not tell).
    func recordForwardGeneration(_ generation: UInt32?) {
        guard let generation else {
            unlink(forwardGenerationFile)
            return
        }
        guard recordedForwardGeneration() != generation else { return }
        try? FileIO.writeAtomically(forwardGenerationFile, contents: Array("\(generation)\n".utf8), mode: 0o600)
    }
}
