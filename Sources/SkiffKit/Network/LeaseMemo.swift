/// The leases of each network, read once per locked network operation. A container start reads every
/// lease of its networks three or four times (undoing a previous run, the firewall's plan, /etc/hosts),
/// one JSON file each: with 180 containers on the default bridge that was 14% of a start's CPU
/// (`perf record` of 10 × `run -d`). The memo lives only while this process holds the network lock
/// (`NetworkStore.withLeaseMemo`), when no other process changes a lease; this process's own claims and
/// releases update it as they change the files, so it never answers what the files do not say.
final class LeaseMemo: @unchecked Sendable {
    var leases: [String: [NetworkLease]] = [:]
}

extension NetworkStore {
    @TaskLocal static var leaseMemo: LeaseMemo?

    /// Run `body` (with the network lock held) with the leases memoized.
    static func withLeaseMemo<R>(_ body: () throws(KitError) -> R) throws(KitError) -> R {
        let result: Result<R, KitError> = $leaseMemo.withValue(LeaseMemo()) {
            do throws(KitError) { return .success(try body()) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// The leases' files of `network` are gone here (the network was removed).
    static func forgetLeases(_ network: String) { leaseMemo?.leases[network] = nil }

    /// This process wrote `lease` of `network` (a claim that won its O_EXCL create).
    static func rememberLease(_ network: String, added lease: NetworkLease) {
        guard let memo = leaseMemo, var known = memo.leases[network] else { return }
        known.removeAll { $0.key == lease.key }
        known.append(lease)
        memo.leases[network] = known.sorted(by: inOrder)
    }

    /// This process removed the lease named `key` of `network`.
    static func rememberLeaseRemoved(_ network: String, key: String) {
        leaseMemo?.leases[network]?.removeAll { $0.key == key }
    }

    /// The order `leases(_:)` lists a network's leases in: by IPv4 address, then IPv6.
    static func inOrder(_ a: NetworkLease, _ b: NetworkLease) -> Bool {
        (a.ip?.value ?? 0, a.ip6?.description ?? "") < (b.ip?.value ?? 0, b.ip6?.description ?? "")
    }
}
