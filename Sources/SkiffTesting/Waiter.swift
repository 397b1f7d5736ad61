import Foundation
import SkiffKit

/// Runs a ``WaitStrategy`` against a started container: probes it at the strategy's interval until it
/// is satisfied, its deadline passes, or the container exits.
struct Waiter {
    let engine: Engine
    let containerID: String
    let containerName: String
    /// Container port → host port on 127.0.0.1.
    let ports: [UInt16: UInt16]

    /// One strategy of the tree and what its probe last saw.
    final class Node {
        let strategy: WaitStrategy
        let children: [Node]
        var satisfied = false
        var lastSeen = "nothing yet (not probed)"
        var lastHealthRun: ContinuousClock.Instant?
        var regex: Regex<AnyRegexOutput>?

        init(_ strategy: WaitStrategy) {
            self.strategy = strategy
            switch strategy.kind {
            case .all(let s), .any(let s): children = s.map(Node.init)
            default: children = []
            }
        }
    }

    enum Outcome {
        case ready
        case waiting
        /// A strategy inside `all`/`any` passed its own deadline.
        case expired(Node)
    }

    func wait(for strategy: WaitStrategy) throws(SkiffTestingError) {
        if case .none = strategy.kind { return }
        let root = Node(strategy)
        try compile(root)
        let clock = ContinuousClock()
        let start = clock.now
        var lastStateCheck = start
        while true {
            let elapsed = clock.now - start
            switch evaluate(root, elapsed: elapsed) {
            case .ready: return
            case .expired(let node): throw timedOut(node, waited: elapsed)
            case .waiting: break
            }
            if elapsed >= strategy.deadline { throw timedOut(root, waited: elapsed) }
            // The record is read every 50 ms: a container that exited will never become ready.
            if clock.now - lastStateCheck >= .milliseconds(50) {
                lastStateCheck = clock.now
                try checkRunning()
            }
            let pause = min(smallestInterval(root), strategy.deadline - elapsed)
            Thread.sleep(
                forTimeInterval: max(
                    Double(pause.components.attoseconds) / 1e18 + Double(pause.components.seconds), 0.001))
        }
    }

    private func smallestInterval(_ node: Node) -> Duration {
        node.children.map(smallestInterval).reduce(node.strategy.interval, min)
    }

    private func compile(_ node: Node) throws(SkiffTestingError) {
        if case .log(let pattern, _) = node.strategy.kind {
            do { node.regex = try Regex(pattern) } catch {
                throw .invalidArgument("WaitStrategy.log: /\(pattern)/ is not a valid regular expression: \(error)")
            }
        }
        if case .port(let p, let how) = node.strategy.kind, how != .inside, ports[p] == nil {
            throw .portNotExposed(p, container: containerName, exposed: ports.keys.sorted())
        }
        if case .http(_, let p, _) = node.strategy.kind, ports[p] == nil {
            throw .portNotExposed(p, container: containerName, exposed: ports.keys.sorted())
        }
        for c in node.children { try compile(c) }
    }

    private func evaluate(_ node: Node, elapsed: Duration) -> Outcome {
        if node.satisfied { return .ready }
        switch node.strategy.kind {
        case .all:
            // In order, up to the first one not yet satisfied: a costly probe (an exec) runs only once
            // the cheaper ones before it passed.
            for c in node.children where !c.satisfied {
                switch evaluate(c, elapsed: elapsed) {
                case .expired(let n): return .expired(n)
                case .waiting:
                    if elapsed >= c.strategy.deadline { return .expired(c) }
                case .ready: continue
                }
                break
            }
            node.satisfied = node.children.allSatisfy(\.satisfied)
            node.lastSeen = node.children.filter { !$0.satisfied }.map { "\($0.strategy): \($0.lastSeen)" }.joined(
                separator: "; ")
        case .any:
            var live = 0
            for c in node.children where elapsed < c.strategy.deadline || c.satisfied {
                live += 1
                if case .ready = evaluate(c, elapsed: elapsed) { node.satisfied = true; break }
            }
            node.lastSeen = node.children.map { "\($0.strategy): \($0.lastSeen)" }.joined(separator: "; ")
            if !node.satisfied && live == 0 { return .expired(node) }
        default:
            probe(node)
        }
        return node.satisfied ? .ready : .waiting
    }

