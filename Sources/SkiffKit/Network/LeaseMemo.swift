/// The leases of each network, read once per locked network operation. A container start reads every
/// lease of its networks three or four times (undoing a previous run, the firewall's plan, /etc/hosts),
/// one JSON file each: with 180 containers on the default bridge that was 14% of a start's CPU
/// (`perf record` of 10 × `run -d`). The memo lives only while this process holds the network lock
/// (`NetworkStore.withLeaseMemo`), when no other process changes a lease, and this process's own
/// allocations and releases drop the network's entry, so it never answers what the files do not say.
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

    /// The leases' files of `network` changed here.
    static func forgetLeases(_ network: String) { leaseMemo?.leases[network] = nil }
}
