/// Fixed host ports that tests in different suites publish (the talk's 8000): a test holds its ports for
/// its whole run, so suites running in parallel do not take a port from each other. Ports a test only
/// needs to be free use `FreePort` instead.
public actor HostPortLock {
    public static let shared = HostPortLock()
    private var held: Set<UInt16> = []
    private var waiting: [CheckedContinuation<Void, Never>] = []

    private func acquire(_ ports: Set<UInt16>) async {
        while !held.isDisjoint(with: ports) {
            await withCheckedContinuation { waiting.append($0) }
        }
        held.formUnion(ports)
    }

    private func release(_ ports: Set<UInt16>) {
        held.subtract(ports)
        let woken = waiting
        waiting = []
        for w in woken { w.resume() }
    }

    /// Runs `body` while no other test holds any of `ports`.
    public static func holding<T>(_ ports: Set<UInt16>, _ body: () throws -> T) async rethrows -> T {
        await shared.acquire(ports)
        do {
            let result = try body()
            await shared.release(ports)
            return result
        } catch {
            await shared.release(ports)
            throw error
        }
    }
}