    private func probe(_ node: Node) {
        switch node.strategy.kind {
        case .none: node.satisfied = true
        case .log(_, let wanted):
            guard let regex = node.regex else { return }
            let lines = logLines()
            let seen = lines.filter { $0.contains(regex) }.count
            node.satisfied = seen >= wanted
            node.lastSeen = "\(seen) of \(wanted) matching line(s) in \(lines.count) line(s) of output"
        case .port(let p, let how):
            var notes: [String] = []
            var ok = true
            if how != .fromHost {
                let listening = pid().map { PortProbe.listening(port: p, pid: $0) } ?? false
                if !listening { ok = false; notes.append("no socket listens on port \(p) inside") }
            }
            if ok && how != .inside, let host = ports[p] {
                if let error = PortProbe.connect(port: host) {
                    ok = false
                    notes.append("connect to 127.0.0.1:\(host): \(error)")
                }
            }
            node.satisfied = ok
            node.lastSeen = ok ? "listening" : notes.joined(separator: "; ")
        case .http(let path, let p, let statuses):
            guard let host = ports[p] else { return }
            switch HTTPProbe.get(port: host, path: path) {
            case .status(let code, let reason):
                node.satisfied = statuses.contains(code)
                node.lastSeen = "HTTP \(code) \(reason) from GET \(path) on 127.0.0.1:\(host)"
            case .failed(let why):
                node.lastSeen = "GET \(path) on 127.0.0.1:\(host): \(why)"
            }
        case .healthcheck:
            let now = ContinuousClock.now
            if node.lastHealthRun.map({ now - $0 >= max(node.strategy.interval, .milliseconds(100)) }) ?? true {
                node.lastHealthRun = now
                _ = try? engine.runHealthProbe(id: containerID)
            }
            guard let c = try? engine.container(containerID) else { return }
            guard c.healthcheck != nil else {
                node.lastSeen = "the container has no healthcheck (the image has no HEALTHCHECK)"
                return
            }
            node.satisfied = c.health?.status == .healthy
            let last = c.health?.log.last.map {
                "exit \($0.ExitCode): \($0.Output.trimmingCharacters(in: .whitespacesAndNewlines))"
            }
            node.lastSeen =
                "health \(c.health?.status.rawValue ?? "starting")" + (last.map { ", last probe \($0)" } ?? "")
        case .exec(let command):
            do {
                let r = try ContainerExec.run(engine: engine, id: containerID, command: command)
                node.satisfied = r.exitCode == 0
                let output = (r.stdout + r.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
                node.lastSeen = "exit \(r.exitCode)" + (output.isEmpty ? "" : ": " + String(output.suffix(300)))
            } catch {
                node.lastSeen = "\(error)"
            }
        case .all, .any: break
        }
    }

    private func pid() -> Int32? { (try? engine.container(containerID))?.pid }

    func logLines() -> [String] {
        var lines: [String] = []
        try? engine.readLogs(containerID, options: LogOptions()) { entry in
            lines.append(entry.log.hasSuffix("\n") ? String(entry.log.dropLast()) : entry.log)
            return true
        }
        return lines
    }

    private func checkRunning() throws(SkiffTestingError) {
        let c: Container
        do { c = try engine.container(containerID) } catch {
            throw .containerExited(name: containerName, exitCode: nil, lastLogs: [])
        }
        if c.status == .exited || c.status == .created {
            throw .containerExited(name: containerName, exitCode: c.exitCode, lastLogs: Array(logLines().suffix(20)))
        }
    }

    private func timedOut(_ node: Node, waited: Duration) -> SkiffTestingError {
        .waitTimedOut(
            WaitFailure(
                container: containerName, strategy: node.strategy.description, waited: waited,
                lastSeen: node.lastSeen, lastLogs: Array(logLines().suffix(20))))
    }
}
